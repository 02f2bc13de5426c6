/* invalidate.h - telling the kernel a file changed, from a helper thread.
 *
 * After a commit the server's answer replaces what the user wrote (new
 * size, new mtime), and the kernel's page and attribute caches must drop
 * the old.  libfuse forbids notifying from inside the handler of a related
 * request (doc/README.notifications: it can deadlock), so handlers queue
 * paths here and a thread sends fuse_invalidate_path() after they reply,
 * as rclone does for the same reason. */
#ifndef CWMFS_INVALIDATE_H
#define CWMFS_INVALIDATE_H

struct fuse;
struct invalidator;

struct invalidator *invalidator_start(struct fuse *fuse);
/* Queues path (copied); a no-op on NULL. */
void invalidator_queue(struct invalidator *inv, const char *path);
/* Stops the thread, dropping what is still queued. */
void invalidator_stop(struct invalidator *inv);

#endif
