/* test_render.c - unit tests for render.c: deterministic JSON.stringify(v,
 * null, 2)+"\n". */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "render.h"
#include "unit.h"

/* Parse `json`, render it, compare with `expected`. */
static void check_render(const char *json, const char *expected, int line)
{
    cJSON *item = cJSON_Parse(json);
    if (!item) {
        unit_failed++;
        fprintf(stderr, "%s:%d: FAILED: cannot parse %s\n", __FILE__, line,
                json);
        return;
    }
    size_t len = 0;
    char *out = render_json(item, &len);
    CHECK(out != NULL);
    if (out) {
        if (strcmp(out, expected) != 0)
            fprintf(stderr, "  (from line %d)\n", line);
        CHECK_STR_EQ(out, expected);
        CHECK_INT_EQ(len, strlen(out));
    }
    free(out);
    cJSON_Delete(item);
}
#define RENDERS(json, expected) check_render(json, expected, __LINE__)

/* Render the number v on its own. */
static char *render_number(double v)
{
    cJSON *n = cJSON_CreateNumber(v);
    char *out = n ? render_json(n, NULL) : NULL;
    cJSON_Delete(n);
    return out;
}

static void check_number(double v, const char *expected)
{
    char *out = render_number(v);
    char want[128];
    snprintf(want, sizeof(want), "%s\n", expected);
    CHECK_STR_EQ(out, want);
    free(out);
}

static void test_scalars(void)
{
    RENDERS("null", "null\n");
    RENDERS("true", "true\n");
    RENDERS("false", "false\n");
    RENDERS("\"x\"", "\"x\"\n");
    RENDERS("{}", "{}\n");
    RENDERS("[]", "[]\n");
}

static void test_nested(void)
{
    RENDERS("{\"a\":1,\"b\":[true,null,{\"c\":\"d\"}],\"e\":{},\"f\":[]}",
            "{\n"
            "  \"a\": 1,\n"
            "  \"b\": [\n"
            "    true,\n"
            "    null,\n"
            "    {\n"
            "      \"c\": \"d\"\n"
            "    }\n"
            "  ],\n"
            "  \"e\": {},\n"
            "  \"f\": []\n"
            "}\n");
    RENDERS("[[],[{}],[[1]]]", "[\n"
                               "  [],\n"
                               "  [\n"
                               "    {}\n"
                               "  ],\n"
                               "  [\n"
                               "    [\n"
                               "      1\n"
                               "    ]\n"
                               "  ]\n"
                               "]\n");
}

static void test_key_order(void)
{
    RENDERS("{\"zeta\":1,\"alpha\":2,\"mid\":3}",
            "{\n  \"zeta\": 1,\n  \"alpha\": 2,\n  \"mid\": 3\n}\n");

    cJSON *obj = cJSON_CreateObject();
    cJSON_AddNumberToObject(obj, "b", 1);
    cJSON_AddNumberToObject(obj, "a", 2);
    char *out = render_json(obj, NULL);
    CHECK_STR_EQ(out, "{\n  \"b\": 1,\n  \"a\": 2\n}\n");
    free(out);
    cJSON_Delete(obj);
}

static void test_escapes(void)
{
    cJSON *s = cJSON_CreateString("q\" bs\\ b\b f\f n\n r\r t\t "
                                  "\x01\x1f\x7f /");
    char *out = render_json(s, NULL);
    CHECK_STR_EQ(out, "\"q\\\" bs\\\\ b\\b f\\f n\\n r\\r t\\t "
                      "\\u0001\\u001f\x7f /\"\n");
    free(out);
    cJSON_Delete(s);

    /* Keys are escaped the same way. */
    RENDERS("{\"a\\nb\":\"\\u001B\"}", "{\n  \"a\\nb\": \"\\u001b\"\n}\n");
}

static void test_unicode(void)
{
    /* UTF-8 passes through; \u escapes in the input come out as UTF-8. */
    RENDERS("\"日本 é \\u00e9 \\ud83d\\ude00\"",
            "\"日本 é \xc3\xa9 \xf0\x9f\x98\x80\"\n");
}

static void test_numbers(void)
{
    check_number(0, "0");
    check_number(-0.0, "0");
    check_number(15243, "15243");
    check_number(-3, "-3");
    check_number(0.1, "0.1");
    check_number(-2.5, "-2.5");
    check_number(1e300, "1e+300");
    check_number(1.0 / 3.0, "0.3333333333333333");
    check_number(9007199254740991.0, "9007199254740991"); /* 2^53-1 */
    check_number(-9007199254740991.0, "-9007199254740991");
    check_number(9007199254740992.0, "9007199254740992"); /* 2^53 */
    check_number(9007199254740994.0, "9007199254740994");
    check_number(1e20, "1e+20");
    check_number(5e-324, "4.94065645841247e-324"); /* %.15g reads back */
    check_number(NAN, "null");
    check_number(INFINITY, "null");
    check_number(-INFINITY, "null");
    /* Parsed numbers take the same route. */
    RENDERS("[1.0, 2.50, -0, 1E2]", "[\n  1,\n  2.5,\n  0,\n  100\n]\n");

    /* Every rendering reads back as the same double. */
    const double samples[] = { 0.1,
                               0.2 + 0.1,
                               1e300,
                               123456.789,
                               1e-7,
                               9007199254740993.0,
                               2.2250738585072014e-308 };
    for (size_t i = 0; i < sizeof(samples) / sizeof(*samples); i++) {
        char *out = render_number(samples[i]);
        CHECK(out != NULL && strtod(out, NULL) == samples[i]);
        free(out);
    }
}

static void test_raw(void)
{
    cJSON *arr = cJSON_CreateArray();
    cJSON_AddItemToArray(arr, cJSON_CreateRaw("{\"pre\":1}"));
    char *out = render_json(arr, NULL);
    CHECK_STR_EQ(out, "[\n  {\"pre\":1}\n]\n");
    free(out);
    cJSON_Delete(arr);
}

static void test_null_input(void)
{
    size_t len = 123;
    CHECK(render_json(NULL, &len) == NULL);
    CHECK_INT_EQ(len, 123);
}

static const char SAMPLE[] =
    "{\"id\":15243,\"identifier\":\"Main/\\\"HQ\\\"\",\"ratio\":0.1,"
    "\"big\":1e300,\"neg\":-7,\"ok\":true,\"none\":null,"
    "\"tags\":[\"日本\",\"tab\\there\",{}],\"info\":{\"lastUpdated\":"
    "\"2024-01-02T03:04:05Z\",\"nested\":{\"deep\":[[],[1,2.5]]}}}";

static void test_stable_and_reparse(void)
{
    cJSON *item = cJSON_Parse(SAMPLE);
    CHECK(item != NULL);
    size_t len1 = 0, len2 = 0, len3 = 0;
    char *first = render_json(item, &len1);
    char *second = render_json(item, &len2);
    CHECK(first && second);
    CHECK_INT_EQ(len1, len2);
    CHECK(first && second && memcmp(first, second, len1) == 0);
    CHECK(first && first[len1 - 1] == '\n' && first[len1 - 2] == '}');

    /* The output is valid JSON and a fixed point of parse+render. */
    cJSON *again = first ? cJSON_Parse(first) : NULL;
    CHECK(again != NULL);
    char *third = again ? render_json(again, &len3) : NULL;
    CHECK_STR_EQ(third, first);
    CHECK_INT_EQ(len3, len1);

    free(first);
    free(second);
    free(third);
    cJSON_Delete(again);
    cJSON_Delete(item);
}

/* render_parse keeps the server's number literals, strings untouched. */
static void test_parse_keeps_number_literals(void)
{
    const char *text = "{\"a\":8.0,\"s\":\"1.50 \\\" 2.0\",\"b\":[1E3,-0.10,7],"
                       "\"c\":{\"d\":1.0e-5}}";
    cJSON *root = render_parse(text, strlen(text));
    char *out = render_json(root, NULL);

    CHECK_STR_EQ(out, "{\n  \"a\": 8.0,\n  \"s\": \"1.50 \\\" 2.0\",\n"
                      "  \"b\": [\n    1E3,\n    -0.10,\n    7\n  ],\n"
                      "  \"c\": {\n    \"d\": 1.0e-5\n  }\n}\n");
    free(out);
    /* A changed value no longer matches its literal: rendered afresh. */
    cJSON_SetNumberValue(cJSON_GetObjectItem(root, "a"), 9);
    out = render_json(cJSON_GetObjectItem(root, "a"), NULL);
    CHECK_STR_EQ(out, "9\n");
    free(out);
    /* Duplicates keep the literal too (cJSON copies valuestring). */
    cJSON *dup = cJSON_Duplicate(cJSON_GetObjectItem(root, "c"), 1);
    out = render_json(dup, NULL);
    CHECK_STR_EQ(out, "{\n  \"d\": 1.0e-5\n}\n");
    free(out);
    cJSON_Delete(dup);
    cJSON_Delete(root);
    CHECK(render_parse("{\"a\":", 5) == NULL);
}

int main(void)
{
    test_parse_keeps_number_literals();
    test_scalars();
    test_nested();
    test_key_order();
    test_escapes();
    test_unicode();
    test_numbers();
    test_raw();
    test_null_input();
    test_stable_and_reparse();
    return unit_report();
}
