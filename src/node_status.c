/* node_status.c - the kinds of the mount's status files in /.cwmfs:
 * `stats` and `config`, read-only texts made at each open, and `refresh`,
 * a setting whose write drops the caches (status.h says what they tell).
 * They are looked up by name beside the errlog's files (node_meta.c). */
#include "node.h"

#include "buf.h"
#include "mount.h"
#include "status.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define REFRESH_HINT \
    "write to this file to drop every cached answer, as SIGHUP does\n"

static int stats_text(struct cwmfs *fs, struct buf *out)
{
    return status_stats_text(fs, out);
}

static int config_text(struct cwmfs *fs, struct buf *out)
{
    return buf_append_str(out, fs->status.settings ? fs->status.settings : "");
}

/* The read-only status texts, by name.  Each open makes its own snapshot
 * (NODE_DIRECT_IO): stats changes at every request. */
static const struct status_text {
    const char *name;
    int (*text)(struct cwmfs *fs, struct buf *out);
    bool live; /* dated now, not at the mount */
} status_texts[] = {
    { "stats", stats_text, true },
    { "config", config_text, false },
};

#define STATUS_TEXTS (sizeof(status_texts) / sizeof(status_texts[0]))

static const struct status_text *status_text_named(const char *path)
{
    const char *name = strrchr(path, '/');

    name = name ? name + 1 : path;
    for (size_t i = 0; i < STATUS_TEXTS; i++)
        if (strcmp(status_texts[i].name, name) == 0)
            return &status_texts[i];
    return NULL;
}

static int status_doc(struct cwmfs *fs, const struct node *n, bool want_text,
                      struct doc *doc)
{
    const struct status_text *t = status_text_named(n->path);
    struct buf text = BUF_INIT(0);
    int rc = t ? t->text(fs, &text) : -ENOENT;

    if (rc == 0 && !text.data)
        rc = buf_append_str(&text, "");
    if (rc == 0) {
        doc->mtime = t->live ? time(NULL) : fs->mounted;
        doc->len = text.len;
        if (want_text)
            doc->text = buf_take(&text, &doc->len);
    }
    buf_clear(&text);
    return rc;
}

static int refresh_text(struct cwmfs *fs, const struct node *n, char **text)
{
    (void)fs;
    (void)n;
    *text = strdup(REFRESH_HINT);
    return *text ? 0 : -ENOMEM;
}

/* Whatever was written: the flush that applies it returns once the
 * caches are gone, so `echo > refresh; cat file` sees the server's. */
static int refresh_apply(struct cwmfs *fs, const char *path, const char *text)
{
    (void)path;
    (void)text;
    status_refresh_now(fs);
    return 0;
}

/* `: > refresh` opens with O_TRUNC, which its close applies. */
static int refresh_truncate(struct cwmfs *fs, const struct node *n, off_t size)
{
    (void)fs;
    (void)n;
    return size < 0 ? -EINVAL : 0;
}

const struct node_kind node_status_text = {
    .name = "status file",
    .flags = NODE_DIRECT_IO,
    .refusal = EACCES,
    .editor_name = node_fixed_name,
    .getattr = node_doc_getattr,
    .open = node_doc_open,
    .set_attr = node_accept_attr,
    .doc = status_doc,
};

const struct node_kind node_refresh = {
    .name = "status file",
    .flags = NODE_DIRECT_IO,
    .refusal = EACCES,
    .editor_name = node_fixed_name,
    .getattr = node_setting_getattr,
    .open = node_setting_open,
    .truncate = refresh_truncate,
    .set_attr = node_accept_attr,
    .setting_text = refresh_text,
    .setting_apply = refresh_apply,
};

#define REFRESH_NAME "refresh"

const struct node_kind *node_status_kind(const char *name)
{
    if (strcmp(name, REFRESH_NAME) == 0)
        return &node_refresh;
    return status_text_named(name) ? &node_status_text : NULL;
}

void node_status_list(struct listing *out)
{
    for (size_t i = 0; i < STATUS_TEXTS; i++)
        listing_add(out, status_texts[i].name, S_IFREG);
    listing_add(out, REFRESH_NAME, S_IFREG);
}
