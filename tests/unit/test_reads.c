/* test_reads.c - unit tests for reads.c: per-process bases and last-shown
 * fingerprints. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reads.h"
#include "unit.h"

static void test_bases_are_per_process(void)
{
    struct reads *r = reads_new();
    char *text;

    reads_note(r, 100, "/m/a.json", "first", 5);
    reads_note(r, 200, "/m/a.json", "second", 6);
    text = reads_base(r, 100, "/m/a.json");
    CHECK_STR_EQ(text, "first");
    free(text);
    text = reads_base(r, 200, "/m/a.json");
    CHECK_STR_EQ(text, "second");
    free(text);
    CHECK(reads_base(r, 300, "/m/a.json") == NULL); /* never read it */
    reads_note(r, 100, "/m/a.json", "third", 5);
    text = reads_base(r, 100, "/m/a.json");
    CHECK_STR_EQ(text, "third");
    free(text);
    reads_free(r);
}

static void test_last_shown_follows_any_process(void)
{
    struct reads *r = reads_new();
    uint64_t print = 0;

    CHECK(!reads_last_shown(r, "/m/a.json", &print));
    reads_note(r, 100, "/m/a.json", "v1", 2);
    reads_note(r, 200, "/m/a.json", "v2", 2);
    CHECK(reads_last_shown(r, "/m/a.json", &print));
    CHECK(print == reads_fingerprint("v2", 2));
    CHECK(print != reads_fingerprint("v1", 2));
    reads_free(r);
}

static void test_bases_are_bounded_oldest_first(void)
{
    struct reads *r = reads_new();
    char path[32], *text;
    uint64_t print;

    reads_note(r, 1, "/m/old.json", "old", 3);
    for (int i = 0; i < 1100; i++) {
        snprintf(path, sizeof(path), "/m/%d.json", i);
        reads_note(r, 1, path, "x", 1);
    }
    CHECK(reads_base(r, 1, "/m/old.json") == NULL);
    /* the fingerprint outlives the base: a save can still be checked */
    CHECK(reads_last_shown(r, "/m/old.json", &print));
    text = reads_base(r, 1, "/m/1099.json");
    CHECK_STR_EQ(text, "x");
    free(text);
    reads_free(r);
}

static void test_process_of_a_thread(void)
{
    struct reads *r = reads_new();

    CHECK_INT_EQ(reads_process_of(r, getpid()), getpid());
    CHECK_INT_EQ(reads_process_of(r, getpid()), getpid()); /* cached */
    CHECK_INT_EQ(reads_process_of(r, 0), 0);
    reads_free(r);
}

int main(void)
{
    test_bases_are_per_process();
    test_last_shown_follows_any_process();
    test_bases_are_bounded_oldest_first();
    test_process_of_a_thread();
    return unit_report();
}
