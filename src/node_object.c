/* node_object.c - the kind of an object's file as the server has it:
 * <key>.json in a collection.  Reading shows a snapshot; opening it for
 * writing starts an edit (a local file, committed at close); unlink
 * deletes the object. */
#include "node.h"

#include "handle.h"
#include "invalidate.h"
#include "xattr.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

static void object_name(struct cwmfs *fs, const struct node *n,
                        struct editor_name *out)
{
    (void)fs;
    (void)n;
    out->state = EF_SERVER;
    out->resource_name = true;
    out->action_name = false;
    out->refusal = EPERM;
}

static int object_doc(struct cwmfs *fs, const struct node *n, bool want_text,
                      struct doc *doc)
{
    return store_object(fs->store, n->res, n->key, want_text, doc);
}

/* Whether the server holds the object (new.json in a collection named
 * by id is a name only a file being created can have). */
static int object_exists(struct cwmfs *fs, const struct node *n)
{
    struct doc doc = { 0 };

    if (n->new_object_name)
        return -ENOENT;
    return object_doc(fs, n, false, &doc);
}

/* Fills st from doc; false when the kernel must keep none of it. */
static bool object_attr(struct cwmfs *fs, const struct node *n,
                        const struct doc *doc, struct stat *st)
{
    struct kversion v = { doc->print, doc->len, doc->mtime };

    node_fill_file(fs, n->path, node_file_mode(fs, n->res, doc->read_only),
                   doc->len, doc->mtime, st);
    return kcache_told(fs->kcache, n->path, &v);
}

/* The kernel keeps what this answers for the TTL (kcache.h), unless
 * handles reading another version through its pages are open: their reads
 * stop at the size the kernel knows, so then it must keep nothing. */
static int object_getattr(struct cwmfs *fs, const struct node *n,
                          struct stat *st)
{
    struct doc doc = { 0 };
    int rc = object_doc(fs, n, false, &doc);

    if (rc)
        return rc;
    if (!object_attr(fs, n, &doc, st))
        invalidator_now(fs->invalidator, n->path); /* keep nothing of it */
    return 0;
}

/* For a listing that hands attributes with the names: what the listing
 * itself cached, never a request. */
static int object_listed_getattr(struct cwmfs *fs, const struct node *n,
                                 struct stat *st)
{
    struct doc doc = { 0 };
    int rc = n->new_object_name
                 ? -ENOENT
                 : store_object_cached(fs->store, n->res, n->key, &doc);

    if (rc)
        return rc;
    return object_attr(fs, n, &doc, st) ? 0 : -EAGAIN;
}

/* From the copy held, fresh or not: getfattr never costs a request. */
static int object_xattrs(struct cwmfs *fs, const struct node *n,
                         struct xattrs *out)
{
    struct doc doc = { 0 };
    int rc = n->new_object_name
                 ? -ENOENT
                 : store_object_held(fs->store, n->res, n->key, &doc);

    if (rc == -EAGAIN)
        return 0; /* nothing held: none to show */
    if (rc == 0)
        rc = xattrs_of_object(out, doc.text, doc.len, fs->api_base,
                              n->res->endpoint, doc.fetched);
    doc_clear(&doc);
    return rc;
}

static bool can_update(struct cwmfs *fs, const struct resource_type *res)
{
    return (store_verbs(fs->store, res) & (VERB_PATCH | VERB_PUT)) != 0;
}

/* A reader's view, fixed at open, and noted as its process's base for a
 * later save.  That note is only true if the process reads these bytes:
 * the kernel's page cache is shared by all handles on the file, so the
 * handle reads through it only while the pages hold this very text, and
 * bypasses it while another version is being read (kcache.h). */
int node_object_open_snapshot(struct cwmfs *fs, const struct node *n,
                              bool cached, struct fuse_file_info *fi)
{
    pid_t process = mount_caller_process(fs);
    struct doc doc = { 0 };
    int rc = store_object_shared(fs->store, n->res, n->key, &doc);

    if (rc)
        return rc;
    /* The base and the handle share the cache's text: no copy per open. */
    reads_note_held(fs->reads, process, n->path, doc.text, doc.len, doc.print,
                    doc_owner_hold(&doc), doc_owner_release);
    if (!cached) {
        fi->direct_io = 1;
        return handle_open_snapshot(fs, n->path, fi, &doc,
                                    node_file_mode(fs, n->res, doc.read_only));
    }
    return handle_open_cached_snapshot(
        fs, n->path, fi, &doc, node_file_mode(fs, n->res, doc.read_only));
}

/* An edit: a local file holding the server's text (none with O_TRUNC).
 * Its base is what it reads (the server's text), or with O_TRUNC, which
 * reads nothing, what its process read before.  Returns the file with a
 * reference, or NULL with *rc set. */
static struct local_file *start_edit(struct cwmfs *fs, const struct node *n,
                                     bool trunc, char **base, int *rc)
{
    pid_t process = mount_caller_process(fs);
    struct doc doc = { 0 };
    struct local_file *lf = NULL;

    *base = NULL;
    *rc = can_update(fs, n->res) ? object_doc(fs, n, true, &doc) : -EACCES;
    if (*rc == 0 && doc.read_only)
        *rc = -EACCES;
    if (*rc == 0 && trunc) {
        *base = reads_base(fs->reads, process, n->path);
    } else if (*rc == 0) {
        reads_note(fs->reads, process, n->path, doc.text, doc.len);
        *base = strndup(doc.text, doc.len);
    }
    if (*rc == 0)
        lf = local_create(fs->local, n->path, LOCAL_EDIT, 0644, fs->uid,
                          fs->gid, doc.text, trunc ? 0 : doc.len,
                          trunc ? NULL : &doc.mtime);
    if (*rc == 0 && (!lf || (!trunc && !*base))) {
        local_put(fs->local, lf);
        lf = NULL;
        free(*base);
        *base = NULL;
        *rc = -ENOMEM;
    }
    doc_clear(&doc);
    return lf;
}

static int object_open(struct cwmfs *fs, const struct node *n,
                       struct fuse_file_info *fi)
{
    struct local_file *lf;
    char *base;
    int rc;

    if (!handle_wants_write(fi))
        return node_object_open_snapshot(fs, n, true, fi);
    lf = start_edit(fs, n, fi->flags & O_TRUNC, &base, &rc);
    if (!lf)
        return rc;
    fi->direct_io = 1; /* see node_local.c: local_open */
    return handle_open_file(fs, n->path, fi, lf, base);
}

/* truncate(1) of a file nobody holds open: a whole edit, committed at
 * once. */
static int object_truncate(struct cwmfs *fs, const struct node *n, off_t size)
{
    struct local_file *lf;
    struct handle *h;
    char *base;
    int rc;

    lf = start_edit(fs, n, false, &base, &rc);
    if (!lf)
        return rc;
    h = handle_new_file(fs, n->path, true, lf, base);
    if (!h)
        return -ENOMEM;
    rc = local_truncate(fs->local, h->file, size, h->id, &h->wrote_gen);
    if (rc == 0)
        rc = handle_commit(fs, h);
    handle_close(fs, h);
    return rc;
}

int node_object_delete(struct cwmfs *fs, const struct node *n)
{
    struct object_lock *lock = commit_lock(&fs->committer, n->path);
    int rc = commit_delete(&fs->committer, n->path, n->res, n->key);

    commit_unlock(&fs->committer, lock);
    if (rc)
        return rc;
    local_unlink(fs->local, n->path); /* an edit of it, if any */
    inode_forget(fs->inodes, n->path);
    invalidator_queue(fs->invalidator, n->path);
    return 0;
}

/* rename(resource -> scratch): the resource is hidden here, never deleted
 * on the server; the scratch name gets its text (vim's and emacs's
 * backup). */
static int object_rename(struct cwmfs *fs, const struct node *from,
                         const struct node *to,
                         const struct editor_rename *plan)
{
    struct doc doc = { 0 };
    struct local_file *copy, *hidden;
    int rc;

    if (plan->move != MOVE_AWAY)
        return 0;
    rc = object_doc(fs, from, true, &doc);
    if (rc)
        return rc;
    copy = local_create(fs->local, to->path, LOCAL_SCRATCH,
                        node_file_mode(fs, from->res, doc.read_only), fs->uid,
                        fs->gid, doc.text, doc.len, &doc.mtime);
    hidden = local_create(fs->local, from->path, LOCAL_HIDDEN, 0, fs->uid,
                          fs->gid, NULL, 0, NULL);
    rc = copy && hidden ? 0 : -ENOMEM;
    local_put(fs->local, copy);
    local_put(fs->local, hidden);
    doc_clear(&doc);
    return rc;
}

const struct node_kind node_object = {
    .name = "object",
    .flags = NODE_LISTED | NODE_KERNEL_CACHED,
    .refusal = EPERM,
    .editor_name = object_name,
    .exists = object_exists,
    .getattr = object_getattr,
    .listed_getattr = object_listed_getattr,
    .open = object_open,
    .create = node_create_file,
    .truncate = object_truncate,
    .unlink = node_object_delete,
    .rename = object_rename,
    .set_attr = node_accept_attr,
    .xattrs = object_xattrs,
};
