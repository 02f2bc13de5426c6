/* inodes.h - inode numbers that stay the same for the life of the mount.
 *
 * Editors compare st_ino to notice a file replaced behind their back, so a
 * path keeps the number it was first given (the root is 1). */
#ifndef CWMFS_INODES_H
#define CWMFS_INODES_H

#include <stdint.h>

struct inode_table;

struct inode_table *inode_table_new(void);
void inode_table_free(struct inode_table *table);
/* The number for path, assigning the next free one on first sight; 0 only
 * when out of memory. */
uint64_t inode_for_path(struct inode_table *table, const char *path);

#endif
