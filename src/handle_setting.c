/* handle_setting.c - handles on settings: small texts the mount keeps
 * itself (a query's parameters), applied when their writer flushes. */
#include "handle.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#define SETTING_MAX_BYTES (64 * 1024)

static int setting_read(struct cwmfs *fs, struct handle *h, char *buf,
                        size_t size, off_t off)
{
    size_t n;

    (void)fs;
    if (off < 0)
        return -EINVAL;
    if ((size_t)off >= h->setting.len)
        return 0;
    n = h->setting.len - (size_t)off;
    n = n < size ? n : size;
    memcpy(buf, h->setting.data + off, n);
    return (int)n;
}

static int setting_write(struct cwmfs *fs, struct handle *h, const char *buf,
                         size_t size, off_t off)
{
    int rc;

    (void)fs;
    if (off < 0)
        return -EINVAL;
    rc = buf_write_at(&h->setting, (size_t)off, buf, size);
    if (rc)
        return rc;
    h->wrote_gen++;
    return (int)size;
}

static int setting_truncate(struct cwmfs *fs, struct handle *h, off_t size)
{
    int rc = size < 0 ? -EINVAL : buf_resize(&h->setting, (size_t)size);

    (void)fs;
    if (rc == 0)
        h->wrote_gen++;
    return rc;
}

/* Applies what was written since the last flush; the outcome is told
 * again until the writer writes anew. */
static int setting_flush(struct cwmfs *fs, struct handle *h)
{
    if (!h->writer || h->outcome_gen >= h->wrote_gen)
        return h->outcome;
    h->outcome = h->apply(fs, h->setting_path,
                          h->setting.data ? h->setting.data : "");
    h->outcome_gen = h->wrote_gen;
    return h->outcome;
}

static void setting_release(struct cwmfs *fs, struct handle *h)
{
    setting_flush(fs, h);
}

static int setting_getattr(struct cwmfs *fs, struct handle *h, struct stat *st)
{
    handle_fill_stat(fs, h, 0644 & ~fs->umask, h->setting.len, fs->mounted, st);
    return 0;
}

static int setting_set_attr(struct cwmfs *fs, struct handle *h,
                            const struct attr_change *change)
{
    (void)fs;
    (void)h;
    (void)change;
    return 0;
}

static const struct handle_ops setting_ops = {
    .read = setting_read,
    .write = setting_write,
    .flush = setting_flush,
    .release = setting_release,
    .truncate = setting_truncate,
    .getattr = setting_getattr,
    .set_attr = setting_set_attr,
};

int handle_open_setting(struct cwmfs *fs, const char *path,
                        struct fuse_file_info *fi, const char *text,
                        handle_apply_fn apply)
{
    struct handle *h = calloc(1, sizeof(*h));
    bool trunc = fi->flags & O_TRUNC;

    if (!h)
        return -ENOMEM;
    h->ops = &setting_ops;
    h->apply = apply;
    h->writer = handle_wants_write(fi);
    buf_init(&h->setting, SETTING_MAX_BYTES);
    h->setting_path = strdup(path);
    if (!h->setting_path ||
        (!trunc && buf_append(&h->setting, text, strlen(text)) != 0)) {
        buf_clear(&h->setting);
        free(h->setting_path);
        free(h);
        return -ENOMEM;
    }
    if (trunc)
        h->wrote_gen++; /* emptied: a close alone applies that */
    handle_register(fs, h, path);
    fi->fh = (uintptr_t)h;
    fi->direct_io = 1; /* the text changes under the kernel's feet */
    return 0;
}
