/* test_store.c - unit tests for store.c against an in-memory server:
 * what is fetched, what is cached, what a write makes stale. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fake_api.h"
#include "log.h"
#include "store.h"
#include "unit.h"

static const char *const server_json =
    "{\"info\": {\"version\": \"v2026\"},"
    " \"members\": ["
    "  {\"id\": 1, \"identifier\": \"admin\", \"title\": \"Boss\","
    "   \"_info\": {\"lastUpdated\": \"2026-01-02T03:04:05Z\"}},"
    "  {\"id\": 2, \"identifier\": \"bob\", \"title\": \"Tech\"},"
    "  {\"id\": 3, \"identifier\": \"twin\"},"
    "  {\"id\": 4, \"identifier\": \"twin\"}],"
    " \"callbacks\": [{\"id\": 7, \"url\": \"https://x.example/\"}]}";

struct fixture {
    struct fake_api server;
    struct api_port port;
    struct store *store;
};

static void setup(struct fixture *fx)
{
    fake_api_init(&fx->server, &fx->port, server_json);
    fx->store = store_new(&fx->port, 60);
}

static void teardown(struct fixture *fx)
{
    store_free(fx->store);
    fake_api_clear(&fx->server);
}

static const struct resource_type *members(void)
{
    return resource_at("/members");
}

/* ls -l, cat * and grep -r after a listing cost no further request. */
static void test_a_listing_primes_every_object(void)
{
    struct fixture fx;
    struct doc doc = { 0 };
    char **names;
    size_t count;

    setup(&fx);
    CHECK_INT_EQ(store_list(fx.store, members(), &names, &count, NULL), 0);
    CHECK_INT_EQ(count, 4);
    CHECK_STR_EQ(names[0], "admin.json");
    CHECK_STR_EQ(names[1], "bob.json");
    /* Two objects share an identifier: both are reachable. */
    CHECK_STR_EQ(names[2], "twin%23id3.json");
    CHECK_STR_EQ(names[3], "twin%23id4.json");
    store_names_free(names, count);
    CHECK_INT_EQ(store_object(fx.store, members(), "admin", true, &doc), 0);
    CHECK(strstr(doc.text, "\"title\": \"Boss\"") != NULL);
    CHECK_INT_EQ(doc.mtime, 1767323045);
    doc_clear(&doc);
    CHECK_INT_EQ(store_object(fx.store, resource_duplicates(members()),
                              "twin%23id4", false, &doc),
                 0);
    /* A fresh listing that lacks a name answers without a request. */
    CHECK_INT_EQ(store_object(fx.store, members(), "nobody", false, &doc),
                 -ENOENT);
    CHECK_INT_EQ(fx.server.requests, 1);
    teardown(&fx);
}

static void test_absence_and_case_are_exact(void)
{
    struct fixture fx;
    struct doc doc = { 0 };

    setup(&fx);
    CHECK_INT_EQ(store_object(fx.store, members(), "nobody", false, &doc),
                 -ENOENT);
    CHECK_INT_EQ(store_object(fx.store, members(), "nobody", false, &doc),
                 -ENOENT);
    CHECK_INT_EQ(fx.server.requests, 1); /* absence is cached too */
    /* The server matches identifiers in any case; file names do not. */
    CHECK_INT_EQ(store_object(fx.store, members(), "ADMIN", false, &doc),
                 -ENOENT);
    CHECK_INT_EQ(store_singleton(fx.store, resource_at("/info"), true, &doc),
                 0);
    CHECK_STR_EQ(doc.text, "{\n  \"version\": \"v2026\"\n}\n");
    doc_clear(&doc);
    teardown(&fx);
}

/* A save's answer is what the file shows at once; the listing, whose
 * names it may change, is asked again. */
static void test_a_write_shows_its_answer_and_stales_listings(void)
{
    struct fixture fx;
    struct api_error err = { 0 };
    struct doc doc = { 0 };
    cJSON *patch = cJSON_Parse(
        "[{\"op\":\"replace\",\"path\":\"/identifier\",\"value\":\"alice\"}]");
    cJSON *answer = NULL;
    char **names;
    size_t count;

    setup(&fx);
    CHECK_INT_EQ(store_list(fx.store, members(), &names, &count, NULL), 0);
    store_names_free(names, count);
    CHECK_INT_EQ(store_update(fx.store, members(), "admin", "1", "PATCH", patch,
                              1000, &answer, &err),
                 0);
    CHECK_STR_EQ(cJSON_GetStringValue(
                     cJSON_GetObjectItemCaseSensitive(answer, "identifier")),
                 "alice");
    fake_api_reset_log(&fx.server);
    CHECK_INT_EQ(store_object(fx.store, members(), "alice", false, &doc), 0);
    CHECK_INT_EQ(doc.mtime, 1000); /* the writer's mtime is kept */
    CHECK_INT_EQ(store_object(fx.store, members(), "admin", false, &doc),
                 -ENOENT); /* the old name is retired */
    CHECK_INT_EQ(fx.server.requests, 0);
    CHECK_INT_EQ(store_list(fx.store, members(), &names, &count, NULL), 0);
    CHECK_INT_EQ(fx.server.requests, 1);
    CHECK_STR_EQ(names[0], "alice.json");
    store_names_free(names, count);
    cJSON_Delete(answer);
    cJSON_Delete(patch);
    teardown(&fx);
}

/* A big listing's texts are rendered by several threads: every object
 * reads back as its own rendering, with no request, after the listing and
 * after a refresh dropped it. */
static void test_a_big_listing_reads_back_whole(void)
{
    struct buf json = BUF_INIT(0);
    struct fake_api server;
    struct api_port port;
    struct store *store;
    char **names;
    size_t count;
    int wrong = 0;

    buf_append_str(&json, "{\"members\": [");
    for (int i = 1; i <= 400; i++)
        buf_printf(&json,
                   "%s{\"id\": %d, \"identifier\": \"m%03d\", "
                   "\"notes\": \"%0600d\"}",
                   i > 1 ? "," : "", i, i, i);
    buf_append_str(&json, "]}");
    fake_api_init(&server, &port, json.data);
    store = store_new(&port, 60);
    for (int round = 0; round < 2; round++) {
        CHECK_INT_EQ(store_list(store, members(), &names, &count, NULL), 0);
        CHECK_INT_EQ(count, 400);
        store_names_free(names, count);
        fake_api_reset_log(&server);
        for (int i = 1; i <= 400; i++) {
            char key[16], want[800];
            struct doc doc = { 0 };
            snprintf(key, sizeof(key), "m%03d", i);
            snprintf(want, sizeof(want),
                     "{\n  \"id\": %d,\n  \"identifier\": \"%s\",\n"
                     "  \"notes\": \"%0600d\"\n}\n",
                     i, key, i);
            if (store_object(store, members(), key, true, &doc) != 0 ||
                !doc.text || strcmp(doc.text, want) != 0)
                wrong++;
            doc_clear(&doc);
        }
        CHECK_INT_EQ(server.requests, 0); /* the listing's texts, read */
        store_forget_all(store);
    }
    CHECK_INT_EQ(wrong, 0);
    store_free(store);
    fake_api_clear(&server);
    buf_clear(&json);
}

/* A collection the server lists as [] is an empty folder. */
static void test_an_empty_listing(void)
{
    struct fake_api server;
    struct api_port port;
    struct store *store;
    char **names = NULL;
    size_t count = 1;

    fake_api_init(&server, &port, "{\"members\": []}");
    store = store_new(&port, 60);
    CHECK_INT_EQ(store_list(store, members(), &names, &count, NULL), 0);
    CHECK_INT_EQ(count, 0);
    store_names_free(names, count);
    store_free(store);
    fake_api_clear(&server);
}

/* Each listing fetched has its own stamp; asking again for the one cached
 * gives the same. */
static void test_listings_are_stamped(void)
{
    struct fixture fx;
    unsigned long first = 0, again = 0, refetched = 0;
    char **names;
    size_t count;

    setup(&fx);
    CHECK_INT_EQ(store_list(fx.store, members(), &names, &count, &first), 0);
    store_names_free(names, count);
    CHECK_INT_EQ(store_list(fx.store, members(), &names, &count, &again), 0);
    store_names_free(names, count);
    store_forget_all(fx.store);
    CHECK_INT_EQ(store_list(fx.store, members(), &names, &count, &refetched),
                 0);
    store_names_free(names, count);
    CHECK(first != 0);
    CHECK(again == first);
    CHECK(refetched != first && refetched != 0);
    teardown(&fx);
}

/* Any save may change what a listing (or count, or query) over its
 * collection holds: all of them are asked again, nothing else is. */
static void test_a_write_forgets_by_tag(void)
{
    struct fixture fx;
    struct api_error err = { 0 };
    cJSON *patch = cJSON_Parse(
        "[{\"op\":\"replace\",\"path\":\"title\",\"value\":\"X\"}]");
    cJSON *answer = NULL;
    char **names;
    size_t count;

    setup(&fx);
    store_list(fx.store, members(), &names, &count, NULL);
    store_names_free(names, count);
    store_list(fx.store, resource_at("/callbacks"), &names, &count, NULL);
    store_names_free(names, count);
    CHECK_INT_EQ(store_update(fx.store, members(), "bob", "2", "PATCH", patch,
                              0, &answer, &err),
                 0);
    fake_api_reset_log(&fx.server);
    store_list(fx.store, members(), &names, &count, NULL);
    store_names_free(names, count);
    store_list(fx.store, resource_at("/callbacks"), &names, &count, NULL);
    store_names_free(names, count);
    CHECK_INT_EQ(fx.server.requests, 1);
    CHECK_STR_EQ(fx.server.log[0], "GET members");
    cJSON_Delete(answer);
    cJSON_Delete(patch);
    teardown(&fx);
}

static void test_create_and_delete(void)
{
    struct fixture fx;
    struct api_error err = { 0 };
    struct doc doc = { 0 };
    const struct resource_type *callbacks = resource_at("/callbacks");
    cJSON *body = cJSON_Parse("{\"url\": \"https://y.example/\"}");
    char *key = NULL;

    setup(&fx);
    CHECK_INT_EQ(store_create(fx.store, callbacks, body, 0, &key, NULL, &err),
                 0);
    CHECK_STR_EQ(key, "100");
    fake_api_reset_log(&fx.server);
    CHECK_INT_EQ(store_object(fx.store, callbacks, "100", false, &doc), 0);
    CHECK_INT_EQ(fx.server.requests, 0);
    CHECK_INT_EQ(store_delete(fx.store, callbacks, "100", "100", &err), 0);
    CHECK_INT_EQ(store_object(fx.store, callbacks, "100", false, &doc),
                 -ENOENT);
    CHECK_INT_EQ(fx.server.requests, 1); /* the DELETE alone */
    free(key);
    cJSON_Delete(body);
    teardown(&fx);
}

/* A server without the described endpoints (a real ConnectWise): the
 * caller's account through the real route, absent folders, no EIO. */
static void test_a_server_without_the_described_endpoints(void)
{
    struct fake_api server;
    struct api_port port;
    struct store *store;
    struct doc doc = { 0 };
    char **names;
    size_t count;

    fake_api_init(&server, &port,
                  "{\"mymembers\": {\"id\": 3, \"identifier\": \"me\"},"
                  " \"myAccount/3\": {\"id\": 3, \"firstName\": \"Me\"}}");
    store = store_new(&port, 0);
    CHECK_INT_EQ(store_singleton(store, resource_at("/myAccount"), true, &doc),
                 0);
    CHECK(doc.text && strstr(doc.text, "\"firstName\": \"Me\""));
    doc_clear(&doc);
    CHECK_INT_EQ(server.requests, 3);
    CHECK_STR_EQ(server.log[0], "GET myAccount");
    CHECK_STR_EQ(server.log[1], "GET mymembers");
    CHECK_STR_EQ(server.log[2], "GET myAccount/3");
    /* Learnt: the next fill goes the real way at once. */
    CHECK_INT_EQ(store_singleton(store, resource_at("/myAccount"), false, &doc),
                 0);
    CHECK_INT_EQ(server.requests, 5);
    CHECK_STR_EQ(server.log[3], "GET mymembers");
    /* An optional folder the server lacks is absent; a required one is an
     * error. */
    CHECK_INT_EQ(
        store_list(store, resource_at("/apiReports"), &names, &count, NULL),
        -ENOENT);
    CHECK_INT_EQ(
        store_list(store, resource_at("/callbacks"), &names, &count, NULL),
        -EIO);
    CHECK_INT_EQ(server.relocations, 1); /* asked whether the server moved */
    /* It did: the codebase moved, and the listing is asked again there. */
    server.moved_to = cJSON_Parse("{\"callbacks\": [{\"id\": 7}]}");
    CHECK_INT_EQ(
        store_list(store, resource_at("/callbacks"), &names, &count, NULL), 0);
    CHECK_INT_EQ(count, 1);
    store_names_free(names, count);
    /* Twice for /callbacks; the optional row's 404 asked nothing. */
    CHECK_INT_EQ(server.relocations, 2);
    store_free(store);
    fake_api_clear(&server);
}

static void test_object_ids(void)
{
    static const char *const good[] = { "{\"id\": 1}", "{\"id\": 42.0}",
                                        "{\"id\": 9007199254740992}" };
    static const char *const bad[] = { "{\"id\": 0}", "{\"id\": 5.5}",
                                       "{\"id\": 1e300}", "{\"id\": \"7\"}",
                                       "{}" };

    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        cJSON *obj = cJSON_Parse(good[i]);
        char *id = store_object_id(obj);
        CHECK(id != NULL);
        free(id);
        cJSON_Delete(obj);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cJSON *obj = cJSON_Parse(bad[i]);
        CHECK(store_object_id(obj) == NULL);
        cJSON_Delete(obj);
    }
    CHECK_INT_EQ(store_parse_timestamp("2026-01-02T03:04:05Z"), 1767323045);
    CHECK_INT_EQ(store_parse_timestamp("2026-01-02T03:04:05.123Z"), 1767323045);
    CHECK_INT_EQ(store_parse_timestamp("yesterday"), -1);
}

int main(void)
{
    test_an_empty_listing();
    test_a_big_listing_reads_back_whole();
    test_listings_are_stamped();
    log_set_level(LOG_LVL_ERROR);
    test_a_listing_primes_every_object();
    test_absence_and_case_are_exact();
    test_a_write_shows_its_answer_and_stales_listings();
    test_a_write_forgets_by_tag();
    test_create_and_delete();
    test_a_server_without_the_described_endpoints();
    test_object_ids();
    return unit_report();
}
