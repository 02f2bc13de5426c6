/* jsontext.h - JSON handled as text, for listings: a page split into its
 * items, an object's few members picked out, and render.h's layout
 * produced straight from the server's bytes.
 *
 * A listing of 10,000 members is 35 MB of JSON.  Building a cJSON tree of
 * every object only to print it again and free it cost most of a cold
 * listing (a malloc per value, and as many frees), and the freed nodes,
 * interleaved with the kept texts, fragmented the heap.  Here each object
 * is scanned once as it is printed.  The tree path stays the reference:
 * jsontext_pretty returns NULL for whatever it does not handle exactly
 * like render_json(render_parse(text)) (\u escapes, control bytes, deep
 * nesting, anything invalid), and the caller then takes that path. */
#ifndef CWMFS_JSONTEXT_H
#define CWMFS_JSONTEXT_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* Where one value lies in a text. */
struct json_span {
    const char *start;
    size_t len;
};

/* The elements of the JSON array `text` (len bytes, a leading UTF-8 BOM
 * and trailing bytes after the array ignored, as cJSON does): *items gets
 * a malloc'd array of *count spans into text (NULL when empty).  Elements
 * are delimited, not validated: a malformed one is found when it is
 * parsed.  0, -EINVAL when text is not an array (or is cut short), or
 * -ENOMEM. */
int jsontext_split(const char *text, size_t len, struct json_span **items,
                   size_t *count);

/* The members of the object `text` whose names are in `names` (ended by
 * NULL), the first of each name, as a new cJSON object, values parsed by
 * render_parse.  Other members are skipped, not parsed.  NULL when text is
 * not an object, a picked value does not parse, or memory runs out. */
cJSON *jsontext_pick(const char *text, size_t len, const char *const *names);

/* What render_json(render_parse(text)) returns, computed without a tree,
 * for the JSON servers usually send; NULL when the text needs the tree
 * path (see above) or memory runs out.  *len_out gets the length. */
char *jsontext_pretty(const char *text, size_t len, size_t *len_out);

/* jsontext_pretty, picking on the way what jsontext_pick would: *picked
 * gets it when the text is an object and the answer is not NULL, else
 * NULL.  One pass over the text instead of two. */
char *jsontext_pretty_pick(const char *text, size_t len,
                           const char *const *names, cJSON **picked,
                           size_t *len_out);

#endif /* CWMFS_JSONTEXT_H */
