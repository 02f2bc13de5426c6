/* keep.h - texts not on the server, kept on disk across mounts.
 *
 * A refused save's text (/.cwmfs/rejected) and the files programs keep in
 * the mount without sending them (a draft of a new object, vim's swap
 * file) live in the daemon's memory; an unmount, a crash or a reboot would
 * lose them.  So each is also written, as it changes, to
 * $XDG_STATE_HOME/cwmfs/<profile>/ (~/.local/state/cwmfs/<profile>/), one
 * file per mount path, mode 0600 in a 0700 directory, at most
 * KEEP_MAX_FILES files and KEEP_MAX_BYTES bytes per area (the oldest go
 * first).  At the next mount, both areas come back under /.cwmfs/rejected,
 * read-only, and /.cwmfs/errors says so: nothing is posted or saved again
 * behind the user's back.
 *
 * Writing is best effort: a state directory that cannot be made costs the
 * mount nothing but this (one warning). */
#ifndef CWMFS_KEEP_H
#define CWMFS_KEEP_H

#include <stddef.h>
#include <time.h>

#define KEEP_MAX_FILES 256
#define KEEP_MAX_BYTES (64 << 20)

enum keep_area {
    KEEP_REJECTED, /* refused saves, as /.cwmfs/rejected shows them */
    KEEP_UNSENT,   /* drafts and scratch files, as they were last flushed */
};

struct keep;

/* The state directory of profile (NULL: "default"), made if needed; NULL
 * when it cannot be (a warning is logged, and nothing is kept). */
struct keep *keep_open(const char *profile);
void keep_close(struct keep *k);

/* Keeps path's text in area, replacing what was kept for it. */
void keep_put(struct keep *k, enum keep_area area, const char *path,
              const char *text, size_t len);
/* Forgets path in area (it was sent, deleted or moved). */
void keep_drop(struct keep *k, enum keep_area area, const char *path);

typedef void (*keep_each_fn)(void *ctx, const char *path, const char *text,
                             size_t len, time_t mtime);
/* Calls fn for each text kept in area, oldest first. */
void keep_each(struct keep *k, enum keep_area area, keep_each_fn fn, void *ctx);

#endif
