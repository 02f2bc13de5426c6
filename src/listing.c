/* listing.c - a directory's entries, gathered once and served by offset
 * (see listing.h). */
#include "listing.h"

#include "buf.h"

#include <stdlib.h>
#include <string.h>

struct listing *listing_new(void) { return calloc(1, sizeof(struct listing)); }

static void listing_clear(struct listing *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->entries[i].name);
    l->count = 0;
    l->failed = false;
}

void listing_free(struct listing *l)
{
    if (l) {
        listing_clear(l);
        free(l->entries);
        free(l);
    }
}

void listing_restart(struct listing *l, struct cwmfs *fs, const char *dir,
                     bool plus)
{
    listing_clear(l);
    l->fs = fs;
    l->dir = dir;
    l->plus = plus;
}

static bool make_room(struct listing *l)
{
    struct listing_entry *more = array_reserve(l->entries, &l->cap,
                                               l->count + 1, sizeof(*more));

    if (!more)
        return false;
    l->entries = more;
    return true;
}

void listing_put(struct listing *l, const char *name, const struct stat *st,
                 bool plus)
{
    struct listing_entry *e;

    if (l->failed || !make_room(l)) {
        l->failed = true;
        return;
    }
    e = &l->entries[l->count];
    e->name = strdup(name);
    if (!e->name) {
        l->failed = true;
        return;
    }
    memset(&e->st, 0, sizeof(e->st));
    if (st)
        e->st = *st;
    e->plus = plus && st;
    e->bare = !st;
    l->count++;
}

void listing_dots(struct listing *l)
{
    listing_put(l, ".", NULL, false);
    listing_put(l, "..", NULL, false);
}

/* Each entry's offset is that of the next, as readdir(3) expects.  With
 * attributes, libfuse 3.14 counts a lookup before it knows whether the
 * entry fits: the one refused when a batch is full stays counted, so its
 * node outlives the kernel's forget.  That is one per batch, for a name
 * the listing shows anyway. */
void listing_serve(const struct listing *l, off_t from, void *buf,
                   fuse_fill_dir_t filler)
{
    for (size_t i = from > 0 ? (size_t)from : 0; i < l->count; i++) {
        const struct listing_entry *e = &l->entries[i];
        if (filler(buf, e->name, e->bare ? NULL : &e->st, (off_t)(i + 1),
                   e->plus ? FUSE_FILL_DIR_PLUS : 0))
            break;
    }
}
