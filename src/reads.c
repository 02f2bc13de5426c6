/* reads.c - see reads.h. */
#include "reads.h"

#include "strmap.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uthash.h>

/* Bases kept: a grep -r over a big org must not keep every file twice.
 * Losing one only makes a later save more careful (see reads.h). */
#define BASES_MAX 1024
#define BASES_MAX_BYTES (64UL * 1024 * 1024)
/* Fingerprints are small; this bounds a pathological mount. */
#define SHOWN_MAX (1UL << 20)
/* A thread id is only reused after the kernel cycles through pid_max, so a
 * second of trust in its process costs nothing. */
#define PROCESS_CACHE_SECONDS 1
#define PROCESS_CACHE_MAX 4096

struct base {
    const char *text; /* owned (malloc'd) unless owner is set */
    size_t len;
    void *owner; /* holds text for us; release(owner) lets it go */
    void (*release)(void *owner);
};

/* A thread's process, keyed by thread id (an int key: plain uthash). */
struct process {
    pid_t tid;
    pid_t tgid;
    time_t until;
    UT_hash_handle hh;
};

struct reads {
    pthread_mutex_t lock;
    struct strmap *bases; /* "<pid> <path>" -> struct base; oldest first */
    size_t base_bytes;
    struct strmap *shown; /* path -> uint64_t fingerprint; oldest first */
    struct process *processes;
};

static void base_free(void *value)
{
    struct base *b = value;

    if (b && b->owner)
        b->release(b->owner);
    else if (b)
        free((char *)b->text);
    free(b);
}

struct reads *reads_new(void)
{
    struct reads *reads = calloc(1, sizeof(*reads));

    if (!reads)
        return NULL;
    reads->bases = strmap_new(base_free);
    reads->shown = strmap_new(free);
    if (!reads->bases || !reads->shown) {
        strmap_free(reads->bases);
        strmap_free(reads->shown);
        free(reads);
        return NULL;
    }
    pthread_mutex_init(&reads->lock, NULL);
    return reads;
}

/* Frees a base taken out of the table (NULL: none). */
static void base_drop_locked(struct reads *reads, struct base *b)
{
    if (b)
        reads->base_bytes -= b->len;
    base_free(b);
}

static void processes_clear_locked(struct reads *reads)
{
    struct process *p, *tmp;

    HASH_ITER(hh, reads->processes, p, tmp) {
        HASH_DEL(reads->processes, p);
        free(p);
    }
}

void reads_free(struct reads *reads)
{
    if (!reads)
        return;
    strmap_free(reads->bases);
    strmap_free(reads->shown);
    processes_clear_locked(reads);
    pthread_mutex_destroy(&reads->lock);
    free(reads);
}

uint64_t reads_fingerprint(const char *text, size_t len)
{
    const uint64_t k = 0x9e3779b97f4a7c15ULL; /* 2^64 / golden ratio */
    uint64_t h = 0xcbf29ce484222325ULL ^ len, word;
    size_t i = 0;

    /* A word at a time: every file fetched or listed takes one. */
    for (; i + sizeof(word) <= len; i += sizeof(word)) {
        memcpy(&word, text + i, sizeof(word));
        h = (h ^ word) * k;
        h = (h << 31) | (h >> 33);
    }
    for (; i < len; i++)
        h = (h ^ (unsigned char)text[i]) * k;
    h ^= h >> 33; /* spread the last bytes over every bit */
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h ? h : 1; /* 0 means "not computed" (store.h) */
}

/* ---- processes ---- */

/* The Tgid line of /proc/<tid>/status; the thread itself when unreadable
 * (it exited: then nothing it read matters any more). */
static pid_t tgid_from_proc(pid_t tid)
{
    char path[64], line[128];
    long tgid = tid;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%ld/status", (long)tid);
    f = fopen(path, "re");
    if (!f)
        return tid;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "Tgid: %ld", &tgid) == 1)
            break;
    fclose(f);
    return (pid_t)tgid;
}

pid_t reads_process_of(struct reads *reads, pid_t tid)
{
    struct process *p;
    time_t now = time(NULL);
    pid_t tgid;

    if (tid <= 0)
        return tid; /* the kernel itself, or a pid outside our namespace */
    pthread_mutex_lock(&reads->lock);
    HASH_FIND_INT(reads->processes, &tid, p);
    tgid = p && p->until >= now ? p->tgid : 0;
    pthread_mutex_unlock(&reads->lock);
    if (tgid)
        return tgid;
    tgid = tgid_from_proc(tid);
    pthread_mutex_lock(&reads->lock);
    HASH_FIND_INT(reads->processes, &tid, p);
    if (!p && HASH_COUNT(reads->processes) >= PROCESS_CACHE_MAX)
        processes_clear_locked(reads);
    if (!p) {
        p = calloc(1, sizeof(*p));
        if (p) {
            p->tid = tid;
            HASH_ADD_INT(reads->processes, tid, p);
        }
    }
    if (p) {
        p->tgid = tgid;
        p->until = now + PROCESS_CACHE_SECONDS;
    }
    pthread_mutex_unlock(&reads->lock);
    return tgid;
}

/* ---- bases and fingerprints ---- */

static char *base_key(pid_t pid, const char *path)
{
    char *key;
    return asprintf(&key, "%ld %s", (long)pid, path) < 0 ? NULL : key;
}

static void note_shown_locked(struct reads *reads, const char *path,
                              uint64_t print)
{
    uint64_t *s = strmap_get(reads->shown, path);

    if (s) {
        *s = print;
        return;
    }
    if (strmap_count(reads->shown) >= SHOWN_MAX)
        free(strmap_take_oldest(reads->shown));
    s = malloc(sizeof(*s));
    if (!s)
        return; /* a save without a base will then be allowed: logged */
    *s = print;
    if (strmap_put(reads->shown, path, s) < 0)
        free(s);
}

/* Stores b as the newest base under key, dropping the oldest beyond the
 * bounds; 0 or -ENOMEM (b then not stored, not freed). */
static int add_base_locked(struct reads *reads, const char *key, struct base *b)
{
    int rc;

    base_drop_locked(reads, strmap_take(reads->bases, key));
    while (strmap_count(reads->bases) &&
           (strmap_count(reads->bases) >= BASES_MAX ||
            reads->base_bytes + b->len > BASES_MAX_BYTES))
        base_drop_locked(reads, strmap_take_oldest(reads->bases));
    rc = strmap_put(reads->bases, key, b);
    if (rc == 0)
        reads->base_bytes += b->len;
    return rc;
}

/* A copy of text to keep as a base; NULL without memory. */
static struct base *base_new(const char *text, size_t len)
{
    struct base *b = calloc(1, sizeof(*b));

    if (b) {
        b->text = strndup(text, len);
        b->len = len;
    }
    if (b && !b->text) {
        free(b);
        b = NULL;
    }
    return b;
}

/* Keeps b as process's base under key (both taken; either may be NULL
 * without memory), and print as the last text shown for path. */
static void note_base(struct reads *reads, char *key, const char *path,
                      struct base *b, uint64_t print)
{
    pthread_mutex_lock(&reads->lock);
    note_shown_locked(reads, path, print);
    if (b && key && add_base_locked(reads, key, b) == 0)
        b = NULL;
    pthread_mutex_unlock(&reads->lock);
    /* Out of memory: that save will have no known base. */
    base_free(b);
    free(key);
}

void reads_note(struct reads *reads, pid_t pid, const char *path,
                const char *text, size_t len)
{
    reads_note_held(reads, pid, path, text, len, reads_fingerprint(text, len),
                    NULL, NULL);
}

/* A base holding text by owner's hold (taken over); NULL without memory
 * (the hold then let go of). */
static struct base *base_held(const char *text, size_t len, void *owner,
                              void (*release)(void *owner))
{
    struct base *b = calloc(1, sizeof(*b));

    if (b) {
        b->text = text;
        b->len = len;
        b->owner = owner;
        b->release = release;
    } else {
        release(owner);
    }
    return b;
}

void reads_note_held(struct reads *reads, pid_t pid, const char *path,
                     const char *text, size_t len, uint64_t print, void *owner,
                     void (*release)(void *owner))
{
    char *key = base_key(pid, path);
    struct base *b = NULL;

    if (owner && !key)
        release(owner);
    else if (owner)
        b = base_held(text, len, owner, release);
    else if (key)
        b = base_new(text, len);
    note_base(reads, key, path, b, print);
}

char *reads_base(struct reads *reads, pid_t pid, const char *path)
{
    char *key = base_key(pid, path), *copy = NULL;
    struct base *b;

    if (!key)
        return NULL;
    pthread_mutex_lock(&reads->lock);
    b = strmap_get(reads->bases, key);
    if (b)
        copy = strndup(b->text, b->len);
    pthread_mutex_unlock(&reads->lock);
    free(key);
    return copy;
}

bool reads_last_shown(struct reads *reads, const char *path, uint64_t *print)
{
    const uint64_t *s;

    pthread_mutex_lock(&reads->lock);
    s = strmap_get(reads->shown, path);
    if (s)
        *print = *s;
    pthread_mutex_unlock(&reads->lock);
    return s != NULL;
}
