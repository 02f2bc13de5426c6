/* fuzz_mountinfo.c - a line of /proc/self/mountinfo, read when a dead
 * mount is found at the mount point.  Oracle: no crash; a line whose
 * mount point field is the path, unescaped, and whose type is fuse.cwmfs
 * is the only kind that matches. */
#include "fuzz.h"

#include "mountpoint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *line = fuzz_string(data, size);

    if (mountpoint_line_is_cwmfs(line, "/tmp/x"))
        FUZZ_REQUIRE(strstr(line, " - fuse.cwmfs ") != NULL);
    free(line);
    return 0;
}
