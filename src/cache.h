/* cache.h - a thread-safe TTL cache with request coalescing.
 *
 * Keys are strings; values are opaque and owned by the cache.  A miss runs
 * the caller's fill function outside the lock; concurrent callers asking for
 * the same key meanwhile wait for that one fill instead of starting their
 * own (single-flight, as httpdirfs's ActiveDownload); when the key holds an
 * expired value (not a forgotten one), they are served that value instead
 * of waiting, so that a refetch holds up only the caller that started it.
 * Absence is cached too
 * (a fill returning -ENOENT), so repeated lookups of a missing name cost one
 * request per TTL.
 *
 * A fill that fails with -EINTR (its caller gave up, http.h) stores
 * nothing, and the callers waiting for it fill for themselves.
 *
 * When a fill fails for a transient reason (-EIO, -ETIMEDOUT, -EAGAIN,
 * connection errors) and an expired value is still held, that value is
 * served instead of the error (rclone and gcsfuse advice: an API outage must
 * not turn files listed a minute ago into errors); the next call tries again.
 *
 * Values are only touched under the lock, through a "use" callback that
 * copies out what the caller needs; that keeps lifetimes trivial.
 *
 * Every stored value carries a version from one counter: older data never
 * replaces newer.  A fetch takes a version before it asks the server
 * (cache_version), so a listing that started before a save and ends after
 * it cannot put the old object back over the save's answer. */
#ifndef CWMFS_CACHE_H
#define CWMFS_CACHE_H

struct cache;

typedef void (*cache_free_fn)(void *value);
/* Returns 0 with *value set (stored), -ENOENT (absence is stored), or
 * another -errno (nothing stored; passed to every waiting caller). */
typedef int (*cache_fill_fn)(void *ctx, const char *key, void **value);
/* Runs with the cache locked; its return value is cache_get's. */
typedef int (*cache_use_fn)(void *ctx, const void *value);

struct cache_stats {
    unsigned long hits;
    unsigned long fills;     /* misses that ran a fill */
    unsigned long coalesced; /* misses that waited for another's fill */
    /* expired values served after a failed fill, or during another's */
    unsigned long stale_served;
    unsigned long entries;
};

struct cache *cache_new(double ttl_seconds, cache_free_fn free_value);
void cache_free(struct cache *cache);

/* Fresh value → use(); otherwise fill (or wait for the fill in progress)
 * then use().  A cached absence returns -ENOENT without calling use().
 * tag (may be NULL) files a new entry for cache_forget_tag. */
int cache_get(struct cache *cache, const char *key, const char *tag,
              cache_fill_fn fill, void *fill_ctx, cache_use_fn use,
              void *use_ctx);
/* Like cache_get without filling: -EAGAIN when no fresh entry exists. */
int cache_peek(struct cache *cache, const char *key, cache_use_fn use,
               void *use_ctx);
/* cache_peek that also takes an expired value not yet swept away: what
 * was fetched last, for what may be old but must never cost a request. */
int cache_peek_held(struct cache *cache, const char *key, cache_use_fn use,
                    void *use_ctx);
/* Stores (replaces) a value, fresh for one TTL; NULL records absence.
 * The value is the newest there is (a write's answer). */
int cache_put(struct cache *cache, const char *key, void *value_taken);
/* A version for data about to be fetched: take it before the request. */
unsigned long cache_version(struct cache *cache);
/* Like cache_put for data fetched under `version`: dropped (and freed)
 * when the key already holds newer data.  Returns 0 either way. */
int cache_put_versioned(struct cache *cache, const char *key, void *value_taken,
                        unsigned long version);
/* Forgets a key, or every key; a fill in progress is kept but its result
 * will be stale on arrival. */
void cache_forget(struct cache *cache, const char *key);
/* Forgets every entry filed under tag (what a write made stale). */
void cache_forget_tag(struct cache *cache, const char *tag);
void cache_forget_all(struct cache *cache);

void cache_get_stats(struct cache *cache, struct cache_stats *out);

#endif
