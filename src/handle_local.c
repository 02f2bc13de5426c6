/* handle_local.c - handles on local files, and the commits their closes
 * make (see handle.h).
 *
 * A resource file's text is sent when the handle that wrote it last is
 * flushed (close, fsync).  Each writer is told what became of its own text,
 * on every later flush too, until it writes again: an error is never handed
 * to another writer, nor forgotten after one report.  A writer whose text
 * another writer overwrote before it was sent is told EBUSY. */
#include "handle.h"

#include "keep.h"

#include "invalidate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int file_read(struct cwmfs *fs, struct handle *h, char *buf, size_t size,
                     off_t off)
{
    return local_read(fs->local, h->file, buf, size, off);
}

static int file_write(struct cwmfs *fs, struct handle *h, const char *buf,
                      size_t size, off_t off)
{
    return local_write(fs->local, h->file, buf, size, off, h->id,
                       &h->wrote_gen);
}

/* A save settled: stat right after close(2) must show the server's answer,
 * so the kernel drops the file now (see invalidate.h for why that is safe
 * here), and again after a rename that settled it has moved another inode
 * to the name. */
static void forget_now_and_after(struct cwmfs *fs, const char *path)
{
    invalidator_now(fs->invalidator, path);
    invalidator_queue(fs->invalidator, path);
}

void handle_show_answer(struct cwmfs *fs, pid_t writer, const char *path,
                        const struct commit_result *r)
{
    const char *shown = r->new_path ? r->new_path : path;

    if (r->answer)
        reads_note(fs->reads, writer, shown, r->answer, r->answer_len);
    forget_now_and_after(fs, path);
    if (r->new_path)
        forget_now_and_after(fs, r->new_path);
}

/* Sends the file's text as of now (its commit lock held). */
static int send_file(struct cwmfs *fs, struct handle *h,
                     const struct local_view *v)
{
    struct commit_result result;
    struct node n;
    int rc = node_resolve(fs, v->path, &n);

    if (rc == 0 && !n.resource_name)
        rc = -EIO; /* cannot happen: only resource names hold these kinds */
    if (rc == 0) {
        struct save save = { v->path, n.res,   n.key,  v->kind == LOCAL_EDIT,
                             h->base, v->data, v->len, v->mtime.tv_sec };
        rc = commit_save(&fs->committer, &save, &result);
        local_mark_committed(fs->local, h->file, v->gen, rc);
        if (rc == 0 && result.sent && n.res->keep_answer && result.answer) {
            /* shown once: the file becomes the answer (no base kept) */
            rc = local_keep(fs->local, h->file,
                            result.new_path ? result.new_path : v->path,
                            result.answer, result.answer_len);
            forget_now_and_after(fs, v->path);
            if (result.new_path)
                forget_now_and_after(fs, result.new_path);
        } else if (rc == 0 && result.sent) {
            local_unlink_file(fs->local, h->file);
            handle_show_answer(fs, h->process, v->path, &result);
            if (result.answer) { /* this handle's next save starts here */
                free(h->base);
                h->base = strndup(result.answer, result.answer_len);
            }
        }
        commit_result_clear(&result);
    }
    node_clear(&n);
    return rc;
}

/* An action file's text, done (its commit lock held): the file goes,
 * and the object's file shows what the action changed. */
static int send_action(struct cwmfs *fs, struct handle *h,
                       const struct local_view *v)
{
    struct node n;
    char *object = NULL;
    int rc = node_resolve(fs, v->path, &n);

    if (rc == 0 && !n.action_name)
        rc = -EIO; /* cannot happen: only action names hold these */
    if (rc == 0)
        rc = commit_action(&fs->committer, v->path, n.res, n.key, v->data,
                           v->len);
    local_mark_committed(fs->local, h->file, v->gen, rc);
    if (rc == 0 && v->len) {
        local_unlink_file(fs->local, h->file);
        object = strndup(v->path, strlen(v->path) - strlen(n.res->action) - 1);
        forget_now_and_after(fs, v->path);
        forget_now_and_after(fs, object);
    }
    free(object);
    node_clear(&n);
    return rc;
}

/* A file not sent (scratch, or a draft not posted) is kept on disk as
 * flushed, so that a crash loses none of it (keep.h); a file sent, or
 * gone, is not. */
static void keep_if_unsent(struct cwmfs *fs, struct local_file *file,
                           const char *path)
{
    struct local_view v;
    bool unsent;

    if (!fs->keep || local_view(fs->local, file, false, &v) != 0)
        return;
    unsent = v.linked && v.len > 0 &&
             (v.kind == LOCAL_SCRATCH || v.kind == LOCAL_DRAFT);
    local_view_clear(&v);
    /* Only an unsent file's bytes are copied: a save of an edit costs
     * one unlink of a name that is not there. */
    if (unsent && local_view(fs->local, file, true, &v) == 0) {
        keep_put(fs->keep, KEEP_UNSENT, v.path, v.data, v.len);
        local_view_clear(&v);
    } else if (!unsent) {
        keep_drop(fs->keep, KEEP_UNSENT, path);
    }
}

/* Settles what this handle wrote: sends the file's text if this handle
 * wrote it last, and remembers the outcome for later flushes. */
int handle_commit(struct cwmfs *fs, struct handle *h)
{
    struct object_lock *lock;
    struct local_view v;
    int rc;

    if (h->outcome_gen >= h->wrote_gen)
        return h->outcome;
    rc = local_view(fs->local, h->file, false, &v);
    if (rc)
        return rc;
    /* Serialised per file: a second writer's flush waits for ours, then
     * finds nothing left to send. */
    lock = commit_lock(&fs->committer, v.path);
    local_view_clear(&v);
    rc = local_view(fs->local, h->file, true, &v);
    if (rc == 0 && v.last_writer != h->id) {
        errlog_record(fs->errlog, v.path, -EBUSY,
                      "another writer replaced this text before it was saved",
                      NULL, 0);
        rc = -EBUSY;
    } else if (rc == 0 && (v.kind == LOCAL_EDIT || v.kind == LOCAL_DRAFT)) {
        rc = v.gen > v.committed_gen ? send_file(fs, h, &v) : v.commit_rc;
    } else if (rc == 0 && v.kind == LOCAL_ACTION) {
        rc = v.gen > v.committed_gen ? send_action(fs, h, &v) : v.commit_rc;
    }
    if (rc != -ENOMEM) {
        h->outcome_gen = h->wrote_gen;
        h->outcome = rc;
    }
    keep_if_unsent(fs, h->file, v.path);
    commit_unlock(&fs->committer, lock);
    local_view_clear(&v);
    return rc;
}

/* A handle that only emptied the file (open with O_TRUNC, nothing written
 * yet) is not a save: bash closes such a duplicate before it writes
 * through the other.  Still the emptied text is no object: say so quietly
 * to the close, and in the errlog only if it is left that way. */
static int emptied_outcome(struct cwmfs *fs, struct handle *h, bool last)
{
    struct local_view v;
    int rc = local_view(fs->local, h->file, false, &v);
    bool empty = rc == 0 && v.kind == LOCAL_EDIT && v.len == 0 && v.dirty;

    if (empty && last) {
        errlog_record(fs->errlog, v.path, -EINVAL,
                      "the file was emptied and closed; an object cannot be "
                      "emptied (rm deletes it), the server's copy is unchanged",
                      "", 0);
        local_mark_committed(fs->local, h->file, v.gen, -EINVAL);
    }
    local_view_clear(&v);
    if (rc)
        return rc;
    return empty ? -EINVAL : 0;
}

static int file_flush(struct cwmfs *fs, struct handle *h)
{
    if (!h->writer)
        return 0; /* a reader's close must not send half a writer's file */
    if (h->wrote_gen)
        return handle_commit(fs, h);
    return h->emptied ? emptied_outcome(fs, h, false) : 0;
}

/* The end of a handle: the last writer gone, the path shows the server's
 * file again (a refused text is kept in /.cwmfs/rejected). */
static void file_release(struct cwmfs *fs, struct handle *h)
{
    struct local_view v;

    if (h->writer && h->wrote_gen)
        handle_commit(fs, h); /* settled already unless flush was missed */
    else if (h->writer && h->emptied)
        emptied_outcome(fs, h, true);
    if (local_view(fs->local, h->file, false, &v) == 0) {
        if (local_drop_if_idle(fs->local, h->file))
            invalidator_queue(fs->invalidator, v.path);
        local_view_clear(&v);
    }
}

/* ftruncate: to nothing before any write is emptying (see
 * emptied_outcome); any other size is a write. */
static int file_truncate(struct cwmfs *fs, struct handle *h, off_t size)
{
    unsigned long gen;
    int rc = local_truncate(fs->local, h->file, size, h->id, &gen);

    if (rc == 0 && size == 0 && !h->wrote_gen)
        h->emptied = true;
    else if (rc == 0)
        h->wrote_gen = gen;
    return rc;
}

static int file_getattr(struct cwmfs *fs, struct handle *h, struct stat *st)
{
    return node_local_stat(fs, h->ino, h->file, st);
}

static int file_set_attr(struct cwmfs *fs, struct handle *h,
                         const struct attr_change *c)
{
    local_set_attr(fs->local, h->file, c->mode, c->uid, c->gid, c->mtime);
    return 0;
}

const struct handle_ops local_handle_ops = {
    .read = file_read,
    .write = file_write,
    .flush = file_flush,
    .release = file_release,
    .truncate = file_truncate,
    .getattr = file_getattr,
    .set_attr = file_set_attr,
};
