/* node_vacant.c - the kind of a name that holds nothing (yet): a program
 * may create a file or a symlink there, or rename one onto it.  A name an
 * editor renamed a server object away from is vacant too, but remembers
 * that the server keeps the object, so what is written there next is an
 * edit of it. */
#include "node.h"

#include <errno.h>
#include <string.h>

static void vacant_name(struct cwmfs *fs, const struct node *n,
                        struct editor_name *out)
{
    (void)fs;
    out->state = n->hidden ? EF_HIDDEN : EF_ABSENT;
    out->resource_name = n->resource_name;
    out->action_name = n->action_name;
    out->refusal = EPERM;
}

/* Only scratch names take a symlink (emacs's .#x lock). */
static int vacant_symlink(struct cwmfs *fs, const struct node *n,
                          const char *target)
{
    struct fuse_context *ctx = fuse_get_context();
    struct local_file *lf;

    if (n->resource_name)
        return -EPERM;
    lf = local_create(fs->local, n->path, LOCAL_SYMLINK, 0777, ctx->uid,
                      ctx->gid, target, strlen(target), NULL);
    local_put(fs->local, lf);
    return lf ? 0 : -ENOMEM;
}

const struct node_kind node_vacant = {
    .name = "vacant name",
    .flags = 0, /* nothing to list */
    .refusal = ENOENT,
    .editor_name = vacant_name,
    .create = node_create_file,
    .symlink = vacant_symlink,
};
