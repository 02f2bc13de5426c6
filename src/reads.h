/* reads.h - what the mount has shown, and to whom: the bases of saves.
 *
 * A save must be compared with the text its writer started from, never with
 * whatever the server holds when the save arrives (that would silently undo
 * a teammate's change).  Editors read a file through one descriptor and
 * write it through another (vim, nano, emacs) or through a temporary file
 * renamed over it (sed -i), so the writer's base is what its process last
 * read of that path: one record per (process, path), bounded, oldest
 * dropped first.  A save whose process never read the file (cp from
 * elsewhere, mv of a file jq wrote) has no known base; for those the mount
 * remembers a fingerprint of the last text it showed anyone for each path,
 * so it can tell whether the server changed since. */
#ifndef CWMFS_READS_H
#define CWMFS_READS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct reads;

struct reads *reads_new(void);
void reads_free(struct reads *reads);

/* The process (thread group) a calling thread belongs to: FUSE reports the
 * thread, and editors read and write from different threads. */
pid_t reads_process_of(struct reads *reads, pid_t tid);

/* Records that process pid was shown text for path (and that it is now
 * the last text shown for path). */
void reads_note(struct reads *reads, pid_t pid, const char *path,
                const char *text, size_t len);
/* The same for text whose fingerprint is known, held rather than copied:
 * reads calls release(owner) when it lets the text go (at once if it
 * cannot keep it).  With owner NULL the text is copied. */
void reads_note_held(struct reads *reads, pid_t pid, const char *path,
                     const char *text, size_t len, uint64_t print, void *owner,
                     void (*release)(void *owner));
/* What process pid last read of path (malloc'd), or NULL when unknown. */
char *reads_base(struct reads *reads, pid_t pid, const char *path);
/* The fingerprint of the last text shown for path; false if none was. */
bool reads_last_shown(struct reads *reads, const char *path, uint64_t *print);

/* The fingerprint used above: a 64-bit hash of the bytes, never 0.  Not
 * cryptographic: it tells versions of one file apart, which a server
 * could only confuse by crafting a collision against its own data. */
uint64_t reads_fingerprint(const char *text, size_t len);

#endif
