/* http.h - the HTTP transport: a pool of libcurl easy handles.
 *
 * Each easy handle keeps its own connection cache, so reusing handles from a
 * pool gives keep-alive without sharing a connection between threads (which
 * libcurl 7.88 does not support).  DNS and TLS sessions are shared through a
 * share handle with one lock per data kind.  Retries of 429 (honouring
 * Retry-After) and of transient failures of GET and PUT live here, so
 * callers see one logical request.
 *
 * POST, PATCH and DELETE are never sent twice by this layer: they go out on
 * a fresh connection (libcurl silently resends a request whose reused
 * connection turns out closed, and the server may have applied the first),
 * and a transport failure after sending is reported as outcome_unknown for
 * the caller to resolve by looking. */
#ifndef CWMFS_HTTP_H
#define CWMFS_HTTP_H

#include <curl/curl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

struct http_options {
    long connect_timeout_s; /* connect phase */
    /* One logical request, its retries and their waits included: no caller
     * waits longer, whatever the server does (trickles, asks to wait). */
    long total_timeout_s;
    int max_retries; /* for 429/502/503/504 and transport errors */
    /* The longest Retry-After or backoff waited for; a server asking for
     * more is answered at once with its 429 (or 503). */
    double max_retry_wait_s;
    /* Bytes of one answer, decompressed; more fails it with -EFBIG (a
     * gzip bomb costs at most this).  0: no limit. */
    size_t max_body_bytes;
    /* Certificates of the authorities trusted for HTTPS (a private CA), or
     * NULL: the system's.  Verification is never turned off.  Borrowed for
     * the client's life. */
    const char *ca_file;
};

struct http_response {
    long status; /* 0 when no response arrived */
    char *body;  /* NUL-terminated, may be empty, never NULL on success */
    size_t len;
    char *link; /* the Link header, or NULL */
    char *content_type;
    char *allow; /* the Allow header (a 405 names the methods), or NULL */
    char error[CURL_ERROR_SIZE]; /* transport error text when status == 0 */
    /* A transport failure of a request that changes something, after the
     * request may have reached the server: it may have been applied. */
    int outcome_unknown;
};

/* How many logical requests ended with one method and status (0: no
 * answer arrived). */
struct http_status_count {
    char method[8];
    long status;
    unsigned long count;
};

#define HTTP_STATUS_KINDS 24     /* (method, status) pairs told apart */
#define HTTP_LATENCY_SAMPLES 512 /* the newest requests' times, for p50/p95 */

struct http_stats {
    unsigned long requests; /* HTTP exchanges, retries included */
    unsigned long retries;
    unsigned long failures; /* transport-level failures */
    /* Logical requests by method and final status; pairs past
     * HTTP_STATUS_KINDS are counted in other_statuses. */
    struct http_status_count by_status[HTTP_STATUS_KINDS];
    size_t status_kinds;
    unsigned long other_statuses;
    unsigned long long bytes_sent, bytes_received; /* bodies */
    /* Wall time of logical requests (retries and waits included), in ms:
     * a ring of the newest, and the longest ever. */
    float latency_ms[HTTP_LATENCY_SAMPLES];
    unsigned long timed; /* requests timed so far (the ring's fill) */
    float max_latency_ms;
};

/* The p-th percentile (0..100) of the sampled latencies; 0 when none. */
double http_stats_percentile(const struct http_stats *stats, double p);

struct http_client;

void http_options_default(struct http_options *opts);
struct http_client *http_client_new(const struct http_options *opts);
void http_client_free(struct http_client *client);
/* Close idle pooled handles (and their connections), e.g. before a fork. */
void http_client_close_idle(struct http_client *client);

/* One logical request.  Returns 0 when an HTTP response arrived (any status,
 * see resp->status), or -errno for a transport failure (after retries):
 * -ETIMEDOUT past total_timeout_s, -EFBIG for an answer over
 * max_body_bytes (resp->error says which). */
int http_request(struct http_client *client, const char *method,
                 const char *url, const struct curl_slist *headers,
                 const char *body, size_t body_len, struct http_response *resp);
void http_response_free(struct http_response *resp);

void http_get_stats(struct http_client *client, struct http_stats *out);

/* ---- callers that give up ----
 * A GET (and the waits between its retries) stops with -EINTR once the
 * caller gives up: when the process-wide check says so for the calling
 * thread (cwmfs: the FUSE request was interrupted, its caller killed), or
 * when the thread's cancel flag is set (a listing's page fetchers, whose
 * caller gave up).  Writes are never cut short: a half-sent PATCH would
 * leave its outcome unknown.  Checked about once a second while waiting
 * for an answer, at once while data flows. */
typedef bool (*http_gave_up_fn)(void);
void http_set_gave_up_check(http_gave_up_fn check);
/* The calling thread's cancel flag from now on (NULL: none). */
void http_set_thread_cancel(const atomic_bool *cancel);
/* Whether the calling thread's caller gave up (either of the above). */
bool http_gave_up(void);

#endif
