/* names.c - reversible, canonical file names for server values.
 * See names.h for the encoding rule. */
#include "names.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char NAME_SUFFIX[] = ".json";
#define NAME_SUFFIX_LEN (sizeof(NAME_SUFFIX) - 1)

/* The single source of truth for the rule: name_decode() re-asks it, so
 * encoder and decoder cannot drift apart. */
static bool byte_needs_escape(unsigned char c, size_t pos, size_t len)
{
    if (c == '%' || c == '/' || c < 0x20 || c == 0x7f)
        return true;
    if (pos == 0 && c == '.')
        return true; /* ".", "..", hidden files */
    if (pos == len - 1 && (c == ' ' || c == '~'))
        return true; /* "x~" backups, trailing blanks */
    return false;
}

static const char HEX_UPPER[] = "0123456789ABCDEF";

char *name_encode(const char *value)
{
    if (!value || !*value)
        return NULL;

    size_t len = strlen(value);
    size_t out_len = 0;
    for (size_t i = 0; i < len; i++) {
        out_len += byte_needs_escape((unsigned char)value[i], i, len) ? 3 : 1;
        if (out_len > NAME_ENCODED_MAX)
            return NULL;
    }

    char *out = malloc(out_len + 1);
    if (!out)
        return NULL;
    char *o = out;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)value[i];
        if (byte_needs_escape(c, i, len)) {
            *o++ = '%';
            *o++ = HEX_UPPER[c >> 4];
            *o++ = HEX_UPPER[c & 0x0f];
        } else {
            *o++ = (char)c;
        }
    }
    *o = '\0';
    return out;
}

/* Uppercase hex digit value, or -1: lowercase is not canonical. */
static int upper_hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode into `out` (room for strlen(name) + 1).  Returns the decoded
 * length, or 0 when a '%' sequence is malformed or decodes to NUL. */
static size_t percent_decode(const char *name, char *out)
{
    size_t n = 0;
    for (const char *p = name; *p; p++) {
        if (*p != '%') {
            out[n++] = *p;
            continue;
        }
        int hi = upper_hex_value(p[1]);
        int lo = hi < 0 ? -1 : upper_hex_value(p[2]);
        if (lo < 0 || (hi == 0 && lo == 0))
            return 0;
        out[n++] = (char)(hi << 4 | lo);
        p += 2;
    }
    out[n] = '\0';
    return n;
}

/* Canonical means re-encoding gives back exactly `name`.  Comparing
 * position by position avoids a second allocation. */
static bool is_canonical(const char *name, const char *value, size_t len)
{
    const char *p = name;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)value[i];
        bool escaped = (*p == '%');
        if (escaped != byte_needs_escape(c, i, len))
            return false;
        p += escaped ? 3 : 1;
    }
    return *p == '\0';
}

char *name_decode(const char *name)
{
    if (!name || !*name || strlen(name) > NAME_ENCODED_MAX)
        return NULL;

    char *value = malloc(strlen(name) + 1);
    if (!value)
        return NULL;
    size_t len = percent_decode(name, value);
    if (len == 0 || !is_canonical(name, value, len)) {
        free(value);
        return NULL;
    }
    return value;
}

char *name_for_key(const char *value)
{
    char *stem = name_encode(value);
    if (!stem)
        return NULL;

    size_t stem_len = strlen(stem);
    char *name = realloc(stem, stem_len + NAME_SUFFIX_LEN + 1);
    if (!name) {
        free(stem);
        return NULL;
    }
    memcpy(name + stem_len, NAME_SUFFIX, NAME_SUFFIX_LEN + 1);
    return name;
}

char *key_for_name(const char *name)
{
    if (!name)
        return NULL;
    size_t len = strlen(name);
    if (len <= NAME_SUFFIX_LEN ||
        strcmp(name + len - NAME_SUFFIX_LEN, NAME_SUFFIX) != 0)
        return NULL;

    char *stem = strndup(name, len - NAME_SUFFIX_LEN);
    if (!stem)
        return NULL;
    char *key = name_decode(stem);
    free(stem);
    return key;
}

bool name_is_decimal_id(const char *key)
{
    static const char INT64_MAX_DIGITS[] = "9223372036854775807";
    const size_t max_len = sizeof(INT64_MAX_DIGITS) - 1;

    if (!key || key[0] < '1' || key[0] > '9')
        return false; /* empty, sign, leading zero, "0" */
    size_t len = strspn(key, "0123456789");
    if (key[len] != '\0' || len > max_len)
        return false;
    /* Same length: plain string order equals numeric order. */
    return len < max_len || strcmp(key, INT64_MAX_DIGITS) <= 0;
}

/* ---- objects that share a key ---- */

#define DUPLICATE_MARK "%23id"
#define DUPLICATE_MARK_LEN (sizeof(DUPLICATE_MARK) - 1)

bool name_fits(const char *value)
{
    char *stem = name_encode(value);
    bool fits = stem != NULL;

    free(stem);
    return fits;
}

/* n, or the start of the UTF-8 character whose byte n is; a byte in a
 * run of more continuation bytes than a character has is taken as it is
 * (no valid UTF-8 to keep whole).  Never 0 unless n is. */
static size_t char_start(const char *s, size_t n)
{
    for (size_t back = 0; back <= 3 && back < n; back++)
        if (((unsigned char)s[n - back] & 0xC0) != 0x80)
            return n - back;
    return n;
}

/* The encoding of the longest start of key, cut between characters, whose
 * encoding takes at most room bytes; NULL when not even one character
 * fits.  Encoding the cut value, not cutting the encoding, keeps the
 * result canonical (a trailing ' ' is escaped only at the end). */
static char *encode_start(const char *key, size_t room)
{
    size_t n = strnlen(key, room);

    while (n > 0) {
        char *start, *stem;

        n = char_start(key, n);
        start = strndup(key, n);
        stem = start ? name_encode(start) : NULL;
        free(start);
        if (stem && strlen(stem) <= room)
            return stem;
        free(stem);
        n--;
    }
    return NULL;
}

char *name_duplicate_stem(const char *key, const char *id)
{
    size_t room = NAME_ENCODED_MAX - DUPLICATE_MARK_LEN;
    char *stem, *out = NULL;

    if (!key || !name_is_decimal_id(id) || strlen(id) >= room)
        return NULL;
    stem = key[0] ? encode_start(key, room - strlen(id)) : strdup("");
    if (stem && asprintf(&out, "%s%s%s", stem, DUPLICATE_MARK, id) < 0)
        out = NULL;
    free(stem);
    return out;
}

char *name_duplicate_id(const char *stem)
{
    const char *mark = stem ? strstr(stem, DUPLICATE_MARK) : NULL;
    char *key, *rebuilt;
    bool ok;

    /* An encoded key never holds the mark ('%' itself is escaped). */
    if (!mark || !name_is_decimal_id(mark + DUPLICATE_MARK_LEN))
        return NULL;
    key = strndup(stem, (size_t)(mark - stem));
    rebuilt = key && key[0] ? name_decode(key) : NULL;
    ok = rebuilt != NULL || (key && !key[0]); /* "": an object with none */
    free(rebuilt);
    free(key);
    return ok ? strdup(mark + DUPLICATE_MARK_LEN) : NULL;
}

char *name_stem(const char *name)
{
    size_t len = name ? strlen(name) : 0;

    if (len <= NAME_SUFFIX_LEN ||
        strcmp(name + len - NAME_SUFFIX_LEN, NAME_SUFFIX) != 0)
        return NULL;
    return strndup(name, len - NAME_SUFFIX_LEN);
}
