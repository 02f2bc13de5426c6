/* store.h - the resources as files: API responses rendered and cached.
 *
 * The layer between the FUSE operations and the API client: it fetches
 * lists and objects, renders each object once into the exact bytes a file
 * shows, and keeps those in the TTL cache.  Listing a collection primes the
 * cache with every object in it, so `ls -l`, `cat *` and `grep -r` after a
 * listing cost no further requests while the TTL holds. */
#ifndef CWMFS_STORE_H
#define CWMFS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "api.h"
#include "cache.h"
#include "resources.h"

/* A rendered file. */
struct doc {
    char *text; /* NULL when only the attributes were asked for */
    size_t len;
    time_t mtime;   /* from _info.lastUpdated, else the mount time */
    bool read_only; /* an object whose id the API cannot address */
    uint64_t print; /* reads_fingerprint of the text; 0 if not computed */
    time_t fetched; /* when the server sent it (0: not the server's) */
    /* Set when text is the cache's own copy, shared (store_object_shared):
     * read-only, and held until doc_clear lets go of it. */
    struct cached *owner;
};

struct store;

/* What the store tells whoever shows its files (the kernel's caches
 * follow it): fns may be NULL; called from any thread, without locks. */
struct store_observer {
    /* The object at mount path now holds doc (fetched, listed, or a
     * write's answer). */
    void (*object_filled)(void *ctx, const char *path, const struct doc *doc);
    /* Files of some row changed modes (a write was refused with 405). */
    void (*modes_changed)(void *ctx);
    void *ctx;
};

/* A store asking the API through port (copied). */
struct store *store_new(const struct api_port *port, double ttl_seconds);
void store_free(struct store *store);
/* Reports to obs (copied) from now on; set before the store is shared. */
void store_observe(struct store *store, const struct store_observer *obs);

/* Fill out with a singleton's (or an object's) file; with want_text false
 * only len and mtime.  Returns 0 or -errno (-ENOENT: no such object). */
int store_singleton(struct store *store, const struct resource_type *res,
                    bool want_text, struct doc *out);
/* A singleton's attributes if they are cached and fresh, else -EAGAIN
 * (nothing is fetched). */
int store_singleton_cached(struct store *store, const struct resource_type *res,
                           struct doc *out);
/* An object's attributes if they are cached and fresh, else -EAGAIN. */
int store_object_cached(struct store *store, const struct resource_type *res,
                        const char *key, struct doc *out);
/* The text of an object as last fetched, fresh or expired, and never a
 * request: -EAGAIN when none is held. */
int store_object_held(struct store *store, const struct resource_type *res,
                      const char *key, struct doc *out);
/* Whether the server lists the collection at all: 0 or -ENOENT (or
 * another -errno), copying no names. */
int store_has_listing(struct store *store, const struct resource_type *res);
/* Whether the collection's listing names key's file: 0 or -ENOENT (the
 * listing is fetched if need be, the object never is). */
int store_listed(struct store *store, const struct resource_type *res,
                 const char *key);
int store_object(struct store *store, const struct resource_type *res,
                 const char *key, bool want_text, struct doc *out);
/* store_object with the text, sharing the cache's copy instead of copying
 * it (an open costs no copy of the file). */
int store_object_shared(struct store *store, const struct resource_type *res,
                        const char *key, struct doc *out);
/* Frees what doc holds (or lets go of its shared text), and zeroes it. */
void doc_clear(struct doc *doc);
/* One more hold on a shared doc's text, to be let go of with
 * doc_owner_release; NULL when doc's text is not shared. */
void *doc_owner_hold(const struct doc *doc);
void doc_owner_release(void *owner);

/* The file names in a collection, sorted (malloc'd array of malloc'd
 * strings; free with store_names_free).  *stamp (stamp may be NULL) tells
 * this listing from the ones fetched before and after it. */
int store_list(struct store *store, const struct resource_type *res,
               char ***names, size_t *count, unsigned long *stamp);
void store_names_free(char **names, size_t count);

/* ---- files derived from one GET (a count, an audit trail) ---- */

/* Turns an answer into a file's text (malloc'd), with the caller's ctx;
 * 0 or -errno (-EIO for an answer of the wrong shape). */
typedef int (*store_render_fn)(const cJSON *answer, void *ctx, char **text,
                               size_t *len);
/* The file render makes of GET path, asked as `how` says,
 * cached for the TTL and filed under tag, so that a write to the row
 * whose tag it is forgets it.  -ENOENT (cached too) when the server has
 * no such path. */
enum store_get {
    STORE_GET_ONE,    /* one answer */
    STORE_GET_PAGES,  /* a list: every page, as one array */
    STORE_GET_REPORT, /* a report: every page's rows, keyed by column */
};
int store_derived(struct store *store, const char *path, enum store_get how,
                  const char *tag, store_render_fn render, void *render_ctx,
                  bool want_text, struct doc *out);
/* A file store_derived made of path, if it is cached and fresh, else
 * -EAGAIN (nothing is fetched). */
int store_derived_cached(struct store *store, const char *path, bool want_text,
                         struct doc *out);
/* The file render makes of the answer to POST body to path (a report run),
 * cached for the TTL per body and filed under tag; err (may be NULL) gets
 * the server's refusal when this call ran the request. */
int store_run(struct store *store, const char *path, const cJSON *body,
              const char *tag, store_render_fn render, bool want_text,
              struct doc *out, struct api_error *err);
/* GET path past the cache, for its verdict only (is a query valid?);
 * 0 or -errno with err filled. */
int store_probe(struct store *store, const char *path, struct api_error *err);
/* How many objects the collection's fresh listing holds, or -EAGAIN when
 * none is cached (nothing is fetched). */
int store_listing_size(struct store *store, const struct resource_type *res,
                       size_t *items);

/* ---- writes: one request each; on success the cache holds the server's
 * answer, so the file shows it at once ---- */

/* GET <endpoint>/<id> past the cache: what the server holds right now. */
int store_fetch_fresh(struct store *store, const struct resource_type *res,
                      const char *id, cJSON **out, struct api_error *err);
/* PATCH (a JSON Patch array) or PUT (a whole object) to <endpoint>/<id>;
 * old_key is the file's key, which an identifier change retires.
 *
 * shown_mtime (0: none) is the mtime the writer's file showed; the file
 * keeps showing it while the server's lastUpdated stays what this answer
 * says.  Editors record the mtime right after saving and later warn "file
 * changed on disk" if it moves; the server's stamp (its clock, its grain)
 * would move it.  *answer (the server's object) is the caller's to delete. */
int store_update(struct store *store, const struct resource_type *res,
                 const char *old_key, const char *id, const char *method,
                 const cJSON *body, time_t shown_mtime, cJSON **answer,
                 struct api_error *err);
/* POST <endpoint>; *new_key (malloc'd) names the created object's file
 * (NULL for a keep_answer row's answer naming none); *answer (may be NULL)
 * gets the server's answer, the caller's to delete. */
int store_create(struct store *store, const struct resource_type *res,
                 const cJSON *body, time_t shown_mtime, char **new_key,
                 cJSON **answer, struct api_error *err);
/* POST body to the row's action_endpoint for object id (named key), then
 * caches the object as the server now has it. */
int store_act(struct store *store, const struct resource_type *res,
              const char *key, const char *id, const cJSON *body,
              struct api_error *err);
/* DELETE <endpoint>/<id>. */
int store_delete(struct store *store, const struct resource_type *res,
                 const char *key, const char *id, struct api_error *err);

/* After a POST whose answer was lost: the object it created, if the server
 * has one (by identifier, or else the newest listed object holding every
 * field of body).  Returns 0 with *found set, -ENOENT, or -errno. */
int store_find_posted(struct store *store, const struct resource_type *res,
                      const cJSON *body, cJSON **found, struct api_error *err);
/* Caches an object learnt by looking after a write whose answer was lost,
 * as store_update or store_create would have; old_key as store_update
 * (NULL after a POST), *new_key (may be NULL) as store_create. */
int store_remember(struct store *store, const struct resource_type *res,
                   const cJSON *obj, const char *old_key, time_t shown_mtime,
                   char **new_key);
/* Records that the object named key is gone (its DELETE was applied). */
void store_note_deleted(struct store *store, const struct resource_type *res,
                        const char *key);

/* An object's id as the API addresses it ("42"), or NULL when it has none
 * or it is not a whole number from 1 to 2^53 (5.5 or 1e300 must never
 * become another object's id). malloc'd. */
char *store_object_id(const cJSON *obj);

/* Drops everything cached (the "refresh now" of SIGHUP). */
void store_forget_all(struct store *store);

/* The verbs the mount may use on res: the table's, less what this server
 * refused with 405 (see allowed.h). */
unsigned store_verbs(struct store *store, const struct resource_type *res);

void store_get_cache_stats(struct store *store, struct cache_stats *out);

/* Parses an ISO-8601 UTC stamp such as "2023-01-15T08:30:00Z"; -1 if not. */
time_t store_parse_timestamp(const char *stamp);

#endif
