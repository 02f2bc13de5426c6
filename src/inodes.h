/* inodes.h - inode numbers that follow files, not paths.
 *
 * Editors compare st_ino to notice a file replaced behind their back, so a
 * name keeps the number it was first given (the root is 1) while the file
 * lives: a rename carries the number to the new name, as on a disk, and an
 * unlink forgets it.  libfuse's path-based API tells no one when the kernel
 * forgets an inode, so a number lives as long as its name. */
#ifndef CWMFS_INODES_H
#define CWMFS_INODES_H

#include <stdint.h>

struct inode_table;

struct inode_table *inode_table_new(void);
void inode_table_free(struct inode_table *table);
/* The number for path, assigning the next free one on first sight; 0 only
 * when out of memory. */
uint64_t inode_for_path(struct inode_table *table, const char *path);
/* The name is gone (unlinked, or its object deleted). */
void inode_forget(struct inode_table *table, const char *path);
/* A rename: `to` takes from's number (if it has one), `from` loses it. */
void inode_move(struct inode_table *table, const char *from, const char *to);
/* Names with a number (for tests and statistics). */
unsigned long inode_count(struct inode_table *table);

#endif
