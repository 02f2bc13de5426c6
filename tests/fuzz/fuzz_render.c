/* fuzz_render.c - a listing page as the server sends it, to the files
 * shown: jsontext's split, pick and pretty printing, and the tree path
 * (render_parse, render_json).  Oracle: wherever jsontext_pretty answers,
 * it answers exactly what the tree path prints, and picking changes
 * nothing of the text. */
#include "fuzz.h"

#include "jsontext.h"
#include "render.h"

static const char *const naming[] = { "identifier", "id", "_info", NULL };

static void check_item(const char *text, size_t len)
{
    size_t fast_len = 0, picked_len = 0, tree_len = 0;
    char *fast = jsontext_pretty(text, len, &fast_len);
    cJSON *picked = NULL, *tree = render_parse(text, len);
    char *both = jsontext_pretty_pick(text, len, naming, &picked, &picked_len);
    char *slow = tree ? render_json(tree, &tree_len) : NULL;
    cJSON *alone = jsontext_pick(text, len, naming);

    if (fast && slow)
        FUZZ_REQUIRE(fast_len == tree_len && memcmp(fast, slow, tree_len) == 0);
    if (fast)
        FUZZ_REQUIRE(tree != NULL); /* it answers only what the tree takes */
    if (fast && both)
        FUZZ_REQUIRE(picked_len == fast_len &&
                     memcmp(both, fast, fast_len) == 0);
    free(fast);
    free(both);
    free(slow);
    cJSON_Delete(picked);
    cJSON_Delete(alone);
    cJSON_Delete(tree);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    struct json_span *items = NULL;
    size_t count = 0;

    if (jsontext_split(text, size, &items, &count) == 0) {
        for (size_t i = 0; i < count; i++) {
            FUZZ_REQUIRE(items[i].start >= text &&
                         items[i].start + items[i].len <= text + size);
            check_item(items[i].start, items[i].len);
        }
    }
    free(items);
    check_item(text, size); /* the whole answer as one object */
    return 0;
}
