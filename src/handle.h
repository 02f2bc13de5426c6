/* handle.h - open files: what a FUSE file handle stands for.
 *
 * A handle is a snapshot (a server or /.cwmfs file's text as it was at
 * open, read-only) or a handle on a local file (scratch, or a resource
 * file being written, whose close commits it).  Each kind of handle is a
 * table of operations, as each kind of node is.  Operations on an open
 * file use its handle, never its path (the path is NULL once the file is
 * unlinked). */
#ifndef CWMFS_HANDLE_H
#define CWMFS_HANDLE_H

#include <fuse.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "mount.h"
#include "node.h"

struct handle;

struct handle_ops {
    int (*read)(struct cwmfs *fs, struct handle *h, char *buf, size_t size,
                off_t off);
    int (*write)(struct cwmfs *fs, struct handle *h, const char *buf,
                 size_t size, off_t off);
    int (*flush)(struct cwmfs *fs, struct handle *h);
    /* The last close: settles what is unsettled (never fails). */
    void (*release)(struct cwmfs *fs, struct handle *h);
    int (*truncate)(struct cwmfs *fs, struct handle *h, off_t size);
    int (*getattr)(struct cwmfs *fs, struct handle *h, struct stat *st);
    int (*set_attr)(struct cwmfs *fs, struct handle *h,
                    const struct attr_change *change);
};

struct handle {
    const struct handle_ops *ops;
    uint64_t ino;   /* for fstat after unlink */
    struct doc doc; /* snapshots: the text */
    mode_t mode;    /* snapshots: for fstat */
    /* Snapshots of server files: the path, and whether reads go through
     * the kernel's page cache (counted in kcache) or bypass it. */
    char *kpath;
    bool kreader;
    struct local_file *file; /* local-file handles: a reference */
    pid_t process;           /* writers: the process that opened it */
    bool writer;             /* opened for writing: its close commits */
    /* Writers of resource files: the text their saves start from (what
     * this handle, or else its process, read; NULL when unknown). */
    char *base;
    unsigned long id;          /* names this handle as a file's last writer */
    unsigned long wrote_gen;   /* the file's generation at our last write */
    unsigned long outcome_gen; /* the generation our last commit settled */
    int outcome;               /* and how (0 or -errno), told on every flush */
    bool emptied;              /* truncated to nothing, nothing written yet */
    /* Settings: the text, where it goes, and what applies it. */
    struct buf setting;
    char *setting_path;
    handle_apply_fn apply;
    struct handle *prev, *next; /* in cwmfs.open_handles */
};

/* fstat of an open regular file: the handle's inode, the mount's owner. */
void handle_fill_stat(struct cwmfs *fs, const struct handle *h, mode_t mode,
                      size_t len, time_t mtime, struct stat *st);
/* Gives a new handle its inode and id, and lists it as open. */
void handle_register(struct cwmfs *fs, struct handle *h, const char *path);
/* The handle behind fi (NULL when there is none). */
struct handle *handle_of(const struct fuse_file_info *fi);
/* Whether an open asks to change the file. */
bool handle_wants_write(const struct fuse_file_info *fi);

/* Opens a read-only snapshot of doc (taken over, cleared). */
int handle_open_snapshot(struct cwmfs *fs, const char *path,
                         struct fuse_file_info *fi, struct doc *doc_taken,
                         mode_t mode);
/* The same for a server file the kernel may cache (kcache.h): its reads
 * use the page cache as kcache_open says. */
int handle_open_cached_snapshot(struct cwmfs *fs, const char *path,
                                struct fuse_file_info *fi,
                                struct doc *doc_taken, mode_t mode);
/* Opens a handle on a local file, taking over the caller's reference and
 * base (both consumed even on failure). */
int handle_open_file(struct cwmfs *fs, const char *path,
                     struct fuse_file_info *fi, struct local_file *file_taken,
                     char *base_taken);
/* The same without a FUSE request (truncate(2) of a file nobody holds);
 * NULL without memory.  Close it with handle_close. */
struct handle *handle_new_file(struct cwmfs *fs, const char *path, bool writer,
                               struct local_file *file_taken, char *base_taken);
/* Releases and frees a handle. */
void handle_close(struct cwmfs *fs, struct handle *h);
/* Frees every handle still open (at unmount). */
void handle_close_all(struct cwmfs *fs);

/* ---- handles on settings (handle_setting.c) ---- */

/* Opens a setting holding text (empty with O_TRUNC): reads see what it
 * holds, and each flush after a write hands the whole text to apply. */
int handle_open_setting(struct cwmfs *fs, const char *path,
                        struct fuse_file_info *fi, const char *text,
                        handle_apply_fn apply);

/* ---- handles on local files (handle_local.c) ---- */

extern const struct handle_ops local_handle_ops;
/* Settles what h wrote (see handle_local.c); 0 or -errno. */
int handle_commit(struct cwmfs *fs, struct handle *h);
/* After a commit: the answer is what the writer has now read, and the
 * kernel drops what it cached of the old file. */
void handle_show_answer(struct cwmfs *fs, pid_t writer, const char *path,
                        const struct commit_result *r);

#endif
