/* node_run.c - the kinds of a runnable object's run files (the user's
 * description's apiReports; resource_type.run_endpoint):
 *
 *   <key>.params   the run's parameters, a JSON object ({} until set);
 *                  parameters the server refuses fail the writer's close
 *   <key>.result   the run's rows keyed by column (report.h); opening it
 *                  runs the report, again when the parameters change or
 *                  the TTL runs out
 *
 * Both are reachable by name only: listing never runs a report. */
#include "node.h"

#include "errlog.h"
#include "handle.h"
#include "names.h"
#include "paths.h"
#include "render.h"
#include "report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PARAMS_SUFFIX ".params"
#define RESULT_SUFFIX ".result"

/* The runs table's name for the object: "<endpoint>/<key>". */
static char *object_of(const struct resource_type *res, const char *key)
{
    char *name;

    return asprintf(&name, "%s/%s", res->endpoint, key) < 0 ? NULL : name;
}

/* The answer of a run as rows keyed by column. */
static int render_rows(const cJSON *answer, void *ctx, char **text, size_t *len)
{
    cJSON *rows = cJSON_CreateArray();
    int rc = !rows ? -ENOMEM : report_append_rows(rows, answer) < 0 ? -EIO : 0;

    (void)ctx;
    *text = rc ? NULL : render_json(rows, len);
    cJSON_Delete(rows);
    return rc ? rc : *text ? 0 : -ENOMEM;
}

/* Runs (or finds the cached run of) res's object key with params. */
static int run(struct cwmfs *fs, const struct resource_type *res,
               const char *key, const char *params, bool want_text,
               struct doc *doc, struct api_error *err)
{
    cJSON *body = cJSON_CreateObject();
    cJSON *parsed = cJSON_Parse(params);
    char *path = path_with_id(res->run_endpoint, key);
    int rc = body && parsed && path ? 0 : -ENOMEM;

    if (rc == 0 && cJSON_AddItemToObject(body, "params", parsed))
        parsed = NULL;
    if (rc == 0)
        rc = store_run(fs->store, path, body, resource_tag(res), render_rows,
                       want_text, doc, err);
    cJSON_Delete(parsed);
    cJSON_Delete(body);
    free(path);
    return rc;
}

/* ---- <key>.result ---- */

static int result_doc(struct cwmfs *fs, const struct node *n, bool want_text,
                      struct doc *doc)
{
    struct api_error err = { 0 };
    char *object = object_of(n->res, n->key);
    char *params = object ? runs_params(fs->runs, object) : NULL;
    int rc = params ? run(fs, n->res, n->key, params, want_text, doc, &err)
                    : -ENOMEM;

    if (rc && err.status)
        errlog_record(fs->errlog, n->path, rc, err.message, NULL, 0);
    free(params);
    free(object);
    return rc;
}

const struct node_kind node_run_result = {
    .name = "run result",
    .flags = NODE_DIRECT_IO, /* named, never listed; see node_count.c */
    .refusal = EACCES,
    .editor_name = node_fixed_name,
    .getattr = node_doc_getattr,
    .open = node_doc_open,
    .doc = result_doc,
    .create = node_create_exists,
    .set_attr = node_accept_attr,
};

/* ---- <key>.params ---- */

/* The row and key a params path names ("/apiReports/3.params"). */
static const struct resource_type *params_target(const char *path, char *key,
                                                 size_t size)
{
    char dir[4096];
    const char *name = strrchr(path, '/');
    size_t len = name ? strlen(name + 1) : 0;

    if (!name || len <= strlen(PARAMS_SUFFIX) ||
        path_parent(path, dir, sizeof(dir)) != 0)
        return NULL;
    snprintf(key, size, "%.*s", (int)(len - strlen(PARAMS_SUFFIX)), name + 1);
    return resource_at(dir);
}

/* New parameters: kept when the server runs the report with them (the
 * run is then cached for the result); else the old ones stay and the
 * writer's close fails with the server's reason in .cwmfs/errors. */
static int apply_params(struct cwmfs *fs, const char *path, const char *text)
{
    struct api_error err = { 0 };
    struct doc doc = { 0 };
    char key[256], *object = NULL;
    const struct resource_type *res = params_target(path, key, sizeof(key));
    cJSON *parsed = cJSON_Parse(text[strspn(text, " \t\r\n")] ? text : "{}");
    char *params = cJSON_IsObject(parsed) ? cJSON_PrintUnformatted(parsed)
                                          : NULL;
    int rc = !res || !res->run_endpoint ? -ENOENT : 0;

    if (rc == 0 && !cJSON_IsObject(parsed)) {
        errlog_record(fs->errlog, path, -EINVAL,
                      "parameters are a JSON object, e.g. "
                      "{\"startDate\": \"2023-01-01T00:00:00Z\"}",
                      NULL, 0);
        rc = -EINVAL;
    }
    if (rc == 0)
        rc = params ? run(fs, res, key, params, false, &doc, &err) : -ENOMEM;
    if (rc && err.status)
        errlog_record(fs->errlog, path, rc, err.message, NULL, 0);
    object = rc ? NULL : object_of(res, key);
    if (rc == 0)
        rc = object ? runs_set_params(fs->runs, object, params) : -ENOMEM;
    cJSON_Delete(parsed);
    cJSON_free(params);
    free(object);
    return rc;
}

static int params_text(struct cwmfs *fs, const struct node *n, char **text)
{
    char *object = object_of(n->res, n->key);
    char *params = object ? runs_params(fs->runs, object) : NULL;

    *text = NULL;
    if (params && asprintf(text, "%s\n", params) < 0)
        *text = NULL;
    free(params);
    free(object);
    return *text ? 0 : -ENOMEM;
}

/* truncate(2) to nothing: back to {} */
static int params_truncate(struct cwmfs *fs, const struct node *n, off_t size)
{
    char *object = object_of(n->res, n->key);
    int rc = size != 0 ? -EINVAL
             : object  ? runs_set_params(fs->runs, object, "{}")
                       : -ENOMEM;

    free(object);
    return rc;
}

const struct node_kind node_run_params = {
    .name = "run parameters",
    .flags = NODE_DIRECT_IO, /* named, never listed */
    .refusal = EPERM,
    .editor_name = node_fixed_name,
    .getattr = node_setting_getattr,
    .open = node_setting_open,
    .setting_text = params_text,
    .setting_apply = apply_params,
    .create = node_create_exists,
    .truncate = params_truncate,
    .set_attr = node_accept_attr,
};

bool node_run_name(const struct resource_type *res, const char *name,
                   struct node *child)
{
    size_t len = strlen(name);
    bool params = len > strlen(PARAMS_SUFFIX) &&
                  strcmp(name + len - strlen(PARAMS_SUFFIX), PARAMS_SUFFIX) ==
                      0;
    bool result = len > strlen(RESULT_SUFFIX) &&
                  strcmp(name + len - strlen(RESULT_SUFFIX), RESULT_SUFFIX) ==
                      0;
    char *key;

    if (!res->run_endpoint || (!params && !result))
        return false;
    key = strndup(name, len - strlen(params ? PARAMS_SUFFIX : RESULT_SUFFIX));
    if (!key || !name_is_decimal_id(key)) {
        free(key);
        return false;
    }
    free(child->key);
    child->key = key;
    child->res = res;
    child->kind = params ? &node_run_params : &node_run_result;
    return true;
}
