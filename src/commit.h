/* commit.h - turning a saved file into API calls, or into a clear refusal.
 *
 * A save of an existing object becomes one PATCH holding the smallest JSON
 * Patch from the text the writer started from (the base) to the text saved,
 * after a GET that checks nobody changed the same fields meanwhile (the
 * lost-update check); with write_mode=put, one PUT of the server's current
 * object with the user's changes applied.  A new file becomes one POST.
 * Everything is validated before any request; every refusal is recorded in
 * the errlog with the text that was refused.
 *
 * What one mount cannot rule out: another client changing the same field
 * between our GET and our PATCH (one round trip) is overwritten by ours.
 * A change it made to other fields in that window is kept, and logged. */
#ifndef CWMFS_COMMIT_H
#define CWMFS_COMMIT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "errlog.h"
#include "resources.h"
#include "reads.h"
#include "store.h"

struct object_lock;
struct strmap;

struct committer {
    struct store *store;
    struct errlog *errlog;
    struct reads *reads; /* what the mount showed: for saves without a base */
    bool use_put;        /* -o write_mode=put */
    int max_deletes;     /* per minute (-o max_deletes) */
    pthread_mutex_t guard_lock;
    double *delete_times; /* ring of the last max_deletes DELETE times */
    int delete_next;
    pthread_mutex_t locks_lock;
    struct strmap *locks; /* path -> struct object_lock, while in use */
};

int committer_init(struct committer *c, struct store *store,
                   struct errlog *errlog, struct reads *reads, bool use_put,
                   int max_deletes);
void committer_destroy(struct committer *c);

/* Commits of one file are serialised: the caller holds its lock from
 * before it reads what to send until it has recorded the outcome, so a
 * second writer waits and then sees what is still unsent. */
struct object_lock *commit_lock(struct committer *c, const char *path);
void commit_unlock(struct committer *c, struct object_lock *lock);

/* What a save produced. */
struct commit_result {
    bool sent;      /* the server changed (or was found changed) */
    char *new_path; /* a created object's file path (malloc'd), else NULL */
    char *answer;   /* the server's object as the file now shows it */
    size_t answer_len;
};
void commit_result_clear(struct commit_result *r);

/* One save of a resource file. */
struct save {
    const char *path;
    const struct resource_type *res; /* the object's row */
    const char *key;                 /* and key (the file's name) */
    bool existing; /* an edit of an object the server has; else a POST */
    /* The text the writer started from (what its process read).  NULL:
     * unknown, and then the save may only set the fields it sends, and is
     * refused (ESTALE) if the server's copy changed since the mount last
     * showed that file to anyone. */
    const char *base;
    const char *text; /* NUL-terminated at len */
    size_t len;
    time_t shown_mtime; /* the mtime the writer saw, kept (see store_update) */
};

/* Sends a save (its lock held), or refuses it.  Returns 0 (sent, or
 * nothing to send) or -errno after recording why in the errlog.  A write
 * whose answer was lost is looked up on the server before answering. */
int commit_save(struct committer *c, const struct save *save,
                struct commit_result *result);

/* Does the row's action on the object named key (deactivate a member):
 * text, a JSON object, is POSTed to the action's endpoint.  0 (also for
 * an empty text: nothing asked yet) or -errno after recording why. */
int commit_action(struct committer *c, const char *path,
                  const struct resource_type *res, const char *key,
                  const char *text, size_t len);

/* Deletes the resource at path (its lock held); refuses beyond
 * max_deletes a minute. */
int commit_delete(struct committer *c, const char *path,
                  const struct resource_type *res, const char *key);

#endif
