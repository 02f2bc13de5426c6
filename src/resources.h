/* resources.h - the table of what the mount shows, and its tree.
 *
 * Every API resource the filesystem exposes is one row: the template of its
 * files in the tree ("/members/{identifier}.json", "/info"), the endpoint
 * that serves it, the verbs the API permits, and the cache tags a write to
 * it makes stale.  Adding a collection is adding a row.
 *
 * The rows are read once into a tree of templates, one level per path
 * segment, which is what a lookup walks: a literal segment ("members"), a
 * pattern for files named by a key ("{identifier}.json"), or a pattern for
 * directories named by a value ("{member}").  Directories the templates
 * imply need no row of their own. */
#ifndef CWMFS_RESOURCES_H
#define CWMFS_RESOURCES_H

#include <stdbool.h>
#include <stddef.h>

enum resource_kind {
    RES_SINGLETON,  /* one file: an object, or a whole list (list_endpoint) */
    RES_COLLECTION, /* a directory of <key>.json files */
    RES_REPORT,     /* one file whose answer is costly: run when read,
                       never when listed or stat'ed */
    RES_HISTORY,    /* a file per object, named when asked for, never
                       listed: that object's audit trail */
};

enum resource_verb {
    VERB_GET = 1 << 0,
    VERB_POST = 1 << 1,
    VERB_PUT = 1 << 2,
    VERB_PATCH = 1 << 3,
    VERB_DELETE = 1 << 4,
};

struct resource_type {
    const char *pattern;  /* the row's template in the mount */
    const char *path;     /* the directory (collections) or file it names */
    const char *endpoint; /* under .../apis/3.0/system/, e.g. "members/types" */
    enum resource_kind kind;
    const char *key_field; /* collections: the field naming each file */
    bool list_endpoint;    /* singletons: the endpoint returns a paged list */
    unsigned verbs;        /* what the API permits (resource_verb bits) */
    /* Cache tags, space-separated: what the row's listings are filed under
     * (its endpoint when NULL), and what a write to it makes stale besides
     * its own tag (NULL: nothing more). */
    const char *tag;
    const char *invalidates;
    /* In the user's description but missing on some servers: where the
     * server answers 404, the file or folder is absent, not an error. */
    bool optional;
    /* Where the endpoint is missing, the server's own route to the same
     * answer: GET `via`, take its "id", GET `alternative` with "{id}"
     * replaced by it (the caller: "mymembers", then "myAccount/{id}"). */
    const char *via;
    const char *alternative;
    /* Where a server has no DELETE for the row, what it offers instead
     * (said to the user who tried rm). */
    const char *instead_of_delete;
    /* An action on an object, done by writing a file: "<name>.<action>"
     * beside the object's file; its text is POSTed to action_endpoint,
     * whose "{id}" is the object's id (members: "deactivate"). */
    const char *action;
    const char *action_endpoint;
    /* The row's objects are reports: the endpoint lists their names, and
     * each is fetched from <endpoint>/<name> only when read, shown as rows
     * keyed by column (report.h); ls -l never runs one. */
    bool reports;
    /* A view of a collection: its objects that share a key with another,
     * named "<key>%23id<id>" (see names.h); made by resource_duplicates. */
    bool duplicates;
    /* Objects that can be run (the description's apiReports): beside
     * <key>.json, <key>.params holds the run's parameters (JSON, default
     * {}) and <key>.result, reachable by name only, runs it when opened:
     * POST run_endpoint ("{id}": the key) with {"params": ...}. */
    const char *run_endpoint;
    /* Another endpoint that lists the objects by conditions (the user's
     * description's members/search): queries try it first, and use the
     * endpoint itself where it answers 404. */
    const char *search;
    /* A POST's answer is shown only once (a member token's key pair): the
     * created file keeps it, read-only, mode 0600, for the mount's life. */
    bool keep_answer;
    /* The values the pattern's "{variable}" directory takes, space-
     * separated: listed as folders, and no other name is (NULL: any name
     * may be looked up, none is listed). */
    const char *values;
};

extern const struct resource_type resource_table[];
extern const size_t resource_count;

/* The row whose path is exactly `path`, or NULL. */
const struct resource_type *resource_at(const char *path);
/* Whether a row's files may be changed through the API. */
bool resource_is_writable(const struct resource_type *res);
/* Whether the row's key field is the numeric id. */
bool resource_keyed_by_id(const struct resource_type *res);
/* The tag a row's listings are filed under. */
const char *resource_tag(const struct resource_type *res);
/* The view of res's objects that share a key (NULL for collections named
 * by id, where a shared key is the same object).  It can read, change and
 * delete them, not create. */
const struct resource_type *
resource_duplicates(const struct resource_type *res);

/* ---- the tree of templates ---- */

enum tmpl_role {
    TMPL_DIRECTORY,   /* a directory of fixed names (the root) */
    TMPL_COLLECTION,  /* a directory of objects (and maybe fixed names) */
    TMPL_SINGLETON,   /* one file */
    TMPL_REPORT,      /* one file, fetched only when read */
    TMPL_REPORT_LINK, /* a report's name in its folder: a link into
                         REPORT_ROWS, where the TMPL_REPORT file is */
    TMPL_OBJECT,      /* the pattern of a collection's files */
    TMPL_META,        /* cwmfs's own /.cwmfs tree */
    TMPL_COUNT,       /* a collection's number of objects (COUNT_NAME) */
    TMPL_HISTORY,     /* the pattern of a RES_HISTORY row's files */
    TMPL_QUERIES,     /* /queries: saved searches as folders (query.h) */
    TMPL_ROLES
};

/* The directory holding cwmfs's own files. */
#define META_DIR "/.cwmfs"
/* In a folder of reports, the hidden folder of the files that run them:
 * the folder lists links to these, and neither grep -r nor find follows a
 * link, so a walk of the mount runs no report. */
#define REPORT_ROWS ".rows"
/* The folder of saved searches. */
#define QUERIES_DIR "/queries"
/* In every collection: how many objects it holds.  A dot name, and not
 * listed, so that grep -r, find and cp -r see only the objects. */
#define COUNT_NAME ".count"

struct tmpl {
    char *name;         /* a literal segment; NULL for a pattern */
    char *var;          /* a pattern directory's variable, or NULL */
    const char *values; /* the values it takes (resource_type.values) */
    enum tmpl_role role;
    const struct resource_type *res; /* the row (collections, files) */
    const struct tmpl *parent;
    struct tmpl *children; /* literal children, in table order */
    struct tmpl *next;     /* the next sibling */
    struct tmpl *pattern;  /* the child any other name may match */
    int subdirs;           /* children that are directories */
    bool hidden;           /* reachable by name, never listed */
};

/* The tree of resource_table (built on first use, never freed). */
const struct tmpl *tmpl_root(void);
/* A tree of any rows (tests); NULL without memory or for a malformed
 * pattern.  /.cwmfs is always its first child. */
struct tmpl *tmpl_build(const struct resource_type *rows, size_t count);
void tmpl_free(struct tmpl *root);
/* The literal child of dir called name, or NULL. */
const struct tmpl *tmpl_child(const struct tmpl *dir, const char *name);
/* Whether a template stands for a directory. */
bool tmpl_is_dir(const struct tmpl *t);

#endif
