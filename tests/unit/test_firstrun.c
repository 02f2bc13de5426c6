/* test_firstrun.c - unit tests for firstrun.c's INI text: profile names,
 * finding a section, adding one; each added profile read back through
 * config.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "firstrun.h"
#include "unit.h"

static char tmpdir[] = "/tmp/cwmfs-test-firstrun-XXXXXX";

static struct cwm_config answers(const char *private_key)
{
    struct cwm_config cfg;

    config_init(&cfg);
    cfg.url = strdup("https://api-na.myconnectwise.net");
    cfg.company = strdup("acme");
    cfg.public_key = strdup("pubpubpub");
    cfg.private_key = strdup(private_key);
    cfg.client_id = strdup("11111111-2222-4333-8444-555555555555");
    return cfg;
}

static void test_profile_names(void)
{
    CHECK(firstrun_profile_name_ok("default"));
    CHECK(firstrun_profile_name_ok("acme staging.2"));
    CHECK(!firstrun_profile_name_ok(""));
    CHECK(!firstrun_profile_name_ok(NULL));
    CHECK(!firstrun_profile_name_ok(" lead"));
    CHECK(!firstrun_profile_name_ok("trail "));
    CHECK(!firstrun_profile_name_ok("a]b"));
    CHECK(!firstrun_profile_name_ok("[a"));
    CHECK(!firstrun_profile_name_ok("a\nb"));
    CHECK(!firstrun_profile_name_ok("a\tb"));
}

static void test_has_profile(void)
{
    CHECK(!firstrun_has_profile(NULL, "default"));
    CHECK(!firstrun_has_profile("", "default"));
    CHECK(firstrun_has_profile("[default]\n", "default"));
    CHECK(firstrun_has_profile("[a]\nurl = x\n\n  [ default ]  \n", "default"));
    CHECK(firstrun_has_profile("\xEF\xBB\xBF[default]\r\nurl = x\r\n",
                               "default"));
    CHECK(firstrun_has_profile("[a]\n[b]", "b")); /* no final newline */
    CHECK(!firstrun_has_profile("[defaults]\n", "default"));
    CHECK(!firstrun_has_profile("[Default]\n", "default"));
    CHECK(!firstrun_has_profile("# [default]\n", "default"));
    CHECK(!firstrun_has_profile("name = [default]\n", "default"));
}

static void test_add_to_nothing(void)
{
    struct cwm_config cfg = answers("s3cr3t-key");
    char *out = NULL;

    CHECK_INT_EQ(firstrun_add_profile(NULL, "default", &cfg, &out), 0);
    CHECK_STR_EQ(out, "[default]\n"
                      "url = https://api-na.myconnectwise.net\n"
                      "company = acme\n"
                      "public_key = pubpubpub\n"
                      "private_key = s3cr3t-key\n"
                      "client_id = 11111111-2222-4333-8444-555555555555\n");
    free(out);
    config_free(&cfg);
}

static void test_add_keeps_the_rest(void)
{
    static const char before[] = "# mine\n[default]\nurl = https://x\n"
                                 "query.a = members: id = 1";
    struct cwm_config cfg = answers("k");
    char *out = NULL;

    CHECK_INT_EQ(firstrun_add_profile(before, "staging", &cfg, &out), 0);
    CHECK(out && strncmp(out, before, sizeof(before) - 1) == 0);
    CHECK(out && strstr(out, "id = 1\n\n[staging]\nurl = https://api-na."));
    free(out);
    out = (char *)"unchanged";
    CHECK_INT_EQ(firstrun_add_profile(before, "default", &cfg, &out), -EEXIST);
    CHECK(out == NULL);
    config_free(&cfg);
}

/* What is written is what config.c reads back, blanks and quotes too. */
static void test_round_trip(void)
{
    struct cwm_config cfg = answers(" sp ace\"d ");
    struct cwm_config back;
    char path[512], err[512], *out = NULL;
    FILE *fp;

    free(cfg.company);
    cfg.company = strdup("\"quoted\"");
    CHECK_INT_EQ(firstrun_add_profile("[other]\nurl = y\n", "new", &cfg, &out),
                 0);
    snprintf(path, sizeof(path), "%s/config", tmpdir);
    fp = fopen(path, "w");
    CHECK(fp != NULL);
    if (!fp || !out)
        return;
    fputs(out, fp);
    fclose(fp);
    chmod(path, 0600);
    config_init(&back);
    CHECK_INT_EQ(config_load_file(&back, path, "new", true, err, sizeof(err)),
                 0);
    CHECK_STR_EQ(back.private_key, " sp ace\"d ");
    CHECK_STR_EQ(back.company, "\"quoted\"");
    CHECK_STR_EQ(back.client_id, cfg.client_id);
    CHECK_INT_EQ(config_validate(&back, err, sizeof(err)), 0);
    config_free(&back);
    unlink(path);
    free(out);
    config_free(&cfg);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_profile_names();
    test_has_profile();
    test_add_to_nothing();
    test_add_keeps_the_rest();
    test_round_trip();
    rmdir(tmpdir);
    return unit_report();
}
