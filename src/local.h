/* local.h - files that live in the mount's memory, not (yet) on the server.
 *
 * Editors and tools need more than the API offers: scratch files (vim's
 * 4913 and .x.swp, emacs's #x# and .#x, sed's sedXXXXXX), a resource file
 * being rewritten between open() and its commit, a new file not yet posted,
 * and a resource renamed away (vim and emacs back up by renaming) that must
 * look absent without being deleted.  Each is a local file here, keyed by path.
 *
 * Local files are reference counted: the table holds one reference
 * while one is linked under its path, each open handle one more, so a file
 * unlinked or replaced while open keeps working for its holders.  One mutex
 * guards the table and every file's contents; nothing under it blocks. */
#ifndef CWMFS_LOCAL_H
#define CWMFS_LOCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

enum local_kind {
    LOCAL_SCRATCH, /* never sent to the API */
    LOCAL_SYMLINK, /* scratch symlink (emacs's lock); data is the target */
    LOCAL_DRAFT,   /* a new resource file, posted at its commit */
    LOCAL_EDIT,    /* a server resource being rewritten */
    LOCAL_HIDDEN, /* a resource renamed away: absent here, kept on the server */
    LOCAL_ACTION, /* <name>.json.<action>: its text is POSTed at close */
    LOCAL_KEPT,   /* a POST's answer shown only once (a token's key pair),
                     kept read-only for the mount's life: see local_keep */
};

struct local_file;
struct local;

/* What a file holds, copied out for a commit or a stat. */
struct local_view {
    enum local_kind kind;
    char *path; /* copies (view_clear frees them) */
    char *data; /* NULL unless asked for */
    size_t len;
    mode_t mode;
    uid_t uid;
    gid_t gid;
    struct timespec mtime;
    bool dirty;        /* changed since the last commit (gen > committed_gen) */
    bool linked;       /* still reachable by its path */
    unsigned long gen; /* bumped by every write and truncate */
    unsigned long last_writer;   /* who made the last change (0: no handle) */
    unsigned long committed_gen; /* the gen the last commit tried */
    int commit_rc;               /* and its outcome (0 or -errno) */
};

struct local *local_new(void);
void local_free(struct local *local);

/* The file at path with a new reference, or NULL. */
struct local_file *local_get(struct local *local, const char *path);
/* Creates a file at path (replacing and unlinking any file there) and
 * returns it with a reference for the caller.  mtime NULL means now (a copy
 * of a server file keeps that file's mtime: emacs reopens a file it just
 * saved and compares). */
struct local_file *local_create(struct local *local, const char *path,
                                enum local_kind kind, mode_t mode, uid_t uid,
                                gid_t gid, const char *data, size_t len,
                                const time_t *mtime);
/* Takes one more reference on file, for a new holder; returns file. */
struct local_file *local_hold(struct local *local, struct local_file *file);
/* Drops a reference taken by local_get, local_create or local_hold. */
void local_put(struct local *local, struct local_file *file);

/* Unlinks the file at path; -ENOENT if none. */
int local_unlink(struct local *local, const char *path);
/* Unlinks this file if it is still linked (at whatever path). */
void local_unlink_file(struct local *local, struct local_file *file);
/* Moves the file at from to to, replacing what is there. */
int local_rename(struct local *local, const char *from, const char *to);

int local_read(struct local *local, struct local_file *file, char *buf,
               size_t size, off_t off);
/* Both record writer (a handle's id, 0 for none) as the last writer and set
 * *gen (may be NULL) to the file's generation after the change. */
int local_write(struct local *local, struct local_file *file, const char *buf,
                size_t size, off_t off, unsigned long writer,
                unsigned long *gen);
int local_truncate(struct local *local, struct local_file *file, off_t size,
                   unsigned long writer, unsigned long *gen);
void local_set_attr(struct local *local, struct local_file *file,
                    const mode_t *mode, const uid_t *uid, const gid_t *gid,
                    const struct timespec *mtime);
/* Records that a commit of generation gen ended with rc (an older one
 * arriving late changes nothing). */
void local_mark_committed(struct local *local, struct local_file *file,
                          unsigned long gen, int rc);

/* Changes what a file is (a moved draft becomes scratch, and back). */
void local_set_kind(struct local *local, struct local_file *file,
                    enum local_kind kind);
/* Unlinks an EDIT (or ACTION) file held only by the caller's handle and
 * the table, so the path shows the server's file again (an action that
 * failed leaves its text in /.cwmfs/rejected).  Returns whether it did. */
bool local_drop_if_idle(struct local *local, struct local_file *file);

/* Turns a draft whose POST succeeded into the server's answer, kept at
 * path (the created object's name) read-only with mode 0600: for answers
 * the server never shows again.  0 or -ENOMEM (the draft is then left). */
int local_keep(struct local *local, struct local_file *file, const char *path,
               const char *answer, size_t len);

/* Copies the file's state; with_data also copies its bytes. */
int local_view(struct local *local, struct local_file *file, bool with_data,
               struct local_view *out);
void local_view_clear(struct local_view *view);

/* Calls fn for each file directly inside directory dir (any kind). */
void local_for_each_in(struct local *local, const char *dir,
                       void (*fn)(void *ctx, const char *name,
                                  enum local_kind kind),
                       void *ctx);

#endif
