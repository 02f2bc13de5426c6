/* render.h - deterministic pretty-printing of cJSON trees.
 *
 * Files in the mount must be byte-for-byte stable between reads (tools
 * diff them, editors compare them), so this printer fixes every choice
 * cJSON_Print leaves open: the layout matches JavaScript's
 * JSON.stringify(v, null, 2) followed by one "\n". */
#ifndef CWMFS_RENDER_H
#define CWMFS_RENDER_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* Render `item` as 2-space indented JSON plus a trailing newline.
 * Objects keep their insertion order; UTF-8 passes through unescaped;
 * integral numbers below 2^53 print without exponent or fraction, other
 * finite numbers use the shortest %.15g/%.16g/%.17g that round-trips, and
 * non-finite numbers print as null.  cJSON_Raw items are copied verbatim.
 *
 * Returns a malloc'd NUL-terminated string (caller frees) and stores its
 * length in *len_out when len_out is not NULL; returns NULL on allocation
 * failure or when item is NULL. */
char *render_json(const cJSON *item, size_t *len_out);

/* Parse JSON text like cJSON_ParseWithLength, but remember each number's
 * literal as the server wrote it ("8.0", "1e3") in the node's valuestring,
 * which cJSON leaves unused for numbers and frees with the node.
 * render_json prints such a literal instead of its own rendering as long
 * as the literal still denotes the node's value, so a file shows the
 * server's numbers byte for byte.  NULL on a parse error. */
cJSON *render_parse(const char *text, size_t len);

#endif /* CWMFS_RENDER_H */
