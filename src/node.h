/* node.h - what a path names: a node, and the kinds of node.
 *
 * A node is one resolved name: its kind, its place in the template tree,
 * and what that kind needs (a row and key, a local file).  A kind is a
 * table of operations, one file per kind (node_*.c); the FUSE callbacks in
 * fs.c resolve a path and call its kind, never branching on kinds.
 *
 * Resolution walks one level at a time, each directory kind's lookup
 * naming its child, so the callbacks could move to libfuse's inode-based
 * low-level API without touching the kinds.
 *
 * Ownership: a node owns its path, key, values and local-file reference;
 * node_clear releases them.  Kind operations borrow the node.  Across
 * src/, a parameter named *_taken is consumed by the call, whatever it
 * returns; every other pointer is borrowed.
 *
 * Lock order (a thread holding one may take those below it, never above):
 *   1. a commit lock (commit_lock: one per file being saved)
 *   2. the local table's lock (local.c)
 *   3. the cache's lock (cache.c), the reads lock (reads.c)
 *   4. leaf locks: inode table, open-handle list, errlog, mtime pins,
 *      delete guard, HTTP connection pool, log.
 * No lock is held across an HTTP request except a commit lock. */
#ifndef CWMFS_NODE_H
#define CWMFS_NODE_H

#include <fuse.h>

#include "listing.h"
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "editor.h"
#include "local.h"
#include "mount.h"
#include "resources.h"

struct listing;
struct xattrs;

/* Directories named by a value, nested: the most a path may hold. */
#define NODE_MAX_VARS 4

struct node {
    const struct node_kind *kind;
    const struct tmpl *tmpl;         /* the template it matched, if any */
    const struct resource_type *res; /* its row, or its collection's */
    char *path;                      /* owned */
    char *key;                       /* objects: the decoded key (owned) */
    struct local_file *local;        /* local files: a reference (owned) */
    struct local *locals;            /* the table that reference is from */
    bool resource_name;              /* names an object, there or not */
    bool action_name; /* "<key>.json.<action>": an action on that object */
    /* "new.json" in a collection named by id: only a file being created
     * can have such a name, the server cannot. */
    bool new_object_name;
    bool hidden; /* absent: renamed away, not deleted */
    /* The values of the directories named by a value on the way here
     * ("/tokens/{member}/": "admin"), outermost first (owned). */
    char *vars[NODE_MAX_VARS];
    int nvars;
    /* res with those values in its endpoint ("members/admin/tokens"),
     * when its endpoint has any; res then points here (owned). */
    struct resource_type *bound;
};

/* Optional attribute changes (chmod, chown, utimens). */
struct attr_change {
    const mode_t *mode;
    const uid_t *uid;
    const gid_t *gid;
    const struct timespec *mtime;
};

enum node_flags {
    NODE_DIR = 1 << 0, /* a directory: rmdir refuses EPERM */
    /* Shows in its directory's listing; without it a fixed name exists
     * only when looked up by name. */
    NODE_LISTED = 1 << 1,
    NODE_DIRECT_IO = 1 << 2,     /* reads bypass the kernel's page cache */
    NODE_STAT_NO_FETCH = 1 << 3, /* stat answers without asking the API */
    /* The kernel may keep its name and attributes for the TTL: whatever
     * changes them tells it (kcache.h).  Directories may too.  Every other
     * file changes in ways the kernel cannot see, so it keeps nothing. */
    NODE_KERNEL_CACHED = 1 << 4,
};

/* A kind's text: with want_text false only len and mtime. */
typedef int (*node_doc_fn)(struct cwmfs *fs, const struct node *n,
                           bool want_text, struct doc *doc);
/* What a setting does with the text written to it: 0, or -errno for the
 * writer's flush (see handle_open_setting). */
typedef int (*handle_apply_fn)(struct cwmfs *fs, const char *path,
                               const char *text);
/* A setting's text as its file shows it (malloc'd). */
typedef int (*node_text_fn)(struct cwmfs *fs, const struct node *n,
                            char **text);

/* A kind of node.  An operation left NULL answers -refusal. */
struct node_kind {
    const char *name;
    unsigned flags;
    int refusal; /* errno for what the kind does not do */
    /* What the node holds, for the editor's plans (editor.h). */
    void (*editor_name)(struct cwmfs *fs, const struct node *n,
                        struct editor_name *out);
    int (*lookup)(struct cwmfs *fs, const struct node *dir, const char *name,
                  struct node *child);
    /* Whether a fixed name's row is on this server: -ENOENT when not (the
     * name is then absent, and not listed); NULL: always. */
    int (*present)(struct cwmfs *fs, const struct resource_type *res);
    /* For a name a pattern matched (<key>.json): whether the server holds
     * it; 0 or -ENOENT.  NULL: never (the name stays vacant). */
    int (*exists)(struct cwmfs *fs, const struct node *n);
    int (*getattr)(struct cwmfs *fs, const struct node *n, struct stat *st);
    /* The attributes handed with the name when the kernel asks for both
     * (readdirplus), saving it a lookup per file: only from what is
     * cached, never a request; nonzero: the name goes alone.  NULL: names
     * of this kind always go alone. */
    int (*listed_getattr)(struct cwmfs *fs, const struct node *n,
                          struct stat *st);
    int (*list)(struct cwmfs *fs, const struct node *dir, struct listing *out);
    int (*open)(struct cwmfs *fs, const struct node *n,
                struct fuse_file_info *fi);
    int (*create)(struct cwmfs *fs, const struct node *n, mode_t mode,
                  struct fuse_file_info *fi);
    int (*truncate)(struct cwmfs *fs, const struct node *n, off_t size);
    int (*unlink)(struct cwmfs *fs, const struct node *n);
    /* Moves from (of this kind) to `to`, as the editor's plan says. */
    int (*rename)(struct cwmfs *fs, const struct node *from,
                  const struct node *to, const struct editor_rename *plan);
    int (*symlink)(struct cwmfs *fs, const struct node *n, const char *target);
    int (*readlink)(struct cwmfs *fs, const struct node *n, char *buf,
                    size_t size);
    int (*set_attr)(struct cwmfs *fs, const struct node *n,
                    const struct attr_change *change);
    /* The file's extended attributes (xattr.h), from what the mount
     * holds, never a request; NULL: it has none. */
    int (*xattrs)(struct cwmfs *fs, const struct node *n, struct xattrs *out);
    /* mkdir(2) at n's (absent) name; NULL: EPERM. */
    int (*mkdir)(struct cwmfs *fs, const struct node *n, mode_t mode);
    /* rmdir(2) of n; NULL: EPERM for a directory, else ENOTDIR. */
    int (*rmdir)(struct cwmfs *fs, const struct node *n);
    /* Read-only files made from one answer: their text, for getattr =
     * node_doc_getattr and open = node_doc_open. */
    node_doc_fn doc;
    /* Settings: their text and what a write of it does, for getattr =
     * node_setting_getattr and open = node_setting_open. */
    node_text_fn setting_text;
    handle_apply_fn setting_apply;
};

/* The kinds, one per file. */
extern const struct node_kind node_directory, node_collection, node_object,
    node_singleton, node_report, node_local, node_vacant, node_meta, node_count,
    node_history, node_kept, node_queries, node_query, node_run_params,
    node_run_result, node_report_link, node_status_text, node_refresh;

/* The kind of the status file `name` in /.cwmfs (node_status.c), or NULL
 * when it is not one; and their names, added to a listing. */
const struct node_kind *node_status_kind(const char *name);
void node_status_list(struct listing *out);

/* Resolves path one level at a time from the root.  0, -ENOENT, -ENOTDIR,
 * -ENOMEM. */
int node_resolve(struct cwmfs *fs, const char *path, struct node *out);
void node_clear(struct node *n);

/* ---- for kinds ---- */

/* The lookup of directories made from templates: a fixed name, else a
 * local file, else the directory's pattern (an object the server has),
 * else an absent name. */
int node_lookup_child(struct cwmfs *fs, const struct node *dir,
                      const char *name, struct node *child);
/* "dir/name" (or "/name"), malloc'd. */
char *node_child_path(const char *dir, const char *name);
/* Fills the attributes every node shares (inode, owner). */
void node_fill_common(struct cwmfs *fs, const char *path, struct stat *st);
/* The stat of an API-backed file. */
void node_fill_file(struct cwmfs *fs, const char *path, mode_t mode, size_t len,
                    time_t mtime, struct stat *st);
/* The mode of a row's file (0644 or 0444, before the umask). */
mode_t node_file_mode(struct cwmfs *fs, const struct resource_type *res,
                      bool read_only);
/* chmod, chown and utimens of a node that keeps no attributes. */
int node_accept_attr(struct cwmfs *fs, const struct node *n,
                     const struct attr_change *change);
/* The editor's view of a fixed part of the tree: refused with EPERM. */
void node_fixed_name(struct cwmfs *fs, const struct node *n,
                     struct editor_name *out);

/* Whether name is one of a runnable object's run files in res's folder
 * ("3.params", "3.result"); if so child gets its key and kind. */
bool node_run_name(const struct resource_type *res, const char *name,
                   struct node *child);
/* A count file's doc for a number already known: "N\n". */
int node_count_doc(size_t n, time_t mtime, bool want_text, struct doc *doc);
/* {"count": N} as a count file shows it, "N\n" (a store_render_fn). */
int node_render_count(const cJSON *answer, void *ctx, char **text, size_t *len);

/* ---- read-only files made from one answer (counts, histories, runs) ---- */

/* getattr of such a file (its kind's doc): mode 0444 less the umask, its
 * text's size. */
int node_doc_getattr(struct cwmfs *fs, const struct node *n, struct stat *st);
/* open of such a file: a snapshot of its text; writers get EACCES. */
int node_doc_open(struct cwmfs *fs, const struct node *n,
                  struct fuse_file_info *fi);

/* ---- settings the mount keeps (a query's, a report run's parameters) ---- */

/* getattr of a setting (its kind's setting_text): mode 0644 less the
 * umask, its text's size. */
int node_setting_getattr(struct cwmfs *fs, const struct node *n,
                         struct stat *st);
/* open of a setting: its text, which a writer's flush hands to the kind's
 * setting_apply. */
int node_setting_open(struct cwmfs *fs, const struct node *n,
                      struct fuse_file_info *fi);

/* ---- shared by the kinds of fixed names ---- */

/* A directory's attributes (nlink counts its template's subdirectories). */
int node_dir_getattr(struct cwmfs *fs, const struct node *n, struct stat *st);
/* open(2) of a directory as a file: -EISDIR. */
int node_dir_open(struct cwmfs *fs, const struct node *n,
                  struct fuse_file_info *fi);
/* create(2) at a name the tree already holds: -EEXIST. */
int node_create_exists(struct cwmfs *fs, const struct node *n, mode_t mode,
                       struct fuse_file_info *fi);

/* ---- shared by the kinds that hold objects' files ---- */

/* A file created at n's name: scratch, an edit or a draft (editor.h). */
int node_create_file(struct cwmfs *fs, const struct node *n, mode_t mode,
                     struct fuse_file_info *fi);
/* Opens a read-only snapshot of the object n names, read through the
 * kernel's page cache when `cached` (kcache.h), else past it. */
int node_object_open_snapshot(struct cwmfs *fs, const struct node *n,
                              bool cached, struct fuse_file_info *fi);
/* DELETE of the object n names (its commit lock taken here). */
int node_object_delete(struct cwmfs *fs, const struct node *n);
/* The stat of a local file; ino 0: the number of its path. */
int node_local_stat(struct cwmfs *fs, uint64_t ino, struct local_file *lf,
                    struct stat *st);

/* ---- directory listings ---- */

/* Adds one entry by name (its type spares find and grep an lstat). */
void listing_add(struct listing *l, const char *name, mode_t type);
/* The entries every template directory has: ".", "..", its fixed
 * children, its local files; server_names (sorted, may be NULL) are the
 * collection's objects, less any renamed away, with the attributes of
 * their kind's listed_getattr when the kernel asks for them. */
int listing_fill(struct listing *l, const struct tmpl *dir, char **server_names,
                 size_t server_count);

#endif
