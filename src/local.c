/* local.c - see local.h. */
#include "local.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "strmap.h"

/* Scratch files live in memory; refuse to grow one beyond this. */
#define FILE_MAX_BYTES (64L * 1024 * 1024)

struct local_file {
    char *path; /* key in the table while linked */
    enum local_kind kind;
    struct buf data; /* capped at FILE_MAX_BYTES */
    mode_t mode;
    uid_t uid;
    gid_t gid;
    struct timespec mtime;
    bool linked;
    unsigned long gen, committed_gen, last_writer;
    int commit_rc;
    int refs;
};

struct local {
    pthread_mutex_t lock;
    struct strmap *files; /* path -> the file linked there */
};

struct local *local_new(void)
{
    struct local *local = calloc(1, sizeof(*local));

    if (!local)
        return NULL;
    local->files = strmap_new(NULL); /* the table's reference: see below */
    if (!local->files) {
        free(local);
        return NULL;
    }
    pthread_mutex_init(&local->lock, NULL);
    return local;
}

static void file_free(struct local_file *file)
{
    free(file->path);
    buf_clear(&file->data);
    free(file);
}

static bool free_linked(void *ctx, const char *path, void *value)
{
    (void)ctx;
    (void)path;
    file_free(value); /* open handles are gone by now (destroy) */
    return true;
}

void local_free(struct local *local)
{
    if (!local)
        return;
    strmap_each(local->files, free_linked, NULL);
    strmap_free(local->files);
    pthread_mutex_destroy(&local->lock);
    free(local);
}

/* ---- table (lock held) ---- */

static void unref_locked(struct local_file *file)
{
    if (--file->refs == 0)
        file_free(file);
}

static void unlink_locked(struct local *local, struct local_file *file)
{
    if (!file->linked)
        return;
    strmap_take(local->files, file->path);
    file->linked = false;
    unref_locked(file);
}

static struct local_file *find_locked(struct local *local, const char *path)
{
    return strmap_get(local->files, path);
}

/* Links file at its path, replacing what is there; 0 or -ENOMEM. */
static int link_locked(struct local *local, struct local_file *file)
{
    struct local_file *old = find_locked(local, file->path);

    if (old)
        unlink_locked(local, old);
    if (strmap_put(local->files, file->path, file) != 0)
        return -ENOMEM;
    file->linked = true;
    file->refs++;
    return 0;
}

/* Whole seconds: after a commit the file keeps showing this mtime (see
 * store_update), and the server's stamps have no finer grain. */
static void touch(struct local_file *file)
{
    file->mtime.tv_sec = time(NULL);
    file->mtime.tv_nsec = 0;
}

struct local_file *local_get(struct local *local, const char *path)
{
    struct local_file *file;

    pthread_mutex_lock(&local->lock);
    file = find_locked(local, path);
    if (file)
        file->refs++;
    pthread_mutex_unlock(&local->lock);
    return file;
}

struct local_file *local_create(struct local *local, const char *path,
                                enum local_kind kind, mode_t mode, uid_t uid,
                                gid_t gid, const char *data, size_t len,
                                const time_t *mtime)
{
    struct local_file *file = calloc(1, sizeof(*file));
    int rc;

    if (!file)
        return NULL;
    buf_init(&file->data, FILE_MAX_BYTES);
    file->path = strdup(path);
    if (!file->path || buf_append(&file->data, data, len) != 0) {
        file_free(file);
        return NULL;
    }
    file->kind = kind;
    file->mode = mode;
    file->uid = uid;
    file->gid = gid;
    file->refs = 1; /* the caller's */
    touch(file);
    if (mtime)
        file->mtime.tv_sec = *mtime;
    pthread_mutex_lock(&local->lock);
    rc = link_locked(local, file);
    pthread_mutex_unlock(&local->lock);
    if (rc) {
        file_free(file);
        return NULL;
    }
    return file;
}

struct local_file *local_hold(struct local *local, struct local_file *file)
{
    pthread_mutex_lock(&local->lock);
    file->refs++;
    pthread_mutex_unlock(&local->lock);
    return file;
}

void local_put(struct local *local, struct local_file *file)
{
    if (!file)
        return;
    pthread_mutex_lock(&local->lock);
    unref_locked(file);
    pthread_mutex_unlock(&local->lock);
}

int local_unlink(struct local *local, const char *path)
{
    struct local_file *file;

    pthread_mutex_lock(&local->lock);
    file = find_locked(local, path);
    if (file)
        unlink_locked(local, file);
    pthread_mutex_unlock(&local->lock);
    return file ? 0 : -ENOENT;
}

void local_unlink_file(struct local *local, struct local_file *file)
{
    pthread_mutex_lock(&local->lock);
    unlink_locked(local, file);
    pthread_mutex_unlock(&local->lock);
}

/* Links file at *new_path (taken: set to NULL) instead of where it was,
 * replacing what is there; 0 or -ENOMEM. */
static int move_locked(struct local *local, struct local_file *file,
                       char **new_path)
{
    int rc;

    file->refs++; /* survive the unlink */
    unlink_locked(local, file);
    free(file->path);
    file->path = *new_path;
    *new_path = NULL;
    rc = link_locked(local, file);
    unref_locked(file);
    return rc;
}

int local_rename(struct local *local, const char *from, const char *to)
{
    struct local_file *file;
    char *new_path = strdup(to);
    int rc = -ENOENT;

    if (!new_path)
        return -ENOMEM;
    pthread_mutex_lock(&local->lock);
    file = find_locked(local, from);
    if (file)
        rc = move_locked(local, file, &new_path);
    pthread_mutex_unlock(&local->lock);
    free(new_path);
    return rc;
}

/* ---- contents ---- */

int local_read(struct local *local, struct local_file *file, char *buf,
               size_t size, off_t off)
{
    size_t n = 0;

    if (off < 0)
        return -EINVAL;
    pthread_mutex_lock(&local->lock);
    if ((size_t)off < file->data.len) {
        n = file->data.len - (size_t)off;
        if (n > size)
            n = size;
        memcpy(buf, file->data.data + off, n);
    }
    pthread_mutex_unlock(&local->lock);
    return (int)n;
}

int local_write(struct local *local, struct local_file *file, const char *buf,
                size_t size, off_t off, unsigned long writer,
                unsigned long *gen)
{
    int rc;

    if (off < 0)
        return -EINVAL;
    pthread_mutex_lock(&local->lock);
    /* A hole reads as zeros; beyond FILE_MAX_BYTES, -EFBIG.  A kept answer
     * is read-only, even through the handle that made it. */
    rc = file->kind == LOCAL_KEPT
             ? -EACCES
             : buf_write_at(&file->data, (size_t)off, buf, size);
    if (rc == 0) {
        file->gen++;
        file->last_writer = writer;
        touch(file);
    }
    if (gen)
        *gen = file->gen;
    pthread_mutex_unlock(&local->lock);
    return rc ? rc : (int)size;
}

int local_truncate(struct local *local, struct local_file *file, off_t size,
                   unsigned long writer, unsigned long *gen)
{
    int rc;

    if (size < 0)
        return -EINVAL;
    pthread_mutex_lock(&local->lock);
    rc = buf_resize(&file->data, (size_t)size);
    if (rc == 0) {
        file->gen++;
        file->last_writer = writer;
        touch(file);
    }
    if (gen)
        *gen = file->gen;
    pthread_mutex_unlock(&local->lock);
    return rc;
}

void local_set_attr(struct local *local, struct local_file *file,
                    const mode_t *mode, const uid_t *uid, const gid_t *gid,
                    const struct timespec *mtime)
{
    pthread_mutex_lock(&local->lock);
    if (mode)
        file->mode = *mode & 07777;
    if (uid && *uid != (uid_t)-1)
        file->uid = *uid;
    if (gid && *gid != (gid_t)-1)
        file->gid = *gid;
    if (mtime)
        file->mtime = *mtime;
    pthread_mutex_unlock(&local->lock);
}

void local_mark_committed(struct local *local, struct local_file *file,
                          unsigned long gen, int rc)
{
    pthread_mutex_lock(&local->lock);
    if (gen >= file->committed_gen) {
        file->committed_gen = gen;
        file->commit_rc = rc;
    }
    pthread_mutex_unlock(&local->lock);
}

void local_set_kind(struct local *local, struct local_file *file,
                    enum local_kind kind)
{
    pthread_mutex_lock(&local->lock);
    file->kind = kind;
    pthread_mutex_unlock(&local->lock);
}

int local_keep(struct local *local, struct local_file *file, const char *path,
               const char *answer, size_t len)
{
    char *new_path = strdup(path);
    int rc = new_path ? 0 : -ENOMEM;

    pthread_mutex_lock(&local->lock);
    if (rc == 0)
        rc = buf_resize(&file->data, 0);
    if (rc == 0)
        rc = buf_append(&file->data, answer, len);
    if (rc == 0) {
        file->kind = LOCAL_KEPT;
        file->mode = 0600;
        touch(file);
    }
    if (rc == 0 && file->linked && strcmp(file->path, new_path) != 0)
        rc = move_locked(local, file, &new_path);
    pthread_mutex_unlock(&local->lock);
    free(new_path);
    return rc;
}

bool local_drop_if_idle(struct local *local, struct local_file *file)
{
    bool drop;

    pthread_mutex_lock(&local->lock);
    drop = (file->kind == LOCAL_EDIT || file->kind == LOCAL_ACTION) &&
           file->linked && file->refs == 2;
    if (drop)
        unlink_locked(local, file);
    pthread_mutex_unlock(&local->lock);
    return drop;
}

int local_view(struct local *local, struct local_file *file, bool with_data,
               struct local_view *out)
{
    int rc = 0;

    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&local->lock);
    out->kind = file->kind;
    out->len = file->data.len;
    out->mode = file->mode;
    out->uid = file->uid;
    out->gid = file->gid;
    out->mtime = file->mtime;
    out->dirty = file->gen > file->committed_gen;
    out->linked = file->linked;
    out->gen = file->gen;
    out->last_writer = file->last_writer;
    out->committed_gen = file->committed_gen;
    out->commit_rc = file->commit_rc;
    out->path = strdup(file->path);
    if (with_data)
        out->data = malloc(file->data.len + 1);
    if (out->data) {
        /* data.data is NULL until something was written */
        if (file->data.len)
            memcpy(out->data, file->data.data, file->data.len);
        out->data[file->data.len] = '\0';
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

struct dir_walk {
    const char *dir;
    size_t dlen;
    void (*fn)(void *ctx, const char *name, enum local_kind kind);
    void *ctx;
};

static bool visit_if_inside(void *ctx, const char *path, void *value)
{
    struct dir_walk *w = ctx;
    const struct local_file *file = value;

    if (strncmp(path, w->dir, w->dlen) == 0 && path[w->dlen] == '/' &&
        !strchr(path + w->dlen + 1, '/'))
        w->fn(w->ctx, path + w->dlen + 1, file->kind);
    return false;
}

void local_for_each_in(struct local *local, const char *dir,
                       void (*fn)(void *ctx, const char *name,
                                  enum local_kind kind),
                       void *ctx)
{
    struct dir_walk w = { dir, strcmp(dir, "/") == 0 ? 0 : strlen(dir), fn,
                          ctx };

    pthread_mutex_lock(&local->lock);
    strmap_each(local->files, visit_if_inside, &w);
    pthread_mutex_unlock(&local->lock);
}
