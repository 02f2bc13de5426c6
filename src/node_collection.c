/* node_collection.c - the kind of a collection's directory: its objects,
 * one <key>.json file each as the server lists them, beside any fixed
 * names the template tree puts there (/members/types). */
#include "node.h"

#include "mount.h"

#include <errno.h>

/* An optional row is there when the server lists it (the listing is
 * cached, so the check costs one request per TTL at most). */
static int collection_present(struct cwmfs *fs, const struct resource_type *res)
{
    if (!res->optional)
        return 0;
    return store_has_listing(fs->store, res) == -ENOENT ? -ENOENT : 0;
}

static int collection_list(struct cwmfs *fs, const struct node *dir,
                           struct listing *out)
{
    char **names = NULL;
    size_t count = 0;
    unsigned long stamp = 0;
    int rc = store_list(fs->store, dir->res, &names, &count, &stamp);

    /* The kernel keeps the attributes it was handed for the TTL: this
     * listing's go once, not with every ls or grep -r of it. */
    if (rc == 0 && out->plus &&
        kcache_listing_handed(fs->kcache, dir->path, stamp))
        out->plus = false;
    if (rc == 0)
        rc = listing_fill(out, dir->tmpl, names, count);
    store_names_free(names, count);
    return rc;
}

const struct node_kind node_collection = {
    .name = "collection",
    .flags = NODE_DIR | NODE_LISTED,
    .refusal = EPERM, /* never delete a collection */
    .editor_name = node_fixed_name,
    .lookup = node_lookup_child,
    .present = collection_present,
    .getattr = node_dir_getattr,
    .list = collection_list,
    .open = node_dir_open,
    .create = node_create_exists,
    .set_attr = node_accept_attr,
};
