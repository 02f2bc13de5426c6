/* test_local.c - unit tests for local.c: files kept in memory and their
 * references. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "local.h"
#include "unit.h"

static struct local_file *mk(struct local *l, const char *path,
                             enum local_kind kind, const char *text)
{
    return local_create(l, path, kind, 0600, 0, 0, text, strlen(text), NULL);
}

static void test_read_write_truncate(void)
{
    struct local *l = local_new();
    struct local_file *n = mk(l, "/members/4913", LOCAL_SCRATCH, "");
    char buf[64] = "";
    struct local_view v;
    unsigned long gen = 0;

    CHECK_INT_EQ(local_write(l, n, "hello", 5, 0, 7, &gen), 5);
    CHECK_INT_EQ(gen, 1);
    CHECK_INT_EQ(local_write(l, n, "world", 5, 8, 7, NULL),
                 5); /* a hole of 3 */
    CHECK_INT_EQ(local_read(l, n, buf, sizeof(buf), 0), 13);
    CHECK(memcmp(buf, "hello\0\0\0world", 13) == 0);
    CHECK_INT_EQ(local_read(l, n, buf, 4, 6), 4);
    CHECK_INT_EQ(local_read(l, n, buf, 4, 100), 0);
    CHECK_INT_EQ(local_truncate(l, n, 2, 9, &gen), 0);
    CHECK_INT_EQ(gen, 3);
    CHECK_INT_EQ(local_view(l, n, true, &v), 0);
    CHECK_STR_EQ(v.data, "he");
    CHECK(v.dirty);
    CHECK(v.linked);
    CHECK_INT_EQ(v.last_writer, 9);
    CHECK_INT_EQ(v.mtime.tv_nsec, 0); /* whole seconds, see local.c */
    local_view_clear(&v);
    /* A commit of an older generation leaves the node dirty. */
    local_mark_committed(l, n, 2, -EINVAL);
    CHECK_INT_EQ(local_view(l, n, false, &v), 0);
    CHECK(v.dirty);
    CHECK_INT_EQ(v.committed_gen, 2);
    CHECK_INT_EQ(v.commit_rc, -EINVAL);
    local_view_clear(&v);
    local_mark_committed(l, n, 3, 0);
    local_mark_committed(l, n, 2, -EIO); /* late: must not win */
    CHECK_INT_EQ(local_view(l, n, false, &v), 0);
    CHECK(!v.dirty);
    CHECK_INT_EQ(v.committed_gen, 3);
    CHECK_INT_EQ(v.commit_rc, 0);
    local_view_clear(&v);
    local_put(l, n);
    local_free(l);
}

static void test_unlink_keeps_open_nodes_alive(void)
{
    struct local *l = local_new();
    struct local_file *n = mk(l, "/a", LOCAL_SCRATCH, "data");
    struct local_view v;
    char buf[8];

    CHECK(local_get(l, "/missing") == NULL);
    CHECK_INT_EQ(local_unlink(l, "/a"), 0);
    CHECK(local_get(l, "/a") == NULL);
    CHECK_INT_EQ(local_unlink(l, "/a"), -ENOENT);
    /* the caller's reference still works */
    CHECK_INT_EQ(local_read(l, n, buf, sizeof(buf), 0), 4);
    CHECK_INT_EQ(local_view(l, n, false, &v), 0);
    CHECK(!v.linked);
    local_view_clear(&v);
    local_put(l, n);
    local_free(l);
}

static void test_create_replaces_and_rename_moves(void)
{
    struct local *l = local_new();
    struct local_file *a = mk(l, "/m/a", LOCAL_SCRATCH, "A");
    struct local_file *b = mk(l, "/m/b", LOCAL_SCRATCH, "B");
    struct local_file *got;
    struct local_view v;

    CHECK_INT_EQ(local_rename(l, "/m/a", "/m/b"), 0); /* replaces b */
    got = local_get(l, "/m/b");
    CHECK(got == a);
    CHECK(local_get(l, "/m/a") == NULL);
    CHECK_INT_EQ(local_view(l, b, false, &v), 0);
    CHECK(!v.linked); /* the replaced node lives on for its holder */
    local_view_clear(&v);
    CHECK_INT_EQ(local_view(l, got, false, &v), 0);
    CHECK_STR_EQ(v.path, "/m/b");
    local_view_clear(&v);
    CHECK_INT_EQ(local_rename(l, "/m/none", "/m/x"), -ENOENT);
    local_put(l, got);
    local_put(l, a);
    local_put(l, b);
    local_free(l);
}

static void test_drop_if_idle(void)
{
    struct local *l = local_new();
    struct local_file *e = local_create(l, "/m/x.json", LOCAL_EDIT, 0644, 0, 0,
                                        "{}", 2, NULL);
    struct local_file *second = local_get(l, "/m/x.json");

    CHECK(!local_drop_if_idle(l, e)); /* two holders */
    local_put(l, second);
    CHECK(local_drop_if_idle(l, e)); /* the last one */
    CHECK(local_get(l, "/m/x.json") == NULL);
    local_put(l, e);
    local_free(l);
}

struct names {
    char list[256];
};

static void collect(void *ctx, const char *name, enum local_kind kind)
{
    struct names *n = ctx;
    strcat(n->list, name);
    strcat(n->list, kind == LOCAL_HIDDEN ? "(hidden) " : " ");
}

static void test_for_each_in_directory(void)
{
    struct local *l = local_new();
    struct names n = { "" };

    local_put(l, mk(l, "/members/a", LOCAL_SCRATCH, ""));
    local_put(l, mk(l, "/members/types/b", LOCAL_SCRATCH, ""));
    local_put(l, mk(l, "/top", LOCAL_SCRATCH, ""));
    local_put(l, mk(l, "/members/x.json", LOCAL_HIDDEN, ""));
    local_for_each_in(l, "/members", collect, &n);
    CHECK(strstr(n.list, "a ") != NULL);
    CHECK(strstr(n.list, "x.json(hidden) ") != NULL);
    CHECK(strstr(n.list, "b ") == NULL);
    CHECK(strstr(n.list, "top") == NULL);
    n.list[0] = '\0';
    local_for_each_in(l, "/", collect, &n);
    CHECK_STR_EQ(n.list, "top ");
    local_free(l);
}

int main(void)
{
    test_read_write_truncate();
    test_unlink_keeps_open_nodes_alive();
    test_create_replaces_and_rename_moves();
    test_drop_if_idle();
    test_for_each_in_directory();
    return unit_report();
}
