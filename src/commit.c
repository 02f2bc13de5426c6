/* commit.c - see commit.h. */
#include "commit.h"

#include "jsonpatch.h"
#include "log.h"
#include "names.h"
#include "render.h"

#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DELETE_WINDOW_SECONDS 60.0

/* Fields the server manages: never sent, never compared. */
static const char *const server_managed[] = { "_info", NULL };

int committer_init(struct committer *c, struct store *store,
                   struct errlog *errlog, bool use_put, int max_deletes)
{
    memset(c, 0, sizeof(*c));
    c->store = store;
    c->errlog = errlog;
    c->use_put = use_put;
    c->max_deletes = max_deletes;
    pthread_mutex_init(&c->guard_lock, NULL);
    if (max_deletes > 0) {
        c->delete_times = calloc((size_t)max_deletes, sizeof(double));
        if (!c->delete_times)
            return -ENOMEM;
        for (int i = 0; i < max_deletes; i++)
            c->delete_times[i] = -1e9; /* long ago */
    }
    return 0;
}

void committer_destroy(struct committer *c)
{
    free(c->delete_times);
    pthread_mutex_destroy(&c->guard_lock);
}

void commit_result_clear(struct commit_result *r)
{
    free(r->new_path);
    free(r->answer);
    memset(r, 0, sizeof(*r));
}

/* Records a refusal (log, /.cwmfs/errors, the text) and returns err. */
static int refuse(struct committer *c, const char *path, int err,
                  const char *text, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static int refuse(struct committer *c, const char *path, int err,
                  const char *text, size_t len, const char *fmt, ...)
{
    char reason[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    errlog_record(c->errlog, path, err, reason, text, len);
    return err;
}

static bool is_blank(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!isspace((unsigned char)text[i]))
            return false;
    return true;
}

/* Strict parse: the whole text must be one JSON value.  text must be
 * NUL-terminated at len (cJSON checks for trailing garbage by finding the
 * terminator), so a NUL inside is refused first. */
static cJSON *parse_user_text(const char *text, size_t len, char *why,
                              size_t why_len)
{
    const char *end = NULL;
    cJSON *json;
    int line = 1;

    if (memchr(text, '\0', len)) {
        snprintf(why, why_len, "not valid JSON (it contains a NUL byte)");
        return NULL;
    }
    json = cJSON_ParseWithLengthOpts(text, len + 1, &end, true);
    if (json)
        return json;
    if (!end || end < text || end > text + len)
        end = text + len;
    for (const char *p = text; p < end; p++)
        line += *p == '\n';
    if (end == text + len) {
        snprintf(why, why_len, "not valid JSON (it ends early, line %d)", line);
    } else {
        char near[24];
        size_t n = 0;
        /* One line in the error file: the context without newlines. */
        for (const char *p = end; p < text + len && n < sizeof(near) - 1; p++)
            near[n++] = (unsigned char)*p < 0x20 ? ' ' : *p;
        near[n] = '\0';
        snprintf(why, why_len, "not valid JSON (line %d, near \"%s\")", line,
                 near);
    }
    return NULL;
}

/* The object's id as a path segment ("42"), or NULL. */
static char *id_of(const cJSON *obj)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(obj, "id");
    char buf[32];

    if (!cJSON_IsNumber(id))
        return NULL;
    snprintf(buf, sizeof(buf), "%lld", (long long)id->valuedouble);
    return strdup(buf);
}

static bool allows(const struct node *node, unsigned verb)
{
    return (node->res->verbs & verb) != 0;
}

/* Keeps the rendered answer for the caller (the file's new content). */
static void fetch_answer(struct committer *c, const struct node *node,
                         const char *key, struct commit_result *result)
{
    struct doc doc = { 0 };

    if (store_object(c->store, node->res, key, true, &doc) == 0) {
        result->answer = doc.text;
        result->answer_len = doc.len;
    }
}

static char *path_for_key(const char *path, const char *key)
{
    char dir[4096], *name = name_for_key(key), *out = NULL;

    if (name && path_parent(path, dir, sizeof(dir)) == 0 &&
        asprintf(&out, "%s/%s", strcmp(dir, "/") ? dir : "", name) < 0)
        out = NULL;
    free(name);
    return out;
}

/* ---- a new object: POST ---- */

static int post_new(struct committer *c, const char *path,
                    const struct node *node, cJSON *body, const char *text,
                    size_t len, time_t shown, struct commit_result *result)
{
    const char *field = node->res->key_field;
    const cJSON *named = cJSON_GetObjectItemCaseSensitive(body, field);
    struct api_error err = { 0 };
    char *key = NULL;
    int rc;

    if (!allows(node, VERB_POST))
        return refuse(c, path, -EACCES, text, len,
                      "%s cannot be created through the API", node->res->path + 1);
    if (cJSON_GetObjectItemCaseSensitive(body, "id"))
        return refuse(c, path, -EINVAL, text, len,
                      "a new object gets its id from the server: remove \"id\" "
                      "(to change an existing object, save it under its own name)");
    /* Objects named by identifier take it from the file name; ids are
     * always the server's to give. */
    if (!resource_keyed_by_id(node->res)) {
        if (named && !(cJSON_IsString(named) && strcmp(named->valuestring, node->key) == 0))
            return refuse(c, path, -EINVAL, text, len,
                          "the body's %s disagrees with the file name "
                          "(rename the file or fix \"%s\")", field, field);
        if (!named && !cJSON_AddStringToObject(body, field, node->key))
            return -ENOMEM;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(body, "_info");
    rc = store_create(c->store, node->res, body, shown, &key, &err);
    if (rc)
        return refuse(c, path, rc, text, len, "the server refused to create it: %s",
                      err.message);
    result->sent = true;
    result->new_path = path_for_key(path, key);
    fetch_answer(c, node, key, result);
    log_info("%s: created", path_display(result->new_path ? result->new_path : path));
    free(key);
    return 0;
}

/* ---- an existing object: PATCH or PUT ---- */

static int send_update(struct committer *c, const char *path,
                       const struct node *node, const char *id,
                       const cJSON *patch, const cJSON *theirs,
                       const char *text, size_t len, time_t shown)
{
    struct api_error err = { 0 };
    cJSON *merged = NULL;
    int rc;

    if (c->use_put) {
        merged = cJSON_Duplicate(theirs, true);
        if (!merged || jsonpatch_apply(merged, patch) != 0) {
            cJSON_Delete(merged);
            return -ENOMEM;
        }
    }
    rc = store_update(c->store, node->res, node->key, id,
                      c->use_put ? "PUT" : "PATCH", c->use_put ? merged : patch,
                      shown, &err);
    cJSON_Delete(merged);
    if (rc)
        return refuse(c, path, rc, text, len, "the server refused the change: %s",
                      err.message);
    return 0;
}

static int update_existing(struct committer *c, const char *path,
                           const struct node *node, const cJSON *mine,
                           const char *base_text, const char *text,
                           size_t len, time_t shown,
                           struct commit_result *result)
{
    cJSON *base = render_parse(base_text, strlen(base_text));
    cJSON *patch = NULL, *theirs = NULL;
    char *id = base ? id_of(base) : NULL, conflicts[256];
    struct api_error err = { 0 };
    int rc;

    if (!base || !id) {
        rc = refuse(c, path, -EIO, text, len, "cannot tell which object this is");
        goto out;
    }
    if (!cJSON_Compare(cJSON_GetObjectItemCaseSensitive(base, "id"),
                       cJSON_GetObjectItemCaseSensitive(mine, "id"), true)) {
        rc = refuse(c, path, -EINVAL, text, len,
                    "\"id\" was changed or removed; it names the object and "
                    "cannot change (to create an object, save a new file)");
        goto out;
    }
    rc = -ENOMEM;
    patch = jsonpatch_diff(base, mine, server_managed);
    if (!patch)
        goto out;
    rc = 0;
    if (jsonpatch_is_empty(patch))
        goto out; /* an unchanged save sends nothing */
    if (!allows(node, c->use_put ? VERB_PUT : VERB_PATCH)) {
        rc = refuse(c, path, -EACCES, text, len, "%s is read-only in the API",
                    node->res->path + 1);
        goto out;
    }
    rc = store_fetch_fresh(c->store, node->res, id, &theirs, &err);
    if (rc) {
        rc = refuse(c, path, rc, text, len, "cannot check the server's copy: %s",
                    err.message);
        goto out;
    }
    if (jsonpatch_conflicts(base, patch, theirs, conflicts, sizeof(conflicts))) {
        rc = refuse(c, path, -ESTALE, text, len,
                    "changed on the server since you opened it, in the same "
                    "fields: %s; reopen the file and make your change again",
                    conflicts);
        goto out;
    }
    rc = send_update(c, path, node, id, patch, theirs, text, len, shown);
    if (rc == 0) {
        result->sent = true;
        fetch_answer(c, node, node->key, result);
        log_info("%s: saved", path_display(path));
    }
out:
    cJSON_Delete(base);
    cJSON_Delete(patch);
    cJSON_Delete(theirs);
    free(id);
    return rc;
}

int commit_save(struct committer *c, const char *path, const struct node *node,
                const char *base, const char *text, size_t len,
                time_t shown_mtime, struct commit_result *result)
{
    char why[128];
    cJSON *mine;
    int rc;

    memset(result, 0, sizeof(*result));
    if (!base && is_blank(text, len))
        return 0; /* touch new.json: nothing to post yet */
    if (is_blank(text, len))
        return refuse(c, path, -EINVAL, text, len,
                      "the file is empty; an object cannot be emptied "
                      "(rm deletes it)");
    mine = parse_user_text(text, len, why, sizeof(why));
    if (!mine)
        return refuse(c, path, -EINVAL, text, len, "%s", why);
    if (!cJSON_IsObject(mine))
        rc = refuse(c, path, -EINVAL, text, len, "expected a JSON object {...}");
    else if (!base)
        rc = post_new(c, path, node, mine, text, len, shown_mtime, result);
    else
        rc = update_existing(c, path, node, mine, base, text, len, shown_mtime,
                             result);
    cJSON_Delete(mine);
    return rc;
}

/* ---- DELETE ---- */

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Takes a slot in the sliding window, or says no. */
static bool guard_allows_delete(struct committer *c)
{
    double now = now_seconds();
    bool ok;

    if (c->max_deletes <= 0)
        return false;
    pthread_mutex_lock(&c->guard_lock);
    /* The slot about to be reused holds the oldest of the last N deletes. */
    ok = now - c->delete_times[c->delete_next] >= DELETE_WINDOW_SECONDS;
    if (ok) {
        c->delete_times[c->delete_next] = now;
        c->delete_next = (c->delete_next + 1) % c->max_deletes;
    }
    pthread_mutex_unlock(&c->guard_lock);
    return ok;
}

int commit_delete(struct committer *c, const char *path, const struct node *node)
{
    struct doc doc = { 0 };
    struct api_error err = { 0 };
    cJSON *obj = NULL;
    char *id = NULL;
    int rc;

    if (!allows(node, VERB_DELETE))
        return refuse(c, path, -EACCES, NULL, 0,
                      "%s cannot be deleted through the API", node->res->path + 1);
    rc = store_object(c->store, node->res, node->key, true, &doc);
    if (rc)
        return rc;
    obj = render_parse(doc.text, doc.len);
    id = obj ? id_of(obj) : NULL;
    if (!id)
        rc = refuse(c, path, -EIO, NULL, 0, "cannot tell which object this is");
    else if (!guard_allows_delete(c))
        rc = refuse(c, path, -EPERM, NULL, 0,
                    "refusing to delete: more than %d deletes in a minute "
                    "(a guard against mass deletion; -o max_deletes=N changes it)",
                    c->max_deletes);
    else if ((rc = store_delete(c->store, node->res, node->key, id, &err)) != 0)
        rc = refuse(c, path, rc, NULL, 0, "the server refused to delete it: %s",
                    err.message);
    else
        log_info("%s: deleted", path_display(path));
    cJSON_Delete(obj);
    free(id);
    doc_clear(&doc);
    return rc;
}
