/* node_kept.c - the kind of a kept answer: a file created through the
 * mount whose server answer is shown only once (a member token's key
 * pair), kept in memory, read-only, for the mount's life (local_keep).
 *
 * rm deletes the object where the server can (the answer names its id and
 * DELETE is allowed) and otherwise is refused: such a server offers no
 * way to take one back. */
#include "node.h"

#include "errlog.h"
#include "handle.h"
#include "render.h"

#include <errno.h>
#include <stdlib.h>

static int kept_getattr(struct cwmfs *fs, const struct node *n, struct stat *st)
{
    return node_local_stat(fs, 0, n->local, st);
}

static int kept_open(struct cwmfs *fs, const struct node *n,
                     struct fuse_file_info *fi)
{
    if (handle_wants_write(fi))
        return -EACCES;
    return handle_open_file(fs, n->path, fi, local_hold(fs->local, n->local),
                            NULL);
}

/* The id the kept answer names, or NULL (malloc'd). */
static char *kept_id(struct cwmfs *fs, const struct node *n)
{
    struct local_view v;
    cJSON *answer;
    char *id;

    if (local_view(fs->local, n->local, true, &v) != 0)
        return NULL;
    answer = render_parse(v.data, v.len);
    id = answer ? store_object_id(answer) : NULL;
    cJSON_Delete(answer);
    local_view_clear(&v);
    return id;
}

static int kept_unlink(struct cwmfs *fs, const struct node *n)
{
    char *id = kept_id(fs, n);
    bool deletable = id && n->key &&
                     (store_verbs(fs->store, n->res) & VERB_DELETE);

    free(id);
    if (deletable)
        return node_object_delete(fs, n); /* and the kept text with it */
    errlog_record(fs->errlog, n->path, -EPERM,
                  "this server cannot delete these (it named no id, or "
                  "allows no DELETE); they expire on their own, and the "
                  "file stays until unmount",
                  NULL, 0);
    return -EPERM;
}

const struct node_kind node_kept = {
    .name = "kept answer",
    .flags = NODE_LISTED,
    .refusal = EACCES,
    .editor_name = node_fixed_name,
    .getattr = kept_getattr,
    .open = kept_open,
    .create = node_create_exists,
    .unlink = kept_unlink,
    .set_attr = node_accept_attr,
};
