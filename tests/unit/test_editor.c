/* test_editor.c - unit tests for editor.c: every create and rename an
 * editor or tool makes, decided from the names' states alone. */
#include <errno.h>
#include <stdio.h>

#include "editor.h"
#include "resources.h"
#include "unit.h"

#define CRUD (VERB_GET | VERB_POST | VERB_PUT | VERB_PATCH | VERB_DELETE)

static const struct editor_name absent = { EF_ABSENT, false, EPERM, false };
static const struct editor_name absent_object = { EF_ABSENT, true, EPERM,
                                                  false };
static const struct editor_name hidden_object = { EF_HIDDEN, true, EPERM,
                                                  false };
static const struct editor_name server = { EF_SERVER, true, EPERM, false };
static const struct editor_name scratch = { EF_SCRATCH, false, EPERM, false };
static const struct editor_name symlink_ = { EF_SYMLINK, false, EPERM, false };
static const struct editor_name draft = { EF_DRAFT, true, EPERM, false };
static const struct editor_name edit = { EF_EDIT, true, EPERM, false };
static const struct editor_name dir = { EF_FIXED, false, EPERM, false };
static const struct editor_name meta = { EF_FIXED, false, EACCES, false };

static int plan(const struct editor_name *from, const struct editor_name *to,
                unsigned flags, struct editor_rename *out)
{
    return editor_plan_rename(from, to, flags, false, out);
}

/* sed -i, jq > tmp && mv, os.replace: a scratch file onto an object. */
static void test_scratch_onto_object_is_a_save(void)
{
    struct editor_rename p;

    CHECK_INT_EQ(plan(&scratch, &server, 0, &p), 0);
    CHECK_INT_EQ(p.move, MOVE_SAVE);
    CHECK(p.existing);
    /* Onto a name vim renamed away: still an update, never a POST. */
    CHECK_INT_EQ(plan(&scratch, &hidden_object, 0, &p), 0);
    CHECK_INT_EQ(p.move, MOVE_SAVE);
    CHECK(p.existing);
    CHECK_INT_EQ(plan(&scratch, &edit, 0, &p), 0);
    CHECK(p.existing);
    /* Onto a new name, or a draft there: a POST. */
    CHECK_INT_EQ(plan(&scratch, &absent_object, 0, &p), 0);
    CHECK_INT_EQ(p.move, MOVE_SAVE);
    CHECK(!p.existing);
    CHECK_INT_EQ(plan(&draft, &absent_object, 0, &p), 0);
    CHECK(!p.existing);
    CHECK_INT_EQ(plan(&scratch, &draft, 0, &p), 0);
    CHECK(!p.existing);
}

/* A server file is never moved onto another object (POST + DELETE). */
static void test_objects_never_move_onto_objects(void)
{
    struct editor_rename p;

    CHECK_INT_EQ(plan(&server, &absent_object, 0, &p), -EPERM);
    CHECK_INT_EQ(plan(&server, &server, 0, &p), -EPERM);
    CHECK_INT_EQ(plan(&edit, &absent_object, 0, &p), -EPERM);
    CHECK_INT_EQ(plan(&symlink_, &server, 0, &p), -EPERM);
}

/* vim's and emacs's backups: an object renamed to a scratch name. */
static void test_object_to_scratch_is_moved_away(void)
{
    struct editor_rename p;

    CHECK_INT_EQ(plan(&server, &absent, 0, &p), 0);
    CHECK_INT_EQ(p.move, MOVE_AWAY);
    CHECK_INT_EQ(plan(&edit, &absent, 0, &p), 0);
    CHECK_INT_EQ(p.move, MOVE_LOCAL);
    CHECK_INT_EQ(plan(&draft, &scratch, 0, &p), 0);
    CHECK_INT_EQ(p.move, MOVE_LOCAL);
    CHECK_INT_EQ(plan(&symlink_, &absent, 0, &p), 0);
    CHECK_INT_EQ(p.move, MOVE_LOCAL);
}

static void test_refusals(void)
{
    struct editor_rename p;

    CHECK_INT_EQ(plan(&dir, &absent, 0, &p), -EPERM);
    CHECK_INT_EQ(plan(&scratch, &dir, 0, &p), -EPERM);
    CHECK_INT_EQ(plan(&scratch, &meta, 0, &p), -EACCES);
    CHECK_INT_EQ(plan(&meta, &dir, 0, &p), -EACCES);
    CHECK_INT_EQ(plan(&absent, &scratch, 0, &p), -ENOENT);
    CHECK_INT_EQ(plan(&hidden_object, &absent, 0, &p), -ENOENT);
    CHECK_INT_EQ(plan(&scratch, &server, RENAME_NOREPLACE, &p), -EEXIST);
    CHECK_INT_EQ(plan(&scratch, &hidden_object, RENAME_NOREPLACE, &p), 0);
    CHECK_INT_EQ(plan(&scratch, &absent, RENAME_EXCHANGE, &p), -EINVAL);
    CHECK_INT_EQ(editor_plan_rename(&server, &server, 0, true, &p), 0);
    CHECK_INT_EQ(p.move, MOVE_NOTHING);
}

static void test_create(void)
{
    static const struct editor_name action = { EF_ABSENT, false, EPERM, true };
    static const struct editor_name acting = { EF_ACTION, false, EPERM, true };
    struct editor_rename p;
    enum local_kind kind;

    /* jdoe.json.deactivate: an action, whatever the verbs. */
    CHECK_INT_EQ(editor_plan_create(&action, VERB_GET, &kind), 0);
    CHECK_INT_EQ(kind, LOCAL_ACTION);
    CHECK_INT_EQ(plan(&acting, &server, 0, &p), -EPERM);

    CHECK_INT_EQ(editor_plan_create(&absent, 0, &kind), 0);
    CHECK_INT_EQ(kind, LOCAL_SCRATCH);
    CHECK_INT_EQ(editor_plan_create(&absent_object, CRUD, &kind), 0);
    CHECK_INT_EQ(kind, LOCAL_DRAFT);
    /* vim writes anew after renaming the object away: an edit. */
    CHECK_INT_EQ(editor_plan_create(&hidden_object, CRUD, &kind), 0);
    CHECK_INT_EQ(kind, LOCAL_EDIT);
    CHECK_INT_EQ(editor_plan_create(&server, CRUD, &kind), 0);
    CHECK_INT_EQ(kind, LOCAL_EDIT);
    CHECK_INT_EQ(editor_plan_create(&draft, CRUD, &kind), 0);
    CHECK_INT_EQ(kind, LOCAL_DRAFT);
    /* What the API does not permit is refused up front. */
    CHECK_INT_EQ(editor_plan_create(&absent_object, VERB_GET, &kind), -EACCES);
    CHECK_INT_EQ(
        editor_plan_create(&hidden_object, VERB_GET | VERB_POST, &kind),
        -EACCES);
    CHECK_INT_EQ(
        editor_plan_create(&absent_object, VERB_GET | VERB_PATCH, &kind),
        -EACCES);
}

int main(void)
{
    test_scratch_onto_object_is_a_save();
    test_objects_never_move_onto_objects();
    test_object_to_scratch_is_moved_away();
    test_refusals();
    test_create();
    return unit_report();
}
