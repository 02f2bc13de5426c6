/* xattr.c - see xattr.h. */
#include "xattr.h"

#include "api.h"
#include "render.h"
#include "store.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Adds name = value (copied); a NULL value is left out. */
static int add(struct xattrs *x, const char *name, const char *value)
{
    char *copy;

    if (!value || x->count == XATTR_ITEMS)
        return 0;
    copy = strdup(value);
    if (!copy)
        return -ENOMEM;
    x->items[x->count].name = name;
    x->items[x->count].value = copy;
    x->count++;
    return 0;
}

static int add_href(struct xattrs *x, const char *api_base,
                    const char *endpoint, const char *id)
{
    char *escaped = id && api_base ? api_escape_segment(id) : NULL;
    char *href = NULL;
    int rc;

    if (!id || !api_base)
        return 0;
    if (!escaped ||
        asprintf(&href, "%s/%s/%s", api_base, endpoint, escaped) < 0) {
        free(escaped);
        return -ENOMEM;
    }
    rc = add(x, XATTR_PREFIX "href", href);
    free(escaped);
    free(href);
    return rc;
}

/* As ConnectWise writes its stamps: 2026-11-28T23:40:01Z. */
static int add_fetched(struct xattrs *x, time_t fetched)
{
    char stamp[32];
    struct tm tm;

    if (!fetched || !gmtime_r(&fetched, &tm))
        return 0;
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return add(x, XATTR_PREFIX "fetched", stamp);
}

int xattrs_of_object(struct xattrs *out, const char *text, size_t len,
                     const char *api_base, const char *endpoint, time_t fetched)
{
    cJSON *obj = text ? render_parse(text, len) : NULL;
    const cJSON *info = cJSON_GetObjectItemCaseSensitive(obj, "_info");
    char *id = obj ? store_object_id(obj) : NULL;
    int rc = add(out, XATTR_PREFIX "id", id);

    if (rc == 0)
        rc = add_href(out, api_base, endpoint, id);
    if (rc == 0)
        rc = add(out, XATTR_PREFIX "lastUpdated",
                 cJSON_GetStringValue(
                     cJSON_GetObjectItemCaseSensitive(info, "lastUpdated")));
    if (rc == 0)
        rc = add(out, XATTR_PREFIX "updatedBy",
                 cJSON_GetStringValue(
                     cJSON_GetObjectItemCaseSensitive(info, "updatedBy")));
    if (rc == 0)
        rc = add_fetched(out, fetched);
    free(id);
    cJSON_Delete(obj);
    if (rc)
        xattrs_clear(out);
    return rc;
}

void xattrs_clear(struct xattrs *x)
{
    for (size_t i = 0; i < x->count; i++)
        free(x->items[i].value);
    memset(x, 0, sizeof(*x));
}

int xattrs_list(const struct xattrs *x, char *list, size_t size)
{
    size_t need = 0;

    for (size_t i = 0; i < x->count; i++)
        need += strlen(x->items[i].name) + 1;
    if (size == 0)
        return (int)need;
    if (size < need)
        return -ERANGE;
    for (size_t i = 0; i < x->count; i++) {
        size_t n = strlen(x->items[i].name) + 1;

        memcpy(list, x->items[i].name, n);
        list += n;
    }
    return (int)need;
}

int xattrs_get(const struct xattrs *x, const char *name, char *value,
               size_t size)
{
    for (size_t i = 0; i < x->count; i++) {
        size_t n;

        if (strcmp(x->items[i].name, name) != 0)
            continue;
        n = strlen(x->items[i].value);
        if (n > INT_MAX)
            return -E2BIG;
        if (size == 0)
            return (int)n;
        if (size < n)
            return -ERANGE;
        memcpy(value, x->items[i].value, n);
        return (int)n;
    }
    return -ENODATA;
}
