/* listing.h - a directory's entries as its first read found them.
 *
 * readdir comes in batches, each starting at an offset.  The entries are
 * gathered once, when a batch starts at offset 0 (opendir, or rewinddir,
 * which SUS says must show changes), and later batches of the same open
 * directory are served from them: a listing refetched meanwhile never
 * makes a batch skip or repeat a name.  An entry may carry attributes,
 * handed to the kernel with its name (readdirplus), so that ls -l makes no
 * lookup per file.  Each open directory has its own listing; not
 * thread-safe (libfuse serialises calls on one directory handle). */
#ifndef CWMFS_LISTING_H
#define CWMFS_LISTING_H

#include <fuse.h>
#include <stdbool.h>
#include <sys/stat.h>

struct cwmfs;

struct listing_entry {
    char *name;
    struct stat st; /* type and inode; all of it when `plus` */
    bool plus;
    bool bare; /* no stat at all ("." and ".."): libfuse numbers them */
};

struct listing {
    /* What is being listed, while it is gathered (fs NULL: nothing has
     * been, or a gathering failed). */
    struct cwmfs *fs;
    const char *dir;
    bool plus; /* the kernel asked for attributes too (readdirplus) */
    /* What was gathered. */
    struct listing_entry *entries;
    size_t count, cap;
    bool failed; /* out of memory while gathering */
    /* On the mount's list of open directories (struct cwmfs): the kernel
     * may unmount before sending their RELEASEDIR. */
    struct listing *prev, *next;
};

struct listing *listing_new(void);
void listing_free(struct listing *l);
/* Empties l to gather the entries of dir anew (fs NULL: to gather them
 * at the next read). */
void listing_restart(struct listing *l, struct cwmfs *fs, const char *dir,
                     bool plus);
/* Adds an entry: st holds its type and inode, or all of its attributes
 * when `plus`; NULL: neither is known. */
void listing_put(struct listing *l, const char *name, const struct stat *st,
                 bool plus);
/* Adds "." and "..". */
void listing_dots(struct listing *l);
/* Hands the entries from index `from` to filler, until it is full. */
void listing_serve(const struct listing *l, off_t from, void *buf,
                   fuse_fill_dir_t filler);

#endif /* CWMFS_LISTING_H */
