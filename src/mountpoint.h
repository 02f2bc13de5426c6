/* mountpoint.h - the directory cwmfs mounts on: what was left there, and
 * what happens to it when the daemon dies.
 *
 * A daemon killed with SIGKILL leaves its mount answering "Transport
 * endpoint is not connected" until someone runs fusermount3 -u.  cwmfs
 * mounts with libfuse's auto_unmount (fusermount3 stays behind as a
 * watchdog and unmounts when the daemon's /dev/fuse closes, however it
 * died) unless -o no_auto_unmount; and a dead cwmfs mount found at the
 * mount point is unmounted before mounting again, with one line saying
 * so.  Another filesystem's dead mount is left alone. */
#ifndef CWMFS_MOUNTPOINT_H
#define CWMFS_MOUNTPOINT_H

#include <stdbool.h>
#include <stddef.h>

/* Whether a line of /proc/self/mountinfo is a cwmfs mount at path (its
 * mount point field, with mountinfo's octal escapes, equals path, and its
 * type is fuse.cwmfs). */
bool mountpoint_line_is_cwmfs(const char *line, const char *path);

/* Readies path for a mount: 0 when it can be mounted on (a dead cwmfs
 * mount there was unmounted, and *cleaned says so), or -1 with a one-line
 * reason in err. */
int mountpoint_prepare(const char *path, bool *cleaned, char *err,
                       size_t errlen);

#endif
