/* test_config.c - unit tests for config.c: INI profiles, environment,
 * validation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "unit.h"

static char tmpdir[] = "/tmp/cwmfs-test-config-XXXXXX";
static char err[512];

static const char *const ENV_VARS[] = {
    "CWMFS_URL",         "CWMFS_COMPANY",   "CWMFS_PUBLIC_KEY",
    "CWMFS_PRIVATE_KEY", "CWMFS_CLIENT_ID", "CWMFS_CODEBASE",
    "CWMFS_API_VERSION", "CWMFS_TTL",
};

static void clear_env(void)
{
    for (size_t i = 0; i < sizeof(ENV_VARS) / sizeof(*ENV_VARS); i++)
        unsetenv(ENV_VARS[i]);
}

/* Write `content` to tmpdir/name with `mode`; returns a static path. */
static const char *write_file(const char *name, const char *content,
                              mode_t mode)
{
    static char path[512];
    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    FILE *fp = fopen(path, "w");
    if (!fp) {
        perror(path);
        return path;
    }
    fputs(content, fp);
    fclose(fp);
    chmod(path, mode); /* explicit: independent of the umask */
    return path;
}

/* Load `content` (mode 0600) into a fresh cfg; returns the rc. */
static int load(struct cwm_config *cfg, const char *content,
                const char *profile)
{
    config_init(cfg);
    err[0] = '\0';
    const char *path = write_file("config", content, 0600);
    return config_load_file(cfg, path, profile, true, err, sizeof(err));
}

static bool err_has(const char *needle)
{
    if (strstr(err, needle))
        return true;
    fprintf(stderr, "  message \"%s\" lacks \"%s\"\n", err, needle);
    return false;
}

static const char PROFILES[] =
    "# top comment\n"
    "; another comment\n"
    "\n"
    "[default]\n"
    "url = https://default.example.com/\n"
    "company = defaultco\n"
    "\n"
    "[staging]\n"
    "  url=https://staging.example.com:8443  \n"
    "company = \"  spaced co  \"\n"
    "public_key = pub\n"
    "private_key = priv#not-a-comment\n"
    "client_id = 0f0f\n"
    "codebase = v4_6_release\n"
    "api_version = 2024.1\n"
    "ttl = 5\n"
    "\t# indented comment\n"
    "[other]\n"
    "future_key = ignored outside the selected profile\n";

static void test_defaults(void)
{
    struct cwm_config cfg;
    config_init(&cfg);
    CHECK(cfg.api_version == NULL); /* learnt from the server at mount */
    CHECK_INT_EQ(cfg.ttl, 60);
    CHECK(cfg.url == NULL && cfg.private_key == NULL && cfg.codebase == NULL);
    config_free(&cfg);
    CHECK(cfg.api_version == NULL);
    config_free(&cfg); /* twice is harmless */
}

static void test_profiles(void)
{
    struct cwm_config cfg;

    CHECK_INT_EQ(load(&cfg, PROFILES, NULL), 0);
    CHECK_STR_EQ(cfg.url, "https://default.example.com");
    CHECK_STR_EQ(cfg.company, "defaultco");
    CHECK(cfg.public_key == NULL);
    CHECK_INT_EQ(cfg.ttl, 60);
    config_free(&cfg);

    CHECK_INT_EQ(load(&cfg, PROFILES, "staging"), 0);
    CHECK_STR_EQ(cfg.url, "https://staging.example.com:8443");
    CHECK_STR_EQ(cfg.company, "  spaced co  ");
    CHECK_STR_EQ(cfg.public_key, "pub");
    CHECK_STR_EQ(cfg.private_key, "priv#not-a-comment");
    CHECK_STR_EQ(cfg.client_id, "0f0f");
    CHECK_STR_EQ(cfg.codebase, "v4_6_release/");
    CHECK_STR_EQ(cfg.api_version, "2024.1");
    CHECK_INT_EQ(cfg.ttl, 5);
    config_free(&cfg);

    /* A named profile that is absent is an error... */
    CHECK_INT_EQ(load(&cfg, PROFILES, "nope"), -1);
    CHECK(err_has("[nope]"));
    config_free(&cfg);
    CHECK_INT_EQ(load(&cfg, "[x]\nurl = https://x\n", "default"), -1);
    config_free(&cfg);
    /* ...but an implicit [default] may be missing. */
    CHECK_INT_EQ(load(&cfg, "[x]\nurl = https://x\n", NULL), 0);
    CHECK(cfg.url == NULL);
    config_free(&cfg);

    /* Repeated section and key: the last value wins. */
    CHECK_INT_EQ(
        load(&cfg, "[default]\nttl=1\n[a]\n[default]\nttl = 2\n", NULL), 0);
    CHECK_INT_EQ(cfg.ttl, 2);
    config_free(&cfg);

    /* CRLF line ends, a BOM, an empty value unsets, "" is empty too. */
    CHECK_INT_EQ(load(&cfg,
                      "\xEF\xBB\xBF[default]\r\ncompany = c\r\n"
                      "api_version =\r\ncodebase = \"\"\r\n",
                      NULL),
                 0);
    CHECK_STR_EQ(cfg.company, "c");
    CHECK(cfg.api_version == NULL);
    CHECK(cfg.codebase == NULL);
    config_free(&cfg);
}

static void test_syntax_errors(void)
{
    struct cwm_config cfg;

    CHECK_INT_EQ(load(&cfg, "[default]\nurl = https://a\nbogus line\n", NULL),
                 -1);
    CHECK(err_has("/config:3:"));
    config_free(&cfg);

    CHECK_INT_EQ(load(&cfg, "[default]\n\n\n[unclosed\n", NULL), -1);
    CHECK(err_has(":4:"));
    config_free(&cfg);

    CHECK_INT_EQ(load(&cfg, "url = https://a\n", NULL), -1);
    CHECK(err_has(":1:"));
    CHECK(err_has("section"));
    config_free(&cfg);

    CHECK_INT_EQ(load(&cfg, "[default]\n= value\n", NULL), -1);
    CHECK(err_has(":2:"));
    config_free(&cfg);

    CHECK_INT_EQ(load(&cfg, "[default]\ncompany = \"open\n", NULL), -1);
    CHECK(err_has(":2:"));
    config_free(&cfg);

    CHECK_INT_EQ(load(&cfg, "[]\n", NULL), -1);
    CHECK(err_has(":1:"));
    config_free(&cfg);

    /* A syntax error in another section still fails the load. */
    CHECK_INT_EQ(load(&cfg, "[default]\n[x]\nbroken\n", NULL), -1);
    CHECK(err_has(":3:"));
    config_free(&cfg);

    /* Unknown key in the selected section names the key. */
    CHECK_INT_EQ(load(&cfg, "[default]\nurl = https://a\npasword = x\n", NULL),
                 -1);
    CHECK(err_has("pasword"));
    CHECK(err_has(":3:"));
    config_free(&cfg);

    CHECK_INT_EQ(load(&cfg, "[default]\nttl = -1\n", NULL), -1);
    CHECK(err_has(":2:"));
    CHECK(err_has("ttl"));
    config_free(&cfg);
    CHECK_INT_EQ(load(&cfg, "[default]\nttl = 10s\n", NULL), -1);
    config_free(&cfg);
    CHECK_INT_EQ(load(&cfg, "[default]\nttl = 99999999999\n", NULL), -1);
    config_free(&cfg);

    /* Failure leaves the config as it was. */
    config_init(&cfg);
    const char *path = write_file("partial", "[default]\ncompany = new\nbad\n",
                                  0600);
    CHECK_INT_EQ(config_load_file(&cfg, path, NULL, true, err, sizeof(err)),
                 -1);
    CHECK(cfg.company == NULL);
    config_free(&cfg);
}

static void test_long_lines_and_nul(void)
{
    struct cwm_config cfg;
    static char content[CONFIG_MAX_LINE + 64];

    /* Exactly CONFIG_MAX_LINE bytes of content is fine. */
    size_t n = (size_t)snprintf(content, sizeof(content),
                                "[default]\ncompany = ");
    size_t line_start = strlen("[default]\n");
    while (n - line_start < CONFIG_MAX_LINE)
        content[n++] = 'c';
    content[n++] = '\n';
    content[n] = '\0';
    CHECK_INT_EQ(load(&cfg, content, NULL), 0);
    CHECK(cfg.company &&
          strlen(cfg.company) == CONFIG_MAX_LINE - strlen("company = "));
    config_free(&cfg);

    /* One more byte is not. */
    content[n - 1] = 'c';
    content[n++] = '\n';
    content[n] = '\0';
    CHECK_INT_EQ(load(&cfg, content, NULL), -1);
    CHECK(err_has(":2:"));
    config_free(&cfg);

    /* A NUL byte cannot come through fputs; write it by hand. */
    char path[512];
    snprintf(path, sizeof(path), "%s/nul", tmpdir);
    FILE *fp = fopen(path, "w");
    fwrite("[default]\ncompany = a\0b\n", 1, 24, fp);
    fclose(fp);
    chmod(path, 0600);
    config_init(&cfg);
    CHECK_INT_EQ(config_load_file(&cfg, path, NULL, true, err, sizeof(err)),
                 -1);
    CHECK(err_has(":2:"));
    config_free(&cfg);
}

static void test_missing_file(void)
{
    struct cwm_config cfg;
    char path[512];
    snprintf(path, sizeof(path), "%s/does-not-exist", tmpdir);

    config_init(&cfg);
    CHECK_INT_EQ(config_load_file(&cfg, path, NULL, false, err, sizeof(err)),
                 0);
    CHECK_INT_EQ(config_load_file(&cfg, path, "x", false, err, sizeof(err)), 0);
    CHECK(cfg.api_version == NULL);
    CHECK_INT_EQ(config_load_file(&cfg, path, NULL, true, err, sizeof(err)),
                 -1);
    CHECK(err_has("does-not-exist"));
    /* A directory is not a config file, required or not. */
    CHECK_INT_EQ(config_load_file(&cfg, tmpdir, NULL, false, err, sizeof(err)),
                 -1);
    /* NULL err is allowed. */
    CHECK_INT_EQ(config_load_file(&cfg, path, NULL, true, NULL, 0), -1);
    config_free(&cfg);
}

static void test_private_key_permissions(void)
{
    static const char WITH_KEY[] = "[default]\nprivate_key = s3cr3t\n";
    static const char KEY_ELSEWHERE[] = "[default]\ncompany = c\n"
                                        "[prod]\nprivate_key = s3cr3t\n";
    static const char NO_KEY[] = "[default]\ncompany = c\n";
    struct cwm_config cfg;
    const mode_t bad_modes[] = { 0640, 0604, 0660, 0644, 0610, 0601 };

    for (size_t i = 0; i < sizeof(bad_modes) / sizeof(*bad_modes); i++) {
        const char *path = write_file("perm", WITH_KEY, bad_modes[i]);
        config_init(&cfg);
        CHECK_INT_EQ(config_load_file(&cfg, path, NULL, true, err, sizeof(err)),
                     -1);
        CHECK(err_has("chmod 600"));
        CHECK(err_has(path));
        CHECK(strstr(err, "s3cr3t") == NULL);
        CHECK(cfg.private_key == NULL);
        config_free(&cfg);
    }

    const char *path = write_file("perm", KEY_ELSEWHERE, 0644);
    config_init(&cfg);
    CHECK_INT_EQ(config_load_file(&cfg, path, NULL, true, err, sizeof(err)),
                 -1);
    CHECK(err_has("chmod 600"));
    config_free(&cfg);

    path = write_file("perm", WITH_KEY, 0600);
    config_init(&cfg);
    CHECK_INT_EQ(config_load_file(&cfg, path, NULL, true, err, sizeof(err)), 0);
    CHECK_STR_EQ(cfg.private_key, "s3cr3t");
    config_free(&cfg);

    path = write_file("perm", WITH_KEY, 0400);
    config_init(&cfg);
    CHECK_INT_EQ(config_load_file(&cfg, path, NULL, true, err, sizeof(err)), 0);
    config_free(&cfg);

    /* Without a private key, a world-readable file is fine. */
    path = write_file("perm", NO_KEY, 0644);
    config_init(&cfg);
    CHECK_INT_EQ(config_load_file(&cfg, path, NULL, true, err, sizeof(err)), 0);
    config_free(&cfg);
}

static void test_env(void)
{
    struct cwm_config cfg;

    CHECK_INT_EQ(load(&cfg, PROFILES, "staging"), 0);
    setenv("CWMFS_URL", "http://localhost:8080/", 1);
    setenv("CWMFS_PRIVATE_KEY", "envpriv", 1);
    setenv("CWMFS_CODEBASE", "/v2025_1", 1);
    setenv("CWMFS_TTL", "0", 1);
    setenv("CWMFS_COMPANY", "", 1); /* empty: ignored */
    CHECK_INT_EQ(config_apply_env(&cfg, err, sizeof(err)), 0);
    CHECK_STR_EQ(cfg.url, "http://localhost:8080");
    CHECK_STR_EQ(cfg.private_key, "envpriv");
    CHECK(getenv("CWMFS_PRIVATE_KEY") == NULL); /* read once, then gone */
    CHECK_STR_EQ(cfg.codebase, "v2025_1/");
    CHECK_INT_EQ(cfg.ttl, 0);
    CHECK_STR_EQ(cfg.company, "  spaced co  ");
    CHECK_STR_EQ(cfg.public_key, "pub");

    setenv("CWMFS_PUBLIC_KEY", "envpub", 1);
    setenv("CWMFS_CLIENT_ID", "envclient", 1);
    setenv("CWMFS_API_VERSION", "2099.1", 1);
    setenv("CWMFS_COMPANY", "envco", 1);
    CHECK_INT_EQ(config_apply_env(&cfg, err, sizeof(err)), 0);
    CHECK_STR_EQ(cfg.public_key, "envpub");
    CHECK_STR_EQ(cfg.client_id, "envclient");
    CHECK_STR_EQ(cfg.api_version, "2099.1");
    CHECK_STR_EQ(cfg.company, "envco");

    /* A bad TTL fails and changes nothing, not even the other vars. */
    setenv("CWMFS_URL", "https://changed.example.com", 1);
    const char *bad_ttls[] = { "-5", "abc", "1.5", " 7", "99999999999" };
    for (size_t i = 0; i < sizeof(bad_ttls) / sizeof(*bad_ttls); i++) {
        setenv("CWMFS_TTL", bad_ttls[i], 1);
        CHECK_INT_EQ(config_apply_env(&cfg, err, sizeof(err)), -1);
        CHECK(err_has("CWMFS_TTL"));
        CHECK_STR_EQ(cfg.url, "http://localhost:8080");
        CHECK_INT_EQ(cfg.ttl, 0);
    }
    config_free(&cfg);
    clear_env();
}

/* A complete, valid config with the given url. */
static void make_valid(struct cwm_config *cfg, const char *url)
{
    config_init(cfg);
    cfg->url = strdup(url);
    cfg->company = strdup("co");
    cfg->public_key = strdup("pub");
    cfg->private_key = strdup("priv");
    cfg->client_id = strdup("cid");
}

static int validate_url(const char *url)
{
    struct cwm_config cfg;
    make_valid(&cfg, url);
    err[0] = '\0';
    int rc = config_validate(&cfg, err, sizeof(err));
    config_free(&cfg);
    return rc;
}

static void test_validate_urls(void)
{
    const char *ok[] = {
        "https://na.myconnectwise.net",
        "https://10.0.0.1:8443",
        "HTTPS://example.com",
        "https://[2001:db8::1]:443",
        "http://127.0.0.1",
        "http://127.5.5.5:8080",
        "http://localhost",
        "http://LOCALHOST:1",
        "http://[::1]",
        "http://[::1]:65535",
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(*ok); i++) {
        if (validate_url(ok[i]) != 0)
            fprintf(stderr, "  %s: %s\n", ok[i], err);
        CHECK_INT_EQ(validate_url(ok[i]), 0);
    }

    CHECK_INT_EQ(validate_url("http://10.0.0.1"), -1);
    CHECK(err_has("refusing plain http:// to a non-loopback host"));
    CHECK_INT_EQ(validate_url("http://example.com"), -1);
    CHECK(err_has("refusing plain http://"));
    CHECK_INT_EQ(validate_url("http://127.0.0.1.example.com"), -1);
    CHECK_INT_EQ(validate_url("http://localhost.evil.com"), -1);
    CHECK_INT_EQ(validate_url("http://[::2]"), -1);
    CHECK_INT_EQ(validate_url("http://128.0.0.1"), -1);
    CHECK_INT_EQ(validate_url("ftp://example.com"), -1);
    CHECK(err_has("scheme"));

    const char *malformed[] = {
        "example.com",        "://example.com",    "https://",
        "https://:443",       "https://host:",     "https://host:0",
        "https://host:65536", "https://host:12ab", "https://host/path",
        "https://host?q",     "https://host#f",    "https://user:pw@host",
        "https://[::1",       "http://[::1]x",     "https://a b",
        "http://::1",
    };
    for (size_t i = 0; i < sizeof(malformed) / sizeof(*malformed); i++) {
        if (validate_url(malformed[i]) != -1)
            fprintf(stderr, "  accepted: %s\n", malformed[i]);
        CHECK_INT_EQ(validate_url(malformed[i]), -1);
    }
}

static void test_validate_fields(void)
{
    struct cwm_config cfg;
    static const struct {
        size_t offset;
        const char *key, *env;
    } required[] = {
        { offsetof(struct cwm_config, url), "url", "CWMFS_URL" },
        { offsetof(struct cwm_config, company), "company", "CWMFS_COMPANY" },
        { offsetof(struct cwm_config, public_key), "public_key",
          "CWMFS_PUBLIC_KEY" },
        { offsetof(struct cwm_config, private_key), "private_key",
          "CWMFS_PRIVATE_KEY" },
        { offsetof(struct cwm_config, client_id), "client_id",
          "CWMFS_CLIENT_ID" },
    };
    for (size_t i = 0; i < sizeof(required) / sizeof(*required); i++) {
        make_valid(&cfg, "https://h");
        char **field = (char **)((char *)&cfg + required[i].offset);
        free(*field);
        *field = NULL;
        CHECK_INT_EQ(config_validate(&cfg, err, sizeof(err)), -1);
        CHECK(err_has(required[i].key));
        CHECK(err_has(required[i].env));
        CHECK(err_has("config file"));
        *field = strdup(""); /* empty counts as missing */
        CHECK_INT_EQ(config_validate(&cfg, err, sizeof(err)), -1);
        config_free(&cfg);
    }

    make_valid(&cfg, "https://h");
    CHECK_INT_EQ(config_validate(&cfg, err, sizeof(err)), 0);
    cfg.ttl = -1;
    CHECK_INT_EQ(config_validate(&cfg, err, sizeof(err)), -1);
    CHECK(err_has("ttl"));
    cfg.ttl = 0;
    CHECK_INT_EQ(config_validate(&cfg, err, sizeof(err)), 0);

    /* Header injection through a value. */
    free(cfg.company);
    cfg.company = strdup("co\r\nX-Evil: 1");
    CHECK_INT_EQ(config_validate(&cfg, err, sizeof(err)), -1);
    CHECK(err_has("company"));
    free(cfg.company);
    cfg.company = strdup("co");
    free(cfg.private_key);
    cfg.private_key = strdup("se\ncret");
    CHECK_INT_EQ(config_validate(&cfg, err, sizeof(err)), -1);
    CHECK(strstr(err, "cret") == NULL);
    free(cfg.private_key);
    cfg.private_key = strdup("priv");

    /* Codebase. */
    const char *good_codebases[] = { "v4_6_release/", "v2025_1/", "a/b-c.d~/" };
    const char *bad_codebases[] = { "../x/", "a/../", "./",     "a//b/",
                                    "v?x/",  "v x/",  "%2e%2e/" };
    for (size_t i = 0; i < sizeof(good_codebases) / sizeof(char *); i++) {
        free(cfg.codebase);
        cfg.codebase = strdup(good_codebases[i]);
        CHECK_INT_EQ(config_validate(&cfg, err, sizeof(err)), 0);
    }
    for (size_t i = 0; i < sizeof(bad_codebases) / sizeof(char *); i++) {
        free(cfg.codebase);
        cfg.codebase = strdup(bad_codebases[i]);
        CHECK_INT_EQ(config_validate(&cfg, err, sizeof(err)), -1);
        CHECK(err_has("codebase"));
    }
    config_free(&cfg);
}

static void test_url_normalisation(void)
{
    struct cwm_config cfg;
    CHECK_INT_EQ(load(&cfg,
                      "[default]\nurl = https://h.example.com///\n"
                      "codebase = //v4_6_release//\n",
                      NULL),
                 0);
    CHECK_STR_EQ(cfg.url, "https://h.example.com");
    CHECK_STR_EQ(cfg.codebase, "v4_6_release/");
    config_free(&cfg);
}

static void test_default_path(void)
{
    char *saved_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    char *saved_xdg = getenv("XDG_CONFIG_HOME")
                          ? strdup(getenv("XDG_CONFIG_HOME"))
                          : NULL;

    setenv("XDG_CONFIG_HOME", "/xdg", 1);
    char *p = config_default_path();
    CHECK_STR_EQ(p, "/xdg/cwmfs/config");
    free(p);

    setenv("XDG_CONFIG_HOME", "relative", 1); /* ignored per XDG spec */
    setenv("HOME", "/home/u", 1);
    p = config_default_path();
    CHECK_STR_EQ(p, "/home/u/.config/cwmfs/config");
    free(p);

    unsetenv("XDG_CONFIG_HOME");
    unsetenv("HOME");
    p = config_default_path(); /* from the passwd entry */
    CHECK(p == NULL || strstr(p, "/.config/cwmfs/config") != NULL);
    free(p);

    if (saved_home)
        setenv("HOME", saved_home, 1);
    if (saved_xdg)
        setenv("XDG_CONFIG_HOME", saved_xdg, 1);
    free(saved_home);
    free(saved_xdg);
}

static void test_secret_options(void)
{
    CHECK(config_is_secret_option("private_key"));
    CHECK(config_is_secret_option("public_key"));
    CHECK(config_is_secret_option("password"));
    CHECK(config_is_secret_option("key"));
    CHECK(config_is_secret_option("PRIVATE_KEY"));
    CHECK(config_is_secret_option("private_key=abc"));
    CHECK(config_is_secret_option("api_token"));
    CHECK(config_is_secret_option("client_secret"));
    CHECK(!config_is_secret_option("url"));
    CHECK(!config_is_secret_option("company"));
    CHECK(!config_is_secret_option("profile"));
    CHECK(!config_is_secret_option("config"));
    CHECK(!config_is_secret_option("ttl"));
    CHECK(!config_is_secret_option("keep_cache"));
    CHECK(!config_is_secret_option("allow_other"));
    CHECK(!config_is_secret_option("company=key")); /* name part only */
    CHECK(!config_is_secret_option(NULL));
}

static void remove_tmpdir(void)
{
    static const char *const files[] = { "config", "partial", "nul", "perm" };
    char path[512];
    for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++) {
        snprintf(path, sizeof(path), "%s/%s", tmpdir, files[i]);
        unlink(path);
    }
    rmdir(tmpdir);
}

/* query.<name> lines: the profile's saved searches. */
static void test_saved_queries(void)
{
    struct cwm_config cfg;

    CHECK_INT_EQ(load(&cfg,
                      "[default]\n"
                      "query.eng = members: title like \"%Engineer%\"\n"
                      "query.hooks = callbacks: inactiveFlag = false\n"
                      "[other]\nquery.no = x\n",
                      NULL),
                 0);
    CHECK_STR_EQ(cfg.queries, "eng\tmembers: title like \"%Engineer%\"\n"
                              "hooks\tcallbacks: inactiveFlag = false\n");
    config_free(&cfg);
    CHECK(cfg.queries == NULL);
    CHECK_INT_EQ(load(&cfg, "[default]\nquery.a/b = members: x = 1\n", NULL),
                 -1);
    CHECK(err_has("file name"));
    config_free(&cfg);
    CHECK_INT_EQ(load(&cfg, "[default]\nquery.a = no colon\n", NULL), -1);
    CHECK(err_has("<collection>: <conditions>"));
    config_free(&cfg);
}

static void test_cloud_url_hint(void)
{
    CHECK(config_url_hint("https://na.myconnectwise.net") != NULL);
    CHECK(config_url_hint("https://EU.MyConnectWise.net/") != NULL);
    CHECK(config_url_hint("https://staging.connectwisedev.com:443") != NULL);
    CHECK(config_url_hint("https://api-na.myconnectwise.net") == NULL);
    CHECK(config_url_hint("https://cw.example.com") == NULL);
    CHECK(config_url_hint("http://127.0.0.1:8089") == NULL);
}

int main(void)
{
    test_cloud_url_hint();
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    clear_env();
    test_defaults();
    test_profiles();
    test_syntax_errors();
    test_long_lines_and_nul();
    test_saved_queries();
    test_missing_file();
    test_private_key_permissions();
    test_env();
    test_validate_urls();
    test_validate_fields();
    test_url_normalisation();
    test_default_path();
    test_secret_options();
    remove_tmpdir();
    return unit_report();
}
