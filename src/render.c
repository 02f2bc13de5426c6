/* render.c - deterministic pretty JSON (JSON.stringify(v, null, 2) + "\n").
 *
 * We do not use cJSON_Print: it indents with tabs and formats numbers with
 * its own rules.  Everything is appended to one growable buffer (buf.h);
 * an allocation failure latches `failed` so the printers stay free of error
 * plumbing and the single check happens at the end. */
#include "render.h"

#include "buf.h"

#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A buf that latches its first failure: later appends do nothing. */
struct outbuf {
    struct buf buf;
    bool failed;
};

static void out_append(struct outbuf *b, const char *s, size_t n)
{
    if (!b->failed && buf_append(&b->buf, s, n) < 0)
        b->failed = true;
}

static void out_puts(struct outbuf *b, const char *s)
{
    out_append(b, s, strlen(s));
}

static void out_putc(struct outbuf *b, char c) { out_append(b, &c, 1); }

static void put_indent(struct outbuf *b, int depth)
{
    for (int i = 0; i < depth; i++)
        out_append(b, "  ", 2);
}

/* The short escapes JSON defines; NULL means "use \u00xx" or "no escape". */
static const char *short_escape(unsigned char c)
{
    switch (c) {
    case '"':
        return "\\\"";
    case '\\':
        return "\\\\";
    case '\b':
        return "\\b";
    case '\f':
        return "\\f";
    case '\n':
        return "\\n";
    case '\r':
        return "\\r";
    case '\t':
        return "\\t";
    default:
        return NULL;
    }
}

/* Non-ASCII bytes pass through untouched: the output is UTF-8, like the
 * server's, and \u-escaping would make names unreadable in the files. */
static void put_string(struct outbuf *b, const char *s)
{
    out_putc(b, '"');
    if (s) {
        const char *run = s; /* start of bytes not yet copied */
        for (const char *p = s; *p; p++) {
            unsigned char c = (unsigned char)*p;
            const char *esc = short_escape(c);
            if (!esc && c >= 0x20)
                continue;
            out_append(b, run, (size_t)(p - run));
            if (esc) {
                out_puts(b, esc);
            } else {
                char hex[8];
                snprintf(hex, sizeof(hex), "\\u%04x", c);
                out_puts(b, hex);
            }
            run = p + 1;
        }
        out_puts(b, run);
    }
    out_putc(b, '"');
}

/* snprintf honours LC_NUMERIC; JSON always wants '.'. */
static void fix_decimal_point(char *num)
{
    const char *dp = localeconv()->decimal_point;
    if (!dp || dp[0] == '\0' || dp[0] == '.' || dp[1] != '\0')
        return;
    char *p = strchr(num, dp[0]);
    if (p)
        *p = '.';
}

static void put_number(struct outbuf *b, double v)
{
    char num[64];

    if (!isfinite(v)) {
        out_puts(b, "null"); /* what JSON.stringify does */
        return;
    }
    /* 2^53: above it not every integer is representable, so an integer
     * rendering could claim precision the double does not have.  Below
     * it the int64_t cast is exact for integral values (and avoids
     * needing floor() from libm). */
    if (fabs(v) < 9007199254740992.0 && (double)(int64_t)v == v) {
        snprintf(num, sizeof(num), "%" PRId64, (int64_t)v);
        out_puts(b, num);
        return;
    }
    /* Shortest of 15/16/17 significant digits that reads back exactly;
     * 17 always does, so the loop ends with a valid rendering. */
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(num, sizeof(num), "%.*g", prec, v);
        if (strtod(num, NULL) == v)
            break;
    }
    fix_decimal_point(num);
    out_puts(b, num);
}

static void put_value(struct outbuf *b, const cJSON *item, int depth);

/* A number's literal from render_parse, if the value was not changed since. */
static bool literal_matches(const cJSON *item)
{
    char *end;

    if (!item->valuestring || !item->valuestring[0])
        return false;
    return strtod(item->valuestring, &end) == item->valuedouble && *end == '\0';
}

/* Shared by objects and arrays: only objects print keys. */
static void put_container(struct outbuf *b, const cJSON *item, int depth,
                          char open, char close, bool with_keys)
{
    const cJSON *child = item->child;

    if (!child) {
        char empty[3] = { open, close, '\0' };
        out_puts(b, empty);
        return;
    }
    out_putc(b, open);
    out_putc(b, '\n');
    for (; child; child = child->next) {
        put_indent(b, depth + 1);
        if (with_keys) {
            put_string(b, child->string);
            out_append(b, ": ", 2);
        }
        put_value(b, child, depth + 1);
        if (child->next)
            out_putc(b, ',');
        out_putc(b, '\n');
    }
    put_indent(b, depth);
    out_putc(b, close);
}

static void put_value(struct outbuf *b, const cJSON *item, int depth)
{
    if (b->failed)
        return;
    if (cJSON_IsObject(item)) {
        put_container(b, item, depth, '{', '}', true);
    } else if (cJSON_IsArray(item)) {
        put_container(b, item, depth, '[', ']', false);
    } else if (cJSON_IsString(item)) {
        put_string(b, item->valuestring);
    } else if (cJSON_IsNumber(item)) {
        if (literal_matches(item))
            out_puts(b, item->valuestring);
        else
            put_number(b, item->valuedouble);
    } else if (cJSON_IsTrue(item)) {
        out_puts(b, "true");
    } else if (cJSON_IsFalse(item)) {
        out_puts(b, "false");
    } else if (cJSON_IsRaw(item) && item->valuestring) {
        out_puts(b, item->valuestring);
    } else {
        /* cJSON_NULL, plus malformed nodes (invalid type, raw without
         * text): null keeps the document valid JSON. */
        out_puts(b, "null");
    }
}

char *render_json(const cJSON *item, size_t *len_out)
{
    struct outbuf b = { BUF_INIT(0), false };

    if (!item)
        return NULL;
    /* Room for a typical object at once (a member is about 5 KB): growing
     * from nothing costs a copy per doubling, for every file listed. */
    if (buf_reserve(&b.buf, 8192) < 0)
        return NULL;
    put_value(&b, item, 0);
    out_putc(&b, '\n');
    if (b.failed) {
        buf_clear(&b.buf);
        return NULL;
    }
    return buf_take(&b.buf, len_out);
}

/* ---- parsing that keeps number literals ---- */

static bool in_number(char c)
{
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' ||
           c == 'e' || c == 'E';
}

/* Finds the next number literal in JSON text at or after *pos, skipping
 * strings; returns its start and length, or NULL at the end. */
static const char *next_number(const char *text, size_t len, size_t *pos,
                               size_t *num_len)
{
    size_t i = *pos;

    while (i < len) {
        char c = text[i];
        if (c == '"') {
            for (i++; i < len && text[i] != '"'; i++)
                if (text[i] == '\\')
                    i++;
            i++;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            size_t start = i;
            while (i < len && in_number(text[i]))
                i++;
            *pos = i;
            *num_len = i - start;
            return text + start;
        } else {
            i++;
        }
    }
    *pos = len;
    return NULL;
}

/* Walks the tree in document order (cJSON keeps it) attaching literals. */
static bool attach_literals(cJSON *item, const char *text, size_t len,
                            size_t *pos)
{
    for (; item; item = item->next) {
        if (cJSON_IsNumber(item)) {
            size_t n;
            const char *lit = next_number(text, len, pos, &n);
            item->valuestring = lit ? strndup(lit, n) : NULL;
            if (!item->valuestring)
                return false;
        } else if (item->child &&
                   !attach_literals(item->child, text, len, pos)) {
            return false;
        }
    }
    return true;
}

static void drop_literals(cJSON *item)
{
    for (; item; item = item->next) {
        if (cJSON_IsNumber(item)) {
            free(item->valuestring);
            item->valuestring = NULL;
        }
        drop_literals(item->child);
    }
}

cJSON *render_parse(const char *text, size_t len)
{
    cJSON *root = cJSON_ParseWithLength(text, len);
    size_t pos = 0;

    /* Out of memory while attaching: fall back to our own rendering. */
    if (root && !attach_literals(root, text, len, &pos))
        drop_literals(root);
    return root;
}
