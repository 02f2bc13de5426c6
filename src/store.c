/* store.c - see store.h. */
#include "store.h"

#include "allowed.h"
#include "buf.h"
#include "log.h"
#include "names.h"
#include "paths.h"
#include "reads.h"
#include "render.h"
#include "report.h"
#include "strmap.h"
#include "walks.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What the cache holds: a rendered file or a collection's names. */
struct cached {
    _Atomic unsigned holds; /* the cache's, plus shared docs' (doc.owner) */
    enum { CACHED_DOC, CACHED_LISTING } kind;
    struct doc doc;
    char **names;
    size_t count;
    size_t items;        /* listings: the objects the server listed */
    unsigned long stamp; /* listings: which fill made this one */
};

/* An mtime shown instead of the server's stamp (see store_update). */
struct mtime_pin {
    time_t server; /* while the object's lastUpdated is this... */
    time_t shown;  /* ...its file shows this */
};

struct store {
    struct api_port api;
    struct cache *cache;
    time_t started; /* mtime of files whose object carries no stamp */
    pthread_mutex_t pins_lock; /* guards pins and missing */
    struct strmap *pins;       /* object cache key -> struct mtime_pin */
    struct strmap *missing;    /* endpoints this server turned out to lack */
    struct allowed *allowed;   /* the writes this server turned out to lack */
    struct walks *walks;       /* collections stat'ed file by file */
    struct store_observer observer;
    atomic_ulong listings; /* listings filled, to stamp each */
};

/* Lets go of one hold on c (the cache's, or a shared doc's); the last
 * frees it. */
static void cached_free(void *value)
{
    struct cached *c = value;

    if (atomic_fetch_sub(&c->holds, 1) > 1)
        return;
    free(c->doc.text);
    store_names_free(c->names, c->count);
    free(c);
}

struct store *store_new(const struct api_port *api, double ttl_seconds)
{
    struct store *store = calloc(1, sizeof(*store));

    if (!store)
        return NULL;
    store->api = *api;
    store->started = time(NULL);
    pthread_mutex_init(&store->pins_lock, NULL);
    store->cache = cache_new(ttl_seconds, cached_free);
    store->pins = strmap_new(free);
    store->missing = strmap_new(NULL);
    store->allowed = allowed_new();
    store->walks = walks_new();
    if (!store->cache || !store->pins || !store->missing || !store->allowed ||
        !store->walks) {
        store_free(store);
        return NULL;
    }
    return store;
}

void store_free(struct store *store)
{
    if (!store)
        return;
    cache_free(store->cache);
    strmap_free(store->pins);
    strmap_free(store->missing);
    allowed_free(store->allowed);
    walks_free(store->walks);
    pthread_mutex_destroy(&store->pins_lock);
    free(store);
}

void store_observe(struct store *store, const struct store_observer *obs)
{
    store->observer = *obs;
}

void store_forget_all(struct store *store)
{
    cache_forget_all(store->cache);
    pthread_mutex_lock(&store->pins_lock);
    strmap_clear(store->missing); /* servers change too */
    pthread_mutex_unlock(&store->pins_lock);
    allowed_forget_all(store->allowed);
    /* Give the freed text back now, not after the next listing has been
     * built beside it (that would double the peak). */
    malloc_trim(0);
}

unsigned store_verbs(struct store *store, const struct resource_type *res)
{
    return allowed_verbs(store->allowed, res);
}

/* A write refused: a 405 narrows what this row offers from now on. */
static int note_refusal(struct store *store, const struct resource_type *res,
                        unsigned verb, const struct api_error *err, int rc)
{
    if (!rc || !allowed_learn(store->allowed, res, verb, err))
        return rc;
    log_info("%s: this server does not allow %s there (it takes %s); "
             "remembered",
             res->path, allowed_method(verb),
             err->allow[0] ? err->allow : "other methods");
    if (store->observer.modes_changed)
        store->observer.modes_changed(store->observer.ctx);
    return rc;
}

void store_get_cache_stats(struct store *store, struct cache_stats *out)
{
    cache_get_stats(store->cache, out);
}

void doc_clear(struct doc *doc)
{
    if (doc->owner)
        cached_free(doc->owner);
    else
        free(doc->text);
    memset(doc, 0, sizeof(*doc));
}

void *doc_owner_hold(const struct doc *doc)
{
    if (doc->owner)
        atomic_fetch_add(&doc->owner->holds, 1);
    return doc->owner;
}

void doc_owner_release(void *owner)
{
    if (owner)
        cached_free(owner);
}

void store_names_free(char **names, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
}

time_t store_parse_timestamp(const char *stamp)
{
    struct tm tm = { 0 };
    const char *end;

    if (!stamp)
        return -1;
    end = strptime(stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!end)
        return -1;
    if (*end == '.') /* fractional seconds */
        while (*++end >= '0' && *end <= '9')
            ;
    if (*end != 'Z' && *end != '\0')
        return -1;
    return timegm(&tm);
}

/* ---- rendering ---- */

static time_t object_mtime(const struct store *store, const cJSON *obj)
{
    const cJSON *info = cJSON_GetObjectItemCaseSensitive(obj, "_info");
    const cJSON *stamp = cJSON_GetObjectItemCaseSensitive(info, "lastUpdated");
    time_t t = cJSON_IsString(stamp) ? store_parse_timestamp(stamp->valuestring)
                                     : -1;

    return t >= 0 ? t : store->started;
}

static void pin_mtime(struct store *store, const char *cache_key, time_t server,
                      time_t shown)
{
    struct mtime_pin *pin;

    pthread_mutex_lock(&store->pins_lock);
    pin = strmap_get(store->pins, cache_key);
    if (!pin) {
        pin = malloc(sizeof(*pin));
        if (pin && strmap_put(store->pins, cache_key, pin) != 0) {
            free(pin);
            pin = NULL;
        }
    }
    if (pin) {
        pin->server = server;
        pin->shown = shown;
    }
    pthread_mutex_unlock(&store->pins_lock);
}

/* The mtime a file shows: the server's stamp, unless a pin replaces it.
 * A pin whose stamp the server has moved past is dropped. */
static time_t shown_mtime(struct store *store, const char *cache_key,
                          time_t server)
{
    struct mtime_pin *pin;
    time_t shown = server;

    if (!cache_key)
        return server;
    pthread_mutex_lock(&store->pins_lock);
    pin = strmap_get(store->pins, cache_key);
    if (pin && pin->server == server)
        shown = pin->shown;
    else if (pin)
        strmap_remove(store->pins, cache_key);
    pthread_mutex_unlock(&store->pins_lock);
    return shown;
}

/* Exact integers only: doubles hold every integer up to 2^53. */
#define MAX_ADDRESSABLE_ID 9007199254740992.0

char *store_object_id(const cJSON *obj)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(obj, "id");
    char buf[32];

    if (!cJSON_IsNumber(id) || id->valuedouble < 1 ||
        id->valuedouble > MAX_ADDRESSABLE_ID ||
        id->valuedouble != (double)(long long)id->valuedouble)
        return NULL;
    snprintf(buf, sizeof(buf), "%lld", (long long)id->valuedouble);
    return strdup(buf);
}

static bool id_addressable(const cJSON *obj)
{
    char *id = store_object_id(obj);
    bool ok = id != NULL;

    free(id);
    return ok;
}

/* A new value for the cache, held once (by whoever stores it). */
static struct cached *cached_new(int kind)
{
    struct cached *c = calloc(1, sizeof(*c));

    if (c) {
        atomic_init(&c->holds, 1);
        c->kind = kind;
        c->doc.fetched = time(NULL); /* made as the answer arrives */
    }
    return c;
}

/* A cached document of text already rendered (taken over, NULL: no
 * memory).  json is the object, or at least its id and _info members. */
static struct cached *cached_doc_of(struct store *store, const cJSON *json,
                                    char *text, size_t len,
                                    const char *cache_key)
{
    struct cached *c = text ? cached_new(CACHED_DOC) : NULL;

    if (!c) {
        free(text);
        return NULL;
    }
    /* Objects only (singletons have no cache key here). */
    c->doc.read_only = cache_key && !id_addressable(json);
    c->doc.text = text;
    c->doc.len = len;
    c->doc.mtime = shown_mtime(store, cache_key, object_mtime(store, json));
    c->doc.print = reads_fingerprint(text, len);
    return c;
}

static struct cached *cached_doc_from(struct store *store, const cJSON *json,
                                      const char *cache_key)
{
    size_t len = 0;
    char *text = render_json(json, &len);

    return cached_doc_of(store, json, text, len, cache_key);
}

/* An object's key as text: the identifier, or the id in decimal; in a
 * duplicates view, "<encoded identifier>%23id<id>" (see names.h). */
static char *object_key(const struct resource_type *res, const cJSON *obj)
{
    const cJSON *field = cJSON_GetObjectItemCaseSensitive(obj, res->key_field);
    char *key = NULL, *id, *stem;

    if (cJSON_IsString(field) && field->valuestring[0])
        key = strdup(field->valuestring);
    else if (cJSON_IsNumber(field) && strcmp(res->key_field, "id") == 0)
        key = store_object_id(obj);
    else if (res->duplicates)
        key = strdup(""); /* named by id alone (names.h) */
    if (!key || !res->duplicates)
        return key;
    id = store_object_id(obj);
    stem = id ? name_duplicate_stem(key, id) : NULL;
    free(id);
    free(key);
    return stem;
}

/* The file a key names. */
static char *file_name(const struct resource_type *res, const char *key)
{
    char *name;

    if (!res->duplicates)
        return name_for_key(key);
    return asprintf(&name, "%s.json", key) < 0 ? NULL : name;
}

/* What follows the endpoint in an object's URL: its key, or for one in a
 * duplicates view its id. */
static char *key_segment(const struct resource_type *res, const char *key)
{
    char *raw = res->duplicates ? name_duplicate_id(key) : strdup(key);
    char *escaped = raw ? api_escape_segment(raw) : NULL;

    free(raw);
    return escaped;
}

/* Tells the observer that res's object key now holds c's text. */
static void observe_object(struct store *store, const struct resource_type *res,
                           const char *key, const struct cached *c)
{
    char *name, *path = NULL;

    if (!store->observer.object_filled || !c || res->reports ||
        strchr(res->path, '{'))
        return; /* no observer, or not a file of its own at <path>/<name> */
    name = file_name(res, key);
    if (name && asprintf(&path, "/%s/%s", res->path, name) >= 0) {
        store->observer.object_filled(store->observer.ctx, path, &c->doc);
        free(path);
    }
    free(name);
}

/* ---- cache keys ----
 * One constructor spells every key: the kind of entry, its row, and for
 * objects the key.  Listings are filed under their row's tag, so a write
 * forgets every listing (and count, and query) it makes stale. */

enum entry_type { ENTRY_SINGLETON, ENTRY_OBJECT, ENTRY_LISTING };
/* (Files derived from one GET are keyed "get:<path>": see store_derived.) */

/* Room for "list:" or "dup:", an endpoint and a NAME_ENCODED_MAX key. */
#define CACHE_KEY_MAX 512

struct cache_key {
    char text[CACHE_KEY_MAX];
};

static int make_key(struct cache_key *out, enum entry_type type,
                    const struct resource_type *res, const char *key)
{
    static const char *const prefix[] = { "one", "obj", "list" };
    const char *p = type == ENTRY_OBJECT && res->duplicates ? "dup"
                                                            : prefix[type];
    int n = snprintf(out->text, sizeof(out->text), "%s:%s%s%s", p,
                     res->endpoint, key ? "/" : "", key ? key : "");

    return n < 0 || (size_t)n >= sizeof(out->text) ? -ENAMETOOLONG : 0;
}

/* After a write to res: forget what it makes stale. */
static void forget_stale(struct store *store, const struct resource_type *res)
{
    const char *p = res->invalidates;
    char tag[64];

    cache_forget_tag(store->cache, resource_tag(res));
    for (p = p ? p + strspn(p, " ") : ""; *p; p += strspn(p, " ")) {
        size_t len = strcspn(p, " ");
        snprintf(tag, sizeof(tag), "%.*s", (int)len, p);
        cache_forget_tag(store->cache, tag);
        p += len;
    }
}

/* ---- use callbacks: copy out of the cache under its lock ---- */

struct doc_request {
    bool want_text;
    struct doc *out;
    bool share; /* with want_text: hold the cache's text, no copy */
};

static int copy_doc(void *ctx, const void *value)
{
    struct doc_request *req = ctx;
    const struct cached *c = value;

    req->out->len = c->doc.len;
    req->out->mtime = c->doc.mtime;
    req->out->read_only = c->doc.read_only;
    req->out->print = c->doc.print;
    req->out->fetched = c->doc.fetched;
    req->out->text = NULL;
    req->out->owner = NULL;
    if (req->want_text && req->share) {
        struct cached *held = (struct cached *)c; /* holds is atomic */
        atomic_fetch_add(&held->holds, 1);
        req->out->text = c->doc.text;
        req->out->owner = held;
    } else if (req->want_text) {
        req->out->text = malloc(c->doc.len + 1);
        if (!req->out->text)
            return -ENOMEM;
        memcpy(req->out->text, c->doc.text, c->doc.len + 1);
    }
    return 0;
}

struct names_request {
    char ***names;
    size_t *count;
    unsigned long *stamp;
};

static int copy_names(void *ctx, const void *value)
{
    struct names_request *req = ctx;
    const struct cached *c = value;
    char **copy = calloc(c->count ? c->count : 1, sizeof(*copy));

    if (!copy)
        return -ENOMEM;
    for (size_t i = 0; i < c->count; i++) {
        copy[i] = strdup(c->names[i]);
        if (!copy[i]) {
            store_names_free(copy, i);
            return -ENOMEM;
        }
    }
    *req->names = copy;
    *req->count = c->count;
    if (req->stamp)
        *req->stamp = c->stamp;
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int find_name(void *ctx, const void *value)
{
    const struct cached *c = value;
    const char *name = ctx;

    return bsearch(&name, c->names, c->count, sizeof(char *), cmp_names)
               ? 0
               : -ENOENT;
}

/* ---- fills: run on a miss, outside the cache lock ---- */

/* Reports a failed fetch (absence is not a failure worth a line). */
static int report(int rc, const char *what, const struct api_error *err)
{
    if (rc && rc != -ENOENT)
        log_warn("%s: %s", what, err->message);
    return rc;
}

struct fill_ctx {
    struct store *store;
    const struct resource_type *res;
    const char *key;
};

/* An endpoint that always exists answered 404: the codebase may have
 * moved (cloud releases move it); true when it did, to ask again. */
static bool relocated(struct store *store, const struct resource_type *res,
                      int rc)
{
    return rc == -ENOENT && !res->optional && store->api.relocate &&
           store->api.relocate(store->api.ctx) == 1;
}

/* A missing endpoint is absent for optional rows, an error for others
 * (a row that must always be there). */
static int missing(const struct resource_type *res, int rc)
{
    return rc == -ENOENT && !res->optional ? -EIO : rc;
}

/* The row's alternative route: GET via, then alternative with its id. */
static int fetch_alternative(struct store *store,
                             const struct resource_type *res, cJSON **json,
                             struct api_error *err)
{
    cJSON *who = NULL;
    char *id, *path = NULL;
    int rc = store->api.get(store->api.ctx, res->via, &who, err);

    id = rc ? NULL : store_object_id(who);
    if (rc == 0 && !id)
        rc = -ENOENT; /* the server cannot say who the caller is */
    if (rc == 0)
        path = path_with_id(res->alternative, id);
    if (rc == 0)
        rc = path ? store->api.get(store->api.ctx, path, json, err) : -ENOMEM;
    free(path);
    free(id);
    cJSON_Delete(who);
    return rc;
}

/* A singleton's answer: from its endpoint, or where the server has none,
 * from the route the row names instead (remembered once learnt). */
static int fetch_singleton(struct store *store, const struct resource_type *res,
                           cJSON **json, struct api_error *err)
{
    bool known_missing;
    int rc = -ENOENT;

    pthread_mutex_lock(&store->pins_lock);
    known_missing = strmap_get(store->missing, res->endpoint) != NULL;
    pthread_mutex_unlock(&store->pins_lock);
    if (!known_missing)
        rc = res->list_endpoint
                 ? store->api.get_all(store->api.ctx, res->endpoint, json, err)
                 : store->api.get(store->api.ctx, res->endpoint, json, err);
    if (rc != -ENOENT || !res->via)
        return rc;
    if (!known_missing) {
        log_info("%s: this server has no %s; asking %s instead", res->path + 1,
                 res->endpoint, res->alternative);
        pthread_mutex_lock(&store->pins_lock);
        strmap_put(store->missing, res->endpoint, store);
        pthread_mutex_unlock(&store->pins_lock);
    }
    return fetch_alternative(store, res, json, err);
}

static int fill_singleton(void *ctx, const char *cache_key, void **value)
{
    struct fill_ctx *f = ctx;
    struct api_error err = { 0 };
    cJSON *json = NULL;
    int rc;

    (void)cache_key;
    rc = fetch_singleton(f->store, f->res, &json, &err);
    if (relocated(f->store, f->res, rc))
        rc = fetch_singleton(f->store, f->res, &json, &err);
    if (report(rc, f->res->path, &err))
        return missing(f->res, rc);
    *value = cached_doc_from(f->store, json, NULL);
    cJSON_Delete(json);
    return *value ? 0 : -ENOMEM;
}

/* One page of a report (pages from 1); 0 with *rows appended to, or
 * -errno.  *more: the page was full, so another may follow. */
static int report_page(struct store *store, const char *path, int page,
                       cJSON *rows, bool *more, struct api_error *err)
{
    char query[64];
    char *url = NULL;
    cJSON *answer = NULL;
    int n = -1, rc;

    snprintf(query, sizeof(query), "%cpage=%d&pageSize=%d",
             strchr(path, '?') ? '&' : '?', page, store->api.page_size);
    if (asprintf(&url, "%s%s", path, query) < 0)
        return -ENOMEM;
    rc = store->api.get(store->api.ctx, url, &answer, err);
    if (rc == 0)
        n = report_append_rows(rows, answer);
    if (rc == 0 && n < 0) {
        snprintf(err->message, sizeof(err->message),
                 "GET %s: the answer is not a report", path);
        rc = -EIO;
    }
    *more = n == store->api.page_size;
    cJSON_Delete(answer);
    free(url);
    return rc;
}

/* A report's rows, every page of them. */
static int fetch_report(struct store *store, const char *path, cJSON **json,
                        struct api_error *err)
{
    cJSON *rows = cJSON_CreateArray();
    bool more = true;
    int rc = rows ? 0 : -ENOMEM;

    for (int page = 1; rc == 0 && more; page++)
        rc = report_page(store, path, page, rows, &more, err);
    if (rc)
        cJSON_Delete(rows);
    else
        *json = rows;
    return rc;
}

static int fill_report(struct fill_ctx *f, const char *path, void **value)
{
    struct api_error err = { 0 };
    cJSON *rows = NULL;
    int rc = report(fetch_report(f->store, path, &rows, &err), path, &err);

    if (rc)
        return rc;
    *value = cached_doc_from(f->store, rows, NULL);
    cJSON_Delete(rows);
    return *value ? 0 : -ENOMEM;
}

static int fill_object(void *ctx, const char *cache_key, void **value)
{
    struct fill_ctx *f = ctx;
    struct api_error err = { 0 };
    char *escaped = key_segment(f->res, f->key), *path = NULL, *key = NULL;
    cJSON *json = NULL;
    int rc = -ENOMEM;

    if (!escaped || asprintf(&path, "%s/%s", f->res->endpoint, escaped) < 0)
        goto out;
    if (f->res->reports) {
        rc = fill_report(f, path, value);
        goto out;
    }
    rc = report(f->store->api.get(f->store->api.ctx, path, &json, &err), path,
                &err);
    if (rc)
        goto out;
    if (!cJSON_IsObject(json))
        log_warn("%s: the server's answer is not an object; the file is "
                 "absent",
                 path);
    /* The server matches identifiers case-insensitively; a file name is
     * exact, so "ADMIN.json" must not alias "admin.json". */
    key = object_key(f->res, json);
    if (!key || strcmp(key, f->key) != 0) {
        rc = -ENOENT;
        goto out;
    }
    *value = cached_doc_from(f->store, json, cache_key);
    rc = *value ? 0 : -ENOMEM;
    observe_object(f->store, f->res, f->key, *value);
out:
    cJSON_Delete(json);
    free(key);
    free(path);
    free(escaped);
    return rc;
}

/* A listed report's file name (reports are fetched only when read, so
 * the listing primes nothing). */
static char *report_name(const struct resource_type *res, const cJSON *item)
{
    char *key = object_key(res, item);
    char *name = key ? file_name(res, key) : NULL;

    free(key);
    return name;
}

/* ---- listings, page by page ----
 * Each page's objects are rendered as the page arrives (while later pages
 * are still being fetched), and its JSON freed at once: a big listing is
 * never whole in memory as JSON.  Filing waits for the last page: only
 * then is it known which objects share a key (and so what their files are
 * named). */

/* Most threads rendering one page of a listing at once. */
#define LISTING_THREADS 4

/* One listed object, rendered. */
struct listed {
    bool unreadable;     /* not JSON cwmfs can read (nested too deep) */
    char *key;           /* its key in the row; NULL: it cannot be named */
    char *id;            /* NULL when it names none */
    time_t server_mtime; /* from its _info */
    struct cached *doc;  /* rendered under its plain key */
    char *name;          /* reports (named only, never rendered) */
};

/* A listing's objects, rendered, in the server's order (pages are handed
 * over in order: api_page_fn). */
struct listing_build {
    struct store *store;
    const struct resource_type *res;
    struct listed *rows;
    size_t count, cap;
};

static void listed_clear(struct listed *l)
{
    free(l->key);
    free(l->id);
    free(l->name);
    if (l->doc)
        cached_free(l->doc);
    memset(l, 0, sizeof(*l));
}

static void build_clear(struct listing_build *b)
{
    for (size_t i = 0; i < b->count; i++)
        listed_clear(&b->rows[i]);
    free(b->rows);
    b->rows = NULL;
    b->count = b->cap = 0;
}

/* Names one listed item and files its text (taken over; NULL: render
 * it from json, the whole item then); json holds at least the members
 * that name it.  -ENOMEM, or 0 (an unnameable item is kept, keyless, to
 * be reported when filed). */
static int name_listed(struct store *store, const struct resource_type *res,
                       const cJSON *json, char *text, size_t len,
                       struct listed *out)
{
    struct cache_key ckey;

    if (res->reports) {
        out->name = report_name(res, json);
        free(text);
        return 0;
    }
    out->key = object_key(res, json);
    out->id = store_object_id(json);
    if (!out->key && out->id && resource_duplicates(res))
        out->key = strdup(""); /* named by id alone (named_by_id) */
    out->server_mtime = object_mtime(store, json);
    if (out->key) {
        /* A key too long for a cache key is too long for a name: the
         * file is named by id, and has no mtime pin to look up. */
        if (make_key(&ckey, ENTRY_OBJECT, res, out->key) != 0)
            make_key(&ckey, ENTRY_OBJECT, res, NULL);
        if (!text)
            text = render_json(json, &len);
        out->doc = cached_doc_of(store, json, text, len, ckey.text);
        return out->doc ? 0 : -ENOMEM;
    }
    free(text);
    return 0;
}

/* Renders one listed item from its text: straight from the bytes with
 * jsontext where it can (the usual case), else through a cJSON tree,
 * which also tells what is not JSON (-EIO). */
static int render_listed(struct store *store, const struct resource_type *res,
                         const struct json_span *item, struct listed *out)
{
    const char *naming[] = { res->key_field, "id", "_info", NULL };
    size_t len = 0;
    cJSON *json = NULL;
    char *text = NULL;
    int rc;

    if (res->reports)
        json = jsontext_pick(item->start, item->len, naming);
    else
        text = jsontext_pretty_pick(item->start, item->len, naming, &json,
                                    &len);
    if (!json) {
        free(text);
        text = NULL;
        json = render_parse(item->start, item->len);
        /* The page split, so it is JSON, but not JSON cJSON takes (nested
         * deeper than CJSON_NESTING_LIMIT): skipped, not the whole list. */
        out->unreadable = !json;
        if (!json)
            return 0;
    }
    rc = name_listed(store, res, json, text, len, out);
    cJSON_Delete(json);
    return rc;
}

/* A share of a page's items, rendered by one thread into its rows. */
struct render_share {
    struct listing_build *b;
    const struct json_span *items;
    struct listed *rows;
    size_t count;
    int rc;
};

static void *render_share(void *arg)
{
    struct render_share *s = arg;

    for (size_t i = 0; s->rc == 0 && i < s->count; i++)
        s->rc = render_listed(s->b->store, s->b->res, &s->items[i],
                              &s->rows[i]);
    return NULL;
}

static void rows_free(struct listed *rows, size_t count)
{
    for (size_t i = 0; rows && i < count; i++)
        listed_clear(&rows[i]);
    free(rows);
}

/* Renders a page's items into rows (zeroed).  Rendering is most of a cold
 * listing's work, and a page may be all there is: the items are shared
 * out over up to LISTING_THREADS threads, one per core.  Each item is
 * rendered alone, so any split is the same. */
static int render_page(struct listing_build *b, const struct api_page *page,
                       struct listed *rows)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    size_t shares = cores < 1 ? 1 : (size_t)cores, started = 0;
    struct render_share share[LISTING_THREADS];
    pthread_t tid[LISTING_THREADS];
    int rc = 0;

    if (shares > LISTING_THREADS)
        shares = LISTING_THREADS;
    if (page->count < 64 * shares) /* not worth a thread */
        shares = 1;
    for (size_t i = 0; i < shares; i++) {
        size_t from = page->count * i / shares;
        size_t to = page->count * (i + 1) / shares;
        share[i] = (struct render_share){ b, page->items + from, rows + from,
                                          to - from, 0 };
    }
    /* Share 0 is this thread's; a thread not to be had leaves its share
     * here too. */
    for (size_t i = 1; i < shares; i++, started++)
        if (pthread_create(&tid[i], NULL, render_share, &share[i]) != 0)
            break;
    render_share(&share[0]);
    for (size_t i = started + 1; i < shares; i++)
        render_share(&share[i]);
    for (size_t i = 1; i <= started; i++)
        pthread_join(tid[i], NULL);
    for (size_t i = 0; i < shares; i++)
        rc = rc ? rc : share[i].rc;
    return rc;
}

/* api_page_taker: a page's items rendered into rows, while other pages
 * are still on their way. */
static int prepare_listed_page(void *ctx, struct api_page *page)
{
    struct listed *rows = calloc(page->count ? page->count : 1, sizeof(*rows));
    int rc = rows ? render_page(ctx, page, rows) : -ENOMEM;

    if (rc)
        rows_free(rows, page->count);
    else
        page->prepared = rows;
    return rc;
}

/* api_page_taker: a page's rows put after those of the pages before. */
static int take_listed_page(void *ctx, struct api_page *page)
{
    struct listing_build *b = ctx;
    struct listed *rows;

    if (page->count == 0) /* an empty list: b->rows may be NULL */
        return 0;
    rows = array_reserve(b->rows, &b->cap, b->count + page->count,
                         sizeof(*rows));
    if (!rows)
        return -ENOMEM;
    b->rows = rows;
    memcpy(&b->rows[b->count], page->prepared, page->count * sizeof(*rows));
    b->count += page->count;
    free(page->prepared); /* its rows are b's now */
    page->prepared = NULL;
    return 0;
}

static void discard_listed_page(void *ctx, struct api_page *page)
{
    (void)ctx;
    rows_free(page->prepared, page->count);
}

/* Fetches every page of res into b (emptied first); 0 or -errno. */
static int fetch_listing(struct store *store, const struct resource_type *res,
                         struct listing_build *b, struct api_error *err)
{
    struct api_page_taker taker = { prepare_listed_page, take_listed_page,
                                    discard_listed_page, b };

    build_clear(b);
    return store->api.each_page(store->api.ctx, res->endpoint, &taker, err);
}

struct keyed_item {
    const char *key;
    size_t index;
};

static int cmp_keyed(const void *a, const void *b)
{
    const struct keyed_item *x = a, *y = b;

    if (!x->key || !y->key)
        return (x->key != NULL) - (y->key != NULL);
    return strcmp(x->key, y->key);
}

/* Whether listed object l's key cannot be a file name of its own, being
 * empty (the object has none) or too long: it is then named by key and id
 * too, the key cut to fit (names.h). */
static bool named_by_id(const struct resource_type *res, const struct listed *l)
{
    char what[64];

    if (!l->key || !l->id || (l->key[0] && name_fits(l->key)))
        return false;
    snprintf(what, sizeof(what), "by id %s %s", res->path, l->id);
    if (!l->key[0])
        log_once(LOG_LVL_WARN, what,
                 "%s: the object of id %s has no %s; its file is %%23id%s.json",
                 res->endpoint, l->id, res->key_field, l->id);
    else
        log_once(LOG_LVL_WARN, what,
                 "%s: the %s of id %s is %zu bytes, too long for a file name; "
                 "its file is <%s cut short>%%23id%s.json",
                 res->endpoint, res->key_field, l->id, strlen(l->key),
                 res->key_field, l->id);
    return true;
}

/* Which listed objects share their key with another, or have one too long
 * for a name: those are named by key and id (see names.h), so each stays
 * reachable.  Returns a malloc'd array of n flags (all false where res has
 * no duplicates view), or NULL. */
static bool *shared_keys(const struct resource_type *res,
                         const struct listed *rows, size_t n)
{
    struct keyed_item *k = calloc(n ? n : 1, sizeof(*k));
    bool *shared = calloc(n ? n : 1, sizeof(*shared));
    size_t i;

    if (!k || !shared || !resource_duplicates(res)) {
        free(k);
        return shared;
    }
    for (i = 0; i < n; i++) {
        k[i].key = rows[i].key;
        k[i].index = i;
    }
    qsort(k, n, sizeof(*k), cmp_keyed);
    for (i = 1; i < n; i++)
        if (k[i].key && cmp_keyed(&k[i - 1], &k[i]) == 0) {
            if (!shared[k[i].index])
                log_warn("%s: more than one object has the %s %s; each is "
                         "named <%s>%%23id<id>.json",
                         res->endpoint, res->key_field, k[i].key,
                         res->key_field);
            shared[k[i - 1].index] = shared[k[i].index] = true;
        }
    for (i = 0; i < n; i++)
        if (!shared[i] && named_by_id(res, &rows[i]))
            shared[i] = true;
    free(k);
    return shared;
}

/* Files one listed object in the object cache (taking its rendering);
 * returns its file name, or NULL for an object that cannot be a file. */
static char *file_listed(struct store *store, const struct resource_type *res,
                         struct listed *l, bool shared, unsigned long version)
{
    const struct resource_type *view = shared ? resource_duplicates(res) : res;
    char *stem = shared && l->key && l->id ? name_duplicate_stem(l->key, l->id)
                                           : NULL;
    const char *key = shared ? stem : l->key;
    char *name = key ? file_name(view, key) : NULL;
    struct cached *c = l->doc;
    struct cache_key ckey;

    l->doc = NULL;
    if (c && name && make_key(&ckey, ENTRY_OBJECT, view, key) == 0) {
        if (shared) /* rendered under the plain key: pins follow the view */
            c->doc.mtime = shown_mtime(store, ckey.text, l->server_mtime);
        if (c->doc.read_only)
            log_warn("%s/%s: its id is not a whole number the API can "
                     "address; the file is read-only",
                     view->endpoint, key);
        observe_object(store, view, key, c);
        /* Takes c, freeing it if the key holds newer data: an object saved
         * since this listing was asked for keeps its answer. */
        cache_put_versioned(store->cache, ckey.text, c, version);
        c = NULL;
    } else {
        free(name);
        name = NULL;
    }
    if (c)
        cached_free(c);
    free(stem);
    return name;
}

/* Two listed objects with one file name (one id listed twice) would be
 * one file listed twice: list the name once and say so. */
static void drop_duplicate_names(const struct resource_type *res,
                                 struct cached *c)
{
    size_t kept = 0;

    for (size_t i = 0; i < c->count; i++) {
        if (kept && strcmp(c->names[kept - 1], c->names[i]) == 0) {
            log_warn("%s: more than one object has the %s of %s; the file "
                     "shows the last one listed",
                     res->endpoint, res->key_field, c->names[i]);
            free(c->names[i]);
            continue;
        }
        c->names[kept++] = c->names[i];
    }
    c->count = kept;
}

/* Listed items that are no file, by why: one line says it all. */
struct skipped {
    size_t unreadable, unnamed;
};

static void note_skipped(struct skipped *s, const struct listed *l)
{
    if (l->unreadable)
        s->unreadable++;
    else
        s->unnamed++;
}

/* Said once for as long as the counts stay the same. */
static void say_skipped(const struct resource_type *res,
                        const struct skipped *s)
{
    char what[128];

    if (!s->unreadable && !s->unnamed)
        return;
    snprintf(what, sizeof(what), "skipped %s %zu %zu", res->path, s->unreadable,
             s->unnamed);
    log_once(LOG_LVL_WARN, what,
             "%s: %zu listed items are not files: %zu not JSON cwmfs reads "
             "(nested too deep), %zu not objects with an id or %s",
             res->endpoint, s->unreadable + s->unnamed, s->unreadable,
             s->unnamed, res->key_field);
}

/* The listing of b's objects, filing each in the object cache. */
static struct cached *file_listing(struct listing_build *b,
                                   unsigned long version)
{
    struct cached *c = cached_new(CACHED_LISTING);
    bool *shared = c ? shared_keys(b->res, b->rows, b->count) : NULL;
    struct skipped skipped = { 0 };

    if (c && shared)
        c->names = calloc(b->count + 1, sizeof(char *));
    if (!c || !shared || !c->names) {
        if (c)
            free(c->names);
        free(c);
        free(shared);
        return NULL;
    }
    c->items = b->count;
    for (size_t i = 0; i < b->count; i++) {
        struct listed *l = &b->rows[i];
        char *name = l->name;
        l->name = NULL;
        if (!b->res->reports)
            name = file_listed(b->store, b->res, l, shared[i], version);
        if (name)
            c->names[c->count++] = name;
        else
            note_skipped(&skipped, l);
    }
    free(shared);
    say_skipped(b->res, &skipped);
    qsort(c->names, c->count, sizeof(char *), cmp_names);
    drop_duplicate_names(b->res, c);
    return c;
}

static int fill_listing(void *ctx, const char *cache_key, void **value)
{
    struct fill_ctx *f = ctx;
    struct listing_build b = { .store = f->store, .res = f->res };
    struct api_error err = { 0 };
    unsigned long version = cache_version(f->store->cache);
    int rc = 0;

    /* A server that cannot list these (a real one's tokens, 405): an
     * empty listing, beside which the mount shows what it made itself. */
    if (allowed_verbs(f->store->allowed, f->res) & VERB_GET) {
        rc = fetch_listing(f->store, f->res, &b, &err);
        if (relocated(f->store, f->res, rc))
            rc = fetch_listing(f->store, f->res, &b, &err);
        note_refusal(f->store, f->res, VERB_GET, &err, rc);
    }
    if (!(allowed_verbs(f->store->allowed, f->res) & VERB_GET)) {
        build_clear(&b);
        rc = 0;
    }
    if (report(rc, f->res->path, &err)) {
        rc = missing(f->res, rc);
    } else {
        struct cached *c = file_listing(&b, version);
        if (c)
            c->stamp = atomic_fetch_add(&f->store->listings, 1) + 1;
        walks_listed(f->store->walks, cache_key);
        *value = c;
        rc = c ? 0 : -ENOMEM;
    }
    build_clear(&b);
    /* A big listing parses megabytes that are freed again: give them back
     * rather than leave them in this thread's malloc arena. */
    malloc_trim(0);
    return rc;
}

/* ---- public operations ---- */

int store_singleton(struct store *store, const struct resource_type *res,
                    bool want_text, struct doc *out)
{
    struct fill_ctx f = { store, res, NULL };
    struct doc_request req = { want_text, out, false };
    struct cache_key ckey;
    int rc = make_key(&ckey, ENTRY_SINGLETON, res, NULL);

    if (rc)
        return rc;
    return cache_get(store->cache, ckey.text, NULL, fill_singleton, &f,
                     copy_doc, &req);
}

int store_singleton_cached(struct store *store, const struct resource_type *res,
                           struct doc *out)
{
    struct doc_request req = { false, out, false };
    struct cache_key ckey;
    int rc = make_key(&ckey, ENTRY_SINGLETON, res, NULL);

    return rc ? rc : cache_peek(store->cache, ckey.text, copy_doc, &req);
}

int store_object_cached(struct store *store, const struct resource_type *res,
                        const char *key, struct doc *out)
{
    struct doc_request req = { false, out, false };
    struct cache_key okey;
    int rc = make_key(&okey, ENTRY_OBJECT, res, key);

    return rc ? rc : cache_peek(store->cache, okey.text, copy_doc, &req);
}

int store_object_held(struct store *store, const struct resource_type *res,
                      const char *key, struct doc *out)
{
    struct doc_request req = { true, out, false };
    struct cache_key okey;
    int rc = make_key(&okey, ENTRY_OBJECT, res, key);

    return rc ? rc : cache_peek_held(store->cache, okey.text, copy_doc, &req);
}

int store_has_listing(struct store *store, const struct resource_type *res)
{
    struct fill_ctx f = { store, res, NULL };
    struct cache_key lkey;
    int rc = make_key(&lkey, ENTRY_LISTING, res, NULL);

    if (rc == 0)
        rc = cache_get(store->cache, lkey.text, resource_tag(res), fill_listing,
                       &f, NULL, NULL);
    return rc;
}

int store_listed(struct store *store, const struct resource_type *res,
                 const char *key)
{
    struct fill_ctx f = { store, res, NULL };
    struct cache_key lkey;
    char *name = file_name(res, key);
    int rc = name ? make_key(&lkey, ENTRY_LISTING, res, NULL) : -ENOMEM;

    if (rc == 0)
        rc = cache_get(store->cache, lkey.text, resource_tag(res), fill_listing,
                       &f, find_name, name);
    free(name);
    return rc;
}

/* A stat that missed its object in a collection being walked (walks.h):
 * answered from a new listing, true, with *rc set; false when the object
 * is to be asked for alone (not walked, not listable, not listed). */
static bool relisted(struct store *store, const struct resource_type *res,
                     const char *listing, char *name, const char *object,
                     struct doc_request *req, int *rc)
{
    struct fill_ctx f = { store, res, NULL };

    /* A duplicates view shares its collection's listing, filled as the
     * collection, not as the view. */
    if (res->duplicates || res->reports || res->kind != RES_COLLECTION ||
        !(allowed_verbs(store->allowed, res) & VERB_GET) ||
        !walks_missed(store->walks, listing))
        return false;
    *rc = cache_get(store->cache, listing, resource_tag(res), fill_listing, &f,
                    find_name, name);
    if (*rc == 0)
        *rc = cache_peek(store->cache, object, copy_doc, req);
    return *rc == 0 || *rc == -ENOENT;
}

static int get_object(struct store *store, const struct resource_type *res,
                      const char *key, struct doc_request req)
{
    struct fill_ctx f = { store, res, key };
    struct cache_key okey, lkey;
    char *name;
    int rc = make_key(&okey, ENTRY_OBJECT, res, key);

    if (rc)
        return rc == -ENAMETOOLONG ? -ENOENT : rc;
    /* Every open comes here, and every stat the kernel has not kept: a hit
     * costs one key and one lookup, nothing more. */
    rc = cache_peek(store->cache, okey.text, copy_doc, &req);
    if (rc != -EAGAIN)
        return rc;
    name = file_name(res, key);
    if (!name || make_key(&lkey, ENTRY_LISTING, res, NULL) != 0)
        rc = -ENOMEM;
    /* A fresh listing that lacks the name answers without a request. */
    else if (cache_peek(store->cache, lkey.text, find_name, name) == -ENOENT)
        rc = -ENOENT;
    else if (req.want_text ||
             !relisted(store, res, lkey.text, name, okey.text, &req, &rc))
        rc = cache_get(store->cache, okey.text, NULL, fill_object, &f, copy_doc,
                       &req);
    free(name);
    return rc;
}

int store_object(struct store *store, const struct resource_type *res,
                 const char *key, bool want_text, struct doc *out)
{
    struct doc_request req = { want_text, out, false };

    return get_object(store, res, key, req);
}

int store_object_shared(struct store *store, const struct resource_type *res,
                        const char *key, struct doc *out)
{
    struct doc_request req = { true, out, true };

    return get_object(store, res, key, req);
}

int store_list(struct store *store, const struct resource_type *res,
               char ***names, size_t *count, unsigned long *stamp)
{
    struct fill_ctx f = { store, res, NULL };
    struct names_request req = { names, count, stamp };
    struct cache_key lkey;
    int rc = make_key(&lkey, ENTRY_LISTING, res, NULL);

    if (rc)
        return rc;
    return cache_get(store->cache, lkey.text, resource_tag(res), fill_listing,
                     &f, copy_names, &req);
}

/* ---- writes ---- */

static char *object_path(const struct resource_type *res, const char *id)
{
    char *escaped = api_escape_segment(id), *path = NULL;

    if (escaped && asprintf(&path, "%s/%s", res->endpoint, escaped) < 0)
        path = NULL;
    free(escaped);
    return path;
}

/* Caches the server's answer under its key; the listing is forgotten when
 * the set of names may have changed. */
static int remember_answer(struct store *store, const struct resource_type *res,
                           const cJSON *answer, const char *old_key,
                           time_t shown, char **key_out)
{
    char *key = object_key(res, answer);
    struct cache_key okey;
    struct cached *c;
    int rc = -ENOMEM;

    if (!key && !old_key && res->keep_answer) {
        forget_stale(store, res); /* a token: its file keeps the answer */
        if (key_out)
            *key_out = NULL;
        return 0;
    }
    if (!key) {
        key = old_key ? strdup(old_key) : NULL;
        log_warn("%s: the server's answer names no %s", res->endpoint,
                 res->key_field);
    }
    if (key && make_key(&okey, ENTRY_OBJECT, res, key) == 0) {
        if (shown)
            pin_mtime(store, okey.text, object_mtime(store, answer), shown);
        c = cached_doc_from(store, answer, okey.text);
        observe_object(store, res, key, c);
        if (c)
            rc = cache_put(store->cache, okey.text, c);
    }
    if (old_key && (!key || strcmp(old_key, key) != 0) &&
        make_key(&okey, ENTRY_OBJECT, res, old_key) == 0)
        cache_put(store->cache, okey.text, NULL); /* that name is gone */
    forget_stale(store, res);
    if (key_out && rc == 0)
        *key_out = key;
    else
        free(key);
    return rc;
}

int store_fetch_fresh(struct store *store, const struct resource_type *res,
                      const char *id, cJSON **out, struct api_error *err)
{
    char *path = object_path(res, id);
    int rc;

    *out = NULL;
    if (!path)
        return -ENOMEM;
    rc = store->api.get(store->api.ctx, path, out, err);
    free(path);
    return rc;
}

int store_update(struct store *store, const struct resource_type *res,
                 const char *old_key, const char *id, const char *method,
                 const cJSON *body, time_t shown, cJSON **answer_out,
                 struct api_error *err)
{
    char *path = object_path(res, id);
    cJSON *answer = NULL;
    int rc;

    *answer_out = NULL;
    if (!path)
        return -ENOMEM;
    rc = store->api.send(store->api.ctx, method, path, body, &answer, err);
    note_refusal(store, res, strcmp(method, "PUT") ? VERB_PATCH : VERB_PUT, err,
                 rc);
    if (rc == 0 && !cJSON_IsObject(answer)) {
        snprintf(err->message, sizeof(err->message),
                 "%s %s: the answer is not an object", method, path);
        rc = -EIO;
    }
    if (rc == 0)
        rc = remember_answer(store, res, answer, old_key, shown, NULL);
    if (rc == 0)
        *answer_out = answer;
    else
        cJSON_Delete(answer);
    free(path);
    return rc;
}

int store_create(struct store *store, const struct resource_type *res,
                 const cJSON *body, time_t shown, char **new_key,
                 cJSON **answer_out, struct api_error *err)
{
    cJSON *answer = NULL;
    int rc = note_refusal(store, res, VERB_POST, err,
                          store->api.send(store->api.ctx, "POST", res->endpoint,
                                          body, &answer, err));

    *new_key = NULL;
    if (rc == 0 && !cJSON_IsObject(answer)) {
        snprintf(err->message, sizeof(err->message),
                 "POST %s: the answer is not an object", res->endpoint);
        rc = -EIO;
    }
    if (rc == 0)
        rc = remember_answer(store, res, answer, NULL, shown, new_key);
    if (rc == 0 && answer_out)
        *answer_out = answer;
    else
        cJSON_Delete(answer);
    return rc;
}

int store_act(struct store *store, const struct resource_type *res,
              const char *key, const char *id, const cJSON *body,
              struct api_error *err)
{
    char *path = path_with_id(res->action_endpoint, id);
    cJSON *now = NULL;
    int rc;

    if (!path)
        return -ENOMEM;
    rc = store->api.send(store->api.ctx, "POST", path, body, NULL, err);
    free(path);
    if (rc)
        return rc;
    /* What the action changed (a deactivated member is inactive now). */
    if (store_fetch_fresh(store, res, id, &now, err) == 0)
        remember_answer(store, res, now, key, 0, NULL);
    cJSON_Delete(now);
    return 0;
}

int store_delete(struct store *store, const struct resource_type *res,
                 const char *key, const char *id, struct api_error *err)
{
    char *path = object_path(res, id);
    int rc;

    if (!path)
        return -ENOMEM;
    rc = store->api.send(store->api.ctx, "DELETE", path, NULL, NULL, err);
    note_refusal(store, res, VERB_DELETE, err, rc);
    free(path);
    if (rc == 0)
        store_note_deleted(store, res, key);
    return rc;
}

void store_note_deleted(struct store *store, const struct resource_type *res,
                        const char *key)
{
    struct cache_key okey;

    if (make_key(&okey, ENTRY_OBJECT, res, key) == 0)
        cache_put(store->cache, okey.text, NULL);
    forget_stale(store, res);
}

/* ---- after a write whose answer was lost ---- */

/* Whether item holds every scalar field of body with the same value (the
 * server expands references and adds defaults, so only scalars compare). */
static bool holds_scalars_of(const cJSON *item, const cJSON *body)
{
    const cJSON *field;

    cJSON_ArrayForEach(field, body) {
        if (cJSON_IsObject(field) || cJSON_IsArray(field))
            continue;
        if (!cJSON_Compare(
                field, cJSON_GetObjectItemCaseSensitive(item, field->string),
                true))
            return false;
    }
    return true;
}

static double id_value(const cJSON *obj)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(obj, "id");
    return cJSON_IsNumber(id) ? id->valuedouble : 0;
}

int store_find_posted(struct store *store, const struct resource_type *res,
                      const cJSON *body, cJSON **found, struct api_error *err)
{
    const cJSON *named = cJSON_GetObjectItemCaseSensitive(body, res->key_field);
    cJSON *items = NULL, *item, *best = NULL;
    int rc;

    *found = NULL;
    if (!resource_keyed_by_id(res) && cJSON_IsString(named)) {
        rc = store_fetch_fresh(store, res, named->valuestring, found, err);
        if (rc == 0 && !holds_scalars_of(*found, body)) {
            cJSON_Delete(*found); /* someone else's object of that name */
            *found = NULL;
            rc = -ENOENT;
        }
        return rc;
    }
    rc = store->api.get_all(store->api.ctx, res->endpoint, &items, err);
    if (rc)
        return rc;
    cJSON_ArrayForEach(item, items)
        if (holds_scalars_of(item, body) &&
            (!best || id_value(item) > id_value(best)))
            best = item;
    if (best)
        *found = cJSON_DetachItemViaPointer(items, best);
    cJSON_Delete(items);
    return *found ? 0 : -ENOENT;
}

int store_remember(struct store *store, const struct resource_type *res,
                   const cJSON *obj, const char *old_key, time_t shown,
                   char **new_key)
{
    if (new_key)
        *new_key = NULL;
    return remember_answer(store, res, obj, old_key, shown, new_key);
}

/* ---- files derived from one GET: counts, audit trails ---- */

struct derived_ctx {
    struct store *store;
    const char *path;
    enum store_get how;
    store_render_fn render;
    void *render_ctx;
    const cJSON *post;       /* a run: POSTed instead of a GET */
    struct api_error *error; /* the filler's failure, when asked for */
};

static int fill_derived(void *ctx, const char *cache_key, void **value)
{
    struct derived_ctx *d = ctx;
    struct api_error err = { 0 };
    cJSON *answer = NULL;
    struct cached *c;
    int rc;

    (void)cache_key;
    if (d->post)
        rc = d->store->api.send(d->store->api.ctx, "POST", d->path, d->post,
                                &answer, &err);
    else if (d->how == STORE_GET_PAGES)
        rc = d->store->api.get_all(d->store->api.ctx, d->path, &answer, &err);
    else if (d->how == STORE_GET_REPORT)
        rc = fetch_report(d->store, d->path, &answer, &err);
    else
        rc = d->store->api.get(d->store->api.ctx, d->path, &answer, &err);
    if (rc && d->error)
        *d->error = err;
    if (report(rc, d->path, &err))
        return rc;
    c = cached_new(CACHED_DOC);
    rc = c ? d->render(answer, d->render_ctx, &c->doc.text, &c->doc.len)
           : -ENOMEM;
    cJSON_Delete(answer);
    if (rc) {
        free(c);
        return rc;
    }
    c->kind = CACHED_DOC;
    c->doc.mtime = time(NULL);
    *value = c;
    return 0;
}

static int derived_key(struct cache_key *out, const char *path)
{
    int n = snprintf(out->text, sizeof(out->text), "get:%s", path);

    return n < 0 || (size_t)n >= sizeof(out->text) ? -ENAMETOOLONG : 0;
}

int store_run(struct store *store, const char *path, const cJSON *body,
              const char *tag, store_render_fn render, bool want_text,
              struct doc *out, struct api_error *err)
{
    struct derived_ctx d = {
        store, path, STORE_GET_ONE, render, NULL, body, err
    };
    struct doc_request req = { want_text, out, false };
    char *printed = cJSON_PrintUnformatted(body);
    struct cache_key key;
    int n = printed ? snprintf(key.text, sizeof(key.text), "post:%s %s", path,
                               printed)
                    : -1;

    cJSON_free(printed);
    if (n < 0 || (size_t)n >= sizeof(key.text))
        return n < 0 ? -ENOMEM : -ENAMETOOLONG;
    return cache_get(store->cache, key.text, tag, fill_derived, &d, copy_doc,
                     &req);
}

int store_derived(struct store *store, const char *path, enum store_get how,
                  const char *tag, store_render_fn render, void *render_ctx,
                  bool want_text, struct doc *out)
{
    struct derived_ctx d = { store, path, how, render, render_ctx, NULL, NULL };
    struct doc_request req = { want_text, out, false };
    struct cache_key key;
    int rc = derived_key(&key, path);

    return rc ? rc
              : cache_get(store->cache, key.text, tag, fill_derived, &d,
                          copy_doc, &req);
}

int store_derived_cached(struct store *store, const char *path, bool want_text,
                         struct doc *out)
{
    struct doc_request req = { want_text, out, false };
    struct cache_key key;
    int rc = derived_key(&key, path);

    return rc ? rc : cache_peek(store->cache, key.text, copy_doc, &req);
}

static int copy_items(void *ctx, const void *value)
{
    const struct cached *c = value;

    *(size_t *)ctx = c->items;
    return 0;
}

int store_listing_size(struct store *store, const struct resource_type *res,
                       size_t *items)
{
    struct cache_key lkey;
    int rc = make_key(&lkey, ENTRY_LISTING, res, NULL);

    return rc ? rc : cache_peek(store->cache, lkey.text, copy_items, items);
}

int store_probe(struct store *store, const char *path, struct api_error *err)
{
    cJSON *answer = NULL;
    int rc = store->api.get(store->api.ctx, path, &answer, err);

    cJSON_Delete(answer);
    return rc;
}
