/* node_query.c - the kinds of /queries: ConnectWise's search as folders.
 *
 *   /queries/<name>/            mkdir makes one, rmdir forgets it
 *       collection, conditions, orderBy, childConditions,
 *       customFieldConditions, fields
 *                               the query, one setting per file; a value
 *                               the server refuses fails the writer's close
 *       .count                  GET <endpoint>/count with the conditions
 *       <key>.json              the result, in the server's order: links to
 *                               the collection's own files, or with
 *                               `fields` the partial objects themselves
 *       result.json             for a report (collection reports/<name>):
 *                               its rows keyed by column (`columns` picks)
 *
 * A result is one paged GET, cached for the TTL under the collection's
 * tag, so a write there makes it stale.  Nothing here is listed until a
 * user (or the config) made a query. */
#include "node.h"

#include "errlog.h"
#include "handle.h"
#include "names.h"
#include "render.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const struct node_kind node_query_setting, node_query_link,
    node_query_partial, node_query_count, node_query_absent, node_query_rows;

/* A report query's one file. */
#define ROWS_NAME "result.json"

/* ---- making nodes ---- */

/* A child of dir called name: its path and the query's name in key; in a
 * query's folder (query is then that folder's), name goes in vars[0]. */
static int query_child(const struct node *dir, const char *name,
                       const char *query, const struct node_kind *kind,
                       struct node *child)
{
    memset(child, 0, sizeof(*child));
    child->kind = kind;
    child->tmpl = dir->tmpl;
    child->path = node_child_path(dir->path, name);
    child->key = strdup(query ? query : name);
    if (query)
        child->vars[child->nvars++] = strdup(name);
    if (!child->path || !child->key || (child->nvars && !child->vars[0]))
        return -ENOMEM;
    return 0;
}

/* ---- the result ---- */

/* The name a result item's file has in its collection, or NULL. */
static char *item_name(const struct resource_type *row, const cJSON *item)
{
    const cJSON *field = cJSON_GetObjectItemCaseSensitive(item, row->key_field);
    char *key = NULL, *name;

    if (cJSON_IsString(field) && field->valuestring[0])
        key = strdup(field->valuestring);
    else if (resource_keyed_by_id(row))
        key = store_object_id(item);
    name = key ? name_for_key(key) : NULL;
    free(key);
    return name;
}

struct render_ctx {
    const struct resource_type *row;
    bool partial; /* `fields` was given: keep the objects */
};

/* Adds one item to a result being rendered. */
static int add_item(const struct render_ctx *r, const cJSON *item,
                    struct buf *out)
{
    char *name = item_name(r->row, item);
    char *object = name && r->partial ? cJSON_PrintUnformatted(item) : NULL;
    int rc = 0;

    if (name && !r->partial)
        rc = buf_printf(out, "%s\n", name);
    else if (name)
        rc = object ? buf_printf(out, "%s\t%s\n", name, object) : -ENOMEM;
    free(name);
    cJSON_free(object);
    return rc;
}

/* A result as the cache keeps it: one file name per line, in the server's
 * order; with `fields`, each name followed by a tab and the object as
 * one-line JSON (names encode tabs, and JSON escapes newlines), so that a
 * lookup scans names without parsing every object. */
static int render_result(const cJSON *answer, void *ctx, char **text,
                         size_t *len)
{
    const struct render_ctx *r = ctx;
    struct buf out = BUF_INIT(0);
    int rc = cJSON_IsArray(answer) ? 0 : -EIO;

    if (rc == 0 && r->row->reports) { /* rows keyed by column, as they are */
        *text = render_json(answer, len);
        return *text ? 0 : -ENOMEM;
    }
    for (const cJSON *item = rc ? NULL : answer->child; item && rc == 0;
         item = item->next)
        rc = add_item(r, item, &out);
    *text = rc ? NULL : buf_take(&out, len);
    buf_clear(&out);
    return rc ? rc : *text ? 0 : -ENOMEM;
}

struct result {
    const struct resource_type *row;
    bool partial;
    struct doc doc; /* as render_result made it */
};

static void result_clear(struct result *r) { doc_clear(&r->doc); }

/* Whether the query has a fields setting. */
static bool wants_fields(struct cwmfs *fs, const char *query)
{
    char *fields = NULL;
    bool partial = query_get(fs->queries, query, QP_FIELDS, &fields) == 0 &&
                   *fields;

    free(fields);
    return partial;
}

/* One attempt at the result, on the search endpoint or the row's own;
 * peek: only if it is cached (-EAGAIN if not). */
static int fetch_result(struct cwmfs *fs, const char *query, bool search,
                        bool peek, struct result *r)
{
    struct render_ctx ctx = { NULL, wants_fields(fs, query) };
    char *path = NULL;
    int rc = query_request(fs->queries, query, false, search, &r->row, &path);

    ctx.row = r->row;
    r->partial = ctx.partial;
    if (rc == 0 && peek)
        rc = store_derived_cached(fs->store, path, true, &r->doc);
    else if (rc == 0)
        rc = store_derived(fs->store, path,
                           r->row->reports ? STORE_GET_REPORT : STORE_GET_PAGES,
                           resource_tag(r->row), render_result, &ctx, true,
                           &r->doc);
    free(path);
    return rc;
}

/* The query's result; -ENOENT without a collection (peek: -EAGAIN when it
 * is not cached).  The description's members/search is asked first; a
 * server without it answers 404, and the row's own endpoint takes
 * conditions too (cached 404: asked once). */
static int query_result_of(struct cwmfs *fs, const char *query, bool peek,
                           struct result *r)
{
    const struct resource_type *row = NULL;
    char *path = NULL;
    bool search;
    int rc = query_request(fs->queries, query, false, false, &row, &path);

    free(path);
    if (rc)
        return rc;
    search = query_search_usable(fs->queries, row);
    rc = fetch_result(fs, query, search, peek, r);
    if (rc == -ENOENT && search) {
        query_no_search(fs->queries, row);
        rc = fetch_result(fs, query, false, peek, r);
    }
    return rc;
}

static int query_result(struct cwmfs *fs, const char *query, struct result *r)
{
    return query_result_of(fs, query, false, r);
}

/* Calls fn for each file of the result, in order, until it returns
 * nonzero (which is returned).  object: a partial object's one-line JSON
 * (object_len bytes), or NULL for a link. */
typedef int (*result_fn)(void *ctx, const char *name, const char *object,
                         size_t object_len);

static int each_result(const struct result *r, result_fn fn, void *ctx)
{
    int rc = 0;

    for (const char *p = r->doc.text; p && *p && rc == 0;) {
        const char *end = strchr(p, '\n');
        const char *tab = end && r->partial ? memchr(p, '\t', end - p) : NULL;
        const char *name_end = tab ? tab : end;
        char name[NAME_MAX + 1];

        if (!end)
            break;
        snprintf(name, sizeof(name), "%.*s", (int)(name_end - p), p);
        rc = fn(ctx, name, tab ? tab + 1 : NULL,
                tab ? (size_t)(end - tab - 1) : 0);
        p = end + 1;
    }
    return rc;
}

/* ---- /queries ---- */

static int queries_lookup(struct cwmfs *fs, const struct node *dir,
                          const char *name, struct node *child)
{
    return query_child(dir, name, NULL,
                       query_exists(fs->queries, name) ? &node_query
                                                       : &node_query_absent,
                       child);
}

static int queries_list(struct cwmfs *fs, const struct node *dir,
                        struct listing *out)
{
    char **names = NULL;
    size_t count = 0;
    int rc = query_names(fs->queries, &names, &count);

    (void)dir;
    if (rc)
        return rc;
    listing_dots(out);
    for (size_t i = 0; i < count; i++)
        listing_add(out, names[i], S_IFDIR);
    store_names_free(names, count);
    return 0;
}

const struct node_kind node_queries = {
    .name = "queries",
    .flags = NODE_DIR | NODE_LISTED,
    .refusal = EPERM,
    .editor_name = node_fixed_name,
    .lookup = queries_lookup,
    .getattr = node_dir_getattr,
    .list = queries_list,
    .open = node_dir_open,
    .create = node_create_exists,
    .set_attr = node_accept_attr,
};

/* A name in /queries or in a query's folder that holds nothing: mkdir
 * makes a query in /queries; files cannot be made in either. */
static int absent_mkdir(struct cwmfs *fs, const struct node *n, mode_t mode)
{
    (void)mode;
    if (n->nvars) /* inside a query's folder */
        return -EPERM;
    return query_add(fs->queries, n->key);
}

static int absent_create(struct cwmfs *fs, const struct node *n, mode_t mode,
                         struct fuse_file_info *fi)
{
    (void)fs;
    (void)n;
    (void)mode;
    (void)fi;
    return -EPERM; /* a query's files are its settings */
}

const struct node_kind node_query_absent = {
    .name = "absent query name",
    .refusal = ENOENT,
    .editor_name = node_fixed_name,
    .create = absent_create,
    .mkdir = absent_mkdir,
};

/* ---- /queries/<name>/ ---- */

struct find_ctx {
    const char *name;
    bool want_object; /* parse the partial object found */
    cJSON *object;    /* then: the object */
    bool found;
};

static int find_file(void *ctx, const char *name, const char *object,
                     size_t object_len)
{
    struct find_ctx *f = ctx;

    if (strcmp(name, f->name) != 0)
        return 0;
    f->found = true;
    if (f->want_object && object)
        f->object = render_parse(object, object_len);
    return 1;
}

static int query_lookup(struct cwmfs *fs, const struct node *dir,
                        const char *name, struct node *child)
{
    struct find_ctx f = { name, false, NULL, false };
    struct result r = { 0 };
    const struct node_kind *kind = &node_query_absent;

    if (query_param_of(name) >= 0)
        kind = &node_query_setting;
    else if (strcmp(name, COUNT_NAME) == 0)
        kind = &node_query_count;
    else if (query_result(fs, dir->key, &r) != 0)
        kind = &node_query_absent;
    else if (r.row->reports)
        kind = strcmp(name, ROWS_NAME) == 0 ? &node_query_rows
                                            : &node_query_absent;
    else if (each_result(&r, find_file, &f) && f.found)
        kind = r.partial ? &node_query_partial : &node_query_link;
    result_clear(&r);
    return query_child(dir, name, dir->key, kind, child);
}

struct list_ctx {
    struct listing *out;
};

static int list_file(void *ctx, const char *name, const char *object,
                     size_t object_len)
{
    struct list_ctx *l = ctx;

    (void)object_len;
    listing_add(l->out, name, object ? S_IFREG : S_IFLNK);
    return 0;
}

static int query_list(struct cwmfs *fs, const struct node *dir,
                      struct listing *out)
{
    struct list_ctx l = { out };
    struct result r = { 0 };
    int rc;

    listing_dots(out);
    for (int i = 0; i < QP_COUNT; i++)
        listing_add(out, query_param_names[i], S_IFREG);
    rc = query_result(fs, dir->key, &r);
    if (rc == 0 && r.row->reports)
        listing_add(out, ROWS_NAME, S_IFREG);
    else if (rc == 0)
        each_result(&r, list_file, &l);
    result_clear(&r);
    return rc == -ENOENT ? 0 : rc; /* no collection yet: settings only */
}

static int query_rmdir(struct cwmfs *fs, const struct node *n)
{
    return query_remove(fs->queries, n->key);
}

const struct node_kind node_query = {
    .name = "query",
    .flags = NODE_DIR | NODE_LISTED,
    .refusal = EPERM,
    .editor_name = node_fixed_name,
    .lookup = query_lookup,
    .getattr = node_dir_getattr,
    .list = query_list,
    .open = node_dir_open,
    .create = absent_create,
    .set_attr = node_accept_attr,
    .rmdir = query_rmdir,
};

/* ---- the settings ---- */

/* "/queries/<query>/<setting>" split; false when path is not one. */
static bool setting_of(const char *path, char *query, size_t size,
                       enum query_param *p)
{
    const char *name = path + strlen(QUERIES_DIR) + 1;
    const char *slash = strchr(name, '/');
    int param = slash ? query_param_of(slash + 1) : -1;

    if (param < 0 || (size_t)(slash - name) >= size)
        return false;
    snprintf(query, size, "%.*s", (int)(slash - name), name);
    *p = (enum query_param)param;
    return true;
}

/* The value a writer's text sets: without surrounding blanks and the
 * final newline (malloc'd). */
static char *setting_value(const char *text)
{
    size_t len;

    text += strspn(text, " \t\r\n");
    len = strlen(text);
    while (len && strchr(" \t\r\n", text[len - 1]))
        len--;
    return strndup(text, len);
}

/* Asks the server for one item of the query as it now stands: a
 * condition it cannot parse is refused here, at the writer's close. */
static int check_query(struct cwmfs *fs, const char *path, const char *query)
{
    const struct resource_type *row;
    struct api_error err = { 0 };
    char *request = NULL, *probe = NULL;
    int rc = query_request(fs->queries, query, false, false, &row, &request);

    if (rc == -ENOENT)
        return 0; /* no collection yet: checked once there is one */
    if (rc == 0 && asprintf(&probe, "%s%spageSize=1", request,
                            strchr(request, '?') ? "&" : "?") < 0)
        probe = NULL;
    rc = rc ? rc : probe ? store_probe(fs->store, probe, &err) : -ENOMEM;
    if (rc && rc != -ENOMEM)
        errlog_record(fs->errlog, path, rc, err.message, NULL, 0);
    free(request);
    free(probe);
    return rc;
}

/* A setting's new text: kept when the server accepts the query it makes,
 * else the old value stays and the writer's close fails (EINVAL for what
 * the server cannot parse, with its message in .cwmfs/errors). */
static int apply_setting(struct cwmfs *fs, const char *path, const char *text)
{
    char query[NAME_MAX + 1], *value = setting_value(text), *old = NULL;
    enum query_param p = QP_COLLECTION;
    int rc = value ? 0 : -ENOMEM;

    if (rc == 0 && !setting_of(path, query, sizeof(query), &p))
        rc = -ENOENT;
    if (rc == 0 && p == QP_COLLECTION && *value && !query_collection(value)) {
        errlog_record(fs->errlog, path, -EINVAL,
                      "not a collection a query can search (members, "
                      "callbacks, departments, ...)",
                      NULL, 0);
        rc = -EINVAL;
    }
    if (rc == 0)
        rc = query_get(fs->queries, query, p, &old);
    if (rc == 0)
        rc = query_set(fs->queries, query, p, value);
    if (rc == 0 && *value)
        rc = check_query(fs, path, query);
    if (rc && old)
        query_set(fs->queries, query, p, old); /* the server said no */
    free(old);
    free(value);
    return rc;
}

/* The setting's text as a file shows it: the value and a newline. */
static int setting_text(struct cwmfs *fs, const struct node *n, char **text)
{
    char *value = NULL;
    int rc = query_get(fs->queries, n->key, query_param_of(n->vars[0]), &value);

    if (rc)
        return rc;
    if (asprintf(text, "%s%s", value, *value ? "\n" : "") < 0)
        *text = NULL;
    free(value);
    return *text ? 0 : -ENOMEM;
}

/* truncate(2) to nothing unsets (`: > conditions`). */
static int setting_truncate(struct cwmfs *fs, const struct node *n, off_t size)
{
    if (size != 0)
        return -EINVAL;
    return query_set(fs->queries, n->key, query_param_of(n->vars[0]), "");
}

const struct node_kind node_query_setting = {
    .name = "query setting",
    .flags = NODE_LISTED | NODE_DIRECT_IO,
    .refusal = EPERM,
    .editor_name = node_fixed_name,
    .getattr = node_setting_getattr,
    .open = node_setting_open,
    .setting_text = setting_text,
    .setting_apply = apply_setting,
    .create = node_create_exists,
    .truncate = setting_truncate,
    .set_attr = node_accept_attr,
};

/* ---- the result's files ---- */

/* "../../<collection>/<name>": the collection's own file. */
static int link_target(struct cwmfs *fs, const struct node *n, char **target)
{
    char *value = NULL;
    int rc = query_get(fs->queries, n->key, QP_COLLECTION, &value);

    if (rc == 0 && asprintf(target, "../../%s/%s", value, n->vars[0]) < 0)
        rc = -ENOMEM;
    free(value);
    return rc;
}

static int link_getattr(struct cwmfs *fs, const struct node *n, struct stat *st)
{
    char *target;
    int rc = link_target(fs, n, &target);

    if (rc)
        return rc;
    node_fill_common(fs, n->path, st);
    st->st_mode = S_IFLNK | 0777;
    st->st_nlink = 1;
    st->st_size = (off_t)strlen(target);
    st->st_mtime = st->st_ctime = st->st_atime = fs->mounted;
    free(target);
    return 0;
}

static int link_readlink(struct cwmfs *fs, const struct node *n, char *buf,
                         size_t size)
{
    char *target;
    int rc = link_target(fs, n, &target);

    if (rc == 0 && size)
        snprintf(buf, size, "%s", target);
    free(target);
    return rc;
}

const struct node_kind node_query_link = {
    .name = "query result link",
    .flags = NODE_LISTED,
    .refusal = EPERM,
    .editor_name = node_fixed_name,
    .getattr = link_getattr,
    .readlink = link_readlink,
    .create = node_create_exists,
    .set_attr = node_accept_attr,
};

/* A partial object (with `fields`): its text, pretty as any object. */
static int partial_doc(struct cwmfs *fs, const struct node *n, bool want_text,
                       struct doc *doc)
{
    struct find_ctx f = { n->vars[0], true, NULL, false };
    struct result r = { 0 };
    int rc = query_result(fs, n->key, &r);

    if (rc == 0 && !(each_result(&r, find_file, &f) && f.object))
        rc = -ENOENT;
    if (rc == 0) {
        doc->text = render_json(f.object, &doc->len);
        doc->mtime = r.doc.mtime;
        rc = doc->text ? 0 : -ENOMEM;
    }
    if (rc == 0 && !want_text) {
        free(doc->text);
        doc->text = NULL;
    }
    cJSON_Delete(f.object);
    result_clear(&r);
    return rc;
}

const struct node_kind node_query_partial = {
    .name = "query result object",
    .flags = NODE_LISTED | NODE_DIRECT_IO,
    .refusal = EACCES,
    .editor_name = node_fixed_name,
    .getattr = node_doc_getattr,
    .open = node_doc_open,
    .doc = partial_doc,
    .create = node_create_exists,
    .set_attr = node_accept_attr,
};

/* A report query's rows. */
static int rows_doc(struct cwmfs *fs, const struct node *n, bool want_text,
                    struct doc *doc)
{
    struct result r = { 0 };
    int rc = query_result(fs, n->key, &r);

    if (rc == 0) {
        doc->len = r.doc.len;
        doc->mtime = r.doc.mtime;
        doc->text = want_text ? r.doc.text : NULL;
        if (want_text)
            r.doc.text = NULL;
    }
    result_clear(&r);
    return rc;
}

const struct node_kind node_query_rows = {
    .name = "report query rows",
    .flags = NODE_LISTED | NODE_DIRECT_IO,
    .refusal = EACCES,
    .editor_name = node_fixed_name,
    .getattr = node_doc_getattr,
    .open = node_doc_open,
    .doc = rows_doc,
    .create = node_create_exists,
    .set_attr = node_accept_attr,
};

/* ---- .count ---- */

static int count_one(void *ctx, const char *name, const char *object,
                     size_t object_len)
{
    (void)name;
    (void)object;
    (void)object_len;
    ++*(size_t *)ctx;
    return 0;
}

/* The count a cached result knows (free); -EAGAIN when none is cached. */
static int counted_result(struct cwmfs *fs, const struct node *n,
                          bool want_text, struct doc *doc)
{
    struct result r = { 0 };
    cJSON *rows = NULL;
    size_t items = 0;
    int rc = query_result_of(fs, n->key, true, &r);

    if (rc == 0 && r.row->reports) {
        rows = render_parse(r.doc.text, r.doc.len);
        items = (size_t)cJSON_GetArraySize(rows);
    } else if (rc == 0) {
        each_result(&r, count_one, &items);
    }
    if (rc == 0)
        rc = node_count_doc(items, r.doc.mtime, want_text, doc);
    cJSON_Delete(rows);
    result_clear(&r);
    return rc;
}

static int count_doc(struct cwmfs *fs, const struct node *n, bool want_text,
                     struct doc *doc)
{
    const struct resource_type *row;
    char *path = NULL;
    int rc = counted_result(fs, n, want_text, doc);

    if (rc != -EAGAIN)
        return rc;
    rc = query_request(fs->queries, n->key, true, false, &row, &path);

    if (rc == 0)
        rc = store_derived(fs->store, path, STORE_GET_ONE, resource_tag(row),
                           node_render_count, NULL, want_text, doc);
    free(path);
    return rc;
}

const struct node_kind node_query_count = {
    .name = "query count",
    .flags = NODE_DIRECT_IO, /* see node_count.c */
    .refusal = EACCES,
    .editor_name = node_fixed_name,
    .getattr = node_doc_getattr,
    .open = node_doc_open,
    .doc = count_doc,
    .create = node_create_exists,
    .set_attr = node_accept_attr,
};
