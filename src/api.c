/* api.c - see api.h. */
#include "api.h"

#include "clock.h"
#include "log.h"
#include "pages.h"
#include "render.h"

#include <errno.h>
#include <pthread.h>
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
    struct pager *pager;        /* how lists are fetched */
    /* The codebase moves with cloud releases (v2025_1/ -> v2025_2/): a
     * discovered one is looked up again when an endpoint that always
     * exists answers 404 (api_relocate). */
    char *url, *company;       /* NULL when the codebase was configured */
    pthread_mutex_t base_lock; /* guards base_url and next_discovery */
    double next_discovery;
    char *version; /* the API version asked for, NULL: the server's */
};

struct http_client *api_http(struct cwm_api *api) { return api->http; }
struct progress *api_listings(struct cwm_api *api)
{
    return pager_listings(api->pager);
}
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

static int api_call(struct cwm_api *api, const char *method, const char *path,
                    const char *body, struct http_response *resp,
                    struct api_error *error);

/* pager_get_fn: a GET of one page of a list. */
static int get_page_of_list(void *ctx, const char *path,
                            struct http_response *resp, struct api_error *error)
{
    return api_call(ctx, "GET", path, NULL, resp, error);
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
    api->http = http_client_new(http_opts);
    api->headers = build_headers(cfg, cfg->api_version);
    api->version = cfg->api_version ? strdup(cfg->api_version) : NULL;
    api->pager = pager_new(get_page_of_list, api);
    if (!api->http || !api->headers || !api->pager) {
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
    pager_free(api->pager);
    free(api->version);
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

int api_each_page(struct cwm_api *api, const char *endpoint,
                  const struct api_page_taker *taker, struct api_error *error)
{
    return pager_each_page(api->pager, endpoint, taker, error);
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
    pager_set_page_size(api->pager, page_size);
}

void api_set_max_conns(struct cwm_api *api, int max_conns)
{
    pager_set_max_conns(api->pager, max_conns);
}

void api_set_max_pages(struct cwm_api *api, int max_pages)
{
    pager_set_max_pages(api->pager, max_pages);
}

void api_port_init(struct api_port *port, struct cwm_api *api)
{
    memset(port, 0, sizeof(*port));
    port->ctx = api;
    port->page_size = pager_page_size(api->pager);
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
