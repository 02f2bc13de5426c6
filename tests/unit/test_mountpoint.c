/* test_mountpoint.c - unit tests for mountpoint.c: reading mountinfo. */
#include <stdbool.h>

#include "mountpoint.h"
#include "unit.h"

static void test_lines(void)
{
    const char *cwmfs = "42 27 0:39 / /tmp/a/mnt rw,nosuid,nodev,relatime - "
                        "fuse.cwmfs cwmfs:default rw,user_id=0,group_id=0\n";
    const char *spaced = "43 27 0:40 / /tmp/my\\040mount rw shared:5 - "
                         "fuse.cwmfs cwmfs:x rw\n";
    const char *sshfs = "44 27 0:41 / /tmp/a/mnt rw - fuse.sshfs host:/ rw\n";

    CHECK(mountpoint_line_is_cwmfs(cwmfs, "/tmp/a/mnt"));
    CHECK(!mountpoint_line_is_cwmfs(cwmfs, "/tmp/a/mn"));
    CHECK(!mountpoint_line_is_cwmfs(cwmfs, "/tmp/a/mnt/"));
    CHECK(mountpoint_line_is_cwmfs(spaced, "/tmp/my mount"));
    CHECK(!mountpoint_line_is_cwmfs(spaced, "/tmp/my\\040mount"));
    CHECK(!mountpoint_line_is_cwmfs(sshfs, "/tmp/a/mnt"));
    CHECK(!mountpoint_line_is_cwmfs("", "/"));
    CHECK(!mountpoint_line_is_cwmfs("1 2 3 4", "4"));
    CHECK(!mountpoint_line_is_cwmfs("1 2 3 / /x\\04", "/x"));
}

/* A live directory needs nothing done. */
static void test_prepare_alive(void)
{
    char err[256];
    bool cleaned = true;

    CHECK_INT_EQ(mountpoint_prepare("/tmp", &cleaned, err, sizeof(err)), 0);
    CHECK(!cleaned);
    CHECK_INT_EQ(
        mountpoint_prepare("/nonexistent/x", &cleaned, err, sizeof(err)), 0);
}

int main(void)
{
    test_lines();
    test_prepare_alive();
    return unit_report();
}
