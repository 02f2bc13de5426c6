/* test_paths.c - unit tests for paths.c. */
#include <errno.h>

#include "paths.h"
#include "unit.h"

int main(void)
{
    char parent[64];

    CHECK_STR_EQ(path_display("/members/admin.json"), "members/admin.json");
    CHECK_STR_EQ(path_display("/"), "/");
    CHECK_INT_EQ(path_parent("/members/admin.json", parent, sizeof(parent)), 0);
    CHECK_STR_EQ(parent, "/members");
    CHECK_INT_EQ(path_parent("/info", parent, sizeof(parent)), 0);
    CHECK_STR_EQ(parent, "/");
    CHECK_INT_EQ(path_parent("/members/admin.json", parent, 8), -ENAMETOOLONG);
    return unit_report();
}
