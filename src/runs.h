/* runs.h - the parameters of runnable objects (the description's
 * apiReports): what <key>.params holds, by "<endpoint>/<key>", for the
 * life of the mount.  Thread-safe. */
#ifndef CWMFS_RUNS_H
#define CWMFS_RUNS_H

struct runs;

struct runs *runs_new(void);
void runs_free(struct runs *runs);

/* The parameters' JSON text ("{}" when never set), malloc'd; NULL without
 * memory. */
char *runs_params(struct runs *runs, const char *object);
/* Sets them (text is not checked here); 0 or -ENOMEM. */
int runs_set_params(struct runs *runs, const char *object, const char *text);

#endif
