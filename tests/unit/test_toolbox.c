/* test_toolbox.c - unit tests for the shared toolbox: buf.c, strmap.c and
 * clock.c. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "strmap.h"
#include "unit.h"

/* ---- buf ---- */

static void test_buf_append(void)
{
    struct buf b = BUF_INIT(0);
    char big[5000];

    CHECK_INT_EQ(buf_append(&b, "abc", 3), 0);
    CHECK_INT_EQ(buf_append_str(&b, "def"), 0);
    CHECK_INT_EQ(b.len, 6);
    CHECK_STR_EQ(b.data, "abcdef");
    CHECK_INT_EQ(buf_append(&b, NULL, 0), 0);
    CHECK_INT_EQ(b.len, 6);
    memset(big, 'x', sizeof(big));
    for (int i = 0; i < 20; i++)
        CHECK_INT_EQ(buf_append(&b, big, sizeof(big)), 0);
    CHECK_INT_EQ(b.len, 6 + 20 * sizeof(big));
    CHECK(b.cap >= b.len);
    CHECK(memcmp(b.data, "abcdefxxx", 9) == 0);
    CHECK_INT_EQ(b.data[b.len], '\0');
    buf_clear(&b);
    CHECK(b.data == NULL);
    CHECK_INT_EQ(b.len, 0);
}

static void test_buf_empty_append_allocates(void)
{
    struct buf b;

    buf_init(&b, 0);
    CHECK_INT_EQ(buf_append(&b, "", 0), 0);
    CHECK(b.data != NULL);
    CHECK_STR_EQ(b.data, "");
    buf_clear(&b);
}

static void test_buf_printf(void)
{
    struct buf b = BUF_INIT(0);
    char longer[200];

    CHECK_INT_EQ(buf_printf(&b, "%s=%d", "x", 42), 0);
    CHECK_INT_EQ(buf_printf(&b, "%s", ""), 0);
    CHECK_INT_EQ(buf_printf(&b, ", %05.1f", 2.5), 0);
    CHECK_STR_EQ(b.data, "x=42, 002.5");
    CHECK_INT_EQ(b.len, strlen("x=42, 002.5"));
    memset(longer, 'y', sizeof(longer) - 1);
    longer[sizeof(longer) - 1] = '\0';
    CHECK_INT_EQ(buf_printf(&b, "[%s]", longer), 0);
    CHECK_INT_EQ(b.len, strlen("x=42, 002.5") + 2 + 199);
    CHECK_INT_EQ(b.data[b.len - 1], ']');
    CHECK_INT_EQ(b.data[b.len], '\0');
    buf_clear(&b);
}

static void test_buf_write_at(void)
{
    struct buf b = BUF_INIT(0);

    CHECK_INT_EQ(buf_append_str(&b, "ab"), 0);
    CHECK_INT_EQ(buf_write_at(&b, 5, "xy", 2), 0);
    CHECK_INT_EQ(b.len, 7);
    CHECK(memcmp(b.data, "ab\0\0\0xy", 8) == 0);
    CHECK_INT_EQ(buf_write_at(&b, 1, "Q", 1), 0);
    CHECK_INT_EQ(b.len, 7);
    CHECK(memcmp(b.data, "aQ\0\0\0xy", 8) == 0);
    CHECK_INT_EQ(buf_write_at(&b, 6, "YZW", 3), 0);
    CHECK_INT_EQ(b.len, 9);
    CHECK(memcmp(b.data, "aQ\0\0\0xYZW", 10) == 0);
    buf_clear(&b);

    /* A gap from nothing, and an empty write that still allocates. */
    CHECK_INT_EQ(buf_write_at(&b, 3, "z", 1), 0);
    CHECK(memcmp(b.data, "\0\0\0z", 5) == 0);
    buf_clear(&b);
    CHECK_INT_EQ(buf_write_at(&b, 0, NULL, 0), 0);
    CHECK_STR_EQ(b.data, "");
    CHECK_INT_EQ(b.len, 0);
    buf_clear(&b);
}

static void test_buf_resize(void)
{
    struct buf b = BUF_INIT(0);

    CHECK_INT_EQ(buf_append_str(&b, "abc"), 0);
    CHECK_INT_EQ(buf_resize(&b, 6), 0);
    CHECK_INT_EQ(b.len, 6);
    CHECK(memcmp(b.data, "abc\0\0\0", 7) == 0);
    CHECK_INT_EQ(buf_resize(&b, 2), 0);
    CHECK_INT_EQ(b.len, 2);
    CHECK_STR_EQ(b.data, "ab");
    /* Growing again zero-fills: the old 'c' is gone. */
    CHECK_INT_EQ(buf_resize(&b, 3), 0);
    CHECK(memcmp(b.data, "ab\0", 4) == 0);
    CHECK_INT_EQ(buf_resize(&b, 0), 0);
    CHECK_STR_EQ(b.data, "");
    buf_clear(&b);
    CHECK_INT_EQ(buf_resize(&b, 0), 0);
    CHECK_STR_EQ(b.data, "");
    buf_clear(&b);
}

static void test_buf_cap(void)
{
    struct buf b = BUF_INIT(8);

    CHECK_INT_EQ(buf_append_str(&b, "12345678"), 0);
    CHECK_INT_EQ(buf_append_str(&b, "9"), -EFBIG);
    CHECK_INT_EQ(buf_printf(&b, "%d", 9), -EFBIG);
    CHECK_INT_EQ(buf_write_at(&b, 7, "ab", 2), -EFBIG);
    CHECK_INT_EQ(buf_write_at(&b, SIZE_MAX, "a", 1), -EFBIG);
    CHECK_INT_EQ(buf_resize(&b, 9), -EFBIG);
    CHECK_INT_EQ(buf_reserve(&b, 1), -EFBIG);
    CHECK_INT_EQ(b.len, 8);
    CHECK_STR_EQ(b.data, "12345678");
    /* Up to the cap is fine. */
    CHECK_INT_EQ(buf_write_at(&b, 6, "ab", 2), 0);
    CHECK_INT_EQ(buf_append(&b, "", 0), 0);
    CHECK_STR_EQ(b.data, "123456ab");
    buf_clear(&b);
    CHECK_INT_EQ(b.max, 8);
}

static void test_buf_no_overflow(void)
{
    struct buf b = BUF_INIT(0);

    CHECK_INT_EQ(buf_append_str(&b, "a"), 0);
    CHECK_INT_EQ(buf_reserve(&b, SIZE_MAX), -EFBIG);
    CHECK_INT_EQ(buf_reserve(&b, SIZE_MAX / 2), -EFBIG);
    CHECK_INT_EQ(buf_write_at(&b, SIZE_MAX - 1, "ab", 2), -EFBIG);
    CHECK_INT_EQ(buf_resize(&b, SIZE_MAX), -EFBIG);
    CHECK_STR_EQ(b.data, "a");
    buf_clear(&b);
    b.max = SIZE_MAX; /* larger than the ceiling: SIZE_MAX/2 then */
    CHECK_INT_EQ(buf_reserve(&b, SIZE_MAX), -EFBIG);
    buf_clear(&b);
}

static void test_buf_take(void)
{
    struct buf b = BUF_INIT(100);
    size_t len = 99;
    char *s = buf_take(&b, &len);

    CHECK_STR_EQ(s, "");
    CHECK_INT_EQ(len, 0);
    CHECK(b.data == NULL);
    free(s);

    CHECK_INT_EQ(buf_append_str(&b, "hello"), 0);
    s = buf_take(&b, &len);
    CHECK_STR_EQ(s, "hello");
    CHECK_INT_EQ(len, 5);
    CHECK(b.data == NULL);
    CHECK_INT_EQ(b.len, 0);
    CHECK_INT_EQ(b.cap, 0);
    CHECK_INT_EQ(b.max, 100);
    free(s);

    CHECK_INT_EQ(buf_append_str(&b, "x"), 0);
    s = buf_take(&b, NULL);
    CHECK_STR_EQ(s, "x");
    free(s);
}

/* ---- array_reserve ---- */

struct pair {
    int a, b;
};

static void test_array_reserve_grows_and_keeps(void)
{
    struct pair *items = NULL, *more;
    size_t cap = 0, count = 0;

    for (int i = 0; i < 1000; i++) {
        more = array_reserve(items, &cap, count + 1, sizeof(*items));
        CHECK(more != NULL);
        if (!more)
            break;
        items = more;
        items[count++] = (struct pair){ i, -i };
    }
    CHECK(cap >= 1000);
    CHECK_INT_EQ(items[0].a, 0);
    CHECK_INT_EQ(items[999].b, -999);
    CHECK(array_reserve(items, &cap, 10, sizeof(*items)) == items);
    free(items);
}

static void test_array_reserve_refuses_overflow(void)
{
    struct pair *items = array_reserve(NULL, &(size_t){ 0 }, 1, 8);
    size_t cap = 64;

    CHECK(items != NULL);
    CHECK(array_reserve(items, &cap, SIZE_MAX / 4, sizeof(*items)) == NULL);
    CHECK_INT_EQ(cap, 64); /* untouched, and items still owned here */
    CHECK(array_reserve(NULL, &cap, 0, sizeof(*items)) == NULL);
    free(items);
}

/* ---- strmap ---- */

static int frees;

static void count_free(void *value)
{
    frees++;
    free(value);
}

static char *xstrdup(const char *s)
{
    char *copy = strdup(s);

    if (!copy)
        abort();
    return copy;
}

static void test_strmap_put_replace(void)
{
    struct strmap *map = strmap_new(count_free);
    char key[8] = "a";
    char *v2 = xstrdup("two");

    frees = 0;
    CHECK_INT_EQ(strmap_put(map, key, xstrdup("one")), 0);
    key[0] = 'z'; /* the map holds its own copy of the key */
    CHECK_STR_EQ(strmap_get(map, "a"), "one");
    CHECK(strmap_get(map, "z") == NULL);
    CHECK_INT_EQ(strmap_put(map, "a", v2), 0);
    CHECK_INT_EQ(frees, 1);
    CHECK(strmap_get(map, "a") == v2);
    CHECK_INT_EQ(strmap_put(map, "a", v2), 0); /* the same value again */
    CHECK_INT_EQ(frees, 1);
    CHECK_INT_EQ(strmap_count(map), 1);
    CHECK_INT_EQ(strmap_put(map, "", xstrdup("empty key")), 0);
    CHECK_STR_EQ(strmap_get(map, ""), "empty key");
    CHECK_INT_EQ(strmap_count(map), 2);
    strmap_free(map);
    CHECK_INT_EQ(frees, 3);
}

static void test_strmap_take_remove(void)
{
    struct strmap *map = strmap_new(count_free);
    char *v;

    frees = 0;
    CHECK(strmap_take(map, "a") == NULL);
    CHECK(strmap_take_oldest(map) == NULL);
    strmap_put(map, "a", xstrdup("A"));
    strmap_put(map, "b", xstrdup("B"));
    strmap_put(map, "c", xstrdup("C"));
    v = strmap_take(map, "a");
    CHECK_STR_EQ(v, "A");
    CHECK_INT_EQ(frees, 0);
    CHECK(strmap_get(map, "a") == NULL);
    CHECK_INT_EQ(strmap_count(map), 2);
    free(v);
    CHECK(strmap_remove(map, "b"));
    CHECK_INT_EQ(frees, 1);
    CHECK(!strmap_remove(map, "b"));
    CHECK_INT_EQ(frees, 1);
    CHECK_INT_EQ(strmap_count(map), 1);
    strmap_clear(map);
    CHECK_INT_EQ(frees, 2);
    CHECK_INT_EQ(strmap_count(map), 0);
    CHECK(strmap_put(map, "d", xstrdup("D")) == 0); /* still usable */
    strmap_free(map);
    CHECK_INT_EQ(frees, 3);
}

struct visit {
    char order[64];
    size_t n;
};

/* Records keys in visit order; removes those with an even number. */
static bool drop_even(void *ctx, const char *key, void *value)
{
    struct visit *v = ctx;

    (void)value;
    v->order[v->n++] = key[1];
    return (key[1] - '0') % 2 == 0;
}

static void test_strmap_each(void)
{
    struct strmap *map = strmap_new(count_free);
    struct visit visit = { "", 0 };
    char key[3] = "k0";

    frees = 0;
    for (char c = '0'; c <= '9'; c++) {
        key[1] = c;
        strmap_put(map, key, xstrdup(key));
    }
    strmap_put(map, "k3", xstrdup("k3 again")); /* keeps its place */
    CHECK_INT_EQ(frees, 1);
    strmap_each(map, drop_even, &visit);
    CHECK_STR_EQ(visit.order, "0123456789");
    CHECK_INT_EQ(frees, 6);
    CHECK_INT_EQ(strmap_count(map), 5);
    CHECK(strmap_get(map, "k4") == NULL);
    CHECK_STR_EQ(strmap_get(map, "k3"), "k3 again");
    CHECK_STR_EQ(strmap_get(map, "k9"), "k9");
    free(strmap_take_oldest(map)); /* k1 */
    CHECK(strmap_get(map, "k1") == NULL);
    CHECK_INT_EQ(strmap_count(map), 4);
    strmap_free(map);
    CHECK_INT_EQ(frees, 10);
}

static void test_strmap_many_no_free_fn(void)
{
    struct strmap *map = strmap_new(NULL);
    static int values[5000];
    char key[16];
    bool all_found = true;

    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof(key), "key%d", i);
        CHECK_INT_EQ(strmap_put(map, key, &values[i]), 0);
    }
    CHECK_INT_EQ(strmap_count(map), 5000);
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof(key), "key%d", i);
        if (strmap_get(map, key) != &values[i])
            all_found = false;
    }
    CHECK(all_found);
    CHECK(strmap_remove(map, "key42"));
    CHECK(strmap_take_oldest(map) == &values[0]);
    CHECK_INT_EQ(strmap_count(map), 4998);
    strmap_free(map);
    strmap_free(NULL);
}

/* ---- clock ---- */

static void test_clock_monotonic(void)
{
    double prev = clock_mono_seconds(), start = prev;
    bool backwards = false;

    for (int i = 0; i < 200000; i++) {
        double now = clock_mono_seconds();
        if (now < prev)
            backwards = true;
        prev = now;
    }
    CHECK(!backwards);
    usleep(20 * 1000);
    CHECK(clock_mono_seconds() - start >= 0.019);
}

static void test_clock_wall(void)
{
    time_t before = time(NULL);
    struct timespec now = clock_wall_now();
    time_t after = time(NULL);

    /* time() reads a coarse clock that may lag a tick behind. */
    CHECK(now.tv_sec >= before && now.tv_sec <= after + 1);
    CHECK(now.tv_nsec >= 0 && now.tv_nsec < 1000000000L);
}

static void test_clock_sleep_and_deadline(void)
{
    struct timespec now = clock_wall_now(), later = clock_wall_after(1.95);
    double start = clock_mono_seconds(), diff;

    diff = (double)(later.tv_sec - now.tv_sec) +
           (double)(later.tv_nsec - now.tv_nsec) / 1e9;
    CHECK(diff >= 1.94 && diff < 2.0);
    CHECK(later.tv_nsec >= 0 && later.tv_nsec < 1000000000L);
    clock_sleep(0.03);
    CHECK(clock_mono_seconds() - start >= 0.029);
    start = clock_mono_seconds();
    clock_sleep(0);
    clock_sleep(-1);
    CHECK(clock_mono_seconds() - start < 0.01);
}

int main(void)
{
    test_buf_append();
    test_buf_empty_append_allocates();
    test_buf_printf();
    test_buf_write_at();
    test_buf_resize();
    test_buf_cap();
    test_buf_no_overflow();
    test_buf_take();
    test_array_reserve_grows_and_keeps();
    test_array_reserve_refuses_overflow();
    test_strmap_put_replace();
    test_strmap_take_remove();
    test_strmap_each();
    test_strmap_many_no_free_fn();
    test_clock_monotonic();
    test_clock_wall();
    test_clock_sleep_and_deadline();
    return unit_report();
}
