/* jsontext.c - JSON handled as text: pages split into items, members
 * picked, pretty layout printed without a tree (see jsontext.h). */
#include "jsontext.h"

#include "buf.h"
#include "render.h"

#include <errno.h>
#include <stdbool.h>
#include <endian.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Deeper than any API object; deeper text takes the tree path, which
 * cJSON bounds at 1,000. */
#define PRETTY_MAX_DEPTH 64

/* ---- scanning ---- */

/* Bytes that end a run of a string's plain bytes: '"', the backslash and
 * the control bytes, found eight at a time (strings are most of the
 * text).  The classic "has a byte less than n" trick: a lane's top bit is
 * set where its byte is below n; bytes from 0x80 up never are.  A borrow
 * can also flag lanes above a true one, never below: the lowest flag is
 * exact, and (little-endian) the first such byte in the text. */
#define LANES(b) (0x0101010101010101ull * (b))

static uint64_t stop_lanes(uint64_t w)
{
    uint64_t quote = w ^ LANES('"'), backslash = w ^ LANES('\\');
    uint64_t found = ((quote - LANES(1)) & ~quote) |
                     ((backslash - LANES(1)) & ~backslash) |
                     ((w - LANES(0x20)) & ~w);

    return found & LANES(0x80);
}

static bool is_stop(unsigned char c)
{
    return c < 0x20 || c == '"' || c == '\\';
}

/* The first byte from p on that ends a plain run, or end. */
static const char *string_stop(const char *p, const char *end)
{
    uint64_t w, found;

    while (end - p >= 8) {
        memcpy(&w, p, 8);
        found = stop_lanes(le64toh(w)); /* lane i: the byte at p + i */
        if (found)
            return p + __builtin_ctzll(found) / 8;
        p += 8;
    }
    while (p < end && !is_stop((unsigned char)*p))
        p++;
    return p;
}

/* cJSON's whitespace: every byte up to the space. */
static const char *skip_blank(const char *p, const char *end)
{
    while (p < end && (unsigned char)*p <= ' ')
        p++;
    return p;
}

/* Past the string whose opening quote is at p; NULL when unterminated. */
static const char *skip_string(const char *p, const char *end)
{
    for (p = string_stop(p + 1, end); p < end; p = string_stop(p, end)) {
        if (*p == '"')
            return p + 1;
        p += *p == '\\' ? 2 : 1; /* an escape, or a control byte */
    }
    return NULL;
}

/* The end of the value starting at p (blanks before it skipped): where a
 * ',' or a closing bracket at its own level is, or end.  NULL when a
 * string runs off the end. */
static const char *value_end(const char *p, const char *end)
{
    int depth = 0;

    while (p < end) {
        char c = *p;
        if (c == '"') {
            p = skip_string(p, end);
            if (!p)
                return NULL;
            continue;
        }
        if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (depth == 0)
                return p;
            depth--;
        } else if (c == ',' && depth == 0) {
            return p;
        }
        p++;
    }
    return depth == 0 ? p : NULL;
}

/* A span without the blanks that end it. */
static struct json_span span_of(const char *start, const char *end)
{
    while (end > start && (unsigned char)end[-1] <= ' ')
        end--;
    return (struct json_span){ start, (size_t)(end - start) };
}

static const char *skip_bom(const char *p, const char *end)
{
    if (end - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        return p + 3;
    return p;
}

static int add_span(struct json_span **items, size_t *count, size_t *cap,
                    struct json_span span)
{
    struct json_span *more = array_reserve(*items, cap, *count + 1,
                                           sizeof(*more));

    if (!more)
        return -ENOMEM;
    *items = more;
    more[(*count)++] = span;
    return 0;
}

/* Every element of the array whose '[' is at p, up to its ']'. */
static int split_elements(const char *p, const char *end,
                          struct json_span **items, size_t *count)
{
    size_t cap = 0;

    p = skip_blank(p + 1, end);
    if (p < end && *p == ']')
        return 0;
    while (p < end) {
        const char *stop = value_end(p, end);
        struct json_span item;

        if (!stop || stop == end || *stop == '}')
            return -EINVAL;
        item = span_of(p, stop);
        if (item.len == 0) /* "[1,,2]" or "[1,]" */
            return -EINVAL;
        if (add_span(items, count, &cap, item) < 0)
            return -ENOMEM;
        if (*stop == ']')
            return 0;
        p = skip_blank(stop + 1, end);
    }
    return -EINVAL;
}

int jsontext_split(const char *text, size_t len, struct json_span **items,
                   size_t *count)
{
    const char *end = text + len;
    const char *p = skip_blank(skip_bom(text, end), end);
    int rc;

    *items = NULL;
    *count = 0;
    if (p == end || *p != '[')
        return -EINVAL;
    rc = split_elements(p, end, items, count);
    if (rc) {
        free(*items);
        *items = NULL;
        *count = 0;
    }
    return rc;
}

/* ---- picking members ---- */

static bool wanted(const char *name, size_t len, const char *const *names)
{
    for (; *names; names++)
        if (strlen(*names) == len && memcmp(*names, name, len) == 0)
            return true;
    return false;
}

/* Adds the member named by the string at key (quotes included) with the
 * value in span, unless one of that name came first.  false: no memory,
 * or the value does not parse. */
static bool add_picked(cJSON *picked, struct json_span key,
                       struct json_span value)
{
    char *name = strndup(key.start + 1, key.len - 2);
    cJSON *item = NULL;
    bool ok = name != NULL;

    if (ok && !cJSON_GetObjectItemCaseSensitive(picked, name)) {
        item = render_parse(value.start, value.len);
        ok = item && cJSON_AddItemToObject(picked, name, item);
        if (!ok)
            cJSON_Delete(item);
    }
    free(name);
    return ok;
}

/* Walks the members of the object at p, adding the wanted ones; false
 * when the text is not an object as far as the walk can tell. */
static bool pick_members(cJSON *picked, const char *p, const char *end,
                         const char *const *names)
{
    p = skip_blank(p + 1, end);
    if (p < end && *p == '}')
        return true;
    while (p < end && *p == '"') {
        const char *key_end = skip_string(p, end);
        const char *value, *stop;
        struct json_span key = { p, 0 };

        if (!key_end)
            return false;
        key.len = (size_t)(key_end - p);
        p = skip_blank(key_end, end);
        if (p == end || *p != ':')
            return false;
        value = skip_blank(p + 1, end);
        stop = value_end(value, end);
        if (!stop || stop == end || *stop == ']')
            return false;
        /* Names with escapes are never among the wanted. */
        if (wanted(key.start + 1, key.len - 2, names) &&
            !add_picked(picked, key, span_of(value, stop)))
            return false;
        if (*stop == '}')
            return true;
        p = skip_blank(stop + 1, end);
    }
    return false;
}

cJSON *jsontext_pick(const char *text, size_t len, const char *const *names)
{
    const char *end = text + len;
    const char *p = skip_blank(text, end);
    cJSON *picked;

    if (p == end || *p != '{')
        return NULL;
    picked = cJSON_CreateObject();
    if (picked && !pick_members(picked, p, end, names)) {
        cJSON_Delete(picked);
        picked = NULL;
    }
    return picked;
}

/* ---- pretty printing ---- */

struct pretty {
    const char *p, *end; /* text not yet read */
    struct buf *out;     /* written directly: room() first */
    bool bad;            /* the tree path must do it */
    /* Top-level members to pick on the way (may be NULL), and where. */
    const char *const *names;
    cJSON *picked;
};

static bool room(struct pretty *s, size_t n)
{
    if (s->out->cap - s->out->len >= n)
        return true;
    if (buf_reserve(s->out, n) < 0)
        s->bad = true;
    return !s->bad;
}

static void emit(struct pretty *s, const char *bytes, size_t n)
{
    if (room(s, n)) {
        memcpy(s->out->data + s->out->len, bytes, n);
        s->out->len += n;
    }
}

static void emit_char(struct pretty *s, char c) { emit(s, &c, 1); }

/* A newline and the indentation of depth. */
static void emit_line(struct pretty *s, int depth)
{
    size_t n = 1 + 2 * (size_t)depth;

    if (room(s, n)) {
        s->out->data[s->out->len] = '\n';
        memset(s->out->data + s->out->len + 1, ' ', n - 1);
        s->out->len += n;
    }
}

/* The standard four: any other control byte takes the tree path. */
static void skip_space(struct pretty *s)
{
    while (s->p < s->end &&
           (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t'))
        s->p++;
}

/* An escape after the backslash: the ones render_json writes the same
 * way, and "\/", which it writes as "/".  \u needs decoding: tree path. */
static void copy_escape(struct pretty *s)
{
    char c = s->p < s->end ? *s->p : '\0';

    if (c == '/') {
        emit_char(s, '/');
    } else if (c && strchr("\"\\bfnrt", c)) {
        char esc[2] = { '\\', c };
        emit(s, esc, 2);
    } else {
        s->bad = true;
        return;
    }
    s->p++;
}

static void copy_string(struct pretty *s)
{
    s->p++; /* the opening quote */
    emit_char(s, '"');
    while (!s->bad) {
        /* Plain bytes go as they are; non-ASCII too, as render_json
         * leaves UTF-8 alone. */
        const char *run = s->p;
        s->p = string_stop(s->p, s->end);
        emit(s, run, (size_t)(s->p - run));
        if (s->p == s->end || (unsigned char)*s->p < 0x20) {
            s->bad = true;
        } else if (*s->p == '"') {
            s->p++;
            emit_char(s, '"');
            return;
        } else {
            s->p++; /* the backslash */
            copy_escape(s);
        }
    }
}

static bool number_char(char c)
{
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' ||
           c == 'e' || c == 'E';
}

/* A number is printed as the server wrote it (render_parse keeps the
 * literal), provided strtod reads all of it, as cJSON requires. */
static void copy_number(struct pretty *s)
{
    const char *start = s->p;
    bool simple = true; /* digits after an optional '-' */
    char lit[64];
    size_t n;

    while (s->p < s->end && number_char(*s->p)) {
        if (!(*s->p >= '0' && *s->p <= '9') && !(*s->p == '-' && s->p == start))
            simple = false;
        s->p++;
    }
    n = (size_t)(s->p - start);
    if (n >= sizeof(lit) || (n == 1 && *start == '-')) {
        s->bad = true;
        return;
    }
    if (!simple) {
        char *stop;
        memcpy(lit, start, n);
        lit[n] = '\0';
        (void)strtod(lit, &stop);
        if (stop != lit + n) {
            s->bad = true;
            return;
        }
    }
    emit(s, start, n);
}

static void copy_word(struct pretty *s, const char *word)
{
    size_t n = strlen(word);

    if ((size_t)(s->end - s->p) >= n && memcmp(s->p, word, n) == 0) {
        emit(s, word, n);
        s->p += n;
    } else {
        s->bad = true;
    }
}

static void copy_value(struct pretty *s, int depth);

/* A member just printed: picked if its name is wanted. */
static void pick_member(struct pretty *s, struct json_span key,
                        struct json_span value)
{
    if (wanted(key.start + 1, key.len - 2, s->names) &&
        !add_picked(s->picked, key, value))
        s->bad = true;
}

/* An object or an array: one member or element per line, or "{}"/"[]". */
static void copy_container(struct pretty *s, int depth, char close)
{
    bool keys = close == '}';

    emit_char(s, *s->p++);
    skip_space(s);
    if (s->p < s->end && *s->p == close) {
        s->p++;
        emit_char(s, close);
        return;
    }
    while (!s->bad) {
        struct json_span key = { s->p, 0 };
        const char *value;

        emit_line(s, depth + 1);
        if (keys) {
            if (s->p == s->end || *s->p != '"') {
                s->bad = true;
                return;
            }
            copy_string(s);
            key.len = (size_t)(s->p - key.start);
            skip_space(s);
            if (s->p == s->end || *s->p != ':') {
                s->bad = true;
                return;
            }
            s->p++;
            emit(s, ": ", 2);
        }
        skip_space(s);
        value = s->p;
        copy_value(s, depth + 1);
        if (keys && depth == 0 && s->picked && !s->bad)
            pick_member(s, key,
                        (struct json_span){ value, (size_t)(s->p - value) });
        skip_space(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            emit_char(s, ',');
            skip_space(s);
        } else if (s->p < s->end && *s->p == close) {
            s->p++;
            emit_line(s, depth);
            emit_char(s, close);
            return;
        } else {
            s->bad = true;
        }
    }
}

static void copy_value(struct pretty *s, int depth)
{
    skip_space(s);
    if (s->bad || s->p == s->end || depth > PRETTY_MAX_DEPTH) {
        s->bad = true;
        return;
    }
    switch (*s->p) {
    case '{':
        copy_container(s, depth, '}');
        break;
    case '[':
        copy_container(s, depth, ']');
        break;
    case '"':
        copy_string(s);
        break;
    case 't':
        copy_word(s, "true");
        break;
    case 'f':
        copy_word(s, "false");
        break;
    case 'n':
        copy_word(s, "null");
        break;
    default:
        if (*s->p == '-' || (*s->p >= '0' && *s->p <= '9'))
            copy_number(s);
        else
            s->bad = true;
    }
}

/* Prints the text onto s->out, NUL-terminated; false when the tree
 * path must print it. */
static bool pretty_print(struct pretty *s, size_t *len_out)
{
    /* The layout adds about a third to compact JSON: one allocation is
     * usually enough. */
    if (!room(s, (size_t)(s->end - s->p) * 3 / 2 + 64))
        return false;
    copy_value(s, 0);
    skip_space(s);
    if (s->p != s->end) /* trailing bytes: the tree path decides */
        s->bad = true;
    emit_char(s, '\n');
    emit_char(s, '\0');
    if (s->bad)
        return false;
    s->out->len--; /* the NUL stays past the text */
    if (len_out)
        *len_out = s->out->len;
    return true;
}

char *jsontext_pretty(const char *text, size_t len, size_t *len_out)
{
    return jsontext_pretty_pick(text, len, NULL, NULL, len_out);
}

char *jsontext_pretty_pick(const char *text, size_t len,
                           const char *const *names, cJSON **picked,
                           size_t *len_out)
{
    const char *start = skip_blank(text, text + len);
    struct buf out = BUF_INIT(0);
    struct pretty s = { text, text + len, &out, false, names, NULL };
    char *pretty = NULL;

    if (picked)
        *picked = NULL;
    if (names && picked && start < s.end && *start == '{') {
        s.picked = cJSON_CreateObject();
        if (!s.picked)
            return NULL;
    }
    if (pretty_print(&s, len_out))
        pretty = buf_take(&out, NULL);
    buf_clear(&out);
    if (pretty && picked)
        *picked = s.picked;
    else
        cJSON_Delete(s.picked);
    return pretty;
}
