/* progress.h - listings in flight: how far each has come, for
 * /.cwmfs/stats ("members: page 4 of 10") and for the log.
 *
 * A listing of many pages can take seconds; a user who waits on `ls`
 * should be able to see why, in the mount and in the log.  A listing that
 * has run for PROGRESS_LOG_AFTER seconds logs its progress at info level,
 * at most once a second, and how long it took when it ends. */
#ifndef CWMFS_PROGRESS_H
#define CWMFS_PROGRESS_H

#include <stddef.h>

#define PROGRESS_LOG_AFTER 1.0 /* seconds */
#define PROGRESS_SLOTS 16      /* listings shown at once; more run unseen */

struct progress;
struct progress_slot;
struct buf;

struct progress *progress_new(void);
void progress_free(struct progress *progress);

/* A listing of what (a short name, e.g. its endpoint) starts; NULL when
 * every slot is taken (the listing runs, unshown).  The calls below
 * accept NULL. */
struct progress_slot *progress_begin(struct progress *progress,
                                     const char *what);
/* Page `page` of `pages` (as far as is known) has been handled. */
void progress_page(struct progress_slot *slot, int page, int pages);
void progress_end(struct progress_slot *slot);

/* How many listings are shown in flight now. */
int progress_in_flight(struct progress *progress);
/* One line per listing in flight, appended to out. */
int progress_describe(struct progress *progress, struct buf *out);

#endif
