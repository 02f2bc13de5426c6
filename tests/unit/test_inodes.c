/* test_inodes.c - unit tests for inodes.c: numbers that follow files. */
#include "inodes.h"
#include "unit.h"

int main(void)
{
    struct inode_table *t = inode_table_new();
    uint64_t a, b, tmp;

    CHECK_INT_EQ(inode_for_path(t, "/"), 1);
    a = inode_for_path(t, "/members/a.json");
    b = inode_for_path(t, "/members/b.json");
    CHECK(a > 1 && b > 1 && a != b);
    CHECK_INT_EQ(inode_for_path(t, "/members/a.json"), a); /* stable */
    /* sed -i: its temporary file renamed onto a.json takes its number. */
    tmp = inode_for_path(t, "/members/sedX1");
    inode_move(t, "/members/sedX1", "/members/a.json");
    CHECK_INT_EQ(inode_for_path(t, "/members/a.json"), tmp);
    CHECK_INT_EQ(inode_count(t), 2); /* sedX1's name is gone */
    /* Unlinked: forgotten; a new file there gets a new number. */
    inode_forget(t, "/members/b.json");
    CHECK_INT_EQ(inode_count(t), 1);
    CHECK(inode_for_path(t, "/members/b.json") != b);
    /* A rename from a name with no number leaves the target none. */
    inode_move(t, "/nothing", "/members/b.json");
    CHECK_INT_EQ(inode_count(t), 1);
    inode_table_free(t);
    return unit_report();
}
