/* local.c - see local.h. */
#include "local.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

/* Scratch files live in memory; refuse to grow one beyond this. */
#define NODE_MAX_BYTES (64L * 1024 * 1024)

struct local_node {
    char *path;          /* key in the table while linked */
    enum local_kind kind;
    char *data;
    size_t len, cap;
    mode_t mode;
    uid_t uid;
    gid_t gid;
    struct timespec mtime;
    bool linked;
    unsigned long gen, committed_gen, last_writer;
    int commit_rc;
    int refs;
    UT_hash_handle hh;
};

struct local {
    pthread_mutex_t lock;
    struct local_node *nodes;
};

struct local *local_new(void)
{
    struct local *local = calloc(1, sizeof(*local));

    if (local)
        pthread_mutex_init(&local->lock, NULL);
    return local;
}

static void node_free(struct local_node *node)
{
    free(node->path);
    free(node->data);
    free(node);
}

void local_free(struct local *local)
{
    struct local_node *n, *ntmp;

    if (!local)
        return;
    HASH_ITER(hh, local->nodes, n, ntmp) {
        HASH_DEL(local->nodes, n);
        node_free(n); /* open handles are gone by now (destroy) */
    }
    pthread_mutex_destroy(&local->lock);
    free(local);
}

/* ---- table (lock held) ---- */

static void unref_locked(struct local_node *node)
{
    if (--node->refs == 0)
        node_free(node);
}

static void unlink_locked(struct local *local, struct local_node *node)
{
    if (!node->linked)
        return;
    HASH_DEL(local->nodes, node);
    node->linked = false;
    unref_locked(node);
}

static struct local_node *find_locked(struct local *local, const char *path)
{
    struct local_node *node;
    HASH_FIND_STR(local->nodes, path, node);
    return node;
}

static void link_locked(struct local *local, struct local_node *node)
{
    struct local_node *old = find_locked(local, node->path);

    if (old)
        unlink_locked(local, old);
    HASH_ADD_KEYPTR(hh, local->nodes, node->path, strlen(node->path), node);
    node->linked = true;
    node->refs++;
}

/* Whole seconds: after a commit the file keeps showing this mtime (see
 * store_update), and the server's stamps have no finer grain. */
static void touch(struct local_node *node)
{
    node->mtime.tv_sec = time(NULL);
    node->mtime.tv_nsec = 0;
}

struct local_node *local_get(struct local *local, const char *path)
{
    struct local_node *node;

    pthread_mutex_lock(&local->lock);
    node = find_locked(local, path);
    if (node)
        node->refs++;
    pthread_mutex_unlock(&local->lock);
    return node;
}

struct local_node *local_create(struct local *local, const char *path,
                                enum local_kind kind, mode_t mode, uid_t uid,
                                gid_t gid, const char *data, size_t len,
                                const time_t *mtime)
{
    struct local_node *node = calloc(1, sizeof(*node));

    if (!node)
        return NULL;
    node->path = strdup(path);
    node->data = malloc(len ? len : 1);
    if (!node->path || !node->data) {
        node_free(node);
        return NULL;
    }
    if (len)
        memcpy(node->data, data, len);
    node->len = node->cap = len;
    node->kind = kind;
    node->mode = mode;
    node->uid = uid;
    node->gid = gid;
    node->refs = 1; /* the caller's */
    touch(node);
    if (mtime)
        node->mtime.tv_sec = *mtime;
    pthread_mutex_lock(&local->lock);
    link_locked(local, node);
    pthread_mutex_unlock(&local->lock);
    return node;
}

void local_put(struct local *local, struct local_node *node)
{
    if (!node)
        return;
    pthread_mutex_lock(&local->lock);
    unref_locked(node);
    pthread_mutex_unlock(&local->lock);
}

int local_unlink(struct local *local, const char *path)
{
    struct local_node *node;

    pthread_mutex_lock(&local->lock);
    node = find_locked(local, path);
    if (node)
        unlink_locked(local, node);
    pthread_mutex_unlock(&local->lock);
    return node ? 0 : -ENOENT;
}

void local_unlink_node(struct local *local, struct local_node *node)
{
    pthread_mutex_lock(&local->lock);
    unlink_locked(local, node);
    pthread_mutex_unlock(&local->lock);
}

int local_rename(struct local *local, const char *from, const char *to)
{
    struct local_node *node;
    char *new_path = strdup(to);
    int rc = -ENOENT;

    if (!new_path)
        return -ENOMEM;
    pthread_mutex_lock(&local->lock);
    node = find_locked(local, from);
    if (node) {
        node->refs++;                 /* survive the unlink */
        unlink_locked(local, node);
        free(node->path);
        node->path = new_path;
        new_path = NULL;
        link_locked(local, node);
        node->refs--;
        rc = 0;
    }
    pthread_mutex_unlock(&local->lock);
    free(new_path);
    return rc;
}

/* ---- contents ---- */

static int reserve_locked(struct local_node *node, size_t size)
{
    size_t cap = node->cap ? node->cap : 4096;
    char *grown;

    if (size <= node->cap)
        return 0;
    if (size > (size_t)NODE_MAX_BYTES)
        return -EFBIG;
    while (cap < size)
        cap *= 2;
    grown = realloc(node->data, cap);
    if (!grown)
        return -ENOMEM;
    node->data = grown;
    node->cap = cap;
    return 0;
}

int local_read(struct local *local, struct local_node *node, char *buf,
               size_t size, off_t off)
{
    size_t n = 0;

    if (off < 0)
        return -EINVAL;
    pthread_mutex_lock(&local->lock);
    if ((size_t)off < node->len) {
        n = node->len - (size_t)off;
        if (n > size)
            n = size;
        memcpy(buf, node->data + off, n);
    }
    pthread_mutex_unlock(&local->lock);
    return (int)n;
}

int local_write(struct local *local, struct local_node *node, const char *buf,
                size_t size, off_t off, unsigned long writer,
                unsigned long *gen)
{
    size_t end;
    int rc;

    if (off < 0)
        return -EINVAL;
    end = (size_t)off + size;
    pthread_mutex_lock(&local->lock);
    rc = reserve_locked(node, end);
    if (rc == 0) {
        if ((size_t)off > node->len) /* a hole reads as zeros */
            memset(node->data + node->len, 0, (size_t)off - node->len);
        memcpy(node->data + off, buf, size);
        if (end > node->len)
            node->len = end;
        node->gen++;
        node->last_writer = writer;
        touch(node);
    }
    if (gen)
        *gen = node->gen;
    pthread_mutex_unlock(&local->lock);
    return rc ? rc : (int)size;
}

int local_truncate(struct local *local, struct local_node *node, off_t size,
                   unsigned long writer, unsigned long *gen)
{
    int rc;

    if (size < 0)
        return -EINVAL;
    pthread_mutex_lock(&local->lock);
    rc = reserve_locked(node, (size_t)size);
    if (rc == 0) {
        if ((size_t)size > node->len)
            memset(node->data + node->len, 0, (size_t)size - node->len);
        node->len = (size_t)size;
        node->gen++;
        node->last_writer = writer;
        touch(node);
    }
    if (gen)
        *gen = node->gen;
    pthread_mutex_unlock(&local->lock);
    return rc;
}

void local_set_attr(struct local *local, struct local_node *node,
                    const mode_t *mode, const uid_t *uid, const gid_t *gid,
                    const struct timespec *mtime)
{
    pthread_mutex_lock(&local->lock);
    if (mode)
        node->mode = *mode & 07777;
    if (uid && *uid != (uid_t)-1)
        node->uid = *uid;
    if (gid && *gid != (gid_t)-1)
        node->gid = *gid;
    if (mtime)
        node->mtime = *mtime;
    pthread_mutex_unlock(&local->lock);
}

void local_mark_committed(struct local *local, struct local_node *node,
                          unsigned long gen, int rc)
{
    pthread_mutex_lock(&local->lock);
    if (gen >= node->committed_gen) {
        node->committed_gen = gen;
        node->commit_rc = rc;
    }
    pthread_mutex_unlock(&local->lock);
}

void local_set_kind(struct local *local, struct local_node *node,
                    enum local_kind kind)
{
    pthread_mutex_lock(&local->lock);
    node->kind = kind;
    pthread_mutex_unlock(&local->lock);
}

bool local_drop_if_idle(struct local *local, struct local_node *node)
{
    bool drop;

    pthread_mutex_lock(&local->lock);
    drop = node->kind == LOCAL_EDIT && node->linked && node->refs == 2;
    if (drop)
        unlink_locked(local, node);
    pthread_mutex_unlock(&local->lock);
    return drop;
}

int local_view(struct local *local, struct local_node *node, bool with_data,
               struct local_view *out)
{
    int rc = 0;

    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&local->lock);
    out->kind = node->kind;
    out->len = node->len;
    out->mode = node->mode;
    out->uid = node->uid;
    out->gid = node->gid;
    out->mtime = node->mtime;
    out->dirty = node->gen > node->committed_gen;
    out->linked = node->linked;
    out->gen = node->gen;
    out->last_writer = node->last_writer;
    out->committed_gen = node->committed_gen;
    out->commit_rc = node->commit_rc;
    out->path = strdup(node->path);
    if (with_data && (out->data = malloc(node->len + 1)) != NULL) {
        memcpy(out->data, node->data, node->len);
        out->data[node->len] = '\0';
    }
    if (!out->path || (with_data && !out->data))
        rc = -ENOMEM;
    pthread_mutex_unlock(&local->lock);
    if (rc)
        local_view_clear(out);
    return rc;
}

void local_view_clear(struct local_view *view)
{
    free(view->path);
    free(view->data);
    memset(view, 0, sizeof(*view));
}

void local_for_each_in(struct local *local, const char *dir,
                       void (*fn)(void *ctx, const char *name,
                                  enum local_kind kind),
                       void *ctx)
{
    size_t dlen = strcmp(dir, "/") == 0 ? 0 : strlen(dir);
    struct local_node *node, *tmp;

    pthread_mutex_lock(&local->lock);
    HASH_ITER(hh, local->nodes, node, tmp) {
        const char *p = node->path;
        if (strncmp(p, dir, dlen) == 0 && p[dlen] == '/' &&
            !strchr(p + dlen + 1, '/'))
            fn(ctx, p + dlen + 1, node->kind);
    }
    pthread_mutex_unlock(&local->lock);
}
