/* node_local.c - the kind of a local file: scratch files, symlinks,
 * drafts of new objects and objects being rewritten (see local.h), and
 * what creating or renaming one does (the plans come from editor.h). */
#include "node.h"

#include "keep.h"

#include "handle.h"
#include "invalidate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const enum editor_file state_of_local[] = {
    [LOCAL_SCRATCH] = EF_SCRATCH, [LOCAL_SYMLINK] = EF_SYMLINK,
    [LOCAL_DRAFT] = EF_DRAFT,     [LOCAL_EDIT] = EF_EDIT,
    [LOCAL_HIDDEN] = EF_HIDDEN,   [LOCAL_ACTION] = EF_ACTION,
    [LOCAL_KEPT] = EF_FIXED, /* node_kept's, listed here for completeness */
};

/* The local file's kind, or -errno. */
static int kind_of(struct cwmfs *fs, struct local_file *lf,
                   enum local_kind *kind)
{
    struct local_view v;
    int rc = local_view(fs->local, lf, false, &v);

    if (rc == 0)
        *kind = v.kind;
    local_view_clear(&v);
    return rc;
}

static void local_name(struct cwmfs *fs, const struct node *n,
                       struct editor_name *out)
{
    enum local_kind kind = LOCAL_SCRATCH;

    kind_of(fs, n->local, &kind);
    out->state = state_of_local[kind];
    out->resource_name = n->resource_name;
    out->action_name = n->action_name;
    out->refusal = EPERM;
}

int node_local_stat(struct cwmfs *fs, uint64_t ino, struct local_file *lf,
                    struct stat *st)
{
    struct local_view v;
    int rc = local_view(fs->local, lf, false, &v);

    if (rc)
        return rc;
    node_fill_common(fs, v.path, st);
    if (ino)
        st->st_ino = ino;
    st->st_nlink = v.linked ? 1 : 0;
    st->st_size = (off_t)v.len;
    st->st_blocks = (blkcnt_t)((v.len + 511) / 512);
    st->st_mtim = st->st_ctim = st->st_atim = v.mtime;
    if (v.kind == LOCAL_SYMLINK) {
        st->st_mode = S_IFLNK | 0777;
    } else if (v.kind == LOCAL_SCRATCH || v.kind == LOCAL_KEPT) {
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

static int local_getattr(struct cwmfs *fs, const struct node *n,
                         struct stat *st)
{
    return node_local_stat(fs, 0, n->local, st);
}

/* An object file being rewritten: a reader is shown the server's copy
 * until the writer's text is saved, never a half-written file that it
 * could, say, copy back as its own save.  The writer's bytes must not
 * reach the kernel's page cache, where the next reader would be served
 * them, so every handle on it reads past the cache. */
static int local_open(struct cwmfs *fs, const struct node *n,
                      struct fuse_file_info *fi)
{
    enum local_kind kind;
    bool writer = handle_wants_write(fi);
    int rc = kind_of(fs, n->local, &kind);
    char *base;

    if (rc)
        return rc;
    fi->direct_io = kind == LOCAL_EDIT;
    if (kind == LOCAL_EDIT && !writer) /* past the cache: see above */
        return node_object_open_snapshot(fs, n, false, fi);
    /* Another writer's text: this one's base is its own reading. */
    base = writer ? reads_base(fs->reads, mount_caller_process(fs), n->path)
                  : NULL;
    return handle_open_file(fs, n->path, fi, local_hold(fs->local, n->local),
                            base);
}

/* A file created at a resource name is an edit of the object the server
 * has (vim and emacs write anew after renaming the file away), else a new
 * object; elsewhere, scratch with exactly the mode asked for. */
int node_create_file(struct cwmfs *fs, const struct node *n, mode_t mode,
                     struct fuse_file_info *fi)
{
    struct fuse_context *ctx = fuse_get_context();
    struct editor_name name;
    enum local_kind kind;
    struct local_file *lf;
    char *base = NULL;
    int rc;

    n->kind->editor_name(fs, n, &name);
    rc = editor_plan_create(&name, n->res ? store_verbs(fs->store, n->res) : 0,
                            &kind);
    if (rc)
        return rc;
    if (kind == LOCAL_SCRATCH) {
        lf = local_create(fs->local, n->path, kind, mode & 07777, ctx->uid,
                          ctx->gid, NULL, 0, NULL);
    } else {
        if (kind == LOCAL_EDIT)
            base = reads_base(fs->reads, mount_caller_process(fs), n->path);
        lf = local_create(fs->local, n->path, kind, 0644, fs->uid, fs->gid,
                          NULL, 0, NULL);
        fi->direct_io = 1; /* a rewrite: see local_open */
    }
    if (!lf) {
        free(base);
        return -ENOMEM;
    }
    return handle_open_file(fs, n->path, fi, lf, base);
}

static int local_truncate_op(struct cwmfs *fs, const struct node *n, off_t size)
{
    return local_truncate(fs->local, n->local, size, 0, NULL);
}

static int local_unlink_op(struct cwmfs *fs, const struct node *n)
{
    enum local_kind kind;
    int rc = kind_of(fs, n->local, &kind);

    if (rc == 0 && kind == LOCAL_EDIT)
        return node_object_delete(fs, n);
    if (rc == 0)
        rc = local_unlink(fs->local, n->path); /* scratch, symlink, draft */
    if (rc == 0) {
        inode_forget(fs->inodes, n->path);
        keep_drop(fs->keep, KEEP_UNSENT, n->path);
    }
    return rc;
}

/* ---- rename ---- */

/* Sends a renamed file's text as the target's save (its commit lock is
 * held by the caller: see fs.c, fs_rename). */
static int rename_save(struct cwmfs *fs, const struct node *from,
                       const struct node *to, const struct local_view *src,
                       bool existing)
{
    pid_t process = mount_caller_process(fs);
    char *base = existing ? reads_base(fs->reads, process, to->path) : NULL;
    struct save save = { to->path, to->res,   to->key,  existing,
                         base,     src->data, src->len, src->mtime.tv_sec };
    struct commit_result result;
    int rc = commit_save(&fs->committer, &save, &result);

    if (rc == 0 && !result.sent && !existing) {
        /* An empty file renamed onto a new name: a draft there, as touch. */
        rc = local_rename(fs->local, from->path, to->path);
        struct local_file *lf = rc ? NULL : local_get(fs->local, to->path);
        if (lf)
            local_set_kind(fs->local, lf, LOCAL_DRAFT);
        local_put(fs->local, lf);
    } else if (rc == 0) {
        local_unlink(fs->local, from->path);
        local_unlink(fs->local, to->path); /* drafts, edits, hidden: gone */
        keep_drop(fs->keep, KEEP_UNSENT, from->path);
        keep_drop(fs->keep, KEEP_UNSENT, to->path);
        handle_show_answer(fs, process, to->path, &result);
        invalidator_queue(fs->invalidator, from->path);
    }
    commit_result_clear(&result);
    free(base);
    return rc;
}

/* rename(local file -> resource name): the commit of sed -i, jq > tmp &&
 * mv, os.replace.  The target decides PATCH (the server has it) or POST;
 * the base is what the renaming process read of the target. */
static int rename_commit(struct cwmfs *fs, const struct node *from,
                         const struct node *to, bool existing)
{
    struct local_view src;
    int rc = local_view(fs->local, from->local, true, &src);

    if (rc == 0)
        rc = rename_save(fs, from, to, &src, existing);
    local_view_clear(&src);
    return rc;
}

/* An edit moved to a scratch name: the text goes on under the new name
 * and the resource's name is left hidden (the server keeps the object;
 * open handles keep the edit). */
static int move_edit(struct cwmfs *fs, const struct node *from,
                     const struct node *to, const struct local_view *src)
{
    struct local_file *hidden = local_create(fs->local, from->path,
                                             LOCAL_HIDDEN, 0, fs->uid, fs->gid,
                                             NULL, 0, NULL);
    struct local_file *copy = hidden
                                  ? local_create(fs->local, to->path,
                                                 LOCAL_SCRATCH, src->mode,
                                                 src->uid, src->gid, src->data,
                                                 src->len, &src->mtime.tv_sec)
                                  : NULL;

    local_put(fs->local, hidden);
    local_put(fs->local, copy);
    return copy ? 0 : -ENOMEM;
}

/* A kept file moved with its name (keep.h). */
static void keep_moved(struct cwmfs *fs, const char *from, const char *to,
                       const struct local_view *src)
{
    keep_drop(fs->keep, KEEP_UNSENT, from);
    if ((src->kind == LOCAL_SCRATCH || src->kind == LOCAL_DRAFT) &&
        src->len > 0)
        keep_put(fs->keep, KEEP_UNSENT, to, src->data, src->len);
}

/* rename(local -> scratch name): only local state moves; a draft moved
 * off its resource name is scratch. */
static int rename_local(struct cwmfs *fs, const struct node *from,
                        const struct node *to)
{
    struct local_view src;
    struct local_file *lf;
    int rc = local_view(fs->local, from->local, true, &src);

    if (rc == 0 && src.kind == LOCAL_EDIT) {
        rc = move_edit(fs, from, to, &src);
    } else if (rc == 0) {
        rc = local_rename(fs->local, from->path, to->path);
        lf = rc ? NULL : local_get(fs->local, to->path);
        if (lf && src.kind == LOCAL_DRAFT)
            local_set_kind(fs->local, lf, LOCAL_SCRATCH);
        local_put(fs->local, lf);
        keep_moved(fs, from->path, to->path, &src);
    }
    local_view_clear(&src);
    return rc;
}

static int local_rename_op(struct cwmfs *fs, const struct node *from,
                           const struct node *to,
                           const struct editor_rename *plan)
{
    if (plan->move == MOVE_SAVE)
        return rename_commit(fs, from, to, plan->existing);
    if (plan->move == MOVE_LOCAL)
        return rename_local(fs, from, to);
    return 0;
}

static int local_readlink(struct cwmfs *fs, const struct node *n, char *buf,
                          size_t size)
{
    struct local_view v;
    int rc = local_view(fs->local, n->local, true, &v);

    if (rc == 0 && (v.kind != LOCAL_SYMLINK || size == 0))
        rc = -EINVAL;
    if (rc == 0) {
        size_t len = v.len < size - 1 ? v.len : size - 1;
        memcpy(buf, v.data, len);
        buf[len] = '\0';
    }
    local_view_clear(&v);
    return rc;
}

static int local_set_attr_op(struct cwmfs *fs, const struct node *n,
                             const struct attr_change *c)
{
    local_set_attr(fs->local, n->local, c->mode, c->uid, c->gid, c->mtime);
    return 0;
}

const struct node_kind node_local = {
    .name = "local file",
    .flags = NODE_LISTED,
    .refusal = EPERM,
    .editor_name = local_name,
    .getattr = local_getattr,
    .open = local_open,
    .create = node_create_file,
    .truncate = local_truncate_op,
    .unlink = local_unlink_op,
    .rename = local_rename_op,
    .readlink = local_readlink,
    .set_attr = local_set_attr_op,
};
