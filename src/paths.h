/* paths.h - mapping mount paths to what they stand for.
 *
 * A path is the root, a resource directory or singleton from the table, an
 * object file "<encoded key>.json" inside a collection, cwmfs's own
 * /.cwmfs tree, or some other name (an editor's scratch file, a temp file)
 * that the API never hears about. */
#ifndef CWMFS_PATHS_H
#define CWMFS_PATHS_H

#include <stdbool.h>
#include <stddef.h>

#include "resources.h"

enum node_type {
    NODE_ROOT,
    NODE_DIR,        /* a collection directory */
    NODE_SINGLETON,  /* a singleton file */
    NODE_OBJECT,     /* <key>.json in a collection */
    NODE_OTHER,      /* any other name in the root or a collection: scratch */
    NODE_META,       /* /.cwmfs and below: errors and rejected texts */
};

/* The directory holding cwmfs's own files. */
#define META_DIR "/.cwmfs"

struct node {
    enum node_type type;
    const struct resource_type *res; /* DIR, SINGLETON: itself; OBJECT, OTHER
                                        in a collection: the collection */
    char *key;                       /* OBJECT: the decoded key (malloc'd);
                                        in a duplicates view, the stem */
    /* OBJECT in an id-keyed collection whose name is not an id ("new.json"):
     * only a file being created can have it; the server cannot. */
    bool new_object_name;
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
/* "members/admin.json" for "/members/admin.json": how messages name files. */
const char *path_display(const char *path);
/* The directory part of path ("/" for top-level names), into buf. */
int path_parent(const char *path, char *buf, size_t size);

#endif
