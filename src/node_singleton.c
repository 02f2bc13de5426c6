/* node_singleton.c - the kinds of a file that is one request's answer:
 * a singleton (/info, /mySecurity), and a report (a RES_REPORT row, or
 * one of a collection of reports such as /reports/<name>.json), whose
 * answer is costly, so that listing or stat'ing it never asks for it.
 * Both are read-only. */
#include "node.h"

#include "handle.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

/* The answer: a singleton's, or a collection's report named by key. */
static int singleton_doc(struct cwmfs *fs, const struct node *n, bool want_text,
                         struct doc *doc)
{
    if (n->key)
        return store_object(fs->store, n->res, n->key, want_text, doc);
    return store_singleton(fs->store, n->res, want_text, doc);
}

/* An optional row is there when its answer is (asked once per TTL). */
static int singleton_present(struct cwmfs *fs, const struct resource_type *res)
{
    struct doc doc = { 0 };

    if (!res->optional)
        return 0;
    return store_singleton(fs->store, res, false, &doc) == -ENOENT ? -ENOENT
                                                                   : 0;
}

static int singleton_getattr(struct cwmfs *fs, const struct node *n,
                             struct stat *st)
{
    struct doc doc = { 0 };
    int rc = singleton_doc(fs, n, false, &doc);

    if (rc == 0)
        node_fill_file(fs, n->path, node_file_mode(fs, n->res, false), doc.len,
                       doc.mtime, st);
    return rc;
}

static int singleton_open(struct cwmfs *fs, const struct node *n,
                          struct fuse_file_info *fi)
{
    struct doc doc = { 0 };
    int rc;

    if (handle_wants_write(fi))
        return -EACCES;
    rc = singleton_doc(fs, n, true, &doc);
    if (rc)
        return rc;
    return handle_open_snapshot(fs, n->path, fi, &doc,
                                node_file_mode(fs, n->res, false));
}

/* A report's stat shows its last answer while that is cached, else an
 * empty file as old as the mount; reads bypass the kernel's idea of the
 * size (NODE_DIRECT_IO), so a read always sees the whole answer. */
static int report_getattr(struct cwmfs *fs, const struct node *n,
                          struct stat *st)
{
    struct doc doc = { 0 };
    int rc = n->key ? store_object_cached(fs->store, n->res, n->key, &doc)
                    : store_singleton_cached(fs->store, n->res, &doc);

    if (rc && rc != -EAGAIN)
        return rc;
    if (rc)
        doc.mtime = fs->mounted;
    node_fill_file(fs, n->path, node_file_mode(fs, n->res, false), doc.len,
                   doc.mtime, st);
    return 0;
}

const struct node_kind node_singleton = {
    .name = "singleton",
    .flags = NODE_LISTED,
    .refusal = EACCES, /* read-only in the API */
    .editor_name = node_fixed_name,
    .present = singleton_present,
    .getattr = singleton_getattr,
    .open = singleton_open,
    .create = node_create_exists,
    .set_attr = node_accept_attr,
};

/* A collection's report is there when the collection lists it. */
static int report_exists(struct cwmfs *fs, const struct node *n)
{
    return store_listed(fs->store, n->res, n->key);
}

/* A report's name in its folder: REPORT_ROWS/<name>, where it runs. */
static int report_link_target(const struct node *n, char *buf, size_t size)
{
    const char *name = strrchr(n->path, '/');
    int len = snprintf(buf, size, "%s/%s", REPORT_ROWS, name ? name + 1 : "");

    return len < 0 || (size_t)len >= size ? -ENAMETOOLONG : len;
}

static int report_link_getattr(struct cwmfs *fs, const struct node *n,
                               struct stat *st)
{
    char target[PATH_MAX];
    int len = report_link_target(n, target, sizeof(target));

    if (len < 0)
        return len;
    node_fill_common(fs, n->path, st);
    st->st_mode = S_IFLNK | 0777;
    st->st_nlink = 1;
    st->st_size = len;
    st->st_mtime = st->st_ctime = st->st_atime = fs->mounted;
    return 0;
}

static int report_link_readlink(struct cwmfs *fs, const struct node *n,
                                char *buf, size_t size)
{
    (void)fs;
    return report_link_target(n, buf, size) < 0 ? -ENAMETOOLONG : 0;
}

const struct node_kind node_report_link = {
    .name = "report link",
    .flags = NODE_LISTED,
    .refusal = EACCES,
    .editor_name = node_fixed_name,
    .exists = report_exists,
    .getattr = report_link_getattr,
    .readlink = report_link_readlink,
    .create = node_create_exists,
    .set_attr = node_accept_attr,
};

const struct node_kind node_report = {
    .name = "report",
    .flags = NODE_LISTED | NODE_STAT_NO_FETCH | NODE_DIRECT_IO,
    .refusal = EACCES,
    .editor_name = node_fixed_name,
    /* no .present: asking would run the report; one the server
     * lacks says so when read */
    .exists = report_exists,
    .getattr = report_getattr,
    .open = singleton_open,
    .create = node_create_exists,
    .set_attr = node_accept_attr,
};
