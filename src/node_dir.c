/* node_dir.c - the kind of a directory of fixed names (the root): what the
 * template tree puts there, and the programs' own files. */
#include "node.h"

#include "mount.h"

#include <errno.h>

int node_dir_getattr(struct cwmfs *fs, const struct node *n, struct stat *st)
{
    node_fill_common(fs, n->path, st);
    st->st_mode = S_IFDIR | (0755 & ~fs->umask);
    /* find(1) trusts nlink = 2 + subdirectories. */
    st->st_nlink = 2 + (nlink_t)n->tmpl->subdirs;
    st->st_mtime = st->st_ctime = st->st_atime = fs->mounted;
    return 0;
}

int node_dir_open(struct cwmfs *fs, const struct node *n,
                  struct fuse_file_info *fi)
{
    (void)fs;
    (void)n;
    (void)fi;
    return -EISDIR;
}

int node_create_exists(struct cwmfs *fs, const struct node *n, mode_t mode,
                       struct fuse_file_info *fi)
{
    (void)fs;
    (void)n;
    (void)mode;
    (void)fi;
    return -EEXIST;
}

static int directory_list(struct cwmfs *fs, const struct node *dir,
                          struct listing *out)
{
    (void)fs;
    return listing_fill(out, dir->tmpl, NULL, 0);
}

const struct node_kind node_directory = {
    .name = "directory",
    .flags = NODE_DIR | NODE_LISTED,
    .refusal = EPERM, /* the tree's shape is the API's */
    .editor_name = node_fixed_name,
    .lookup = node_lookup_child,
    .getattr = node_dir_getattr,
    .list = directory_list,
    .open = node_dir_open,
    .create = node_create_exists,
    .set_attr = node_accept_attr,
};
