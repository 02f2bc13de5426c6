/* jsonpatch.c - top-level JSON Patch: diff, lost-update check, apply.
 *
 * Everything works on top-level members only, because that is the grain at
 * which ConnectWise patches: a changed nested value is sent whole.  Objects
 * are small (tens to a few hundred fields), so plain linear key lookups are
 * fast enough and keep the members in their original order. */
#include "jsonpatch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum op_kind { OP_ADD, OP_REPLACE, OP_REMOVE };

/* One parsed patch op; `key` is malloc'd, `value` borrowed from the patch. */
struct patch_op {
    enum op_kind kind;
    char *key;
    const cJSON *value; /* NULL for remove */
};

static bool is_ignored(const char *key, const char *const *ignore)
{
    for (; ignore && *ignore; ignore++)
        if (strcmp(key, *ignore) == 0)
            return true;
    return false;
}

/* Whether diff should look at this member of `object`.  A later duplicate
 * of a key is shadowed by the first (lookups never see it), so it must not
 * produce ops of its own; a keyless child only exists in hand-built trees;
 * an empty name has no top-level path ("" is the whole document). */
static bool member_counts(const cJSON *object, const cJSON *member,
                          const char *const *ignore)
{
    return member->string && member->string[0] &&
           !is_ignored(member->string, ignore) &&
           cJSON_GetObjectItemCaseSensitive(object, member->string) == member;
}

/* Equality of two members that may be absent (NULL): presence counts. */
/* A reference: an object with a numeric "id". */
static const cJSON *reference_id(const cJSON *value)
{
    const cJSON *id = cJSON_IsObject(value)
                          ? cJSON_GetObjectItemCaseSensitive(value, "id")
                          : NULL;

    return cJSON_IsNumber(id) ? id : NULL;
}

/* Equal, or a slim reference {"id": N} and a reference with that id. */
static bool same_member(const cJSON *a, const cJSON *b)
{
    if (!a || !b)
        return a == b;
    if (cJSON_GetArraySize(a) == 1 && reference_id(a) && reference_id(b))
        return cJSON_Compare(reference_id(a), reference_id(b), true);
    return cJSON_Compare(a, b, true);
}

/* ---- diff --------------------------------------------------------------- */

/* The path of a key: the key itself, ConnectWise's form, unless it
 * starts with '/' and would read as a pointer; then the RFC 6901 pointer
 * to it ("/b" -> "/~1b").  malloc'd; NULL on OOM. */
static char *path_of_key(const char *key)
{
    size_t extra = 1;
    char *path, *out;

    if (key[0] != '/')
        return strdup(key);
    for (const char *k = key; *k; k++)
        extra += *k == '/' || *k == '~';
    path = malloc(strlen(key) + extra + 1);
    if (!path)
        return NULL;
    out = path;
    *out++ = '/';
    for (const char *k = key; *k; k++) {
        if (*k == '/' || *k == '~') {
            *out++ = '~';
            *out++ = *k == '/' ? '1' : '0';
        } else {
            *out++ = *k;
        }
    }
    *out = '\0';
    return path;
}

/* {"op":kind,"path":key[,"value":copy of value]}, or NULL on OOM. */
static cJSON *make_op(const char *kind, const char *key, const cJSON *value)
{
    cJSON *op = cJSON_CreateObject();
    char *path = path_of_key(key);
    bool named = path && op && cJSON_AddStringToObject(op, "op", kind) &&
                 cJSON_AddStringToObject(op, "path", path);

    free(path);
    if (!named)
        goto fail;
    if (value) {
        cJSON *copy = cJSON_Duplicate(value, true);
        if (!copy)
            goto fail;
        if (!cJSON_AddItemToObject(op, "value", copy)) {
            cJSON_Delete(copy);
            goto fail;
        }
    }
    return op;
fail:
    cJSON_Delete(op);
    return NULL;
}

/* Appends an op to `patch`; false on OOM. */
static bool append_op(cJSON *patch, const char *kind, const char *key,
                      const cJSON *value)
{
    cJSON *op = make_op(kind, key, value);
    if (!op)
        return false;
    if (!cJSON_AddItemToArray(patch, op)) {
        cJSON_Delete(op);
        return false;
    }
    return true;
}

/* add/replace ops for target's members, in target's order. */
static bool diff_members_of_target(cJSON *patch, const cJSON *base,
                                   const cJSON *target,
                                   const char *const *ignore)
{
    const cJSON *mine;
    cJSON_ArrayForEach(mine, target) {
        if (!member_counts(target, mine, ignore))
            continue;
        const cJSON *old = cJSON_GetObjectItemCaseSensitive(base, mine->string);
        if (!old) {
            if (!append_op(patch, "add", mine->string, mine))
                return false;
        } else if (!cJSON_Compare(old, mine, true)) {
            if (!append_op(patch, "replace", mine->string, mine))
                return false;
        }
    }
    return true;
}

/* remove ops for base's members gone from target, in base's order. */
static bool diff_removed_members(cJSON *patch, const cJSON *base,
                                 const cJSON *target, const char *const *ignore)
{
    const cJSON *old;
    cJSON_ArrayForEach(old, base) {
        if (!member_counts(base, old, ignore))
            continue;
        if (!cJSON_GetObjectItemCaseSensitive(target, old->string) &&
            !append_op(patch, "remove", old->string, NULL))
            return false;
    }
    return true;
}

cJSON *jsonpatch_diff(const cJSON *base, const cJSON *target,
                      const char *const *ignore)
{
    if (!cJSON_IsObject(base) || !cJSON_IsObject(target))
        return NULL;
    cJSON *patch = cJSON_CreateArray();
    if (!patch)
        return NULL;
    if (!diff_members_of_target(patch, base, target, ignore) ||
        !diff_removed_members(patch, base, target, ignore)) {
        cJSON_Delete(patch);
        return NULL;
    }
    return patch;
}

/* ---- parsing ops -------------------------------------------------------- */

/* RFC 6901 token "a~1b" -> "a/b"; NULL if it holds an unescaped '/' (a
 * nested pointer, which a top-level patch cannot mean), a bad escape, or
 * on OOM. */
static char *unescape_pointer_token(const char *token)
{
    char *key = malloc(strlen(token) + 1);
    if (!key)
        return NULL;
    char *out = key;
    for (const char *in = token; *in; in++) {
        if (*in == '/')
            goto bad;
        if (*in == '~') {
            in++;
            if (*in != '0' && *in != '1')
                goto bad;
            *out++ = *in == '0' ? '~' : '/';
        } else {
            *out++ = *in;
        }
    }
    *out = '\0';
    return key;
bad:
    free(key);
    return NULL;
}

/* The top-level key a path names (malloc'd), or NULL if it names none. */
static char *path_to_key(const char *path)
{
    char *key = path[0] == '/' ? unescape_pointer_token(path + 1)
                               : strdup(path);
    if (key && key[0] == '\0') { /* "" / "/" would mean the whole object */
        free(key);
        return NULL;
    }
    return key;
}

static bool parse_kind(const char *name, enum op_kind *kind)
{
    if (strcmp(name, "add") == 0)
        *kind = OP_ADD;
    else if (strcmp(name, "replace") == 0)
        *kind = OP_REPLACE;
    else if (strcmp(name, "remove") == 0)
        *kind = OP_REMOVE;
    else
        return false; /* move/copy/test never come out of our diff */
    return true;
}

/* Fills `op` from one patch element; on success the caller frees op->key. */
static int parse_op(const cJSON *item, struct patch_op *op)
{
    if (!cJSON_IsObject(item))
        return -1;
    const char *kind = cJSON_GetStringValue(
        cJSON_GetObjectItemCaseSensitive(item, "op"));
    const char *path = cJSON_GetStringValue(
        cJSON_GetObjectItemCaseSensitive(item, "path"));
    if (!kind || !path || !parse_kind(kind, &op->kind))
        return -1;
    op->value = NULL;
    if (op->kind != OP_REMOVE) {
        op->value = cJSON_GetObjectItemCaseSensitive(item, "value");
        if (!op->value)
            return -1;
    }
    op->key = path_to_key(path);
    return op->key ? 0 : -1;
}

/* ---- conflicts ---------------------------------------------------------- */

/* Comma-separated names in a fixed buffer, whole names only. */
struct name_list {
    char *buf;
    size_t cap;
    size_t len;
    bool full; /* once one name is left out, later ones are too */
};

static void name_list_add(struct name_list *list, const char *name)
{
    if (!list->buf || list->full)
        return;
    size_t sep = list->len ? 1 : 0;
    size_t need = sep + strlen(name);
    if (need >= list->cap - list->len) { /* keep room for the NUL */
        list->full = true;
        return;
    }
    if (sep)
        list->buf[list->len++] = ',';
    memcpy(list->buf + list->len, name, need - sep);
    list->len += need - sep;
    list->buf[list->len] = '\0';
}

/* Whether the server changed this op's field to something other than what
 * the op sets.  A remove "sets" absence, hence its NULL value. */
static bool op_conflicts(const struct patch_op *op, const cJSON *base,
                         const cJSON *theirs)
{
    const cJSON *before = cJSON_GetObjectItemCaseSensitive(base, op->key);
    const cJSON *now = cJSON_GetObjectItemCaseSensitive(theirs, op->key);
    return !same_member(before, now) && !same_member(op->value, now);
}

int jsonpatch_conflicts(const cJSON *base, const cJSON *patch,
                        const cJSON *theirs, char *names, size_t names_len)
{
    struct name_list list = { names_len ? names : NULL, names_len, 0, false };
    if (list.buf)
        list.buf[0] = '\0';
    if (!cJSON_IsObject(base) || !cJSON_IsObject(theirs) ||
        !cJSON_IsArray(patch))
        return -1;

    int count = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, patch) {
        struct patch_op op;
        if (parse_op(item, &op) != 0)
            return -1;
        if (op_conflicts(&op, base, theirs)) {
            name_list_add(&list, op.key);
            count++;
        }
        free(op.key);
    }
    return count;
}

/* ---- apply -------------------------------------------------------------- */

/* Sets obj[key] to a copy of value: in place if present, else appended. */
static int set_member(cJSON *obj, const char *key, const cJSON *value)
{
    cJSON *copy = cJSON_Duplicate(value, true);
    if (!copy)
        return -1;
    bool done = cJSON_GetObjectItemCaseSensitive(obj, key)
                    ? cJSON_ReplaceItemInObjectCaseSensitive(obj, key, copy)
                    : cJSON_AddItemToObject(obj, key, copy);
    if (!done) { /* cJSON leaves the item with us when it fails */
        cJSON_Delete(copy);
        return -1;
    }
    return 0;
}

static int apply_op(cJSON *obj, const struct patch_op *op)
{
    if (op->kind == OP_REMOVE) {
        cJSON_DeleteItemFromObjectCaseSensitive(obj, op->key);
        return 0;
    }
    return set_member(obj, op->key, op->value);
}

int jsonpatch_apply(cJSON *obj, const cJSON *patch)
{
    if (!cJSON_IsObject(obj) || !cJSON_IsArray(patch))
        return -1;
    const cJSON *item;
    cJSON_ArrayForEach(item, patch) {
        struct patch_op op;
        if (parse_op(item, &op) != 0)
            return -1;
        int rc = apply_op(obj, &op);
        free(op.key);
        if (rc != 0)
            return -1;
    }
    return 0;
}

bool jsonpatch_is_empty(const cJSON *patch)
{
    return cJSON_IsArray(patch) && cJSON_GetArraySize(patch) == 0;
}

/* ---- saves without a base, and answers ---------------------------------- */

void jsonpatch_drop_removes(cJSON *patch)
{
    cJSON *item = patch ? patch->child : NULL;

    while (item) {
        cJSON *next = item->next;
        const char *kind = cJSON_GetStringValue(
            cJSON_GetObjectItemCaseSensitive(item, "op"));
        if (kind && strcmp(kind, "remove") == 0)
            cJSON_Delete(cJSON_DetachItemViaPointer(patch, item));
        item = next;
    }
}

int jsonpatch_slim_references(cJSON *patch)
{
    cJSON *op;

    cJSON_ArrayForEach(op, patch) {
        cJSON *value = cJSON_GetObjectItemCaseSensitive(op, "value");
        const cJSON *id = reference_id(value);
        cJSON *slim;
        if (!id || cJSON_GetArraySize(value) == 1)
            continue;
        slim = cJSON_CreateObject();
        if (!slim || !cJSON_AddNumberToObject(slim, "id", id->valuedouble)) {
            cJSON_Delete(slim);
            return -ENOMEM;
        }
        cJSON_ReplaceItemInObjectCaseSensitive(op, "value", slim);
    }
    return 0;
}

int jsonpatch_applied_in(const cJSON *patch, const cJSON *obj)
{
    const cJSON *item;

    if (!cJSON_IsArray(patch) || !cJSON_IsObject(obj))
        return -1;
    cJSON_ArrayForEach(item, patch) {
        struct patch_op op;
        bool same;
        if (parse_op(item, &op) != 0)
            return -1;
        same = same_member(op.value,
                           cJSON_GetObjectItemCaseSensitive(obj, op.key));
        free(op.key);
        if (!same)
            return 0;
    }
    return 1;
}
