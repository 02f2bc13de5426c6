/* resources.h - the table of what the mount shows.
 *
 * Every API resource the filesystem exposes is one row: where it appears in
 * the tree, which endpoint serves it, how its files are named and which
 * verbs the API permits.  Adding a collection is adding a row. */
#ifndef CWMFS_RESOURCES_H
#define CWMFS_RESOURCES_H

#include <stdbool.h>
#include <stddef.h>

enum resource_kind {
    RES_SINGLETON,  /* one file: an object, or a whole list (list_endpoint) */
    RES_COLLECTION, /* a directory of <key>.json files */
};

enum resource_verb {
    VERB_GET = 1 << 0,
    VERB_POST = 1 << 1,
    VERB_PUT = 1 << 2,
    VERB_PATCH = 1 << 3,
    VERB_DELETE = 1 << 4,
};

struct resource_type {
    const char *path;      /* in the mount, e.g. "/members/types" */
    const char *endpoint;  /* under .../apis/3.0/system/, e.g. "members/types" */
    enum resource_kind kind;
    const char *key_field; /* collections: the field naming each file */
    bool list_endpoint;    /* singletons: the endpoint returns a paged list */
    unsigned verbs;        /* what the API permits (resource_verb bits) */
    /* A view of a collection: its objects that share a key with another,
     * named "<key>%23id<id>" (see names.h); made by resource_duplicates. */
    bool duplicates;
};

extern const struct resource_type resource_table[];
extern const size_t resource_count;

/* The row whose path is exactly `path`, or NULL. */
const struct resource_type *resource_at(const char *path);
/* Whether a row's files may be changed through the API. */
bool resource_is_writable(const struct resource_type *res);
/* Whether the row's key field is the numeric id. */
bool resource_keyed_by_id(const struct resource_type *res);
/* The view of res's objects that share a key (NULL for collections named
 * by id, where a shared key is the same object).  It can read, change and
 * delete them, not create. */
const struct resource_type *resource_duplicates(const struct resource_type *res);
/* The directory holding a row: "/" for top-level rows. Writes at most
 * `size` bytes into buf. */
void resource_parent(const struct resource_type *res, char *buf, size_t size);

#endif
