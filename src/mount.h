/* mount.h - the state of one mounted filesystem, shared by every kind.
 *
 * One struct cwmfs lives for the life of the mount (fuse's private_data):
 * the store of API-backed files, the local files, the errlog behind
 * /.cwmfs, what each process read, the committer, the inode numbers and
 * the open handles. */
#ifndef CWMFS_MOUNT_H
#define CWMFS_MOUNT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "commit.h"
#include "errlog.h"
#include "inodes.h"
#include "kcache.h"
#include "local.h"
#include "query.h"
#include "runs.h"
#include "reads.h"
#include "resources.h"
#include "status.h"
#include "store.h"

struct handle;
struct invalidator;

struct cwmfs {
    const struct tmpl *tree; /* what the mount shows (resources.h) */
    struct store *store;
    struct inode_table *inodes;
    struct local *local;
    struct errlog *errlog;
    struct keep *keep;   /* texts not on the server, on disk (or NULL) */
    struct reads *reads; /* what each process read: the bases of saves */
    struct committer committer;
    struct queries *queries; /* the folders of /queries */
    struct runs *runs;       /* the parameters of report runs */
    mode_t umask;            /* applied to the modes of API-backed files */
    uid_t uid; /* owner shown for API-backed files: the mounting user */
    gid_t gid;
    time_t mounted; /* mtime of directories */
    /* Handles still open: the kernel may unmount before sending their
     * RELEASE, so destroy() frees what is left. */
    pthread_mutex_t open_lock;
    struct handle *open_handles;
    struct listing *open_listings;   /* open directories, under open_lock */
    struct invalidator *invalidator; /* started in init */
    bool refresher_running;          /* fs.c's SIGHUP thread */
    struct kcache *kcache; /* what the kernel caches of server files */
    double ttl;            /* how long the kernel may keep names and stats */
    struct status_sources status; /* what /.cwmfs/stats and config tell */
    /* Object files' user.cwm.* attributes (xattr.h); false with -o
     * noxattr. */
    bool xattrs;
    char *api_base; /* the API's base URL, for user.cwm.href (owned) */
    _Atomic unsigned long next_handle_id;
};

/* The process (thread group) behind the current FUSE request. */
pid_t mount_caller_process(struct cwmfs *fs);

#endif
