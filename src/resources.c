/* resources.c - the resource table (see resources.h). */
#include "resources.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define READ_ONLY VERB_GET
#define CRUD (VERB_GET | VERB_POST | VERB_PUT | VERB_PATCH | VERB_DELETE)

/* One row per line; the fields a view derives (duplicates) stay unset. */
#define ROW(path_, endpoint_, kind_, key_, list_, verbs_)                    \
    { .path = path_, .endpoint = endpoint_, .kind = kind_, .key_field = key_, \
      .list_endpoint = list_, .verbs = verbs_ }

/* The System module as the seed document lists it.  Members are named by
 * identifier (what admins type); everything else by id. */
const struct resource_type resource_table[] = {
    /*  path              endpoint          kind            key           list   verbs */
    ROW("/info",          "info",           RES_SINGLETON,  NULL,         false, READ_ONLY),
    ROW("/myAccount",     "myAccount",      RES_SINGLETON,  NULL,         false, READ_ONLY),
    ROW("/mySecurity",    "mySecurity",     RES_SINGLETON,  NULL,         true,  READ_ONLY),
    ROW("/members",       "members",        RES_COLLECTION, "identifier", false, CRUD),
    ROW("/members/types", "members/types",  RES_COLLECTION, "id",         false, READ_ONLY),
    ROW("/securityRoles", "securityRoles",  RES_COLLECTION, "id",         false, READ_ONLY),
    ROW("/departments",   "departments",    RES_COLLECTION, "id",         false, READ_ONLY),
    ROW("/locations",     "locations",      RES_COLLECTION, "id",         false, READ_ONLY),
    ROW("/callbacks",     "callbacks",      RES_COLLECTION, "id",         false, CRUD),
    ROW("/apiReports",    "apiReports",     RES_COLLECTION, "id",         false, READ_ONLY),
};
const size_t resource_count = sizeof(resource_table) / sizeof(resource_table[0]);

const struct resource_type *resource_at(const char *path)
{
    for (size_t i = 0; i < resource_count; i++)
        if (strcmp(resource_table[i].path, path) == 0)
            return &resource_table[i];
    return NULL;
}

static struct resource_type duplicate_views[sizeof(resource_table) /
                                           sizeof(resource_table[0])];
static pthread_once_t duplicate_views_once = PTHREAD_ONCE_INIT;

static void make_duplicate_views(void)
{
    for (size_t i = 0; i < resource_count; i++) {
        duplicate_views[i] = resource_table[i];
        duplicate_views[i].duplicates = true;
        duplicate_views[i].verbs &= ~(unsigned)VERB_POST;
    }
}

const struct resource_type *resource_duplicates(const struct resource_type *res)
{
    size_t i = (size_t)(res - resource_table);

    if (res->duplicates)
        return res;
    if (i >= resource_count || res->kind != RES_COLLECTION ||
        resource_keyed_by_id(res))
        return NULL;
    pthread_once(&duplicate_views_once, make_duplicate_views);
    return &duplicate_views[i];
}

bool resource_is_writable(const struct resource_type *res)
{
    return (res->verbs & (VERB_POST | VERB_PUT | VERB_PATCH | VERB_DELETE)) != 0;
}

bool resource_keyed_by_id(const struct resource_type *res)
{
    return res->key_field && strcmp(res->key_field, "id") == 0;
}

void resource_parent(const struct resource_type *res, char *buf, size_t size)
{
    const char *slash = strrchr(res->path, '/');
    size_t len = (size_t)(slash - res->path);

    if (len == 0)
        snprintf(buf, size, "/");
    else
        snprintf(buf, size, "%.*s", (int)len, res->path);
}
