/* query.h - saved searches: ConnectWise's conditions over one collection.
 *
 * A query has a name (its folder under /queries), the collection it
 * searches ("members", "members/types", ...), and the list parameters the
 * API takes (conditions, orderBy, childConditions, customFieldConditions,
 * fields), each a file in its folder.  Queries come from the profile's
 * config ("query.<name> = <collection>: <conditions>") or from mkdir, and
 * live in memory until rmdir or unmount.  Thread-safe. */
#ifndef CWMFS_QUERY_H
#define CWMFS_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#include "resources.h"

enum query_param {
    QP_COLLECTION,
    QP_CONDITIONS,
    QP_ORDER_BY,
    QP_CHILD_CONDITIONS,
    QP_CUSTOM_FIELD_CONDITIONS,
    QP_FIELDS,
    QP_COLUMNS, /* reports only */
    QP_COUNT
};

/* The file (and API parameter) name of each: "collection", "orderBy"... */
extern const char *const query_param_names[QP_COUNT];

struct queries;

struct queries *queries_new(void);
void queries_free(struct queries *q);

/* Adds the config's saved queries (cwm_config.queries); 0, or -1 with a
 * one-line reason naming the query. */
int queries_load(struct queries *q, const char *lines, char *err,
                 size_t errlen);

/* mkdir: 0, -EEXIST, -EINVAL (not a file name), -ENOMEM. */
int query_add(struct queries *q, const char *name);
/* rmdir: 0 or -ENOENT. */
int query_remove(struct queries *q, const char *name);
bool query_exists(struct queries *q, const char *name);
/* The names, sorted (free with store_names_free). */
int query_names(struct queries *q, char ***names, size_t *count);

/* The parameter file called name, or -1. */
int query_param_of(const char *name);
/* A parameter's value (malloc'd, "" when unset); -ENOENT, -ENOMEM. */
int query_get(struct queries *q, const char *name, enum query_param p,
              char **value);
/* Sets a parameter (NULL or "" unsets it). */
int query_set(struct queries *q, const char *name, enum query_param p,
              const char *value);

/* Whether row's search endpoint is worth asking (it has one, and this
 * server has not answered 404 there); query_no_search records that. */
bool query_search_usable(struct queries *q, const struct resource_type *row);
void query_no_search(struct queries *q, const struct resource_type *row);

/* The collection a collection parameter names ("members/types"), or NULL
 * when it names none a query can search.  "reports/<name>" names one of
 * a server's reports (the reports row). */
const struct resource_type *query_collection(const char *value);

/* The request a query makes, relative to the System API: its listing
 * (count false) or its count.  search: list on the row's search endpoint
 * (resource_type.search) rather than its own.  *row is the collection
 * searched.  -ENOENT when the query has no collection yet, -ENOMEM. */
int query_request(struct queries *q, const char *name, bool count, bool search,
                  const struct resource_type **row, char **path);

#endif
