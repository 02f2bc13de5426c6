/* query.c - see query.h. */
#include "query.h"

#include "api.h"
#include "buf.h"
#include "store.h"
#include "strmap.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const query_param_names[QP_COUNT] = {
    [QP_COLLECTION] = "collection",
    [QP_CONDITIONS] = "conditions",
    [QP_ORDER_BY] = "orderBy",
    [QP_CHILD_CONDITIONS] = "childConditions",
    [QP_CUSTOM_FIELD_CONDITIONS] = "customFieldConditions",
    [QP_FIELDS] = "fields",
    [QP_COLUMNS] = "columns",
};

struct query {
    char *param[QP_COUNT]; /* NULL: unset */
};

struct queries {
    pthread_mutex_t lock;
    struct strmap *by_name;   /* name -> struct query */
    struct strmap *no_search; /* search endpoints this server lacks */
};

static void query_free(void *value)
{
    struct query *query = value;

    if (!query)
        return;
    for (int i = 0; i < QP_COUNT; i++)
        free(query->param[i]);
    free(query);
}

struct queries *queries_new(void)
{
    struct queries *q = calloc(1, sizeof(*q));

    if (!q)
        return NULL;
    q->by_name = strmap_new(query_free);
    q->no_search = strmap_new(NULL);
    if (!q->by_name || !q->no_search) {
        strmap_free(q->by_name);
        strmap_free(q->no_search);
        free(q);
        return NULL;
    }
    pthread_mutex_init(&q->lock, NULL);
    return q;
}

void queries_free(struct queries *q)
{
    if (!q)
        return;
    strmap_free(q->by_name);
    strmap_free(q->no_search);
    pthread_mutex_destroy(&q->lock);
    free(q);
}

static bool is_file_name(const char *name)
{
    return *name && !strchr(name, '/') && strcmp(name, ".") != 0 &&
           strcmp(name, "..") != 0 && strlen(name) <= 255;
}

int query_add(struct queries *q, const char *name)
{
    struct query *query;
    int rc = 0;

    if (!is_file_name(name))
        return -EINVAL;
    pthread_mutex_lock(&q->lock);
    if (strmap_get(q->by_name, name)) {
        rc = -EEXIST;
    } else {
        query = calloc(1, sizeof(*query));
        rc = query ? strmap_put(q->by_name, name, query) : -ENOMEM;
        if (rc)
            free(query);
    }
    pthread_mutex_unlock(&q->lock);
    return rc;
}

int query_remove(struct queries *q, const char *name)
{
    bool removed;

    pthread_mutex_lock(&q->lock);
    removed = strmap_remove(q->by_name, name);
    pthread_mutex_unlock(&q->lock);
    return removed ? 0 : -ENOENT;
}

bool query_exists(struct queries *q, const char *name)
{
    bool there;

    pthread_mutex_lock(&q->lock);
    there = strmap_get(q->by_name, name) != NULL;
    pthread_mutex_unlock(&q->lock);
    return there;
}

struct names_ctx {
    char **names;
    size_t count;
    bool oom;
};

static bool add_name(void *ctx, const char *key, void *value)
{
    struct names_ctx *n = ctx;

    (void)value;
    n->names[n->count] = strdup(key);
    if (n->names[n->count])
        n->count++;
    else
        n->oom = true;
    return false;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int query_names(struct queries *q, char ***names, size_t *count)
{
    struct names_ctx n = { NULL, 0, false };

    pthread_mutex_lock(&q->lock);
    n.names = calloc(strmap_count(q->by_name) + 1, sizeof(char *));
    if (n.names)
        strmap_each(q->by_name, add_name, &n);
    pthread_mutex_unlock(&q->lock);
    if (!n.names || n.oom) {
        store_names_free(n.names, n.count);
        return -ENOMEM;
    }
    qsort(n.names, n.count, sizeof(char *), cmp_str);
    *names = n.names;
    *count = n.count;
    return 0;
}

int query_param_of(const char *name)
{
    for (int i = 0; i < QP_COUNT; i++)
        if (strcmp(query_param_names[i], name) == 0)
            return i;
    return -1;
}

int query_get(struct queries *q, const char *name, enum query_param p,
              char **value)
{
    struct query *query;
    int rc = 0;

    pthread_mutex_lock(&q->lock);
    query = strmap_get(q->by_name, name);
    if (!query)
        rc = -ENOENT;
    else
        *value = strdup(query->param[p] ? query->param[p] : "");
    pthread_mutex_unlock(&q->lock);
    return rc ? rc : *value ? 0 : -ENOMEM;
}

int query_set(struct queries *q, const char *name, enum query_param p,
              const char *value)
{
    char *copy = value && *value ? strdup(value) : NULL;
    struct query *query;
    int rc = 0;

    if (value && *value && !copy)
        return -ENOMEM;
    pthread_mutex_lock(&q->lock);
    query = strmap_get(q->by_name, name);
    if (query) {
        free(query->param[p]);
        query->param[p] = copy;
        copy = NULL;
    } else {
        rc = -ENOENT;
    }
    pthread_mutex_unlock(&q->lock);
    free(copy);
    return rc;
}

bool query_search_usable(struct queries *q, const struct resource_type *row)
{
    bool usable;

    if (!row->search)
        return false;
    pthread_mutex_lock(&q->lock);
    usable = !strmap_get(q->no_search, row->search);
    pthread_mutex_unlock(&q->lock);
    return usable;
}

void query_no_search(struct queries *q, const struct resource_type *row)
{
    pthread_mutex_lock(&q->lock);
    strmap_put(q->no_search, row->search, q); /* any non-NULL value */
    pthread_mutex_unlock(&q->lock);
}

/* The report a "reports/<name>" value names, or NULL. */
static const char *report_name(const char *value)
{
    const char *slash = strrchr(value, '/');
    char dir[256];
    const struct resource_type *row;

    if (!slash || !slash[1])
        return NULL;
    snprintf(dir, sizeof(dir), "/%.*s", (int)(slash - value), value);
    row = resource_at(dir);
    return row && row->reports ? slash + 1 : NULL;
}

const struct resource_type *query_collection(const char *value)
{
    char path[256];
    const struct resource_type *row;

    snprintf(path, sizeof(path), "/%s", value);
    row = resource_at(path);
    if (!row && report_name(value)) {
        *strrchr(path, '/') = '\0';
        return resource_at(path);
    }
    if (!row || row->kind != RES_COLLECTION || row->reports ||
        strchr(row->endpoint, '{'))
        return NULL; /* a folder of reports and tokens take no conditions */
    return row;
}

/* Where a query asks: the row's endpoint, its search endpoint, or for a
 * report "<endpoint>/<name>"; malloc'd. */
static char *query_endpoint(const struct resource_type *row, const char *value,
                            bool search)
{
    char *escaped, *endpoint = NULL;

    if (!row->reports)
        return strdup(search && row->search ? row->search : row->endpoint);
    escaped = api_escape_segment(report_name(value));
    if (escaped && asprintf(&endpoint, "%s/%s", row->endpoint, escaped) < 0)
        endpoint = NULL;
    free(escaped);
    return endpoint;
}

/* Trims a definition's blanks in place. */
static char *trim(char *s)
{
    size_t len;

    s += strspn(s, " \t");
    len = strlen(s);
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        s[--len] = '\0';
    return s;
}

/* One "<name>\t<collection>: <conditions>" line of the config. */
static int load_one(struct queries *q, char *line, char *err, size_t errlen)
{
    char *tab = strchr(line, '\t'), *colon;
    char *collection, *conditions;
    int rc;

    colon = tab ? strchr(tab + 1, ':') : NULL;
    if (!colon)
        return 0; /* config.c checked the shape */
    *tab = *colon = '\0';
    collection = trim(tab + 1);
    conditions = trim(colon + 1);
    if (!query_collection(collection)) {
        snprintf(err, errlen,
                 "query.%s: \"%s\" is not a collection a query can search "
                 "(members, callbacks, departments, ...)",
                 line, collection);
        return -1;
    }
    rc = query_add(q, line);
    if (rc == 0)
        rc = query_set(q, line, QP_COLLECTION, collection);
    if (rc == 0)
        rc = query_set(q, line, QP_CONDITIONS, conditions);
    if (rc)
        snprintf(err, errlen, "query.%s: %s", line, strerror(-rc));
    return rc ? -1 : 0;
}

int queries_load(struct queries *q, const char *lines, char *err, size_t errlen)
{
    char *copy = lines ? strdup(lines) : NULL, *line, *save = NULL;
    int rc = 0;

    if (lines && !copy) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (line = copy ? strtok_r(copy, "\n", &save) : NULL; line && rc == 0;
         line = strtok_r(NULL, "\n", &save))
        rc = load_one(q, line, err, errlen);
    free(copy);
    return rc;
}

/* Appends "&<param>=<escaped value>" for each parameter set among those
 * wanted. */
static int append_params(struct buf *b, const struct query *query,
                         const bool *wanted)
{
    int rc = 0;

    for (int i = QP_CONDITIONS; i < QP_COUNT && rc == 0; i++) {
        char *escaped;

        if (!wanted[i] || !query->param[i])
            continue;
        escaped = api_escape_segment(query->param[i]);
        rc = escaped ? buf_printf(b, "%s%s=%s", b->len ? "&" : "",
                                  query_param_names[i], escaped)
                     : -ENOMEM;
        free(escaped);
    }
    return rc;
}

int query_request(struct queries *q, const char *name, bool count, bool search,
                  const struct resource_type **row, char **path)
{
    /* A count takes the conditions only; a listing all of them. */
    static const bool for_count[QP_COUNT] = {
        [QP_CONDITIONS] = true,
        [QP_CHILD_CONDITIONS] = true,
        [QP_CUSTOM_FIELD_CONDITIONS] = true
    };
    static const bool for_list[QP_COUNT] = {
        [QP_CONDITIONS] = true,       [QP_ORDER_BY] = true,
        [QP_CHILD_CONDITIONS] = true, [QP_CUSTOM_FIELD_CONDITIONS] = true,
        [QP_FIELDS] = true,           [QP_COLUMNS] = true
    };
    struct buf params = BUF_INIT(0);
    struct query *query;
    char *endpoint = NULL;
    int rc = 0;

    *path = NULL;
    pthread_mutex_lock(&q->lock);
    query = strmap_get(q->by_name, name);
    *row = query && query->param[QP_COLLECTION]
               ? query_collection(query->param[QP_COLLECTION])
               : NULL;
    if (!*row)
        rc = -ENOENT;
    if (rc == 0)
        rc = append_params(&params, query, count ? for_count : for_list);
    if (rc == 0) {
        endpoint = query_endpoint(*row, query->param[QP_COLLECTION],
                                  search && !count);
        rc = endpoint ? 0 : -ENOMEM;
    }
    pthread_mutex_unlock(&q->lock);
    if (rc == 0 &&
        asprintf(path, "%s%s%s%s", endpoint, count ? "/count" : "",
                 params.len ? "?" : "", params.len ? params.data : "") < 0) {
        *path = NULL;
        rc = -ENOMEM;
    }
    free(endpoint);
    buf_clear(&params);
    return rc;
}
