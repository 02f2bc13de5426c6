/* inodes.c - see inodes.h. */
#include "inodes.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

struct inode_entry {
    char *path;
    uint64_t ino;
    UT_hash_handle hh;
};

struct inode_table {
    pthread_mutex_t lock;
    struct inode_entry *by_path;
    uint64_t next;
};

struct inode_table *inode_table_new(void)
{
    struct inode_table *table = calloc(1, sizeof(*table));

    if (!table)
        return NULL;
    pthread_mutex_init(&table->lock, NULL);
    table->next = 2; /* 1 is the root's */
    return table;
}

void inode_table_free(struct inode_table *table)
{
    struct inode_entry *e, *tmp;

    if (!table)
        return;
    HASH_ITER(hh, table->by_path, e, tmp) {
        HASH_DEL(table->by_path, e);
        free(e->path);
        free(e);
    }
    pthread_mutex_destroy(&table->lock);
    free(table);
}

uint64_t inode_for_path(struct inode_table *table, const char *path)
{
    struct inode_entry *e;
    uint64_t ino = 0;

    if (strcmp(path, "/") == 0)
        return 1;
    pthread_mutex_lock(&table->lock);
    HASH_FIND_STR(table->by_path, path, e);
    if (!e && (e = calloc(1, sizeof(*e))) != NULL) {
        e->path = strdup(path);
        if (!e->path) {
            free(e);
            e = NULL;
        } else {
            e->ino = table->next++;
            HASH_ADD_KEYPTR(hh, table->by_path, e->path, strlen(e->path), e);
        }
    }
    if (e)
        ino = e->ino;
    pthread_mutex_unlock(&table->lock);
    return ino;
}
