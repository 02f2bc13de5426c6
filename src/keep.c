/* keep.c - see keep.h. */
#include "keep.h"

#include "buf.h"
#include "log.h"
#include "names.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const area_dirs[] = { "rejected", "unsent" };

struct keep {
    pthread_mutex_t lock; /* one writer at a time: the bounds hold */
    char dir[PATH_MAX];   /* .../cwmfs/<profile> */
};

/* One kept file, as found on disk. */
struct kept {
    char name[NAME_MAX + 1];
    struct timespec mtime;
    off_t size;
};

static int make_dir(const char *path)
{
    return mkdir(path, 0700) == 0 || errno == EEXIST ? 0 : -errno;
}

/* $XDG_STATE_HOME, else ~/.local/state (the XDG default), into out. */
static int state_home(char *out, size_t len)
{
    const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");

    if (xdg && xdg[0] == '/')
        return snprintf(out, len, "%s", xdg) < (int)len ? 0 : -ENAMETOOLONG;
    if (!home || home[0] != '/')
        return -ENOENT;
    if (snprintf(out, len, "%s/.local", home) >= (int)len)
        return -ENAMETOOLONG;
    make_dir(out);
    return snprintf(out, len, "%s/.local/state", home) < (int)len
               ? 0
               : -ENAMETOOLONG;
}

/* A profile name as a directory name: anything odd becomes "profile". */
static const char *profile_dir(const char *profile)
{
    const char *name = profile ? profile : "default";

    if (!name[0] || name[0] == '.' || strlen(name) > 64 ||
        strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                     "0123456789._-") != strlen(name))
        return "profile";
    return name;
}

struct keep *keep_open(const char *profile)
{
    struct keep *k = calloc(1, sizeof(*k));
    char sub[PATH_MAX + 16];
    int rc = k ? state_home(k->dir, sizeof(k->dir)) : -ENOMEM;
    size_t used;

    if (rc == 0)
        rc = make_dir(k->dir);
    used = k ? strlen(k->dir) : 0;
    if (rc == 0 && snprintf(k->dir + used, sizeof(k->dir) - used, "/cwmfs") <
                       (int)(sizeof(k->dir) - used))
        rc = make_dir(k->dir);
    used = k ? strlen(k->dir) : 0;
    if (rc == 0 &&
        snprintf(k->dir + used, sizeof(k->dir) - used, "/%s",
                 profile_dir(profile)) < (int)(sizeof(k->dir) - used))
        rc = make_dir(k->dir);
    for (size_t a = 0; rc == 0 && a < 2; a++) {
        snprintf(sub, sizeof(sub), "%s/%s", k->dir, area_dirs[a]);
        rc = make_dir(sub);
    }
    if (rc) {
        log_warn("texts not on the server are kept in memory only: cannot "
                 "make %s (%s)",
                 k ? k->dir : "the state directory", strerror(-rc));
        free(k);
        return NULL;
    }
    chmod(k->dir, 0700);
    pthread_mutex_init(&k->lock, NULL);
    return k;
}

void keep_close(struct keep *k)
{
    if (!k)
        return;
    pthread_mutex_destroy(&k->lock);
    free(k);
}

/* The file of path in area (its name: the mount path, encoded whole). */
static int file_of(const struct keep *k, enum keep_area area, const char *path,
                   char *out, size_t len)
{
    char *name = name_encode(path);
    int n = name ? snprintf(out, len, "%s/%s/%s", k->dir, area_dirs[area], name)
                 : -1;

    free(name);
    return n >= 0 && n < (int)len ? 0 : -ENAMETOOLONG;
}

static int by_age(const void *a, const void *b)
{
    const struct timespec *x = &((const struct kept *)a)->mtime;
    const struct timespec *y = &((const struct kept *)b)->mtime;

    if (x->tv_sec != y->tv_sec)
        return (x->tv_sec > y->tv_sec) - (x->tv_sec < y->tv_sec);
    return (x->tv_nsec > y->tv_nsec) - (x->tv_nsec < y->tv_nsec);
}

/* area's files, oldest first (malloc'd array of *n); NULL when none. */
static struct kept *list_area(const struct keep *k, enum keep_area area,
                              size_t *n)
{
    char dir[PATH_MAX + 16], file[2 * PATH_MAX];
    struct kept *all = NULL, *more;
    size_t cap = 0;
    struct dirent *d;
    struct stat st;
    DIR *dp;

    *n = 0;
    snprintf(dir, sizeof(dir), "%s/%s", k->dir, area_dirs[area]);
    dp = opendir(dir);
    for (d = dp ? readdir(dp) : NULL; d; d = readdir(dp)) {
        snprintf(file, sizeof(file), "%s/%s", dir, d->d_name);
        if (d->d_name[0] == '.' || lstat(file, &st) != 0 ||
            !S_ISREG(st.st_mode))
            continue; /* ., .., and .tmp files being written */
        more = array_reserve(all, &cap, *n + 1, sizeof(*all));
        if (!more)
            break;
        all = more;
        snprintf(all[*n].name, sizeof(all[*n].name), "%s", d->d_name);
        all[*n].mtime = st.st_mtim;
        all[(*n)++].size = st.st_size;
    }
    if (dp)
        closedir(dp);
    if (*n)
        qsort(all, *n, sizeof(*all), by_age);
    return all;
}

/* Drops the oldest files of area until it is within bounds. */
static void bound_area_locked(struct keep *k, enum keep_area area)
{
    char file[2 * PATH_MAX];
    size_t n, first = 0;
    struct kept *all = list_area(k, area, &n);
    off_t bytes = 0;

    for (size_t i = 0; i < n; i++)
        bytes += all[i].size;
    while (first < n &&
           (n - first > KEEP_MAX_FILES || bytes > KEEP_MAX_BYTES)) {
        snprintf(file, sizeof(file), "%s/%s/%s", k->dir, area_dirs[area],
                 all[first].name);
        unlink(file);
        bytes -= all[first++].size;
    }
    free(all);
}

/* Writes text to file through a temporary name, so a crash leaves the
 * old text or the new, never half of one. */
static int write_whole(const char *file, const char *text, size_t len)
{
    char tmp[2 * PATH_MAX + 8];
    const char *slash = strrchr(file, '/');
    int fd, rc = 0;

    snprintf(tmp, sizeof(tmp), "%.*s/.%s.tmp", (int)(slash - file), file,
             slash + 1);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    for (size_t done = 0; rc == 0 && done < len;) {
        ssize_t n = write(fd, text + done, len - done);
        if (n < 0 && errno != EINTR)
            rc = -errno;
        else if (n > 0)
            done += (size_t)n;
    }
    if (rc == 0 && fsync(fd) != 0)
        rc = -errno;
    close(fd);
    if (rc == 0 && rename(tmp, file) != 0)
        rc = -errno;
    if (rc)
        unlink(tmp);
    return rc;
}

void keep_put(struct keep *k, enum keep_area area, const char *path,
              const char *text, size_t len)
{
    char file[2 * PATH_MAX];
    int rc;

    if (!k || len > KEEP_MAX_BYTES)
        return;
    rc = file_of(k, area, path, file, sizeof(file));
    pthread_mutex_lock(&k->lock);
    if (rc == 0)
        rc = write_whole(file, text, len);
    if (rc == 0)
        bound_area_locked(k, area);
    pthread_mutex_unlock(&k->lock);
    if (rc)
        log_warn("%s: not kept on disk (%s)", path, strerror(-rc));
}

void keep_drop(struct keep *k, enum keep_area area, const char *path)
{
    char file[2 * PATH_MAX];

    if (!k || file_of(k, area, path, file, sizeof(file)) != 0)
        return;
    pthread_mutex_lock(&k->lock);
    unlink(file);
    pthread_mutex_unlock(&k->lock);
}

/* A kept file's bytes (malloc'd); NULL when it cannot be read. */
static char *read_whole(const char *file, size_t *len)
{
    struct buf b = BUF_INIT(KEEP_MAX_BYTES);
    char chunk[8192];
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, chunk, sizeof(chunk)) : -1;

    for (; n > 0; n = read(fd, chunk, sizeof(chunk)))
        if (buf_append(&b, chunk, (size_t)n) != 0)
            break;
    if (fd >= 0)
        close(fd);
    if (fd < 0 || n != 0) {
        buf_clear(&b);
        return NULL;
    }
    return buf_take(&b, len);
}

void keep_each(struct keep *k, enum keep_area area, keep_each_fn fn, void *ctx)
{
    char file[2 * PATH_MAX];
    size_t n, len;
    struct kept *all;

    if (!k)
        return;
    pthread_mutex_lock(&k->lock);
    all = list_area(k, area, &n);
    pthread_mutex_unlock(&k->lock);
    for (size_t i = 0; i < n; i++) {
        char *path = name_decode(all[i].name), *text;

        snprintf(file, sizeof(file), "%s/%s/%s", k->dir, area_dirs[area],
                 all[i].name);
        text = path && path[0] == '/' ? read_whole(file, &len) : NULL;
        if (text)
            fn(ctx, path, text, len, all[i].mtime.tv_sec);
        free(text);
        free(path);
    }
    free(all);
}
