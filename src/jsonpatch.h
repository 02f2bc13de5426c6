/* jsonpatch.h - top-level JSON Patch for saving edited ConnectWise objects.
 *
 * When a user saves an edited JSON file, cwmfs compares it with the object
 * it last showed (`base`) and sends ConnectWise the smallest patch that
 * turns one into the other.  ConnectWise patches whole top-level fields: a
 * changed nested object or array is replaced whole, never patched inside.
 * A patch here is a cJSON array of ops shaped as ConnectWise documents them:
 *
 *   [{"op":"replace","path":"summary","value":"New"},
 *    {"op":"remove","path":"budgetHours"}]
 *
 * Before sending, jsonpatch_conflicts() checks the server's current object
 * for lost updates; in PUT mode jsonpatch_apply() merges the user's changes
 * into that current object.
 *
 * Keys are compared case-sensitively.  If an object holds a key twice, its
 * first occurrence counts (as with cJSON_GetObjectItemCaseSensitive) and
 * later ones are ignored. */
#ifndef CWMFS_JSONPATCH_H
#define CWMFS_JSONPATCH_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

/* Ops turning `base` into `target`, both JSON objects, comparing top-level
 * members only (deep equality via cJSON_Compare(..., true)).  For each key of
 * target in target's order: absent in base -> {"op":"add","path":K,"value":V};
 * present but different -> {"op":"replace","path":K,"value":V}; then for each
 * key of base (base's order) missing in target -> {"op":"remove","path":K}.
 * Paths have no leading slash (ConnectWise's documented form) and hold the
 * key verbatim (a key starting with '/', which would read as a pointer,
 * as the RFC 6901 pointer to it: "/~1b").  Keys listed in `ignore`
 * (NULL-terminated array, may be NULL) are skipped entirely (cwmfs passes
 * {"_info", NULL}), and so is an empty key, which no top-level path names
 * ("" is the whole document; commit refuses a text holding one).  Values
 * are deep
 * copies.  Returns a cJSON array the caller deletes (empty when nothing
 * changed), or NULL if an argument is not an object or on allocation
 * failure. */
cJSON *jsonpatch_diff(const cJSON *base, const cJSON *target,
                      const char *const *ignore);

/* Lost-update check.  `patch` was made by jsonpatch_diff(base, mine).  For
 * each op, the field conflicts when the server's current object `theirs` has
 * a value for it that differs from base's (presence counts: absent vs present
 * differs) AND differs from the value the op sets (for remove: theirs still
 * has it).  So a field only the server changed, or that both sides set to the
 * same value, is not a conflict.
 *
 * Writes the conflicting field names in patch order, separated by "," with
 * no spaces ("status,summary"), into `names` (may be NULL).  The text is
 * always NUL-terminated when names_len > 0; a name that does not fit whole is
 * left out together with all later ones, so no partial name ever shows (the
 * return value still counts them).
 *
 * Returns how many fields conflict (0 = safe to send), or -1 when base or
 * theirs is not an object or patch is not a well-formed patch; callers that
 * send only on 0 therefore never send on bad input. */
int jsonpatch_conflicts(const cJSON *base, const cJSON *patch,
                        const cJSON *theirs, char *names, size_t names_len);

/* Applies a top-level patch (add/replace/remove) to object `obj` in place.
 * A path is the key verbatim ("summary", as jsonpatch_diff writes) or an
 * RFC 6901 pointer with one token ("/summary", "~1" and "~0" unescaped);
 * a nested pointer ("/site/id") or an empty key is a bad op.  replace/add of
 * an existing key keeps the key's position; add of a new key appends.
 *
 * Because cwmfs applies a patch onto the server's current object to merge
 * (PUT mode), the current state is taken leniently: replace of a missing key
 * adds it and remove of a missing key does nothing - either way the field
 * ends as the user left it.  Values are copied; `patch` is not changed.
 *
 * Returns 0, or -1 for a bad op (unknown "op", missing "path"/"value") /
 * non-object obj / non-array patch / allocation failure (obj may then be
 * partly changed: callers apply to a copy). */
int jsonpatch_apply(cJSON *obj, const cJSON *patch);

/* Whether a patch holds no operation: true only for an empty array.  NULL
 * (jsonpatch_diff's failure) and non-arrays answer false, so an error is
 * never mistaken for "nothing to save". */
bool jsonpatch_is_empty(const cJSON *patch);

/* Removes the "remove" ops from a patch: a save whose base is unknown may
 * only set the fields it sends (a field it lacks may be one it never saw). */
void jsonpatch_drop_removes(cJSON *patch);

/* Sends a changed reference as {"id": N} alone: an op's value that is an
 * object with a numeric "id" (ConnectWise's {id, name, _info}) loses its
 * other members, since which of id and name wins on the server is not
 * documented.  Returns 0 or -ENOMEM (the patch is then unchanged). */
int jsonpatch_slim_references(cJSON *patch);

/* Whether object `obj` already holds what every op sets (for remove: lacks
 * the key; for a slim reference: the same id): how a write whose answer
 * was lost is checked on the server.
 * Returns 1 yes, 0 no, -1 for a bad patch or a non-object. */
int jsonpatch_applied_in(const cJSON *patch, const cJSON *obj);

#endif /* CWMFS_JSONPATCH_H */
