/* paths.c - see paths.h. */
#include "paths.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int path_parent(const char *path, char *buf, size_t size)
{
    const char *slash = strrchr(path, '/');
    size_t len = slash ? (size_t)(slash - path) : 0;

    if (len >= size || size < 2)
        return -ENAMETOOLONG;
    if (len == 0) {
        strcpy(buf, "/");
    } else {
        memcpy(buf, path, len);
        buf[len] = '\0';
    }
    return 0;
}

const char *path_display(const char *path)
{
    return path[0] == '/' && path[1] ? path + 1 : path;
}

char *path_with_id(const char *tmpl, const char *id)
{
    const char *slot = strstr(tmpl, "{id}");
    char *path;

    if (!slot)
        return strdup(tmpl);
    if (asprintf(&path, "%.*s%s%s", (int)(slot - tmpl), tmpl, id, slot + 4) < 0)
        return NULL;
    return path;
}
