/* editor.h - the editor state machine: what a create or a rename means.
 *
 * Editors and tools save in their own ways (vim renames the file away and
 * writes anew, sed -i renames a temporary file over it, emacs copies it to
 * a backup first).  Each step arrives as a create, a rename or an unlink of
 * a name, and what it means depends only on what the names hold: these
 * functions decide it from those states alone, so every path through the
 * matrix is unit-tested without a mount.  The node kinds carry out the
 * plans. */
#ifndef CWMFS_EDITOR_H
#define CWMFS_EDITOR_H

#include <stdbool.h>

#include "local.h"

/* What a name holds, as far as saving is concerned. */
enum editor_file {
    EF_FIXED,   /* part of the tree: a directory, a singleton, /.cwmfs */
    EF_ABSENT,  /* nothing */
    EF_HIDDEN,  /* nothing here, but the server keeps the object (renamed
                   away by an editor's backup) */
    EF_SERVER,  /* an object as the server has it */
    EF_SCRATCH, /* a program's own file, never sent */
    EF_SYMLINK, /* a scratch symlink */
    EF_DRAFT,   /* a new object's file, not posted yet */
    EF_EDIT,    /* an object's file being rewritten */
    EF_ACTION,  /* an action on an object being written */
};

struct editor_name {
    enum editor_file state;
    bool resource_name; /* the name is an object's (<key>.json) */
    int refusal;        /* EF_FIXED: the errno for changing it */
    bool action_name;   /* the name is an action's (<key>.json.<action>) */
};

enum editor_move {
    MOVE_NOTHING, /* a name onto itself */
    MOVE_SAVE,    /* the source's text is the target object's save */
    MOVE_AWAY,    /* a server file to a scratch name: hidden, copied */
    MOVE_LOCAL,   /* only local state moves */
};

struct editor_rename {
    enum editor_move move;
    bool existing; /* MOVE_SAVE: an update of an object the server has */
};

/* rename(from, to) with RENAME_* flags.  0 with a plan, or -errno: a
 * server file is never moved onto another name (that would be a POST and
 * a DELETE), nor is the tree's shape changed. */
int editor_plan_rename(const struct editor_name *from,
                       const struct editor_name *to, unsigned flags,
                       bool same_name, struct editor_rename *plan);

/* A file created at a name in a row permitting `verbs`: what it becomes
 * (an edit of an object the server has, a draft of a new one, an action,
 * scratch), or -EACCES when the API permits neither. */
int editor_plan_create(const struct editor_name *name, unsigned verbs,
                       enum local_kind *kind);

/* Whether a name holds an object the server has (possibly being
 * rewritten, or hidden by a backup rename). */
bool editor_server_has(enum editor_file state);

#endif
