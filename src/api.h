/* api.h - the ConnectWise Manage API client.
 *
 * Knows the API's conventions (base URL and codebase, Basic auth from
 * company+public:private, the clientId header, the versioned Accept type,
 * Link-header paging, the error body) and nothing about files. */
#ifndef CWMFS_API_H
#define CWMFS_API_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "http.h"
#include "jsontext.h"

struct progress;

#define API_MAX_PAGE_SIZE 1000
/* Pages of one listing fetched at once, and the most -o max_conns may
 * ask.  ConnectWise throttles a key by its rate of requests (429 above
 * about 1,000 a minute), and a listing makes the same ceil(N/1000) of them
 * however many go at once: 8 at once is a burst of at most 8 requests,
 * which brings 10,000 members in three round trips instead of four. */
#define API_DEFAULT_CONNS 8
#define API_MAX_CONNS 16
/* The most pages one listing takes before it fails (-EFBIG): a server
 * whose Link header never ends, or names a last page far away, costs at
 * most this many requests.  1,000 pages of 1,000 is a million objects. */
#define API_DEFAULT_MAX_PAGES 1000
#define API_MAX_PAGES 1000000
/* One answer's size, decompressed (MiB): a page of 1,000 members is about
 * 5 MiB, one object a few KiB; a gzip bomb stops here. */
#define API_DEFAULT_MAX_RESPONSE_MIB 256
#define API_MAX_RESPONSE_MIB 4096

struct cwm_api;

/* Why a call failed, for the caller to report (this layer logs nothing). */
struct api_error {
    long status;       /* HTTP status, 0 for a transport failure */
    char message[512]; /* the server's message (+ errors[].message), or the
                          transport error */
    /* A write whose answer never came: the server may have applied it
     * (a transport failure after sending, or a 504 from a gateway). */
    bool outcome_unknown;
    /* A 405's Allow header ("GET, DELETE"), "" when there was none. */
    char allow[64];
};

/* Fills error (status, message, allow) from a failed answer and its
 * ConnectWise error body, {"code","message","errors":[{"message"}...]};
 * whatever the body, the message is one terminated line. */
void api_describe_error(const struct http_response *resp,
                        struct api_error *error);

/* Builds the client; discovers the codebase through /login/companyinfo when
 * the config has none.  Returns NULL with a one-line reason in err. */
struct cwm_api *api_new(const struct cwm_config *cfg,
                        const struct http_options *http_opts, char *err,
                        size_t errlen);
void api_free(struct cwm_api *api);
struct http_client *api_http(struct cwm_api *api);
/* The listings in flight (progress.h). */
struct progress *api_listings(struct cwm_api *api);
/* The base of every System call: <url>/<codebase>apis/3.0/system */
const char *api_base_url(const struct cwm_api *api);

/* GET system/<path> (path may carry a query).  On success *out is the parsed
 * body.  Returns 0 or -errno (ENOENT for 404, EACCES for 401/403, ...). */
int api_get(struct cwm_api *api, const char *path, cJSON **out,
            struct api_error *error);

/* One page of a list as the server sent it, split into its items: spans
 * of the page's text, not yet parsed (jsontext.h).  Valid during the call
 * that hands it over. */
struct api_page {
    int n; /* as the server numbered it */
    const struct json_span *items;
    size_t count;
    void *prepared; /* what the taker's prepare made of it */
};
/* Who takes a list's pages, and how; both run in the thread that asked
 * for the list.
 *
 * prepare (may be NULL) runs on each page as soon as it has come, in the
 * order pages come (not always theirs): the costly work per item
 * (rendering) belongs there, so that it overlaps the fetching of the
 * other pages instead of waiting for the one before.  It leaves its work
 * in page->prepared, or nothing when it fails.  The page's text is then
 * freed: items are NULL from there on (count stays).
 *
 * take runs after prepare, pages in order.  It may keep page->prepared
 * (and set it to NULL); what it leaves there is handed to discard, as is
 * what prepare made of a page never taken (another page failed first, or
 * the page lies past the end page 1 names).
 *
 * A nonzero return (-errno) from prepare or take stops the listing with
 * that error; -EIO says an item was not JSON. */
struct api_page_taker {
    int (*prepare)(void *ctx, struct api_page *page);
    int (*take)(void *ctx, struct api_page *page);
    void (*discard)(void *ctx, struct api_page *page);
    void *ctx;
};
/* GET every page of the list at system/<endpoint> as api_get_all does,
 * each handed to the taker as it arrives, so that a big list is never
 * whole in memory.  0 or -errno as api_get (error says why). */
int api_each_page(struct cwm_api *api, const char *endpoint,
                  const struct api_page_taker *taker, struct api_error *error);

/* GET every page of the list at system/<endpoint>, following the Link
 * header; *out is one JSON array holding all items, in order.  Once the
 * first page names the last, the others are fetched up to max_conns at a
 * time. */
int api_get_all(struct cwm_api *api, const char *endpoint, cJSON **out,
                struct api_error *error);

/* PATCH, PUT, POST or DELETE system/<path> with a JSON body (or NULL).  On
 * success *out (when out is not NULL) is the parsed answer, NULL for an
 * empty one (204).  Returns 0 or -errno as api_get. */
int api_send(struct cwm_api *api, const char *method, const char *path,
             const cJSON *body, cJSON **out, struct api_error *error);

/* ---- the port: what the layers above call ----
 * The store (and through it the committer) reaches the API only through
 * these three calls, so unit tests can put an in-memory server behind
 * them.  In a mount, api_port_init binds them to a client. */
struct api_port {
    void *ctx;
    int page_size; /* items asked for a page */
    int (*get)(void *ctx, const char *path, cJSON **out,
               struct api_error *error);
    int (*get_all)(void *ctx, const char *endpoint, cJSON **out,
                   struct api_error *error);
    /* api_each_page: how listings are fetched. */
    int (*each_page)(void *ctx, const char *endpoint,
                     const struct api_page_taker *taker,
                     struct api_error *error);
    int (*send)(void *ctx, const char *method, const char *path,
                const cJSON *body, cJSON **out, struct api_error *error);
    /* 1 if the server moved (see api_relocate); may be NULL. */
    int (*relocate)(void *ctx);
};

/* After an endpoint that always exists answered 404: asks companyinfo
 * for the codebase again (at most every few seconds, never for a
 * configured one) and switches to it.  1 if it moved (try again), else
 * 0. */
int api_relocate(struct cwm_api *api);

/* Items asked for a page from now on (-o page_size; ConnectWise staff
 * advise 250 for heavy entities); 1 to API_MAX_PAGE_SIZE. */
void api_set_page_size(struct cwm_api *api, int page_size);
/* Pages fetched at once from now on (-o max_conns); 1 to API_MAX_CONNS. */
void api_set_max_conns(struct cwm_api *api, int max_conns);
/* Pages one listing may take (-o max_pages), 1 or more. */
void api_set_max_pages(struct cwm_api *api, int max_pages);

/* Binds port to api (api_get, api_get_all, api_send). */
void api_port_init(struct api_port *port, struct cwm_api *api);

/* The Accept version sent from now on (the mount pins the server's own,
 * read from info.version, unless the config names one).  Call before
 * any other thread uses api.  0 or -ENOMEM. */
int api_pin_version(struct cwm_api *api, const struct cwm_config *cfg,
                    const char *version);
/* The version asked for in Accept (pinned or configured); NULL: none,
 * the server answers with its own. */
const char *api_version_in_use(const struct cwm_api *api);
/* "2025.8" for info {"version": "v2025.8.102945"}; NULL if it has none
 * (malloc'd). */
char *api_version_of(const cJSON *info);

/* GET <url>/login/companyinfo/<company> (no auth), the question api_new
 * asks for the codebase, on a client of its own: 0 with *out the answer
 * ({"CompanyName", "Codebase", "VersionCode", ...}), NULL when the server
 * does not know the company (ConnectWise's 200 "null"); -1 with *status
 * (0: no answer arrived) and a one-line reason in err. */
int api_company_info(const struct http_options *http_opts, const char *url,
                     const char *company, cJSON **out, long *status, char *err,
                     size_t errlen);

/* Why GET system/info at base was refused (e), as one line naming the
 * fix: the keys (401), their member's role (403), the URL or codebase
 * (404), the network (no answer). */
void api_explain_refusal(const char *base, const struct api_error *e, char *err,
                         size_t errlen);

/* Maps an HTTP status to the errno a file operation should report. */
int api_status_to_errno(long status);

/* Percent-encodes one path segment (an identifier may contain '/'). */
char *api_escape_segment(const char *segment);

#endif
