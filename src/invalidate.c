/* invalidate.c - see invalidate.h. */
#include "invalidate.h"

#include "log.h"

#include <fuse.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <utlist.h>

struct pending {
    char *path;
    struct pending *next;
};

struct invalidator {
    struct fuse *fuse;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct pending *queue;
    bool stopping;
};

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
        p = inv->queue;
        LL_DELETE(inv->queue, p);
        pthread_mutex_unlock(&inv->lock);
        /* -ENOENT means the kernel never looked the path up: nothing cached. */
        fuse_invalidate_path(inv->fuse, p->path);
        log_debug("invalidated %s", p->path);
        free(p->path);
        free(p);
        pthread_mutex_lock(&inv->lock);
    }
    pthread_mutex_unlock(&inv->lock);
    return NULL;
}

struct invalidator *invalidator_start(struct fuse *fuse)
{
    struct invalidator *inv = calloc(1, sizeof(*inv));

    if (!inv)
        return NULL;
    inv->fuse = fuse;
    pthread_mutex_init(&inv->lock, NULL);
    pthread_cond_init(&inv->wake, NULL);
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
    pthread_mutex_lock(&inv->lock);
    LL_APPEND(inv->queue, p);
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
    LL_FOREACH_SAFE(inv->queue, p, tmp) {
        LL_DELETE(inv->queue, p);
        free(p->path);
        free(p);
    }
    pthread_cond_destroy(&inv->wake);
    pthread_mutex_destroy(&inv->lock);
    free(inv);
}
