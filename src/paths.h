/* paths.h - small helpers for mount paths as strings. */
#ifndef CWMFS_PATHS_H
#define CWMFS_PATHS_H

#include <stddef.h>

/* "members/admin.json" for "/members/admin.json": how messages name files. */
const char *path_display(const char *path);
/* The directory part of path ("/" for top-level names), into buf. */
int path_parent(const char *path, char *buf, size_t size);

/* An endpoint template ("myAccount/{id}") with id in place of "{id}" (a
 * template without one is copied); malloc'd, NULL without memory. */
char *path_with_id(const char *tmpl, const char *id);

#endif
