/* reads.c - see reads.h. */
#include "reads.h"

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
    char *key; /* "<pid> <path>" */
    char *text;
    size_t len;
    UT_hash_handle hh;
};

struct shown {
    char *path;
    uint64_t print;
    UT_hash_handle hh;
};

struct process {
    pid_t tid;
    pid_t tgid;
    time_t until;
    UT_hash_handle hh;
};

struct reads {
    pthread_mutex_t lock;
    struct base *bases; /* insertion order = age */
    size_t base_bytes;
    struct shown *shown;
    struct process *processes;
};

struct reads *reads_new(void)
{
    struct reads *reads = calloc(1, sizeof(*reads));

    if (reads)
        pthread_mutex_init(&reads->lock, NULL);
    return reads;
}

static void base_drop_locked(struct reads *reads, struct base *b)
{
    HASH_DEL(reads->bases, b);
    reads->base_bytes -= b->len;
    free(b->key);
    free(b->text);
    free(b);
}

static void shown_drop_locked(struct reads *reads, struct shown *s)
{
    HASH_DEL(reads->shown, s);
    free(s->path);
    free(s);
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
    struct base *b, *btmp;
    struct shown *s, *stmp;

    if (!reads)
        return;
    HASH_ITER(hh, reads->bases, b, btmp)
        base_drop_locked(reads, b);
    HASH_ITER(hh, reads->shown, s, stmp)
        shown_drop_locked(reads, s);
    processes_clear_locked(reads);
    pthread_mutex_destroy(&reads->lock);
    free(reads);
}

uint64_t reads_fingerprint(const char *text, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL;

    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)text[i];
        h *= 0x100000001b3ULL;
    }
    return h;
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
    if (!p && (p = calloc(1, sizeof(*p))) != NULL) {
        p->tid = tid;
        HASH_ADD_INT(reads->processes, tid, p);
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
    struct shown *s;

    HASH_FIND_STR(reads->shown, path, s);
    if (s) {
        s->print = print;
        return;
    }
    if (HASH_COUNT(reads->shown) >= SHOWN_MAX)
        shown_drop_locked(reads, reads->shown); /* the oldest */
    s = calloc(1, sizeof(*s));
    if (!s || !(s->path = strdup(path))) {
        free(s);
        return; /* a save without a base will then be allowed: logged */
    }
    s->print = print;
    HASH_ADD_KEYPTR(hh, reads->shown, s->path, strlen(s->path), s);
}

static void add_base_locked(struct reads *reads, struct base *b)
{
    struct base *old;

    HASH_FIND_STR(reads->bases, b->key, old);
    if (old)
        base_drop_locked(reads, old);
    while (reads->bases && (HASH_COUNT(reads->bases) >= BASES_MAX ||
                            reads->base_bytes + b->len > BASES_MAX_BYTES))
        base_drop_locked(reads, reads->bases); /* the oldest */
    HASH_ADD_KEYPTR(hh, reads->bases, b->key, strlen(b->key), b);
    reads->base_bytes += b->len;
}

void reads_note(struct reads *reads, pid_t pid, const char *path,
                const char *text, size_t len)
{
    struct base *b = calloc(1, sizeof(*b));
    uint64_t print = reads_fingerprint(text, len);

    if (b) {
        b->key = base_key(pid, path);
        b->text = b->key ? strndup(text, len) : NULL;
        b->len = len;
    }
    pthread_mutex_lock(&reads->lock);
    note_shown_locked(reads, path, print);
    if (b && b->text) {
        add_base_locked(reads, b);
        b = NULL;
    }
    pthread_mutex_unlock(&reads->lock);
    if (b) { /* out of memory: that save will have no known base */
        free(b->key);
        free(b);
    }
}

char *reads_base(struct reads *reads, pid_t pid, const char *path)
{
    char *key = base_key(pid, path), *copy = NULL;
    struct base *b;

    if (!key)
        return NULL;
    pthread_mutex_lock(&reads->lock);
    HASH_FIND_STR(reads->bases, key, b);
    if (b)
        copy = strndup(b->text, b->len);
    pthread_mutex_unlock(&reads->lock);
    free(key);
    return copy;
}

bool reads_last_shown(struct reads *reads, const char *path, uint64_t *print)
{
    struct shown *s;

    pthread_mutex_lock(&reads->lock);
    HASH_FIND_STR(reads->shown, path, s);
    if (s)
        *print = s->print;
    pthread_mutex_unlock(&reads->lock);
    return s != NULL;
}
