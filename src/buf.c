/* buf.c - see buf.h. */
#include "buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The first allocation; later ones double. */
#define BUF_MIN_CAP 64

void buf_init(struct buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

static size_t buf_limit(const struct buf *b)
{
    return b->max && b->max < SIZE_MAX / 2 ? b->max : SIZE_MAX / 2;
}

/* Doubles cap until it holds need, without passing limit (>= need). */
static size_t grown_cap(size_t cap, size_t need, size_t limit)
{
    size_t want = cap ? cap : BUF_MIN_CAP;

    while (want < need)
        want = want > limit / 2 ? limit : want * 2;
    return want > limit ? limit : want;
}

int buf_reserve(struct buf *b, size_t extra)
{
    size_t limit = buf_limit(b);
    size_t cap;
    char *grown;

    if (b->len > limit || extra > limit - b->len)
        return -EFBIG;
    if (b->data && b->len + extra <= b->cap)
        return 0;
    cap = grown_cap(b->cap, b->len + extra, limit);
    grown = realloc(b->data, cap + 1);
    if (!grown)
        return -ENOMEM;
    b->data = grown;
    b->cap = cap;
    b->data[b->len] = '\0';
    return 0;
}

int buf_append(struct buf *b, const void *data, size_t n)
{
    int rc = buf_reserve(b, n);

    if (rc < 0)
        return rc;
    if (n)
        memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int buf_append_str(struct buf *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    int n, rc;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -EINVAL;
    rc = buf_reserve(b, (size_t)n);
    if (rc < 0)
        return rc;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

int buf_write_at(struct buf *b, size_t off, const void *data, size_t n)
{
    size_t limit = buf_limit(b);
    size_t end;
    int rc;

    if (off > limit || n > limit - off)
        return -EFBIG;
    end = off + n;
    rc = buf_reserve(b, end > b->len ? end - b->len : 0);
    if (rc < 0)
        return rc;
    if (off > b->len)
        memset(b->data + b->len, 0, off - b->len);
    if (n)
        memcpy(b->data + off, data, n);
    if (end > b->len) {
        b->len = end;
        b->data[end] = '\0';
    }
    return 0;
}

int buf_resize(struct buf *b, size_t len)
{
    int rc = buf_reserve(b, len > b->len ? len - b->len : 0);

    if (rc < 0)
        return rc;
    if (len > b->len)
        memset(b->data + b->len, 0, len - b->len);
    b->len = len;
    b->data[len] = '\0';
    return 0;
}

char *buf_take(struct buf *b, size_t *len)
{
    char *data;

    if (buf_reserve(b, 0) < 0)
        return NULL;
    data = b->data;
    /* Kept text is kept at its size: growth doubles the room, and ten
     * thousand cached files would otherwise hold a third more than their
     * text. */
    if (b->cap > b->len + 64) {
        char *fitted = realloc(data, b->len + 1);
        if (fitted)
            data = fitted;
    }
    if (len)
        *len = b->len;
    buf_init(b, b->max);
    return data;
}

void buf_clear(struct buf *b)
{
    free(b->data);
    buf_init(b, b->max);
}

void *array_reserve(void *items, size_t *cap, size_t need, size_t size)
{
    size_t limit = size ? SIZE_MAX / size : 0;
    size_t grown;
    void *more;

    if (items && need <= *cap)
        return items;
    if (need == 0 || need > limit)
        return NULL;
    grown = grown_cap(*cap, need, limit);
    more = realloc(items, grown * size);
    if (more)
        *cap = grown;
    return more;
}
