/* cache.c - see cache.h. */
#include "cache.h"

#include "clock.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>
#include <utlist.h>

/* After a transient failure an expired value is served and kept for this
 * long (at most the TTL), so one user action (lookup, getattr, open) costs
 * one failed request, not three. */
#define STALE_GRACE_SECONDS 1.0

/* Expired entries are swept every this many inserts, so probes of many
 * missing names (editors do that) cannot grow the table without bound. */
#define SWEEP_EVERY 1024

struct entry {
    char *key;
    void *value; /* NULL with has_value = absence */
    bool has_value;
    double expires; /* monotonic seconds */
    bool loading;
    bool stale_on_arrival;             /* forgotten while a fill was running */
    unsigned waiters;                  /* callers sleeping on this entry */
    unsigned long fill_gen;            /* bumped when a fill finishes */
    int fill_rc;                       /* result of the last fill */
    unsigned long version;             /* of the value (or absence) held */
    char *tag;                         /* what it is filed under, or NULL */
    struct entry *tag_prev, *tag_next; /* in cache.tagged */
    UT_hash_handle hh;
};

struct cache {
    pthread_mutex_t lock;
    pthread_cond_t filled;
    struct entry *table;
    struct entry *tagged; /* the entries with a tag (listings: few) */
    double ttl;
    cache_free_fn free_value;
    unsigned long inserts;
    unsigned long clock; /* the last version handed out */
    struct cache_stats stats;
};

struct cache *cache_new(double ttl_seconds, cache_free_fn free_value)
{
    struct cache *cache = calloc(1, sizeof(*cache));

    if (!cache)
        return NULL;
    pthread_mutex_init(&cache->lock, NULL);
    pthread_cond_init(&cache->filled, NULL);
    cache->ttl = ttl_seconds;
    cache->free_value = free_value;
    return cache;
}

static void drop_value(struct cache *cache, struct entry *e)
{
    if (e->value)
        cache->free_value(e->value);
    e->value = NULL;
    e->has_value = false;
}

static void delete_entry(struct cache *cache, struct entry *e)
{
    HASH_DEL(cache->table, e);
    if (e->tag)
        DL_DELETE2(cache->tagged, e, tag_prev, tag_next);
    drop_value(cache, e);
    free(e->tag);
    free(e->key);
    free(e);
}

void cache_free(struct cache *cache)
{
    struct entry *e, *tmp;

    if (!cache)
        return;
    HASH_ITER(hh, cache->table, e, tmp)
        delete_entry(cache, e);
    pthread_cond_destroy(&cache->filled);
    pthread_mutex_destroy(&cache->lock);
    free(cache);
}

static bool is_fresh(const struct entry *e, double now)
{
    return e->has_value && now < e->expires;
}

static void sweep_expired(struct cache *cache, double now)
{
    struct entry *e, *tmp;

    HASH_ITER(hh, cache->table, e, tmp)
        if (!e->loading && e->waiters == 0 && !is_fresh(e, now))
            delete_entry(cache, e);
}

static struct entry *entry_new(const char *key, const char *tag)
{
    struct entry *e = calloc(1, sizeof(*e));

    if (!e)
        return NULL;
    e->key = strdup(key);
    e->tag = tag ? strdup(tag) : NULL;
    if (!e->key || (tag && !e->tag)) {
        free(e->key);
        free(e->tag);
        free(e);
        return NULL;
    }
    return e;
}

/* Finds or creates the entry for key (filed under tag when created);
 * NULL on allocation failure. */
static struct entry *entry_for(struct cache *cache, const char *key,
                               const char *tag)
{
    struct entry *e;

    HASH_FIND_STR(cache->table, key, e);
    if (e)
        return e;
    if (++cache->inserts % SWEEP_EVERY == 0)
        sweep_expired(cache, clock_mono_seconds());
    e = entry_new(key, tag);
    if (!e)
        return NULL;
    HASH_ADD_KEYPTR(hh, cache->table, e->key, strlen(e->key), e);
    if (e->tag)
        DL_APPEND2(cache->tagged, e, tag_prev, tag_next);
    return e;
}

static void store(struct cache *cache, struct entry *e, void *value,
                  unsigned long version)
{
    drop_value(cache, e);
    e->value = value;
    e->has_value = true;
    e->version = version;
    e->expires = clock_mono_seconds() + cache->ttl;
}

static int use_entry(const struct entry *e, cache_use_fn use, void *use_ctx)
{
    if (!e->value)
        return -ENOENT;
    return use ? use(use_ctx, e->value) : 0;
}

/* A failure that says nothing about the data (the server or the network
 * is having trouble): an expired value is better than an error then. */
static bool is_transient(int rc)
{
    return rc == -EIO || rc == -ETIMEDOUT || rc == -ECONNREFUSED ||
           rc == -EHOSTUNREACH || rc == -EAGAIN;
}

/* What a caller gets once the fill it ran or waited for has finished.  A
 * fresh result is used even if the TTL (maybe 0) has already run out: the
 * caller asked before it was fetched. */
static int fill_outcome(struct cache *cache, struct entry *e, cache_use_fn use,
                        void *use_ctx)
{
    if (e->fill_rc == 0 || e->fill_rc == -ENOENT)
        return use_entry(e, use, use_ctx);
    if (is_transient(e->fill_rc) && e->has_value) {
        cache->stats.stale_served++;
        return use_entry(e, use, use_ctx);
    }
    return e->fill_rc;
}

/* Waits for the fill in progress on e. */
static int wait_for_fill(struct cache *cache, struct entry *e, cache_use_fn use,
                         void *use_ctx)
{
    unsigned long gen = e->fill_gen;

    cache->stats.coalesced++;
    e->waiters++;
    while (e->fill_gen == gen)
        pthread_cond_wait(&cache->filled, &cache->lock);
    e->waiters--;
    return fill_outcome(cache, e, use, use_ctx);
}

static int run_fill(struct cache *cache, struct entry *e, cache_fill_fn fill,
                    void *fill_ctx, cache_use_fn use, void *use_ctx)
{
    unsigned long version = ++cache->clock;
    void *value = NULL;
    int rc;

    cache->stats.fills++;
    e->loading = true;
    e->stale_on_arrival = false;
    pthread_mutex_unlock(&cache->lock);
    rc = fill(fill_ctx, e->key, &value);
    pthread_mutex_lock(&cache->lock);
    if ((rc == 0 || rc == -ENOENT) && e->has_value && e->version > version) {
        /* A write's answer arrived while we fetched: it is newer. */
        if (value)
            cache->free_value(value);
        rc = e->value ? 0 : -ENOENT;
    } else if (rc == 0 || rc == -ENOENT) {
        store(cache, e, rc == 0 ? value : NULL, version);
        if (e->stale_on_arrival)
            e->expires = 0;
    } else if (is_transient(rc) && e->has_value) {
        double grace = cache->ttl < STALE_GRACE_SECONDS ? cache->ttl
                                                        : STALE_GRACE_SECONDS;
        e->expires = clock_mono_seconds() + grace;
    }
    e->fill_rc = rc;
    e->loading = false;
    e->fill_gen++;
    pthread_cond_broadcast(&cache->filled);
    return fill_outcome(cache, e, use, use_ctx);
}

int cache_get(struct cache *cache, const char *key, const char *tag,
              cache_fill_fn fill, void *fill_ctx, cache_use_fn use,
              void *use_ctx)
{
    struct entry *e;
    bool again;
    int rc;

    pthread_mutex_lock(&cache->lock);
    do {
        again = false;
        e = entry_for(cache, key, tag);
        if (!e)
            rc = -ENOMEM;
        else if (is_fresh(e, clock_mono_seconds())) {
            cache->stats.hits++;
            rc = use_entry(e, use, use_ctx);
        } else if (e->loading && e->has_value && !e->stale_on_arrival) {
            /* Expired and being fetched again by another caller: the old
             * copy meanwhile, so that one refetch never holds up every
             * reader. */
            cache->stats.stale_served++;
            rc = use_entry(e, use, use_ctx);
        } else if (e->loading) {
            rc = wait_for_fill(cache, e, use, use_ctx);
            /* The caller that filled gave up (-EINTR), not this one: it
             * fills for itself. */
            again = rc == -EINTR;
        } else
            rc = run_fill(cache, e, fill, fill_ctx, use, use_ctx);
    } while (again);
    pthread_mutex_unlock(&cache->lock);
    return rc;
}

/* A value held under key (fresh only, or expired too), without filling. */
static int peek(struct cache *cache, const char *key, bool expired_too,
                cache_use_fn use, void *use_ctx)
{
    struct entry *e;
    int rc = -EAGAIN;

    pthread_mutex_lock(&cache->lock);
    HASH_FIND_STR(cache->table, key, e);
    if (e && (expired_too ? e->has_value : is_fresh(e, clock_mono_seconds()))) {
        cache->stats.hits++;
        rc = use_entry(e, use, use_ctx);
    }
    pthread_mutex_unlock(&cache->lock);
    return rc;
}

int cache_peek(struct cache *cache, const char *key, cache_use_fn use,
               void *use_ctx)
{
    return peek(cache, key, false, use, use_ctx);
}

int cache_peek_held(struct cache *cache, const char *key, cache_use_fn use,
                    void *use_ctx)
{
    return peek(cache, key, true, use, use_ctx);
}

unsigned long cache_version(struct cache *cache)
{
    unsigned long v;

    pthread_mutex_lock(&cache->lock);
    v = ++cache->clock;
    pthread_mutex_unlock(&cache->lock);
    return v;
}

/* version 0: the newest there is. */
static int put(struct cache *cache, const char *key, void *value_taken,
               unsigned long version)
{
    struct entry *e;
    bool newer_held = false;

    pthread_mutex_lock(&cache->lock);
    e = entry_for(cache, key, NULL);
    if (e && version == 0)
        version = ++cache->clock;
    if (e && e->has_value && e->version > version)
        newer_held = true;
    else if (e)
        store(cache, e, value_taken, version);
    pthread_mutex_unlock(&cache->lock);
    if ((!e || newer_held) && value_taken)
        cache->free_value(value_taken);
    return e ? 0 : -ENOMEM;
}

int cache_put(struct cache *cache, const char *key, void *value_taken)
{
    return put(cache, key, value_taken, 0);
}

int cache_put_versioned(struct cache *cache, const char *key, void *value_taken,
                        unsigned long version)
{
    return put(cache, key, value_taken, version ? version : 1);
}

static void forget_entry(struct cache *cache, struct entry *e)
{
    if (e->loading || e->waiters) {
        /* Others hold it: let it go stale instead. */
        e->expires = 0;
        e->stale_on_arrival = e->loading;
    } else
        delete_entry(cache, e);
}

void cache_forget(struct cache *cache, const char *key)
{
    struct entry *e;

    pthread_mutex_lock(&cache->lock);
    HASH_FIND_STR(cache->table, key, e);
    if (e)
        forget_entry(cache, e);
    pthread_mutex_unlock(&cache->lock);
}

void cache_forget_tag(struct cache *cache, const char *tag)
{
    struct entry *e, *tmp;

    pthread_mutex_lock(&cache->lock);
    DL_FOREACH_SAFE2(cache->tagged, e, tmp, tag_next)
    if (strcmp(e->tag, tag) == 0)
        forget_entry(cache, e);
    pthread_mutex_unlock(&cache->lock);
}

void cache_forget_all(struct cache *cache)
{
    struct entry *e, *tmp;

    pthread_mutex_lock(&cache->lock);
    HASH_ITER(hh, cache->table, e, tmp)
        forget_entry(cache, e);
    pthread_mutex_unlock(&cache->lock);
}

void cache_get_stats(struct cache *cache, struct cache_stats *out)
{
    pthread_mutex_lock(&cache->lock);
    *out = cache->stats;
    out->entries = HASH_COUNT(cache->table);
    pthread_mutex_unlock(&cache->lock);
}
