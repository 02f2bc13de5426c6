/* test_resources.c - unit tests for the resource table's template tree. */
#include <stdlib.h>
#include <string.h>

#include "resources.h"
#include "unit.h"

static void test_the_table_as_a_tree(void)
{
    const struct tmpl *root = tmpl_root(), *members, *types, *info;

    CHECK(root != NULL);
    CHECK_STR_EQ(root->children->name, ".cwmfs"); /* always first */
    CHECK_INT_EQ(root->children->role, TMPL_META);
    members = tmpl_child(root, "members");
    CHECK(members && members->role == TMPL_COLLECTION);
    CHECK_STR_EQ(members->res->endpoint, "members");
    CHECK(members->pattern && members->pattern->role == TMPL_OBJECT);
    CHECK_STR_EQ(members->pattern->res->key_field, "identifier");
    CHECK_INT_EQ(members->subdirs, 1);
    types = tmpl_child(members, "types");
    CHECK(types && types->role == TMPL_COLLECTION && types->parent == members);
    CHECK_STR_EQ(types->res->endpoint, "members/types");
    info = tmpl_child(root, "info");
    CHECK(info && info->role == TMPL_SINGLETON && !info->pattern);
    CHECK_STR_EQ(info->res->endpoint, "info");
    CHECK(tmpl_child(root, "nothing") == NULL);
    /* .cwmfs, seven collections, audittrail, tokens and queries. */
    CHECK_INT_EQ(root->subdirs, 11);
    /* every collection has its count; a history's folder lists its types */
    CHECK(tmpl_child(members, COUNT_NAME) &&
          tmpl_child(members, COUNT_NAME)->role == TMPL_COUNT);
    CHECK(types && tmpl_child(types, COUNT_NAME) != NULL);
    CHECK(tmpl_child(root, "audittrail") &&
          tmpl_child(root, "audittrail")->subdirs == 22);
    CHECK(tmpl_child(root, "audittrail")->pattern->values != NULL);
    CHECK(tmpl_child(root, "audittrail")->pattern->pattern->role ==
          TMPL_HISTORY);
}

/* What the next collections need: directories named by a value. */
static void test_patterns_of_any_depth(void)
{
    static const struct resource_type rows[] = {
        { .pattern = "/tokens/{member}/{id}.json",
          .path = "/tokens",
          .endpoint = "members/{member}/tokens",
          .kind = RES_COLLECTION,
          .key_field = "id",
          .verbs = VERB_GET },
        { .pattern = "/reports/{name}/",
          .path = "/reports",
          .endpoint = "reports/{name}",
          .kind = RES_SINGLETON },
        { .pattern = "/reports/index",
          .path = "/reports/index",
          .endpoint = "reports",
          .kind = RES_REPORT },
    };
    struct tmpl *root = tmpl_build(rows, 3);
    const struct tmpl *tokens, *member, *reports;

    CHECK(root != NULL);
    if (!root)
        return;
    tokens = tmpl_child(root, "tokens");
    CHECK(tokens && tokens->role == TMPL_DIRECTORY);
    member = tokens ? tokens->pattern : NULL;
    CHECK(member && member->role == TMPL_COLLECTION);
    CHECK_STR_EQ(member ? member->var : NULL, "member");
    CHECK(member && member->pattern && member->pattern->role == TMPL_OBJECT);
    CHECK_STR_EQ(member ? member->res->endpoint : NULL,
                 "members/{member}/tokens");
    reports = tmpl_child(root, "reports");
    CHECK(reports && reports->pattern && reports->pattern->var);
    CHECK(reports && tmpl_child(reports, "index") != NULL &&
          tmpl_child(reports, "index")->role == TMPL_REPORT);
    tmpl_free(root);
}

static void test_malformed_patterns(void)
{
    static const struct resource_type file_in_file[] = {
        { .pattern = "/a/{id}.json/b", .endpoint = "a" },
    };
    static const struct resource_type empty[] = { { .pattern = "/" } };

    CHECK(tmpl_build(file_in_file, 1) == NULL);
    CHECK(tmpl_build(empty, 1) == NULL);
}

static void test_rows(void)
{
    const struct resource_type *members = resource_at("/members");

    CHECK(members && resource_is_writable(members));
    CHECK(!resource_keyed_by_id(members));
    CHECK_STR_EQ(resource_tag(members), "members");
    CHECK(resource_duplicates(members)->duplicates);
    CHECK(!(resource_duplicates(members)->verbs & VERB_POST));
    CHECK(resource_duplicates(resource_at("/callbacks")) == NULL);
    CHECK(resource_at("/nothing") == NULL);
}

int main(void)
{
    test_the_table_as_a_tree();
    test_patterns_of_any_depth();
    test_malformed_patterns();
    test_rows();
    return unit_report();
}
