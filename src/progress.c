/* progress.c - see progress.h. */
#include "progress.h"

#include "buf.h"
#include "clock.h"
#include "log.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

struct progress_slot {
    struct progress *owner;
    bool busy;
    char what[160];
    int page, pages;
    double started, logged; /* monotonic seconds; logged: 0 until then */
};

struct progress {
    pthread_mutex_t lock;
    struct progress_slot slots[PROGRESS_SLOTS];
};

struct progress *progress_new(void)
{
    struct progress *progress = calloc(1, sizeof(*progress));

    if (!progress)
        return NULL;
    pthread_mutex_init(&progress->lock, NULL);
    for (int i = 0; i < PROGRESS_SLOTS; i++)
        progress->slots[i].owner = progress;
    return progress;
}

void progress_free(struct progress *progress)
{
    if (!progress)
        return;
    pthread_mutex_destroy(&progress->lock);
    free(progress);
}

struct progress_slot *progress_begin(struct progress *progress,
                                     const char *what)
{
    struct progress_slot *slot = NULL;

    if (!progress)
        return NULL;
    pthread_mutex_lock(&progress->lock);
    for (int i = 0; !slot && i < PROGRESS_SLOTS; i++)
        if (!progress->slots[i].busy)
            slot = &progress->slots[i];
    if (slot) {
        slot->busy = true;
        snprintf(slot->what, sizeof(slot->what), "%s", what);
        slot->page = slot->pages = 0;
        slot->started = clock_mono_seconds();
        slot->logged = 0;
    }
    pthread_mutex_unlock(&progress->lock);
    return slot;
}

/* Whether it is time for a line in the log; notes that it was written. */
static bool log_due_locked(struct progress_slot *slot, double now)
{
    if (now - slot->started < PROGRESS_LOG_AFTER ||
        (slot->logged && now - slot->logged < 1.0))
        return false;
    slot->logged = now;
    return true;
}

void progress_page(struct progress_slot *slot, int page, int pages)
{
    char line[256];
    double now = clock_mono_seconds();
    bool due;

    if (!slot)
        return;
    pthread_mutex_lock(&slot->owner->lock);
    slot->page = page;
    slot->pages = pages > page ? pages : page;
    due = log_due_locked(slot, now);
    snprintf(line, sizeof(line), "%s: page %d of %d, %.1f s so far", slot->what,
             slot->page, slot->pages, now - slot->started);
    pthread_mutex_unlock(&slot->owner->lock);
    if (due)
        log_info("listing %s", line);
}

void progress_end(struct progress_slot *slot)
{
    double took;
    bool logged;
    int pages;
    char what[sizeof(slot->what)];

    if (!slot)
        return;
    pthread_mutex_lock(&slot->owner->lock);
    took = clock_mono_seconds() - slot->started;
    logged = slot->logged != 0;
    pages = slot->page;
    snprintf(what, sizeof(what), "%s", slot->what);
    slot->busy = false;
    pthread_mutex_unlock(&slot->owner->lock);
    if (logged || took >= PROGRESS_LOG_AFTER)
        log_info("listing %s: %d page%s in %.1f s", what, pages,
                 pages == 1 ? "" : "s", took);
}

int progress_in_flight(struct progress *progress)
{
    int busy = 0;

    pthread_mutex_lock(&progress->lock);
    for (int i = 0; i < PROGRESS_SLOTS; i++)
        busy += progress->slots[i].busy;
    pthread_mutex_unlock(&progress->lock);
    return busy;
}

int progress_describe(struct progress *progress, struct buf *out)
{
    double now = clock_mono_seconds();
    int rc = 0;

    pthread_mutex_lock(&progress->lock);
    for (int i = 0; rc == 0 && i < PROGRESS_SLOTS; i++) {
        const struct progress_slot *s = &progress->slots[i];

        if (!s->busy)
            continue;
        if (s->pages)
            rc = buf_printf(out, "  %s: page %d of %d, %.1f s\n", s->what,
                            s->page, s->pages, now - s->started);
        else
            rc = buf_printf(out, "  %s: waiting for page 1, %.1f s\n", s->what,
                            now - s->started);
    }
    pthread_mutex_unlock(&progress->lock);
    return rc;
}
