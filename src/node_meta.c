/* node_meta.c - the kind of cwmfs's own files under /.cwmfs (errors, and
 * texts the server or the mount refused), served by the errlog.  They are
 * read-only and grow at any time. */
#include "node.h"

#include "handle.h"

#include <errno.h>
#include <string.h>

static void meta_name(struct cwmfs *fs, const struct node *n,
                      struct editor_name *out)
{
    node_fixed_name(fs, n, out);
    out->refusal = EACCES;
}

static bool is_meta_root(const struct node *dir)
{
    return strcmp(dir->path, META_DIR) == 0;
}

/* Beside the errlog's files, the status files (node_status.c). */
static int meta_lookup(struct cwmfs *fs, const struct node *dir,
                       const char *name, struct node *child)
{
    const struct node_kind *status = is_meta_root(dir) ? node_status_kind(name)
                                                       : NULL;

    (void)fs;
    memset(child, 0, sizeof(*child));
    child->kind = status ? status : &node_meta;
    child->tmpl = dir->tmpl;
    child->path = node_child_path(dir->path, name);
    return child->path ? 0 : -ENOMEM;
}

static int meta_getattr(struct cwmfs *fs, const struct node *n, struct stat *st)
{
    int rc = errlog_getattr(fs->errlog, n->path, st);
    mode_t perm = st->st_mode & 07777;

    if (rc)
        return rc;
    st->st_mode = (st->st_mode & ~07777) | (perm & ~fs->umask);
    st->st_ino = inode_for_path(fs->inodes, n->path);
    st->st_uid = fs->uid;
    st->st_gid = fs->gid;
    return 0;
}

static void add_meta(void *ctx, const char *name, mode_t type)
{
    listing_add(ctx, name, type);
}

static int meta_list(struct cwmfs *fs, const struct node *dir,
                     struct listing *out)
{
    listing_dots(out);
    if (is_meta_root(dir))
        node_status_list(out);
    return errlog_list(fs->errlog, dir->path, add_meta, out);
}

static int meta_open(struct cwmfs *fs, const struct node *n,
                     struct fuse_file_info *fi)
{
    struct doc doc = { 0 };
    struct stat st;
    int rc;

    if (handle_wants_write(fi))
        return -EACCES;
    rc = meta_getattr(fs, n, &st);
    if (rc == 0 && S_ISDIR(st.st_mode))
        rc = -EISDIR;
    if (rc == 0)
        rc = errlog_read(fs->errlog, n->path, &doc.text, &doc.len);
    if (rc)
        return rc;
    doc.mtime = st.st_mtime;
    /* Read with direct I/O (NODE_DIRECT_IO): these files grow any time. */
    return handle_open_snapshot(fs, n->path, fi, &doc, st.st_mode & 07777);
}

const struct node_kind node_meta = {
    .name = "cwmfs file",
    .flags = NODE_DIR | NODE_LISTED | NODE_DIRECT_IO,
    .refusal = EACCES,
    .editor_name = meta_name,
    .lookup = meta_lookup,
    .getattr = meta_getattr,
    .list = meta_list,
    .open = meta_open,
    .set_attr = node_accept_attr,
};
