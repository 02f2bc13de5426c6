/* fuzz_names.c - file names made from server values and read back.
 * Oracles: decoding undoes encoding; only canonical names decode (a name
 * decodes to a value that encodes back to that very name); names made by
 * id fit and name their id. */
#include "fuzz.h"

#include "names.h"

static void check_value(const char *value)
{
    char *name = name_encode(value), *back, *stem, *id;

    if (name) {
        back = name_decode(name);
        FUZZ_REQUIRE(back && strcmp(back, value) == 0);
        FUZZ_REQUIRE(strlen(name) <= NAME_ENCODED_MAX);
        FUZZ_REQUIRE(name[0] != '.' && !strchr(name, '/'));
        free(back);
    }
    stem = name_duplicate_stem(value, "42");
    if (stem) {
        FUZZ_REQUIRE(strlen(stem) <= NAME_ENCODED_MAX);
        id = name_duplicate_id(stem);
        FUZZ_REQUIRE(id && strcmp(id, "42") == 0);
        free(id);
    }
    free(stem);
    free(name);
}

static void check_name(const char *name)
{
    char *value = name_decode(name), *again;
    char *key = key_for_name(name), *stem = name_stem(name);
    char *id = name_duplicate_id(name);

    if (value) {
        again = name_encode(value);
        FUZZ_REQUIRE(again && strcmp(again, name) == 0);
        free(again);
    }
    if (id)
        FUZZ_REQUIRE(name_is_decimal_id(id));
    name_fits(name);
    free(value);
    free(key);
    free(stem);
    free(id);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_string(data, size);

    check_value(s);
    check_name(s);
    free(s);
    return 0;
}
