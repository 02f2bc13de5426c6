/* test_status.c - the status files' parts that need no mount: listings
 * in flight (progress.c), latency percentiles (http.c), the settings
 * text with its credentials masked (status.c) and object files'
 * extended attributes (xattr.c). */
#include "buf.h"
#include "config.h"
#include "http.h"
#include "options.h"
#include "progress.h"
#include "status.h"
#include "unit.h"
#include "xattr.h"

#include <errno.h>

#include <stdlib.h>
#include <string.h>

static char *describe(struct progress *p)
{
    struct buf out = BUF_INIT(0);
    size_t len;

    CHECK_INT_EQ(progress_describe(p, &out), 0);
    return out.data ? buf_take(&out, &len) : strdup("");
}

static void test_progress(void)
{
    struct progress *p = progress_new();
    struct progress_slot *slots[PROGRESS_SLOTS + 1];
    char *text;

    CHECK(p != NULL);
    if (!p)
        return;
    slots[0] = progress_begin(p, "members");
    text = describe(p);
    CHECK(strstr(text, "  members: waiting for page 1, ") == text);
    free(text);
    progress_page(slots[0], 4, 10);
    text = describe(p);
    CHECK(strstr(text, "  members: page 4 of 10, ") == text);
    free(text);
    /* a list that grew past what page 1 said */
    progress_page(slots[0], 11, 10);
    text = describe(p);
    CHECK(strstr(text, "page 11 of 11") != NULL);
    free(text);
    CHECK_INT_EQ(progress_in_flight(p), 1);
    progress_end(slots[0]);
    CHECK_INT_EQ(progress_in_flight(p), 0);
    /* more listings than slots: the last runs unshown */
    for (int i = 0; i <= PROGRESS_SLOTS; i++)
        slots[i] = progress_begin(p, "x");
    CHECK(slots[PROGRESS_SLOTS - 1] != NULL);
    CHECK(slots[PROGRESS_SLOTS] == NULL);
    progress_page(slots[PROGRESS_SLOTS], 1, 2); /* NULL: accepted */
    for (int i = 0; i <= PROGRESS_SLOTS; i++)
        progress_end(slots[i]);
    CHECK_INT_EQ(progress_in_flight(p), 0);
    progress_free(p);
    progress_free(NULL);
}

static void test_percentiles(void)
{
    struct http_stats *s = calloc(1, sizeof(*s));

    CHECK(s != NULL);
    if (!s)
        return;
    CHECK(http_stats_percentile(s, 50) == 0);
    for (int i = 1; i <= 100; i++) /* 1..100 ms, in reverse */
        s->latency_ms[s->timed++] = (float)(101 - i);
    CHECK(http_stats_percentile(s, 50) == 50);
    CHECK(http_stats_percentile(s, 95) == 95);
    CHECK(http_stats_percentile(s, 100) == 100);
    CHECK(http_stats_percentile(s, 0) == 1);
    /* the ring: only the newest HTTP_LATENCY_SAMPLES count */
    for (int i = 0; i < 2 * HTTP_LATENCY_SAMPLES; i++)
        s->latency_ms[s->timed++ % HTTP_LATENCY_SAMPLES] = 7;
    CHECK(http_stats_percentile(s, 95) == 7);
    free(s);
}

static void test_settings_mask_credentials(void)
{
    struct cwm_config cfg;
    struct cwmfs_options opts = { 0 };
    char *text;

    config_init(&cfg);
    cfg.url = strdup("https://na.myconnectwise.net");
    cfg.company = strdup("acme");
    cfg.public_key = strdup("PUBKEY123");
    cfg.private_key = strdup("PRIVKEY456");
    cfg.queries = strdup("inactive\tmembers: inactiveFlag = true\n"
                         "admins\tmembers: identifier like \"adm*\"\n");
    opts.config = "/etc/cwmfs.conf";
    opts.max_conns = 8;
    text = status_settings_text(&cfg, &opts, "https://x/v1/apis/3.0/system",
                                NULL);
    CHECK(text != NULL);
    if (text) {
        CHECK(strstr(text, "PUBKEY123") == NULL);
        CHECK(strstr(text, "PRIVKEY456") == NULL);
        CHECK(strstr(text, "\nprivate_key = (set, not shown)\n") != NULL);
        CHECK(strstr(text, "\nclient_id = (not set)\n") != NULL);
        CHECK(strstr(text, "\nprofile = default\n") != NULL);
        CHECK(strstr(text, "\nconfig = /etc/cwmfs.conf\n") != NULL);
        CHECK(strstr(text, "\napi_version = (the server's)\n") != NULL);
        CHECK(strstr(text, "\nmax_conns = 8\n") != NULL);
        CHECK(strstr(text, "\nqueries = inactive admins\n") != NULL);
    }
    free(text);
    config_free(&cfg);
}

static void test_xattrs(void)
{
    static const char obj[] =
        "{\"id\": 12, \"identifier\": \"a b\", \"_info\": "
        "{\"lastUpdated\": \"2025-01-02T03:04:05Z\", \"updatedBy\": \"jo\"}}";
    struct xattrs x = { 0 };
    char list[256], value[128];
    int n;

    CHECK_INT_EQ(xattrs_of_object(&x, obj, strlen(obj),
                                  "https://h/v/apis/3.0/system", "members",
                                  86400),
                 0);
    CHECK_INT_EQ(x.count, 5);
    n = xattrs_list(&x, NULL, 0);
    CHECK(n > 0 && (size_t)n < sizeof(list));
    CHECK_INT_EQ(xattrs_list(&x, list, sizeof(list)), n);
    CHECK_INT_EQ(xattrs_list(&x, list, (size_t)n - 1), -ERANGE);
    CHECK_STR_EQ(list, "user.cwm.id");
    n = xattrs_get(&x, "user.cwm.href", value, sizeof(value));
    CHECK(n > 0);
    value[n > 0 ? n : 0] = '\0';
    CHECK_STR_EQ(value, "https://h/v/apis/3.0/system/members/12");
    CHECK_INT_EQ(xattrs_get(&x, "user.cwm.fetched", NULL, 0), 20);
    n = xattrs_get(&x, "user.cwm.fetched", value, sizeof(value));
    value[n > 0 ? n : 0] = '\0';
    CHECK_STR_EQ(value, "1970-01-02T00:00:00Z");
    CHECK_INT_EQ(xattrs_get(&x, "user.cwm.id", value, 1), -ERANGE);
    CHECK_INT_EQ(xattrs_get(&x, "user.cwm.nope", value, sizeof(value)),
                 -ENODATA);
    xattrs_clear(&x);
    /* an object with no id and no _info: only what is known */
    CHECK_INT_EQ(xattrs_of_object(&x, "{\"name\": 1}", 11, "b", "e", 0), 0);
    CHECK_INT_EQ(x.count, 0);
    CHECK_INT_EQ(xattrs_list(&x, list, sizeof(list)), 0);
    xattrs_clear(&x);
    /* not JSON at all: none */
    CHECK_INT_EQ(xattrs_of_object(&x, "{", 1, "b", "e", 5), 0);
    CHECK_INT_EQ(x.count, 1); /* fetched is still known */
    xattrs_clear(&x);
}

int main(void)
{
    test_progress();
    test_percentiles();
    test_settings_mask_credentials();
    test_xattrs();
    return unit_report();
}
