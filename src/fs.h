/* fs.h - the FUSE operations: thin glue between the kernel and the store. */
#ifndef CWMFS_FS_H
#define CWMFS_FS_H

#include <fuse.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

#include "inodes.h"
#include "store.h"

/* Everything a mounted filesystem needs; fuse's private_data. */
struct cwmfs {
    struct store *store;
    struct inode_table *inodes;
    mode_t umask;   /* applied to every mode shown */
    uid_t uid;      /* owner shown for every file: the mounting user */
    gid_t gid;
    time_t mounted; /* mtime of directories */
    /* Files still open: the kernel may unmount before sending their
     * RELEASE, so destroy() frees what is left. */
    pthread_mutex_t open_lock;
    struct open_file *open_files;
};

const struct fuse_operations *cwmfs_operations(void);
/* Async-signal-safe: the next operation drops every cached response. */
void cwmfs_request_refresh(void);

#endif
