/* node_singleton.c - the kind of a file that is one endpoint's answer
 * (/info, /mySecurity): read-only, always there. */
#include "node.h"

#include "handle.h"

#include <errno.h>

static int singleton_doc(struct cwmfs *fs, const struct node *n,
                         bool want_text, struct doc *doc)
{
    return store_singleton(fs->store, n->res, want_text, doc);
}

static int singleton_getattr(struct cwmfs *fs, const struct node *n,
                             struct stat *st)
{
    struct doc doc = { 0 };
    int rc = singleton_doc(fs, n, false, &doc);

    if (rc == 0)
        node_fill_file(fs, n->path, node_file_mode(fs, n->res, false),
                       doc.len, doc.mtime, st);
    return rc;
}

static int singleton_open(struct cwmfs *fs, const struct node *n,
                          struct fuse_file_info *fi)
{
    struct doc doc = { 0 };
    int rc;

    if (handle_wants_write(fi))
        return -EACCES;
    rc = singleton_doc(fs, n, true, &doc);
    if (rc)
        return rc;
    return handle_open_snapshot(fs, n->path, fi, &doc,
                                node_file_mode(fs, n->res, false));
}

const struct node_kind node_singleton = {
    .name = "singleton",
    .flags = NODE_LISTED,
    .refusal = EACCES, /* read-only in the API */
    .editor_name = node_fixed_name,
    .getattr = singleton_getattr,
    .open = singleton_open,
    .create = node_create_exists,
    .set_attr = node_accept_attr,
};
