/* test_node.c - unit tests for node.c: what each path resolves to, level
 * by level, over an in-memory server and the local files. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fake_api.h"
#include "log.h"
#include "node.h"
#include "unit.h"

static const char *const server_json =
    "{\"members\": [{\"id\": 1, \"identifier\": \"admin\"},"
    "              {\"id\": 3, \"identifier\": \"twin\"},"
    "              {\"id\": 4, \"identifier\": \"twin\"}],"
    " \"callbacks\": [{\"id\": 7}],"
    " \"usage\": {\"rows\": [1, 2, 3]},"
    " \"members/admin/tokens\": [{\"id\": 5, \"name\": \"laptop\"}],"
    " \"reports\": [{\"name\": \"Member\"}, {\"name\": \"Time Entry\"}],"
    " \"reports/Member\": {\"column_definitions\": [{\"id\": {}},"
    "   {\"identifier\": {}}], \"row_values\": [[1, \"admin\"]]}}";

struct fixture {
    struct fake_api server;
    struct api_port port;
    struct cwmfs fs;
};

static void setup(struct fixture *fx)
{
    memset(fx, 0, sizeof(*fx));
    fake_api_init(&fx->server, &fx->port, server_json);
    fx->fs.store = store_new(&fx->port, 60);
    fx->fs.local = local_new();
    fx->fs.inodes = inode_table_new();
    fx->fs.tree = tmpl_root();
}

static void teardown(struct fixture *fx)
{
    inode_table_free(fx->fs.inodes);
    local_free(fx->fs.local);
    store_free(fx->fs.store);
    fake_api_clear(&fx->server);
}

/* The kind path resolves to (NULL on an error, into *rc). */
static const struct node_kind *kind_at(struct fixture *fx, const char *path,
                                       struct node *out)
{
    int rc = node_resolve(&fx->fs, path, out);

    return rc ? NULL : out->kind;
}

static void check_kind(struct fixture *fx, const char *path,
                       const struct node_kind *want)
{
    struct node n;
    const struct node_kind *got = kind_at(fx, path, &n);

    if (got != want)
        fprintf(stderr, "%s: got %s, want %s\n", path,
                got ? got->name : "an error", want ? want->name : "an error");
    CHECK(got == want);
    node_clear(&n);
}

static void test_the_tree(void)
{
    struct fixture fx;

    setup(&fx);
    check_kind(&fx, "/", &node_directory);
    check_kind(&fx, "/members", &node_collection);
    check_kind(&fx, "/members/types", &node_collection);
    check_kind(&fx, "/info", &node_singleton);
    check_kind(&fx, "/.cwmfs", &node_meta);
    check_kind(&fx, "/.cwmfs/rejected/members", &node_meta);
    check_kind(&fx, "/members/admin.json", &node_object);
    check_kind(&fx, "/members/twin%23id4.json", &node_object);
    check_kind(&fx, "/members/nobody.json", &node_vacant);
    check_kind(&fx, "/members/.admin.json.swp", &node_vacant);
    check_kind(&fx, "/4913", &node_vacant);
    check_kind(&fx, "/info/x", NULL);    /* below a file */
    check_kind(&fx, "/nothing/x", NULL); /* below nothing */
    teardown(&fx);
}

/* The described rows a server lacks are absent, not broken. */
static void test_rows_the_server_lacks(void)
{
    struct fixture fx;

    setup(&fx);
    check_kind(&fx, "/apiReports", &node_vacant); /* not on this server */
    check_kind(&fx, "/myAccount", &node_vacant);  /* nor a way to it */
    check_kind(&fx, "/apiReports/1.json", NULL);
    teardown(&fx);
}

/* A collection of reports: listed by name, as links into REPORT_ROWS where
 * the files that run them are; ls -l runs none of them. */
static void test_reports(void)
{
    struct fixture fx;
    struct node n;
    struct stat st;
    struct doc doc = { 0 };
    char target[64];

    setup(&fx);
    CHECK(kind_at(&fx, "/reports/Member.json", &n) == &node_report_link);
    CHECK_INT_EQ(fx.server.requests, 1);
    CHECK_STR_EQ(fx.server.log[0], "GET reports");
    CHECK_INT_EQ(n.kind->getattr(&fx.fs, &n, &st), 0);
    CHECK(S_ISLNK(st.st_mode));
    CHECK_INT_EQ(n.kind->readlink(&fx.fs, &n, target, sizeof(target)), 0);
    CHECK_STR_EQ(target, REPORT_ROWS "/Member.json");
    node_clear(&n);
    CHECK(kind_at(&fx, "/reports/" REPORT_ROWS "/Member.json", &n) ==
          &node_report);
    CHECK_INT_EQ(n.kind->getattr(&fx.fs, &n, &st), 0);
    CHECK_INT_EQ(st.st_size, 0);
    CHECK_INT_EQ(fx.server.requests, 1); /* stat ran nothing */
    CHECK_INT_EQ(store_object(fx.fs.store, n.res, n.key, true, &doc), 0);
    CHECK_STR_EQ(fx.server.log[1], "GET reports/Member?page=1&pageSize=1000");
    CHECK(doc.text && strstr(doc.text, "\"identifier\": \"admin\""));
    doc_clear(&doc);
    node_clear(&n);
    CHECK(kind_at(&fx, "/reports/Time Entry.json", &n) == &node_report_link);
    node_clear(&n);
    CHECK(kind_at(&fx, "/reports/Nothing.json", &n) == &node_vacant);
    node_clear(&n);
    CHECK_INT_EQ(fx.server.requests, 2); /* the listing, and one report */
    teardown(&fx);
}

static void test_names_of_objects(void)
{
    struct fixture fx;
    struct node n;

    setup(&fx);
    CHECK(kind_at(&fx, "/members/a%2Fb.json", &n) == &node_vacant);
    CHECK(n.resource_name && !n.new_object_name);
    CHECK_STR_EQ(n.key, "a/b");
    node_clear(&n);
    CHECK(kind_at(&fx, "/callbacks/new.json", &n) == &node_vacant);
    CHECK(n.resource_name && n.new_object_name);
    node_clear(&n);
    CHECK(kind_at(&fx, "/callbacks/7.json", &n) == &node_object);
    CHECK_STR_EQ(n.res->endpoint, "callbacks");
    node_clear(&n);
    CHECK(kind_at(&fx, "/members/twin%23id3.json", &n) == &node_object);
    CHECK(n.res->duplicates && !(n.res->verbs & VERB_POST));
    CHECK_STR_EQ(n.key, "twin%23id3");
    node_clear(&n);
    /* An action on an object: members/admin.json.deactivate. */
    CHECK(kind_at(&fx, "/members/admin.json.deactivate", &n) == &node_vacant);
    CHECK(n.action_name && !n.resource_name);
    CHECK_STR_EQ(n.key, "admin");
    node_clear(&n);
    CHECK(kind_at(&fx, "/callbacks/7.json.deactivate", &n) == &node_vacant);
    CHECK(!n.action_name); /* callbacks have no actions: scratch */
    node_clear(&n);
    /* Collections named by id have no such names: scratch there. */
    CHECK(kind_at(&fx, "/callbacks/1%23id42.json", &n) == &node_vacant);
    CHECK(!n.resource_name);
    node_clear(&n);
    teardown(&fx);
}

/* Local files lie over the server's names. */
static void test_local_files(void)
{
    struct fixture fx;
    struct node n;
    struct local_file *lf;

    setup(&fx);
    lf = local_create(fx.fs.local, "/members/admin.json", LOCAL_HIDDEN, 0, 0, 0,
                      NULL, 0, NULL);
    local_put(fx.fs.local, lf);
    CHECK(kind_at(&fx, "/members/admin.json", &n) == &node_vacant);
    CHECK(n.hidden && n.resource_name);
    node_clear(&n);
    lf = local_create(fx.fs.local, "/members/admin.json~", LOCAL_SCRATCH, 0600,
                      0, 0, "x", 1, NULL);
    local_put(fx.fs.local, lf);
    CHECK(kind_at(&fx, "/members/admin.json~", &n) == &node_local);
    CHECK(n.local == lf && !n.resource_name);
    node_clear(&n);
    teardown(&fx);
}

/* Resolution asks the server only for objects' names. */
static void test_requests(void)
{
    struct fixture fx;
    struct node n;

    setup(&fx);
    kind_at(&fx, "/members/types", &n);
    node_clear(&n);
    kind_at(&fx, "/members/x.swp", &n);
    node_clear(&n);
    CHECK_INT_EQ(fx.server.requests, 0);
    kind_at(&fx, "/members/admin.json", &n);
    node_clear(&n);
    kind_at(&fx, "/members/admin.json", &n);
    node_clear(&n);
    CHECK_INT_EQ(fx.server.requests, 1);
    teardown(&fx);
}

/* A report is run when read, never by ls -l. */
static void test_a_report_is_not_run_by_stat(void)
{
    static const struct resource_type row = { .pattern = "/usage",
                                              .path = "/usage",
                                              .endpoint = "usage",
                                              .kind = RES_REPORT,
                                              .verbs = VERB_GET };
    struct node n = { .kind = &node_report, .res = &row };
    struct fixture fx;
    struct doc doc = { 0 };
    struct stat st;

    setup(&fx);
    n.path = "/usage";
    CHECK(node_report.flags & NODE_STAT_NO_FETCH);
    CHECK_INT_EQ(node_report.getattr(&fx.fs, &n, &st), 0);
    CHECK_INT_EQ(st.st_size, 0);
    CHECK_INT_EQ(fx.server.requests, 0);
    CHECK_INT_EQ(store_singleton(fx.fs.store, &row, true, &doc), 0);
    CHECK_INT_EQ(node_report.getattr(&fx.fs, &n, &st), 0);
    CHECK_INT_EQ(st.st_size, (long long)doc.len);
    CHECK_INT_EQ(fx.server.requests, 1);
    doc_clear(&doc);
    teardown(&fx);
}

/* Directories named by a value: found by name, their values carried. */
static void test_directories_named_by_a_value(void)
{
    static const struct resource_type rows[] = {
        { .pattern = "/tokens/{member}/{id}.json",
          .path = "/tokens",
          .endpoint = "members/{member}/tokens",
          .kind = RES_COLLECTION,
          .key_field = "id",
          .verbs = VERB_GET },
    };
    struct tmpl *tree = tmpl_build(rows, 1);
    struct fixture fx;
    struct node n;

    setup(&fx);
    fx.fs.tree = tree;
    CHECK(kind_at(&fx, "/tokens", &n) == &node_directory);
    node_clear(&n);
    CHECK(kind_at(&fx, "/tokens/admin", &n) == &node_collection);
    CHECK_INT_EQ(n.nvars, 1);
    CHECK_STR_EQ(n.vars[0], "admin");
    CHECK_STR_EQ(n.res->endpoint, "members/admin/tokens");
    node_clear(&n);
    CHECK(kind_at(&fx, "/tokens/admin/x.swp", &n) == &node_vacant);
    CHECK_STR_EQ(n.nvars ? n.vars[0] : NULL, "admin");
    node_clear(&n);
    /* The row's endpoint is bound to the values: the store asks for
     * members/admin/tokens. */
    CHECK(kind_at(&fx, "/tokens/admin/5.json", &n) == &node_object);
    CHECK_STR_EQ(n.res->endpoint, "members/admin/tokens");
    CHECK_STR_EQ(fx.server.log[0], "GET members/admin/tokens/5");
    node_clear(&n);
    CHECK(kind_at(&fx, "/tokens/bob/5.json", &n) == &node_vacant);
    CHECK_STR_EQ(fx.server.log[1], "GET members/bob/tokens/5");
    node_clear(&n);
    teardown(&fx);
    tmpl_free(tree);
}

int main(void)
{
    log_set_level(LOG_LVL_ERROR);
    test_the_tree();
    test_rows_the_server_lacks();
    test_reports();
    test_names_of_objects();
    test_local_files();
    test_requests();
    test_a_report_is_not_run_by_stat();
    test_directories_named_by_a_value();
    return unit_report();
}
