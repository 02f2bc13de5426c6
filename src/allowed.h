/* allowed.h - what this server lets the mount do with each collection.
 *
 * The resource table says what ConnectWise documents (members, types,
 * departments, locations: CRUD; security roles: create and delete).  A
 * server may offer less: the user's own description has most of them
 * read-only, and a real server has no member DELETE.  Probing with writes
 * is not safe, so the mount starts from the table and narrows it the
 * first time the server answers a write with 405, by the Allow header
 * when there is one, else by the refused method alone.  File modes and
 * refusals follow from then on; a refresh (SIGHUP) forgets, since servers
 * are upgraded. */
#ifndef CWMFS_ALLOWED_H
#define CWMFS_ALLOWED_H

#include <stdbool.h>

#include "api.h"
#include "resources.h"

struct allowed;

struct allowed *allowed_new(void);
void allowed_free(struct allowed *allowed);

/* The verbs the mount may use on res: the table's, less those refused. */
unsigned allowed_verbs(struct allowed *allowed,
                       const struct resource_type *res);

/* After a write with verb (one VERB_* bit) failed with err: learns from a
 * 405 and returns true, or returns false for any other failure. */
bool allowed_learn(struct allowed *allowed, const struct resource_type *res,
                   unsigned verb, const struct api_error *err);

void allowed_forget_all(struct allowed *allowed);

/* The VERB_* bits an Allow header names ("GET, PATCH"); 0 for none. */
unsigned allowed_parse(const char *header);

/* "PATCH" for VERB_PATCH, and so on. */
const char *allowed_method(unsigned verb);

#endif
