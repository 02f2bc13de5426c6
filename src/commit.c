/* commit.c - see commit.h. */
#include "commit.h"

#include "allowed.h"
#include "clock.h"
#include "jsonpatch.h"
#include "log.h"
#include "names.h"
#include "paths.h"
#include "render.h"
#include "strmap.h"

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

/* A mutex per object being committed, alive while anyone holds or waits. */
struct object_lock {
    char *path;
    pthread_mutex_t mutex;
    int users;
};

static void object_lock_free(void *value)
{
    struct object_lock *lock = value;

    pthread_mutex_destroy(&lock->mutex);
    free(lock->path);
    free(lock);
}

int committer_init(struct committer *c, struct store *store,
                   struct errlog *errlog, struct reads *reads, bool use_put,
                   int max_deletes)
{
    memset(c, 0, sizeof(*c));
    c->store = store;
    c->errlog = errlog;
    c->reads = reads;
    c->use_put = use_put;
    c->max_deletes = max_deletes;
    pthread_mutex_init(&c->guard_lock, NULL);
    pthread_mutex_init(&c->locks_lock, NULL);
    c->locks = strmap_new(object_lock_free);
    if (!c->locks)
        return -ENOMEM;
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
    strmap_free(c->locks);
    free(c->delete_times);
    pthread_mutex_destroy(&c->guard_lock);
    pthread_mutex_destroy(&c->locks_lock);
}

/* The lock of path, made if none; NULL without memory. */
static struct object_lock *lock_for_locked(struct committer *c,
                                           const char *path)
{
    struct object_lock *lock = strmap_get(c->locks, path);

    if (lock)
        return lock;
    lock = calloc(1, sizeof(*lock));
    if (!lock)
        return NULL;
    lock->path = strdup(path);
    pthread_mutex_init(&lock->mutex, NULL);
    if (!lock->path || strmap_put(c->locks, path, lock) != 0) {
        object_lock_free(lock);
        return NULL;
    }
    return lock;
}

struct object_lock *commit_lock(struct committer *c, const char *path)
{
    struct object_lock *lock;

    pthread_mutex_lock(&c->locks_lock);
    lock = lock_for_locked(c, path);
    if (lock)
        lock->users++;
    pthread_mutex_unlock(&c->locks_lock);
    if (lock)
        pthread_mutex_lock(&lock->mutex);
    return lock; /* NULL only without memory: the commit runs unserialised */
}

void commit_unlock(struct committer *c, struct object_lock *lock)
{
    if (!lock)
        return;
    pthread_mutex_unlock(&lock->mutex);
    pthread_mutex_lock(&c->locks_lock);
    if (--lock->users == 0)
        strmap_remove(c->locks, lock->path);
    pthread_mutex_unlock(&c->locks_lock);
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

/* Refuses a write the API never offers (EACCES), or one this server
 * answered 405 before (EROFS; for DELETE, EPERM and what ConnectWise
 * offers instead); 0 when verb may be tried. */
static int refuse_unoffered(struct committer *c, const char *path,
                            const struct resource_type *res, unsigned verb,
                            const char *text, size_t len)
{
    const char *dir = res->path + 1;
    const char *hint = verb == VERB_DELETE ? res->instead_of_delete : NULL;

    if (store_verbs(c->store, res) & verb)
        return 0;
    if (!(res->verbs & verb))
        return refuse(c, path, -EACCES, text, len,
                      "%s: the API offers no %s there (read-only)", dir,
                      allowed_method(verb));
    return refuse(c, path, verb == VERB_DELETE ? -EPERM : -EROFS, text, len,
                  "this server does not allow %s on %s (it answered 405)%s%s",
                  allowed_method(verb), dir, hint ? "; " : "",
                  hint ? hint : "");
}

/* Keeps the rendered answer for the caller (the file's new content). */
static void fetch_answer(struct committer *c, const struct resource_type *res,
                         const char *key, struct commit_result *result)
{
    struct doc doc = { 0 };

    if (store_object(c->store, res, key, true, &doc) == 0) {
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

/* ---- writes whose answer was lost ----
 * The server may or may not have applied them: cwmfs looks, and tells the
 * writer what it found.  found: 1 applied, 0 not applied, -1 could not look. */

struct lost_words {
    const char *method;
    const char *applied;      /* "created the object" */
    const char *not_applied;  /* "did not create the object" */
    const char *unknown_hint; /* what the user can do to see */
};

/* Looking at the server after a lost answer is a GET, safe to repeat: a
 * flaky network gets LOOK_TRIES tries (each retried by http.c too), so
 * that "outcome unknown" takes a server unreachable for seconds.  Whether
 * the look that ended with rc is worth another, after a pause. */
#define LOOK_TRIES 4

static bool look_again(int rc, int attempt)
{
    if (attempt + 1 >= LOOK_TRIES ||
        (rc != -EIO && rc != -EAGAIN && rc != -ETIMEDOUT &&
         rc != -ECONNREFUSED && rc != -EHOSTUNREACH))
        return false;
    clock_sleep(0.25 * (double)(1 << attempt)); /* 0.25 s, 0.5 s, 1 s */
    return true;
}

static int report_lost(struct committer *c, const char *path, const char *text,
                       size_t len, int found, const struct lost_words *w,
                       const struct api_error *sent,
                       const struct api_error *looked)
{
    if (found == 1) {
        log_warn("%s: the server's answer to %s was lost (%s); looked, and "
                 "it %s",
                 path_display(path), w->method, sent->message, w->applied);
        return 0;
    }
    if (found == 0)
        return refuse(c, path, -EIO, text, len,
                      "the server's answer to %s was lost (%s); looked, and "
                      "it %s: try again",
                      w->method, sent->message, w->not_applied);
    return refuse(c, path, -EIO, text, len,
                  "outcome unknown: the server's answer to %s was lost (%s) "
                  "and looking failed (%s); %s",
                  w->method, sent->message, looked->message, w->unknown_hint);
}

/* ---- a new object: POST ---- */

/* Validates a new object's body, filling in the identifier from the file
 * name.  Returns 0 or a refusal. */
static int check_new(struct committer *c, const struct save *s, cJSON *body)
{
    const char *field = s->res->key_field;
    const cJSON *named = cJSON_GetObjectItemCaseSensitive(body, field);
    int rc = refuse_unoffered(c, s->path, s->res, VERB_POST, s->text, s->len);

    if (rc)
        return rc;
    if (cJSON_GetObjectItemCaseSensitive(body, "id"))
        return refuse(
            c, s->path, -EINVAL, s->text, s->len,
            "a new object gets its id from the server: remove \"id\" "
            "(to change an existing object, save it under its own name)");
    /* Objects named by identifier take it from the file name; ids are
     * always the server's to give. */
    if (!resource_keyed_by_id(s->res)) {
        if (named &&
            !(cJSON_IsString(named) && strcmp(named->valuestring, s->key) == 0))
            return refuse(c, s->path, -EINVAL, s->text, s->len,
                          "the body's %s disagrees with the file name "
                          "(rename the file or fix \"%s\")",
                          field, field);
        if (!named && !cJSON_AddStringToObject(body, field, s->key))
            return -ENOMEM;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(body, "_info");
    return 0;
}

/* The POST's answer was lost: did the server create the object? */
static int resolve_lost_post(struct committer *c, const struct save *s,
                             const cJSON *body, const struct api_error *sent,
                             char **key)
{
    static const struct lost_words words = {
        "POST", "created the object", "did not create the object",
        "list the folder before saving again"
    };
    struct api_error err = { 0 };
    cJSON *found = NULL;
    int rc;

    for (int attempt = 0;; attempt++) {
        rc = store_find_posted(c->store, s->res, body, &found, &err);
        if (!look_again(rc, attempt))
            break;
    }
    if (rc == 0)
        rc = store_remember(c->store, s->res, found, NULL, s->shown_mtime, key);
    cJSON_Delete(found);
    return report_lost(c, s->path, s->text, s->len,
                       rc == 0         ? 1
                       : rc == -ENOENT ? 0
                                       : -1,
                       &words, sent, &err);
}

static int post_new(struct committer *c, const struct save *s, cJSON *body,
                    struct commit_result *result)
{
    struct api_error err = { 0 };
    cJSON *answer = NULL;
    char *key = NULL;
    int rc = check_new(c, s, body);

    if (rc)
        return rc;
    rc = store_create(c->store, s->res, body, s->shown_mtime, &key,
                      s->res->keep_answer ? &answer : NULL, &err);
    if (rc && err.outcome_unknown && s->res->keep_answer)
        return refuse(c, s->path, -EIO, s->text, s->len,
                      "the server's answer was lost (%s); it may have made "
                      "one, whose keys it never shows again",
                      err.message);
    if (rc && err.outcome_unknown)
        rc = resolve_lost_post(c, s, body, &err, &key);
    else if (rc)
        return refuse(c, s->path, rc, s->text, s->len,
                      "the server refused to create it: %s", err.message);
    if (rc)
        return rc;
    result->sent = true;
    result->new_path = key ? path_for_key(s->path, key) : NULL;
    if (answer) /* shown once (a token's keys): the file keeps it */
        result->answer = render_json(answer, &result->answer_len);
    else
        fetch_answer(c, s->res, key, result);
    cJSON_Delete(answer);
    log_info("%s: created",
             path_display(result->new_path ? result->new_path : s->path));
    free(key);
    return 0;
}

/* ---- an existing object: PATCH or PUT ---- */

/* What one update sends, and what it was checked against. */
struct update {
    char *id;      /* the object's id, as the API addresses it */
    cJSON *base;   /* the writer's base, parsed; NULL when unknown */
    cJSON *patch;  /* the writer's changes */
    cJSON *theirs; /* the server's copy just before sending */
};

static void update_clear(struct update *u)
{
    free(u->id);
    cJSON_Delete(u->base);
    cJSON_Delete(u->patch);
    cJSON_Delete(u->theirs);
}

/* Whether a patch has an op on top-level field key. */
static bool patch_touches(const cJSON *patch, const char *key)
{
    const cJSON *op;

    cJSON_ArrayForEach(op, patch) {
        const char *path = cJSON_GetStringValue(
            cJSON_GetObjectItemCaseSensitive(op, "path"));
        if (path && strcmp(path, key) == 0)
            return true;
    }
    return false;
}

/* Fields someone else changed between our check and our write: the answer
 * differs from their copy outside our patch.  Kept, but worth a line. */
static void note_concurrent_change(const struct save *s, const struct update *u,
                                   const cJSON *answer)
{
    cJSON *moved = jsonpatch_diff(u->theirs, answer, server_managed);
    const cJSON *op;
    char names[256] = "";
    size_t used = 0;

    cJSON_ArrayForEach(op, moved) {
        const char *key = cJSON_GetStringValue(
            cJSON_GetObjectItemCaseSensitive(op, "path"));
        if (key && !patch_touches(u->patch, key) && used < sizeof(names))
            used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s",
                                     used ? "," : "", key);
    }
    cJSON_Delete(moved);
    if (used)
        log_warn("%s: saved; meanwhile someone else changed %s on the server "
                 "(kept)",
                 path_display(s->path), names);
}

/* Whether a field patch sets holds, in now, neither the value the patch
 * sets nor the one the server had before it was sent (theirs): someone
 * else has written it since. */
static bool overwritten(const cJSON *patch, const cJSON *theirs,
                        const cJSON *now)
{
    const cJSON *op;

    cJSON_ArrayForEach(op, patch) {
        const cJSON *path = cJSON_GetObjectItemCaseSensitive(op, "path");
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(op, "value");
        const char *key = cJSON_IsString(path) ? path->valuestring : NULL;
        const cJSON *was, *is;

        if (!key || key[0] == '/') /* pointers: only plain keys are read */
            continue;
        was = cJSON_GetObjectItemCaseSensitive(theirs, key);
        is = cJSON_GetObjectItemCaseSensitive(now, key);
        if (!cJSON_Compare(is, value, true) && !cJSON_Compare(is, was, true) &&
            (is || was))
            return true;
    }
    return false;
}

/* The PATCH's (PUT's) answer was lost: does the server have the change? */
static int resolve_lost_update(struct committer *c, const struct save *s,
                               const struct update *u, const char *method,
                               const struct api_error *sent)
{
    const struct lost_words words = { method, "has the change",
                                      "did not apply the change",
                                      "reopen the file to see what it holds" };
    struct api_error err = { 0 };
    cJSON *now = NULL;
    int found, rc;

    for (int attempt = 0;; attempt++) {
        rc = store_fetch_fresh(c->store, s->res, u->id, &now, &err);
        if (!look_again(rc, attempt))
            break;
    }
    found = rc == 0 ? jsonpatch_applied_in(u->patch, now) : -1;
    if (found == 0 && overwritten(u->patch, u->theirs, now)) {
        /* Ours may have been applied, then overwritten by someone else's
         * change to the same field: that cannot be told apart from "not
         * applied", so it is not said. */
        snprintf(err.message, sizeof(err.message),
                 "someone else changed the same fields since");
        found = -1;
    }

    if (found == 1 && store_remember(c->store, s->res, now, s->key,
                                     s->shown_mtime, NULL) != 0)
        found = -1;
    cJSON_Delete(now);
    return report_lost(c, s->path, s->text, s->len, found, &words, sent, &err);
}

static int send_update(struct committer *c, const struct save *s,
                       const struct update *u)
{
    const char *method = c->use_put ? "PUT" : "PATCH";
    struct api_error err = { 0 };
    cJSON *merged = NULL, *answer = NULL;
    int rc;

    if (c->use_put) {
        merged = cJSON_Duplicate(u->theirs, true);
        if (!merged || jsonpatch_apply(merged, u->patch) != 0) {
            cJSON_Delete(merged);
            return -ENOMEM;
        }
    }
    rc = store_update(c->store, s->res, s->key, u->id, method,
                      c->use_put ? merged : u->patch, s->shown_mtime, &answer,
                      &err);
    cJSON_Delete(merged);
    if (rc == 0)
        note_concurrent_change(s, u, answer);
    cJSON_Delete(answer);
    if (rc && err.outcome_unknown)
        return resolve_lost_update(c, s, u, method, &err);
    if (rc)
        return refuse(c, s->path, rc, s->text, s->len,
                      "the server refused the change: %s", err.message);
    return 0;
}

/* The object's id: from the writer's base, else from the file as the
 * mount has it.  Refuses an id the API cannot address (5.5, 1e300). */
static int find_id(struct committer *c, const struct save *s, struct update *u)
{
    struct doc doc = { 0 };
    cJSON *current = NULL;
    int rc = 0;

    if (u->base) {
        u->id = store_object_id(u->base);
    } else {
        rc = store_object(c->store, s->res, s->key, true, &doc);
        current = rc ? NULL : render_parse(doc.text, doc.len);
        u->id = current ? store_object_id(current) : NULL;
    }
    cJSON_Delete(current);
    doc_clear(&doc);
    if (rc)
        return rc;
    if (!u->id)
        return refuse(c, s->path, -EACCES, s->text, s->len,
                      "read-only: its id is not a whole number the API can "
                      "address, so a change could reach another object");
    return 0;
}

static bool same_id(const cJSON *a, const cJSON *b)
{
    return cJSON_Compare(cJSON_GetObjectItemCaseSensitive(a, "id"),
                         cJSON_GetObjectItemCaseSensitive(b, "id"), true);
}

/* Without a base: refuse when the server's copy is not the one the mount
 * last showed (the writer may have started from either), then send only
 * the fields whose values differ from the server's. */
static int patch_without_base(struct committer *c, const struct save *s,
                              const cJSON *mine, struct update *u)
{
    uint64_t shown;
    size_t len;
    char *text;
    bool moved = false;

    if (reads_last_shown(c->reads, s->path, &shown)) {
        text = render_json(u->theirs, &len);
        if (!text)
            return -ENOMEM;
        moved = reads_fingerprint(text, len) != shown;
        free(text);
    }
    if (moved)
        return refuse(c, s->path, -ESTALE, s->text, s->len,
                      "changed on the server since this mount last showed it, "
                      "and this save was not read through the mount, so it "
                      "may undo that change; read the file again and redo "
                      "your edit");
    u->patch = jsonpatch_diff(u->theirs, mine, server_managed);
    if (!u->patch)
        return -ENOMEM;
    jsonpatch_drop_removes(u->patch);
    return 0;
}

static int check_and_send(struct committer *c, const struct save *s,
                          const cJSON *mine, struct update *u)
{
    struct api_error err = { 0 };
    char conflicts[256];
    int rc;

    rc = refuse_unoffered(c, s->path, s->res,
                          c->use_put ? VERB_PUT : VERB_PATCH, s->text, s->len);
    if (rc)
        return rc;
    rc = store_fetch_fresh(c->store, s->res, u->id, &u->theirs, &err);
    if (rc)
        return refuse(c, s->path, rc, s->text, s->len,
                      "cannot check the server's copy: %s", err.message);
    if (!same_id(u->theirs, mine))
        return refuse(c, s->path, -EINVAL, s->text, s->len,
                      "\"id\" was changed or removed; it names the object and "
                      "cannot change (to create an object, save a new file)");
    rc = u->base ? 0 : patch_without_base(c, s, mine, u);
    if (rc)
        return rc;
    if (jsonpatch_is_empty(u->patch))
        return 0;
    if (u->base && jsonpatch_conflicts(u->base, u->patch, u->theirs, conflicts,
                                       sizeof(conflicts)))
        return refuse(c, s->path, -ESTALE, s->text, s->len,
                      "changed on the server since you opened it, in the same "
                      "fields: %s; reopen the file and make your change again",
                      conflicts);
    if (jsonpatch_slim_references(u->patch) != 0)
        return -ENOMEM;
    return send_update(c, s, u);
}

static int update_existing(struct committer *c, const struct save *s,
                           const cJSON *mine, struct commit_result *result)
{
    struct update u = { 0 };
    int rc = 0;

    u.base = s->base ? render_parse(s->base, strlen(s->base)) : NULL;
    if (s->base && !u.base)
        rc = refuse(c, s->path, -EIO, s->text, s->len,
                    "cannot tell which object this is");
    if (rc == 0)
        rc = find_id(c, s, &u);
    if (rc == 0 && u.base && !same_id(u.base, mine))
        rc = refuse(c, s->path, -EINVAL, s->text, s->len,
                    "\"id\" was changed or removed; it names the object and "
                    "cannot change (to create an object, save a new file)");
    if (rc == 0 && u.base) {
        u.patch = jsonpatch_diff(u.base, mine, server_managed);
        rc = u.patch ? 0 : -ENOMEM;
    }
    /* An unchanged save sends nothing, and needs no check either. */
    if (rc == 0 && !(u.base && jsonpatch_is_empty(u.patch)))
        rc = check_and_send(c, s, mine, &u);
    if (rc == 0 && u.theirs && !jsonpatch_is_empty(u.patch)) {
        result->sent = true;
        fetch_answer(c, s->res, s->key, result);
        log_info("%s: saved", path_display(s->path));
    }
    update_clear(&u);
    return rc;
}

int commit_save(struct committer *c, const struct save *s,
                struct commit_result *result)
{
    char why[128];
    cJSON *mine;
    int rc;

    memset(result, 0, sizeof(*result));
    if (!s->existing && is_blank(s->text, s->len))
        return 0; /* touch new.json: nothing to post yet */
    if (is_blank(s->text, s->len))
        return refuse(c, s->path, -EINVAL, s->text, s->len,
                      "the file is empty; an object cannot be emptied "
                      "(rm deletes it)");
    mine = parse_user_text(s->text, s->len, why, sizeof(why));
    if (!mine)
        return refuse(c, s->path, -EINVAL, s->text, s->len, "%s", why);
    if (!cJSON_IsObject(mine))
        rc = refuse(c, s->path, -EINVAL, s->text, s->len,
                    "expected a JSON object {...}");
    else if (cJSON_GetObjectItemCaseSensitive(mine, ""))
        rc = refuse(c, s->path, -EINVAL, s->text, s->len,
                    "a field has an empty name (\"\"), which no change "
                    "to the server can name");
    else if (!s->existing)
        rc = post_new(c, s, mine, result);
    else
        rc = update_existing(c, s, mine, result);
    cJSON_Delete(mine);
    return rc;
}

/* ---- DELETE ---- */

/* Takes a slot in the sliding window, or says no. */
static bool guard_allows_delete(struct committer *c)
{
    double now = clock_mono_seconds();
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

/* The DELETE's answer was lost: is the object gone? */
static int resolve_lost_delete(struct committer *c, const char *path,
                               const struct resource_type *res, const char *key,
                               const char *id, const struct api_error *sent)
{
    static const struct lost_words words = { "DELETE", "is gone",
                                             "was not deleted",
                                             "list the folder to see" };
    struct api_error err = { 0 };
    cJSON *still = NULL;
    int rc;

    for (int attempt = 0;; attempt++) {
        rc = store_fetch_fresh(c->store, res, id, &still, &err);
        if (!look_again(rc, attempt))
            break;
    }
    cJSON_Delete(still);
    if (rc == -ENOENT)
        store_note_deleted(c->store, res, key);
    return report_lost(c, path, NULL, 0,
                       rc == -ENOENT ? 1
                       : rc == 0     ? 0
                                     : -1,
                       &words, sent, &err);
}

/* DELETE, and what became of it. */
/* A DELETE answered 404 or 405 for an object the server still has:
 * this server offers no DELETE here (a real ConnectWise has none for
 * members, which it deactivates instead). */
static bool delete_missing(struct committer *c, const struct resource_type *res,
                           const char *id, const struct api_error *err)
{
    struct api_error looked = { 0 };
    cJSON *still = NULL;
    bool there;

    if (err->status != 404 && err->status != 405)
        return false;
    there = store_fetch_fresh(c->store, res, id, &still, &looked) == 0;
    cJSON_Delete(still);
    return there;
}

static int send_delete(struct committer *c, const char *path,
                       const struct resource_type *res, const char *key,
                       const char *id)
{
    struct api_error err = { 0 };
    int rc = store_delete(c->store, res, key, id, &err);

    if (rc && err.outcome_unknown)
        return resolve_lost_delete(c, path, res, key, id, &err);
    if (rc && delete_missing(c, res, id, &err))
        return refuse(c, path, -EPERM, NULL, 0,
                      "this server cannot delete %s (%s)%s%s", res->path + 1,
                      err.message, res->instead_of_delete ? "; " : "",
                      res->instead_of_delete ? res->instead_of_delete : "");
    if (rc)
        return refuse(c, path, rc, NULL, 0,
                      "the server refused to delete it: %s", err.message);
    return 0;
}

int commit_delete(struct committer *c, const char *path,
                  const struct resource_type *res, const char *key)
{
    struct doc doc = { 0 };
    cJSON *obj = NULL;
    char *id = NULL;
    int rc;

    rc = refuse_unoffered(c, path, res, VERB_DELETE, NULL, 0);
    if (rc)
        return rc;
    rc = store_object(c->store, res, key, true, &doc);
    if (rc)
        return rc;
    obj = render_parse(doc.text, doc.len);
    id = obj ? store_object_id(obj) : NULL;
    if (!id)
        rc = refuse(c, path, -EACCES, NULL, 0,
                    "read-only: its id is not a whole number the API can "
                    "address, so a DELETE could reach another object");
    else if (!guard_allows_delete(c))
        rc = refuse(
            c, path, -EPERM, NULL, 0,
            "refusing to delete: more than %d deletes in a minute "
            "(a guard against mass deletion; -o max_deletes=N changes it)",
            c->max_deletes);
    else
        rc = send_delete(c, path, res, key, id);
    if (rc == 0)
        log_info("%s: deleted", path_display(path));
    cJSON_Delete(obj);
    free(id);
    doc_clear(&doc);
    return rc;
}

/* ---- actions: <name>.json.<action> ---- */

/* The id of the object named key, or a refusal. */
static int object_id(struct committer *c, const char *path,
                     const struct resource_type *res, const char *key,
                     const char *text, size_t len, char **id)
{
    struct doc doc = { 0 };
    cJSON *obj = NULL;
    int rc = store_object(c->store, res, key, true, &doc);

    *id = NULL;
    if (rc == -ENOENT)
        return refuse(c, path, -ENOENT, text, len,
                      "there is no %s/%s.json to %s", res->path + 1, key,
                      res->action);
    if (rc == 0)
        obj = render_parse(doc.text, doc.len);
    *id = obj ? store_object_id(obj) : NULL;
    cJSON_Delete(obj);
    doc_clear(&doc);
    if (rc == 0 && !*id)
        rc = refuse(c, path, -EACCES, text, len,
                    "its id is not a whole number the API can address");
    return rc;
}

int commit_action(struct committer *c, const char *path,
                  const struct resource_type *res, const char *key,
                  const char *text, size_t len)
{
    struct api_error err = { 0 };
    char why[128], *id = NULL;
    cJSON *body = NULL;
    int rc = 0;

    if (is_blank(text, len))
        return 0; /* touch: nothing asked yet */
    body = parse_user_text(text, len, why, sizeof(why));
    if (!body || !cJSON_IsObject(body))
        rc = refuse(c, path, -EINVAL, text, len, "%s",
                    body ? "expected a JSON object {...}" : why);
    if (rc == 0)
        rc = object_id(c, path, res, key, text, len, &id);
    if (rc == 0)
        rc = store_act(c->store, res, key, id, body, &err);
    if (rc && err.message[0])
        rc = refuse(c, path, rc, text, len, "the server refused to %s it: %s",
                    res->action, err.message);
    if (rc == 0)
        log_info("%s: done", path_display(path));
    cJSON_Delete(body);
    free(id);
    return rc;
}
