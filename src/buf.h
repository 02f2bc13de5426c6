/* buf.h - a growable byte buffer with a size cap.
 *
 * For text built piece by piece (rendered JSON, a response body, a log) and
 * for file contents written at offsets.  Growth doubles the allocation, so
 * appending is amortised O(1), and every size computation is checked for
 * overflow.  After any successful call data is not NULL and data[len] is a
 * NUL (not counted in len); a failed call leaves the contents as they were.
 * A struct buf starts zeroed (BUF_INIT or buf_init) and owns data until
 * buf_take or buf_clear.  Not thread-safe: callers lock.
 *
 * max bounds len: growing past it fails with -EFBIG.  0, or anything above
 * SIZE_MAX/2, means SIZE_MAX/2, which keeps the arithmetic overflow-free. */
#ifndef CWMFS_BUF_H
#define CWMFS_BUF_H

#include <stddef.h>

struct buf {
    char *data; /* NUL-terminated when not NULL */
    size_t len;
    size_t cap; /* allocated bytes, excluding the terminator */
    size_t max; /* refuse to grow len beyond this (0: SIZE_MAX/2) */
};

/* clang-format off */
#define BUF_INIT(max_) { NULL, 0, 0, (max_) }
/* clang-format on */

void buf_init(struct buf *b, size_t max);
/* Makes room for len + extra bytes: 0, -ENOMEM, or -EFBIG beyond max. */
int buf_reserve(struct buf *b, size_t extra);
int buf_append(struct buf *b, const void *data, size_t n);
int buf_append_str(struct buf *b, const char *s);
/* Appends formatted text; -EINVAL when vsnprintf fails. */
int buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Writes n bytes at off, zero-filling any gap past len (a file's pwrite). */
int buf_write_at(struct buf *b, size_t off, const void *data, size_t n);
/* Sets len, zero-filling when it grows (a file's truncate). */
int buf_resize(struct buf *b, size_t len);
/* Hands over data (never NULL on success: an empty string when nothing was
 * added) and leaves b empty; *len (may be NULL) gets its length. NULL only
 * without memory. */
char *buf_take(struct buf *b, size_t *len);
void buf_clear(struct buf *b); /* frees data, keeps max */

/* Arrays of structs grow the same way: items (room for *cap elements of
 * size bytes each, may be NULL) made to hold need >= 1 of them, doubling
 * from 64.  Returns the array, moved perhaps, with *cap updated; NULL
 * without memory or when the bytes would overflow, items and *cap then
 * untouched. */
void *array_reserve(void *items, size_t *cap, size_t need, size_t size);

#endif
