/* resources.c - the resource table (see resources.h). */
#include "resources.h"

#include <stdio.h>
#include <string.h>

#define READ_ONLY VERB_GET
#define CRUD (VERB_GET | VERB_POST | VERB_PUT | VERB_PATCH | VERB_DELETE)

/* The System module as the seed document lists it.  Members are named by
 * identifier (what admins type); everything else by id. */
const struct resource_type resource_table[] = {
    /* path              endpoint          kind            key           list   verbs */
    { "/info",           "info",           RES_SINGLETON,  NULL,         false, READ_ONLY },
    { "/myAccount",      "myAccount",      RES_SINGLETON,  NULL,         false, READ_ONLY },
    { "/mySecurity",     "mySecurity",     RES_SINGLETON,  NULL,         true,  READ_ONLY },
    { "/members",        "members",        RES_COLLECTION, "identifier", false, CRUD },
    { "/members/types",  "members/types",  RES_COLLECTION, "id",         false, READ_ONLY },
    { "/securityRoles",  "securityRoles",  RES_COLLECTION, "id",         false, READ_ONLY },
    { "/departments",    "departments",    RES_COLLECTION, "id",         false, READ_ONLY },
    { "/locations",      "locations",      RES_COLLECTION, "id",         false, READ_ONLY },
    { "/callbacks",      "callbacks",      RES_COLLECTION, "id",         false, CRUD },
    { "/apiReports",     "apiReports",     RES_COLLECTION, "id",         false, READ_ONLY },
};
const size_t resource_count = sizeof(resource_table) / sizeof(resource_table[0]);

const struct resource_type *resource_at(const char *path)
{
    for (size_t i = 0; i < resource_count; i++)
        if (strcmp(resource_table[i].path, path) == 0)
            return &resource_table[i];
    return NULL;
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
