/* errlog.h - refusals, where a user can read them: the /.cwmfs tree.
 *
 * A save the filesystem or the server refused reaches the program only as
 * an errno.  So every refusal also writes one line naming the file and the
 * reason to the log and to /.cwmfs/errors, and keeps the refused text at
 * /.cwmfs/rejected/<path> so nothing typed is lost. */
#ifndef CWMFS_ERRLOG_H
#define CWMFS_ERRLOG_H

#include <stddef.h>
#include <sys/stat.h>
#include <time.h>

struct errlog;

struct errlog *errlog_new(void);
void errlog_free(struct errlog *log);

struct keep;

/* From now on refused texts are kept on disk too (keep.h); and what the
 * last mount kept, refused or never sent, shows again under
 * /.cwmfs/rejected, with a line in /.cwmfs/errors for each.  keep may be
 * NULL (memory only). */
void errlog_keep(struct errlog *log, struct keep *keep);

/* path is the mount path ("/members/admin.json"); text may be NULL. */
void errlog_record(struct errlog *log, const char *path, int err,
                   const char *reason, const char *text, size_t len);

/* The /.cwmfs tree, read-only.  Paths start with "/.cwmfs".  The stat
 * fields filled are mode (before the umask), size, mtime and nlink. */
int errlog_getattr(struct errlog *log, const char *path, struct stat *st);
int errlog_list(struct errlog *log, const char *path,
                void (*fn)(void *ctx, const char *name, mode_t type),
                void *ctx);
/* A copy of a file's bytes (malloc'd, NUL-terminated at *len). */
int errlog_read(struct errlog *log, const char *path, char **data, size_t *len);

#endif
