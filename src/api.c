/* api.c - see api.h. */
#include "api.h"

#include "clock.h"
#include "log.h"
#include "progress.h"
#include "strmap.h"
#include "render.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* api_relocate asks companyinfo at most this often. */
#define RELOCATE_EVERY_SECONDS 5.0

struct cwm_api {
    struct http_client *http;
    char *base_url;             /* .../apis/3.0/system */
    struct curl_slist *headers; /* auth, clientId, Accept: built once */
    int page_size;
    int max_conns; /* pages fetched at once (-o max_conns) */
    int max_pages; /* pages one listing may take (-o max_pages) */
    /* The codebase moves with cloud releases (v2025_1/ -> v2025_2/): a
     * discovered one is looked up again when an endpoint that always
     * exists answers 404 (api_relocate). */
    char *url, *company;       /* NULL when the codebase was configured */
    pthread_mutex_t base_lock; /* guards base_url and next_discovery */
    double next_discovery;
    struct progress *listings; /* in flight, for the status file */
    char *version; /* the API version asked for, NULL: the server's */
    pthread_mutex_t seen_lock; /* guards seen */
    struct strmap *seen; /* endpoint -> pages its last listing had (int) */
};

struct http_client *api_http(struct cwm_api *api) { return api->http; }
struct progress *api_listings(struct cwm_api *api) { return api->listings; }
const char *api_base_url(const struct cwm_api *api) { return api->base_url; }

int api_status_to_errno(long status)
{
    /* clang-format off */
    switch (status) {
    case 400: return -EINVAL;
    case 401: case 403: return -EACCES;
    case 404: return -ENOENT;
    case 405: return -EROFS;
    case 409: return -EBUSY;
    case 429: return -EAGAIN;
    default:  return status >= 200 && status < 300 ? 0 : -EIO;
    }
    /* clang-format on */
}

char *api_escape_segment(const char *segment)
{
    char *escaped = curl_easy_escape(NULL, segment, 0);
    char *copy;

    if (!escaped)
        return NULL;
    copy = strdup(escaped);
    curl_free(escaped);
    return copy;
}

/* ---- construction ---- */

static char *base64(const unsigned char *in, size_t len)
{
    static const char tbl[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = malloc(4 * ((len + 2) / 3) + 1), *p = out;

    if (!out)
        return NULL;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)in[i] << 16;
        if (i + 1 < len)
            v |= (unsigned)in[i + 1] << 8;
        if (i + 2 < len)
            v |= in[i + 2];
        *p++ = tbl[(v >> 18) & 63];
        *p++ = tbl[(v >> 12) & 63];
        *p++ = i + 1 < len ? tbl[(v >> 6) & 63] : '=';
        *p++ = i + 2 < len ? tbl[v & 63] : '=';
    }
    *p = '\0';
    return out;
}

/* Appends a formatted header; on failure frees the list and returns NULL. */
static struct curl_slist *add_header(struct curl_slist *list, const char *fmt,
                                     const char *a, const char *b)
{
    char line[1024];
    struct curl_slist *grown;

    snprintf(line, sizeof(line), fmt, a, b);
    grown = curl_slist_append(list, line);
    explicit_bzero(line, sizeof(line)); /* it may hold the credentials */
    if (!grown)
        curl_slist_free_all(list);
    return grown;
}

/* version NULL: an Accept without one (the server's current version). */
static struct curl_slist *build_headers(const struct cwm_config *cfg,
                                        const char *version)
{
    struct curl_slist *h = NULL;
    char creds[512];
    char *token;
    int n;

    n = snprintf(creds, sizeof(creds), "%s+%s:%s", cfg->company,
                 cfg->public_key, cfg->private_key);
    if (n < 0 || (size_t)n >= sizeof(creds))
        return NULL;
    token = base64((unsigned char *)creds, (size_t)n);
    explicit_bzero(creds, sizeof(creds));
    if (!token)
        return NULL;
    h = add_header(h, "Authorization: Basic %s%s", token, "");
    explicit_bzero(token, strlen(token));
    free(token);
    if (h)
        h = add_header(h, "clientId: %s%s", cfg->client_id, "");
    if (h && version)
        h = add_header(
            h, "Accept: application/vnd.connectwise.com+json; version=%s%s",
            version, "");
    else if (h)
        h = add_header(h, "Accept: application/vnd.connectwise.com+json%s%s",
                       "", "");
    if (h)
        h = add_header(h, "Content-Type: application/json%s%s", "", "");
    /* libcurl sends "Expect: 100-continue" for large bodies; skip the wait. */
    if (h)
        h = add_header(h, "Expect:%s%s", "", "");
    return h;
}

/* A companyinfo answer: 0 with *out (NULL for "null"), or -1 and why. */
static int company_answer(const char *url, const struct http_response *resp,
                          cJSON **out, char *err, size_t errlen)
{
    *out = resp->status == 200 ? cJSON_Parse(resp->body) : NULL;
    if (cJSON_IsObject(*out))
        return 0;
    if (cJSON_IsNull(*out)) { /* an unknown company: 200 and "null" */
        cJSON_Delete(*out);
        *out = NULL;
        return 0;
    }
    cJSON_Delete(*out);
    *out = NULL;
    snprintf(err, errlen, "%s/login/companyinfo answered HTTP %ld%s", url,
             resp->status,
             resp->status == 200 ? " with a body that is not an object" : "");
    return -1;
}

/* GET <url>/login/companyinfo/<company> on http (no auth needed). */
static int ask_company_info(struct http_client *http, const char *url,
                            const char *company, cJSON **out, long *status,
                            char *err, size_t errlen)
{
    char *escaped = api_escape_segment(company), *full = NULL;
    struct http_response resp;
    int rc = -1;

    *out = NULL;
    *status = 0;
    if (!escaped ||
        asprintf(&full, "%s/login/companyinfo/%s", url, escaped) < 0) {
        snprintf(err, errlen, "out of memory");
        full = NULL;
    } else if (http_request(http, "GET", full, NULL, NULL, 0, &resp) != 0) {
        snprintf(err, errlen, "cannot reach %s: %s", url, resp.error);
    } else {
        *status = resp.status;
        rc = company_answer(url, &resp, out, err, errlen);
        http_response_free(&resp);
    }
    free(full);
    free(escaped);
    return rc;
}

int api_company_info(const struct http_options *http_opts, const char *url,
                     const char *company, cJSON **out, long *status, char *err,
                     size_t errlen)
{
    struct http_client *http = http_client_new(http_opts);
    int rc = -1;

    *out = NULL;
    *status = 0;
    if (!http)
        snprintf(err, errlen, "out of memory");
    else
        rc = ask_company_info(http, url, company, out, status, err, errlen);
    http_client_free(http);
    return rc;
}

/* Asks companyinfo for the codebase; NULL with a reason naming the fix. */
static char *discover_codebase(struct http_client *http, const char *url,
                               const char *company, char *err, size_t errlen)
{
    cJSON *info = NULL;
    long status;
    const cJSON *cb;
    char *codebase = NULL;

    if (ask_company_info(http, url, company, &info, &status, err, errlen)) {
        snprintf(err + strlen(err), errlen - strlen(err),
                 "; check url in the profile (cwmfs --check tells more)");
        return NULL;
    }
    cb = cJSON_GetObjectItemCaseSensitive(info, "Codebase");
    if (cJSON_IsString(cb) && cb->valuestring[0])
        codebase = strdup(cb->valuestring);
    else
        snprintf(err, errlen,
                 "%s does not know company '%s' (login/companyinfo answered "
                 "no codebase); check company in the profile, the id typed "
                 "at the ConnectWise login",
                 url, company);
    cJSON_Delete(info);
    return codebase;
}

static char *join_base(const char *url, const char *codebase)
{
    size_t cb_len = strlen(codebase);
    const char *slash = (cb_len && codebase[cb_len - 1] == '/') ? "" : "/";
    char *base;

    while (*codebase == '/')
        codebase++;
    if (asprintf(&base, "%s/%s%sapis/3.0/system", url, codebase, slash) < 0)
        return NULL;
    return base;
}

struct cwm_api *api_new(const struct cwm_config *cfg,
                        const struct http_options *http_opts, char *err,
                        size_t errlen)
{
    struct cwm_api *api = calloc(1, sizeof(*api));
    char *codebase = NULL;

    if (!api) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&api->base_lock, NULL);
    pthread_mutex_init(&api->seen_lock, NULL);
    api->seen = strmap_new(free);
    api->http = http_client_new(http_opts);
    api->headers = build_headers(cfg, cfg->api_version);
    api->version = cfg->api_version ? strdup(cfg->api_version) : NULL;
    api->listings = progress_new();
    api->page_size = API_MAX_PAGE_SIZE;
    api->max_conns = API_DEFAULT_CONNS;
    api->max_pages = API_DEFAULT_MAX_PAGES;
    if (!api->http || !api->headers || !api->listings || !api->seen) {
        snprintf(err, errlen, "cannot set up the HTTP client");
        goto fail;
    }
    codebase = cfg->codebase ? strdup(cfg->codebase)
                             : discover_codebase(api->http, cfg->url,
                                                 cfg->company, err, errlen);
    if (!codebase)
        goto fail;
    api->base_url = join_base(cfg->url, codebase);
    free(codebase);
    if (!cfg->codebase) {
        api->url = strdup(cfg->url);
        api->company = strdup(cfg->company);
    }
    if (!api->base_url || (!cfg->codebase && (!api->url || !api->company))) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    return api;
fail:
    api_free(api);
    return NULL;
}

void api_free(struct cwm_api *api)
{
    if (!api)
        return;
    http_client_free(api->http);
    curl_slist_free_all(api->headers);
    free(api->base_url);
    free(api->url);
    free(api->company);
    progress_free(api->listings);
    free(api->version);
    strmap_free(api->seen);
    pthread_mutex_destroy(&api->seen_lock);
    pthread_mutex_destroy(&api->base_lock);
    free(api);
}

/* ---- calls ---- */

void api_describe_error(const struct http_response *resp,
                        struct api_error *error)
{
    cJSON *body = cJSON_Parse(resp->body);
    cJSON *msg = cJSON_GetObjectItemCaseSensitive(body, "message");
    cJSON *errors = cJSON_GetObjectItemCaseSensitive(body, "errors");
    cJSON *item;
    size_t used;

    error->status = resp->status;
    snprintf(error->allow, sizeof(error->allow), "%s",
             resp->allow ? resp->allow : "");
    snprintf(error->message, sizeof(error->message), "HTTP %ld%s%s",
             resp->status, cJSON_IsString(msg) ? ": " : "",
             cJSON_IsString(msg) ? msg->valuestring : "");
    cJSON_ArrayForEach(item, errors) {
        cJSON *m = cJSON_GetObjectItemCaseSensitive(item, "message");
        used = strlen(error->message);
        if (cJSON_IsString(m) && used < sizeof(error->message))
            snprintf(error->message + used, sizeof(error->message) - used,
                     "; %s", m->valuestring);
    }
    cJSON_Delete(body);
}

/* One request to system/<path>; returns the response or -errno. */
static int api_call(struct cwm_api *api, const char *method, const char *path,
                    const char *body, struct http_response *resp,
                    struct api_error *error)
{
    char *url;
    int rc;

    pthread_mutex_lock(&api->base_lock);
    rc = asprintf(&url, "%s/%s", api->base_url, path);
    pthread_mutex_unlock(&api->base_lock);
    if (rc < 0)
        return -ENOMEM;
    rc = http_request(api->http, method, url, api->headers, body,
                      body ? strlen(body) : 0, resp);
    error->outcome_unknown = false;
    error->allow[0] = '\0';
    if (rc) {
        error->status = 0;
        error->outcome_unknown = resp->outcome_unknown;
        snprintf(error->message, sizeof(error->message), "%s %s: %s", method,
                 url, resp->error);
    } else if (resp->status < 200 || resp->status >= 300) {
        api_describe_error(resp, error);
        error->outcome_unknown = resp->status == 504 && strcmp(method, "GET");
        rc = api_status_to_errno(resp->status);
        http_response_free(resp);
    }
    free(url);
    return rc;
}

int api_relocate(struct cwm_api *api)
{
    char err[256], *codebase, *base = NULL;
    double now = clock_mono_seconds();
    bool due, moved = false;

    pthread_mutex_lock(&api->base_lock);
    due = api->url && now >= api->next_discovery;
    if (due)
        api->next_discovery = now + RELOCATE_EVERY_SECONDS;
    pthread_mutex_unlock(&api->base_lock);
    if (!due)
        return false;
    codebase = discover_codebase(api->http, api->url, api->company, err,
                                 sizeof(err));
    base = codebase ? join_base(api->url, codebase) : NULL;
    pthread_mutex_lock(&api->base_lock);
    if (base && strcmp(base, api->base_url) != 0) {
        log_info("the codebase moved: now %s", base);
        free(api->base_url);
        api->base_url = base;
        base = NULL;
        moved = true;
    }
    pthread_mutex_unlock(&api->base_lock);
    free(base);
    free(codebase);
    return moved ? 1 : 0;
}

int api_get(struct cwm_api *api, const char *path, cJSON **out,
            struct api_error *error)
{
    struct http_response resp;
    int rc = api_call(api, "GET", path, NULL, &resp, error);

    *out = NULL;
    if (rc)
        return rc;
    *out = render_parse(resp.body, resp.len);
    if (!*out) {
        snprintf(error->message, sizeof(error->message),
                 "GET %s: the server sent a body that is not JSON", path);
        rc = -EIO;
    }
    http_response_free(&resp);
    return rc;
}

int api_send(struct cwm_api *api, const char *method, const char *path,
             const cJSON *body, cJSON **out, struct api_error *error)
{
    struct http_response resp;
    char *text = body ? cJSON_PrintUnformatted(body) : NULL;
    int rc;

    if (out)
        *out = NULL;
    if (body && !text)
        return -ENOMEM;
    rc = api_call(api, method, path, text, &resp, error);
    free(text);
    if (rc)
        return rc;
    if (out && resp.len > 0) {
        *out = render_parse(resp.body, resp.len);
        if (!*out) {
            snprintf(error->message, sizeof(error->message),
                     "%s %s: the server answered with a body that is not JSON",
                     method, path);
            rc = -EIO;
        }
    }
    http_response_free(&resp);
    return rc;
}

/* True when a Link header offers rel="next". */
static bool link_has_next(const char *link)
{
    return link && strstr(link, "rel=\"next\"") != NULL;
}

int api_link_last_page(const char *link)
{
    const char *rel = link ? strstr(link, "rel=\"last\"") : NULL;
    const char *open = rel, *page;

    while (open && open > link && *open != '<')
        open--;
    if (!open || *open != '<')
        return 0;
    for (page = strstr(open, "page="); page && page < rel;
         page = strstr(page + 1, "page="))
        if (page[-1] == '?' || page[-1] == '&') {
            long n = strtol(page + 5, NULL, 10); /* ERANGE: LONG_MAX */
            return n < 0 ? 0 : n > INT_MAX ? INT_MAX : (int)n;
        }
    return 0;
}

/* One page of a list, and what its Link header says of the others. */
struct page {
    struct http_response resp; /* the text the items lie in */
    struct json_span *items;
    size_t count;
    bool more;     /* rel="next" */
    int last;      /* rel="last", 0 when not said */
    bool prepared; /* the taker's prepare ran (the text is gone) */
    void *made;    /* what it made, until taken */
};

/* What the taker sees of page n. */
static struct api_page page_view(const struct page *page, int n)
{
    return (struct api_page){ n, page->items, page->count, page->made };
}

/* Frees a page, and through the taker (NULL: none yet) what its prepare
 * made of it. */
static void page_free(const struct api_page_taker *taker, struct page *page)
{
    if (page->made && taker && taker->discard) {
        struct api_page view = page_view(page, 0);
        taker->discard(taker->ctx, &view);
    }
    http_response_free(&page->resp);
    free(page->items);
    memset(page, 0, sizeof(*page));
}

static int request_page(struct cwm_api *api, const char *endpoint, int n,
                        struct http_response *resp, struct api_error *error)
{
    char *path;
    int rc;

    if (asprintf(&path, "%s%spageSize=%d&page=%d", endpoint,
                 strchr(endpoint, '?') ? "&" : "?", api->page_size, n) < 0)
        return -ENOMEM;
    rc = api_call(api, "GET", path, NULL, resp, error);
    free(path);
    return rc;
}

/* Splits a page's answer (taken over) into its items, in out. */
static int digest_page(struct http_response *resp, const char *endpoint,
                       struct page *out, struct api_error *error)
{
    int rc;

    out->resp = *resp;
    out->more = link_has_next(resp->link);
    out->last = api_link_last_page(resp->link);
    rc = jsontext_split(resp->body, resp->len, &out->items, &out->count);
    if (rc == -EINVAL) {
        snprintf(error->message, sizeof(error->message),
                 "GET %s: expected a JSON array", endpoint);
        rc = -EIO;
    }
    if (rc)
        page_free(NULL, out);
    return rc;
}

/* Says why the taker refused page n (rc, nonzero). */
static int refused_page(int rc, const char *endpoint, int n,
                        struct api_error *error)
{
    if (rc == -EIO)
        snprintf(error->message, sizeof(error->message),
                 "GET %s: page %d holds an item that is not JSON", endpoint, n);
    else
        snprintf(error->message, sizeof(error->message),
                 "GET %s: page %d could not be kept", endpoint, n);
    return rc;
}

/* Runs the taker's prepare on page n, once, then frees the page's text,
 * which only prepare reads. */
static int prepare_page(const struct api_page_taker *taker, int n,
                        struct page *page, const char *endpoint,
                        struct api_error *error)
{
    struct api_page view = page_view(page, n);
    int rc;

    if (!taker->prepare || page->prepared)
        return 0;
    view.prepared = NULL;
    rc = taker->prepare(taker->ctx, &view);
    page->prepared = true;
    page->made = view.prepared;
    if (rc)
        return refused_page(rc, endpoint, n, error);
    http_response_free(&page->resp);
    free(page->items);
    page->items = NULL;
    return 0;
}

/* Hands page n to the taker (prepared first, unless that was done while
 * another page was awaited). */
static int hand_page(const struct api_page_taker *taker, int n,
                     struct page *page, const char *endpoint,
                     struct api_error *error)
{
    struct api_page view;
    int rc = prepare_page(taker, n, page, endpoint, error);

    if (rc)
        return rc;
    view = page_view(page, n);
    page->made = NULL; /* the taker's now */
    rc = taker->take(taker->ctx, &view);
    if (view.prepared && taker->discard)
        taker->discard(taker->ctx, &view);
    return rc ? refused_page(rc, endpoint, n, error) : 0;
}

static int get_page(struct cwm_api *api, const char *endpoint, int n,
                    struct page *out, struct api_error *error)
{
    struct http_response resp;
    int rc = request_page(api, endpoint, n, &resp, error);

    return rc ? rc : digest_page(&resp, endpoint, out, error);
}

/* A listing past max_pages: refused before any request for it. */
static int too_many_pages(struct cwm_api *api, const char *endpoint, int pages,
                          struct api_error *error)
{
    if (pages <= api->max_pages)
        return 0;
    snprintf(error->message, sizeof(error->message),
             "GET %s: the listing goes on past %d pages (its Link header "
             "says so); -o max_pages=%d stops it there",
             endpoint, api->max_pages, api->max_pages);
    return -EFBIG;
}

/* Pages 2..last: fetched and split by up to max_conns threads at once,
 * and handed, in order, to the caller's thread, which gives each to the
 * taker while later pages are still on their way.  While it waits for the
 * next in order, it prepares any other that came (pages come back in any
 * order): the fetchers only fetch, and the caller is never idle while
 * there is work.  One thread prepares and takes, so the taker needs no
 * lock.
 *
 * When the list was listed before, its page count then is a guess, and
 * page 1 is fetched with pages 2..guess, at once: that saves a round trip
 * per listing (a TTL's expiry, a refresh).  Page 1 then says how many
 * pages there are now.  Pages past that are dropped unseen (a request is
 * wasted only when the list lost a page); a list that grew is fetched on
 * to its new end.  Until page 1 has spoken, a fetcher with no page left
 * to fetch waits rather than leave. */
struct fetch {
    struct cwm_api *api;
    const char *endpoint;
    const struct api_page_taker *taker;
    struct page *first;        /* handed while the others are fetched */
    struct page first_fetched; /* page 1, when fetched here */
    int *said;                 /* how many pages page 1 says there are */
    pthread_mutex_t lock;      /* guards what follows */
    pthread_cond_t changed;    /* a page came, the count is known, a failure */
    int next;                  /* the page the next fetcher takes */
    int last;                  /* as far as known; set by the caller alone */
    bool counted;              /* last is page 1's word, or all there will be */
    int cap;                   /* pages and done hold 0..cap */
    struct page *pages;        /* by number, split */
    bool *done;                /* pages[n] is there */
    int rc;                    /* the first failure stops every fetcher */
    struct api_error error;
    atomic_bool cancelled; /* the caller gave up: stop at once */
    pthread_t tid[API_MAX_CONNS];
    int started;
};

/* Records a failure (the first one wins); f locked. */
static void fail_locked(struct fetch *f, int rc, const struct api_error *error)
{
    if (rc && !f->rc) {
        f->rc = rc;
        f->error = *error;
        pthread_cond_broadcast(&f->changed);
    }
}

/* The failure that stops the listing, or 0. */
static int failure(struct fetch *f)
{
    int rc;

    pthread_mutex_lock(&f->lock);
    rc = f->rc;
    pthread_mutex_unlock(&f->lock);
    return rc;
}

/* The number of the page to fetch next, or 0 when there is none (or a
 * failure stops the listing). */
static int take_number(struct fetch *f)
{
    int n = 0;

    pthread_mutex_lock(&f->lock);
    while (!f->rc && f->next > f->last && !f->counted)
        pthread_cond_wait(&f->changed, &f->lock);
    if (!f->rc && f->next <= f->last)
        n = f->next++;
    pthread_mutex_unlock(&f->lock);
    return n;
}

static void *fetch_pages(void *arg)
{
    struct fetch *f = arg;

    http_set_thread_cancel(&f->cancelled);
    for (int n = take_number(f); n; n = take_number(f)) {
        struct api_error error = { 0 };
        struct http_response resp;
        struct page page = { 0 };
        int rc = request_page(f->api, f->endpoint, n, &resp, &error);

        if (rc == 0)
            rc = digest_page(&resp, f->endpoint, &page, &error);
        pthread_mutex_lock(&f->lock);
        fail_locked(f, rc, &error);
        if (rc == 0) {
            f->pages[n] = page;
            f->done[n] = true;
        }
        pthread_cond_broadcast(&f->changed);
        pthread_mutex_unlock(&f->lock);
    }
    http_set_thread_cancel(NULL);
    return NULL;
}

/* Fetchers, up to n in all; without any, this thread fetches what is
 * left itself. */
static void start_fetchers(struct fetch *f, int n)
{
    if (n > f->api->max_conns)
        n = f->api->max_conns;
    for (; f->started < n; f->started++)
        if (pthread_create(&f->tid[f->started], NULL, fetch_pages, f) != 0)
            break;
    if (f->started == 0) {
        pthread_mutex_lock(&f->lock);
        f->counted = true; /* nobody to wait for page 1 */
        pthread_mutex_unlock(&f->lock);
        fetch_pages(f);
    }
}

/* The caller gave up (its process was killed): every fetcher stops, its
 * transfer cut short; f locked. */
static void give_up_locked(struct fetch *f)
{
    struct api_error error = { 0 };

    snprintf(error.message, sizeof(error.message), "GET %s: the caller gave up",
             f->endpoint);
    fail_locked(f, -EINTR, &error);
    f->cancelled = true;
}

/* A page after n that came and is not prepared yet, or 0; f locked. */
static int unprepared_locked(const struct fetch *f, int n)
{
    for (int m = n + 1; m <= f->last; m++)
        if (f->done[m] && !f->pages[m].prepared)
            return m;
    return 0;
}

/* Prepares page m (come, and left alone by the fetchers from then on);
 * f locked, unlocked meanwhile. */
static void prepare_early_locked(struct fetch *f, int m)
{
    struct api_error error = { 0 };
    int rc;

    pthread_mutex_unlock(&f->lock);
    rc = prepare_page(f->taker, m, &f->pages[m], f->endpoint, &error);
    pthread_mutex_lock(&f->lock);
    fail_locked(f, rc, &error);
}

/* Waits for page n (moved to *page), preparing others meanwhile; false
 * after a failure. */
static bool wait_for_page(struct fetch *f, int n, struct page *page)
{
    bool ok;

    pthread_mutex_lock(&f->lock);
    while (!f->done[n] && !f->rc) {
        /* look at the caller 10 times a second */
        struct timespec tick = clock_wall_after(0.1);
        int m = unprepared_locked(f, n);

        if (m)
            prepare_early_locked(f, m);
        else if (pthread_cond_timedwait(&f->changed, &f->lock, &tick) ==
                     ETIMEDOUT &&
                 http_gave_up())
            give_up_locked(f);
    }
    ok = f->done[n] && !f->rc;
    if (ok) {
        *page = f->pages[n];
        f->done[n] = false;
    }
    pthread_mutex_unlock(&f->lock);
    return ok;
}

/* Hands page 1, then pages 2..last in order as they arrive, to the
 * taker; *more: whether the last said the list goes on. */
static int digest_pages(struct fetch *f, bool *more)
{
    for (int n = 1; !failure(f) && n <= f->last; n++) {
        struct api_error error = { 0 };
        struct page page = { 0 };
        int rc;

        if (n == 1) {
            *more = f->first->more;
            rc = hand_page(f->taker, 1, f->first, f->endpoint, &error);
        } else {
            if (!wait_for_page(f, n, &page))
                break;
            *more = page.more;
            rc = hand_page(f->taker, n, &page, f->endpoint, &error);
            page_free(f->taker, &page);
        }
        pthread_mutex_lock(&f->lock);
        fail_locked(f, rc, &error);
        pthread_mutex_unlock(&f->lock);
    }
    return failure(f);
}

/* Room for pages 0..n; f locked (the fetchers touch the arrays only so). */
static int grow_locked(struct fetch *f, int n)
{
    struct page *pages;
    bool *done;

    if (n <= f->cap)
        return 0;
    pages = realloc(f->pages, ((size_t)n + 1) * sizeof(*pages));
    if (pages)
        f->pages = pages;
    done = pages ? realloc(f->done, ((size_t)n + 1) * sizeof(*done)) : NULL;
    if (!done)
        return -ENOMEM;
    f->done = done;
    memset(&f->pages[f->cap + 1], 0, (size_t)(n - f->cap) * sizeof(*pages));
    memset(&f->done[f->cap + 1], 0, (size_t)(n - f->cap) * sizeof(*done));
    f->cap = n;
    return 0;
}

/* How many pages page 1 (come) says there are: its rel="last", 1 when it
 * says the list ends, the guess when it says neither. */
static int pages_said(const struct fetch *f, const struct page *first)
{
    if (!first->more || first->count == 0)
        return 1;
    return first->last ? first->last : f->last;
}

/* Waits for page 1, fetched with the guessed others, and puts the count
 * it says in place of the guess. */
static int learn_count(struct fetch *f)
{
    struct api_error error = { 0 };
    int rc = 0, said = 1;

    f->first = &f->first_fetched;
    if (wait_for_page(f, 1, f->first)) {
        said = pages_said(f, f->first);
        rc = too_many_pages(f->api, f->endpoint, said, &error);
    }
    pthread_mutex_lock(&f->lock);
    if (rc == 0 && !f->rc)
        rc = grow_locked(f, said);
    if (rc == -ENOMEM)
        snprintf(error.message, sizeof(error.message),
                 "GET %s: out of memory for %d pages", f->endpoint, said);
    fail_locked(f, rc, &error);
    if (!f->rc) {
        f->last = said;
        *f->said = said;
    }
    f->counted = true;
    pthread_cond_broadcast(&f->changed);
    rc = f->rc;
    pthread_mutex_unlock(&f->lock);
    return rc;
}

static int fetch_in_parallel(struct fetch *f, bool *more)
{
    bool guessing = !f->first;

    start_fetchers(f, f->last - f->next + 1);
    /* a list that grew past the guess: more fetchers for the rest */
    if (guessing && learn_count(f) == 0)
        start_fetchers(f, f->last - 1);
    if (!failure(f))
        digest_pages(f, more);
    for (int i = 0; i < f->started; i++)
        pthread_join(f->tid[i], NULL);
    return f->rc;
}

/* Page 1 handed while pages 2..last are fetched at once; first is page
 * 1, or NULL to fetch it with the others, last (a guess, then) said
 * before.  *more: whether the list goes on past them; *said: how many
 * pages page 1 said there are. */
static int each_page_in_parallel(struct cwm_api *api, const char *endpoint,
                                 struct page *first, int last,
                                 const struct api_page_taker *taker, bool *more,
                                 int *said, struct api_error *error)
{
    struct fetch f = { .api = api,
                       .endpoint = endpoint,
                       .taker = taker,
                       .first = first,
                       .said = said,
                       .next = first ? 2 : 1,
                       .last = last,
                       .counted = first != NULL,
                       .cap = last };
    int rc = -ENOMEM;

    *more = false;
    pthread_mutex_init(&f.lock, NULL);
    pthread_cond_init(&f.changed, NULL);
    f.pages = calloc((size_t)last + 1, sizeof(*f.pages));
    f.done = calloc((size_t)last + 1, sizeof(*f.done));
    if (f.pages && f.done)
        rc = fetch_in_parallel(&f, more);
    if (rc)
        *error = f.error;
    *more = rc == 0 && *more;
    for (int n = 0; f.done && n <= f.cap; n++)
        if (f.done[n]) /* fetched after a failure, or past the end */
            page_free(taker, &f.pages[n]);
    page_free(taker, &f.first_fetched);
    free(f.pages);
    free(f.done);
    pthread_cond_destroy(&f.changed);
    pthread_mutex_destroy(&f.lock);
    return rc;
}

/* How many pages the last listing of endpoint had, 0 when none was. */
static int pages_seen(struct cwm_api *api, const char *endpoint)
{
    int *seen, pages;

    pthread_mutex_lock(&api->seen_lock);
    seen = strmap_get(api->seen, endpoint);
    pages = seen ? *seen : 0;
    pthread_mutex_unlock(&api->seen_lock);
    return pages > api->max_pages ? api->max_pages : pages;
}

static void remember_pages(struct cwm_api *api, const char *endpoint, int pages)
{
    int *seen = malloc(sizeof(*seen));

    if (!seen)
        return; /* only a guess lost */
    *seen = pages;
    pthread_mutex_lock(&api->seen_lock);
    if (strmap_put(api->seen, endpoint, seen) != 0)
        free(seen);
    pthread_mutex_unlock(&api->seen_lock);
}

/* A page taker that tells the listing's progress before handing on. */
struct counted {
    const struct api_page_taker *taker;
    struct progress_slot *slot;
    int pages; /* as far as page 1 knew */
};

static int count_prepare(void *ctx, struct api_page *page)
{
    const struct counted *c = ctx;

    return c->taker->prepare(c->taker->ctx, page);
}

static int count_take(void *ctx, struct api_page *page)
{
    struct counted *c = ctx;

    progress_page(c->slot, page->n, c->pages);
    return c->taker->take(c->taker->ctx, page);
}

static void count_discard(void *ctx, struct api_page *page)
{
    const struct counted *c = ctx;

    c->taker->discard(c->taker->ctx, page);
}

static int each_page(struct cwm_api *api, const char *endpoint,
                     const struct api_page_taker *taker, int *pages,
                     struct api_error *error);

/* Once page 1 said how many there are, the rest come at once (bounded by
 * max_conns); a list that grew meanwhile is followed on, one by one, up
 * to max_pages: a Link header that never ends costs that many requests. */
int api_each_page(struct cwm_api *api, const char *endpoint,
                  const struct api_page_taker *taker, struct api_error *error)
{
    struct counted counted = { taker, progress_begin(api->listings, endpoint),
                               1 };
    struct api_page_taker counting = { taker->prepare ? count_prepare : NULL,
                                       count_take,
                                       taker->discard ? count_discard : NULL,
                                       &counted };
    int rc = each_page(api, endpoint, &counting, &counted.pages, error);

    progress_end(counted.slot);
    return rc;
}

/* After rc (0 to go on), page n on, one by one, while the one before
 * said the list goes on; then the count is remembered for the next
 * listing. */
static int follow_link(struct cwm_api *api, const char *endpoint,
                       const struct api_page_taker *taker, int rc, int n,
                       bool more, struct api_error *error)
{
    for (; rc == 0 && more; n++) { /* the Link header decides */
        struct page next = { 0 };

        rc = too_many_pages(api, endpoint, n, error);
        if (rc == 0)
            rc = get_page(api, endpoint, n, &next, error);
        if (rc)
            break;
        /* An empty page also ends a runaway loop. */
        more = next.more && next.count > 0;
        rc = hand_page(taker, n, &next, endpoint, error);
        page_free(taker, &next);
    }
    if (rc == 0)
        remember_pages(api, endpoint, n - 1);
    return rc;
}

/* *pages: how many page 1 said there are.  When the list was listed
 * before, its other pages are asked for with page 1 (each_page_in_parallel
 * says why). */
static int each_page(struct cwm_api *api, const char *endpoint,
                     const struct api_page_taker *taker, int *pages,
                     struct api_error *error)
{
    struct page first = { 0 };
    int guess = pages_seen(api, endpoint), rc, n = 2;
    bool more;

    if (guess > 1 && api->max_conns > 1) {
        rc = each_page_in_parallel(api, endpoint, NULL, guess, taker, &more,
                                   pages, error);
        n = *pages + 1;
        return follow_link(api, endpoint, taker, rc, n, more, error);
    }
    rc = get_page(api, endpoint, 1, &first, error);
    if (rc)
        return rc;
    more = first.more && first.count > 0;
    if (more)
        *pages = first.last;
    rc = more ? too_many_pages(api, endpoint, first.last, error) : 0;
    if (rc) {
        page_free(taker, &first);
        return rc;
    }
    if (more && first.last > 2 && api->max_conns > 1) {
        rc = each_page_in_parallel(api, endpoint, &first, first.last, taker,
                                   &more, pages, error);
        n = first.last + 1;
    } else {
        rc = hand_page(taker, 1, &first, endpoint, error);
    }
    page_free(taker, &first);
    return follow_link(api, endpoint, taker, rc, n, more, error);
}

/* api_get_all's page taker: pages come in order, so each item is parsed
 * and appended. */
static int gather_page(void *ctx, struct api_page *page)
{
    for (size_t i = 0; i < page->count; i++) {
        cJSON *item = render_parse(page->items[i].start, page->items[i].len);
        if (!item)
            return -EIO;
        if (!cJSON_AddItemToArray(ctx, item)) {
            cJSON_Delete(item);
            return -ENOMEM;
        }
    }
    return 0;
}

int api_get_all(struct cwm_api *api, const char *endpoint, cJSON **out,
                struct api_error *error)
{
    cJSON *all = cJSON_CreateArray();
    struct api_page_taker gather = { NULL, gather_page, NULL, all };
    int rc = all ? api_each_page(api, endpoint, &gather, error) : -ENOMEM;

    if (rc) {
        cJSON_Delete(all);
        all = NULL;
    }
    *out = all;
    return rc;
}

int api_pin_version(struct cwm_api *api, const struct cwm_config *cfg,
                    const char *version)
{
    struct curl_slist *pinned = build_headers(cfg, version);
    char *copy = strdup(version);

    if (!pinned || !copy) {
        curl_slist_free_all(pinned);
        free(copy);
        return -ENOMEM;
    }
    curl_slist_free_all(api->headers);
    api->headers = pinned;
    free(api->version);
    api->version = copy;
    return 0;
}

const char *api_version_in_use(const struct cwm_api *api)
{
    return api->version;
}

char *api_version_of(const cJSON *info)
{
    const char *v = cJSON_GetStringValue(
        cJSON_GetObjectItemCaseSensitive(info, "version"));
    size_t major, minor;

    if (!v)
        return NULL;
    v += *v == 'v' || *v == 'V';
    major = strspn(v, "0123456789");
    if (major == 0 || v[major] != '.')
        return NULL;
    minor = strspn(v + major + 1, "0123456789");
    if (minor == 0)
        return NULL;
    return strndup(v, major + 1 + minor);
}

/* ---- the port ---- */

static int port_get(void *ctx, const char *path, cJSON **out,
                    struct api_error *error)
{
    return api_get(ctx, path, out, error);
}

static int port_get_all(void *ctx, const char *endpoint, cJSON **out,
                        struct api_error *error)
{
    return api_get_all(ctx, endpoint, out, error);
}

static int port_each_page(void *ctx, const char *endpoint,
                          const struct api_page_taker *taker,
                          struct api_error *error)
{
    return api_each_page(ctx, endpoint, taker, error);
}

static int port_send(void *ctx, const char *method, const char *path,
                     const cJSON *body, cJSON **out, struct api_error *error)
{
    return api_send(ctx, method, path, body, out, error);
}

static int port_relocate(void *ctx) { return api_relocate(ctx); }

void api_set_page_size(struct cwm_api *api, int page_size)
{
    api->page_size = page_size;
}

void api_set_max_conns(struct cwm_api *api, int max_conns)
{
    api->max_conns = max_conns;
}

void api_set_max_pages(struct cwm_api *api, int max_pages)
{
    api->max_pages = max_pages;
}

void api_port_init(struct api_port *port, struct cwm_api *api)
{
    memset(port, 0, sizeof(*port));
    port->ctx = api;
    port->page_size = api->page_size;
    port->get = port_get;
    port->get_all = port_get_all;
    port->each_page = port_each_page;
    port->relocate = port_relocate;
    port->send = port_send;
}

void api_explain_refusal(const char *base, const struct api_error *e, char *err,
                         size_t errlen)
{
    switch (e->status) {
    case 401:
        snprintf(err, errlen,
                 "the server refused the keys: system/info answered %s; "
                 "check the company id, public and private key (System > "
                 "Members > API Members > API Keys) and the clientId",
                 e->message);
        break;
    case 403:
        snprintf(err, errlen,
                 "the keys may not read system/info (%s); give their API "
                 "member a security role that may",
                 e->message);
        break;
    case 404:
        snprintf(err, errlen,
                 "no ConnectWise API at %s (%s); check the site URL and the "
                 "codebase",
                 base, e->message);
        break;
    case 0:
        snprintf(err, errlen, "%s; check the site URL and the network",
                 e->message);
        break;
    default:
        snprintf(err, errlen, "GET %s/info failed: %s", base, e->message);
    }
}
