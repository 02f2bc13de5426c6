/* names.h - reversible file names for values that come from the server.
 *
 * Member identifiers and ids become file names "<encoded>.json".  The
 * server controls those values, so the encoding must never yield a name
 * that is invalid ("/", NUL), special (".", ".."), hidden (".x") or
 * misleading (control characters, editor backup look-alikes), and it must
 * be injective so two values can never share a file.
 *
 * Encoding rule: percent-encode as %XX (uppercase hex)
 *   - '%' and '/';
 *   - every byte below 0x20, and 0x7f;
 *   - a '.' at the start of the value;
 *   - a ' ' or '~' at the end of the value.
 * Every other byte, including UTF-8 multibyte sequences, is kept.
 *
 * Decoding accepts only canonical names, i.e. exactly the output of
 * name_encode(), so each file name maps to one value and back. */
#ifndef CWMFS_NAMES_H
#define CWMFS_NAMES_H

#include <stdbool.h>

/* Longest encoded stem we produce: leaves room for ".json" (and a little
 * slack) within NAME_MAX (255). */
#define NAME_ENCODED_MAX 250

/* Encode `value`.  Returns a malloc'd string, or NULL when value is NULL
 * or empty, when the result would exceed NAME_ENCODED_MAX bytes, or on
 * allocation failure. */
char *name_encode(const char *value);

/* Inverse of name_encode().  Returns a malloc'd value, or NULL unless
 * `name` is the canonical encoding of some non-empty value (rejects
 * lowercase hex, escapes of bytes that need none, unescaped bytes that
 * need one, malformed '%' sequences, %00, the empty string). */
char *name_decode(const char *name);

/* name_encode(value) + ".json"; NULL in the same cases. */
char *name_for_key(const char *value);

/* The value a "<encoded>.json" file name stands for: NULL unless `name`
 * ends in ".json" and its stem decodes canonically. */
char *key_for_name(const char *name);

/* True for canonical positive decimal integers that fit in int64_t:
 * "1", "42", "9223372036854775807"; false for "", "0", "01", "-1", "+1",
 * "1e3", " 1". */
bool name_is_decimal_id(const char *key);

/* Whether value's encoding fits a file name (NAME_ENCODED_MAX). */
bool name_fits(const char *value);

/* ---- objects named by key and id ----
 * When the server lists two objects with one identifier, each is named
 * "<encoded key>%23id<id>.json" ("admin%23id42.json"), and so is an object
 * whose key is too long for a file name, its key cut to fit.  "%23"
 * escapes '#', which never needs escaping, so no canonical name looks like
 * this: such names can never be another object's. */

/* "admin%23id42" for ("admin", "42"), the key cut between characters
 * when the whole would pass NAME_ENCODED_MAX; "%23id42" for an object
 * with no key (""); NULL when id is not a decimal id. */
char *name_duplicate_stem(const char *key, const char *id);
/* The id a duplicate's stem names ("42"), or NULL unless stem is one. */
char *name_duplicate_id(const char *stem);
/* "x" for "x.json", else NULL (malloc'd). */
char *name_stem(const char *name);

#endif /* CWMFS_NAMES_H */
