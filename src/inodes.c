/* inodes.c - see inodes.h. */
#include "inodes.h"

#include "strmap.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct inode_table {
    pthread_mutex_t lock;
    struct strmap *by_path; /* path -> uint64_t * */
    uint64_t next;
};

struct inode_table *inode_table_new(void)
{
    struct inode_table *table = calloc(1, sizeof(*table));

    if (!table)
        return NULL;
    table->by_path = strmap_new(free);
    if (!table->by_path) {
        free(table);
        return NULL;
    }
    pthread_mutex_init(&table->lock, NULL);
    table->next = 2; /* 1 is the root's */
    return table;
}

void inode_table_free(struct inode_table *table)
{
    if (!table)
        return;
    strmap_free(table->by_path);
    pthread_mutex_destroy(&table->lock);
    free(table);
}

static uint64_t assign_locked(struct inode_table *table, const char *path)
{
    uint64_t *ino = strmap_get(table->by_path, path);

    if (ino)
        return *ino;
    ino = malloc(sizeof(*ino));
    if (!ino)
        return 0;
    *ino = table->next;
    if (strmap_put(table->by_path, path, ino) != 0) {
        free(ino);
        return 0;
    }
    table->next++;
    return *ino;
}

uint64_t inode_for_path(struct inode_table *table, const char *path)
{
    uint64_t ino;

    if (strcmp(path, "/") == 0)
        return 1;
    pthread_mutex_lock(&table->lock);
    ino = assign_locked(table, path);
    pthread_mutex_unlock(&table->lock);
    return ino;
}

void inode_forget(struct inode_table *table, const char *path)
{
    pthread_mutex_lock(&table->lock);
    strmap_remove(table->by_path, path);
    pthread_mutex_unlock(&table->lock);
}

void inode_move(struct inode_table *table, const char *from, const char *to)
{
    uint64_t *ino;

    pthread_mutex_lock(&table->lock);
    ino = strmap_take(table->by_path, from);
    if (!ino)
        strmap_remove(table->by_path, to);
    else if (strmap_put(table->by_path, to, ino) != 0)
        free(ino); /* no memory: `to` gets a new number when next seen */
    pthread_mutex_unlock(&table->lock);
}

unsigned long inode_count(struct inode_table *table)
{
    unsigned long n;

    pthread_mutex_lock(&table->lock);
    n = (unsigned long)strmap_count(table->by_path);
    pthread_mutex_unlock(&table->lock);
    return n;
}
