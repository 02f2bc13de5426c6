/* commit.h - turning a saved file into API calls, or into a clear refusal.
 *
 * A save of an existing object becomes one PATCH holding the smallest JSON
 * Patch from the text the user started from (the base) to the text saved,
 * after a GET that checks nobody changed the same fields meanwhile (the
 * lost-update check); with write_mode=put, one PUT of the server's current
 * object with the user's changes applied.  A new file becomes one POST.
 * Everything is validated before any request; every refusal is recorded in
 * the errlog with the text that was refused. */
#ifndef CWMFS_COMMIT_H
#define CWMFS_COMMIT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "errlog.h"
#include "paths.h"
#include "store.h"

struct committer {
    struct store *store;
    struct errlog *errlog;
    bool use_put;          /* -o write_mode=put */
    int max_deletes;       /* per minute (-o max_deletes) */
    pthread_mutex_t guard_lock;
    double *delete_times;  /* ring of the last max_deletes DELETE times */
    int delete_next;
};

int committer_init(struct committer *c, struct store *store,
                   struct errlog *errlog, bool use_put, int max_deletes);
void committer_destroy(struct committer *c);

/* What a save produced. */
struct commit_result {
    bool sent;       /* a request changed the server */
    char *new_path;  /* a created object's file path (malloc'd), else NULL */
    char *answer;    /* the server's object as the file now shows it */
    size_t answer_len;
};
void commit_result_clear(struct commit_result *r);

/* Saves text (NUL-terminated at len) as the resource at path (node resolved
 * from it).  base is the server text the edit started from; NULL makes it a
 * new object (POST).
 * Returns 0 (sent, or nothing to send) or -errno after recording why. */
/* shown_mtime: the mtime the writer saw, kept after the save (see
 * store_update). */
int commit_save(struct committer *c, const char *path, const struct node *node,
                const char *base, const char *text, size_t len,
                time_t shown_mtime, struct commit_result *result);

/* Deletes the resource at path; refuses beyond max_deletes a minute. */
int commit_delete(struct committer *c, const char *path,
                  const struct node *node);

#endif
