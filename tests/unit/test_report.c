/* test_report.c - unit tests for report.c: report answers as rows. */
#include <stdlib.h>

#include "render.h"
#include "report.h"
#include "unit.h"

static void test_rows_keyed_by_column(void)
{
    cJSON *answer = cJSON_Parse(
        "{\"column_definitions\": [{\"id\": {\"type\": \"Numeric\"}},"
        "  {\"member\": {\"type\": \"Text\"}}],"
        " \"row_values\": [[1, \"admin\"], [2, null]]}");
    cJSON *rows = cJSON_CreateArray();
    char *text;

    CHECK_INT_EQ(report_append_rows(rows, answer), 2);
    text = render_json(rows, NULL);
    CHECK_STR_EQ(text, "[\n  {\n    \"id\": 1,\n    \"member\": \"admin\"\n"
                       "  },\n  {\n    \"id\": 2,\n    \"member\": null\n"
                       "  }\n]\n");
    free(text);
    cJSON_Delete(rows);
    cJSON_Delete(answer);
}

static void test_not_a_report(void)
{
    cJSON *rows = cJSON_CreateArray();
    cJSON *list = cJSON_Parse("[{\"name\": \"Member\"}]");
    cJSON *short_row = cJSON_Parse("{\"column_definitions\": [{\"id\": {}}],"
                                   " \"row_values\": [[1, 2]]}");

    CHECK_INT_EQ(report_append_rows(rows, list), -1);
    CHECK_INT_EQ(report_append_rows(rows, short_row), -1); /* no column 2 */
    CHECK_INT_EQ(cJSON_GetArraySize(rows), 0);
    cJSON_Delete(short_row);
    cJSON_Delete(list);
    cJSON_Delete(rows);
}

int main(void)
{
    test_rows_keyed_by_column();
    test_not_a_report();
    return unit_report();
}
