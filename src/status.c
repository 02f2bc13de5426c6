/* status.c - see status.h. */
#include "status.h"

#include "buf.h"
#include "config.h"
#include "handle.h"
#include "http.h"
#include "invalidate.h"
#include "log.h"
#include "mount.h"
#include "options.h"
#include "progress.h"

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <utlist.h>

/* ---- /.cwmfs/config ---- */

static const char *value_or(const char *value, const char *otherwise)
{
    return value && *value ? value : otherwise;
}

/* Only whether a credential is set: its bytes never leave the config. */
static const char *masked(const char *secret)
{
    return secret && *secret ? "(set, not shown)" : "(not set)";
}

/* config_path: the file the profile came from (NULL: none found). */
static int tell_connection(const struct cwm_config *cfg,
                           const struct cwmfs_options *opts,
                           const char *config_path, const char *api_base,
                           const char *api_version, struct buf *out)
{
    return buf_printf(
        out,
        "# the settings this mount runs with; credentials are not shown\n"
        "profile = %s\nconfig = %s\nurl = %s\ncompany = %s\n"
        "public_key = %s\nprivate_key = %s\nclient_id = %s\n"
        "codebase = %s\napi_base = %s\napi_version = %s\nttl = %d\n",
        value_or(opts->profile, "default"), value_or(config_path, "(none)"),
        value_or(cfg->url, ""), value_or(cfg->company, ""),
        masked(cfg->public_key), masked(cfg->private_key),
        value_or(cfg->client_id, "(not set)"),
        value_or(cfg->codebase, "(discovered)"),
        value_or(api_base, "(unknown)"),
        value_or(api_version, "(the server's)"), cfg->ttl);
}

static int tell_options(const struct cwmfs_options *opts, struct buf *out)
{
    return buf_printf(
        out,
        "umask = %03o\nlog_level = %s\nwrite_mode = %s\nmax_deletes = %d\n"
        "timeout = %d\npage_size = %d\nmax_conns = %d\nmax_pages = %d\n"
        "max_response = %d\ncafile = %s\nallow_other = %s\n"
        "auto_unmount = %s\nxattr = %s\n",
        (unsigned)opts->umask, value_or(opts->log_level, "warn"),
        value_or(opts->write_mode, "patch"), opts->max_deletes, opts->timeout,
        opts->page_size, opts->max_conns, opts->max_pages, opts->max_response,
        value_or(opts->cafile, "(the system's)"),
        opts->allow_other ? "yes" : "no", opts->no_auto_unmount ? "no" : "yes",
        opts->no_xattr ? "no" : "yes");
}

/* The saved queries' names ("<name>\t<definition>\n" lines). */
static int tell_queries(const struct cwm_config *cfg, struct buf *out)
{
    const char *line = cfg->queries ? cfg->queries : "";
    int rc = buf_append_str(out, "queries =");

    while (rc == 0 && *line) {
        size_t name = strcspn(line, "\t\n");
        const char *end = strchr(line, '\n');

        rc = buf_printf(out, " %.*s", (int)name, line);
        line = end ? end + 1 : line + strlen(line);
    }
    return rc ? rc : buf_append_str(out, "\n");
}

char *status_settings_text(const struct cwm_config *cfg,
                           const struct cwmfs_options *opts,
                           const char *api_base, const char *api_version)
{
    struct buf out = BUF_INIT(0);
    char *file = opts->config ? NULL : config_default_path();
    size_t len;
    int rc = tell_connection(cfg, opts, opts->config ? opts->config : file,
                             api_base, api_version, &out);

    free(file);

    if (rc == 0)
        rc = tell_options(opts, &out);
    if (rc == 0)
        rc = tell_queries(cfg, &out);
    if (rc) {
        buf_clear(&out);
        return NULL;
    }
    return buf_take(&out, &len);
}

/* ---- /.cwmfs/stats ---- */

static int tell_uptime(struct cwmfs *fs, struct buf *out)
{
    long up = (long)difftime(time(NULL), fs->mounted);
    char when[64];
    struct tm tm;

    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC",
             gmtime_r(&fs->mounted, &tm));
    return buf_printf(out, "uptime: %ldd %02ld:%02ld:%02ld (mounted %s)\n",
                      up / 86400, up / 3600 % 24, up / 60 % 60, up % 60, when);
}

static int tell_open_files(struct cwmfs *fs, struct buf *out)
{
    struct handle *h;
    int count;

    pthread_mutex_lock(&fs->open_lock);
    DL_COUNT(fs->open_handles, h, count);
    pthread_mutex_unlock(&fs->open_lock);
    return buf_printf(out, "open files: %d\n", count);
}

static int tell_requests(const struct http_stats *hs, struct buf *out)
{
    unsigned long total = hs->other_statuses;
    int rc;

    for (size_t i = 0; i < hs->status_kinds; i++)
        total += hs->by_status[i].count;
    rc = buf_printf(out,
                    "requests: %lu (%lu HTTP exchanges: %lu retries, %lu "
                    "transport failures)\n",
                    total, hs->requests, hs->retries, hs->failures);
    for (size_t i = 0; rc == 0 && i < hs->status_kinds; i++) {
        const struct http_status_count *c = &hs->by_status[i];

        if (c->status)
            rc = buf_printf(out, "  %s %ld: %lu\n", c->method, c->status,
                            c->count);
        else
            rc = buf_printf(out, "  %s, no answer: %lu\n", c->method, c->count);
    }
    if (rc == 0 && hs->other_statuses)
        rc = buf_printf(out, "  others: %lu\n", hs->other_statuses);
    return rc;
}

static int tell_traffic(const struct http_stats *hs, struct buf *out)
{
    int rc = buf_printf(out, "bytes: %llu received, %llu sent\n",
                        hs->bytes_received, hs->bytes_sent);

    if (rc == 0 && hs->timed)
        rc = buf_printf(out,
                        "latency: p50 %.1f ms, p95 %.1f ms (of the last "
                        "%lu requests), max %.1f ms\n",
                        http_stats_percentile(hs, 50),
                        http_stats_percentile(hs, 95),
                        hs->timed < HTTP_LATENCY_SAMPLES
                            ? hs->timed
                            : (unsigned long)HTTP_LATENCY_SAMPLES,
                        (double)hs->max_latency_ms);
    else if (rc == 0)
        rc = buf_printf(out, "latency: no request yet\n");
    return rc;
}

static int tell_http(struct cwmfs *fs, struct buf *out)
{
    struct http_stats *hs;
    int rc;

    if (!fs->status.http)
        return 0;
    hs = malloc(sizeof(*hs)); /* a few kB: not on a FUSE thread's stack */
    if (!hs)
        return -ENOMEM;
    http_get_stats(fs->status.http, hs);
    rc = tell_requests(hs, out);
    if (rc == 0)
        rc = tell_traffic(hs, out);
    free(hs);
    return rc;
}

static int tell_cache(struct cwmfs *fs, struct buf *out)
{
    struct cache_stats cs;

    store_get_cache_stats(fs->store, &cs);
    return buf_printf(out,
                      "cache: %lu hits, %lu misses (%lu fetched, %lu waited "
                      "for another's fetch), %lu stale served, %lu entries\n",
                      cs.hits, cs.fills + cs.coalesced, cs.fills, cs.coalesced,
                      cs.stale_served, cs.entries);
}

static int tell_listings(struct cwmfs *fs, struct buf *out)
{
    int rc;

    if (!fs->status.listings)
        return 0;
    if (progress_in_flight(fs->status.listings) == 0)
        return buf_printf(out, "listings in flight: none\n");
    rc = buf_printf(out, "listings in flight:\n");
    if (rc == 0)
        rc = progress_describe(fs->status.listings, out);
    return rc;
}

/* What malloc holds: in use, and freed but not yet given back (a refresh
 * frees the old copy of every text; glibc keeps the pages of its arenas
 * until malloc_trim). */
static int tell_memory(struct buf *out)
{
    struct mallinfo2 mi = mallinfo2();

    if (mi.uordblks + mi.hblkhd == 0) /* a sanitizer's malloc, not glibc's */
        return buf_printf(out, "memory: not known (malloc is not glibc's)\n");
    return buf_printf(out,
                      "memory: %.1f MB in use, %.1f MB free in malloc's "
                      "arenas\n",
                      (double)(mi.uordblks + mi.hblkhd) / 1e6,
                      (double)mi.fordblks / 1e6);
}

int status_stats_text(struct cwmfs *fs, struct buf *out)
{
    int rc = tell_uptime(fs, out);

    if (rc == 0)
        rc = tell_open_files(fs, out);
    if (rc == 0)
        rc = tell_http(fs, out);
    if (rc == 0)
        rc = tell_cache(fs, out);
    if (rc == 0)
        rc = tell_listings(fs, out);
    if (rc == 0)
        rc = tell_memory(out);
    return rc;
}

struct paths {
    char **items;
    size_t count, cap;
    struct invalidator *inv; /* for those that could not be collected */
};

static void collect_path(void *ctx, const char *path)
{
    struct paths *p = ctx;
    char **grown = array_reserve(p->items, &p->cap, p->count + 1,
                                 sizeof(*p->items));
    char *copy = grown ? strdup(path) : NULL;

    if (grown)
        p->items = grown;
    if (copy)
        p->items[p->count++] = copy;
    else /* out of memory: this one goes as SIGHUP's do */
        invalidator_queue(p->inv, path);
}

void status_refresh_now(struct cwmfs *fs)
{
    struct paths paths = { .inv = fs->invalidator };

    log_info("refresh requested (.cwmfs/refresh): forgetting every cached "
             "response");
    store_forget_all(fs->store);
    /* Collected first: a synchronous invalidation may wait for a page
     * being read, whose reader may want the kcache's lock. */
    kcache_drain(fs->kcache, collect_path, &paths);
    for (size_t i = 0; i < paths.count; i++) {
        invalidator_now(fs->invalidator, paths.items[i]);
        free(paths.items[i]);
    }
    free(paths.items);
}
