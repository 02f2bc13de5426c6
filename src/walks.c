/* walks.c - see walks.h. */
#include "walks.h"

#include "clock.h"
#include "strmap.h"

#include <pthread.h>
#include <stdlib.h>

/* One collection that was listed: its recent misses. */
struct walk {
    double since;    /* start of the current window */
    unsigned misses; /* in it */
};

struct walks {
    pthread_mutex_t lock;
    struct strmap *listed; /* listing key -> struct walk */
};

struct walks *walks_new(void)
{
    struct walks *w = calloc(1, sizeof(*w));

    if (!w)
        return NULL;
    w->listed = strmap_new(free);
    if (!w->listed) {
        free(w);
        return NULL;
    }
    pthread_mutex_init(&w->lock, NULL);
    return w;
}

void walks_free(struct walks *w)
{
    if (!w)
        return;
    strmap_free(w->listed);
    pthread_mutex_destroy(&w->lock);
    free(w);
}

void walks_listed(struct walks *w, const char *listing)
{
    struct walk *walk;

    pthread_mutex_lock(&w->lock);
    walk = strmap_get(w->listed, listing);
    if (!walk) {
        walk = calloc(1, sizeof(*walk));
        if (walk && strmap_put(w->listed, listing, walk) != 0) {
            free(walk);
            walk = NULL;
        }
    }
    if (walk) /* a new listing: the walk starts over */
        walk->misses = 0;
    pthread_mutex_unlock(&w->lock);
}

bool walks_missed(struct walks *w, const char *listing)
{
    double now = clock_mono_seconds();
    struct walk *walk;
    bool walked = false;

    pthread_mutex_lock(&w->lock);
    walk = strmap_get(w->listed, listing);
    if (walk) {
        if (now - walk->since > WALK_WINDOW) {
            walk->since = now;
            walk->misses = 0;
        }
        walked = ++walk->misses >= WALK_MISSES;
    }
    pthread_mutex_unlock(&w->lock);
    return walked;
}
