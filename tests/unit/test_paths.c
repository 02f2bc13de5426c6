/* Unit tests for paths.c: what each mount path stands for. */
#include <errno.h>
#include <string.h>

#include "paths.h"
#include "unit.h"

static enum node_type type_of(const char *path, int *rc)
{
    struct node node;
    enum node_type t;

    *rc = path_resolve(path, &node);
    t = node.type;
    node_clear(&node);
    return t;
}

static void check_type(const char *path, enum node_type want)
{
    int rc;
    enum node_type got = type_of(path, &rc);

    CHECK_INT_EQ(rc, 0);
    if (got != want)
        fprintf(stderr, "  %s: type %d, want %d\n", path, got, want);
    CHECK_INT_EQ(got, want);
}

static void test_kinds(void)
{
    int rc;

    check_type("/", NODE_ROOT);
    check_type("/members", NODE_DIR);
    check_type("/members/types", NODE_DIR);
    check_type("/info", NODE_SINGLETON);
    check_type("/members/admin.json", NODE_OBJECT);
    check_type("/members/types/3.json", NODE_OBJECT);
    check_type("/callbacks/12.json", NODE_OBJECT);
    check_type("/.cwmfs", NODE_META);
    check_type("/.cwmfs/rejected/members/admin.json", NODE_META);
    /* editors' and tools' scratch names */
    check_type("/members/4913", NODE_OTHER);
    check_type("/members/.admin.json.swp", NODE_OTHER);
    check_type("/members/admin.json~", NODE_OTHER);
    check_type("/members/#admin.json#", NODE_OTHER);
    check_type("/members/.#admin.json", NODE_OTHER);
    check_type("/members/sedAb12Cd", NODE_OTHER);
    check_type("/members/a%2fb.json", NODE_OTHER); /* not canonical */
    check_type("/scratch-at-top", NODE_OTHER);
    type_of("/info/x", &rc);
    CHECK_INT_EQ(rc, -ENOENT);
    type_of("/members/admin.json/x", &rc);
    CHECK_INT_EQ(rc, -ENOENT);
}

static void test_keys(void)
{
    struct node node;

    CHECK_INT_EQ(path_resolve("/members/a%2Fb.json", &node), 0);
    CHECK_STR_EQ(node.key, "a/b");
    CHECK(!node.new_object_name);
    CHECK(strcmp(node.res->endpoint, "members") == 0);
    node_clear(&node);
    /* in an id-keyed collection a non-id name can only be a new object */
    CHECK_INT_EQ(path_resolve("/callbacks/new.json", &node), 0);
    CHECK_INT_EQ(node.type, NODE_OBJECT);
    CHECK(node.new_object_name);
    node_clear(&node);
    CHECK_INT_EQ(path_resolve("/callbacks/7.json", &node), 0);
    CHECK(!node.new_object_name);
    node_clear(&node);
}

static void test_helpers(void)
{
    char parent[64];

    CHECK_STR_EQ(path_display("/members/admin.json"), "members/admin.json");
    CHECK_INT_EQ(path_parent("/members/admin.json", parent, sizeof(parent)), 0);
    CHECK_STR_EQ(parent, "/members");
    CHECK_INT_EQ(path_parent("/info", parent, sizeof(parent)), 0);
    CHECK_STR_EQ(parent, "/");
    CHECK_INT_EQ(path_count_subdirs("/members"), 1);
    CHECK_INT_EQ(path_count_subdirs("/"), 6);
}

static void test_duplicates_view(void)
{
    struct node node;

    CHECK_INT_EQ(path_resolve("/members/admin%23id42.json", &node), 0);
    CHECK_INT_EQ(node.type, NODE_OBJECT);
    CHECK(node.res->duplicates);
    CHECK_STR_EQ(node.res->endpoint, "members");
    CHECK(!(node.res->verbs & VERB_POST));
    CHECK_STR_EQ(node.key, "admin%23id42");
    node_clear(&node);
    /* collections named by id have no such view: a scratch name */
    CHECK_INT_EQ(path_resolve("/callbacks/1%23id42.json", &node), 0);
    CHECK_INT_EQ(node.type, NODE_OTHER);
    node_clear(&node);
}

int main(void)
{
    test_duplicates_view();
    test_kinds();
    test_keys();
    test_helpers();
    return unit_report();
}
