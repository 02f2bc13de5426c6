/* handle.c - open files, and snapshot handles (see handle.h). */
#include "handle.h"

#include "invalidate.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <utlist.h>

struct handle *handle_of(const struct fuse_file_info *fi)
{
    return fi ? (struct handle *)(uintptr_t)fi->fh : NULL;
}

bool handle_wants_write(const struct fuse_file_info *fi)
{
    return (fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC);
}

void handle_register(struct cwmfs *fs, struct handle *h, const char *path)
{
    h->ino = inode_for_path(fs->inodes, path);
    h->id = atomic_fetch_add(&fs->next_handle_id, 1) + 1;
    pthread_mutex_lock(&fs->open_lock);
    DL_APPEND(fs->open_handles, h);
    pthread_mutex_unlock(&fs->open_lock);
}

static void handle_free(struct cwmfs *fs, struct handle *h)
{
    doc_clear(&h->doc);
    free(h->kpath);
    buf_clear(&h->setting);
    free(h->setting_path);
    free(h->base);
    if (h->file)
        local_put(fs->local, h->file);
    free(h);
}

void handle_close(struct cwmfs *fs, struct handle *h)
{
    if (h->ops->release)
        h->ops->release(fs, h);
    pthread_mutex_lock(&fs->open_lock);
    DL_DELETE(fs->open_handles, h);
    pthread_mutex_unlock(&fs->open_lock);
    handle_free(fs, h);
}

void handle_close_all(struct cwmfs *fs)
{
    struct handle *h, *tmp;

    DL_FOREACH_SAFE(fs->open_handles, h, tmp) {
        DL_DELETE(fs->open_handles, h);
        handle_free(fs, h);
    }
}

/* ---- snapshots ---- */

static int snapshot_read(struct cwmfs *fs, struct handle *h, char *buf,
                         size_t size, off_t off)
{
    size_t n;

    (void)fs;
    if (off < 0)
        return -EINVAL;
    if ((size_t)off >= h->doc.len)
        return 0;
    n = h->doc.len - (size_t)off;
    if (n > size)
        n = size;
    memcpy(buf, h->doc.text + off, n);
    return (int)n;
}

static int snapshot_refuse_write(struct cwmfs *fs, struct handle *h,
                                 const char *buf, size_t size, off_t off)
{
    (void)fs;
    (void)h;
    (void)buf;
    (void)size;
    (void)off;
    return -EBADF;
}

static int snapshot_flush(struct cwmfs *fs, struct handle *h)
{
    (void)fs;
    (void)h;
    return 0;
}

static int snapshot_truncate(struct cwmfs *fs, struct handle *h, off_t size)
{
    (void)fs;
    (void)h;
    (void)size;
    return -EBADF;
}

void handle_fill_stat(struct cwmfs *fs, const struct handle *h, mode_t mode,
                      size_t len, time_t mtime, struct stat *st)
{
    st->st_ino = h->ino;
    st->st_uid = fs->uid;
    st->st_gid = fs->gid;
    st->st_blksize = 4096;
    st->st_mode = S_IFREG | mode;
    st->st_nlink = 1;
    st->st_size = (off_t)len;
    st->st_blocks = (blkcnt_t)((len + 511) / 512);
    st->st_mtime = st->st_ctime = st->st_atime = mtime;
}

static int snapshot_getattr(struct cwmfs *fs, struct handle *h, struct stat *st)
{
    handle_fill_stat(fs, h, h->mode, h->doc.len, h->doc.mtime, st);
    /* A reader bypassing the page cache holds another version than the
     * pages: answer it, but have the kernel keep nothing of the answer
     * (an invalidation sent before the reply makes the kernel drop it),
     * or the pages' readers would be cut at this version's size. */
    if (h->kpath && !h->kreader)
        invalidator_now(fs->invalidator, h->kpath);
    else if (h->kreader)
        kcache_told(
            fs->kcache, h->kpath,
            &(struct kversion){ h->doc.print, h->doc.len, h->doc.mtime });
    return 0;
}

static void snapshot_release(struct cwmfs *fs, struct handle *h)
{
    if (h->kreader)
        kcache_close(fs->kcache, h->kpath, h->doc.print);
}

static int snapshot_set_attr(struct cwmfs *fs, struct handle *h,
                             const struct attr_change *change)
{
    (void)fs;
    (void)h;
    (void)change;
    return 0;
}

static const struct handle_ops snapshot_ops = {
    .read = snapshot_read,
    .write = snapshot_refuse_write,
    .flush = snapshot_flush,
    .release = snapshot_release,
    .truncate = snapshot_truncate,
    .getattr = snapshot_getattr,
    .set_attr = snapshot_set_attr,
};

int handle_open_snapshot(struct cwmfs *fs, const char *path,
                         struct fuse_file_info *fi, struct doc *doc_taken,
                         mode_t mode)
{
    struct handle *h = calloc(1, sizeof(*h));

    if (!h) {
        doc_clear(doc_taken);
        return -ENOMEM;
    }
    h->ops = &snapshot_ops;
    h->doc = *doc_taken;
    memset(doc_taken, 0, sizeof(*doc_taken));
    h->mode = mode;
    handle_register(fs, h, path);
    fi->fh = (uint64_t)(uintptr_t)h;
    fi->noflush = 1; /* nothing to settle at close(2): spare the request */
    return 0;
}

int handle_open_cached_snapshot(struct cwmfs *fs, const char *path,
                                struct fuse_file_info *fi,
                                struct doc *doc_taken, mode_t mode)
{
    struct kversion v = { doc_taken->print, doc_taken->len, doc_taken->mtime };
    char *kpath = strdup(path);
    enum kcache_use use;
    struct handle *h;
    bool attrs_stale;
    int rc;

    if (!kpath) {
        doc_clear(doc_taken);
        return -ENOMEM;
    }
    use = kcache_open(fs->kcache, path, &v, &attrs_stale);
    rc = handle_open_snapshot(fs, path, fi, doc_taken, mode);
    if (rc) {
        if (use != KCACHE_BYPASS)
            kcache_close(fs->kcache, path, v.print);
        free(kpath);
        return rc;
    }
    h = handle_of(fi);
    h->kpath = kpath;
    h->kreader = use != KCACHE_BYPASS;
    fi->direct_io = use == KCACHE_BYPASS;
    fi->keep_cache = use == KCACHE_KEEP;
    /* Open holds no page of the file: dropping them here is safe, and
     * must happen before a read is cut at the size the kernel was told. */
    if (attrs_stale)
        invalidator_now(fs->invalidator, path);
    return 0;
}

/* ---- handles on local files ---- */

struct handle *handle_new_file(struct cwmfs *fs, const char *path, bool writer,
                               struct local_file *file_taken, char *base_taken)
{
    struct handle *h = calloc(1, sizeof(*h));

    if (!h) {
        local_put(fs->local, file_taken);
        free(base_taken);
        return NULL;
    }
    h->ops = &local_handle_ops;
    h->file = file_taken;
    h->base = base_taken;
    h->writer = writer;
    h->process = writer ? mount_caller_process(fs) : 0; /* whose save */
    handle_register(fs, h, path);
    return h;
}

int handle_open_file(struct cwmfs *fs, const char *path,
                     struct fuse_file_info *fi, struct local_file *file_taken,
                     char *base_taken)
{
    bool trunc = (fi->flags & O_TRUNC) && handle_wants_write(fi);
    int rc = trunc ? local_truncate(fs->local, file_taken, 0, 0, NULL) : 0;
    struct handle *h;

    if (rc) {
        local_put(fs->local, file_taken);
        free(base_taken);
        return rc;
    }
    h = handle_new_file(fs, path, handle_wants_write(fi), file_taken,
                        base_taken);
    if (!h)
        return -ENOMEM;
    h->emptied = trunc;
    fi->fh = (uint64_t)(uintptr_t)h;
    return 0;
}
