/* test_query.c - saved searches: the table, the config's definitions, and
 * the requests they make. */
#include <errno.h>
#include <stdlib.h>

#include "query.h"
#include "store.h"
#include "unit.h"

static void test_folders_come_and_go(void)
{
    struct queries *q = queries_new();
    char **names = NULL, *value = NULL;
    size_t count = 0;

    CHECK_INT_EQ(query_add(q, "b"), 0);
    CHECK_INT_EQ(query_add(q, "a"), 0);
    CHECK_INT_EQ(query_add(q, "a"), -EEXIST);
    CHECK_INT_EQ(query_add(q, ".."), -EINVAL);
    CHECK_INT_EQ(query_add(q, "x/y"), -EINVAL);
    CHECK_INT_EQ(query_names(q, &names, &count), 0);
    CHECK_INT_EQ((int)count, 2);
    CHECK_STR_EQ(count == 2 ? names[0] : NULL, "a");
    store_names_free(names, count);
    CHECK_INT_EQ(query_get(q, "a", QP_CONDITIONS, &value), 0);
    CHECK_STR_EQ(value, "");
    free(value);
    CHECK_INT_EQ(query_remove(q, "a"), 0);
    CHECK_INT_EQ(query_remove(q, "a"), -ENOENT);
    CHECK(!query_exists(q, "a") && query_exists(q, "b"));
    queries_free(q);
}

static void test_requests_carry_the_settings(void)
{
    struct queries *q = queries_new();
    const struct resource_type *row = NULL;
    char *path = NULL;

    query_add(q, "eng");
    CHECK_INT_EQ(query_request(q, "eng", false, false, &row, &path), -ENOENT);
    query_set(q, "eng", QP_COLLECTION, "members");
    query_set(q, "eng", QP_CONDITIONS, "title like \"%Eng%\"");
    query_set(q, "eng", QP_ORDER_BY, "lastName");
    CHECK_INT_EQ(query_request(q, "eng", false, false, &row, &path), 0);
    CHECK_STR_EQ(path, "members?conditions=title%20like%20%22%25Eng%25%22"
                       "&orderBy=lastName");
    CHECK(row == resource_at("/members"));
    free(path);
    CHECK_INT_EQ(query_request(q, "eng", true, true, &row, &path), 0);
    CHECK_STR_EQ(path,
                 "members/count?conditions=title%20like%20%22%25Eng%25%22");
    free(path);
    CHECK_INT_EQ(query_request(q, "eng", false, true, &row, &path), 0);
    CHECK(path && strncmp(path, "members/search?", 15) == 0);
    free(path);
    CHECK(query_search_usable(q, row));
    query_no_search(q, row);
    CHECK(!query_search_usable(q, row));
    CHECK(query_collection("members/types") != NULL);
    CHECK(query_collection("reports") == NULL); /* takes no conditions */
    CHECK(query_collection("tokens/{member}") == NULL);
    CHECK(query_collection("nothing") == NULL);
    queries_free(q);
}

static void test_the_config_defines_some(void)
{
    struct queries *q = queries_new();
    char err[256] = "", *value = NULL;

    CHECK_INT_EQ(queries_load(q,
                              "inactive\tmembers: inactiveFlag = true\n"
                              "hooks\t callbacks :  \n",
                              err, sizeof(err)),
                 0);
    CHECK_INT_EQ(query_get(q, "inactive", QP_CONDITIONS, &value), 0);
    CHECK_STR_EQ(value, "inactiveFlag = true");
    free(value);
    CHECK_INT_EQ(query_get(q, "hooks", QP_COLLECTION, &value), 0);
    CHECK_STR_EQ(value, "callbacks");
    free(value);
    CHECK_INT_EQ(queries_load(q, "x\tnowhere: a = 1\n", err, sizeof(err)), -1);
    CHECK(strstr(err, "query.x") != NULL);
    CHECK_INT_EQ(queries_load(q, NULL, err, sizeof(err)), 0);
    queries_free(q);
}

int main(void)
{
    test_folders_come_and_go();
    test_requests_carry_the_settings();
    test_the_config_defines_some();
    return unit_report();
}
