/* node_count.c - the kind of a collection's COUNT_NAME file: how many
 * objects the collection holds, as a number and a newline.
 *
 * Free while a fresh listing of the collection is cached (it knows the
 * number); else one GET <endpoint>/count, cached for the TTL and filed
 * under the collection's tag, so a write there forgets it.  Reachable by
 * name, never listed: a walk of the mount must not ask for it. */
#include "node.h"

#include "handle.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int number_text(double n, char **text, size_t *len)
{
    int written = asprintf(text, "%.0f\n", n);

    if (written < 0) {
        *text = NULL;
        return -ENOMEM;
    }
    *len = (size_t)written;
    return 0;
}

int node_render_count(const cJSON *answer, void *ctx, char **text, size_t *len)
{
    const cJSON *count = cJSON_GetObjectItemCaseSensitive(answer, "count");

    (void)ctx;
    if (!cJSON_IsNumber(count) || count->valuedouble < 0)
        return -EIO;
    return number_text(count->valuedouble, text, len);
}

int node_count_doc(size_t n, time_t mtime, bool want_text, struct doc *doc)
{
    char *text = NULL;
    int rc = number_text((double)n, &text, &doc->len);

    if (rc)
        return rc;
    doc->mtime = mtime;
    doc->read_only = true;
    if (want_text)
        doc->text = text;
    else
        free(text);
    return 0;
}

/* The number a fresh listing holds; -EAGAIN when there is none. */
static int listed_count(struct cwmfs *fs, const struct resource_type *res,
                        bool want_text, struct doc *doc)
{
    size_t items;
    int rc = store_listing_size(fs->store, res, &items);

    return rc ? rc : node_count_doc(items, time(NULL), want_text, doc);
}

static int count_doc(struct cwmfs *fs, const struct node *n, bool want_text,
                     struct doc *doc)
{
    char *path;
    int rc = listed_count(fs, n->res, want_text, doc);

    if (rc != -EAGAIN)
        return rc;
    /* Reports have no count endpoint; their listing is one request. */
    if (n->res->reports) {
        rc = store_has_listing(fs->store, n->res);
        return rc ? rc : listed_count(fs, n->res, want_text, doc);
    }
    if (asprintf(&path, "%s/count", n->res->endpoint) < 0)
        return -ENOMEM;
    rc = store_derived(fs->store, path, STORE_GET_ONE, resource_tag(n->res),
                       node_render_count, NULL, want_text, doc);
    free(path);
    return rc;
}

const struct node_kind node_count = {
    .name = "count",
    /* Not NODE_LISTED: reachable by name.  Read past the page cache, and
     * not NODE_KERNEL_CACHED: the number follows listings and writes that
     * the kernel never sees. */
    .flags = NODE_DIRECT_IO,
    .refusal = EACCES,
    .editor_name = node_fixed_name,
    .getattr = node_doc_getattr,
    .open = node_doc_open,
    .doc = count_doc,
    .create = node_create_exists,
    .set_attr = node_accept_attr,
};
