/* resources.c - the resource table and its tree (see resources.h). */
#include "resources.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define READ_ONLY VERB_GET
#define CRUD (VERB_GET | VERB_POST | VERB_PUT | VERB_PATCH | VERB_DELETE)

/* clang-format off */
/* A file of its own; list: the endpoint answers with a paged list.  Any
 * further arguments are more designators (.optional = true, ...). */
#define SINGLETON(path_, endpoint_, list_, ...)                               \
    { .pattern = path_, .path = path_, .endpoint = endpoint_,                \
      .kind = RES_SINGLETON, .list_endpoint = list_, .verbs = READ_ONLY,     \
      __VA_ARGS__ }
/* A file per object of a type, named when asked for (see RES_HISTORY). */
#define HISTORY(pattern_, dir_, endpoint_, ...)                               \
    { .pattern = pattern_, .path = dir_, .endpoint = endpoint_,              \
      .kind = RES_HISTORY, .key_field = "id", .verbs = READ_ONLY,            \
      __VA_ARGS__ }
/* A directory of objects, each file named by its key field; the verbs,
 * then any further designators. */
#define COLLECTION(dir_, key_, endpoint_, ...)                                \
    { .pattern = dir_ "/{" key_ "}.json", .path = dir_,                       \
      .endpoint = endpoint_, .kind = RES_COLLECTION, .key_field = key_,      \
      .verbs = __VA_ARGS__ }

/* The System module: the seed document's collections, with the verbs
 * ConnectWise documents for them (a server may allow less: see
 * allowed.h).  Members are named by identifier (what admins type);
 * everything else by id.  Rows marked optional are the description's,
 * absent where a server lacks them. */
const struct resource_type resource_table[] = {
    SINGLETON("/info",       "info",       false),
    SINGLETON("/myAccount",  "myAccount",  false, .optional = true,
              .via = "mymembers", .alternative = "myAccount/{id}"),
    SINGLETON("/mySecurity", "mySecurity", true),
    /*         directory         key           endpoint         verbs */
    COLLECTION("/members",       "identifier", "members",       CRUD,
               .search = "members/search",
               .instead_of_delete = "ConnectWise deactivates members "
               "instead: write who inherits their work to <name>.json."
               "deactivate, e.g. {\"activity\": {\"reAssignToMember\": "
               "{\"identifier\": \"admin\"}}}",
               .action = "deactivate",
               .action_endpoint = "members/{id}/deactivate"),
    COLLECTION("/members/types", "id",         "members/types", CRUD),
    COLLECTION("/securityRoles", "id",         "securityRoles",
               VERB_GET | VERB_POST | VERB_DELETE),
    COLLECTION("/departments",   "id",         "departments",   CRUD),
    COLLECTION("/locations",     "id",         "locations",     CRUD),
    COLLECTION("/callbacks",     "id",         "callbacks",     CRUD),
    /* A member's API tokens: tokens/<identifier>/; a real server can only
     * create them, and shows the private key once. */
    COLLECTION("/tokens/{member}", "id", "members/{member}/tokens",
               VERB_GET | VERB_POST | VERB_DELETE, .keep_answer = true),
    COLLECTION("/apiReports",    "id",         "apiReports",    READ_ONLY,
               .optional = true, .run_endpoint = "apiReports/{id}/run"),
    /* ConnectWise's own reports (the description's apiReports have no
     * counterpart there): optional, since servers like the description's
     * lack them. */
    COLLECTION("/reports",       "name",       "reports",       READ_ONLY,
               .optional = true, .reports = true),
    /* An object's history: audittrail/<Type>/<id>.json (members also by
     * identifier); the types as ConnectWise's audit trail spells them. */
    HISTORY("/audittrail/{type}/{id}.json", "/audittrail",
            "audittrail?type={type}&id={id}",
            .values = "Activity Agreement AgreementAddition Company "
                      "Configuration Contact Expense Invoice Member "
                      "Opportunity Project ProjectTicket ProductCatalog "
                      "ProductItem PurchaseOrder PurchaseOrderLineItem "
                      "Purchasing Schedule Site Survey Ticket Time"),
};
/* clang-format on */
#define TABLE_ROWS (sizeof(resource_table) / sizeof(resource_table[0]))
const size_t resource_count = TABLE_ROWS;

const struct resource_type *resource_at(const char *path)
{
    for (size_t i = 0; i < resource_count; i++)
        if (strcmp(resource_table[i].path, path) == 0)
            return &resource_table[i];
    return NULL;
}

static struct resource_type duplicate_views[TABLE_ROWS];
static pthread_once_t duplicate_views_once = PTHREAD_ONCE_INIT;

static void make_duplicate_views(void)
{
    for (size_t i = 0; i < resource_count; i++) {
        duplicate_views[i] = resource_table[i];
        duplicate_views[i].duplicates = true;
        duplicate_views[i].verbs &= ~(unsigned)VERB_POST;
    }
}

const struct resource_type *resource_duplicates(const struct resource_type *res)
{
    size_t i = (size_t)(res - resource_table);

    if (res->duplicates)
        return res;
    if (i >= resource_count || res->kind != RES_COLLECTION ||
        resource_keyed_by_id(res))
        return NULL;
    pthread_once(&duplicate_views_once, make_duplicate_views);
    return &duplicate_views[i];
}

bool resource_is_writable(const struct resource_type *res)
{
    const unsigned writes = VERB_POST | VERB_PUT | VERB_PATCH | VERB_DELETE;

    return (res->verbs & writes) != 0;
}

bool resource_keyed_by_id(const struct resource_type *res)
{
    return res->key_field && strcmp(res->key_field, "id") == 0;
}

const char *resource_tag(const struct resource_type *res)
{
    return res->tag ? res->tag : res->endpoint;
}

/* ---- the tree ---- */

bool tmpl_is_dir(const struct tmpl *t)
{
    return t->role == TMPL_DIRECTORY || t->role == TMPL_COLLECTION ||
           t->role == TMPL_META || t->role == TMPL_QUERIES;
}

const struct tmpl *tmpl_child(const struct tmpl *dir, const char *name)
{
    for (const struct tmpl *c = dir->children; c; c = c->next)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

void tmpl_free(struct tmpl *t)
{
    struct tmpl *next;

    for (; t; t = next) {
        next = t->next;
        tmpl_free(t->children);
        tmpl_free(t->pattern);
        free(t->name);
        free(t->var);
        free(t);
    }
}

static struct tmpl *tmpl_new(struct tmpl *parent, enum tmpl_role role)
{
    struct tmpl *t = calloc(1, sizeof(*t));

    if (t) {
        t->parent = parent;
        t->role = role;
    }
    return t;
}

/* The literal child called name (len bytes), added at the end if new. */
static struct tmpl *literal_child(struct tmpl *dir, const char *name,
                                  size_t len, enum tmpl_role role)
{
    struct tmpl **link = &dir->children, *t;

    for (; *link; link = &(*link)->next)
        if (strlen((*link)->name) == len && !strncmp((*link)->name, name, len))
            return *link;
    t = tmpl_new(dir, role);
    if (t)
        t->name = strndup(name, len);
    if (t && !t->name) {
        free(t);
        t = NULL;
    }
    if (t) {
        *link = t;
        dir->subdirs += tmpl_is_dir(t);
    }
    return t;
}

/* The pattern child "{var}" (the whole segment, len bytes). */
static struct tmpl *pattern_child(struct tmpl *dir, const char *seg, size_t len,
                                  enum tmpl_role role)
{
    if (!dir->pattern) {
        dir->pattern = tmpl_new(dir, role);
        if (dir->pattern && role == TMPL_DIRECTORY)
            dir->pattern->var = strndup(seg + 1, len - 2);
        if (dir->pattern && role == TMPL_DIRECTORY && !dir->pattern->var)
            return NULL; /* freed with the tree */
    }
    return dir->pattern && dir->pattern->role == role ? dir->pattern : NULL;
}

/* The "{var}" directory pattern, with the values the row gives it (each
 * a subdirectory to count for nlink). */
static struct tmpl *var_dir(struct tmpl *dir, const char *seg, size_t len,
                            const struct resource_type *row)
{
    struct tmpl *t = pattern_child(dir, seg, len, TMPL_DIRECTORY);

    if (t && row->values && !t->values) {
        t->values = row->values;
        for (const char *p = row->values + strspn(row->values, " "); *p;
             p += strspn(p, " ")) {
            dir->subdirs++;
            p += strcspn(p, " ");
        }
    }
    return t;
}

static bool is_pattern(const char *seg, size_t len)
{
    return len > 2 && seg[0] == '{' && memchr(seg, '}', len) != NULL;
}

/* A folder of reports' hidden REPORT_ROWS folder and its files. */
static bool report_rows(struct tmpl *dir, const char *seg, size_t len,
                        const struct resource_type *row)
{
    struct tmpl *rows = literal_child(dir, REPORT_ROWS, strlen(REPORT_ROWS),
                                      TMPL_COLLECTION);
    struct tmpl *t = rows ? pattern_child(rows, seg, len, TMPL_REPORT) : NULL;

    if (!t)
        return false;
    rows->res = t->res = row;
    rows->hidden = true;
    return true;
}

/* One segment of a row's pattern; last: it names the row's files. */
static struct tmpl *add_segment(struct tmpl *dir, const char *seg, size_t len,
                                bool last, const struct resource_type *row)
{
    struct tmpl *t;

    if (!is_pattern(seg, len) && !last)
        return literal_child(dir, seg, len, TMPL_DIRECTORY);
    if (!is_pattern(seg, len))
        return literal_child(dir, seg, len,
                             row->kind == RES_REPORT ? TMPL_REPORT
                                                     : TMPL_SINGLETON);
    if (seg[len - 1] == '}')
        return var_dir(dir, seg, len, row);
    if (!last)
        return NULL; /* "{x}.json" names files, which hold nothing */
    if (row->kind == RES_HISTORY)
        return pattern_child(dir, seg, len, TMPL_HISTORY);
    if (row->reports && !report_rows(dir, seg, len, row))
        return NULL;
    t = pattern_child(dir, seg, len,
                      row->reports ? TMPL_REPORT_LINK : TMPL_OBJECT);
    if (t) {
        dir->role = TMPL_COLLECTION;
        dir->res = row;
    }
    return t;
}

static int add_row(struct tmpl *root, const struct resource_type *row)
{
    const char *p = row->pattern;
    struct tmpl *t = root;

    while (t && *p) {
        size_t len;
        p += strspn(p, "/");
        len = strcspn(p, "/");
        if (len == 0)
            break;
        t = add_segment(t, p, len, p[len + strspn(p + len, "/")] == '\0', row);
        p += len;
    }
    if (!t || t == root)
        return -1;
    if (t->role == TMPL_SINGLETON || t->role == TMPL_REPORT ||
        t->role == TMPL_OBJECT || t->role == TMPL_HISTORY ||
        t->role == TMPL_REPORT_LINK)
        t->res = row;
    return 0;
}

/* Gives every collection at or below dir its COUNT_NAME file. */
static bool add_counts(struct tmpl *dir)
{
    struct tmpl *t;

    if (dir->role == TMPL_COLLECTION) {
        t = literal_child(dir, COUNT_NAME, strlen(COUNT_NAME), TMPL_COUNT);
        if (!t)
            return false;
        t->res = dir->res;
    }
    for (t = dir->children; t; t = t->next)
        if (tmpl_is_dir(t) && t->role != TMPL_META && !add_counts(t))
            return false;
    return !dir->pattern || !tmpl_is_dir(dir->pattern) ||
           add_counts(dir->pattern);
}

struct tmpl *tmpl_build(const struct resource_type *rows, size_t count)
{
    struct tmpl *root = tmpl_new(NULL, TMPL_DIRECTORY);
    struct tmpl *meta = root ? literal_child(root, &META_DIR[1],
                                             strlen(META_DIR) - 1, TMPL_META)
                             : NULL;
    bool ok = meta != NULL;

    /* Reachable by name only, so grep -r, find and backups of the mount
     * do not walk the mount's own files. */
    if (meta)
        meta->hidden = true;
    for (size_t i = 0; ok && i < count; i++)
        ok = add_row(root, &rows[i]) == 0;
    ok = ok && add_counts(root) &&
         literal_child(root, &QUERIES_DIR[1], strlen(QUERIES_DIR) - 1,
                       TMPL_QUERIES);
    if (!ok) {
        tmpl_free(root);
        return NULL;
    }
    return root;
}

static struct tmpl *the_tree;
static pthread_once_t the_tree_once = PTHREAD_ONCE_INIT;

static void build_the_tree(void)
{
    the_tree = tmpl_build(resource_table, resource_count);
}

const struct tmpl *tmpl_root(void)
{
    pthread_once(&the_tree_once, build_the_tree);
    return the_tree;
}
