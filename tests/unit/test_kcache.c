/* test_kcache.c - unit tests for kcache.c: when the kernel's pages of a
 * file may be kept, must be dropped, or must be bypassed. */
#include <stdlib.h>

#include "kcache.h"
#include "unit.h"

#define PATH "/members/admin.json"

static const struct kversion V1 = { 0x1111, 100, 1000 };
static const struct kversion V2 = { 0x2222, 120, 2000 };

static void test_pages_are_kept_while_the_text_is_unchanged(void)
{
    struct kcache *kc = kcache_new();
    bool stale;

    CHECK_INT_EQ(kcache_open(kc, PATH, &V1, &stale), KCACHE_REFILL);
    CHECK(stale); /* nothing known of the kernel's copy: drop it */
    kcache_close(kc, PATH, V1.print);
    CHECK_INT_EQ(kcache_open(kc, PATH, &V1, &stale), KCACHE_KEEP);
    CHECK(!stale);
    kcache_close(kc, PATH, V1.print);
    CHECK_INT_EQ(kcache_open(kc, PATH, &V2, &stale), KCACHE_REFILL);
    CHECK(stale);
    kcache_close(kc, PATH, V2.print);
    kcache_told(kc, PATH, &V1); /* a lookup answered: the pages go at open */
    CHECK_INT_EQ(kcache_open(kc, PATH, &V1, &stale), KCACHE_REFILL);
    CHECK(!stale); /* but the attributes just told are right */
    kcache_close(kc, PATH, V1.print);
    kcache_free(kc);
}

/* The red CI of stop 15: an older reader refilling the pages after a newer
 * open would hand the newer reader older text than its base. */
static void test_another_version_bypasses_open_readers(void)
{
    struct kcache *kc = kcache_new();
    bool stale;

    CHECK_INT_EQ(kcache_open(kc, PATH, &V1, &stale), KCACHE_REFILL);
    CHECK_INT_EQ(kcache_open(kc, PATH, &V1, &stale), KCACHE_KEEP);
    CHECK_INT_EQ(kcache_open(kc, PATH, &V2, &stale), KCACHE_BYPASS);
    CHECK(!stale); /* the kernel's attributes describe the readers' pages */
    CHECK(!kcache_told(kc, PATH, &V2)); /* would cut the V1 readers */
    CHECK(kcache_told(kc, PATH, &V1));
    kcache_close(kc, PATH, V1.print);
    CHECK_INT_EQ(kcache_open(kc, PATH, &V2, &stale), KCACHE_BYPASS);
    kcache_close(kc, PATH, V1.print); /* the last V1 reader */
    CHECK(kcache_told(kc, PATH, &V2));
    CHECK_INT_EQ(kcache_open(kc, PATH, &V2, &stale), KCACHE_REFILL);
    kcache_close(kc, PATH, V2.print);
    kcache_free(kc);
}

static void test_told_attributes_go_stale_with_other_text(void)
{
    struct kcache *kc = kcache_new();
    struct kversion same_size = V1;
    bool stale;

    CHECK(!kcache_stale(kc, PATH, &V1)); /* never told: nothing to drop */
    kcache_told(kc, PATH, &V1);
    CHECK(!kcache_stale(kc, PATH, &V1));
    CHECK(kcache_stale(kc, PATH, &V2));
    same_size.print = 0x3333; /* same size and time, other text */
    CHECK(!kcache_stale(kc, PATH, &same_size)); /* no pages held yet */
    CHECK_INT_EQ(kcache_open(kc, PATH, &V1, &stale), KCACHE_REFILL);
    kcache_close(kc, PATH, V1.print);
    CHECK(kcache_stale(kc, PATH, &same_size)); /* the pages hold V1 */
    kcache_free(kc);
}

static void count_path(void *ctx, const char *path)
{
    (void)path;
    ++*(int *)ctx;
}

static void test_drain_forgets_all_but_open_readers_pages(void)
{
    struct kcache *kc = kcache_new();
    int drained = 0;
    bool stale;

    kcache_told(kc, "/a.json", &V1);
    CHECK_INT_EQ(kcache_open(kc, PATH, &V1, &stale), KCACHE_REFILL);
    kcache_drain(kc, count_path, &drained);
    CHECK_INT_EQ(drained, 2);
    CHECK(!kcache_stale(kc, "/a.json", &V2)); /* forgotten */
    /* The open reader still owns the pages: another version bypasses. */
    CHECK_INT_EQ(kcache_open(kc, PATH, &V2, &stale), KCACHE_BYPASS);
    kcache_close(kc, PATH, V1.print);
    kcache_free(kc);
}

static void test_unknown_text_always_bypasses(void)
{
    struct kcache *kc = kcache_new();
    struct kversion unknown = { 0, 10, 10 };
    bool stale;

    CHECK_INT_EQ(kcache_open(kc, PATH, &unknown, &stale), KCACHE_BYPASS);
    kcache_free(kc);
}

/* A listing's attributes go to the kernel once per listing fetched. */
static void test_a_listing_is_handed_once(void)
{
    struct kcache *kc = kcache_new();
    int drained = 0;

    CHECK(!kcache_listing_handed(kc, "/members", 1));
    CHECK(kcache_listing_handed(kc, "/members", 1));
    CHECK(!kcache_listing_handed(kc, "/callbacks", 1));
    CHECK(!kcache_listing_handed(kc, "/members", 2)); /* fetched again */
    CHECK(kcache_listing_handed(kc, "/members", 2));
    kcache_drain(kc, count_path, &drained); /* the kernel forgets all */
    CHECK(!kcache_listing_handed(kc, "/members", 2));
    kcache_free(kc);
}

int main(void)
{
    test_pages_are_kept_while_the_text_is_unchanged();
    test_another_version_bypasses_open_readers();
    test_told_attributes_go_stale_with_other_text();
    test_drain_forgets_all_but_open_readers_pages();
    test_unknown_text_always_bypasses();
    test_a_listing_is_handed_once();
    return unit_report();
}
