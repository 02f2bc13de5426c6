/* strmap.h - a map from strings to owned values, over uthash.
 *
 * The map keeps its own copy of each key and owns each value: it frees a
 * value (with the function given to strmap_new, if any) when the value is
 * replaced or removed, or the map freed, but never one handed back by
 * strmap_take or strmap_take_oldest.  Entries stay in insertion order
 * (replacing a value keeps its place): strmap_each visits the oldest first,
 * and strmap_take_oldest gives bounded tables first-in-first-out eviction.
 * Not thread-safe: callers lock. */
#ifndef CWMFS_STRMAP_H
#define CWMFS_STRMAP_H

#include <stdbool.h>
#include <stddef.h>

struct strmap;

typedef void (*strmap_free_fn)(void *value);

/* NULL without memory.  free_value may be NULL (values are not freed). */
struct strmap *strmap_new(strmap_free_fn free_value);
void strmap_free(struct strmap *map); /* frees every value */
void *strmap_get(const struct strmap *map, const char *key);
/* Stores value under a copy of key, replacing (and freeing) any old value.
 * 0 or -ENOMEM (value then not stored, not freed). */
int strmap_put(struct strmap *map, const char *key, void *value);
/* Removes key and returns its value without freeing it (NULL if absent). */
void *strmap_take(struct strmap *map, const char *key);
/* Removes the oldest entry and returns its value without freeing it (NULL
 * when the map is empty). */
void *strmap_take_oldest(struct strmap *map);
/* Removes key, freeing its value; returns whether it was there. */
bool strmap_remove(struct strmap *map, const char *key);
size_t strmap_count(const struct strmap *map);
/* Removes (and frees) every entry. */
void strmap_clear(struct strmap *map);
/* Calls fn for each entry; fn returning true removes (and frees) that
 * entry.  fn must not otherwise change the map. */
void strmap_each(struct strmap *map,
                 bool (*fn)(void *ctx, const char *key, void *value),
                 void *ctx);

#endif
