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

/* The texts change at every request: each open gets its own snapshot
 * (NODE_DIRECT_IO), dated now. */
static int stats_doc(struct cwmfs *fs, const struct node *n, bool want_text,
                     struct doc *doc)
{
    struct buf text = BUF_INIT(0);
    int rc = status_stats_text(fs, &text);

    (void)n;
    doc->mtime = time(NULL);
    if (rc == 0 && !text.data)
        rc = buf_append_str(&text, "");
    if (rc) {
        buf_clear(&text);
        return rc;
    }
    doc->len = text.len;
    if (want_text)
        doc->text = buf_take(&text, &doc->len);
    buf_clear(&text);
    return 0;
}

static int config_doc(struct cwmfs *fs, const struct node *n, bool want_text,
                      struct doc *doc)
{
    const char *settings = fs->status.settings ? fs->status.settings : "";

    (void)n;
    doc->mtime = fs->mounted;
    doc->len = strlen(settings);
    if (want_text) {
        doc->text = strdup(settings);
        if (!doc->text)
            return -ENOMEM;
    }
    return 0;
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

const struct node_kind node_stats = {
    .name = "status file",
    .flags = NODE_DIRECT_IO,
    .refusal = EACCES,
    .editor_name = node_fixed_name,
    .getattr = node_doc_getattr,
    .open = node_doc_open,
    .set_attr = node_accept_attr,
    .doc = stats_doc,
};

const struct node_kind node_settings = {
    .name = "status file",
    .flags = NODE_DIRECT_IO,
    .refusal = EACCES,
    .editor_name = node_fixed_name,
    .getattr = node_doc_getattr,
    .open = node_doc_open,
    .set_attr = node_accept_attr,
    .doc = config_doc,
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

/* The status files, by name: one row each. */
static const struct {
    const char *name;
    const struct node_kind *kind;
} status_files[] = {
    { "stats", &node_stats },
    { "config", &node_settings },
    { "refresh", &node_refresh },
};

#define STATUS_FILES (sizeof(status_files) / sizeof(status_files[0]))

const struct node_kind *node_status_kind(const char *name)
{
    for (size_t i = 0; i < STATUS_FILES; i++)
        if (strcmp(status_files[i].name, name) == 0)
            return status_files[i].kind;
    return NULL;
}

void node_status_list(struct listing *out)
{
    for (size_t i = 0; i < STATUS_FILES; i++)
        listing_add(out, status_files[i].name, S_IFREG);
}
