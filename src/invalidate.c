/* invalidate.c - see invalidate.h. */
#include "invalidate.h"

#include "clock.h"
#include "log.h"

#include <fuse.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <utlist.h>

struct pending {
    char *path;
    double due;                  /* monotonic seconds */
    struct pending *prev, *next; /* doubly linked: appending is O(1) */
};

struct invalidator {
    struct fuse *fuse;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct pending *queue;
    bool stopping;
};

/* Sleeps until the first queued path is due (or a new one arrives). */
static void wait_until_due_locked(struct invalidator *inv)
{
    double wait = inv->queue->due - clock_mono_seconds();
    struct timespec until;

    if (wait <= 0)
        return;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_nsec += (long)(wait * 1e9);
    until.tv_sec += until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    pthread_cond_timedwait(&inv->wake, &inv->lock, &until);
}

static void *run(void *arg)
{
    struct invalidator *inv = arg;

    pthread_mutex_lock(&inv->lock);
    for (;;) {
        struct pending *p;
        while (!inv->queue && !inv->stopping)
            pthread_cond_wait(&inv->wake, &inv->lock);
        if (inv->stopping)
            break;
        if (inv->queue->due > clock_mono_seconds()) {
            wait_until_due_locked(inv);
            continue;
        }
        p = inv->queue;
        DL_DELETE(inv->queue, p);
        pthread_mutex_unlock(&inv->lock);
        invalidator_now(inv, p->path);
        free(p->path);
        free(p);
        pthread_mutex_lock(&inv->lock);
    }
    pthread_mutex_unlock(&inv->lock);
    return NULL;
}

void invalidator_now(struct invalidator *inv, const char *path)
{
    if (!inv || !path)
        return;
    /* -ENOENT means the kernel never looked the path up: nothing cached. */
    fuse_invalidate_path(inv->fuse, path);
    log_debug("invalidated %s", path);
}

struct invalidator *invalidator_start(struct fuse *fuse)
{
    struct invalidator *inv = calloc(1, sizeof(*inv));
    pthread_condattr_t attr;

    if (!inv)
        return NULL;
    inv->fuse = fuse;
    pthread_mutex_init(&inv->lock, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&inv->wake, &attr);
    pthread_condattr_destroy(&attr);
    if (pthread_create(&inv->thread, NULL, run, inv) != 0) {
        pthread_cond_destroy(&inv->wake);
        pthread_mutex_destroy(&inv->lock);
        free(inv);
        return NULL;
    }
    return inv;
}

void invalidator_queue(struct invalidator *inv, const char *path)
{
    invalidator_queue_after(inv, path, 0);
}

void invalidator_queue_after(struct invalidator *inv, const char *path,
                             double seconds)
{
    struct pending *p;

    if (!inv || !path)
        return;
    p = calloc(1, sizeof(*p));
    if (p)
        p->path = strdup(path);
    if (!p || !p->path) {
        free(p);
        return;
    }
    p->due = clock_mono_seconds() + seconds;
    pthread_mutex_lock(&inv->lock);
    DL_APPEND(inv->queue, p);
    pthread_cond_signal(&inv->wake);
    pthread_mutex_unlock(&inv->lock);
}

void invalidator_stop(struct invalidator *inv)
{
    struct pending *p, *tmp;

    if (!inv)
        return;
    pthread_mutex_lock(&inv->lock);
    inv->stopping = true;
    pthread_cond_signal(&inv->wake);
    pthread_mutex_unlock(&inv->lock);
    pthread_join(inv->thread, NULL);
    DL_FOREACH_SAFE(inv->queue, p, tmp) {
        DL_DELETE(inv->queue, p);
        free(p->path);
        free(p);
    }
    pthread_cond_destroy(&inv->wake);
    pthread_mutex_destroy(&inv->lock);
    free(inv);
}
