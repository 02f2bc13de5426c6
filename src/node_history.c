/* node_history.c - the kind of an object's history: the audit trail of one
 * record, audittrail/<Type>/<id>.json, as a JSON array, oldest first.
 *
 * Named when asked for, never listed (one request per record would make a
 * walk of the mount cost thousands).  A member's history may also be named
 * by its identifier.  Cached for the TTL under the tag of the collection
 * the record is in, so a save through the mount shows up at once. */
#include "node.h"

#include "handle.h"
#include "names.h"
#include "paths.h"
#include "render.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Types whose records the mount holds: their files' keys name them too,
 * and writes there make the history stale. */
static const struct {
    const char *type;
    const char *collection;
} held_types[] = {
    { "Member", "/members" },
};

/* The collection holding n's record, or NULL. */
static const struct resource_type *held_in(const struct node *n)
{
    const char *type = n->nvars ? n->vars[n->nvars - 1] : "";

    for (size_t i = 0; i < sizeof(held_types) / sizeof(held_types[0]); i++)
        if (strcmp(held_types[i].type, type) == 0)
            return resource_at(held_types[i].collection);
    return NULL;
}

/* The record's id (malloc'd): the file's key, or the id of the object the
 * key names in its collection.  -ENOENT when there is none. */
static int record_id(struct cwmfs *fs, const struct node *n, char **id)
{
    const struct resource_type *held = held_in(n);
    struct doc doc = { 0 };
    cJSON *obj;
    int rc;

    *id = NULL;
    if (name_is_decimal_id(n->key)) {
        *id = strdup(n->key);
        return *id ? 0 : -ENOMEM;
    }
    if (!held)
        return -ENOENT;
    rc = store_object(fs->store, held, n->key, true, &doc);
    obj = rc ? NULL : render_parse(doc.text, doc.len);
    *id = obj ? store_object_id(obj) : NULL;
    cJSON_Delete(obj);
    doc_clear(&doc);
    return rc ? rc : *id ? 0 : -ENOENT;
}

/* The server lists the newest first; a history reads oldest first. */
static int render_history(const cJSON *answer, void *ctx, char **text,
                          size_t *len)
{
    int n = cJSON_GetArraySize(answer);
    const cJSON **items = calloc((size_t)n + 1, sizeof(*items));
    cJSON *oldest_first = cJSON_CreateArray();
    const cJSON *item;
    int i = 0, rc = 0;

    (void)ctx;
    if (!cJSON_IsArray(answer))
        rc = -EIO;
    else if (!items || !oldest_first)
        rc = -ENOMEM;
    if (rc == 0)
        cJSON_ArrayForEach(item, answer)
            items[i++] = item;
    while (rc == 0 && i > 0) {
        cJSON *copy = cJSON_Duplicate(items[--i], true);
        if (!copy || !cJSON_AddItemToArray(oldest_first, copy)) {
            cJSON_Delete(copy);
            rc = -ENOMEM;
        }
    }
    *text = rc ? NULL : render_json(oldest_first, len);
    if (rc == 0 && !*text)
        rc = -ENOMEM;
    free(items);
    cJSON_Delete(oldest_first);
    return rc;
}

static int history_doc(struct cwmfs *fs, const struct node *n, bool want_text,
                       struct doc *doc)
{
    const struct resource_type *held = held_in(n);
    char *id, *path;
    int rc = record_id(fs, n, &id);

    if (rc)
        return rc;
    path = path_with_id(n->res->endpoint, id);
    rc = path ? store_derived(fs->store, path, STORE_GET_PAGES,
                              held ? resource_tag(held) : "audittrail",
                              render_history, NULL, want_text, doc)
              : -ENOMEM;
    free(path);
    free(id);
    return rc;
}

static int history_exists(struct cwmfs *fs, const struct node *n)
{
    char *id;
    int rc = record_id(fs, n, &id);

    free(id);
    return rc;
}

const struct node_kind node_history = {
    .name = "history",
    .flags = NODE_DIRECT_IO, /* named, never listed; see node_count.c */
    .refusal = EACCES,
    .editor_name = node_fixed_name,
    .exists = history_exists,
    .getattr = node_doc_getattr,
    .open = node_doc_open,
    .doc = history_doc,
    .create = node_create_exists,
    .set_attr = node_accept_attr,
};
