/* fs.c - the FUSE operations (see fs.h).
 *
 * Each callback resolves its path into a node (node.h) and calls the
 * node's kind, or takes an open file's handle (handle.h) and calls its
 * operations; none of them knows what kinds there are.  The API is only
 * called at commit points, which the kinds decide: flush and fsync of a
 * written resource file, rename of a local file onto a resource name, and
 * unlink.  Callbacks never exit; they answer with an errno. */
#include "fs.h"

#include "clock.h"
#include "handle.h"
#include "http.h"
#include "invalidate.h"
#include "log.h"
#include "node.h"
#include "xattr.h"

#include <utlist.h>

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>

/* Kernel caching.  Names and attributes are kept for the TTL, as our own
 * cache keeps the answers they come from, and pages across opens while
 * the text is unchanged (kcache.h): a warm grep -r is then served by the
 * kernel, short of open and release.  What changes a server file tells the
 * kernel at once (a save, before close(2) returns; a refetch or refresh,
 * from a helper thread).  Files whose attributes change in ways the kernel
 * cannot see (/.cwmfs/errors grows, counts follow listings, editors'
 * scratch files) are dropped from the kernel's cache right after each
 * answer, so nearly every stat of them reaches us, as before.  Absent
 * names are kept for a second: editors probe many, and a new name may
 * appear on the server. */
#define KERNEL_NEGATIVE_TIMEOUT 1.0
/* How long the kernel keeps what it cannot see change: long enough for
 * the reply to have arrived, short enough for nobody to see it stale. */
#define KERNEL_BRIEFLY 0.02

/* Set from a SIGHUP handler: forget every cached response (rclone's
 * answer to "how do I make it re-read?").  The kernel answers most stats
 * from its own cache, so waiting for the next request to reach us would
 * leave it showing the old sizes: a thread does it at once, woken by a
 * semaphore (sem_post is async-signal-safe), and the next request does it
 * if it comes first. */
static _Atomic int refresh_requested;
static sem_t refresh_wake;
static _Atomic int refresher_stopping;
static pthread_t refresher;

void cwmfs_request_refresh(void)
{
    refresh_requested = 1;
    sem_post(&refresh_wake);
}

static void refresh_if_asked(struct cwmfs *fs)
{
    if (refresh_requested && atomic_exchange(&refresh_requested, 0)) {
        log_info("refresh requested: forgetting every cached response");
        store_forget_all(fs->store);
        fs_forget_kernel_caches(fs);
    }
}

static void *run_refresher(void *arg)
{
    while (!refresher_stopping) {
        if (sem_wait(&refresh_wake) == 0 && !refresher_stopping)
            refresh_if_asked(arg);
    }
    return NULL;
}

static struct cwmfs *fs_ctx(void)
{
    struct cwmfs *fs = fuse_get_context()->private_data;

    refresh_if_asked(fs);
    return fs;
}

static void queue_invalidation(void *ctx, const char *path)
{
    invalidator_queue(ctx, path);
}

void fs_forget_kernel_caches(struct cwmfs *fs)
{
    kcache_drain(fs->kcache, queue_invalidation, fs->invalidator);
}

/* A stat answer the kernel must not keep for long (see the top of this
 * file): dropped once the reply has surely reached the kernel.  Not
 * before: the kernel would then discard the reply, and a file read
 * through the page cache would stay cut at the size it had before. */
static void keep_briefly(struct cwmfs *fs, const char *path)
{
    if (path) /* NULL: unlinked while open, nobody can look it up */
        invalidator_queue_after(fs->invalidator, path, KERNEL_BRIEFLY);
}

/* Calls kind operation `op` of node n, or answers the kind's refusal. */
#define CALL_KIND(n, op, ...) \
    ((n).kind->op ? (n).kind->op(__VA_ARGS__) : -(n).kind->refusal)

/* A refetch or a write's answer: if the kernel may hold another version
 * of the file, it is told to drop it (from the helper thread: this may
 * run inside any handler, reads included). */
static void object_filled(void *ctx, const char *path, const struct doc *doc)
{
    struct cwmfs *fs = ctx;
    struct kversion v = { doc->print, doc->len, doc->mtime };

    if (kcache_stale(fs->kcache, path, &v))
        invalidator_queue(fs->invalidator, path);
}

/* Files lost write bits: every mode the kernel keeps may be wrong. */
static void modes_changed(void *ctx) { fs_forget_kernel_caches(ctx); }

/* Whether thread tid is dying: SIGKILL is pending for it, as it is for
 * every thread of a process killed by any signal it does not handle (the
 * kernel turns those into SIGKILL), or it is gone already. */
static bool thread_dying(pid_t tid)
{
    char path[64], line[256];
    unsigned long long mask;
    bool dying = false;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
    f = fopen(path, "re");
    if (!f)
        return errno == ENOENT;
    while (!dying && fgets(line, sizeof(line), f))
        dying = (sscanf(line, "SigPnd: %llx", &mask) == 1 ||
                 sscanf(line, "ShdPnd: %llx", &mask) == 1) &&
                (mask & (1ULL << (SIGKILL - 1)));
    fclose(f);
    return dying;
}

/* http.h's check, in the thread of a FUSE request: the kernel says the
 * caller was interrupted, and it is dying (killed, or ^C), so a GET made
 * for it stops, and a killed ls leaves D state at once, not after -o
 * timeout.  A signal the caller handles (vim's SIGWINCH) interrupts too,
 * but must not fail its open with EINTR: the GET goes on.  /proc is read
 * at most every 100 ms per thread. */
static bool caller_gave_up(void)
{
    static _Thread_local double checked;
    static _Thread_local pid_t checked_tid;
    static _Thread_local bool dying;
    pid_t tid;
    double now;

    if (!fuse_interrupted())
        return false;
    tid = fuse_get_context()->pid;
    now = clock_mono_seconds();
    if (tid != checked_tid || now - checked >= 0.1) {
        checked = now;
        checked_tid = tid;
        dying = thread_dying(tid);
    }
    return dying;
}

static void *fs_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
    struct store_observer observer = { object_filled, modes_changed, NULL };
    struct cwmfs *fs = fuse_get_context()->private_data;

    /* Every listing hands attributes with the names (readdirplus), not
     * only its first batch: ls -l of 10,000 members then costs no lookup
     * per file.  They come from the cache the listing just filled. */
    conn->want &= ~FUSE_CAP_READDIRPLUS_AUTO;
    cfg->use_ino = 1; /* our inode numbers, not libfuse's */
    cfg->entry_timeout = fs->ttl;
    cfg->attr_timeout = fs->ttl;
    cfg->negative_timeout = fs->ttl < KERNEL_NEGATIVE_TIMEOUT
                                ? fs->ttl
                                : KERNEL_NEGATIVE_TIMEOUT;
    /* Pages are kept or dropped at open by kcache, not by libfuse. */
    cfg->auto_cache = 0;
    /* Unlink means unlink.  Without this libfuse renames a file that is
     * open to .fuse_hiddenXXXX, both when it is unlinked and when another
     * file is renamed onto it (sed -i while less holds the file): the two
     * look alike here, and the second must never become a DELETE.  The
     * price: fstat() of a file unlinked while open fails (ESTALE) for its
     * holder; read and write go on working. */
    cfg->hard_remove = 1;
    http_set_gave_up_check(caller_gave_up);
    fs->invalidator = invalidator_start(fuse_get_context()->fuse);
    observer.ctx = fs;
    store_observe(fs->store, &observer);
    sem_init(&refresh_wake, 0, 0);
    if (pthread_create(&refresher, NULL, run_refresher, fs) != 0)
        log_warn("no refresh thread: SIGHUP takes effect at the next request");
    else
        fs->refresher_running = true;
    return fs;
}

void fs_stop_helpers(struct cwmfs *fs)
{
    if (fs->refresher_running) {
        refresher_stopping = 1;
        sem_post(&refresh_wake);
        pthread_join(refresher, NULL);
        fs->refresher_running = false;
    }
    invalidator_stop(fs->invalidator);
    fs->invalidator = NULL;
}

/* Directories still open at unmount (their RELEASEDIR never came). */
static void close_listings(struct cwmfs *fs)
{
    struct listing *l, *tmp;

    pthread_mutex_lock(&fs->open_lock);
    DL_FOREACH_SAFE(fs->open_listings, l, tmp) {
        DL_DELETE(fs->open_listings, l);
        listing_free(l);
    }
    pthread_mutex_unlock(&fs->open_lock);
}

static void fs_destroy(void *private_data)
{
    struct cwmfs *fs = private_data;

    fs_stop_helpers(fs); /* done already when the loop ended normally */
    handle_close_all(fs);
    close_listings(fs);
}

static int fs_getattr(const char *path, struct stat *st,
                      struct fuse_file_info *fi)
{
    struct cwmfs *fs = fs_ctx();
    struct handle *h = handle_of(fi);
    struct node n;
    int rc;

    memset(st, 0, sizeof(*st));
    if (h) {
        rc = h->ops->getattr(fs, h, st);
        if (!h->kpath)
            keep_briefly(fs, path);
        return rc;
    }
    rc = node_resolve(fs, path, &n);
    if (rc == 0)
        rc = CALL_KIND(n, getattr, fs, &n, st);
    if (rc == 0 && !(n.kind->flags & (NODE_KERNEL_CACHED | NODE_DIR)))
        keep_briefly(fs, path);
    node_clear(&n);
    return rc;
}

/* Each open directory has its listing (listing.h), gathered when a read
 * starts at offset 0. */
static int fs_opendir(const char *path, struct fuse_file_info *fi)
{
    struct cwmfs *fs = fs_ctx();
    struct listing *l = listing_new();

    (void)path;
    if (!l)
        return -ENOMEM;
    pthread_mutex_lock(&fs->open_lock);
    DL_APPEND(fs->open_listings, l);
    pthread_mutex_unlock(&fs->open_lock);
    fi->fh = (uint64_t)(uintptr_t)l;
    return 0;
}

static int gather(struct cwmfs *fs, const char *path, struct listing *l,
                  bool plus)
{
    struct node n;
    int rc = node_resolve(fs, path, &n);

    listing_restart(l, fs, path, plus);
    if (rc == 0)
        rc = n.kind->list ? n.kind->list(fs, &n, l) : -ENOTDIR;
    node_clear(&n);
    if (rc == 0 && l->failed)
        rc = -ENOMEM;
    if (rc) /* nothing gathered: a later read, at any offset, starts over */
        listing_restart(l, NULL, NULL, plus);
    return rc;
}

static int fs_readdir(const char *path, void *buf, fuse_fill_dir_t filler,
                      off_t offset, struct fuse_file_info *fi,
                      enum fuse_readdir_flags flags)
{
    struct listing *l = (struct listing *)(uintptr_t)fi->fh;
    int rc = 0;

    if (offset == 0 || !l->fs) /* !fs: nothing gathered yet */
        rc = gather(fs_ctx(), path, l, (flags & FUSE_READDIR_PLUS) != 0);
    if (rc == 0)
        listing_serve(l, offset, buf, filler);
    return rc;
}

static int fs_releasedir(const char *path, struct fuse_file_info *fi)
{
    struct cwmfs *fs = fs_ctx();
    struct listing *l = (struct listing *)(uintptr_t)fi->fh;

    (void)path;
    pthread_mutex_lock(&fs->open_lock);
    DL_DELETE(fs->open_listings, l);
    pthread_mutex_unlock(&fs->open_lock);
    listing_free(l);
    return 0;
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

/* The attributes of path's node into x (none for most kinds). */
static int node_xattrs(struct cwmfs *fs, const char *path, struct xattrs *x)
{
    struct node n;
    int rc = node_resolve(fs, path, &n);

    if (rc == 0 && n.kind->xattrs)
        rc = n.kind->xattrs(fs, &n, x);
    node_clear(&n);
    return rc;
}

/* ls -l asks every file for its ACL and SELinux label.  Other namespaces
 * than user.* answer EOPNOTSUPP, without resolving the path: ls (and
 * gnulib's ACL code) then stop asking files of this mount, where ENODATA
 * would cost a round trip per file.  With -o noxattr the first answer is
 * ENOSYS, after which the kernel asks nothing more. */
static int fs_getxattr(const char *path, const char *name, char *value,
                       size_t size)
{
    struct cwmfs *fs = fs_ctx();
    struct xattrs x = { 0 };
    int rc;

    if (!fs->xattrs)
        return -ENOSYS;
    if (strncmp(name, "user.", 5) != 0)
        return -EOPNOTSUPP;
    if (strncmp(name, XATTR_PREFIX, strlen(XATTR_PREFIX)) != 0)
        return -ENODATA;
    rc = node_xattrs(fs, path, &x);
    if (rc == 0)
        rc = xattrs_get(&x, name, value, size);
    xattrs_clear(&x);
    return rc;
}

static int fs_listxattr(const char *path, char *list, size_t size)
{
    struct cwmfs *fs = fs_ctx();
    struct xattrs x = { 0 };
    int rc;

    if (!fs->xattrs)
        return -ENOSYS;
    rc = node_xattrs(fs, path, &x);
    if (rc == 0)
        rc = xattrs_list(&x, list, size);
    xattrs_clear(&x);
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
    .opendir = fs_opendir,
    .readdir = fs_readdir,
    .releasedir = fs_releasedir,
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
    .getxattr = fs_getxattr,
    .listxattr = fs_listxattr,
};

const struct fuse_operations *cwmfs_operations(void) { return &operations; }
