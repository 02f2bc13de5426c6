/* http.c - see http.h. */
#include "http.h"

#include "buf.h"
#include "clock.h"
#include "log.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define POOL_MAX_IDLE 16

struct pooled_handle {
    CURL *curl;
    struct pooled_handle *next;
};

struct http_client {
    struct http_options opts;
    CURLSH *share;
    pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];
    pthread_mutex_t pool_lock;
    struct pooled_handle *idle; /* stack of idle handles */
    int idle_count;
    struct http_stats stats; /* guarded by pool_lock */
};

static pthread_once_t global_init_once = PTHREAD_ONCE_INIT;

static void global_init(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

void http_options_default(struct http_options *opts)
{
    opts->connect_timeout_s = 10;
    opts->total_timeout_s = 60;
    opts->max_retries = 3;
    opts->max_retry_wait_s = 30;
    opts->max_body_bytes = 0;
    opts->ca_file = NULL;
}

/* ---- share handle locking: one mutex per curl_lock_data ---- */

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access,
                       void *userptr)
{
    struct http_client *client = userptr;
    (void)h;
    (void)access;
    pthread_mutex_lock(&client->share_locks[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *userptr)
{
    struct http_client *client = userptr;
    (void)h;
    pthread_mutex_unlock(&client->share_locks[data]);
}

struct http_client *http_client_new(const struct http_options *opts)
{
    struct http_client *client;

    pthread_once(&global_init_once, global_init);
    client = calloc(1, sizeof(*client));
    if (!client)
        return NULL;
    client->opts = *opts;
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_init(&client->share_locks[i], NULL);
    pthread_mutex_init(&client->pool_lock, NULL);
    client->share = curl_share_init();
    if (client->share) {
        curl_share_setopt(client->share, CURLSHOPT_LOCKFUNC, share_lock);
        curl_share_setopt(client->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
        curl_share_setopt(client->share, CURLSHOPT_USERDATA, client);
        curl_share_setopt(client->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
        curl_share_setopt(client->share, CURLSHOPT_SHARE,
                          CURL_LOCK_DATA_SSL_SESSION);
    }
    return client;
}

void http_client_close_idle(struct http_client *client)
{
    struct pooled_handle *list;

    pthread_mutex_lock(&client->pool_lock);
    list = client->idle;
    client->idle = NULL;
    client->idle_count = 0;
    pthread_mutex_unlock(&client->pool_lock);
    while (list) {
        struct pooled_handle *next = list->next;
        curl_easy_cleanup(list->curl);
        free(list);
        list = next;
    }
}

void http_client_free(struct http_client *client)
{
    if (!client)
        return;
    http_client_close_idle(client);
    if (client->share)
        curl_share_cleanup(client->share);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_destroy(&client->share_locks[i]);
    pthread_mutex_destroy(&client->pool_lock);
    free(client);
}

void http_get_stats(struct http_client *client, struct http_stats *out)
{
    pthread_mutex_lock(&client->pool_lock);
    *out = client->stats;
    pthread_mutex_unlock(&client->pool_lock);
}

static void count_stat(struct http_client *client, unsigned long *counter)
{
    pthread_mutex_lock(&client->pool_lock);
    (*counter)++;
    pthread_mutex_unlock(&client->pool_lock);
}

static void count_status_locked(struct http_stats *stats, const char *method,
                                long status)
{
    struct http_status_count *c;

    for (size_t i = 0; i < stats->status_kinds; i++) {
        c = &stats->by_status[i];
        if (c->status == status && strcmp(c->method, method) == 0) {
            c->count++;
            return;
        }
    }
    if (stats->status_kinds == HTTP_STATUS_KINDS) {
        stats->other_statuses++;
        return;
    }
    c = &stats->by_status[stats->status_kinds++];
    snprintf(c->method, sizeof(c->method), "%s", method);
    c->status = status;
    c->count = 1;
}

/* One logical request, as it ended. */
static void count_request(struct http_client *client, const char *method,
                          long status, size_t sent, size_t received, double ms)
{
    struct http_stats *stats = &client->stats;

    pthread_mutex_lock(&client->pool_lock);
    count_status_locked(stats, method, status);
    stats->bytes_sent += sent;
    stats->bytes_received += received;
    stats->latency_ms[stats->timed++ % HTTP_LATENCY_SAMPLES] = (float)ms;
    if (ms > stats->max_latency_ms)
        stats->max_latency_ms = (float)ms;
    pthread_mutex_unlock(&client->pool_lock);
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;

    return (x > y) - (x < y);
}

double http_stats_percentile(const struct http_stats *stats, double p)
{
    size_t n = stats->timed < HTTP_LATENCY_SAMPLES ? stats->timed
                                                   : HTTP_LATENCY_SAMPLES;
    float sorted[HTTP_LATENCY_SAMPLES];
    size_t rank;

    if (n == 0)
        return 0;
    memcpy(sorted, stats->latency_ms, n * sizeof(*sorted));
    qsort(sorted, n, sizeof(*sorted), cmp_float);
    /* nearest rank: the smallest sample at or above p percent of them */
    rank = (size_t)(p / 100.0 * (double)n + 0.999999);
    return sorted[rank ? (rank > n ? n : rank) - 1 : 0];
}

/* ---- the handle pool ---- */

static CURL *pool_take(struct http_client *client)
{
    struct pooled_handle *ph;
    CURL *curl;

    pthread_mutex_lock(&client->pool_lock);
    ph = client->idle;
    if (ph) {
        client->idle = ph->next;
        client->idle_count--;
    }
    pthread_mutex_unlock(&client->pool_lock);
    if (!ph)
        return curl_easy_init();
    curl = ph->curl;
    free(ph);
    return curl;
}

static void pool_give_back(struct http_client *client, CURL *curl)
{
    struct pooled_handle *ph = malloc(sizeof(*ph));

    pthread_mutex_lock(&client->pool_lock);
    if (ph && client->idle_count < POOL_MAX_IDLE) {
        ph->curl = curl;
        ph->next = client->idle;
        client->idle = ph;
        client->idle_count++;
        curl = NULL;
        ph = NULL;
    }
    pthread_mutex_unlock(&client->pool_lock);
    free(ph);
    if (curl)
        curl_easy_cleanup(curl);
}

/* ---- callers that give up ---- */

static _Atomic(http_gave_up_fn) gave_up_check;
static _Thread_local const atomic_bool *thread_cancel;

void http_set_gave_up_check(http_gave_up_fn check) { gave_up_check = check; }

void http_set_thread_cancel(const atomic_bool *cancel)
{
    thread_cancel = cancel;
}

bool http_gave_up(void)
{
    http_gave_up_fn check = gave_up_check;

    return (thread_cancel && *thread_cancel) || (check && check());
}

/* CURLOPT_XFERINFOFUNCTION: nonzero stops the transfer. */
static int on_progress(void *clientp, curl_off_t dltotal, curl_off_t dlnow,
                       curl_off_t ultotal, curl_off_t ulnow)
{
    (void)clientp;
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    return http_gave_up();
}

/* ---- response capture ---- */

struct capture {
    struct buf body; /* capped at max_body_bytes */
    char *link;
    char *content_type;
    char *allow;
    double retry_after; /* seconds, -1 when absent */
    int failed;         /* -ENOMEM, or -EFBIG past the cap */
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
    struct capture *cap = userp;
    size_t n = size * nmemb;
    int rc = buf_append(&cap->body, data, n);

    if (rc < 0) {
        cap->failed = rc;
        return 0; /* makes curl fail the transfer */
    }
    return n;
}

/* Returns a malloc'd copy of the value if `line` is header `name`. */
static char *header_value(const char *line, size_t len, const char *name)
{
    size_t nlen = strlen(name);
    const char *v, *end = line + len;

    if (len <= nlen || strncasecmp(line, name, nlen) != 0 || line[nlen] != ':')
        return NULL;
    v = line + nlen + 1;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && isspace((unsigned char)end[-1]))
        end--;
    return strndup(v, (size_t)(end - v));
}

static void replace_str(char **slot, char *value)
{
    if (!value)
        return;
    free(*slot);
    *slot = value;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userp)
{
    struct capture *cap = userp;
    size_t n = size * nmemb;
    char *v;

    /* A new status line (after a retry or a 100-continue) resets state. */
    if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        free(cap->link);
        free(cap->allow);
        cap->link = cap->allow = NULL;
        cap->retry_after = -1;
        return n;
    }
    replace_str(&cap->link, header_value(data, n, "Link"));
    replace_str(&cap->content_type, header_value(data, n, "Content-Type"));
    replace_str(&cap->allow, header_value(data, n, "Allow"));
    v = header_value(data, n, "Retry-After");
    if (v) {
        char *end;
        double secs = strtod(v, &end);
        /* Retry-After may also be an HTTP date; treat that as "a little". */
        cap->retry_after = (end != v && secs >= 0) ? secs : 1;
        free(v);
    }
    return n;
}

static void capture_reset(struct capture *cap)
{
    buf_clear(&cap->body);
    free(cap->link);
    free(cap->content_type);
    free(cap->allow);
    cap->link = cap->content_type = cap->allow = NULL;
    cap->retry_after = -1;
    cap->failed = 0;
}

/* ---- one exchange ---- */

/* Safe to send again after a failure that may have reached the server.
 * DELETE is idempotent in HTTP's sense, but a second one answers 404 for
 * an object the first removed: the caller looks instead. */
static bool is_idempotent(const char *method)
{
    return strcmp(method, "GET") == 0 || strcmp(method, "PUT") == 0;
}

/* Whether a failed transfer can have reached the server: anything after
 * the connection was made. */
static bool may_have_arrived(int rc)
{
    return rc != -ECONNREFUSED && rc != -EHOSTUNREACH && rc != -ENOMEM;
}

static void configure(struct http_client *client, CURL *curl,
                      const char *method, const char *url,
                      const struct curl_slist *headers, const char *body,
                      size_t body_len, struct capture *cap, char *errbuf,
                      long timeout_ms)
{
    curl_easy_reset(curl); /* keeps the connection cache, drops options */
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT,
                     client->opts.connect_timeout_s);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    if (client->opts.ca_file)
        curl_easy_setopt(curl, CURLOPT_CAINFO, client->opts.ca_file);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "cwmfs/" CWMFS_VERSION);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, cap);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, cap);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    if (client->share)
        curl_easy_setopt(curl, CURLOPT_SHARE, client->share);
    if (strcmp(method, "GET") != 0) {
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    } else {
        curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    }
    /* libcurl resends a request whose reused connection died before any
     * answer; only a fresh connection rules that out. */
    if (!is_idempotent(method))
        curl_easy_setopt(curl, CURLOPT_FRESH_CONNECT, 1L);
    if (body) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)body_len);
    }
}

static int curl_code_to_errno(CURLcode rc)
{
    /* clang-format off */
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:   return -ETIMEDOUT;
    case CURLE_COULDNT_CONNECT:      return -ECONNREFUSED;
    case CURLE_COULDNT_RESOLVE_HOST: return -EHOSTUNREACH;
    case CURLE_OUT_OF_MEMORY:        return -ENOMEM;
    case CURLE_ABORTED_BY_CALLBACK:  return -EINTR;
    default:                         return -EIO;
    }
    /* clang-format on */
}

/* A 500 whose body speaks of a timeout: ConnectWise's answer when a
 * query ran too long on its side, worth another try (pyconnectwise's
 * rule); other 500s are the server's verdict. */
static bool timed_out_inside(long status, const struct buf *body)
{
    return status == 500 && body->data &&
           (strcasestr(body->data, "timeout") ||
            strcasestr(body->data, "timed out"));
}

/* Whether to try again, and how long to wait first. */
static bool should_retry(const char *method, int rc, long status,
                         const struct buf *body, double retry_after,
                         int attempt, double *wait_s)
{
    double backoff = 0.25 * (double)(1 << attempt); /* 0.25, 0.5, 1, ... */

    if (rc == 0 && status == 429) {
        /* The server refused before doing anything: safe for any method. */
        *wait_s = retry_after >= 0 ? retry_after : backoff;
        return true;
    }
    if (!is_idempotent(method))
        return false;
    if (rc == -ECONNREFUSED || rc == -EIO || rc == -ETIMEDOUT ||
        (rc == 0 && (status == 502 || status == 503 || status == 504)) ||
        (rc == 0 && timed_out_inside(status, body))) {
        *wait_s = retry_after >= 0 ? retry_after : backoff;
        return true;
    }
    return false;
}

/* Sleeps s seconds in slices, checking (when it may) whether the caller
 * gave up; -EINTR if it did. */
static int sleep_seconds(double s, bool may_give_up)
{
    const double slice = 0.1;
    double end = clock_mono_seconds() + s;

    for (double left = s; left > 0; left = end - clock_mono_seconds()) {
        if (may_give_up && http_gave_up())
            return -EINTR;
        clock_sleep(left < slice ? left : slice);
    }
    return 0;
}

/* What a refused answer body says of itself. */
static int body_refused(struct http_client *client, int rc, char *errbuf)
{
    if (rc == -EFBIG)
        snprintf(errbuf, CURL_ERROR_SIZE,
                 "the answer is larger than %zu MiB (-o max_response)",
                 client->opts.max_body_bytes >> 20);
    return rc;
}

/* Milliseconds left before deadline (a clock_mono_seconds time), at
 * least 1: curl reads 0 as "no limit". */
static long ms_until(double deadline)
{
    double left = (deadline - clock_mono_seconds()) * 1e3;

    return left < 1 ? 1 : (long)left;
}

/* Whether a retry after wait_s seconds is still worth it: the server asks
 * for no longer than max_retry_wait_s (Retry-After: 999999 is a "no"), and
 * the retry starts before the request's deadline. */
static bool worth_waiting(struct http_client *client, const char *method,
                          const char *url, double wait_s, double deadline)
{
    if (wait_s > client->opts.max_retry_wait_s) {
        log_warn("%s %s: the server asks to retry in %.0f s, longer than "
                 "%.0f s: not waiting",
                 method, url, wait_s, client->opts.max_retry_wait_s);
        return false;
    }
    if (clock_mono_seconds() + wait_s >= deadline) {
        log_warn("%s %s: no time left to retry within -o timeout=%ld", method,
                 url, client->opts.total_timeout_s);
        return false;
    }
    return true;
}

static int perform_once(struct http_client *client, CURL *curl,
                        const char *method, const char *url,
                        const struct curl_slist *headers, const char *body,
                        size_t body_len, struct capture *cap, long *status,
                        char *errbuf, long timeout_ms)
{
    CURLcode rc;

    capture_reset(cap);
    errbuf[0] = '\0';
    configure(client, curl, method, url, headers, body, body_len, cap, errbuf,
              timeout_ms);
    count_stat(client, &client->stats.requests);
    rc = curl_easy_perform(curl);
    if (cap->failed)
        return body_refused(client, cap->failed, errbuf);
    if (rc != CURLE_OK) {
        if (!errbuf[0])
            snprintf(errbuf, CURL_ERROR_SIZE, "%s", curl_easy_strerror(rc));
        count_stat(client, &client->stats.failures);
        return curl_code_to_errno(rc);
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
    return 0;
}

/* The URL without its scheme and host: what the debug line names. */
static const char *url_path(const char *url)
{
    const char *p = strstr(url, "://");

    p = p ? strchr(p + 3, '/') : NULL;
    return p ? p : url;
}

/* Counts a logical request and gives it its one debug line.  URLs carry no
 * credentials (they travel in headers), so the line may name the path. */
static void tell_request(struct http_client *client, const char *method,
                         const char *url, long status, size_t sent,
                         size_t received, double ms, int retries,
                         const char *error)
{
    count_request(client, method, status, sent, received, ms);
    log_debug("%s %s -> %ld, %.1f ms, %zu bytes, %d %s%s%s", method,
              url_path(url), status, ms, received, retries,
              retries == 1 ? "retry" : "retries", error ? ": " : "",
              error ? error : "");
}

int http_request(struct http_client *client, const char *method,
                 const char *url, const struct curl_slist *headers,
                 const char *body, size_t body_len, struct http_response *resp)
{
    struct capture cap = { .body = BUF_INIT(client->opts.max_body_bytes),
                           .retry_after = -1 };
    double deadline = clock_mono_seconds() +
                      (double)client->opts.total_timeout_s;
    CURL *curl = pool_take(client);
    double t0 = clock_mono_seconds();
    long status = 0;
    int rc = -ENOMEM, retries = 0;

    memset(resp, 0, sizeof(*resp));
    if (!curl)
        return -ENOMEM;
    for (int attempt = 0;; attempt++) {
        double wait_s = 0;

        status = 0;
        rc = perform_once(client, curl, method, url, headers, body, body_len,
                          &cap, &status, resp->error, ms_until(deadline));
        retries = attempt;
        if (rc == -ENOMEM || rc == -EFBIG ||
            attempt >= client->opts.max_retries ||
            !should_retry(method, rc, status, &cap.body, cap.retry_after,
                          attempt, &wait_s) ||
            !worth_waiting(client, method, url, wait_s, deadline))
            break;
        log_info("%s %s: %s, retrying in %.2f s", method, url,
                 rc ? resp->error : "server asked to retry", wait_s);
        count_stat(client, &client->stats.retries);
        if (sleep_seconds(wait_s, strcmp(method, "GET") == 0) != 0) {
            rc = -EINTR;
            snprintf(resp->error, sizeof(resp->error), "the caller gave up");
            break;
        }
    }
    pool_give_back(client, curl);
    tell_request(client, method, url, rc ? 0 : status, body_len,
                 rc ? 0 : cap.body.len, (clock_mono_seconds() - t0) * 1e3,
                 retries, rc ? resp->error : NULL);
    if (rc == 0) {
        resp->status = status;
        resp->body = buf_take(&cap.body, &resp->len);
        resp->link = cap.link;
        resp->content_type = cap.content_type;
        resp->allow = cap.allow;
        if (!resp->body) {
            http_response_free(resp);
            return -ENOMEM;
        }
        return 0;
    }
    capture_reset(&cap);
    resp->outcome_unknown = !is_idempotent(method) && may_have_arrived(rc);
    return rc;
}

void http_response_free(struct http_response *resp)
{
    free(resp->body);
    free(resp->link);
    free(resp->content_type);
    free(resp->allow);
    resp->body = resp->link = resp->content_type = resp->allow = NULL;
}
