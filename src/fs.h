/* fs.h - the FUSE operations: resolve the path, call its kind. */
#ifndef CWMFS_FS_H
#define CWMFS_FS_H

#include <fuse.h>

#include "mount.h"

const struct fuse_operations *cwmfs_operations(void);
/* Async-signal-safe: the next operation drops every cached response. */
void cwmfs_request_refresh(void);
/* Stops the threads that call into libfuse (invalidations, refreshes).
 * Call when the loop has ended, before fuse_destroy(): that frees the
 * table of names fuse_invalidate_path() reads before it calls our
 * destroy.  Idempotent. */
void fs_stop_helpers(struct cwmfs *fs);
/* Has the kernel drop every name, attribute and page it keeps of server
 * files (from a helper thread). */
void fs_forget_kernel_caches(struct cwmfs *fs);

#endif
