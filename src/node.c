/* node.c - resolving paths into nodes, and what kinds share (see node.h). */
#include "node.h"

#include "buf.h"
#include "handle.h"
#include "mount.h"
#include "names.h"
#include "strmap.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The kind of node each template makes. */
/* clang-format off */
static const struct node_kind *const kind_of_role[TMPL_ROLES] = {
    [TMPL_DIRECTORY] = &node_directory,
    [TMPL_COLLECTION] = &node_collection,
    [TMPL_SINGLETON] = &node_singleton,
    [TMPL_REPORT] = &node_report,
    [TMPL_REPORT_LINK] = &node_report_link,
    [TMPL_OBJECT] = &node_object,
    [TMPL_META] = &node_meta,
    [TMPL_COUNT] = &node_count,
    [TMPL_HISTORY] = &node_history,
    [TMPL_QUERIES] = &node_queries,
};
/* clang-format on */

pid_t mount_caller_process(struct cwmfs *fs)
{
    return reads_process_of(fs->reads, fuse_get_context()->pid);
}

void node_clear(struct node *n)
{
    for (int i = 0; i < n->nvars; i++)
        free(n->vars[i]);
    if (n->bound)
        free((char *)n->bound->endpoint);
    free(n->bound);
    free(n->path);
    free(n->key);
    if (n->local)
        local_put(n->locals, n->local);
    memset(n, 0, sizeof(*n));
}

char *node_child_path(const char *dir, const char *name)
{
    char *path;

    if (asprintf(&path, "%s/%s", strcmp(dir, "/") ? dir : "", name) < 0)
        return NULL;
    return path;
}

static int node_init(struct node *n, const struct node_kind *kind,
                     const struct tmpl *t, const char *dir, const char *name)
{
    memset(n, 0, sizeof(*n));
    n->kind = kind;
    n->tmpl = t;
    n->res = t ? t->res : NULL;
    n->path = dir ? node_child_path(dir, name) : strdup("/");
    return n->path ? 0 : -ENOMEM;
}

/* A local file at the child's path: its own kind, or an absent name when
 * it only hides a server object renamed away.  1 if there is none. */
static int lookup_local(struct cwmfs *fs, struct node *child)
{
    struct local_view v;
    struct local_file *lf = local_get(fs->local, child->path);
    int rc;

    if (!lf)
        return 1;
    rc = local_view(fs->local, lf, false, &v);
    if (rc) {
        local_put(fs->local, lf);
        return rc;
    }
    child->hidden = v.kind == LOCAL_HIDDEN;
    child->kind = child->hidden          ? &node_vacant
                  : v.kind == LOCAL_KEPT ? &node_kept
                                         : &node_local;
    child->local = lf;
    child->locals = fs->local;
    local_view_clear(&v);
    return 0;
}

/* "admin%23id42.json": one of two objects that share an identifier. */
static char *duplicate_key(const char *name, const struct resource_type **res)
{
    char *stem = name_stem(name), *id = stem ? name_duplicate_id(stem) : NULL;
    const struct resource_type *view = *res ? resource_duplicates(*res) : NULL;

    if (!id || !view) {
        free(stem);
        stem = NULL;
    } else {
        *res = view;
    }
    free(id);
    return stem;
}

/* "jdoe.json.deactivate": the key of the object an action names, or
 * NULL.  malloc'd. */
static char *action_key(const struct resource_type *res, const char *name)
{
    size_t len = strlen(name), alen = res->action ? strlen(res->action) : 0;
    char *stem, *key;

    if (!alen || len <= alen + 1 || name[len - alen - 1] != '.' ||
        strcmp(name + len - alen, res->action) != 0)
        return NULL;
    stem = strndup(name, len - alen - 1);
    key = stem ? key_for_name(stem) : NULL;
    free(stem);
    return key;
}

/* The key a name in a collection stands for, or NULL (scratch). */
static void match_pattern(const struct tmpl *dir, const char *name,
                          struct node *child)
{
    const struct tmpl *pat = dir->pattern;

    if (!pat || pat->var)
        return; /* no pattern, or one for directories */
    child->res = pat->res;
    child->key = key_for_name(name);
    if (!child->key)
        child->key = duplicate_key(name, &child->res);
    if (!child->key && node_run_name(pat->res, name, child))
        return;
    if (!child->key) {
        child->key = action_key(pat->res, name);
        child->action_name = child->key != NULL;
        child->res = child->key ? pat->res : dir->res;
        return;
    }
    child->tmpl = pat;
    child->resource_name = true;
    child->new_object_name = resource_keyed_by_id(child->res) &&
                             !name_is_decimal_id(child->key);
}

/* The directory's values, and name when it is one itself; 0 or -errno. */
static int inherit_vars(const struct node *dir, const char *value,
                        struct node *child)
{
    int n = dir->nvars + (value != NULL);

    if (n > NODE_MAX_VARS)
        return -ENAMETOOLONG;
    for (int i = 0; i < n; i++) {
        child->vars[i] = strdup(i < dir->nvars ? dir->vars[i] : value);
        if (!child->vars[i])
            return -ENOMEM;
        child->nvars = i + 1;
    }
    return 0;
}

/* The endpoint of a row with the node's values in place of its
 * "{variables}", in order, each percent-encoded; NULL without memory. */
static char *bind_endpoint(const char *tmpl, char *const *vars, int nvars)
{
    struct buf out = BUF_INIT(0);
    int used = 0, rc = 0;

    for (const char *p = tmpl; *p && rc == 0;) {
        const char *close = *p == '{' ? strchr(p, '}') : NULL;
        bool bound = close && used < nvars; /* later ones: the key's */
        char *value = bound ? api_escape_segment(vars[used++]) : NULL;

        if (bound && !value)
            rc = -ENOMEM;
        else if (bound)
            rc = buf_append_str(&out, value);
        else
            rc = buf_append(&out, p, close ? (size_t)(close + 1 - p) : 1);
        free(value);
        p = close ? close + 1 : p + 1;
    }
    if (rc) {
        buf_clear(&out);
        return NULL;
    }
    return buf_take(&out, NULL);
}

/* Gives n a copy of its row whose endpoint holds n's values (below a
 * directory named by a value), so the store and the committer, which
 * know rows and not paths, ask for the right URL. */
static int bind_row(struct node *n)
{
    if (!n->res || !n->nvars || !strchr(n->res->endpoint, '{'))
        return 0;
    n->bound = malloc(sizeof(*n->bound));
    if (!n->bound)
        return -ENOMEM;
    *n->bound = *n->res;
    n->bound->endpoint = bind_endpoint(n->res->endpoint, n->vars, n->nvars);
    if (!n->bound->endpoint) {
        free(n->bound);
        n->bound = NULL;
        return -ENOMEM;
    }
    n->res = n->bound;
    return 0;
}

/* Whether name is one of a space-separated list of values. */
static bool is_value(const char *values, const char *name)
{
    size_t len = strlen(name);

    for (const char *p = values + strspn(values, " "); *p;
         p += strspn(p, " ")) {
        size_t n = strcspn(p, " ");
        if (n == len && strncmp(p, name, n) == 0)
            return true;
        p += n;
    }
    return false;
}

/* A directory named by a value ("/tokens/{member}/"): any name that is
 * looked up there, or one of the values its row lists. */
static bool match_var_dir(const struct tmpl *dir, const char *name,
                          struct node *child)
{
    const struct tmpl *pat = dir->pattern;

    if (!pat || !pat->var || (pat->values && !is_value(pat->values, name)))
        return false;
    child->tmpl = pat;
    child->res = pat->res;
    child->kind = kind_of_role[pat->role];
    return true;
}

/* Whether the fixed name t is on this server (see node_kind.present). */
static bool is_present(struct cwmfs *fs, const struct tmpl *t)
{
    const struct node_kind *kind = kind_of_role[t->role];

    return !kind->present || !t->res || kind->present(fs, t->res) != -ENOENT;
}

/* The child of a template directory before its row is bound. */
static int lookup_unbound(struct cwmfs *fs, const struct node *dir,
                          const char *name, struct node *child)
{
    const struct tmpl *t = tmpl_child(dir->tmpl, name);
    int rc = node_init(child, &node_vacant, t, dir->path, name);
    bool var_dir = rc == 0 && !t && match_var_dir(dir->tmpl, name, child);

    if (rc == 0)
        rc = inherit_vars(dir, var_dir ? name : NULL, child);
    if (rc || t || var_dir) {
        if (t)
            child->kind = is_present(fs, t) ? kind_of_role[t->role]
                                            : &node_vacant;
        return rc;
    }
    child->res = dir->tmpl->res;
    match_pattern(dir->tmpl, name, child);
    return lookup_local(fs, child);
}

int node_lookup_child(struct cwmfs *fs, const struct node *dir,
                      const char *name, struct node *child)
{
    const struct node_kind *pattern_kind;
    int rc = lookup_unbound(fs, dir, name, child);

    if (rc == 0 || rc == 1)
        rc = bind_row(child) ? -ENOMEM : rc;
    if (rc != 1 || !child->resource_name)
        return rc < 0 ? rc : 0; /* found, or an absent scratch name */
    pattern_kind = kind_of_role[child->tmpl->role];
    rc = pattern_kind->exists ? pattern_kind->exists(fs, child) : -ENOENT;
    if (rc == 0)
        child->kind = pattern_kind;
    return rc == -ENOENT ? 0 : rc;
}

/* Copies the next segment of *p into name and moves past it; 0 at the
 * end, 1 for a segment, -ENAMETOOLONG. */
static int next_segment(const char **p, char name[NAME_MAX + 1])
{
    size_t len;

    *p += strspn(*p, "/");
    len = strcspn(*p, "/");
    if (len == 0)
        return 0;
    if (len > NAME_MAX)
        return -ENAMETOOLONG;
    memcpy(name, *p, len);
    name[len] = '\0';
    *p += len;
    return 1;
}

/* Replaces *n by its child called name. */
static int step(struct cwmfs *fs, struct node *n, const char *name)
{
    struct node child;
    int rc;

    if (!n->kind->lookup)
        return -ENOTDIR;
    rc = n->kind->lookup(fs, n, name, &child);
    node_clear(n);
    *n = child; /* cleared by the caller on failure */
    return rc;
}

int node_resolve(struct cwmfs *fs, const char *path, struct node *out)
{
    char name[NAME_MAX + 1];
    int rc = node_init(out, &node_directory, fs->tree, NULL, NULL);

    if (rc == 0 && !out->tmpl)
        rc = -ENOMEM;
    while (rc == 0) {
        int more = next_segment(&path, name);
        if (more <= 0) {
            rc = more;
            break;
        }
        rc = step(fs, out, name);
    }
    if (rc)
        node_clear(out);
    return rc;
}

/* ---- what kinds share ---- */

void node_fill_common(struct cwmfs *fs, const char *path, struct stat *st)
{
    st->st_ino = inode_for_path(fs->inodes, path);
    st->st_uid = fs->uid;
    st->st_gid = fs->gid;
    st->st_blksize = 4096;
}

void node_fill_file(struct cwmfs *fs, const char *path, mode_t mode, size_t len,
                    time_t mtime, struct stat *st)
{
    node_fill_common(fs, path, st);
    st->st_mode = S_IFREG | mode;
    st->st_nlink = 1;
    st->st_size = (off_t)len;
    st->st_blocks = (blkcnt_t)((len + 511) / 512);
    st->st_mtime = st->st_ctime = st->st_atime = mtime;
}

mode_t node_file_mode(struct cwmfs *fs, const struct resource_type *res,
                      bool read_only)
{
    /* Writing a file changes its object; creating and removing files are
     * the directory's business. */
    bool writable = (store_verbs(fs->store, res) & (VERB_PATCH | VERB_PUT)) &&
                    !read_only;

    return (writable ? 0644 : 0444) & ~fs->umask;
}

int node_doc_getattr(struct cwmfs *fs, const struct node *n, struct stat *st)
{
    struct doc doc = { 0 };
    int rc = n->kind->doc(fs, n, false, &doc);

    if (rc == 0)
        node_fill_file(fs, n->path, 0444 & ~fs->umask, doc.len, doc.mtime, st);
    doc_clear(&doc);
    return rc;
}

int node_doc_open(struct cwmfs *fs, const struct node *n,
                  struct fuse_file_info *fi)
{
    struct doc doc = { 0 };
    int rc;

    if (handle_wants_write(fi))
        return -EACCES;
    rc = n->kind->doc(fs, n, true, &doc);
    return rc ? rc
              : handle_open_snapshot(fs, n->path, fi, &doc, 0444 & ~fs->umask);
}

int node_setting_getattr(struct cwmfs *fs, const struct node *n,
                         struct stat *st)
{
    char *text = NULL;
    int rc = n->kind->setting_text(fs, n, &text);

    if (rc == 0)
        node_fill_file(fs, n->path, 0644 & ~fs->umask, strlen(text),
                       fs->mounted, st);
    free(text);
    return rc;
}

int node_setting_open(struct cwmfs *fs, const struct node *n,
                      struct fuse_file_info *fi)
{
    char *text = NULL;
    int rc = n->kind->setting_text(fs, n, &text);

    if (rc == 0)
        rc = handle_open_setting(fs, n->path, fi, text, n->kind->setting_apply);
    free(text);
    return rc;
}

int node_accept_attr(struct cwmfs *fs, const struct node *n,
                     const struct attr_change *change)
{
    (void)fs;
    (void)n;
    (void)change;
    return 0; /* vim, sed and emacs fail a save when these fail */
}

void node_fixed_name(struct cwmfs *fs, const struct node *n,
                     struct editor_name *out)
{
    (void)fs;
    (void)n;
    out->state = EF_FIXED;
    out->resource_name = false;
    out->action_name = false;
    out->refusal = EPERM;
}

/* ---- listings ---- */

/* The attributes of the file at path, if its kind hands them in a
 * listing; false when it goes by name alone. */
static bool listed_attributes(struct cwmfs *fs, const char *path,
                              struct stat *st)
{
    struct node n;
    bool ok = false;

    if (node_resolve(fs, path, &n) == 0) {
        ok = n.kind->listed_getattr && n.kind->listed_getattr(fs, &n, st) == 0;
        node_clear(&n);
    }
    return ok;
}

static void add_entry(struct listing *l, const char *name, mode_t type,
                      bool with_attributes)
{
    char *path = node_child_path(l->dir, name);
    struct stat st = { 0 };

    if (path && with_attributes && listed_attributes(l->fs, path, &st)) {
        listing_put(l, name, &st, true);
    } else {
        memset(&st, 0, sizeof(st));
        st.st_mode = type; /* gives d_type, saving find and grep an lstat */
        st.st_ino = path ? inode_for_path(l->fs->inodes, path) : 0;
        listing_put(l, name, &st, false);
    }
    free(path);
}

void listing_add(struct listing *l, const char *name, mode_t type)
{
    add_entry(l, name, type, false);
}

struct local_names {
    struct listing *l;
    char **server_names;
    size_t server_count;
    struct strmap *hidden; /* names renamed away, to leave out */
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Local files: listed unless they stand for a server file listed anyway;
 * names renamed away are collected to be left out. */
static void add_local(void *ctx, const char *name, enum local_kind kind)
{
    struct local_names *ln = ctx;

    if (kind == LOCAL_HIDDEN)
        strmap_put(ln->hidden, name, (void *)ln); /* any non-NULL value */
    else if (!ln->server_count ||
             !bsearch(&name, ln->server_names, ln->server_count, sizeof(char *),
                      cmp_str))
        listing_add(ln->l, name, kind == LOCAL_SYMLINK ? S_IFLNK : S_IFREG);
}

static void add_fixed(struct listing *l, const struct tmpl *dir)
{
    const char *v = dir->pattern ? dir->pattern->values : NULL;

    for (const struct tmpl *c = dir->children; c; c = c->next)
        if ((kind_of_role[c->role]->flags & NODE_LISTED) && !c->hidden &&
            is_present(l->fs, c))
            listing_add(l, c->name, tmpl_is_dir(c) ? S_IFDIR : S_IFREG);
    for (v = v ? v + strspn(v, " ") : ""; *v; v += strspn(v, " ")) {
        size_t n = strcspn(v, " ");
        char name[64];

        snprintf(name, sizeof(name), "%.*s", (int)n, v);
        listing_add(l, name, S_IFDIR);
        v += n;
    }
}

int listing_fill(struct listing *l, const struct tmpl *dir, char **server_names,
                 size_t server_count)
{
    struct local_names ln = { l, server_names, server_count, strmap_new(NULL) };
    mode_t type = dir->pattern && dir->pattern->role == TMPL_REPORT_LINK
                      ? S_IFLNK
                      : S_IFREG;

    if (!ln.hidden)
        return -ENOMEM;
    listing_dots(l);
    add_fixed(l, dir);
    local_for_each_in(l->fs->local, l->dir, add_local, &ln);
    /* Only the server's objects come with attributes: they are what a
     * listing fills the cache with (and local files are listed under
     * their lock, which a lookup takes again). */
    for (size_t i = 0; i < server_count; i++)
        if (!strmap_get(ln.hidden, server_names[i]))
            add_entry(l, server_names[i], type, l->plus);
    strmap_free(ln.hidden);
    return 0;
}
