/* kcache.c - see kcache.h. */
#include "kcache.h"

#include "strmap.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

/* A bound for a pathological mount; forgetting a path only costs its next
 * open a refill. */
#define KCACHE_MAX (1UL << 20)

struct kfile {
    bool told;             /* attributes were told */
    struct kversion attrs; /* ...these (len, mtime) */
    uint64_t pages;        /* fingerprint of what the pages may hold, or 0 */
    unsigned readers;      /* handles reading through the pages */
};

struct kcache {
    pthread_mutex_t lock;
    struct strmap *files;    /* path -> struct kfile */
    struct strmap *listings; /* dir -> the stamp of the listing handed */
};

struct kcache *kcache_new(void)
{
    struct kcache *kc = calloc(1, sizeof(*kc));

    if (!kc)
        return NULL;
    kc->files = strmap_new(free);
    kc->listings = strmap_new(NULL);
    if (!kc->files || !kc->listings) {
        strmap_free(kc->files);
        strmap_free(kc->listings);
        free(kc);
        return NULL;
    }
    pthread_mutex_init(&kc->lock, NULL);
    return kc;
}

void kcache_free(struct kcache *kc)
{
    if (!kc)
        return;
    strmap_free(kc->files);
    strmap_free(kc->listings);
    pthread_mutex_destroy(&kc->lock);
    free(kc);
}

/* The record for path, made if need be; NULL without memory. */
static struct kfile *file_locked(struct kcache *kc, const char *path)
{
    struct kfile *f = strmap_get(kc->files, path);

    if (f)
        return f;
    if (strmap_count(kc->files) >= KCACHE_MAX)
        free(strmap_take_oldest(kc->files));
    f = calloc(1, sizeof(*f));
    if (f && strmap_put(kc->files, path, f) != 0) {
        free(f);
        f = NULL;
    }
    return f;
}

static bool attrs_differ(const struct kfile *f, const struct kversion *v)
{
    return f->told && (f->attrs.len != v->len || f->attrs.mtime != v->mtime);
}

bool kcache_told(struct kcache *kc, const char *path, const struct kversion *v)
{
    struct kfile *f;
    bool keep;

    pthread_mutex_lock(&kc->lock);
    f = file_locked(kc, path);
    keep = !f || !f->readers || f->pages == v->print;
    if (f && keep) {
        f->told = true;
        f->attrs = *v;
    }
    pthread_mutex_unlock(&kc->lock);
    return keep;
}

bool kcache_stale(struct kcache *kc, const char *path, const struct kversion *v)
{
    const struct kfile *f;
    bool stale;

    pthread_mutex_lock(&kc->lock);
    f = strmap_get(kc->files, path);
    stale = f && (attrs_differ(f, v) || (f->pages && f->pages != v->print));
    pthread_mutex_unlock(&kc->lock);
    return stale;
}

enum kcache_use kcache_open(struct kcache *kc, const char *path,
                            const struct kversion *v, bool *attrs_stale)
{
    enum kcache_use use = KCACHE_BYPASS;
    struct kfile *f;

    *attrs_stale = true;
    pthread_mutex_lock(&kc->lock);
    f = v->print ? file_locked(kc, path) : NULL;
    if (f && f->readers && f->pages != v->print) {
        *attrs_stale = false; /* told for the readers' version: keep it */
    } else if (f) {
        use = f->pages == v->print ? KCACHE_KEEP : KCACHE_REFILL;
        *attrs_stale = !f->told || attrs_differ(f, v);
        f->pages = v->print;
        f->readers++;
        f->told = true;
        f->attrs = *v;
    }
    pthread_mutex_unlock(&kc->lock);
    return use;
}

void kcache_close(struct kcache *kc, const char *path, uint64_t print)
{
    struct kfile *f;

    pthread_mutex_lock(&kc->lock);
    f = strmap_get(kc->files, path);
    if (f && f->pages == print && f->readers)
        f->readers--;
    pthread_mutex_unlock(&kc->lock);
}

struct drain {
    void (*fn)(void *ctx, const char *path);
    void *ctx;
};

static bool drain_one(void *ctx, const char *path, void *value)
{
    struct drain *d = ctx;
    struct kfile *f = value;

    d->fn(d->ctx, path);
    if (!f->readers)
        return true;
    f->told = false; /* readers still own the pages; the attributes go */
    return false;
}

void kcache_drain(struct kcache *kc, void (*fn)(void *ctx, const char *path),
                  void *ctx)
{
    struct drain d = { fn, ctx };

    pthread_mutex_lock(&kc->lock);
    strmap_each(kc->files, drain_one, &d);
    strmap_clear(kc->listings);
    pthread_mutex_unlock(&kc->lock);
}

/* Stamps are kept as the map's values: a listing is never stamped 0. */
bool kcache_listing_handed(struct kcache *kc, const char *dir,
                           unsigned long stamp)
{
    void *seen = (void *)(uintptr_t)stamp;
    bool handed;

    pthread_mutex_lock(&kc->lock);
    handed = stamp && strmap_get(kc->listings, dir) == seen;
    if (!handed && stamp)
        strmap_put(kc->listings, dir, seen);
    pthread_mutex_unlock(&kc->lock);
    return handed;
}
