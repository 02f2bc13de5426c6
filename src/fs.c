/* fs.c - the FUSE operations (see fs.h).
 *
 * Handlers resolve the path, then ask one of three places: the store
 * (API-backed files, cached), the local table (scratch files, files being
 * written, drafts, names renamed away) or the errlog (/.cwmfs).  The API is
 * only called at commit points: flush and fsync of a written resource file,
 * rename of a local file onto a resource name, and unlink.  Handlers never
 * exit; they answer with an errno.  Operations on an open file use its
 * handle, never its path (the path is NULL once the file is unlinked). */
#include "fs.h"

#include "invalidate.h"
#include "log.h"
#include "paths.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <utlist.h>

/* Kernel caching (see fuse-filesystem-notes §2).  Names are cached for a
 * second (rclone's choice) and so are absent names (editors probe many).
 * Attributes are not cached: every stat is answered from our own cache, in
 * memory, so a size or mtime changed by a commit (or /.cwmfs/errors
 * growing) is seen at once, never a second later; editors compare both. */
#define KERNEL_ENTRY_TIMEOUT 1.0
#define KERNEL_ATTR_TIMEOUT 0.0
#define KERNEL_NEGATIVE_TIMEOUT 1.0

struct open_file {
    struct doc doc;           /* a server or /.cwmfs file, read-only */
    struct local_node *node;  /* or a local file */
    mode_t mode;              /* for fstat of a doc */
    uint64_t ino;             /* for fstat after unlink (path is NULL then) */
    pid_t process;            /* writers: the process that opened it */
    bool writer;              /* opened for writing: its close commits */
    /* Writers of resource files: the text their saves start from (what
     * this handle, or else its process, read; NULL when unknown). */
    char *base;
    unsigned long id;         /* names this handle as a node's last writer */
    unsigned long wrote_gen;  /* the node's generation at our last write */
    unsigned long outcome_gen;/* the generation our last commit settled */
    int outcome;              /* and how (0 or -errno), told on every flush */
    bool emptied;             /* truncated to nothing, nothing written yet */
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

static struct open_file *handle_of(const struct fuse_file_info *fi)
{
    return fi ? (struct open_file *)(uintptr_t)fi->fh : NULL;
}

static void *fs_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
    struct cwmfs *fs = fuse_get_context()->private_data;

    (void)conn;
    cfg->use_ino = 1;            /* our stable inode numbers, not libfuse's */
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

static void open_file_free(struct cwmfs *fs, struct open_file *of)
{
    doc_clear(&of->doc);
    free(of->base);
    local_put(fs->local, of->node);
    free(of);
}

static void fs_destroy(void *private_data)
{
    struct cwmfs *fs = private_data;
    struct open_file *of, *tmp;

    invalidator_stop(fs->invalidator);
    fs->invalidator = NULL;
    DL_FOREACH_SAFE(fs->open_files, of, tmp) {
        DL_DELETE(fs->open_files, of);
        open_file_free(fs, of);
    }
}

/* ---- attributes ---- */

static void fill_common(struct cwmfs *fs, uint64_t ino, struct stat *st)
{
    st->st_ino = ino;
    st->st_uid = fs->uid;
    st->st_gid = fs->gid;
    st->st_blksize = 4096;
}

static void fill_dir_stat(struct cwmfs *fs, const char *path, struct stat *st)
{
    fill_common(fs, inode_for_path(fs->inodes, path), st);
    st->st_mode = S_IFDIR | (0755 & ~fs->umask);
    /* find(1) trusts nlink = 2 + subdirectories. */
    st->st_nlink = 2 + (nlink_t)path_count_subdirs(path);
    st->st_mtime = st->st_ctime = st->st_atime = fs->mounted;
}

/* The process behind the current request (FUSE names the thread). */
static pid_t caller_process(struct cwmfs *fs)
{
    return reads_process_of(fs->reads, fuse_get_context()->pid);
}

static mode_t resource_mode(struct cwmfs *fs, const struct resource_type *res,
                            const struct doc *doc)
{
    bool writable = resource_is_writable(res) && !(doc && doc->read_only);

    return (writable ? 0644 : 0444) & ~fs->umask;
}

static void fill_file_stat(struct cwmfs *fs, uint64_t ino, mode_t mode,
                           size_t len, time_t mtime, struct stat *st)
{
    fill_common(fs, ino, st);
    st->st_mode = S_IFREG | mode;
    st->st_nlink = 1;
    st->st_size = (off_t)len;
    st->st_blocks = (blkcnt_t)((len + 511) / 512);
    st->st_mtime = st->st_ctime = st->st_atime = mtime;
}

static int stat_local(struct cwmfs *fs, const char *path,
                      struct local_node *node, struct stat *st)
{
    struct local_view v;
    int rc = local_view(fs->local, node, false, &v);

    if (rc)
        return rc;
    if (v.kind == LOCAL_HIDDEN) {
        local_view_clear(&v);
        return -ENOENT;
    }
    fill_common(fs, inode_for_path(fs->inodes, path ? path : v.path), st);
    st->st_nlink = v.linked ? 1 : 0;
    st->st_size = (off_t)v.len;
    st->st_blocks = (blkcnt_t)((v.len + 511) / 512);
    st->st_mtim = st->st_ctim = st->st_atim = v.mtime;
    if (v.kind == LOCAL_SYMLINK) {
        st->st_mode = S_IFLNK | 0777;
    } else if (v.kind == LOCAL_SCRATCH) {
        /* Exactly what the creator asked for: vim's 4913 probe checks. */
        st->st_mode = S_IFREG | v.mode;
        st->st_uid = v.uid;
        st->st_gid = v.gid;
    } else {
        st->st_mode = S_IFREG | (0644 & ~fs->umask);
    }
    local_view_clear(&v);
    return 0;
}

/* Fetches a server file's document (attributes only unless want_text). */
static int server_doc(struct cwmfs *fs, const struct node *node,
                      bool want_text, struct doc *doc)
{
    switch (node->type) {
    case NODE_SINGLETON:
        return store_singleton(fs->store, node->res, want_text, doc);
    case NODE_OBJECT:
        if (node->new_object_name)
            return -ENOENT; /* "new.json" in an id-keyed collection */
        return store_object(fs->store, node->res, node->key, want_text, doc);
    default:
        return -ENOENT;
    }
}

static int stat_meta(struct cwmfs *fs, const char *path, struct stat *st)
{
    int rc = errlog_getattr(fs->errlog, path, st);
    mode_t perm = st->st_mode & 07777;

    if (rc)
        return rc;
    st->st_mode = (st->st_mode & ~07777) | (perm & ~fs->umask);
    st->st_ino = inode_for_path(fs->inodes, path);
    st->st_uid = fs->uid;
    st->st_gid = fs->gid;
    return 0;
}

static int fs_getattr(const char *path, struct stat *st,
                      struct fuse_file_info *fi)
{
    struct cwmfs *fs = fs_ctx();
    struct open_file *of = handle_of(fi);
    struct local_node *ln;
    struct node node;
    struct doc doc = { 0 };
    int rc;

    memset(st, 0, sizeof(*st));
    if (of && of->node)
        return stat_local(fs, path, of->node, st);
    if (of) {
        fill_file_stat(fs, of->ino, of->mode, of->doc.len, of->doc.mtime, st);
        return 0;
    }
    rc = path_resolve(path, &node);
    if (rc)
        return rc;
    if (node.type == NODE_META) {
        rc = stat_meta(fs, path, st);
    } else if (node.type == NODE_ROOT || node.type == NODE_DIR) {
        fill_dir_stat(fs, path, st);
    } else if ((ln = local_get(fs->local, path)) != NULL) {
        rc = stat_local(fs, path, ln, st);
        local_put(fs->local, ln);
    } else {
        rc = server_doc(fs, &node, false, &doc);
        if (rc == 0)
            fill_file_stat(fs, inode_for_path(fs->inodes, path),
                           resource_mode(fs, node.res, &doc), doc.len,
                           doc.mtime, st);
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
    char **server_names; /* sorted */
    size_t server_count;
    char **hidden;       /* names renamed away, to leave out */
    size_t hidden_count, hidden_cap;
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

static void add_meta_entry(void *ctx, const char *name, mode_t type)
{
    add_entry(ctx, name, type);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_server_name(const struct dir_fill *d, const char *name)
{
    return d->server_count &&
           bsearch(&name, d->server_names, d->server_count, sizeof(char *),
                   cmp_str) != NULL;
}

/* Local files: listed unless they stand for a server file listed anyway;
 * names renamed away are collected to be left out. */
static void add_local_entry(void *ctx, const char *name, enum local_kind kind)
{
    struct dir_fill *d = ctx;

    if (kind == LOCAL_HIDDEN) {
        if (d->hidden_count == d->hidden_cap) {
            size_t cap = d->hidden_cap ? d->hidden_cap * 2 : 8;
            char **grown = realloc(d->hidden, cap * sizeof(char *));
            if (!grown)
                return;
            d->hidden = grown;
            d->hidden_cap = cap;
        }
        if ((d->hidden[d->hidden_count] = strdup(name)) != NULL)
            d->hidden_count++;
        return;
    }
    if (!is_server_name(d, name))
        add_entry(d, name, kind == LOCAL_SYMLINK ? S_IFLNK : S_IFREG);
}

static bool is_hidden(const struct dir_fill *d, const char *name)
{
    for (size_t i = 0; i < d->hidden_count; i++)
        if (strcmp(d->hidden[i], name) == 0)
            return true;
    return false;
}

static int fs_readdir(const char *path, void *buf, fuse_fill_dir_t filler,
                      off_t offset, struct fuse_file_info *fi,
                      enum fuse_readdir_flags flags)
{
    struct cwmfs *fs = fs_ctx();
    struct dir_fill d = { .fs = fs, .dir = path, .buf = buf, .filler = filler };
    struct node node;
    int rc;

    (void)offset;
    (void)fi;
    (void)flags;
    rc = path_resolve(path, &node);
    if (rc)
        return rc;
    node_clear(&node); /* directories carry no key */
    if (node.type == NODE_META) {
        filler(buf, ".", NULL, 0, 0);
        filler(buf, "..", NULL, 0, 0);
        return errlog_list(fs->errlog, path, add_meta_entry, &d);
    }
    if (node.type != NODE_ROOT && node.type != NODE_DIR)
        return -ENOTDIR;
    if (node.type == NODE_DIR) {
        rc = store_list(fs->store, node.res, &d.server_names, &d.server_count);
        if (rc)
            return rc;
    }
    filler(buf, ".", NULL, 0, 0);
    filler(buf, "..", NULL, 0, 0);
    if (node.type == NODE_ROOT)
        add_entry(&d, META_DIR + 1, S_IFDIR);
    path_for_each_child(path, add_child_resource, &d);
    local_for_each_in(fs->local, path, add_local_entry, &d);
    for (size_t i = 0; i < d.server_count; i++)
        if (!is_hidden(&d, d.server_names[i]))
            add_entry(&d, d.server_names[i], S_IFREG);
    store_names_free(d.server_names, d.server_count);
    store_names_free(d.hidden, d.hidden_count);
    return 0;
}

/* ---- opening ---- */

static bool wants_write(const struct fuse_file_info *fi)
{
    return (fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC);
}

static int attach(struct cwmfs *fs, const char *path,
                  struct fuse_file_info *fi, struct open_file *of)
{
    of->ino = inode_for_path(fs->inodes, path);
    of->id = atomic_fetch_add(&fs->next_handle_id, 1) + 1;
    of->writer = wants_write(fi);
    of->process = of->writer ? caller_process(fs) : 0; /* whose save */
    pthread_mutex_lock(&fs->open_lock);
    DL_APPEND(fs->open_files, of);
    pthread_mutex_unlock(&fs->open_lock);
    fi->fh = (uint64_t)(uintptr_t)of;
    return 0;
}

/* A handle on a local node (taking over the caller's reference and base). */
static int open_local(struct cwmfs *fs, const char *path,
                      struct fuse_file_info *fi, struct local_node *ln,
                      char *base)
{
    struct open_file *of = calloc(1, sizeof(*of));
    int rc = 0;

    if (!of) {
        local_put(fs->local, ln);
        free(base);
        return -ENOMEM;
    }
    of->node = ln;
    of->base = base;
    if ((fi->flags & O_TRUNC) && wants_write(fi)) {
        rc = local_truncate(fs->local, ln, 0, 0, NULL);
        of->emptied = true;
    }
    if (rc) {
        open_file_free(fs, of);
        return rc;
    }
    return attach(fs, path, fi, of);
}

/* A read-only snapshot: readers never see bytes change under them. */
static int open_snapshot(struct cwmfs *fs, const char *path,
                         struct fuse_file_info *fi, struct doc *doc,
                         mode_t mode)
{
    struct open_file *of = calloc(1, sizeof(*of));

    if (!of) {
        doc_clear(doc);
        return -ENOMEM;
    }
    of->doc = *doc;
    of->mode = mode;
    return attach(fs, path, fi, of);
}

static bool can_update(const struct resource_type *res)
{
    return (res->verbs & (VERB_PATCH | VERB_PUT)) != 0;
}

/* Opening a server object for writing makes a local EDIT node.  The
 * handle's base is what it reads (the server's text), or with O_TRUNC,
 * which reads nothing, what its process read before. */
static int open_for_edit(struct cwmfs *fs, const char *path,
                         const struct node *node, struct fuse_file_info *fi)
{
    struct doc doc = { 0 };
    struct local_node *ln;
    bool trunc = fi->flags & O_TRUNC;
    pid_t process = caller_process(fs);
    char *base;
    int rc;

    if (!can_update(node->res))
        return -EACCES;
    rc = server_doc(fs, node, true, &doc);
    if (rc == 0 && doc.read_only)
        rc = -EACCES;
    if (rc) {
        doc_clear(&doc);
        return rc;
    }
    if (trunc) {
        base = reads_base(fs->reads, process, path);
    } else {
        reads_note(fs->reads, process, path, doc.text, doc.len);
        base = strndup(doc.text, doc.len);
    }
    ln = local_create(fs->local, path, LOCAL_EDIT, 0644, fs->uid, fs->gid,
                      doc.text, trunc ? 0 : doc.len, trunc ? NULL : &doc.mtime);
    doc_clear(&doc);
    fi->direct_io = 1; /* see local_to_open */
    if (!ln || (!trunc && !base)) {
        local_put(fs->local, ln);
        free(base);
        return -ENOMEM;
    }
    return open_local(fs, path, fi, ln, base);
}

static int open_meta(struct cwmfs *fs, const char *path,
                     struct fuse_file_info *fi)
{
    struct doc doc = { 0 };
    struct stat st;
    int rc;

    if (wants_write(fi))
        return -EACCES;
    rc = stat_meta(fs, path, &st);
    if (rc == 0 && S_ISDIR(st.st_mode))
        rc = -EISDIR;
    if (rc == 0)
        rc = errlog_read(fs->errlog, path, &doc.text, &doc.len);
    if (rc)
        return rc;
    doc.mtime = st.st_mtime;
    /* Read past the kernel's cached size: these files grow at any time. */
    fi->direct_io = 1;
    return open_snapshot(fs, path, fi, &doc, st.st_mode & 07777);
}

/* An object file being rewritten: a reader is shown the server's copy
 * until the writer's text is saved, never a half-written file that it
 * could, say, copy back as its own save.  Such a reader reads past the
 * kernel's idea of the size, which is the writer's. */
static struct local_node *local_to_open(struct cwmfs *fs, const char *path,
                                        struct fuse_file_info *fi)
{
    struct local_node *ln = local_get(fs->local, path);
    struct local_view v;
    bool edit;

    if (!ln)
        return NULL;
    edit = local_view(fs->local, ln, false, &v) == 0 && v.kind == LOCAL_EDIT;
    local_view_clear(&v);
    /* The writer's bytes must not reach the kernel's page cache, where
     * the next reader of the file would be served them. */
    fi->direct_io = edit;
    if (edit && !wants_write(fi)) {
        local_put(fs->local, ln);
        ln = NULL;
    }
    return ln;
}

static int fs_open(const char *path, struct fuse_file_info *fi)
{
    struct cwmfs *fs = fs_ctx();
    struct local_node *ln;
    struct doc doc = { 0 };
    struct node node;
    int rc;

    rc = path_resolve(path, &node);
    if (rc)
        return rc;
    if (node.type == NODE_META) {
        rc = open_meta(fs, path, fi);
    } else if ((ln = local_to_open(fs, path, fi)) != NULL) {
        struct local_view v;
        rc = local_view(fs->local, ln, false, &v);
        if (rc == 0 && v.kind == LOCAL_HIDDEN)
            rc = -ENOENT;
        local_view_clear(&v);
        if (rc == 0)
            /* Another writer's text: this one's base is its own reading. */
            rc = open_local(fs, path, fi, ln,
                            wants_write(fi) ? reads_base(fs->reads,
                                                         caller_process(fs), path)
                                            : NULL);
        else
            local_put(fs->local, ln);
    } else if (node.type != NODE_SINGLETON && node.type != NODE_OBJECT) {
        rc = node.type == NODE_OTHER ? -ENOENT : -EISDIR;
    } else if (wants_write(fi)) {
        rc = node.type == NODE_OBJECT ? open_for_edit(fs, path, &node, fi)
                                      : -EACCES;
    } else if ((rc = server_doc(fs, &node, true, &doc)) == 0) {
        if (node.type == NODE_OBJECT)
            reads_note(fs->reads, caller_process(fs), path, doc.text, doc.len);
        rc = open_snapshot(fs, path, fi, &doc, resource_mode(fs, node.res, &doc));
    }
    node_clear(&node);
    return rc;
}

/* Whether the server holds the object named by node. */
static bool server_has(struct cwmfs *fs, const struct node *node)
{
    struct doc doc = { 0 };
    return node->type == NODE_OBJECT && server_doc(fs, node, false, &doc) == 0;
}

/* A file created at a resource name: an edit of the object the server
 * has (vim and emacs write anew after renaming the file away), else a new
 * object.  *base gets what the creating process read of it. */
static struct local_node *create_resource_node(struct cwmfs *fs,
                                               const char *path,
                                               const struct node *node,
                                               char **base, int *rc)
{
    struct local_node *hidden = local_get(fs->local, path), *ln = NULL;
    struct local_view v = { 0 };
    bool existing;

    *rc = 0;
    *base = NULL;
    existing = (hidden && local_view(fs->local, hidden, false, &v) == 0 &&
                v.kind == LOCAL_HIDDEN) ||
               server_has(fs, node);
    local_view_clear(&v);
    local_put(fs->local, hidden);
    if (existing ? !can_update(node->res) : !(node->res->verbs & VERB_POST)) {
        *rc = -EACCES;
        return NULL;
    }
    if (existing)
        *base = reads_base(fs->reads, caller_process(fs), path);
    ln = local_create(fs->local, path, existing ? LOCAL_EDIT : LOCAL_DRAFT,
                      0644, fs->uid, fs->gid, NULL, 0, NULL);
    if (!ln) {
        *rc = -ENOMEM;
        free(*base);
        *base = NULL;
    }
    return ln;
}

static int fs_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    struct cwmfs *fs = fs_ctx();
    struct fuse_context *ctx = fuse_get_context();
    struct local_node *ln = NULL;
    struct node node;
    char *base = NULL;
    int rc;

    rc = path_resolve(path, &node);
    if (rc)
        return rc;
    if (node.type == NODE_OBJECT) {
        ln = create_resource_node(fs, path, &node, &base, &rc);
        fi->direct_io = 1; /* a rewrite: see local_to_open */
    }
    else if (node.type == NODE_OTHER)
        ln = local_create(fs->local, path, LOCAL_SCRATCH, mode & 07777,
                          ctx->uid, ctx->gid, NULL, 0, NULL);
    else
        rc = node.type == NODE_META ? -EACCES : -EEXIST;
    if (rc == 0 && !ln)
        rc = -ENOMEM;
    node_clear(&node);
    return rc ? rc : open_local(fs, path, fi, ln, base);
}

/* ---- reading and writing ---- */

static int fs_read(const char *path, char *buf, size_t size, off_t offset,
                   struct fuse_file_info *fi)
{
    struct open_file *of = handle_of(fi);
    size_t n;

    (void)path;
    if (of->node)
        return local_read(fs_ctx()->local, of->node, buf, size, offset);
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

static int fs_write(const char *path, const char *buf, size_t size,
                    off_t offset, struct fuse_file_info *fi)
{
    struct open_file *of = handle_of(fi);

    (void)path;
    if (!of->node)
        return -EBADF;
    return local_write(fs_ctx()->local, of->node, buf, size, offset, of->id,
                       &of->wrote_gen);
}

/* ---- commits ----
 * A resource file's text is sent when the handle that wrote it last is
 * flushed (close, fsync).  Each writer is told what became of its own
 * text, on every later flush too, until it writes again: an error is never
 * handed to another writer, nor forgotten after one report.  A writer whose
 * text another writer overwrote before it was sent is told EBUSY. */

/* After a commit: the answer is what the writer has now read, and the
 * kernel drops what it cached of the old file. */
static void show_answer(struct cwmfs *fs, pid_t writer, const char *path,
                        const struct commit_result *r)
{
    const char *shown = r->new_path ? r->new_path : path;

    if (r->answer)
        reads_note(fs->reads, writer, shown, r->answer, r->answer_len);
    invalidator_queue(fs->invalidator, path);
    if (r->new_path)
        invalidator_queue(fs->invalidator, r->new_path);
}

/* Sends the node's text as of now (its object's lock held). */
static int send_node(struct cwmfs *fs, struct open_file *of,
                     const struct local_view *v)
{
    struct commit_result result;
    struct node node;
    int rc = path_resolve(v->path, &node);

    if (rc == 0 && node.type != NODE_OBJECT)
        rc = -EIO; /* cannot happen: only resource names hold these kinds */
    if (rc == 0) {
        struct save save = { v->path, &node, v->kind == LOCAL_EDIT, of->base,
                             v->data, v->len, v->mtime.tv_sec };
        rc = commit_save(&fs->committer, &save, &result);
        local_mark_committed(fs->local, of->node, v->gen, rc);
        if (rc == 0 && result.sent) {
            local_unlink_node(fs->local, of->node);
            show_answer(fs, of->process, v->path, &result);
            if (result.answer) { /* this handle's next save starts here */
                free(of->base);
                of->base = strndup(result.answer, result.answer_len);
            }
        }
        commit_result_clear(&result);
    }
    node_clear(&node);
    return rc;
}

/* Settles what this handle wrote: sends the node's text if this handle
 * wrote it last, and remembers the outcome for later flushes. */
static int commit_handle(struct cwmfs *fs, struct open_file *of)
{
    struct object_lock *lock;
    struct local_view v;
    int rc;

    if (of->outcome_gen >= of->wrote_gen)
        return of->outcome;
    if ((rc = local_view(fs->local, of->node, false, &v)) != 0)
        return rc;
    /* Serialised per file: a second writer's flush waits for ours. */
    lock = commit_lock(&fs->committer, v.path);
    local_view_clear(&v);
    rc = local_view(fs->local, of->node, true, &v);
    if (rc == 0 && v.last_writer != of->id) {
        errlog_record(fs->errlog, v.path, -EBUSY,
                      "another writer replaced this text before it was saved",
                      NULL, 0);
        rc = -EBUSY;
    } else if (rc == 0 && (v.kind == LOCAL_EDIT || v.kind == LOCAL_DRAFT)) {
        rc = v.gen > v.committed_gen ? send_node(fs, of, &v) : v.commit_rc;
    }
    if (rc != -ENOMEM) {
        of->outcome_gen = of->wrote_gen;
        of->outcome = rc;
    }
    commit_unlock(&fs->committer, lock);
    local_view_clear(&v);
    return rc;
}

/* A handle that only emptied the file (open with O_TRUNC, nothing written
 * yet) is not a save: bash closes such a duplicate before it writes
 * through the other.  Still the emptied text is no object: say so quietly
 * to the close, and in the errlog only if it is left that way. */
static int emptied_outcome(struct cwmfs *fs, struct open_file *of, bool last)
{
    struct local_view v;
    int rc = local_view(fs->local, of->node, false, &v);
    bool empty = rc == 0 && v.kind == LOCAL_EDIT && v.len == 0 && v.dirty;

    if (empty && last) {
        errlog_record(fs->errlog, v.path, -EINVAL,
                      "the file was emptied and closed; an object cannot be "
                      "emptied (rm deletes it), the server's copy is unchanged",
                      "", 0);
        local_mark_committed(fs->local, of->node, v.gen, -EINVAL);
    }
    local_view_clear(&v);
    return rc ? rc : empty ? -EINVAL : 0;
}

static int fs_flush(const char *path, struct fuse_file_info *fi)
{
    struct open_file *of = handle_of(fi);

    (void)path;
    if (!of->node || !of->writer)
        return 0; /* a reader's close must not send half a writer's file */
    if (of->wrote_gen)
        return commit_handle(fs_ctx(), of);
    return of->emptied ? emptied_outcome(fs_ctx(), of, false) : 0;
}

static int fs_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
    (void)datasync;
    return fs_flush(path, fi);
}

/* The end of a handle on a local node. */
static void release_local(struct cwmfs *fs, struct open_file *of)
{
    struct local_view v;

    if (of->writer && of->wrote_gen)
        commit_handle(fs, of); /* settled already unless flush was missed */
    else if (of->writer && of->emptied)
        emptied_outcome(fs, of, true);
    /* The last writer gone: the path shows the server's file again (a
     * refused text is kept in /.cwmfs/rejected). */
    if (local_view(fs->local, of->node, false, &v) == 0) {
        if (local_drop_if_idle(fs->local, of->node))
            invalidator_queue(fs->invalidator, v.path);
        local_view_clear(&v);
    }
}

static int fs_release(const char *path, struct fuse_file_info *fi)
{
    struct cwmfs *fs = fs_ctx();
    struct open_file *of = handle_of(fi);

    (void)path;
    if (of->node)
        release_local(fs, of);
    pthread_mutex_lock(&fs->open_lock);
    DL_DELETE(fs->open_files, of);
    pthread_mutex_unlock(&fs->open_lock);
    open_file_free(fs, of);
    return 0;
}

/* ftruncate: to nothing before any write is emptying (see
 * emptied_outcome); any other size is a write. */
static int truncate_handle(struct cwmfs *fs, struct open_file *of, off_t size)
{
    unsigned long gen;
    int rc;

    if (!of->node)
        return -EBADF;
    rc = local_truncate(fs->local, of->node, size, of->id, &gen);
    if (rc == 0 && size == 0 && !of->wrote_gen)
        of->emptied = true;
    else if (rc == 0)
        of->wrote_gen = gen;
    return rc;
}

static int fs_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
    struct cwmfs *fs = fs_ctx();
    struct open_file *of = handle_of(fi);
    struct fuse_file_info edit_fi = { .flags = O_WRONLY };
    struct local_node *ln;
    struct node node;
    int rc;

    if (of)
        return truncate_handle(fs, of, size);
    if ((ln = local_get(fs->local, path)) != NULL) {
        rc = local_truncate(fs->local, ln, size, 0, NULL);
        local_put(fs->local, ln);
        return rc;
    }
    /* truncate(1) of a server file with no open handle: a whole edit,
     * committed at once. */
    rc = path_resolve(path, &node);
    if (rc == 0 && node.type == NODE_OBJECT)
        rc = open_for_edit(fs, path, &node, &edit_fi);
    else if (rc == 0)
        rc = node.type == NODE_SINGLETON || node.type == NODE_META ? -EACCES
                                                                   : -ENOENT;
    node_clear(&node);
    if (rc)
        return rc;
    of = handle_of(&edit_fi);
    rc = local_truncate(fs->local, of->node, size, of->id, &of->wrote_gen);
    if (rc == 0)
        rc = commit_handle(fs, of);
    fs_release(path, &edit_fi);
    return rc;
}

/* ---- names ---- */

static int fs_unlink(const char *path)
{
    struct cwmfs *fs = fs_ctx();
    struct local_node *ln = local_get(fs->local, path);
    struct local_view v = { 0 };
    struct node node;
    int rc;

    rc = path_resolve(path, &node);
    if (rc == 0 && ln)
        rc = local_view(fs->local, ln, false, &v);
    if (rc) {
        /* nothing */
    } else if (node.type == NODE_META || node.type == NODE_SINGLETON) {
        rc = -EACCES;
    } else if (ln && v.kind == LOCAL_HIDDEN) {
        rc = -ENOENT;
    } else if (ln && v.kind != LOCAL_EDIT) {
        rc = local_unlink(fs->local, path); /* scratch, symlink, draft */
    } else if (node.type == NODE_OBJECT && (ln || server_has(fs, &node))) {
        struct object_lock *lock = commit_lock(&fs->committer, path);
        rc = commit_delete(&fs->committer, path, &node);
        commit_unlock(&fs->committer, lock);
        if (rc == 0 && ln)
            local_unlink(fs->local, path);
        if (rc == 0)
            invalidator_queue(fs->invalidator, path);
    } else {
        rc = -ENOENT;
    }
    local_view_clear(&v);
    local_put(fs->local, ln);
    node_clear(&node);
    return rc;
}

/* Kind of thing a path names, for rename. */
enum presence { ABSENT, LOCAL_FILE, SERVER_FILE, OTHER_THING };

static enum presence presence_of(struct cwmfs *fs, const char *path,
                                 const struct node *node, struct local_view *v)
{
    struct local_node *ln = local_get(fs->local, path);
    enum presence p;

    memset(v, 0, sizeof(*v));
    if (ln && local_view(fs->local, ln, true, v) == 0 && v->kind != LOCAL_HIDDEN)
        p = LOCAL_FILE;
    else if (node->type == NODE_OBJECT && !(ln && v->kind == LOCAL_HIDDEN) &&
             server_has(fs, node))
        p = SERVER_FILE;
    else if (node->type == NODE_OBJECT || node->type == NODE_OTHER)
        p = ABSENT;
    else
        p = OTHER_THING; /* root, directories, singletons, /.cwmfs */
    local_put(fs->local, ln);
    return p;
}

/* rename(resource -> scratch): the resource is hidden here, never deleted
 * on the server; the scratch name gets its text (vim's and emacs's backup). */
static int rename_away(struct cwmfs *fs, const char *from, const char *to,
                       const struct node *from_node)
{
    struct doc doc = { 0 };
    struct local_node *copy, *hidden;
    int rc = server_doc(fs, from_node, true, &doc);

    if (rc)
        return rc;
    copy = local_create(fs->local, to, LOCAL_SCRATCH,
                        resource_mode(fs, from_node->res, &doc), fs->uid,
                        fs->gid, doc.text, doc.len, &doc.mtime);
    hidden = local_create(fs->local, from, LOCAL_HIDDEN, 0, fs->uid, fs->gid,
                          NULL, 0, NULL);
    rc = copy && hidden ? 0 : -ENOMEM;
    local_put(fs->local, copy);
    local_put(fs->local, hidden);
    doc_clear(&doc);
    return rc;
}

/* Sends a renamed file's text as the target's save (the lock held). */
static int rename_save(struct cwmfs *fs, const char *from, const char *to,
                       const struct node *to_node, const struct local_view *src,
                       bool existing)
{
    pid_t process = caller_process(fs);
    char *base = existing ? reads_base(fs->reads, process, to) : NULL;
    struct save save = { to, to_node, existing, base, src->data, src->len,
                         src->mtime.tv_sec };
    struct commit_result result;
    int rc = commit_save(&fs->committer, &save, &result);

    if (rc == 0 && !result.sent && !existing) {
        /* An empty file renamed onto a new name: a draft there, as touch. */
        rc = local_rename(fs->local, from, to);
        struct local_node *ln = rc == 0 ? local_get(fs->local, to) : NULL;
        if (ln)
            local_set_kind(fs->local, ln, LOCAL_DRAFT);
        local_put(fs->local, ln);
    } else if (rc == 0) {
        local_unlink(fs->local, from);
        local_unlink(fs->local, to); /* drafts, edits, hidden: superseded */
        show_answer(fs, process, to, &result);
        invalidator_queue(fs->invalidator, from);
    }
    commit_result_clear(&result);
    free(base);
    return rc;
}

/* rename(local file -> resource name): the commit of sed -i, jq > tmp &&
 * mv, os.replace.  The target decides PATCH (the server has it) or POST;
 * the base is what the renaming process read of the target. */
static int rename_commit(struct cwmfs *fs, const char *from, const char *to,
                         const struct node *to_node, const struct local_view *src,
                         enum presence to_presence, const struct local_view *dst)
{
    bool existing = to_presence == SERVER_FILE ||
                    (to_presence == LOCAL_FILE && dst->kind == LOCAL_EDIT) ||
                    (to_presence == ABSENT && dst->kind == LOCAL_HIDDEN);
    struct object_lock *lock;
    int rc;

    if (src->kind == LOCAL_SYMLINK)
        return -EPERM;
    lock = commit_lock(&fs->committer, to);
    rc = rename_save(fs, from, to, to_node, src, existing);
    commit_unlock(&fs->committer, lock);
    return rc;
}

/* rename(local -> scratch): only local state moves.  A resource's edit
 * leaves its name hidden (the server keeps the object). */
static int rename_local(struct cwmfs *fs, const char *from, const char *to,
                        const struct local_view *src)
{
    struct local_node *ln, *hidden = NULL;
    int rc;

    if (src->kind == LOCAL_EDIT)
        hidden = local_create(fs->local, from, LOCAL_HIDDEN, 0, fs->uid,
                              fs->gid, NULL, 0, NULL);
    if (src->kind == LOCAL_EDIT && !hidden)
        return -ENOMEM;
    if (src->kind == LOCAL_EDIT) {
        /* The hidden node replaced the edit at from (its open handles keep
         * it); the text goes on under the new name. */
        struct local_node *copy = local_create(
            fs->local, to, LOCAL_SCRATCH, src->mode, src->uid, src->gid,
            src->data, src->len, &src->mtime.tv_sec);
        rc = copy ? 0 : -ENOMEM;
        local_put(fs->local, copy);
    } else {
        rc = local_rename(fs->local, from, to);
        ln = rc == 0 ? local_get(fs->local, to) : NULL;
        if (ln && src->kind == LOCAL_DRAFT)
            local_set_kind(fs->local, ln, LOCAL_SCRATCH);
        local_put(fs->local, ln);
    }
    local_put(fs->local, hidden);
    return rc;
}

static int do_rename(struct cwmfs *fs, const char *from, const char *to,
                     unsigned int flags)
{
    struct node fnode, tnode;
    struct local_view src, dst;
    enum presence fp, tp;
    int rc;

    if (flags & ~RENAME_NOREPLACE)
        return -EINVAL; /* RENAME_EXCHANGE and anything newer */
    if ((rc = path_resolve(from, &fnode)) != 0)
        return rc;
    if ((rc = path_resolve(to, &tnode)) != 0) {
        node_clear(&fnode);
        return rc;
    }
    fp = presence_of(fs, from, &fnode, &src);
    tp = presence_of(fs, to, &tnode, &dst);
    if (fp == OTHER_THING || tp == OTHER_THING)
        rc = fnode.type == NODE_META || tnode.type == NODE_META ? -EACCES : -EPERM;
    else if (fp == ABSENT)
        rc = -ENOENT;
    else if ((flags & RENAME_NOREPLACE) && tp != ABSENT)
        rc = -EEXIST;
    else if (strcmp(from, to) == 0)
        rc = 0;
    else if (tnode.type == NODE_OBJECT)
        /* Onto a resource name: a commit; a server file moved onto another
         * would be POST + DELETE, so it is refused (never EXDEV, which mv
         * would turn into exactly that). */
        rc = fp == SERVER_FILE || src.kind == LOCAL_EDIT
                 ? -EPERM
                 : rename_commit(fs, from, to, &tnode, &src, tp, &dst);
    else if (fp == SERVER_FILE)
        rc = rename_away(fs, from, to, &fnode);
    else
        rc = rename_local(fs, from, to, &src);
    local_view_clear(&src);
    local_view_clear(&dst);
    node_clear(&fnode);
    node_clear(&tnode);
    return rc;
}

static int fs_rename(const char *from, const char *to, unsigned int flags)
{
    return do_rename(fs_ctx(), from, to, flags);
}

static int fs_symlink(const char *target, const char *linkpath)
{
    struct cwmfs *fs = fs_ctx();
    struct fuse_context *ctx = fuse_get_context();
    struct local_node *ln;
    struct node node;
    int rc = path_resolve(linkpath, &node);

    if (rc)
        return rc;
    if (node.type != NODE_OTHER) {
        node_clear(&node);
        return -EPERM; /* only scratch names: emacs's .#x lock */
    }
    ln = local_create(fs->local, linkpath, LOCAL_SYMLINK, 0777, ctx->uid,
                      ctx->gid, target, strlen(target), NULL);
    local_put(fs->local, ln);
    return ln ? 0 : -ENOMEM;
}

static int fs_readlink(const char *path, char *buf, size_t size)
{
    struct cwmfs *fs = fs_ctx();
    struct local_node *ln = local_get(fs->local, path);
    struct local_view v;
    int rc = -EINVAL;

    if (!ln)
        return -ENOENT;
    if (local_view(fs->local, ln, true, &v) == 0) {
        if (v.kind == LOCAL_SYMLINK && size > 0) {
            size_t n = v.len < size - 1 ? v.len : size - 1;
            memcpy(buf, v.data, n);
            buf[n] = '\0';
            rc = 0;
        }
        local_view_clear(&v);
    }
    local_put(fs->local, ln);
    return rc;
}

/* ---- attributes set by editors: kept for local files, accepted for the
 * rest (vim, sed and emacs fail a save when these fail) ---- */

static int set_attr(const char *path, struct fuse_file_info *fi,
                    const mode_t *mode, const uid_t *uid, const gid_t *gid,
                    const struct timespec *mtime)
{
    struct cwmfs *fs = fs_ctx();
    struct open_file *of = handle_of(fi);
    struct local_node *ln = of ? of->node : (path ? local_get(fs->local, path) : NULL);
    struct stat st;
    int rc = 0;

    if (ln) {
        local_set_attr(fs->local, ln, mode, uid, gid, mtime);
        if (!of)
            local_put(fs->local, ln);
    } else if (!of && path) {
        rc = fs_getattr(path, &st, NULL); /* it must exist */
    }
    return rc;
}

static int fs_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    return set_attr(path, fi, &mode, NULL, NULL, NULL);
}

static int fs_chown(const char *path, uid_t uid, gid_t gid,
                    struct fuse_file_info *fi)
{
    return set_attr(path, fi, NULL, &uid, &gid, NULL);
}

static int fs_utimens(const char *path, const struct timespec tv[2],
                      struct fuse_file_info *fi)
{
    struct timespec mtime;

    if (tv && tv[1].tv_nsec == UTIME_OMIT)
        return set_attr(path, fi, NULL, NULL, NULL, NULL);
    if (!tv || tv[1].tv_nsec == UTIME_NOW)
        clock_gettime(CLOCK_REALTIME, &mtime);
    else
        mtime = tv[1];
    return set_attr(path, fi, NULL, NULL, NULL, &mtime);
}

static int fs_mkdir(const char *path, mode_t mode)
{
    (void)path;
    (void)mode;
    return -EPERM; /* the tree's shape is the API's */
}

static int fs_rmdir(const char *path)
{
    struct node node;
    int rc = path_resolve(path, &node);

    node_clear(&node);
    if (rc)
        return rc;
    return node.type == NODE_DIR || node.type == NODE_ROOT ||
                   node.type == NODE_META
               ? -EPERM /* never delete a collection */
               : -ENOTDIR;
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
