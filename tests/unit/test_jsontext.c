/* test_jsontext.c - unit tests for jsontext.c: pages split as cJSON would
 * parse them, members picked, and a pretty copy identical, byte for byte,
 * to render_json(render_parse(text)) whenever it is given at all. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "buf.h"
#include "jsontext.h"
#include "render.h"
#include "unit.h"

/* The tree path's answer, or NULL where it refuses the text. */
static char *tree_pretty(const char *text, size_t len)
{
    cJSON *json = render_parse(text, len);
    char *out = json ? render_json(json, NULL) : NULL;

    cJSON_Delete(json);
    return out;
}

/* jsontext_pretty agrees with the tree path: same text when it answers;
 * answers when `handled`. */
static void check_same(const char *text, bool handled, int line)
{
    size_t len = 0;
    char *fast = jsontext_pretty(text, strlen(text), &len);
    char *tree = tree_pretty(text, strlen(text));

    if (fast && (!tree || strcmp(fast, tree) != 0)) {
        unit_failed++;
        fprintf(stderr, "%s:%d: FAILED: %s\n  fast: %s\n  tree: %s\n", __FILE__,
                line, text, fast, tree ? tree : "(refused)");
    } else if (handled && !fast) {
        unit_failed++;
        fprintf(stderr, "%s:%d: FAILED: not handled: %s\n", __FILE__, line,
                text);
    } else {
        unit_passed++;
    }
    if (fast)
        CHECK_INT_EQ(len, strlen(fast));
    free(fast);
    free(tree);
}
#define SAME(text) check_same(text, true, __LINE__)
#define TREE_ONLY(text) check_same(text, false, __LINE__)

static void test_pretty_matches_the_tree(void)
{
    SAME("{}");
    SAME("[]");
    SAME("{ }");
    SAME("[ \n ]");
    SAME("\"x\"");
    SAME("0");
    SAME("-12");
    SAME("true");
    SAME("null");
    SAME("{\"a\":1,\"b\":[1,2,{\"c\":null}],\"d\":{}}");
    SAME(" {\n\t\"a\" : \"b\" ,\r\n \"c\":false } ");
    SAME("{\"n\":8.0,\"m\":1e3,\"k\":-0,\"j\":1.25E-2,\"big\":1e400}");
    SAME("{\"lead\":007,\"neg\":-0.5}");
    SAME("{\"s\":\"quote \\\" slash \\/ back \\\\ tab \\t nl \\n\"}");
    SAME("{\"s\":\"\\b\\f\\r\"}");
    SAME("{\"utf8\":\"Zo\xc3\xab \xe2\x82\xac\"}");
    SAME("{\"bad utf8 passes\":\"\xff\xfe\"}");
    SAME("{\"dup\":1,\"dup\":2}");
    SAME("[[[[[]]]],[{}]]");
    SAME("{\"a\":[1,\"two\",true,null,{\"x\":[]}]}");
    /* What only the tree path does, or refuses. */
    TREE_ONLY("{\"u\":\"\\u00e9\\u0041\\u0000x\"}");
    TREE_ONLY("{\"u\":\"\\ud83d\\ude00\"}");
    TREE_ONLY("{\"ctl\":\"a\x01z\"}");
    TREE_ONLY("{\"a\":1}\x0b");
    TREE_ONLY("{\"a\":1,}");
    TREE_ONLY("{\"a\" 1}");
    TREE_ONLY("{\"a\":tru}");
    TREE_ONLY("{\"a\":1-2}");
    TREE_ONLY("{\"a\":-}");
    TREE_ONLY("{\"a\":.5}");
    TREE_ONLY("{\"a\":1.}");
    TREE_ONLY("{\"a\":\"unterminated}");
    TREE_ONLY("{\"a\":\"\\x\"}");
    TREE_ONLY("[1,2");
    TREE_ONLY("{\"a\":[1}]");
    TREE_ONLY("");
    TREE_ONLY("{\"long\":1234567890123456789012345678901234567890123456789"
              "0123456789012345}");
}

/* Strings are scanned eight bytes at a time: put what ends a plain run
 * at every position of a word, beside bytes that must not end one. */
static void test_every_position_in_a_string(void)
{
    static const char *const specials[] = {
        "\\\"", "\\\\", "\\n", "\\/", "\xc3\xa9", "\x7f", "\xff", " ",
    };
    static const char *const tree_only[] = { "\\u0041", "\x01", "\x1f" };

    for (int before = 0; before < 20; before++) {
        for (size_t i = 0; i < sizeof(specials) / sizeof(*specials); i++) {
            char text[128];
            snprintf(text, sizeof(text), "{\"k\":\"%.*s%s%.*s\"}", before,
                     "abcdefghijklmnopqrstuvwxyz", specials[i], 19 - before,
                     "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
            check_same(text, true, __LINE__);
        }
        for (size_t i = 0; i < sizeof(tree_only) / sizeof(*tree_only); i++) {
            char text[128];
            snprintf(text, sizeof(text), "{\"k\":\"%.*s%s\"}", before,
                     "abcdefghijklmnopqrstuvwxyz", tree_only[i]);
            check_same(text, false, __LINE__);
            CHECK(jsontext_pretty(text, strlen(text), NULL) == NULL);
        }
    }
}

static void test_deep_nesting_takes_the_tree_path(void)
{
    struct buf b = BUF_INIT(0);
    char *fast;

    for (int i = 0; i < 100; i++)
        buf_append_str(&b, "[");
    for (int i = 0; i < 100; i++)
        buf_append_str(&b, "]");
    fast = jsontext_pretty(b.data, b.len, NULL);
    CHECK(fast == NULL);
    check_same(b.data, false, __LINE__);
    free(fast);
    buf_clear(&b);
}

/* jsontext_pretty_pick answers as jsontext_pretty and jsontext_pick do. */
static void check_pretty_pick(const char *text, size_t len, int line)
{
    const char *names[] = { "k", "id", "_info", NULL };
    cJSON *picked = NULL, *alone = jsontext_pick(text, len, names);
    size_t n = 0;
    char *both = jsontext_pretty_pick(text, len, names, &picked, &n);
    char *pretty = jsontext_pretty(text, len, NULL);
    char *a = picked ? cJSON_PrintUnformatted(picked) : NULL;
    char *b = alone ? cJSON_PrintUnformatted(alone) : NULL;
    bool ok = (both == NULL) == (pretty == NULL) &&
              (!both || (strcmp(both, pretty) == 0 && n == strlen(both))) &&
              (!both || (a == NULL) == (b == NULL)) &&
              (!a || !b || strcmp(a, b) == 0);

    if (!ok) {
        unit_failed++;
        fprintf(stderr, "%s:%d: FAILED: pretty_pick of %.*s: %s / %s\n",
                __FILE__, line, (int)len, text, a ? a : "-", b ? b : "-");
    } else {
        unit_passed++;
    }
    free(a);
    free(b);
    free(both);
    free(pretty);
    cJSON_Delete(picked);
    cJSON_Delete(alone);
}

static void test_pretty_pick(void)
{
    const char *text = "{\"k\":\"x\",\"deep\":{\"id\":9},\"id\":7,"
                       "\"_info\":{\"lastUpdated\":\"t\"},\"id\":8}";
    const char *names[] = { "k", "id", "_info", NULL };
    cJSON *picked = NULL;
    char *out = jsontext_pretty_pick(text, strlen(text), names, &picked, NULL);

    CHECK(out != NULL);
    CHECK_INT_EQ(cJSON_GetArraySize(picked), 3);
    CHECK_INT_EQ(cJSON_GetObjectItemCaseSensitive(picked, "id")->valueint, 7);
    free(out);
    cJSON_Delete(picked);
    out = jsontext_pretty_pick("[1]", 3, names, &picked, NULL);
    CHECK(out != NULL && picked == NULL); /* only objects have members */
    free(out);
    check_pretty_pick(text, strlen(text), __LINE__);
    text = "{\"k\":\"\\u0041\"}"; /* the tree path's */
    check_pretty_pick(text, strlen(text), __LINE__);
}

/* ---- random texts: whatever the fast path answers, the tree agrees ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static unsigned rnd(unsigned n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (unsigned)(rng_state % n);
}

static const char *const pieces[] = {
    "0",
    "-1",
    "12.5",
    "1e5",
    "-0.0",
    "1E+2",
    "007",
    "1.",
    "-",
    "true",
    "false",
    "null",
    "nul",
    "\"\"",
    "\"a\"",
    "\"\\n\"",
    "\"\\/\"",
    "\"\\u0041\"",
    "\"\xc3\xa9\"",
    "\"\\q\"",
    " ",
    "\n",
    "\t",
    "\x01",
    ",",
    ":",
    "\"k\":",
    "{",
    "}",
    "[",
    "]",
};

static void random_value(struct buf *b, int depth);

static void random_container(struct buf *b, int depth, bool object)
{
    int n = (int)rnd(4);

    buf_append_str(b, object ? "{" : "[");
    for (int i = 0; i < n; i++) {
        if (i)
            buf_append_str(b, rnd(20) ? "," : " ");
        if (object)
            buf_append_str(b, rnd(10) ? "\"k\":" : "\"k\" : ");
        random_value(b, depth + 1);
    }
    buf_append_str(b, object ? "}" : "]");
}

/* Mostly valid JSON, now and then a stray piece. */
static void random_value(struct buf *b, int depth)
{
    unsigned pick = rnd(12);

    if (rnd(30) == 0)
        buf_append_str(b, pieces[rnd(sizeof(pieces) / sizeof(pieces[0]))]);
    if (depth < 6 && pick < 3)
        random_container(b, depth, pick == 0);
    else
        buf_append_str(b, pieces[rnd(19)]);
}

static void test_random_texts_agree(void)
{
    int answered = 0;

    for (int i = 0; i < 20000; i++) {
        struct buf b = BUF_INIT(0);
        char *fast, *tree;

        random_value(&b, 0);
        fast = jsontext_pretty(b.data, b.len, NULL);
        tree = tree_pretty(b.data, b.len);
        if (i % 10 == 0)
            check_pretty_pick(b.data, b.len, __LINE__);
        if (fast) {
            answered++;
            if (!tree || strcmp(fast, tree) != 0) {
                check_same(b.data, false, __LINE__);
                free(fast);
                free(tree);
                buf_clear(&b);
                break;
            }
        }
        free(fast);
        free(tree);
        buf_clear(&b);
    }
    /* The generator mostly writes what the fast path handles. */
    CHECK(answered > 5000);
}

/* ---- splitting pages ---- */

static void check_split(const char *text, int rc_want, size_t count_want,
                        const char *first_want, int line)
{
    struct json_span *items = NULL;
    size_t count = 99;
    int rc = jsontext_split(text, strlen(text), &items, &count);

    if (rc != rc_want || count != count_want ||
        (first_want &&
         (!items || strlen(first_want) != items[0].len ||
          memcmp(items[0].start, first_want, items[0].len) != 0))) {
        unit_failed++;
        fprintf(stderr, "%s:%d: FAILED: split %s: rc %d count %zu\n", __FILE__,
                line, text, rc, count);
    } else {
        unit_passed++;
    }
    free(items);
}
#define SPLITS(text, count, first) check_split(text, 0, count, first, __LINE__)
#define REFUSED(text) check_split(text, -EINVAL, 0, NULL, __LINE__)

static void test_split_pages(void)
{
    SPLITS("[]", 0, NULL);
    SPLITS(" [ ] ", 0, NULL);
    SPLITS("\xEF\xBB\xBF[1]", 1, "1");
    SPLITS("[ {\"a\":\"],\"} , 2,\n[3,4] ]", 3, "{\"a\":\"],\"}");
    SPLITS("[\"\\\"]\"]", 1, "\"\\\"]\"");
    SPLITS("[1]trailing bytes, as cJSON allows", 1, "1");
    SPLITS("[null,{}]", 2, "null");
    REFUSED("");
    REFUSED("{}");
    REFUSED("[1,2");
    REFUSED("[1,,2]");
    REFUSED("[1,]");
    REFUSED("[1}");
    REFUSED("[\"open]");
}

/* ---- picking members ---- */

static void test_pick(void)
{
    const char *names[] = { "identifier", "id", "_info", NULL };
    const char *text = "{\"id\":7,\"name\":{\"deep\":[1,{\"id\":9}]},"
                       "\"identifier\":\"ann\",\"_info\":{\"lastUpdated\":"
                       "\"2026-01-02T03:04:05Z\"},\"id\":8}";
    cJSON *p = jsontext_pick(text, strlen(text), names);
    const cJSON *info = cJSON_GetObjectItemCaseSensitive(p, "_info");

    CHECK(p != NULL);
    CHECK_INT_EQ(cJSON_GetArraySize(p), 3); /* the first "id" only */
    CHECK_INT_EQ(cJSON_GetObjectItemCaseSensitive(p, "id")->valueint, 7);
    CHECK_STR_EQ(
        cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "identifier")),
        "ann");
    CHECK_STR_EQ(cJSON_GetStringValue(
                     cJSON_GetObjectItemCaseSensitive(info, "lastUpdated")),
                 "2026-01-02T03:04:05Z");
    CHECK(cJSON_GetObjectItemCaseSensitive(p, "name") == NULL);
    cJSON_Delete(p);

    CHECK(jsontext_pick("[1]", 3, names) == NULL);
    CHECK(jsontext_pick("{\"id\":}", 7, names) == NULL);
    CHECK(jsontext_pick("{\"id\":1", 7, names) == NULL);
    p = jsontext_pick("{}", 2, names);
    CHECK(p != NULL && p->child == NULL);
    cJSON_Delete(p);
}

int main(void)
{
    test_pretty_matches_the_tree();
    test_every_position_in_a_string();
    test_deep_nesting_takes_the_tree_path();
    test_pretty_pick();
    test_random_texts_agree();
    test_split_pages();
    test_pick();
    return unit_report();
}
