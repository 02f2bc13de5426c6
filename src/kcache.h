/* kcache.h - what the kernel caches of each server file, so that it may
 * cache it for a whole TTL and still never show a mix of versions.
 *
 * The kernel keeps, per file, attributes (size, mtime) and pages of text,
 * shared by every descriptor open on the file.  Warm reads at page-cache
 * speed need both kept (attr_timeout, keep_cache); correctness needs that
 * the pages hold one version of the file, the one the attributes describe,
 * and that a reader is never handed older text than the base its save
 * will be compared with (reads.h).  The rules this table keeps:
 *
 *  - A read-only open shows the text the mount holds now.  If the kernel's
 *    pages may hold that same text, they are kept; otherwise they are
 *    dropped at this open (the table remembers the new text's fingerprint).
 *  - While a handle reading through the page cache is open on one version,
 *    an open of another version bypasses the cache (direct I/O): an older
 *    handle refilling the pages after a newer open would hand the newer
 *    reader older text than its base.
 *  - The attributes last told to the kernel are kept too, so that an open
 *    of different text can drop them in the same breath as the pages, and a
 *    refetch that brings different text can drop them at once.
 *
 * Paths are the mount's ("/members/admin.json").  Thread-safe. */
#ifndef CWMFS_KCACHE_H
#define CWMFS_KCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct kcache;

/* A version of a file as the kernel sees it. */
struct kversion {
    uint64_t print; /* fingerprint of the text (0: not known) */
    size_t len;
    time_t mtime;
};

enum kcache_use {
    KCACHE_KEEP,   /* the pages hold this text: keep them */
    KCACHE_REFILL, /* drop the pages (and attributes) at this open */
    KCACHE_BYPASS, /* another version is being read: direct I/O */
};

struct kcache *kcache_new(void);
void kcache_free(struct kcache *kc);

/* The kernel is being told path's attributes (len and mtime of v): they
 * are recorded and true returned, unless handles reading another version
 * through the page cache are open.  Then nothing is recorded and false
 * returned: the kernel must not keep these attributes, or it would cut
 * those readers at v's size. */
bool kcache_told(struct kcache *kc, const char *path, const struct kversion *v);
/* Whether the kernel may hold attributes or pages of path that v changes
 * (it was told other attributes, or holds pages of other text). */
bool kcache_stale(struct kcache *kc, const char *path,
                  const struct kversion *v);

/* A read-only open of path showing v: how its reads may use the page
 * cache.  KEEP and REFILL count a reader, to be ended by kcache_close;
 * *attrs_stale is set when the kernel was told other attributes (drop them
 * before reading, or reads stop at the old size). */
enum kcache_use kcache_open(struct kcache *kc, const char *path,
                            const struct kversion *v, bool *attrs_stale);
void kcache_close(struct kcache *kc, const char *path, uint64_t print);

/* Whether the kernel was handed the attributes of the objects in this
 * listing (stamp: store_list's) of directory dir already; if not, it is
 * taken to be now.  What it was handed it keeps for the TTL, so a listing
 * need not hand them with every read of the directory. */
bool kcache_listing_handed(struct kcache *kc, const char *dir,
                           unsigned long stamp);
/* Calls fn for every path the kernel may cache, then forgets them all
 * (when every cached copy is dropped: a refresh, a change of modes); the
 * listings handed are forgotten too. */
void kcache_drain(struct kcache *kc, void (*fn)(void *ctx, const char *path),
                  void *ctx);

#endif
