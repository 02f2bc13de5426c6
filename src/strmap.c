/* strmap.c - see strmap.h. */
#include "strmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A failed bucket allocation leaves the entry out (hh.tbl == NULL) instead
 * of exiting, so strmap_put can report -ENOMEM. */
#define HASH_NONFATAL_OOM 1
#include <uthash.h>

struct strmap_entry {
    void *value;
    UT_hash_handle hh;
    char key[]; /* one allocation with the entry */
};

struct strmap {
    struct strmap_entry *table; /* uthash head: the oldest entry */
    strmap_free_fn free_value;
};

struct strmap *strmap_new(strmap_free_fn free_value)
{
    struct strmap *map = calloc(1, sizeof(*map));

    if (map)
        map->free_value = free_value;
    return map;
}

static void free_value(const struct strmap *map, void *value)
{
    if (map->free_value && value)
        map->free_value(value);
}

/* Unlinks e and frees it, handing back its value. */
static void *unlink_entry(struct strmap *map, struct strmap_entry *e)
{
    void *value = e->value;

    HASH_DEL(map->table, e);
    free(e);
    return value;
}

void strmap_free(struct strmap *map)
{
    struct strmap_entry *e, *tmp;

    if (!map)
        return;
    HASH_ITER(hh, map->table, e, tmp)
        free_value(map, unlink_entry(map, e));
    free(map);
}

static struct strmap_entry *find(const struct strmap *map, const char *key)
{
    struct strmap_entry *e;

    HASH_FIND_STR(map->table, key, e);
    return e;
}

void *strmap_get(const struct strmap *map, const char *key)
{
    struct strmap_entry *e = find(map, key);

    return e ? e->value : NULL;
}

static int add_entry(struct strmap *map, const char *key, void *value)
{
    size_t n = strlen(key);
    struct strmap_entry *e = malloc(sizeof(*e) + n + 1);

    if (!e)
        return -ENOMEM;
    memcpy(e->key, key, n + 1);
    e->value = value;
    HASH_ADD_KEYPTR(hh, map->table, e->key, n, e);
    if (!e->hh.tbl) {
        free(e);
        return -ENOMEM;
    }
    return 0;
}

int strmap_put(struct strmap *map, const char *key, void *value)
{
    struct strmap_entry *e = find(map, key);
    void *old;

    if (!e)
        return add_entry(map, key, value);
    old = e->value;
    e->value = value;
    if (old != value)
        free_value(map, old);
    return 0;
}

void *strmap_take(struct strmap *map, const char *key)
{
    struct strmap_entry *e = find(map, key);

    return e ? unlink_entry(map, e) : NULL;
}

void *strmap_take_oldest(struct strmap *map)
{
    return map->table ? unlink_entry(map, map->table) : NULL;
}

bool strmap_remove(struct strmap *map, const char *key)
{
    struct strmap_entry *e = find(map, key);

    if (!e)
        return false;
    free_value(map, unlink_entry(map, e));
    return true;
}

size_t strmap_count(const struct strmap *map) { return HASH_COUNT(map->table); }

void strmap_clear(struct strmap *map)
{
    struct strmap_entry *e, *tmp;

    HASH_ITER(hh, map->table, e, tmp)
        free_value(map, unlink_entry(map, e));
}

void strmap_each(struct strmap *map,
                 bool (*fn)(void *ctx, const char *key, void *value), void *ctx)
{
    struct strmap_entry *e, *tmp;

    HASH_ITER(hh, map->table, e, tmp)
        if (fn(ctx, e->key, e->value))
            free_value(map, unlink_entry(map, e));
}
