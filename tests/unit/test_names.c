/* test_names.c - unit tests for names.c: reversible, canonical file names. */
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "unit.h"

/* encode(value) == expected, and decoding gives value back. */
static void check_round_trip(const char *value, const char *expected)
{
    char *enc = name_encode(value);
    CHECK_STR_EQ(enc, expected);
    char *dec = enc ? name_decode(enc) : NULL;
    CHECK_STR_EQ(dec, value);
    free(enc);
    free(dec);
}

static void check_rejected(const char *name)
{
    char *dec = name_decode(name);
    if (dec)
        fprintf(stderr, "  name_decode(\"%s\") accepted\n", name);
    CHECK(dec == NULL);
    free(dec);
}

static void test_round_trips(void)
{
    check_round_trip("plain", "plain");
    check_round_trip("a/b", "a%2Fb");
    check_round_trip("%", "%25");
    check_round_trip("50%", "50%25");
    check_round_trip(".hidden", "%2Ehidden");
    check_round_trip(".", "%2E");
    check_round_trip("..", "%2E.");
    check_round_trip("a.b.", "a.b.");
    check_round_trip("日本", "日本");
    check_round_trip("x~", "x%7E");
    check_round_trip("~x", "~x");
    check_round_trip("~", "%7E");
    check_round_trip("trail ", "trail%20");
    check_round_trip(" ", "%20");
    check_round_trip(" lead in", " lead in");
    check_round_trip("tab\there", "tab%09here");
    check_round_trip("nl\r\n", "nl%0D%0A");
    check_round_trip("del\x7f", "del%7F");
    check_round_trip("a.json", "a.json");
    check_round_trip("Main \"HQ\" #1?*:<>|\\", "Main \"HQ\" #1?*:<>|\\");
    check_round_trip("%2F", "%252F");
}

static void test_encode_limits(void)
{
    CHECK(name_encode(NULL) == NULL);
    CHECK(name_encode("") == NULL);

    char value[NAME_ENCODED_MAX + 2];
    memset(value, 'a', NAME_ENCODED_MAX);
    value[NAME_ENCODED_MAX] = '\0';
    char *enc = name_encode(value); /* exactly 250: fits */
    CHECK(enc != NULL && strlen(enc) == NAME_ENCODED_MAX);
    free(enc);

    value[NAME_ENCODED_MAX] = 'a';
    value[NAME_ENCODED_MAX + 1] = '\0';
    CHECK(name_encode(value) == NULL); /* 251 */

    /* 84 slashes encode to 252 bytes even though the value is short. */
    char slashes[85];
    memset(slashes, '/', 84);
    slashes[84] = '\0';
    CHECK(name_encode(slashes) == NULL);
    slashes[83] = '\0'; /* 83 * 3 = 249 */
    enc = name_encode(slashes);
    CHECK(enc != NULL && strlen(enc) == 249);
    free(enc);
}

static void test_rejects_non_canonical(void)
{
    check_rejected("");
    check_rejected("a%2fb"); /* lowercase hex */
    check_rejected("%41");   /* 'A' needs no escape */
    check_rejected("a%2E");  /* '.' only escaped at the start */
    check_rejected("%7Ex");  /* '~' only escaped at the end */
    check_rejected("x%20y"); /* ' ' only escaped at the end */
    check_rejected("%00");
    check_rejected("%");
    check_rejected("%2");
    check_rejected("50%");
    check_rejected("%G1");
    check_rejected("%%25");
    check_rejected(".hidden"); /* must have been %2E */
    check_rejected(".");
    check_rejected("..");
    check_rejected("x~"); /* must have been x%7E */
    check_rejected("trail ");
    check_rejected("tab\there"); /* raw control byte */
    check_rejected("a/b");       /* raw slash */
    check_rejected("del\x7f");
    check_rejected("%E6%97%A5"); /* UTF-8 passes through unescaped */
    CHECK(name_decode(NULL) == NULL);
}

static void test_json_names(void)
{
    char *name = name_for_key("a/b");
    CHECK_STR_EQ(name, "a%2Fb.json");
    free(name);
    name = name_for_key("a.json");
    CHECK_STR_EQ(name, "a.json.json");
    free(name);
    CHECK(name_for_key("") == NULL);
    CHECK(name_for_key(NULL) == NULL);

    char *key = key_for_name("a%2Fb.json");
    CHECK_STR_EQ(key, "a/b");
    free(key);
    key = key_for_name("a.json.json");
    CHECK_STR_EQ(key, "a.json");
    free(key);
    key = key_for_name("%2E.json");
    CHECK_STR_EQ(key, ".");
    free(key);
    key = key_for_name("42.json");
    CHECK_STR_EQ(key, "42");
    free(key);

    CHECK(key_for_name(".json") == NULL); /* empty stem */
    CHECK(key_for_name("a") == NULL);
    CHECK(key_for_name("a.JSON") == NULL);
    CHECK(key_for_name("a.json~") == NULL);
    CHECK(key_for_name("a.jso") == NULL);
    CHECK(key_for_name(".hidden.json") == NULL);
    CHECK(key_for_name("a%2fb.json") == NULL);
    CHECK(key_for_name(NULL) == NULL);
}

static void test_decimal_ids(void)
{
    CHECK(name_is_decimal_id("1"));
    CHECK(name_is_decimal_id("42"));
    CHECK(name_is_decimal_id("15243"));
    CHECK(name_is_decimal_id("9223372036854775807")); /* INT64_MAX */
    CHECK(!name_is_decimal_id("9223372036854775808"));
    CHECK(!name_is_decimal_id("10000000000000000000"));
    CHECK(!name_is_decimal_id(""));
    CHECK(!name_is_decimal_id("0"));
    CHECK(!name_is_decimal_id("01"));
    CHECK(!name_is_decimal_id("-1"));
    CHECK(!name_is_decimal_id("+1"));
    CHECK(!name_is_decimal_id("1e3"));
    CHECK(!name_is_decimal_id(" 1"));
    CHECK(!name_is_decimal_id("1 "));
    CHECK(!name_is_decimal_id("1.0"));
    CHECK(!name_is_decimal_id("0x1"));
    CHECK(!name_is_decimal_id(NULL));
}

/* Property check over many small strings from an alphabet rich in the
 * special cases: decode(encode(v)) == v for every value, and whenever
 * decode accepts a name, encode gives that exact name back. */
static void test_canonical_property(void)
{
    static const char alphabet[] = "%2FE57Aa.~ /\t\x7f\xc3";
    const size_t nsym = sizeof(alphabet) - 1;
    unsigned seed = 12345;
    int bad_round_trip = 0, bad_canonical = 0;

    for (int iter = 0; iter < 20000; iter++) {
        char s[8];
        size_t len = 1 + (size_t)(iter % 6);
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            s[i] = alphabet[(seed >> 16) % nsym];
        }
        s[len] = '\0';

        char *enc = name_encode(s);
        char *dec = enc ? name_decode(enc) : NULL;
        if (!dec || strcmp(dec, s) != 0)
            bad_round_trip++;
        free(enc);
        free(dec);

        dec = name_decode(s);
        enc = dec ? name_encode(dec) : NULL;
        if (dec && (!enc || strcmp(enc, s) != 0))
            bad_canonical++;
        free(enc);
        free(dec);
    }
    CHECK_INT_EQ(bad_round_trip, 0);
    CHECK_INT_EQ(bad_canonical, 0);
}

/* Objects that share a key: "<encoded key>%23id<id>", never canonical. */
/* A key too long for a name is cut between characters, its encoding
 * canonical, and the whole name fits. */
static void test_long_keys_are_cut(void)
{
    char key[1200], *stem, *id;
    size_t i;

    for (i = 0; i + 3 < sizeof(key); i += 3)
        memcpy(key + i, "\xC3\xA9/", 3); /* "é/": 2 bytes, then 3 escaped */
    key[i] = '\0';
    CHECK(!name_fits(key));
    CHECK(name_fits("admin"));
    CHECK(!name_fits(""));
    stem = name_duplicate_stem(key, "123456");
    CHECK(stem != NULL);
    if (!stem)
        return;
    CHECK(strlen(stem) <= NAME_ENCODED_MAX);
    CHECK(strlen(stem) > NAME_ENCODED_MAX - 10);
    CHECK(strncmp(stem, "\xC3\xA9%2F\xC3\xA9", 7) == 0);
    CHECK(strstr(stem, "%23id123456") == stem + strlen(stem) - 11);
    id = name_duplicate_id(stem);
    CHECK_STR_EQ(id, "123456");
    free(id);
    free(stem);
    /* found by fuzz_names: continuation bytes down to the first (an
     * index that wrapped below zero) */
    memset(key, '\xAD', 600);
    key[0] = '(';
    key[600] = '\0';
    stem = name_duplicate_stem(key, "7");
    CHECK(stem != NULL && strlen(stem) <= NAME_ENCODED_MAX);
    free(stem);
    memset(key, ' ', 600); /* spaces: only a last one is escaped */
    key[600] = '\0';
    stem = name_duplicate_stem(key, "7");
    CHECK(stem != NULL && strstr(stem, "%20%23id7") != NULL);
    id = stem ? name_duplicate_id(stem) : NULL;
    CHECK_STR_EQ(id, "7");
    free(id);
    free(stem);
}

static void test_duplicate_names(void)
{
    char *stem = name_duplicate_stem("admin", "42"), *id;

    CHECK_STR_EQ(stem, "admin%23id42");
    CHECK(key_for_name("admin%23id42.json") == NULL); /* not canonical */
    id = name_duplicate_id(stem);
    CHECK_STR_EQ(id, "42");
    free(id);
    free(stem);
    stem = name_duplicate_stem("a/b#c", "7"); /* escapes kept */
    CHECK_STR_EQ(stem, "a%2Fb#c%23id7");
    id = name_duplicate_id(stem);
    CHECK_STR_EQ(id, "7");
    free(id);
    free(stem);
    CHECK(name_duplicate_stem("admin", "4.2") == NULL);
    stem = name_duplicate_stem("", "5"); /* an object with no key */
    CHECK_STR_EQ(stem, "%23id5");
    id = name_duplicate_id(stem);
    CHECK_STR_EQ(id, "5");
    free(id);
    free(stem);
    CHECK(name_duplicate_id("admin%23id") == NULL);
    CHECK(name_duplicate_id("admin%23id042") == NULL);
    CHECK(name_duplicate_id("ad%2fmin%23id4") == NULL); /* bad stem */
    CHECK(name_duplicate_id("admin") == NULL);
    stem = name_stem("x.json");
    CHECK_STR_EQ(stem, "x");
    free(stem);
    CHECK(name_stem("x.txt") == NULL);
}

int main(void)
{
    test_duplicate_names();
    test_long_keys_are_cut();
    test_round_trips();
    test_encode_limits();
    test_rejects_non_canonical();
    test_json_names();
    test_decimal_ids();
    test_canonical_property();
    return unit_report();
}
