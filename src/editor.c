/* editor.c - see editor.h. */
#include "editor.h"

#include "resources.h"

#include <errno.h>
#include <stdio.h>

bool editor_server_has(enum editor_file state)
{
    return state == EF_SERVER || state == EF_EDIT || state == EF_HIDDEN;
}

static bool is_absent(enum editor_file state)
{
    return state == EF_ABSENT || state == EF_HIDDEN;
}

/* Onto an object's name: a save, made by a local file alone. */
static int plan_save(const struct editor_name *from,
                     const struct editor_name *to, struct editor_rename *plan)
{
    if (from->state == EF_SERVER || from->state == EF_EDIT ||
        from->state == EF_SYMLINK || from->state == EF_ACTION)
        return -EPERM; /* never EXDEV, which mv turns into POST + DELETE */
    plan->move = MOVE_SAVE;
    plan->existing = editor_server_has(to->state);
    return 0;
}

int editor_plan_rename(const struct editor_name *from,
                       const struct editor_name *to, unsigned flags,
                       bool same_name, struct editor_rename *plan)
{
    plan->move = MOVE_NOTHING;
    plan->existing = false;
    if (flags & ~(unsigned)RENAME_NOREPLACE)
        return -EINVAL; /* RENAME_EXCHANGE and anything newer */
    if (from->state == EF_FIXED || to->state == EF_FIXED)
        return from->refusal == EACCES || to->refusal == EACCES ? -EACCES
                                                                : -EPERM;
    if (is_absent(from->state))
        return -ENOENT;
    if ((flags & RENAME_NOREPLACE) && !is_absent(to->state))
        return -EEXIST;
    if (same_name)
        return 0;
    if (to->resource_name)
        return plan_save(from, to, plan);
    plan->move = from->state == EF_SERVER ? MOVE_AWAY : MOVE_LOCAL;
    return 0;
}

int editor_plan_create(const struct editor_name *name, unsigned verbs,
                       enum local_kind *kind)
{
    bool existing = editor_server_has(name->state);

    *kind = name->action_name ? LOCAL_ACTION : LOCAL_SCRATCH;
    if (!name->resource_name)
        return 0;
    if (existing && !(verbs & (VERB_PATCH | VERB_PUT)))
        return -EACCES;
    if (!existing && !(verbs & VERB_POST))
        return -EACCES;
    *kind = existing ? LOCAL_EDIT : LOCAL_DRAFT;
    return 0;
}
