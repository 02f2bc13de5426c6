/* test_cache.c - unit tests for cache.c: TTL, cached absence, errors,
 * single-flight. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "unit.h"

static atomic_int fills;
static atomic_int frees;

static void free_value(void *v)
{
    frees++;
    free(v);
}

/* Fills "missing*" as absent, "broken*" as an error, others with the key. */
static int fill_key(void *ctx, const char *key, void **value)
{
    useconds_t delay = ctx ? *(useconds_t *)ctx : 0;

    fills++;
    if (delay)
        usleep(delay);
    if (strncmp(key, "missing", 7) == 0)
        return -ENOENT;
    if (strncmp(key, "broken", 6) == 0)
        return -EIO;
    *value = strdup(key);
    return *value ? 0 : -ENOMEM;
}

static int copy_value(void *ctx, const void *value)
{
    strcpy(ctx, value);
    return 0;
}

static void test_hit_after_fill(void)
{
    struct cache *c = cache_new(60, free_value);
    char out[64] = "";

    fills = 0;
    CHECK_INT_EQ(cache_get(c, "a", NULL, fill_key, NULL, copy_value, out), 0);
    CHECK_STR_EQ(out, "a");
    out[0] = '\0';
    CHECK_INT_EQ(cache_get(c, "a", NULL, fill_key, NULL, copy_value, out), 0);
    CHECK_STR_EQ(out, "a");
    CHECK_INT_EQ(fills, 1);
    CHECK_INT_EQ(cache_peek(c, "a", copy_value, out), 0);
    CHECK_INT_EQ(cache_peek(c, "b", copy_value, out), -EAGAIN);
    cache_free(c);
}

static void test_ttl_expiry(void)
{
    struct cache *c = cache_new(0.05, free_value);
    char out[64];

    fills = 0;
    cache_get(c, "a", NULL, fill_key, NULL, copy_value, out);
    cache_get(c, "a", NULL, fill_key, NULL, copy_value, out);
    CHECK_INT_EQ(fills, 1);
    usleep(80 * 1000);
    CHECK_INT_EQ(cache_peek(c, "a", copy_value, out), -EAGAIN);
    cache_get(c, "a", NULL, fill_key, NULL, copy_value, out);
    CHECK_INT_EQ(fills, 2);
    cache_free(c);
}

static void test_zero_ttl_still_answers(void)
{
    struct cache *c = cache_new(0, free_value);
    char out[64] = "";

    fills = 0;
    CHECK_INT_EQ(cache_get(c, "z", NULL, fill_key, NULL, copy_value, out), 0);
    CHECK_STR_EQ(out, "z");
    cache_get(c, "z", NULL, fill_key, NULL, copy_value, out);
    CHECK_INT_EQ(fills, 2);
    cache_free(c);
}

static void test_absence_is_cached_errors_are_not(void)
{
    struct cache *c = cache_new(60, free_value);
    char out[64];

    fills = 0;
    CHECK_INT_EQ(
        cache_get(c, "missing1", NULL, fill_key, NULL, copy_value, out),
        -ENOENT);
    CHECK_INT_EQ(
        cache_get(c, "missing1", NULL, fill_key, NULL, copy_value, out),
        -ENOENT);
    CHECK_INT_EQ(fills, 1);
    CHECK_INT_EQ(cache_get(c, "broken", NULL, fill_key, NULL, copy_value, out),
                 -EIO);
    CHECK_INT_EQ(cache_get(c, "broken", NULL, fill_key, NULL, copy_value, out),
                 -EIO);
    CHECK_INT_EQ(fills, 3);
    cache_free(c);
}

static void test_put_forget(void)
{
    struct cache *c = cache_new(60, free_value);
    char out[64] = "";

    fills = 0;
    CHECK_INT_EQ(cache_put(c, "k", strdup("primed")), 0);
    CHECK_INT_EQ(cache_get(c, "k", NULL, fill_key, NULL, copy_value, out), 0);
    CHECK_STR_EQ(out, "primed");
    CHECK_INT_EQ(fills, 0);
    cache_put(c, "k", strdup("replaced"));
    cache_get(c, "k", NULL, fill_key, NULL, copy_value, out);
    CHECK_STR_EQ(out, "replaced");
    cache_forget(c, "k");
    cache_get(c, "k", NULL, fill_key, NULL, copy_value, out);
    CHECK_STR_EQ(out, "k");
    CHECK_INT_EQ(fills, 1);
    cache_forget_all(c);
    CHECK_INT_EQ(cache_peek(c, "k", copy_value, out), -EAGAIN);
    cache_put(c, "gone", NULL);
    CHECK_INT_EQ(cache_get(c, "gone", NULL, fill_key, NULL, copy_value, out),
                 -ENOENT);
    cache_free(c);
}

struct racer {
    struct cache *cache;
    const char *key;
    useconds_t delay;
    int rc;
    char out[64];
};

static void *race(void *arg)
{
    struct racer *r = arg;
    r->rc = cache_get(r->cache, r->key, NULL, fill_key, &r->delay, copy_value,
                      r->out);
    return NULL;
}

/* Eight threads asking for one key while it loads make one fill. */
static void run_race(const char *key, int expect_rc)
{
    struct cache *c = cache_new(60, free_value);
    struct racer r[8];
    pthread_t t[8];
    struct cache_stats stats;

    fills = 0;
    for (int i = 0; i < 8; i++) {
        r[i] = (struct racer){ .cache = c, .key = key, .delay = 100 * 1000 };
        pthread_create(&t[i], NULL, race, &r[i]);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
        CHECK_INT_EQ(r[i].rc, expect_rc);
        if (expect_rc == 0)
            CHECK_STR_EQ(r[i].out, key);
    }
    CHECK_INT_EQ(fills, 1);
    cache_get_stats(c, &stats);
    CHECK_INT_EQ(stats.fills, 1);
    CHECK_INT_EQ(stats.coalesced + stats.hits, 7);
    cache_free(c);
}

static void test_single_flight(void)
{
    run_race("shared", 0);
    run_race("missing-shared", -ENOENT);
    run_race("broken-shared", -EIO); /* waiters get the same error */
}

/* An expired value is served while another caller fetches it again:
 * one slow refetch holds up only the caller that started it. */
static void test_refetch_serves_the_old_copy_meanwhile(void)
{
    struct cache *c = cache_new(0.05, free_value);
    struct racer slow = { .cache = c, .key = "a", .delay = 300 * 1000 };
    struct cache_stats stats;
    char out[64] = "";
    pthread_t t;

    fills = 0;
    cache_get(c, "a", NULL, fill_key, NULL, copy_value, out);
    usleep(80 * 1000); /* expired */
    pthread_create(&t, NULL, race, &slow);
    usleep(50 * 1000); /* the slow refetch is under way */
    out[0] = '\0';
    CHECK_INT_EQ(cache_get(c, "a", NULL, fill_key, NULL, copy_value, out), 0);
    CHECK_STR_EQ(out, "a");
    cache_get_stats(c, &stats);
    CHECK_INT_EQ(stats.stale_served, 1); /* served, not waited for */
    pthread_join(t, NULL);
    CHECK_INT_EQ(slow.rc, 0);
    CHECK_INT_EQ(fills, 2);
    cache_free(c);
}

static int fail_with(void *ctx, const char *key, void **value)
{
    (void)key;
    (void)value;
    fills++;
    return *(int *)ctx;
}

/* An expired value beats a transient error, not a permanent one. */
static void test_stale_if_error(void)
{
    struct cache *c = cache_new(0.02, free_value);
    struct cache_stats stats;
    char out[64] = "";
    int eio = -EIO, eacces = -EACCES;

    cache_put(c, "k", strdup("old"));
    usleep(40 * 1000);
    CHECK_INT_EQ(cache_get(c, "k", NULL, fail_with, &eio, copy_value, out), 0);
    CHECK_STR_EQ(out, "old");
    /* kept for a short grace (here the 20 ms TTL), then tried again */
    CHECK_INT_EQ(cache_peek(c, "k", copy_value, out), 0);
    usleep(40 * 1000);
    CHECK_INT_EQ(cache_peek(c, "k", copy_value, out), -EAGAIN);
    CHECK_INT_EQ(cache_get(c, "k", NULL, fail_with, &eacces, copy_value, out),
                 -EACCES);
    CHECK_INT_EQ(cache_get(c, "new", NULL, fail_with, &eio, copy_value, out),
                 -EIO);
    cache_get_stats(c, &stats);
    CHECK_INT_EQ(stats.stale_served, 1);
    cache_free(c);
}

static void test_values_are_freed(void)
{
    struct cache *c = cache_new(60, free_value);
    char out[64];

    frees = 0;
    cache_get(c, "x", NULL, fill_key, NULL, copy_value, out);
    cache_put(c, "x", strdup("y"));
    CHECK_INT_EQ(frees, 1);
    cache_free(c);
    CHECK_INT_EQ(frees, 2);
}

/* A listing asked before a save and answering after it must not put the
 * old object back. */
static void test_older_data_never_replaces_newer(void)
{
    struct cache *c = cache_new(60, free_value);
    unsigned long listing = cache_version(c);
    char out[64] = "";

    frees = 0;
    CHECK_INT_EQ(cache_put(c, "obj", strdup("saved")), 0);
    CHECK_INT_EQ(cache_put_versioned(c, "obj", strdup("listed"), listing), 0);
    CHECK_INT_EQ(cache_peek(c, "obj", copy_value, out), 0);
    CHECK_STR_EQ(out, "saved");
    CHECK_INT_EQ(frees, 1); /* the old copy was dropped */
    /* newer listed data does replace it */
    CHECK_INT_EQ(
        cache_put_versioned(c, "obj", strdup("relisted"), cache_version(c)), 0);
    CHECK_INT_EQ(cache_peek(c, "obj", copy_value, out), 0);
    CHECK_STR_EQ(out, "relisted");
    cache_free(c);
}

/* A fill whose request was sent before a write's answer arrived keeps
 * the answer. */
static struct cache *racing_cache;

static int fill_racing_a_write(void *ctx, const char *key, void **value)
{
    (void)ctx;
    cache_put(racing_cache, key, strdup("written"));
    *value = strdup("fetched before");
    return *value ? 0 : -ENOMEM;
}

static void test_fill_loses_to_a_newer_write(void)
{
    char out[64] = "";

    racing_cache = cache_new(60, free_value);
    CHECK_INT_EQ(cache_get(racing_cache, "obj", NULL, fill_racing_a_write, NULL,
                           copy_value, out),
                 0);
    CHECK_STR_EQ(out, "written");
    cache_free(racing_cache);
}

/* A write forgets what it made stale: every entry under its tag. */
static void test_forget_by_tag(void)
{
    struct cache *c = cache_new(60, free_value);
    char out[64];
    int before;

    cache_get(c, "list:a", "a", fill_key, NULL, copy_value, out);
    cache_get(c, "count:a", "a", fill_key, NULL, copy_value, out);
    cache_get(c, "list:b", "b", fill_key, NULL, copy_value, out);
    cache_get(c, "obj:a/1", NULL, fill_key, NULL, copy_value, out);
    before = fills;
    cache_forget_tag(c, "a");
    cache_get(c, "list:a", "a", fill_key, NULL, copy_value, out);
    cache_get(c, "count:a", "a", fill_key, NULL, copy_value, out);
    CHECK_INT_EQ(fills - before, 2);
    cache_get(c, "list:b", "b", fill_key, NULL, copy_value, out);
    cache_get(c, "obj:a/1", NULL, fill_key, NULL, copy_value, out);
    CHECK_INT_EQ(fills - before, 2); /* other tags, untagged: kept */
    cache_forget_tag(c, "nothing");
    cache_free(c);
}

int main(void)
{
    test_forget_by_tag();
    test_older_data_never_replaces_newer();
    test_fill_loses_to_a_newer_write();
    test_hit_after_fill();
    test_ttl_expiry();
    test_zero_ttl_still_answers();
    test_absence_is_cached_errors_are_not();
    test_put_forget();
    test_single_flight();
    test_refetch_serves_the_old_copy_meanwhile();
    test_stale_if_error();
    test_values_are_freed();
    return unit_report();
}
