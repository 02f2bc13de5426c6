/* fuzz_jsonpatch.c - the save path's JSON Patch: diff, the lost-update
 * check (three-way), apply, and the checks made after a lost answer.  The
 * input is three JSON texts separated by NUL bytes: base, mine, theirs
 * (theirs also serves as a hostile patch).  Oracles: applying the diff of
 * base and mine to base gives what applied_in accepts, and the diff is
 * found applied in mine. */
#include "fuzz.h"

#include "jsonpatch.h"

#include <stdbool.h>

static const char *const ignore[] = { "_info", NULL };

/* The next NUL-separated part of the input, parsed (NULL if not JSON). */
static cJSON *next_doc(const uint8_t **p, const uint8_t *end)
{
    const uint8_t *nul = memchr(*p, 0, (size_t)(end - *p));
    const uint8_t *stop = nul ? nul : end;
    cJSON *doc = cJSON_ParseWithLength((const char *)*p, (size_t)(stop - *p));

    *p = nul ? nul + 1 : end;
    return doc;
}

/* A name twice in one object, at any depth, makes "the" value of that
 * name ambiguous: cJSON_Compare finds such an object unequal even to its
 * own copy, so the oracles below do not hold for it. */
static bool has_duplicate_names(const cJSON *item)
{
    for (const cJSON *a = item ? item->child : NULL; a; a = a->next) {
        if (has_duplicate_names(a))
            return true;
        if (!cJSON_IsObject(item))
            continue;
        for (const cJSON *b = a->next; b; b = b->next)
            if (a->string && b->string && strcmp(a->string, b->string) == 0)
                return true;
    }
    return false;
}

static void check_diff(const cJSON *base, const cJSON *mine)
{
    cJSON *patch = jsonpatch_diff(base, mine, ignore);
    cJSON *copy;

    if (!patch)
        return;
    if (!has_duplicate_names(base) && !has_duplicate_names(mine)) {
        FUZZ_REQUIRE(jsonpatch_applied_in(patch, mine) == 1);
        copy = cJSON_Duplicate(base, 1);
        if (copy && jsonpatch_apply(copy, patch) == 0)
            FUZZ_REQUIRE(jsonpatch_applied_in(patch, copy) == 1);
        cJSON_Delete(copy);
    }
    jsonpatch_is_empty(patch);
    jsonpatch_slim_references(patch);
    jsonpatch_drop_removes(patch);
    cJSON_Delete(patch);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *p = data, *end = data + size;
    cJSON *base = next_doc(&p, end), *mine = next_doc(&p, end);
    cJSON *theirs = next_doc(&p, end), *patch, *copy;
    char names[64];

    check_diff(base, mine);
    patch = jsonpatch_diff(base, mine, ignore);
    jsonpatch_conflicts(base, patch, theirs, names, sizeof(names));
    FUZZ_REQUIRE(memchr(names, 0, sizeof(names)) != NULL ||
                 !patch); /* always terminated when it ran */
    copy = cJSON_Duplicate(base, 1);
    jsonpatch_apply(copy, theirs); /* theirs as a hostile patch */
    jsonpatch_applied_in(theirs, mine);
    jsonpatch_conflicts(base, theirs, mine, names, sizeof(names));
    cJSON_Delete(copy);
    cJSON_Delete(patch);
    cJSON_Delete(base);
    cJSON_Delete(mine);
    cJSON_Delete(theirs);
    return 0;
}
