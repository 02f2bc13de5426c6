/* local.c - see local.h. */
#include "local.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

/* Scratch files live in memory; refuse to grow one beyond this. */
#define FILE_MAX_BYTES (64L * 1024 * 1024)

struct local_file {
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
    struct local_file *files;
};

struct local *local_new(void)
{
    struct local *local = calloc(1, sizeof(*local));

    if (local)
        pthread_mutex_init(&local->lock, NULL);
    return local;
}

static void file_free(struct local_file *file)
{
    free(file->path);
    free(file->data);
    free(file);
}

void local_free(struct local *local)
{
    struct local_file *n, *ntmp;

    if (!local)
        return;
    HASH_ITER(hh, local->files, n, ntmp) {
        HASH_DEL(local->files, n);
        file_free(n); /* open handles are gone by now (destroy) */
    }
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
    HASH_DEL(local->files, file);
    file->linked = false;
    unref_locked(file);
}

static struct local_file *find_locked(struct local *local, const char *path)
{
    struct local_file *file;
    HASH_FIND_STR(local->files, path, file);
    return file;
}

static void link_locked(struct local *local, struct local_file *file)
{
    struct local_file *old = find_locked(local, file->path);

    if (old)
        unlink_locked(local, old);
    HASH_ADD_KEYPTR(hh, local->files, file->path, strlen(file->path), file);
    file->linked = true;
    file->refs++;
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

    if (!file)
        return NULL;
    file->path = strdup(path);
    file->data = malloc(len ? len : 1);
    if (!file->path || !file->data) {
        file_free(file);
        return NULL;
    }
    if (len)
        memcpy(file->data, data, len);
    file->len = file->cap = len;
    file->kind = kind;
    file->mode = mode;
    file->uid = uid;
    file->gid = gid;
    file->refs = 1; /* the caller's */
    touch(file);
    if (mtime)
        file->mtime.tv_sec = *mtime;
    pthread_mutex_lock(&local->lock);
    link_locked(local, file);
    pthread_mutex_unlock(&local->lock);
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

int local_rename(struct local *local, const char *from, const char *to)
{
    struct local_file *file;
    char *new_path = strdup(to);
    int rc = -ENOENT;

    if (!new_path)
        return -ENOMEM;
    pthread_mutex_lock(&local->lock);
    file = find_locked(local, from);
    if (file) {
        file->refs++;                 /* survive the unlink */
        unlink_locked(local, file);
        free(file->path);
        file->path = new_path;
        new_path = NULL;
        link_locked(local, file);
        file->refs--;
        rc = 0;
    }
    pthread_mutex_unlock(&local->lock);
    free(new_path);
    return rc;
}

/* ---- contents ---- */

static int reserve_locked(struct local_file *file, size_t size)
{
    size_t cap = file->cap ? file->cap : 4096;
    char *grown;

    if (size <= file->cap)
        return 0;
    if (size > (size_t)FILE_MAX_BYTES)
        return -EFBIG;
    while (cap < size)
        cap *= 2;
    grown = realloc(file->data, cap);
    if (!grown)
        return -ENOMEM;
    file->data = grown;
    file->cap = cap;
    return 0;
}

int local_read(struct local *local, struct local_file *file, char *buf,
               size_t size, off_t off)
{
    size_t n = 0;

    if (off < 0)
        return -EINVAL;
    pthread_mutex_lock(&local->lock);
    if ((size_t)off < file->len) {
        n = file->len - (size_t)off;
        if (n > size)
            n = size;
        memcpy(buf, file->data + off, n);
    }
    pthread_mutex_unlock(&local->lock);
    return (int)n;
}

int local_write(struct local *local, struct local_file *file, const char *buf,
                size_t size, off_t off, unsigned long writer,
                unsigned long *gen)
{
    size_t end;
    int rc;

    if (off < 0)
        return -EINVAL;
    end = (size_t)off + size;
    pthread_mutex_lock(&local->lock);
    rc = reserve_locked(file, end);
    if (rc == 0) {
        if ((size_t)off > file->len) /* a hole reads as zeros */
            memset(file->data + file->len, 0, (size_t)off - file->len);
        memcpy(file->data + off, buf, size);
        if (end > file->len)
            file->len = end;
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
    rc = reserve_locked(file, (size_t)size);
    if (rc == 0) {
        if ((size_t)size > file->len)
            memset(file->data + file->len, 0, (size_t)size - file->len);
        file->len = (size_t)size;
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

bool local_drop_if_idle(struct local *local, struct local_file *file)
{
    bool drop;

    pthread_mutex_lock(&local->lock);
    drop = file->kind == LOCAL_EDIT && file->linked && file->refs == 2;
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
    out->len = file->len;
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
    if (with_data && (out->data = malloc(file->len + 1)) != NULL) {
        memcpy(out->data, file->data, file->len);
        out->data[file->len] = '\0';
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
    struct local_file *file, *tmp;

    pthread_mutex_lock(&local->lock);
    HASH_ITER(hh, local->files, file, tmp) {
        const char *p = file->path;
        if (strncmp(p, dir, dlen) == 0 && p[dlen] == '/' &&
            !strchr(p + dlen + 1, '/'))
            fn(ctx, p + dlen + 1, file->kind);
    }
    pthread_mutex_unlock(&local->lock);
}
