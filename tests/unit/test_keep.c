/* test_keep.c - unit tests for keep.c: texts kept on disk, and bounded. */
#include "keep.h"
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct seen {
    int count;
    char last_path[64];
    char last_text[64];
};

static void note(void *ctx, const char *path, const char *text, size_t len,
                 time_t mtime)
{
    struct seen *s = ctx;

    (void)mtime;
    s->count++;
    snprintf(s->last_path, sizeof(s->last_path), "%s", path);
    snprintf(s->last_text, sizeof(s->last_text), "%.*s", (int)len, text);
}

int main(void)
{
    char home[] = "/tmp/cwmfs-keep-XXXXXX", dir[128];
    struct seen seen = { 0 };
    struct keep *k;
    struct stat st;

    CHECK(mkdtemp(home) != NULL);
    setenv("XDG_STATE_HOME", home, 1);
    k = keep_open("work");
    CHECK(k != NULL);
    snprintf(dir, sizeof(dir), "%s/cwmfs/work", home);
    CHECK(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700);
    keep_put(k, KEEP_UNSENT, "/members/.a.swp", "swap", 4);
    keep_put(k, KEEP_UNSENT, "/members/.a.swp", "swap2", 5); /* replaces */
    keep_each(k, KEEP_UNSENT, note, &seen);
    CHECK_INT_EQ(seen.count, 1);
    CHECK_STR_EQ(seen.last_path, "/members/.a.swp");
    CHECK_STR_EQ(seen.last_text, "swap2");
    keep_drop(k, KEEP_UNSENT, "/members/.a.swp");
    seen.count = 0;
    keep_each(k, KEEP_UNSENT, note, &seen);
    CHECK_INT_EQ(seen.count, 0);
    /* bounded: the oldest go first */
    for (int i = 0; i < KEEP_MAX_FILES + 5; i++) {
        char path[32];

        snprintf(path, sizeof(path), "/members/r%d.json", i);
        keep_put(k, KEEP_REJECTED, path, "{}", 2);
    }
    seen.count = 0;
    keep_each(k, KEEP_REJECTED, note, &seen);
    CHECK_INT_EQ(seen.count, KEEP_MAX_FILES);
    keep_close(k);
    k = keep_open("../evil"); /* an odd name: "profile" instead */
    snprintf(dir, sizeof(dir), "%s/cwmfs/profile", home);
    CHECK(k != NULL && stat(dir, &st) == 0);
    keep_close(k);
    snprintf(dir, sizeof(dir), "rm -rf %s", home);
    CHECK(system(dir) == 0);
    return unit_report();
}
