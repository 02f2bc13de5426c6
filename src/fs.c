/* fs.c - the FUSE operations (see fs.h).
 *
 * Each callback resolves its path into a node (node.h) and calls the
 * node's kind, or takes an open file's handle (handle.h) and calls its
 * operations; none of them knows what kinds there are.  The API is only
 * called at commit points, which the kinds decide: flush and fsync of a
 * written resource file, rename of a local file onto a resource name, and
 * unlink.  Callbacks never exit; they answer with an errno. */
#include "fs.h"

#include "handle.h"
#include "invalidate.h"
#include "log.h"
#include "node.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>

/* Kernel caching.  Names are cached for a second (rclone's choice) and so
 * are absent names (editors probe many).  Attributes are not cached: every
 * stat is answered from our own cache, in memory, so a size or mtime
 * changed by a commit (or /.cwmfs/errors growing) is seen at once, never a
 * second later; editors compare both. */
#define KERNEL_ENTRY_TIMEOUT 1.0
#define KERNEL_ATTR_TIMEOUT 0.0
#define KERNEL_NEGATIVE_TIMEOUT 1.0

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

/* Calls kind operation `op` of node n, or answers the kind's refusal. */
#define CALL_KIND(n, op, ...) \
    ((n).kind->op ? (n).kind->op(__VA_ARGS__) : -(n).kind->refusal)

static void *fs_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
    struct cwmfs *fs = fuse_get_context()->private_data;

    (void)conn;
    cfg->use_ino = 1; /* our inode numbers, not libfuse's */
    cfg->entry_timeout = KERNEL_ENTRY_TIMEOUT;
    cfg->attr_timeout = KERNEL_ATTR_TIMEOUT;
    cfg->negative_timeout = KERNEL_NEGATIVE_TIMEOUT;
    /* Drop cached pages on open when mtime or size changed. */
    cfg->auto_cache = 1;
    /* Unlink means unlink.  Without this libfuse renames a file that is
     * open to .fuse_hiddenXXXX, both when it is unlinked and when another
     * file is renamed onto it (sed -i while less holds the file): the two
     * look alike here, and the second must never become a DELETE.  The
     * price: fstat() of a file unlinked while open fails (ESTALE) for its
     * holder; read and write go on working. */
    cfg->hard_remove = 1;
    fs->invalidator = invalidator_start(fuse_get_context()->fuse);
    return fs;
}

static void fs_destroy(void *private_data)
{
    struct cwmfs *fs = private_data;

    invalidator_stop(fs->invalidator);
    fs->invalidator = NULL;
    handle_close_all(fs);
}

static int fs_getattr(const char *path, struct stat *st,
                      struct fuse_file_info *fi)
{
    struct cwmfs *fs = fs_ctx();
    struct handle *h = handle_of(fi);
    struct node n;
    int rc;

    memset(st, 0, sizeof(*st));
    if (h)
        return h->ops->getattr(fs, h, st);
    rc = node_resolve(fs, path, &n);
    if (rc == 0)
        rc = CALL_KIND(n, getattr, fs, &n, st);
    node_clear(&n);
    return rc;
}

static int fs_readdir(const char *path, void *buf, fuse_fill_dir_t filler,
                      off_t offset, struct fuse_file_info *fi,
                      enum fuse_readdir_flags flags)
{
    struct cwmfs *fs = fs_ctx();
    struct listing out = { fs, path, buf, filler };
    struct node n;
    int rc;

    (void)offset;
    (void)fi;
    (void)flags;
    rc = node_resolve(fs, path, &n);
    if (rc == 0)
        rc = n.kind->list ? n.kind->list(fs, &n, &out) : -ENOTDIR;
    node_clear(&n);
    return rc;
}

static int fs_open(const char *path, struct fuse_file_info *fi)
{
    struct cwmfs *fs = fs_ctx();
    struct node n;
    int rc = node_resolve(fs, path, &n);

    if (rc == 0)
        rc = CALL_KIND(n, open, fs, &n, fi);
    if (rc == 0 && (n.kind->flags & NODE_DIRECT_IO))
        fi->direct_io = 1; /* the kind's size in stat may be behind */
    node_clear(&n);
    return rc;
}

static int fs_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    struct cwmfs *fs = fs_ctx();
    struct node n;
    int rc = node_resolve(fs, path, &n);

    if (rc == 0)
        rc = CALL_KIND(n, create, fs, &n, mode, fi);
    node_clear(&n);
    return rc;
}

static int fs_read(const char *path, char *buf, size_t size, off_t offset,
                   struct fuse_file_info *fi)
{
    struct handle *h = handle_of(fi);

    (void)path;
    return h->ops->read(fs_ctx(), h, buf, size, offset);
}

static int fs_write(const char *path, const char *buf, size_t size,
                    off_t offset, struct fuse_file_info *fi)
{
    struct handle *h = handle_of(fi);

    (void)path;
    return h->ops->write(fs_ctx(), h, buf, size, offset);
}

static int fs_flush(const char *path, struct fuse_file_info *fi)
{
    struct handle *h = handle_of(fi);

    (void)path;
    return h->ops->flush(fs_ctx(), h);
}

static int fs_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
    (void)datasync;
    return fs_flush(path, fi);
}

static int fs_release(const char *path, struct fuse_file_info *fi)
{
    (void)path;
    handle_close(fs_ctx(), handle_of(fi));
    return 0;
}

static int fs_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
    struct cwmfs *fs = fs_ctx();
    struct handle *h = handle_of(fi);
    struct node n;
    int rc;

    if (h)
        return h->ops->truncate(fs, h, size);
    rc = node_resolve(fs, path, &n);
    if (rc == 0)
        rc = CALL_KIND(n, truncate, fs, &n, size);
    node_clear(&n);
    return rc;
}

static int fs_unlink(const char *path)
{
    struct cwmfs *fs = fs_ctx();
    struct node n;
    int rc = node_resolve(fs, path, &n);

    if (rc == 0)
        rc = CALL_KIND(n, unlink, fs, &n);
    node_clear(&n);
    return rc;
}

/* The editor plans the rename (editor.h); the source's kind carries it
 * out, and the inode number goes with the file. */
static int rename_nodes(struct cwmfs *fs, const struct node *from,
                        const struct node *to, unsigned int flags)
{
    struct editor_name fname, tname;
    struct editor_rename plan;
    int rc;

    from->kind->editor_name(fs, from, &fname);
    to->kind->editor_name(fs, to, &tname);
    rc = editor_plan_rename(&fname, &tname, flags,
                            strcmp(from->path, to->path) == 0, &plan);
    if (rc || plan.move == MOVE_NOTHING)
        return rc;
    rc = CALL_KIND(*from, rename, fs, from, to, &plan);
    if (rc == 0)
        inode_move(fs->inodes, from->path, to->path);
    return rc;
}

/* A rename onto a name is a commit point for that name: what the target
 * holds is looked at and acted on under its commit lock, so two renames
 * onto one new name cannot both POST. */
static int fs_rename(const char *from, const char *to, unsigned int flags)
{
    struct cwmfs *fs = fs_ctx();
    struct object_lock *lock = commit_lock(&fs->committer, to);
    struct node fnode, tnode;
    int rc = node_resolve(fs, from, &fnode);

    if (rc == 0) {
        rc = node_resolve(fs, to, &tnode);
        if (rc == 0)
            rc = rename_nodes(fs, &fnode, &tnode, flags);
        node_clear(&tnode);
    }
    node_clear(&fnode);
    commit_unlock(&fs->committer, lock);
    return rc;
}

static int fs_symlink(const char *target, const char *linkpath)
{
    struct cwmfs *fs = fs_ctx();
    struct node n;
    int rc = node_resolve(fs, linkpath, &n);

    if (rc == 0)
        rc = CALL_KIND(n, symlink, fs, &n, target);
    node_clear(&n);
    return rc;
}

static int fs_readlink(const char *path, char *buf, size_t size)
{
    struct cwmfs *fs = fs_ctx();
    struct node n;
    int rc = node_resolve(fs, path, &n);

    if (rc == 0)
        rc = CALL_KIND(n, readlink, fs, &n, buf, size);
    node_clear(&n);
    return rc;
}

/* chmod, chown, utimens: kept for local files, accepted for the rest (vim,
 * sed and emacs fail a save when these fail). */
static int set_attr(const char *path, struct fuse_file_info *fi,
                    const struct attr_change *change)
{
    struct cwmfs *fs = fs_ctx();
    struct handle *h = handle_of(fi);
    struct node n;
    int rc;

    if (h)
        return h->ops->set_attr(fs, h, change);
    rc = node_resolve(fs, path, &n);
    if (rc == 0)
        rc = CALL_KIND(n, set_attr, fs, &n, change);
    node_clear(&n);
    return rc;
}

static int fs_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    struct attr_change change = { .mode = &mode };
    return set_attr(path, fi, &change);
}

static int fs_chown(const char *path, uid_t uid, gid_t gid,
                    struct fuse_file_info *fi)
{
    struct attr_change change = { .uid = &uid, .gid = &gid };
    return set_attr(path, fi, &change);
}

static int fs_utimens(const char *path, const struct timespec tv[2],
                      struct fuse_file_info *fi)
{
    struct attr_change change = { 0 };
    struct timespec mtime;

    if (!tv || tv[1].tv_nsec == UTIME_NOW)
        clock_gettime(CLOCK_REALTIME, &mtime);
    else
        mtime = tv[1];
    if (!tv || tv[1].tv_nsec != UTIME_OMIT)
        change.mtime = &mtime;
    return set_attr(path, fi, &change);
}

/* The tree's shape is the API's: only a kind that makes folders (a
 * query's) takes mkdir and rmdir. */
static int fs_mkdir(const char *path, mode_t mode)
{
    struct cwmfs *fs = fs_ctx();
    struct node n;
    int rc = node_resolve(fs, path, &n);

    if (rc == 0)
        rc = n.kind->mkdir ? n.kind->mkdir(fs, &n, mode) : -EPERM;
    node_clear(&n);
    return rc;
}

static int fs_rmdir(const char *path)
{
    struct cwmfs *fs = fs_ctx();
    struct node n;
    int rc = node_resolve(fs, path, &n);

    if (rc == 0 && n.kind->rmdir)
        rc = n.kind->rmdir(fs, &n);
    else if (rc == 0)
        rc = n.kind->flags & NODE_DIR ? -EPERM : -ENOTDIR;
    node_clear(&n);
    return rc;
}

static int fs_link(const char *from, const char *to)
{
    (void)from;
    (void)to;
    return -EPERM;
}

static int fs_statfs(const char *path, struct statvfs *sv)
{
    (void)path;
    memset(sv, 0, sizeof(*sv));
    /* Plausible free space: some editors refuse to save to a full disk. */
    sv->f_bsize = 4096;
    sv->f_frsize = 4096;
    sv->f_blocks = sv->f_bfree = sv->f_bavail = 1 << 20;
    sv->f_files = sv->f_ffree = sv->f_favail = 1 << 20;
    sv->f_namemax = 255;
    return 0;
}

static const struct fuse_operations operations = {
    .init = fs_init,
    .destroy = fs_destroy,
    .getattr = fs_getattr,
    .readdir = fs_readdir,
    .open = fs_open,
    .create = fs_create,
    .read = fs_read,
    .write = fs_write,
    .flush = fs_flush,
    .fsync = fs_fsync,
    .release = fs_release,
    .truncate = fs_truncate,
    .unlink = fs_unlink,
    .rename = fs_rename,
    .symlink = fs_symlink,
    .readlink = fs_readlink,
    .chmod = fs_chmod,
    .chown = fs_chown,
    .utimens = fs_utimens,
    .mkdir = fs_mkdir,
    .rmdir = fs_rmdir,
    .link = fs_link,
    .statfs = fs_statfs,
};

const struct fuse_operations *cwmfs_operations(void) { return &operations; }
