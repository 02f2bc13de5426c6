/* test_commit.c - unit tests for commit.c against an in-memory server:
 * what each save sends, and what it refuses without sending anything. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "allowed.h"
#include "commit.h"
#include "fake_api.h"
#include "log.h"
#include "render.h"
#include "unit.h"

static const char *const server_json =
    "{\"members\": ["
    "  {\"id\": 1, \"identifier\": \"admin\", \"title\": \"Boss\","
    "   \"notes\": \"n\"}],"
    " \"callbacks\": [{\"id\": 7, \"url\": \"https://x.example/\"},"
    "                 {\"id\": 8, \"url\": \"https://y.example/\"}]}";

#define ADMIN "/members/admin.json"

struct fixture {
    struct fake_api server;
    struct api_port port;
    struct store *store;
    struct errlog *errlog;
    struct reads *reads;
    struct committer c;
    char *shown; /* admin.json as the mount shows it */
};

static void setup(struct fixture *fx, bool use_put, int max_deletes)
{
    struct doc doc = { 0 };

    fake_api_init(&fx->server, &fx->port, server_json);
    fx->store = store_new(&fx->port, 60);
    fx->errlog = errlog_new();
    fx->reads = reads_new();
    committer_init(&fx->c, fx->store, fx->errlog, fx->reads, use_put,
                   max_deletes);
    store_object(fx->store, resource_at("/members"), "admin", true, &doc);
    fx->shown = doc.text;
    fake_api_reset_log(&fx->server);
}

static void teardown(struct fixture *fx)
{
    committer_destroy(&fx->c);
    reads_free(fx->reads);
    errlog_free(fx->errlog);
    store_free(fx->store);
    fake_api_clear(&fx->server);
    free(fx->shown);
}

/* The shown text with one field's value replaced. */
static char *with(const char *text, const char *field, const char *value)
{
    cJSON *obj = cJSON_Parse(text);
    char *out;

    cJSON_ReplaceItemInObjectCaseSensitive(obj, field,
                                           cJSON_CreateString(value));
    out = render_json(obj, NULL);
    cJSON_Delete(obj);
    return out;
}

static int save(struct fixture *fx, const char *key, bool existing,
                const char *base, const char *text,
                struct commit_result *result)
{
    char path[128];
    const char *dir = strcmp(key, "7") == 0 || strcmp(key, "new") == 0
                          ? "/callbacks"
                          : "/members";
    struct save s = { path, resource_at(dir), key, existing, base,
                      text, strlen(text),     0 };

    snprintf(path, sizeof(path), "%s/%s.json", dir, key);
    return commit_save(&fx->c, &s, result);
}

static bool errors_say(struct fixture *fx, const char *words)
{
    char *text = NULL;
    size_t len;
    bool found = errlog_read(fx->errlog, "/.cwmfs/errors", &text, &len) == 0 &&
                 strstr(text, words) != NULL;

    free(text);
    return found;
}

/* One check, one PATCH holding only the changed field. */
static void test_an_edit_sends_the_smallest_patch(void)
{
    struct fixture fx;
    struct commit_result r;
    char *mine;

    setup(&fx, false, 10);
    mine = with(fx.shown, "title", "Chief");
    CHECK_INT_EQ(save(&fx, "admin", true, fx.shown, mine, &r), 0);
    CHECK(r.sent);
    CHECK_INT_EQ(fx.server.requests, 2);
    CHECK_STR_EQ(fx.server.log[0], "GET members/1");
    CHECK_STR_EQ(fx.server.log[1], "PATCH members/1");
    CHECK_STR_EQ(
        fx.server.last_body,
        "[{\"op\":\"replace\",\"path\":\"title\",\"value\":\"Chief\"}]");
    CHECK(r.answer && strstr(r.answer, "\"Chief\""));
    commit_result_clear(&r);
    /* The same text again: nothing to send, nothing asked. */
    fake_api_reset_log(&fx.server);
    CHECK_INT_EQ(save(&fx, "admin", true, mine, mine, &r), 0);
    CHECK(!r.sent);
    CHECK_INT_EQ(fx.server.requests, 0);
    free(mine);
    teardown(&fx);
}

/* write_mode=put: the server's object with the user's change. */
/* A changed reference is sent as {"id": N} alone. */
static void test_a_changed_reference_is_sent_by_id(void)
{
    struct fixture fx;
    struct commit_result r;
    cJSON *obj;
    char *mine;

    setup(&fx, false, 10);
    obj = cJSON_Parse(fx.shown);
    cJSON_AddItemToObject(obj, "defaultDepartment",
                          cJSON_Parse("{\"id\": 4, \"name\": \"Ops\","
                                      " \"_info\": {}}"));
    mine = render_json(obj, NULL);
    CHECK_INT_EQ(save(&fx, "admin", true, fx.shown, mine, &r), 0);
    CHECK_STR_EQ(fx.server.last_body,
                 "[{\"op\":\"add\",\"path\":\"defaultDepartment\","
                 "\"value\":{\"id\":4}}]");
    commit_result_clear(&r);
    cJSON_Delete(obj);
    free(mine);
    teardown(&fx);
}

static void test_put_sends_the_merged_object(void)
{
    struct fixture fx;
    struct commit_result r;
    char *mine;

    setup(&fx, true, 10);
    mine = with(fx.shown, "title", "Chief");
    CHECK_INT_EQ(save(&fx, "admin", true, fx.shown, mine, &r), 0);
    CHECK_STR_EQ(fx.server.log[1], "PUT members/1");
    CHECK(strstr(fx.server.last_body, "\"notes\":\"n\"") != NULL);
    CHECK(strstr(fx.server.last_body, "\"title\":\"Chief\"") != NULL);
    commit_result_clear(&r);
    free(mine);
    teardown(&fx);
}

/* A teammate changed the same field since the writer read it. */
static void test_a_conflict_is_refused_and_kept(void)
{
    struct fixture fx;
    struct commit_result r;
    cJSON *title;
    char *mine, *kept = NULL;
    size_t len;

    setup(&fx, false, 10);
    title = cJSON_GetObjectItemCaseSensitive(
        (cJSON *)fake_object(&fx.server, "members", "admin"), "title");
    cJSON_SetValuestring(title, "Teammate");
    mine = with(fx.shown, "title", "Mine");
    CHECK_INT_EQ(save(&fx, "admin", true, fx.shown, mine, &r), -ESTALE);
    CHECK_INT_EQ(fx.server.requests, 1); /* the check, no PATCH */
    CHECK(errors_say(&fx, "in the same fields: title"));
    CHECK_INT_EQ(errlog_read(fx.errlog, "/.cwmfs/rejected/members/admin.json",
                             &kept, &len),
                 0);
    CHECK_STR_EQ(kept, mine);
    free(kept);
    free(mine);
    teardown(&fx);
}

static void test_bad_text_sends_nothing(void)
{
    static const char *const bad[] = { "{\"title\": ", "[1, 2]\n", "  \n",
                                       "{} x", "{\"id\": 1, \"\": 2}" };
    struct fixture fx;
    struct commit_result r;
    cJSON *obj;
    char *other_id;

    setup(&fx, false, 10);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK_INT_EQ(save(&fx, "admin", true, fx.shown, bad[i], &r), -EINVAL);
    obj = cJSON_Parse(fx.shown);
    cJSON_ReplaceItemInObjectCaseSensitive(obj, "id", cJSON_CreateNumber(2));
    other_id = render_json(obj, NULL);
    CHECK_INT_EQ(save(&fx, "admin", true, fx.shown, other_id, &r), -EINVAL);
    CHECK(errors_say(&fx, "\"id\" was changed"));
    CHECK(errors_say(&fx, "a field has an empty name"));
    CHECK_INT_EQ(fx.server.requests, 0);
    cJSON_Delete(obj);
    free(other_id);
    teardown(&fx);
}

/* A new file: one POST, named from the file; ids are the server's. */
static void test_a_new_file_is_one_post(void)
{
    struct fixture fx;
    struct commit_result r;

    setup(&fx, false, 10);
    CHECK_INT_EQ(save(&fx, "carol", false, NULL, "{\"title\": \"New\"}", &r),
                 0);
    CHECK(r.sent);
    CHECK_STR_EQ(r.new_path, "/members/carol.json");
    CHECK_STR_EQ(fx.server.log[0], "POST members");
    CHECK_STR_EQ(fx.server.last_body,
                 "{\"title\":\"New\",\"identifier\":\"carol\"}");
    commit_result_clear(&r);
    fake_api_reset_log(&fx.server);
    CHECK_INT_EQ(save(&fx, "dave", false, NULL, "{\"id\": 5}", &r), -EINVAL);
    CHECK_INT_EQ(save(&fx, "erin", false, NULL, "{\"identifier\": \"x\"}", &r),
                 -EINVAL);
    CHECK_INT_EQ(save(&fx, "new", false, NULL, "\n", &r), 0); /* touch */
    CHECK_INT_EQ(fx.server.requests, 0);
    teardown(&fx);
}

/* The answer is lost: the committer looks, and tells what it found. */
static void test_lost_answers_are_looked_up(void)
{
    struct fixture fx;
    struct commit_result r, lost;
    char *mine;

    setup(&fx, false, 10);
    mine = with(fx.shown, "title", "Applied");
    fx.server.fail_method = "PATCH";
    fx.server.lose_answer = fx.server.apply_anyway = true;
    CHECK_INT_EQ(save(&fx, "admin", true, fx.shown, mine, &r), 0);
    CHECK(r.sent);
    CHECK_STR_EQ(fx.server.log[2], "GET members/1"); /* the look */
    free(mine);
    mine = with(r.answer, "title", "Lost");
    fx.server.fail_method = "PATCH";
    fx.server.apply_anyway = false;
    CHECK_INT_EQ(save(&fx, "admin", true, r.answer, mine, &lost), -EIO);
    commit_result_clear(&r);
    CHECK(errors_say(&fx, "did not apply the change"));
    free(mine);
    teardown(&fx);
}

/* A lost answer, then someone else's write to the same field: whether
 * ours was applied first cannot be told, and is not said either way. */
static void test_a_lost_answer_overwritten_is_unknown(void)
{
    struct fixture fx;
    struct commit_result r;
    char *mine;

    setup(&fx, false, 10);
    mine = with(fx.shown, "title", "Mine");
    fx.server.fail_method = "PATCH";
    fx.server.lose_answer = fx.server.apply_anyway = true;
    fx.server.then_applied = cJSON_Parse(
        "[{\"op\": \"replace\", \"path\": \"title\", "
        "\"value\": \"Theirs\"}]");
    CHECK_INT_EQ(save(&fx, "admin", true, fx.shown, mine, &r), -EIO);
    CHECK(errors_say(&fx, "someone else changed the same fields since"));
    CHECK(!errors_say(&fx, "did not apply"));
    free(mine);
    teardown(&fx);
}

/* Without a base the save sets only what it sends, and only while the
 * server still holds what the mount last showed. */
static void test_a_save_without_a_base(void)
{
    struct fixture fx;
    struct commit_result r;
    cJSON *notes;

    setup(&fx, false, 10);
    reads_note(fx.reads, 1, ADMIN, fx.shown, strlen(fx.shown));
    CHECK_INT_EQ(
        save(&fx, "admin", true, NULL, "{\"id\": 1, \"title\": \"T\"}", &r), 0);
    CHECK_STR_EQ(fx.server.last_body,
                 "[{\"op\":\"replace\",\"path\":\"title\",\"value\":\"T\"}]");
    commit_result_clear(&r);
    notes = cJSON_GetObjectItemCaseSensitive(
        (cJSON *)fake_object(&fx.server, "members", "admin"), "notes");
    cJSON_SetValuestring(notes, "changed by a teammate");
    fake_api_reset_log(&fx.server);
    CHECK_INT_EQ(
        save(&fx, "admin", true, NULL, "{\"id\": 1, \"title\": \"U\"}", &r),
        -ESTALE);
    CHECK_INT_EQ(fx.server.requests, 1);
    teardown(&fx);
}

static void test_deletes_are_guarded(void)
{
    struct fixture fx;
    const struct resource_type *callbacks = resource_at("/callbacks");

    setup(&fx, false, 1);
    CHECK_INT_EQ(commit_delete(&fx.c, "/callbacks/7.json", callbacks, "7"), 0);
    CHECK(fake_object(&fx.server, "callbacks", "7") == NULL);
    CHECK_INT_EQ(commit_delete(&fx.c, "/callbacks/8.json", callbacks, "8"),
                 -EPERM);
    CHECK(fake_object(&fx.server, "callbacks", "8") != NULL);
    CHECK(errors_say(&fx, "more than 1 deletes in a minute"));
    CHECK_INT_EQ(commit_delete(&fx.c, "/apiReports/1.json",
                               resource_at("/apiReports"), "1"),
                 -EACCES);
    teardown(&fx);
}

/* A server with no member DELETE (a real ConnectWise): rm is refused
 * with what it offers instead, never "no such file". */
static void test_a_server_without_delete(void)
{
    struct fixture fx;

    setup(&fx, false, 10);
    fx.server.fail_method = "DELETE";
    fx.server.fail_status = 404;
    CHECK_INT_EQ(commit_delete(&fx.c, ADMIN, resource_at("/members"), "admin"),
                 -EPERM);
    CHECK(errors_say(&fx, "ConnectWise deactivates members instead"));
    CHECK(fake_object(&fx.server, "members", "admin") != NULL);
    teardown(&fx);
}

/* A server that answers a write with 405 is not asked again: the file's
 * modes and later saves follow what its Allow header says. */
static void test_a_405_is_remembered(void)
{
    struct fixture fx;
    struct commit_result r;
    const struct resource_type *callbacks = resource_at("/callbacks");
    const char *shown = "{\"id\": 7, \"url\": \"https://x.example/\"}";
    const char *mine = "{\"id\": 7, \"url\": \"https://z.example/\"}";

    setup(&fx, false, 10);
    fx.server.fail_method = "PATCH";
    fx.server.fail_status = 405;
    fx.server.fail_allow = "GET, DELETE";
    CHECK_INT_EQ(save(&fx, "7", true, shown, mine, &r), -EROFS);
    CHECK_INT_EQ(store_verbs(fx.store, callbacks),
                 VERB_GET | VERB_POST | VERB_DELETE);
    fake_api_reset_log(&fx.server);
    CHECK_INT_EQ(save(&fx, "7", true, shown, mine, &r), -EROFS);
    CHECK_INT_EQ(fx.server.requests, 0);
    CHECK(errors_say(&fx, "does not allow PATCH on callbacks"));
    /* Without an Allow header only the refused method is learnt. */
    fx.server.fail_method = "DELETE";
    fx.server.fail_status = 405;
    fx.server.fail_allow = NULL;
    CHECK_INT_EQ(commit_delete(&fx.c, "/callbacks/8.json", callbacks, "8"),
                 -EPERM);
    CHECK_INT_EQ(store_verbs(fx.store, callbacks), VERB_GET | VERB_POST);
    fake_api_reset_log(&fx.server);
    CHECK_INT_EQ(commit_delete(&fx.c, "/callbacks/8.json", callbacks, "8"),
                 -EPERM);
    CHECK_INT_EQ(fx.server.requests, 0);
    CHECK_INT_EQ(commit_delete(&fx.c, ADMIN, resource_at("/members"), "admin"),
                 0);
    /* A refresh forgets: servers are upgraded. */
    store_forget_all(fx.store);
    CHECK_INT_EQ(store_verbs(fx.store, callbacks), callbacks->verbs);
    teardown(&fx);
}

static void test_allow_headers(void)
{
    CHECK_INT_EQ(allowed_parse("GET, PUT, PATCH"),
                 VERB_GET | VERB_PUT | VERB_PATCH);
    CHECK_INT_EQ(allowed_parse("get,delete , OPTIONS"), VERB_GET | VERB_DELETE);
    CHECK_INT_EQ(allowed_parse(""), 0);
    CHECK_INT_EQ(allowed_parse(NULL), 0);
    CHECK_INT_EQ(allowed_parse("PATCHES"), 0);
}

int main(void)
{
    log_set_level(LOG_LVL_ERROR);
    test_an_edit_sends_the_smallest_patch();
    test_put_sends_the_merged_object();
    test_a_changed_reference_is_sent_by_id();
    test_a_conflict_is_refused_and_kept();
    test_bad_text_sends_nothing();
    test_a_new_file_is_one_post();
    test_lost_answers_are_looked_up();
    test_a_lost_answer_overwritten_is_unknown();
    test_a_save_without_a_base();
    test_deletes_are_guarded();
    test_a_server_without_delete();
    test_a_405_is_remembered();
    test_allow_headers();
    return unit_report();
}
