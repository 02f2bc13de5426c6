/* fake_api.h - an in-memory ConnectWise server behind an api_port, for
 * unit tests of the store and the committer.
 *
 * It holds collections as JSON arrays (members found by id or identifier,
 * the rest by id), answers GET, paged GET-all, PATCH (JSON Patch), PUT,
 * POST and DELETE, logs every request as "METHOD path", and can fail the
 * next request: with a status, or with its answer lost after (or before)
 * applying it. */
#ifndef CWMFS_TESTS_FAKE_API_H
#define CWMFS_TESTS_FAKE_API_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "jsonpatch.h"

#define FAKE_MAX_LOG 64

struct fake_api {
    cJSON *data; /* {"members": [...], "callbacks": [...], ...} */
    char log[FAKE_MAX_LOG][160];
    int requests;
    char *last_body; /* the last request's body, printed */
    /* The next request matching fail_method fails so. */
    const char *fail_method;
    long fail_status;       /* e.g. 409; 0 with lose_answer */
    const char *fail_allow; /* the Allow header of that failure, or NULL */
    bool lose_answer;       /* the answer never comes (outcome unknown) */
    bool apply_anyway;      /* ...but the server applied it */
    /* A patch someone else applies right after that failure (the next
     * writer of the same field); NULL: none.  Taken over. */
    cJSON *then_applied;
    double next_id;
    cJSON *moved_to; /* relocate() switches data to this (a new codebase) */
    int relocations;
};

static void fake_log(struct fake_api *f, const char *method, const char *path,
                     const cJSON *body)
{
    if (f->requests < FAKE_MAX_LOG)
        snprintf(f->log[f->requests], sizeof(f->log[0]), "%s %s", method, path);
    f->requests++;
    free(f->last_body);
    f->last_body = body ? cJSON_PrintUnformatted(body) : NULL;
}

/* Splits "members/42" into the collection and the key ("" for none). */
static cJSON *fake_collection(struct fake_api *f, const char *path, char *key,
                              size_t size)
{
    const char *slash = strrchr(path, '/');
    char name[64];
    cJSON *list;

    snprintf(name, sizeof(name), "%.*s",
             (int)(slash ? (size_t)(slash - path) : strlen(path)), path);
    list = cJSON_GetObjectItemCaseSensitive(f->data, name);
    snprintf(key, size, "%s", slash ? slash + 1 : "");
    if (!list && slash) { /* "members/types": a whole endpoint */
        list = cJSON_GetObjectItemCaseSensitive(f->data, path);
        key[0] = '\0';
    }
    return list;
}

static cJSON *fake_find(cJSON *list, const char *key)
{
    cJSON *item;

    cJSON_ArrayForEach(item, list) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(item, "id");
        const cJSON *ident = cJSON_GetObjectItemCaseSensitive(item,
                                                              "identifier");
        char idtext[32];
        snprintf(idtext, sizeof(idtext), "%.0f", cJSON_GetNumberValue(id));
        if (strcmp(idtext, key) == 0 ||
            (cJSON_IsString(ident) && strcasecmp(ident->valuestring, key) == 0))
            return item;
    }
    return NULL;
}

static int fake_fail(struct fake_api *f, const char *method,
                     struct api_error *err, bool *apply)
{
    *apply = true;
    if (!f->fail_method || strcmp(f->fail_method, method) != 0)
        return 0;
    f->fail_method = NULL;
    memset(err, 0, sizeof(*err));
    if (f->lose_answer) {
        err->outcome_unknown = true;
        snprintf(err->message, sizeof(err->message), "connection reset");
        *apply = f->apply_anyway;
        return -EIO;
    }
    err->status = f->fail_status;
    snprintf(err->message, sizeof(err->message), "refused (%ld)",
             f->fail_status);
    snprintf(err->allow, sizeof(err->allow), "%s",
             f->fail_allow ? f->fail_allow : "");
    *apply = false;
    return api_status_to_errno(f->fail_status);
}

static int fake_get(void *ctx, const char *path, cJSON **out,
                    struct api_error *err)
{
    struct fake_api *f = ctx;
    char key[128], bare[160];
    cJSON *list, *item;

    fake_log(f, "GET", path, NULL);
    /* The query is ignored; a path held whole ("reports/Member") wins. */
    snprintf(bare, sizeof(bare), "%.*s", (int)strcspn(path, "?"), path);
    item = cJSON_GetObjectItemCaseSensitive(f->data, bare);
    list = item ? NULL : fake_collection(f, bare, key, sizeof(key));
    if (!item && key[0])
        item = fake_find(list, key);
    if (!item) {
        err->status = 404;
        snprintf(err->message, sizeof(err->message), "not found");
        return -ENOENT;
    }
    *out = cJSON_Duplicate(item, true);
    return 0;
}

static int fake_get_all(void *ctx, const char *endpoint, cJSON **out,
                        struct api_error *err)
{
    struct fake_api *f = ctx;
    cJSON *list = cJSON_GetObjectItemCaseSensitive(f->data, endpoint);

    fake_log(f, "GET", endpoint, NULL);
    if (!cJSON_IsArray(list)) {
        err->status = 404;
        return -ENOENT;
    }
    *out = cJSON_Duplicate(list, true);
    return 0;
}

/* Lists as one page: the list printed, as a server sends it. */
static int fake_each_page(void *ctx, const char *endpoint,
                          const struct api_page_taker *taker,
                          struct api_error *err)
{
    cJSON *list = NULL;
    int rc = fake_get_all(ctx, endpoint, &list, err);
    char *text = rc ? NULL : cJSON_PrintUnformatted(list);
    struct api_page page = { 1, NULL, 0, NULL };
    struct json_span *items = NULL;

    if (!rc)
        rc = text ? jsontext_split(text, strlen(text), &items, &page.count)
                  : -ENOMEM;
    page.items = items;
    if (!rc && taker->prepare)
        rc = taker->prepare(taker->ctx, &page);
    page.items = NULL; /* as api_each_page: take sees no text once prepared */
    if (!rc && !taker->prepare)
        page.items = items;
    if (!rc)
        rc = taker->take(taker->ctx, &page);
    if (page.prepared && taker->discard)
        taker->discard(taker->ctx, &page);
    free(items);
    free(text);
    cJSON_Delete(list);
    return rc;
}

static void fake_stamp(cJSON *obj)
{
    cJSON *info = cJSON_GetObjectItemCaseSensitive(obj, "_info");

    if (!info)
        info = cJSON_AddObjectToObject(obj, "_info");
    cJSON_DeleteItemFromObjectCaseSensitive(info, "lastUpdated");
    cJSON_AddStringToObject(info, "lastUpdated", "2026-11-28T12:00:00Z");
}

/* Applies a write; returns the answer (a copy of the object) or NULL. */
static cJSON *fake_apply(struct fake_api *f, const char *method, cJSON *list,
                         cJSON *item, const cJSON *body)
{
    if (strcmp(method, "DELETE") == 0) {
        cJSON_Delete(cJSON_DetachItemViaPointer(list, item));
        return NULL;
    }
    if (strcmp(method, "POST") == 0) {
        item = cJSON_Duplicate(body, true);
        cJSON_AddNumberToObject(item, "id", f->next_id++);
        cJSON_AddItemToArray(list, item);
    } else if (strcmp(method, "PUT") == 0) {
        cJSON *copy = cJSON_Duplicate(body, true);
        cJSON_ReplaceItemViaPointer(list, item, copy);
        item = copy;
    } else if (jsonpatch_apply(item, body) != 0) {
        return NULL;
    }
    fake_stamp(item);
    return cJSON_Duplicate(item, true);
}

static int fake_send(void *ctx, const char *method, const char *path,
                     const cJSON *body, cJSON **out, struct api_error *err)
{
    struct fake_api *f = ctx;
    char key[128];
    cJSON *list = fake_collection(f, path, key, sizeof(key)), *item = NULL;
    cJSON *answer = NULL;
    bool apply;
    int rc;

    fake_log(f, method, path, body);
    item = key[0] ? fake_find(list, key) : NULL;
    if (key[0] && !item) {
        err->status = 404;
        return -ENOENT;
    }
    rc = fake_fail(f, method, err, &apply);
    if (apply)
        answer = fake_apply(f, method, list, item, body);
    if (rc && f->then_applied && item) {
        jsonpatch_apply(item, f->then_applied);
        cJSON_Delete(f->then_applied);
        f->then_applied = NULL;
    }
    if (rc == 0 && out)
        *out = answer;
    else
        cJSON_Delete(answer);
    return rc;
}

static int fake_relocate(void *ctx)
{
    struct fake_api *f = ctx;

    f->relocations++;
    if (!f->moved_to)
        return 0;
    cJSON_Delete(f->data);
    f->data = f->moved_to;
    f->moved_to = NULL;
    return 1;
}

/* A server holding `json` (its collections and singletons). */
static inline void fake_api_init(struct fake_api *f, struct api_port *port,
                                 const char *json)
{
    memset(f, 0, sizeof(*f));
    memset(port, 0, sizeof(*port));
    f->data = cJSON_Parse(json);
    f->next_id = 100;
    port->ctx = f;
    port->page_size = 1000;
    port->get = fake_get;
    port->get_all = fake_get_all;
    port->each_page = fake_each_page;
    port->send = fake_send;
    port->relocate = fake_relocate;
}

static inline void fake_api_clear(struct fake_api *f)
{
    cJSON_Delete(f->data);
    cJSON_Delete(f->moved_to);
    cJSON_Delete(f->then_applied);
    free(f->last_body);
}

/* Forgets the request log. */
static inline void fake_api_reset_log(struct fake_api *f) { f->requests = 0; }

/* The server's copy of an object, for checks (borrowed). */
static inline const cJSON *fake_object(struct fake_api *f, const char *endpoint,
                                       const char *key)
{
    return fake_find(cJSON_GetObjectItemCaseSensitive(f->data, endpoint), key);
}

#endif
