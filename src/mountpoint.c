/* mountpoint.c - see mountpoint.h. */
#include "mountpoint.h"

#include <errno.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static bool is_octal(char c) { return c >= '0' && c <= '7'; }

/* mountinfo's mount point field, unescaped (\040 is a space), into out;
 * false when it does not fit. */
static bool unescape_field(const char *field, size_t len, char *out,
                           size_t outlen)
{
    size_t o = 0;

    for (size_t i = 0; i < len; i++) {
        char c = field[i];

        if (c == '\\' && i + 3 < len && is_octal(field[i + 1]) &&
            is_octal(field[i + 2]) && is_octal(field[i + 3])) {
            c = (char)(((field[i + 1] - '0') << 6) |
                       ((field[i + 2] - '0') << 3) | (field[i + 3] - '0'));
            i += 3;
        }
        if (o + 1 >= outlen)
            return false;
        out[o++] = c;
    }
    out[o] = '\0';
    return true;
}

bool mountpoint_line_is_cwmfs(const char *line, const char *path)
{
    const char *p = line, *sep = strstr(line, " - ");
    char point[PATH_MAX];
    size_t len;

    /* id, parent, major:minor, root, then the mount point */
    for (int field = 0; field < 4 && p; field++) {
        p = strchr(p, ' ');
        p = p ? p + 1 : NULL;
    }
    if (!p || !sep || p > sep)
        return false;
    len = strcspn(p, " ");
    return unescape_field(p, len, point, sizeof(point)) &&
           strcmp(point, path) == 0 && strncmp(sep + 3, "fuse.cwmfs ", 11) == 0;
}

/* path made absolute without touching it (a dead mount cannot be stat'ed):
 * its directory resolved, its last component kept. */
static bool absolute_path(const char *path, char *out, size_t outlen)
{
    char copy[PATH_MAX], dir[PATH_MAX];
    const char *parent = ".", *base = copy;
    char *slash;
    size_t len = strlen(path);

    if (len == 0 || len >= sizeof(copy))
        return false;
    memcpy(copy, path, len + 1);
    while (len > 1 && copy[len - 1] == '/')
        copy[--len] = '\0';
    slash = strrchr(copy, '/');
    if (slash) {
        *slash = '\0';
        parent = slash == copy ? "/" : copy;
        base = slash + 1;
    }
    if (!realpath(parent, dir))
        return false;
    return snprintf(out, outlen, "%s%s%s", dir, strcmp(dir, "/") ? "/" : "",
                    base) < (int)outlen;
}

static bool is_cwmfs_mount(const char *abs)
{
    FILE *f = fopen("/proc/self/mountinfo", "r");
    char line[4 * PATH_MAX];
    bool found = false;

    while (f && !found && fgets(line, sizeof(line), f))
        found = mountpoint_line_is_cwmfs(line, abs);
    if (f)
        fclose(f);
    return found;
}

/* Lazily unmounts abs: directly as root, else through fusermount3 (the
 * set-uid helper that let the user mount it). */
static int unmount_dead(const char *abs)
{
    char *argv[] = { "fusermount3", "-u", "-z", (char *)abs, NULL };
    pid_t pid;
    int status;

    if (umount2(abs, MNT_DETACH) == 0)
        return 0;
    if (posix_spawnp(&pid, "fusermount3", NULL, NULL, argv, environ) != 0)
        return -1;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int mountpoint_prepare(const char *path, bool *cleaned, char *err,
                       size_t errlen)
{
    char abs[PATH_MAX];
    struct statfs sf;

    *cleaned = false;
    /* statfs always reaches a FUSE daemon (stat may be answered from the
     * kernel's cache of the root's attributes, dead daemon or not). */
    if (statfs(path, &sf) == 0 || errno != ENOTCONN)
        return 0; /* alive or absent: fuse_mount says what is wrong */
    if (!absolute_path(path, abs, sizeof(abs)) || !is_cwmfs_mount(abs)) {
        snprintf(err, errlen,
                 "%s is a dead mount of another filesystem "
                 "(\"Transport endpoint is not connected\"); unmount it "
                 "first: fusermount3 -u %s",
                 path, path);
        return -1;
    }
    if (unmount_dead(abs) != 0) {
        snprintf(err, errlen,
                 "%s is a dead cwmfs mount and could not be unmounted; "
                 "try: fusermount3 -u -z %s",
                 path, path);
        return -1;
    }
    *cleaned = true;
    return 0;
}
