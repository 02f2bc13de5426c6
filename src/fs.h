/* fs.h - the FUSE operations: thin glue between the kernel and the store,
 * the local files and the committer. */
#ifndef CWMFS_FS_H
#define CWMFS_FS_H

#include <fuse.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

#include "commit.h"
#include "errlog.h"
#include "inodes.h"
#include "local.h"
#include "reads.h"
#include "store.h"

struct open_file;
struct invalidator;

/* Everything a mounted filesystem needs; fuse's private_data. */
struct cwmfs {
    struct store *store;
    struct inode_table *inodes;
    struct local *local;
    struct errlog *errlog;
    struct reads *reads;   /* what each process read: the bases of saves */
    struct committer committer;
    mode_t umask;   /* applied to the modes of API-backed files */
    uid_t uid;      /* owner shown for API-backed files: the mounting user */
    gid_t gid;
    time_t mounted; /* mtime of directories */
    /* Files still open: the kernel may unmount before sending their
     * RELEASE, so destroy() frees what is left. */
    pthread_mutex_t open_lock;
    struct open_file *open_files;
    struct invalidator *invalidator; /* started in init */
    _Atomic unsigned long next_handle_id;
};

const struct fuse_operations *cwmfs_operations(void);
/* Async-signal-safe: the next operation drops every cached response. */
void cwmfs_request_refresh(void);

#endif
