/* fuzz_report.c - a ConnectWise report's answer (column definitions and
 * rows of bare values) made into rows keyed by column.  Oracle: the rows
 * added are the count returned. */
#include "fuzz.h"

#include "render.h"
#include "report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON *answer = render_parse((const char *)data, size);
    cJSON *rows = cJSON_CreateArray();
    int n;

    if (!rows)
        abort();
    n = answer ? report_append_rows(rows, answer) : -1;
    if (n >= 0)
        FUZZ_REQUIRE(cJSON_GetArraySize(rows) == n);
    cJSON_Delete(rows);
    cJSON_Delete(answer);
    return 0;
}
