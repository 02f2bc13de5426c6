/* report.h - a ConnectWise report's answer as rows a person can read.
 *
 * GET system/reports/{name} answers column definitions and rows of bare
 * values: {"column_definitions": [{"<col>": {"type": ...}}, ...],
 * "row_values": [[v1, v2, ...], ...]}.  A file shows them as an array of
 * objects keyed by column name, in the server's column order, so grep
 * finds "member": "admin" and jq can select by column. */
#ifndef CWMFS_REPORT_H
#define CWMFS_REPORT_H

#include <cjson/cJSON.h>
#include <stddef.h>

/* Appends answer's rows to rows (an array) as objects keyed by column.
 * Returns how many rows the answer held, or -1 when it is not a report
 * (no column_definitions or row_values) or without memory. */
int report_append_rows(cJSON *rows, const cJSON *answer);

#endif
