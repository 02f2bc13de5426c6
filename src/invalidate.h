/* invalidate.h - telling the kernel to drop what it caches of a file.
 *
 * fuse_invalidate_path() drops a file's attributes and pages.  Without a
 * writeback cache it never waits for anything but a page being read, so
 * it is safe inside the handlers that settle a save (flush, fsync,
 * release, rename, setattr, open: none of them holds a page of the file),
 * where it must be synchronous: a stat right after close(2) must see the
 * server's answer.  It must never be called from a read or write handler
 * (the kernel holds the pages being filled: a deadlock).  Everything else
 * (a refetch that brought other text, a refresh) is queued for a helper
 * thread, as rclone does. */
#ifndef CWMFS_INVALIDATE_H
#define CWMFS_INVALIDATE_H

struct fuse;
struct invalidator;

struct invalidator *invalidator_start(struct fuse *fuse);
/* Drops the kernel's copy of path now (see above for where not to). */
void invalidator_now(struct invalidator *inv, const char *path);
/* Queues path (copied); a no-op on NULL. */
void invalidator_queue(struct invalidator *inv, const char *path);
/* The same, sent no sooner than seconds from now (after a reply that is
 * still on its way to the kernel). */
void invalidator_queue_after(struct invalidator *inv, const char *path,
                             double seconds);
/* Stops the thread, dropping what is still queued. */
void invalidator_stop(struct invalidator *inv);

#endif
