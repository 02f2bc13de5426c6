/* paths.h - mapping mount paths to what they stand for.
 *
 * A path is the root, a resource directory or singleton from the table, an
 * object file "<encoded key>.json" inside a collection, or some other name
 * (an editor's scratch file, a typo) that the API knows nothing about. */
#ifndef CWMFS_PATHS_H
#define CWMFS_PATHS_H

#include <stddef.h>

#include "resources.h"

enum node_type {
    NODE_ROOT,
    NODE_DIR,        /* a collection directory */
    NODE_SINGLETON,  /* a singleton file */
    NODE_OBJECT,     /* <key>.json in a collection */
    NODE_OTHER,      /* any other name inside a collection */
};

struct node {
    enum node_type type;
    const struct resource_type *res; /* DIR, SINGLETON: itself; OBJECT, OTHER: the collection */
    char *key;                       /* OBJECT: the decoded key (malloc'd) */
};

/* Returns 0 and fills node, -ENOENT for a path that cannot exist (e.g. below
 * a file, or an unknown top-level name), -ENOMEM. */
int path_resolve(const char *path, struct node *node);
void node_clear(struct node *node);

/* Calls fn for each table row directly inside directory `dir`. */
void path_for_each_child(const char *dir,
                         void (*fn)(void *ctx, const struct resource_type *child),
                         void *ctx);
/* Number of table rows that are directories directly inside `dir`. */
int path_count_subdirs(const char *dir);

#endif
