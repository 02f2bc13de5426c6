/* errlog.c - see errlog.h. */
#include "errlog.h"

#include "log.h"
#include "paths.h"
#include "resources.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

/* /.cwmfs/errors keeps the newest lines within this many bytes. */
#define ERRORS_MAX_BYTES (64 * 1024)

#define ERRORS_FILE META_DIR "/errors"
#define REJECTED_DIR META_DIR "/rejected"

struct rejected {
    char *path;  /* the resource's mount path, e.g. "/members/admin.json" */
    char *text;
    size_t len;
    time_t when;
    UT_hash_handle hh;
};

struct errlog {
    pthread_mutex_t lock;
    char *errors; /* the lines of /.cwmfs/errors */
    size_t errors_len;
    time_t errors_mtime;
    time_t created;
    struct rejected *rejected;
};

struct errlog *errlog_new(void)
{
    struct errlog *log = calloc(1, sizeof(*log));

    if (!log)
        return NULL;
    pthread_mutex_init(&log->lock, NULL);
    log->created = log->errors_mtime = time(NULL);
    return log;
}

void errlog_free(struct errlog *log)
{
    struct rejected *r, *tmp;

    if (!log)
        return;
    HASH_ITER(hh, log->rejected, r, tmp) {
        HASH_DEL(log->rejected, r);
        free(r->path);
        free(r->text);
        free(r);
    }
    free(log->errors);
    pthread_mutex_destroy(&log->lock);
    free(log);
}

/* Appends a line, dropping the oldest lines beyond the size limit. */
static void append_line_locked(struct errlog *log, const char *line)
{
    size_t n = strlen(line);
    char *grown = realloc(log->errors, log->errors_len + n + 1);

    if (!grown)
        return;
    log->errors = grown;
    memcpy(log->errors + log->errors_len, line, n + 1);
    log->errors_len += n;
    while (log->errors_len > ERRORS_MAX_BYTES) {
        char *nl = memchr(log->errors, '\n', log->errors_len);
        size_t cut = nl ? (size_t)(nl - log->errors) + 1 : log->errors_len;
        memmove(log->errors, log->errors + cut, log->errors_len - cut + 1);
        log->errors_len -= cut;
    }
    log->errors_mtime = time(NULL);
}

static void keep_text_locked(struct errlog *log, const char *path,
                             const char *text, size_t len)
{
    struct rejected *r;
    char *copy = malloc(len ? len : 1);

    if (!copy)
        return;
    memcpy(copy, text, len);
    HASH_FIND_STR(log->rejected, path, r);
    if (!r) {
        r = calloc(1, sizeof(*r));
        if (!r || !(r->path = strdup(path))) {
            free(r);
            free(copy);
            return;
        }
        HASH_ADD_KEYPTR(hh, log->rejected, r->path, strlen(r->path), r);
    }
    free(r->text);
    r->text = copy;
    r->len = len;
    r->when = time(NULL);
}

void errlog_record(struct errlog *log, const char *path, int err,
                   const char *reason, const char *text, size_t len)
{
    char line[1400], stamp[32];
    time_t now = time(NULL);
    struct tm tm;

    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(line, sizeof(line), "%s %s: %s (%s)%s%s%s\n", stamp,
             path_display(path), reason, strerror(err < 0 ? -err : err),
             text ? "; your text is in " : "", text ? META_DIR "/rejected/" : "",
             text ? path_display(path) : "");
    log_warn("%.*s", (int)strlen(line) - 1, line);
    pthread_mutex_lock(&log->lock);
    append_line_locked(log, line);
    if (text)
        keep_text_locked(log, path, text, len);
    pthread_mutex_unlock(&log->lock);
}

/* ---- the tree ---- */

/* "/.cwmfs/rejected/members/admin.json" -> "/members/admin.json" */
static const char *rejected_target(const char *path)
{
    size_t n = strlen(REJECTED_DIR);
    return strncmp(path, REJECTED_DIR, n) == 0 && path[n] == '/' ? path + n : NULL;
}

/* Whether dir (a resource path like "/members") is a writable collection. */
static bool is_rejected_subdir(const char *dir)
{
    const struct resource_type *res = resource_at(dir);
    return res && res->kind == RES_COLLECTION && resource_is_writable(res);
}

static void dir_stat(struct stat *st, time_t mtime)
{
    st->st_mode = S_IFDIR | 0755;
    st->st_nlink = 2;
    st->st_mtime = mtime;
}

int errlog_getattr(struct errlog *log, const char *path, struct stat *st)
{
    const char *target = rejected_target(path);
    struct rejected *r = NULL;
    int rc = 0;

    pthread_mutex_lock(&log->lock);
    if (target)
        HASH_FIND_STR(log->rejected, target, r);
    if (strcmp(path, META_DIR) == 0 || strcmp(path, REJECTED_DIR) == 0) {
        dir_stat(st, log->created);
    } else if (strcmp(path, ERRORS_FILE) == 0) {
        st->st_mode = S_IFREG | 0444;
        st->st_nlink = 1;
        st->st_size = (off_t)log->errors_len;
        st->st_mtime = log->errors_mtime;
    } else if (target && is_rejected_subdir(target)) {
        dir_stat(st, log->created);
    } else if (r) {
        st->st_mode = S_IFREG | 0444;
        st->st_nlink = 1;
        st->st_size = (off_t)r->len;
        st->st_mtime = r->when;
    } else {
        rc = -ENOENT;
    }
    pthread_mutex_unlock(&log->lock);
    return rc;
}

int errlog_list(struct errlog *log, const char *path,
                void (*fn)(void *ctx, const char *name, mode_t type),
                void *ctx)
{
    const char *target = rejected_target(path);
    struct rejected *r, *tmp;

    if (strcmp(path, META_DIR) == 0) {
        fn(ctx, "errors", S_IFREG);
        fn(ctx, "rejected", S_IFDIR);
        return 0;
    }
    if (strcmp(path, REJECTED_DIR) == 0) {
        for (size_t i = 0; i < resource_count; i++)
            if (is_rejected_subdir(resource_table[i].path) &&
                !strchr(resource_table[i].path + 1, '/'))
                fn(ctx, resource_table[i].path + 1, S_IFDIR);
        return 0;
    }
    if (!target || !is_rejected_subdir(target))
        return -ENOTDIR;
    pthread_mutex_lock(&log->lock);
    HASH_ITER(hh, log->rejected, r, tmp) {
        size_t n = strlen(target);
        if (strncmp(r->path, target, n) == 0 && r->path[n] == '/')
            fn(ctx, r->path + n + 1, S_IFREG);
    }
    pthread_mutex_unlock(&log->lock);
    return 0;
}

int errlog_read(struct errlog *log, const char *path, char **data, size_t *len)
{
    const char *target = rejected_target(path);
    const char *src = NULL;
    struct rejected *r = NULL;
    size_t n = 0;
    int rc = 0;

    pthread_mutex_lock(&log->lock);
    if (strcmp(path, ERRORS_FILE) == 0) {
        src = log->errors;
        n = log->errors_len;
    } else if (target) {
        HASH_FIND_STR(log->rejected, target, r);
        if (r) {
            src = r->text;
            n = r->len;
        }
    }
    if (!src && strcmp(path, ERRORS_FILE) != 0)
        rc = -ENOENT;
    else if (!(*data = malloc(n + 1)))
        rc = -ENOMEM;
    else {
        if (n)
            memcpy(*data, src, n);
        *len = n;
    }
    pthread_mutex_unlock(&log->lock);
    return rc;
}
