/* walks.h - collections walked file by file after their listing is gone.
 *
 * ls -l, find and grep -r stat every file of a folder they have listed.
 * When the listing those stats would be answered from has expired, or a
 * refresh (SIGHUP) dropped it while ls -l was half way through, each stat
 * would ask the server for its one object: 1,375 requests for what one
 * listing of two pages answers.  So the store counts such misses per
 * collection, and once a collection that was listed before misses
 * WALK_MISSES stats within WALK_WINDOW seconds, it lists the collection
 * again instead: the rest of the walk is answered from that listing.  A
 * single stat, or a cat, of one file still costs one request. */
#ifndef CWMFS_WALKS_H
#define CWMFS_WALKS_H

#include <stdbool.h>

#define WALK_MISSES 8
#define WALK_WINDOW 1.0

struct walks;

struct walks *walks_new(void);
void walks_free(struct walks *w);
/* The collection whose listing has cache key `listing` was listed. */
void walks_listed(struct walks *w, const char *listing);
/* A stat in that collection found its object neither cached nor in a
 * fresh listing: true when the collection is being walked, and listing it
 * again is cheaper than asking for each object. */
bool walks_missed(struct walks *w, const char *listing);

#endif
