/* report.c - see report.h. */
#include "report.h"

#include <stdbool.h>

/* The name of column i (the one key of column_definitions[i]). */
static const char *column_name(const cJSON *columns, int i)
{
    const cJSON *def = cJSON_GetArrayItem(columns, i);

    return def && def->child ? def->child->string : NULL;
}

/* One row of bare values as an object keyed by column name. */
static cJSON *row_object(const cJSON *columns, const cJSON *values)
{
    cJSON *row = cJSON_CreateObject();
    const cJSON *value;
    int i = 0;

    cJSON_ArrayForEach(value, values) {
        const char *name = column_name(columns, i++);
        cJSON *copy = cJSON_Duplicate(value, true);
        if (!row || !copy || !name || !cJSON_AddItemToObject(row, name, copy)) {
            cJSON_Delete(copy);
            cJSON_Delete(row);
            return NULL;
        }
    }
    return row;
}

int report_append_rows(cJSON *rows, const cJSON *answer)
{
    const cJSON *columns = cJSON_GetObjectItemCaseSensitive(
        answer, "column_definitions");
    const cJSON *values = cJSON_GetObjectItemCaseSensitive(answer,
                                                           "row_values");
    const cJSON *one;
    int n = 0;

    if (!cJSON_IsArray(columns) || !cJSON_IsArray(values))
        return -1;
    cJSON_ArrayForEach(one, values) {
        cJSON *row = row_object(columns, one);
        if (!row || !cJSON_AddItemToArray(rows, row)) {
            cJSON_Delete(row);
            return -1;
        }
        n++;
    }
    return n;
}
