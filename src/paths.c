/* paths.c - see paths.h. */
#include "paths.h"

#include "names.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void node_clear(struct node *node)
{
    free(node->key);
    node->key = NULL;
}

/* Splits "/a/b/c" into parent "/a/b" and name "c" (parent "/" at the top). */
static int split_path(const char *path, char *parent, size_t size,
                      const char **name)
{
    const char *slash = strrchr(path, '/');
    size_t len = (size_t)(slash - path);

    if (len >= size)
        return -ENAMETOOLONG;
    if (len == 0)
        strcpy(parent, "/");
    else {
        memcpy(parent, path, len);
        parent[len] = '\0';
    }
    *name = slash + 1;
    return 0;
}

int path_parent(const char *path, char *buf, size_t size)
{
    const char *name;
    return split_path(path, buf, size, &name);
}

const char *path_display(const char *path)
{
    return path[0] == '/' && path[1] ? path + 1 : path;
}

static bool is_meta_path(const char *path)
{
    size_t n = strlen(META_DIR);
    return strncmp(path, META_DIR, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* "admin%23id42.json": one of two objects that share an identifier. */
static void resolve_duplicate(const char *name, struct node *node)
{
    char *stem = name_stem(name), *id = name_duplicate_id(stem);

    if (id) {
        node->res = resource_duplicates(node->res);
        node->key = stem;
        stem = NULL;
    }
    free(id);
    free(stem);
}

int path_resolve(const char *path, struct node *node)
{
    const struct resource_type *res;
    const char *name;
    char parent[4096];
    int rc;

    memset(node, 0, sizeof(*node));
    if (strcmp(path, "/") == 0) {
        node->type = NODE_ROOT;
        return 0;
    }
    if (is_meta_path(path)) {
        node->type = NODE_META;
        return 0;
    }
    res = resource_at(path);
    if (res) {
        node->type = res->kind == RES_COLLECTION ? NODE_DIR : NODE_SINGLETON;
        node->res = res;
        return 0;
    }
    rc = split_path(path, parent, sizeof(parent), &name);
    if (rc)
        return rc;
    if (strcmp(parent, "/") == 0) {
        node->type = NODE_OTHER; /* not a table row: scratch at the top */
        return 0;
    }
    res = resource_at(parent);
    if (!res || res->kind != RES_COLLECTION)
        return -ENOENT; /* below a file, or a directory that does not exist */
    node->res = res;
    node->key = key_for_name(name);
    if (!node->key && resource_duplicates(res))
        resolve_duplicate(name, node);
    node->type = node->key ? NODE_OBJECT : NODE_OTHER;
    node->new_object_name = node->key && resource_keyed_by_id(res) &&
                            !name_is_decimal_id(node->key);
    return 0;
}

void path_for_each_child(const char *dir,
                         void (*fn)(void *ctx, const struct resource_type *child),
                         void *ctx)
{
    char parent[256];

    for (size_t i = 0; i < resource_count; i++) {
        resource_parent(&resource_table[i], parent, sizeof(parent));
        if (strcmp(parent, dir) == 0)
            fn(ctx, &resource_table[i]);
    }
}

static void count_dir(void *ctx, const struct resource_type *child)
{
    if (child->kind == RES_COLLECTION)
        ++*(int *)ctx;
}

int path_count_subdirs(const char *dir)
{
    int n = 0;
    path_for_each_child(dir, count_dir, &n);
    return n;
}
