/* errlog.c - see errlog.h. */
#include "errlog.h"

#include "buf.h"
#include "keep.h"
#include "log.h"
#include "paths.h"
#include "resources.h"
#include "strmap.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* /.cwmfs/errors keeps the newest lines within this many bytes. */
#define ERRORS_MAX_BYTES (64 * 1024)

#define ERRORS_FILE META_DIR "/errors"
#define REJECTED_DIR META_DIR "/rejected"

/* A refused text, kept under its mount path ("/members/admin.json"). */
struct rejected {
    char *text;
    size_t len;
    time_t when;
};

struct errlog {
    pthread_mutex_t lock;
    struct buf errors; /* the lines of /.cwmfs/errors */
    time_t errors_mtime;
    time_t created;
    struct strmap *rejected; /* mount path -> struct rejected */
    struct keep *keep;       /* refused texts on disk too, or NULL */
};

static void rejected_free(void *value)
{
    struct rejected *r = value;

    free(r->text);
    free(r);
}

struct errlog *errlog_new(void)
{
    struct errlog *log = calloc(1, sizeof(*log));

    if (!log)
        return NULL;
    log->rejected = strmap_new(rejected_free);
    if (!log->rejected) {
        free(log);
        return NULL;
    }
    pthread_mutex_init(&log->lock, NULL);
    buf_init(&log->errors, 0);
    log->created = log->errors_mtime = time(NULL);
    return log;
}

void errlog_free(struct errlog *log)
{
    if (!log)
        return;
    strmap_free(log->rejected);
    buf_clear(&log->errors);
    pthread_mutex_destroy(&log->lock);
    free(log);
}

/* Appends a line, dropping the oldest lines beyond the size limit. */
static void append_line_locked(struct errlog *log, const char *line)
{
    struct buf *b = &log->errors;

    if (buf_append_str(b, line) < 0)
        return;
    while (b->len > ERRORS_MAX_BYTES) {
        char *nl = memchr(b->data, '\n', b->len);
        size_t cut = nl ? (size_t)(nl - b->data) + 1 : b->len;
        memmove(b->data, b->data + cut, b->len - cut);
        buf_resize(b, b->len - cut); /* shrinking: cannot fail */
    }
    log->errors_mtime = time(NULL);
}

/* Finds or creates path's entry; NULL without memory. */
static struct rejected *rejected_for(struct errlog *log, const char *path)
{
    struct rejected *r = strmap_get(log->rejected, path);

    if (r)
        return r;
    r = calloc(1, sizeof(*r));
    if (r && strmap_put(log->rejected, path, r) < 0) {
        free(r);
        r = NULL;
    }
    return r;
}

static void keep_text_locked(struct errlog *log, const char *path,
                             const char *text, size_t len, time_t when)
{
    struct rejected *r;
    char *copy = malloc(len ? len : 1);

    if (!copy)
        return;
    memcpy(copy, text, len);
    r = rejected_for(log, path);
    if (!r) {
        free(copy);
        return;
    }
    free(r->text);
    r->text = copy;
    r->len = len;
    r->when = when;
}

/* One line of /.cwmfs/errors, stamped now, into line. */
static void format_line(char *line, size_t size, const char *path,
                        const char *reason, const char *why, bool text)
{
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;

    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(line, size, "%s %s: %s%s%s%s%s%s%s\n", stamp, path_display(path),
             reason, why ? " (" : "", why ? why : "", why ? ")" : "",
             text ? "; your text is in " : "",
             text ? META_DIR "/rejected/" : "", text ? path_display(path) : "");
}

void errlog_record(struct errlog *log, const char *path, int err,
                   const char *reason, const char *text, size_t len)
{
    char line[1400];

    format_line(line, sizeof(line), path, reason,
                strerror(err < 0 ? -err : err), text != NULL);
    log_warn("%.*s", (int)strlen(line) - 1, line);
    pthread_mutex_lock(&log->lock);
    append_line_locked(log, line);
    if (text)
        keep_text_locked(log, path, text, len, time(NULL));
    pthread_mutex_unlock(&log->lock);
    if (text)
        keep_put(log->keep, KEEP_REJECTED, path, text, len);
}

/* keep_each: a text refused before the last mount ended, shown again. */
static void restore_rejected(void *ctx, const char *path, const char *text,
                             size_t len, time_t mtime)
{
    struct errlog *log = ctx;

    pthread_mutex_lock(&log->lock);
    keep_text_locked(log, path, text, len, mtime);
    pthread_mutex_unlock(&log->lock);
}

/* keep_each: a file never sent before the last mount ended (a draft, a
 * swap file): shown as refused from now on, and said. */
static void restore_unsent(void *ctx, const char *path, const char *text,
                           size_t len, time_t mtime)
{
    struct errlog *log = ctx;
    char line[1400];

    format_line(line, sizeof(line), path,
                "was not on the server when cwmfs last stopped", NULL, true);
    log_warn("%.*s", (int)strlen(line) - 1, line);
    pthread_mutex_lock(&log->lock);
    append_line_locked(log, line);
    keep_text_locked(log, path, text, len, mtime);
    pthread_mutex_unlock(&log->lock);
    keep_put(log->keep, KEEP_REJECTED, path, text, len);
    keep_drop(log->keep, KEEP_UNSENT, path);
}

void errlog_keep(struct errlog *log, struct keep *keep)
{
    char line[256];
    size_t before;

    log->keep = keep;
    keep_each(keep, KEEP_REJECTED, restore_rejected, log);
    pthread_mutex_lock(&log->lock);
    before = strmap_count(log->rejected);
    if (before) {
        snprintf(line, sizeof(line),
                 "%zu refused texts kept from earlier mounts are in "
                 "%s/rejected\n",
                 before, META_DIR);
        append_line_locked(log, line);
    }
    pthread_mutex_unlock(&log->lock);
    keep_each(keep, KEEP_UNSENT, restore_unsent, log);
}

/* ---- the tree ---- */

/* "/.cwmfs/rejected/members/admin.json" -> "/members/admin.json" */
static const char *rejected_target(const char *path)
{
    size_t n = strlen(REJECTED_DIR);
    return strncmp(path, REJECTED_DIR, n) == 0 && path[n] == '/' ? path + n
                                                                 : NULL;
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
        r = strmap_get(log->rejected, target);
    if (strcmp(path, META_DIR) == 0 || strcmp(path, REJECTED_DIR) == 0) {
        dir_stat(st, log->created);
    } else if (strcmp(path, ERRORS_FILE) == 0) {
        st->st_mode = S_IFREG | 0444;
        st->st_nlink = 1;
        st->st_size = (off_t)log->errors.len;
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

struct list_ctx {
    const char *dir; /* a writable collection, e.g. "/members" */
    size_t dir_len;
    void (*fn)(void *ctx, const char *name, mode_t type);
    void *ctx;
};

/* strmap_each callback: lists a rejected text that lies in lc->dir. */
static bool list_rejected(void *ctx, const char *path, void *value)
{
    struct list_ctx *lc = ctx;

    (void)value;
    if (strncmp(path, lc->dir, lc->dir_len) == 0 && path[lc->dir_len] == '/' &&
        !strchr(path + lc->dir_len + 1, '/')) /* a nested collection's */
        lc->fn(lc->ctx, path + lc->dir_len + 1, S_IFREG);
    return false;
}

/* The writable collections directly inside dir ("" for the top), as the
 * folders of rejected/ (members/types inside members). */
static void list_rejected_subdirs(const char *dir,
                                  void (*fn)(void *ctx, const char *name,
                                             mode_t type),
                                  void *ctx)
{
    size_t n = strlen(dir);

    for (size_t i = 0; i < resource_count; i++) {
        const char *p = resource_table[i].path;

        if (strncmp(p, dir, n) == 0 && p[n] == '/' && !strchr(p + n + 1, '/') &&
            is_rejected_subdir(p))
            fn(ctx, p + n + 1, S_IFDIR);
    }
}

int errlog_list(struct errlog *log, const char *path,
                void (*fn)(void *ctx, const char *name, mode_t type), void *ctx)
{
    const char *target = rejected_target(path);
    struct list_ctx lc = { target, target ? strlen(target) : 0, fn, ctx };

    if (strcmp(path, META_DIR) == 0) {
        fn(ctx, "errors", S_IFREG);
        fn(ctx, "rejected", S_IFDIR);
        return 0;
    }
    if (strcmp(path, REJECTED_DIR) == 0) {
        list_rejected_subdirs("", fn, ctx);
        return 0;
    }
    if (!target || !is_rejected_subdir(target))
        return -ENOTDIR;
    list_rejected_subdirs(target, fn, ctx);
    pthread_mutex_lock(&log->lock);
    strmap_each(log->rejected, list_rejected, &lc);
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
        src = log->errors.data;
        n = log->errors.len;
    } else if (target) {
        r = strmap_get(log->rejected, target);
        if (r) {
            src = r->text;
            n = r->len;
        }
    }
    *data = NULL;
    if (!src && strcmp(path, ERRORS_FILE) != 0)
        rc = -ENOENT;
    else
        *data = malloc(n + 1);
    if (rc == 0 && !*data)
        rc = -ENOMEM;
    if (rc == 0) {
        if (n)
            memcpy(*data, src, n);
        (*data)[n] = '\0';
        *len = n;
    }
    pthread_mutex_unlock(&log->lock);
    return rc;
}
