/* fs.c - the FUSE operations (see fs.h).
 *
 * Handlers resolve the path, ask the store, and translate; they never exit
 * and always answer with an errno.  Open files read from a snapshot taken at
 * open(), so a refresh of the cache never changes bytes under a reader. */
#include "fs.h"

#include "log.h"
#include "paths.h"

#include <errno.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <utlist.h>

/* Kernel caching (see fuse-filesystem-notes §2): short attribute and entry
 * timeouts as rclone argues, a short negative timeout for editor probes. */
#define KERNEL_ATTR_TIMEOUT 1.0
#define KERNEL_NEGATIVE_TIMEOUT 1.0

struct open_file {
    struct doc doc;
    struct open_file *prev, *next; /* in cwmfs.open_files */
};

/* Set from a SIGHUP handler: forget every cached response (rclone's
 * answer to "how do I make it re-read?"). */
static _Atomic int refresh_requested;

void cwmfs_request_refresh(void) { refresh_requested = 1; }

static struct cwmfs *fs_ctx(void)
{
    struct cwmfs *fs = fuse_get_context()->private_data;

    if (refresh_requested && atomic_exchange(&refresh_requested, 0)) {
        log_info("refresh requested: forgetting every cached response");
        store_forget_all(fs->store);
    }
    return fs;
}

static void *fs_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
    (void)conn;
    cfg->use_ino = 1;            /* our stable inode numbers, not libfuse's */
    cfg->entry_timeout = KERNEL_ATTR_TIMEOUT;
    cfg->attr_timeout = KERNEL_ATTR_TIMEOUT;
    cfg->negative_timeout = KERNEL_NEGATIVE_TIMEOUT;
    /* Drop cached pages on open when mtime or size changed. */
    cfg->auto_cache = 1;
    return fs_ctx();
}

/* ---- attributes ---- */

static void fill_common(struct cwmfs *fs, const char *path, struct stat *st)
{
    st->st_ino = inode_for_path(fs->inodes, path);
    st->st_uid = fs->uid;
    st->st_gid = fs->gid;
    st->st_blksize = 4096;
}

static void fill_dir_stat(struct cwmfs *fs, const char *path, struct stat *st)
{
    fill_common(fs, path, st);
    st->st_mode = S_IFDIR | (0755 & ~fs->umask);
    /* find(1) trusts nlink = 2 + subdirectories. */
    st->st_nlink = 2 + (nlink_t)path_count_subdirs(path);
    st->st_mtime = st->st_ctime = st->st_atime = fs->mounted;
}

static void fill_file_stat(struct cwmfs *fs, const char *path,
                           const struct resource_type *res,
                           const struct doc *doc, struct stat *st)
{
    mode_t perm = resource_is_writable(res) ? 0644 : 0444;

    fill_common(fs, path, st);
    st->st_mode = S_IFREG | (perm & ~fs->umask);
    st->st_nlink = 1;
    st->st_size = (off_t)doc->len;
    st->st_blocks = (blkcnt_t)((doc->len + 511) / 512);
    st->st_mtime = st->st_ctime = st->st_atime = doc->mtime;
}

/* Fetches a file node's document (attributes only unless want_text). */
static int node_doc(struct cwmfs *fs, const struct node *node, bool want_text,
                    struct doc *doc)
{
    switch (node->type) {
    case NODE_SINGLETON:
        return store_singleton(fs->store, node->res, want_text, doc);
    case NODE_OBJECT:
        return store_object(fs->store, node->res, node->key, want_text, doc);
    case NODE_ROOT:
    case NODE_DIR:
        return -EISDIR;
    default:
        return -ENOENT;
    }
}

static int fs_getattr(const char *path, struct stat *st,
                      struct fuse_file_info *fi)
{
    struct cwmfs *fs = fs_ctx();
    struct open_file *of = fi ? (struct open_file *)(uintptr_t)fi->fh : NULL;
    struct node node;
    struct doc doc = { 0 };
    int rc;

    memset(st, 0, sizeof(*st));
    rc = path_resolve(path, &node);
    if (rc)
        return rc;
    if (node.type == NODE_ROOT || node.type == NODE_DIR) {
        fill_dir_stat(fs, path, st);
    } else if (of) {
        fill_file_stat(fs, path, node.res, &of->doc, st);
    } else {
        rc = node_doc(fs, &node, false, &doc);
        if (rc == 0)
            fill_file_stat(fs, path, node.res, &doc, st);
    }
    node_clear(&node);
    return rc;
}

/* ---- directories ---- */

struct dir_fill {
    struct cwmfs *fs;
    const char *dir;
    void *buf;
    fuse_fill_dir_t filler;
};

static void add_entry(struct dir_fill *d, const char *name, mode_t type)
{
    char path[4096];
    struct stat st = { 0 };

    snprintf(path, sizeof(path), "%s/%s", strcmp(d->dir, "/") ? d->dir : "",
             name);
    st.st_mode = type; /* gives d_type, saving find and grep an lstat */
    st.st_ino = inode_for_path(d->fs->inodes, path);
    d->filler(d->buf, name, &st, 0, 0);
}

static void add_child_resource(void *ctx, const struct resource_type *child)
{
    add_entry(ctx, strrchr(child->path, '/') + 1,
              child->kind == RES_COLLECTION ? S_IFDIR : S_IFREG);
}

static int fs_readdir(const char *path, void *buf, fuse_fill_dir_t filler,
                      off_t offset, struct fuse_file_info *fi,
                      enum fuse_readdir_flags flags)
{
    struct cwmfs *fs = fs_ctx();
    struct dir_fill d = { fs, path, buf, filler };
    struct node node;
    char **names = NULL;
    size_t count = 0;
    int rc;

    (void)offset;
    (void)fi;
    (void)flags;
    rc = path_resolve(path, &node);
    if (rc)
        return rc;
    node_clear(&node); /* directories carry no key */
    if (node.type != NODE_ROOT && node.type != NODE_DIR)
        return -ENOTDIR;
    if (node.type == NODE_DIR) {
        rc = store_list(fs->store, node.res, &names, &count);
        if (rc)
            return rc;
    }
    filler(buf, ".", NULL, 0, 0);
    filler(buf, "..", NULL, 0, 0);
    path_for_each_child(path, add_child_resource, &d);
    for (size_t i = 0; i < count; i++)
        add_entry(&d, names[i], S_IFREG);
    store_names_free(names, count);
    return 0;
}

/* ---- files ---- */

static int fs_open(const char *path, struct fuse_file_info *fi)
{
    struct cwmfs *fs = fs_ctx();
    struct open_file *of;
    struct node node;
    int rc;

    if ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC))
        return -EROFS; /* writing through the API comes with the write path */
    rc = path_resolve(path, &node);
    if (rc)
        return rc;
    of = calloc(1, sizeof(*of));
    rc = of ? node_doc(fs, &node, true, &of->doc) : -ENOMEM;
    node_clear(&node);
    if (rc) {
        free(of);
        return rc;
    }
    pthread_mutex_lock(&fs->open_lock);
    DL_APPEND(fs->open_files, of);
    pthread_mutex_unlock(&fs->open_lock);
    fi->fh = (uint64_t)(uintptr_t)of;
    return 0;
}

static int fs_read(const char *path, char *buf, size_t size, off_t offset,
                   struct fuse_file_info *fi)
{
    struct open_file *of = (struct open_file *)(uintptr_t)fi->fh;
    size_t n;

    (void)path;
    if (offset < 0)
        return -EINVAL;
    if ((size_t)offset >= of->doc.len)
        return 0;
    n = of->doc.len - (size_t)offset;
    if (n > size)
        n = size;
    memcpy(buf, of->doc.text + offset, n);
    return (int)n;
}

static void open_file_free(struct open_file *of)
{
    doc_clear(&of->doc);
    free(of);
}

static int fs_release(const char *path, struct fuse_file_info *fi)
{
    struct cwmfs *fs = fs_ctx();
    struct open_file *of = (struct open_file *)(uintptr_t)fi->fh;

    (void)path;
    pthread_mutex_lock(&fs->open_lock);
    DL_DELETE(fs->open_files, of);
    pthread_mutex_unlock(&fs->open_lock);
    open_file_free(of);
    return 0;
}

static void fs_destroy(void *private_data)
{
    struct cwmfs *fs = private_data;
    struct open_file *of, *tmp;

    DL_FOREACH_SAFE(fs->open_files, of, tmp) {
        DL_DELETE(fs->open_files, of);
        open_file_free(of);
    }
}

static int fs_statfs(const char *path, struct statvfs *sv)
{
    (void)path;
    memset(sv, 0, sizeof(*sv));
    sv->f_bsize = 4096;
    sv->f_frsize = 4096;
    sv->f_namemax = 255;
    return 0;
}

static int fs_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
    (void)path;
    (void)size;
    (void)fi;
    return -EROFS; /* writing through the API comes with the write path */
}

static const struct fuse_operations operations = {
    .init = fs_init,
    .destroy = fs_destroy,
    .getattr = fs_getattr,
    .readdir = fs_readdir,
    .open = fs_open,
    .read = fs_read,
    .release = fs_release,
    .statfs = fs_statfs,
    .truncate = fs_truncate,
};

const struct fuse_operations *cwmfs_operations(void) { return &operations; }
