/* config.c - connection settings: INI profiles, environment, validation.
 *
 * Both the file and the environment are first collected into a `staging`
 * set of already-normalised values and only then swapped into the config,
 * so a failed load leaves the caller's config exactly as it was. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- keys ------------------------------------------------------------ */

enum config_key {
    KEY_URL,
    KEY_COMPANY,
    KEY_PUBLIC_KEY,
    KEY_PRIVATE_KEY,
    KEY_CLIENT_ID,
    KEY_CODEBASE,
    KEY_API_VERSION,
    KEY_TTL,
    KEY_COUNT
};

#define NOT_A_STRING ((size_t)-1)

static const struct {
    const char *name; /* config file key */
    const char *env;  /* environment variable */
    size_t offset;    /* of the char * field, or NOT_A_STRING (ttl) */
} KEYS[KEY_COUNT] = {
/* clang-format off */
#define STR_KEY(k, name, env, field) \
    [k] = { name, env, offsetof(struct cwm_config, field) }
    STR_KEY(KEY_URL,         "url",         "CWMFS_URL",         url),
    STR_KEY(KEY_COMPANY,     "company",     "CWMFS_COMPANY",     company),
    STR_KEY(KEY_PUBLIC_KEY,  "public_key",  "CWMFS_PUBLIC_KEY",  public_key),
    STR_KEY(KEY_PRIVATE_KEY, "private_key", "CWMFS_PRIVATE_KEY", private_key),
    STR_KEY(KEY_CLIENT_ID,   "client_id",   "CWMFS_CLIENT_ID",   client_id),
    STR_KEY(KEY_CODEBASE,    "codebase",    "CWMFS_CODEBASE",    codebase),
    STR_KEY(KEY_API_VERSION, "api_version", "CWMFS_API_VERSION", api_version),
#undef STR_KEY
    /* clang-format on */
    [KEY_TTL] = { "ttl", "CWMFS_TTL", NOT_A_STRING },
};

static int key_lookup(const char *name)
{
    for (int k = 0; k < KEY_COUNT; k++)
        if (strcmp(KEYS[k].name, name) == 0)
            return k;
    return -1;
}

/* The string field behind a key; NULL for ttl, which is an int. */
static char **string_field(struct cwm_config *cfg, int k)
{
    if (KEYS[k].offset == NOT_A_STRING)
        return NULL;
    return (char **)((char *)cfg + KEYS[k].offset);
}

static const char *string_value(const struct cwm_config *cfg, int k)
{
    if (KEYS[k].offset == NOT_A_STRING)
        return NULL;
    return *(char *const *)((const char *)cfg + KEYS[k].offset);
}

/* ---- small helpers ---------------------------------------------------- */

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Free a string that may hold a secret without leaving it in the heap. */
static void free_secret(char *s)
{
    if (s) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

/* Strict non-negative decimal that fits an int: no sign, no blanks. */
static bool parse_ttl(const char *s, int *out)
{
    if (!s || !*s || strspn(s, "0123456789") != strlen(s))
        return false;
    errno = 0;
    long v = strtol(s, NULL, 10);
    if (errno == ERANGE || v > INT_MAX)
        return false;
    *out = (int)v;
    return true;
}

/* Copy of `value` in the form the config stores: url without trailing
 * slashes (we append paths with "/"), codebase without a leading slash
 * and with exactly one trailing slash (it is glued before "apis/3.0").
 * An empty result means "unset" and yields *out = NULL.
 * Returns false only on allocation failure. */
static bool normalised_copy(int k, const char *value, char **out)
{
    size_t start = 0;
    size_t len = strlen(value);

    if (k == KEY_URL || k == KEY_CODEBASE)
        while (len > start && value[len - 1] == '/')
            len--;
    if (k == KEY_CODEBASE)
        while (start < len && value[start] == '/')
            start++;
    *out = NULL;
    if (len == start)
        return true;

    size_t n = len - start;
    char *copy = malloc(n + 2); /* room for codebase's slash + NUL */
    if (!copy)
        return false;
    memcpy(copy, value + start, n);
    if (k == KEY_CODEBASE)
        copy[n++] = '/';
    copy[n] = '\0';
    *out = copy;
    return true;
}

/* ---- staging ---------------------------------------------------------- */

struct staging {
    bool present[KEY_COUNT];
    char *value[KEY_COUNT]; /* normalised; NULL = unset (empty) */
    int ttl;
    char *queries; /* "<name>\t<definition>\n" lines, or NULL */
};

static void staging_free(struct staging *st)
{
    free(st->queries);
    st->queries = NULL;
    for (int k = 0; k < KEY_COUNT; k++) {
        free_secret(st->value[k]);
        st->value[k] = NULL;
    }
}

enum set_status { SET_OK, SET_BAD_TTL, SET_NO_MEMORY };

/* Record key k; callers turn a failure into a message that fits where the
 * value came from (file line or environment variable). */
static enum set_status staging_set(struct staging *st, int k, const char *value)
{
    if (k == KEY_TTL) {
        if (!parse_ttl(value, &st->ttl))
            return SET_BAD_TTL;
        st->present[k] = true;
        return SET_OK;
    }
    char *copy;
    if (!normalised_copy(k, value, &copy))
        return SET_NO_MEMORY;
    free_secret(st->value[k]);
    st->value[k] = copy;
    st->present[k] = true;
    return SET_OK;
}

#define TTL_RULE "ttl must be a whole number of seconds >= 0"

/* Move every present value into cfg.  Cannot fail, so a load is atomic. */
static void staging_apply(struct staging *st, struct cwm_config *cfg)
{
    for (int k = 0; k < KEY_COUNT; k++) {
        if (!st->present[k])
            continue;
        if (k == KEY_TTL) {
            cfg->ttl = st->ttl;
            continue;
        }
        char **field = string_field(cfg, k);
        free_secret(*field);
        *field = st->value[k];
        st->value[k] = NULL;
    }
    if (st->queries) {
        free(cfg->queries);
        cfg->queries = st->queries;
        st->queries = NULL;
    }
}

/* Adds a saved query; false without memory. */
static bool staging_add_query(struct staging *st, const char *name,
                              const char *definition)
{
    char *more;

    if (asprintf(&more, "%s%s\t%s\n", st->queries ? st->queries : "", name,
                 definition) < 0)
        return false;
    free(st->queries);
    st->queries = more;
    return true;
}

/* ---- init / free ------------------------------------------------------ */

void config_init(struct cwm_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->ttl = CONFIG_DEFAULT_TTL;
}

void config_free(struct cwm_config *cfg)
{
    if (!cfg)
        return;
    for (int k = 0; k < KEY_COUNT; k++) {
        char **field = string_field(cfg, k);
        if (field) {
            free_secret(*field);
            *field = NULL;
        }
    }
    free(cfg->queries);
    cfg->queries = NULL;
    cfg->ttl = 0;
}

/* ---- INI parsing ------------------------------------------------------ */

enum line_status { LINE_OK, LINE_EOF, LINE_TOO_LONG, LINE_NUL, LINE_IOERR };

/* Read one line (without its newline) into buf, which has room for
 * CONFIG_MAX_LINE + 1 bytes.  Byte-wise so that over-long lines and NUL
 * bytes are detected exactly, rather than silently split or truncated. */
static enum line_status read_line(FILE *fp, char *buf)
{
    size_t n = 0;
    int c;

    for (c = getc(fp); c != EOF && c != '\n'; c = getc(fp)) {
        if (c == '\0')
            return LINE_NUL;
        if (n == CONFIG_MAX_LINE)
            return LINE_TOO_LONG;
        buf[n++] = (char)c;
    }
    buf[n] = '\0';
    if (c == EOF) {
        if (ferror(fp))
            return LINE_IOERR;
        if (n == 0)
            return LINE_EOF;
    }
    return LINE_OK;
}

/* Trim ASCII whitespace in place; returns the new start. */
static char *trim(char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    size_t len = strlen(s);
    while (len > 0 && isspace((unsigned char)s[len - 1]))
        s[--len] = '\0';
    return s;
}

struct ini_state {
    const char *path;
    const char *profile;
    bool profile_explicit; /* caller named it; absence is then an error */
    unsigned line;
    bool in_section;  /* any header seen yet */
    bool in_selected; /* current section is the profile */
    bool found_profile;
    bool has_private_key; /* in any section: drives the mode check */
    struct staging st;
    char *err;
    size_t errlen;
};

static int syntax_error(struct ini_state *s, const char *what)
{
    set_err(s->err, s->errlen, "%s:%u: %s", s->path, s->line, what);
    return -1;
}

static int parse_section(struct ini_state *s, char *line)
{
    size_t len = strlen(line);
    if (line[len - 1] != ']')
        return syntax_error(s, "section header must look like [name]");
    line[len - 1] = '\0';
    char *name = trim(line + 1);
    if (!*name || strpbrk(name, "[]"))
        return syntax_error(s, "invalid section name");
    s->in_section = true;
    s->in_selected = strcmp(name, s->profile) == 0;
    if (s->in_selected)
        s->found_profile = true;
    return 0;
}

/* Strip the optional double quotes around a value.  The inside is taken
 * literally, so a quoted value can keep leading/trailing spaces. */
static int unquote(struct ini_state *s, char **value)
{
    char *v = *value;
    if (v[0] != '"')
        return 0;
    size_t len = strlen(v);
    if (len < 2 || v[len - 1] != '"')
        return syntax_error(s, "unterminated quoted value");
    v[len - 1] = '\0';
    *value = v + 1;
    return 0;
}

/* "query.<name> = <collection>: <conditions>" */
static int parse_query(struct ini_state *s, const char *name,
                       const char *definition)
{
    if (!*name || strpbrk(name, "/\t") || strcmp(name, ".") == 0 ||
        strcmp(name, "..") == 0)
        return syntax_error(s, "a query's name must be a file name, as in "
                               "query.engineers = members: ...");
    if (!strchr(definition, ':'))
        return syntax_error(s, "a query looks like \"<collection>: "
                               "<conditions>\", as in members: "
                               "inactiveFlag = false");
    return staging_add_query(&s->st, name, definition)
               ? 0
               : syntax_error(s, "out of memory");
}

static int parse_assignment(struct ini_state *s, char *line)
{
    char *eq = strchr(line, '=');
    if (!eq)
        return syntax_error(s, "expected \"key = value\" or \"[section]\"");
    *eq = '\0';
    char *key = trim(line);
    char *value = trim(eq + 1);
    if (!*key)
        return syntax_error(s, "missing key before '='");
    if (!s->in_section)
        return syntax_error(s, "key outside of any [section]");
    if (unquote(s, &value) < 0)
        return -1;
    if (strcmp(key, KEYS[KEY_PRIVATE_KEY].name) == 0 && *value)
        s->has_private_key = true;
    if (!s->in_selected)
        return 0; /* other profiles may use keys we do not know */
    if (strncmp(key, "query.", 6) == 0)
        return parse_query(s, key + 6, value);

    int k = key_lookup(key);
    if (k < 0) {
        set_err(s->err, s->errlen, "%s:%u: unknown key \"%s\" in [%s]", s->path,
                s->line, key, s->profile);
        return -1;
    }
    switch (staging_set(&s->st, k, value)) {
    case SET_OK:
        return 0;
    case SET_BAD_TTL:
        return syntax_error(s, TTL_RULE);
    default:
        return syntax_error(s, "out of memory");
    }
}

static int parse_line(struct ini_state *s, char *raw)
{
    char *line = trim(raw);
    if (s->line == 1 && strncmp(line, "\xEF\xBB\xBF", 3) == 0)
        line = trim(line + 3); /* UTF-8 byte order mark */
    if (!*line || *line == '#' || *line == ';')
        return 0;
    if (*line == '[')
        return parse_section(s, line);
    return parse_assignment(s, line);
}

static int parse_stream(struct ini_state *s, FILE *fp)
{
    /* Holds secrets while parsing: zeroed before returning. */
    char buf[CONFIG_MAX_LINE + 1];
    int rc = 0;

    for (;;) {
        enum line_status ls = read_line(fp, buf);
        if (ls == LINE_EOF)
            break;
        s->line++;
        if (ls == LINE_TOO_LONG) {
            char what[64];
            snprintf(what, sizeof(what), "line longer than %d bytes",
                     CONFIG_MAX_LINE);
            rc = syntax_error(s, what);
        } else if (ls == LINE_NUL) {
            rc = syntax_error(s, "NUL byte in line");
        } else if (ls == LINE_IOERR) {
            set_err(s->err, s->errlen, "%s: read error: %s", s->path,
                    strerror(errno));
            rc = -1;
        } else {
            rc = parse_line(s, buf);
        }
        if (rc < 0)
            break;
    }
    explicit_bzero(buf, sizeof(buf));
    return rc;
}

/* Opens path; on ENOENT with !required returns NULL and sets *skip. */
static FILE *open_config(const char *path, bool required, bool *skip, char *err,
                         size_t errlen)
{
    *skip = false;
    FILE *fp = fopen(path, "re");
    if (fp)
        return fp;
    if (!required && (errno == ENOENT || errno == ENOTDIR)) {
        *skip = true;
        return NULL;
    }
    set_err(err, errlen, "cannot open config file %s: %s%s", path,
            strerror(errno),
            errno == ENOENT ? "; cwmfs --init writes one" : "");
    return NULL;
}

static int check_file_type(FILE *fp, const char *path, mode_t *mode, char *err,
                           size_t errlen)
{
    struct stat sb;
    if (fstat(fileno(fp), &sb) < 0) {
        set_err(err, errlen, "cannot stat config file %s: %s", path,
                strerror(errno));
        return -1;
    }
    if (!S_ISREG(sb.st_mode)) {
        set_err(err, errlen, "config file %s is not a regular file", path);
        return -1;
    }
    *mode = sb.st_mode;
    return 0;
}

/* After a full parse: permissions, then whether the profile existed. */
static int check_parsed(const struct ini_state *s, mode_t mode)
{
    /* The mode comes from fstat on the stream we read, so the bits checked
     * are those of the file actually parsed. */
    if (s->has_private_key && (mode & 077)) {
        set_err(s->err, s->errlen,
                "config file %s holds a private_key but is accessible by "
                "group or others (mode %04o); run: chmod 600 %s",
                s->path, (unsigned)(mode & 07777), s->path);
        return -1;
    }
    /* Without an explicit profile a file lacking [default] is fine: the
     * environment may supply everything. */
    if (!s->found_profile && s->profile_explicit) {
        set_err(s->err, s->errlen,
                "profile [%s] not found in %s; add that section, or let "
                "cwmfs --init %s write it",
                s->profile, s->path, s->profile);
        return -1;
    }
    return 0;
}

int config_load_file(struct cwm_config *cfg, const char *path,
                     const char *profile, bool required, char *err,
                     size_t errlen)
{
    bool skip;
    FILE *fp = open_config(path, required, &skip, err, errlen);
    if (!fp)
        return skip ? 0 : -1;

    struct ini_state s = {
        .path = path,
        .profile = profile ? profile : "default",
        .profile_explicit = profile != NULL,
        .err = err,
        .errlen = errlen,
    };
    /* Our own stdio buffer, so the file's secrets can be wiped from it:
     * fclose() would free the default one with the text still inside. */
    char iobuf[BUFSIZ];
    setvbuf(fp, iobuf, _IOFBF, sizeof(iobuf));

    mode_t mode = 0;
    int rc = check_file_type(fp, path, &mode, err, errlen);
    if (rc == 0)
        rc = parse_stream(&s, fp);
    fclose(fp);
    explicit_bzero(iobuf, sizeof(iobuf));
    if (rc == 0)
        rc = check_parsed(&s, mode);
    if (rc == 0)
        staging_apply(&s.st, cfg);
    staging_free(&s.st);
    return rc;
}

/* ---- environment ------------------------------------------------------ */

/* Takes a secret out of the environment once read: its bytes overwritten
 * where they lie (the block /proc/<pid>/environ shows is the one the
 * process started with, which unsetenv leaves as it was), then unset, so
 * no child inherits it. */
static void scrub_env(const char *name)
{
    char *value = getenv(name);

    if (!value)
        return;
    memset(value, 'x', strlen(value));
    unsetenv(name);
}

int config_apply_env(struct cwm_config *cfg, char *err, size_t errlen)
{
    struct staging st = { 0 };
    int rc = 0;

    for (int k = 0; k < KEY_COUNT && rc == 0; k++) {
        const char *value = getenv(KEYS[k].env);
        if (!value || !*value)
            continue; /* "VAR= cwmfs ..." should not blank the file's value */
        switch (staging_set(&st, k, value)) {
        case SET_OK:
            break;
        case SET_BAD_TTL:
            set_err(err, errlen, "%s: " TTL_RULE ", got \"%s\"", KEYS[k].env,
                    value);
            rc = -1;
            break;
        default:
            set_err(err, errlen, "%s: out of memory", KEYS[k].env);
            rc = -1;
            break;
        }
    }
    if (rc == 0)
        staging_apply(&st, cfg);
    staging_free(&st);
    scrub_env(KEYS[KEY_PRIVATE_KEY].env);
    return rc;
}

/* ---- validation ------------------------------------------------------- */

static bool has_control_char(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return true;
    return false;
}

/* Every string key must be free of control characters: they all end up
 * in a URL or an HTTP header, where CR/LF would forge new headers. */
static int validate_strings(const struct cwm_config *cfg, char *err,
                            size_t errlen)
{
    static const int required[] = { KEY_URL, KEY_COMPANY, KEY_PUBLIC_KEY,
                                    KEY_PRIVATE_KEY, KEY_CLIENT_ID };
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
        int k = required[i];
        const char *v = string_value(cfg, k);
        if (!v || !*v) {
            set_err(err, errlen,
                    "missing %s: set \"%s\" in the config "
                    "file or the %s environment variable (cwmfs --init "
                    "writes a whole profile)",
                    KEYS[k].name, KEYS[k].name, KEYS[k].env);
            return -1;
        }
    }
    for (int k = 0; k < KEY_COUNT; k++) {
        const char *v = string_value(cfg, k);
        if (v && has_control_char(v)) {
            set_err(err, errlen, "%s contains a control character",
                    KEYS[k].name);
            return -1;
        }
    }
    return 0;
}

static bool is_loopback_host(const char *host, bool bracketed)
{
    if (bracketed) {
        struct in6_addr a6;
        return inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
    }
    if (strcasecmp(host, "localhost") == 0)
        return true;
    struct in_addr a4;
    return inet_pton(AF_INET, host, &a4) == 1 &&
           (ntohl(a4.s_addr) >> 24) == 127;
}

static bool valid_port(const char *port)
{
    if (!*port || strlen(port) > 5 ||
        strspn(port, "0123456789") != strlen(port))
        return false;
    long v = strtol(port, NULL, 10);
    return v >= 1 && v <= 65535;
}

struct url_parts {
    char scheme[16];
    char host[256];
    bool bracketed; /* IPv6 literal: host holds what was inside [] */
};

/* Split "scheme://host[:port]" into parts; -1 with a message if the url
 * has any other shape. */
static int split_url(const char *url, struct url_parts *u, char *err,
                     size_t errlen)
{
    const char *sep = strstr(url, "://");
    size_t scheme_len = sep ? (size_t)(sep - url) : 0;
    if (scheme_len == 0 || scheme_len >= sizeof(u->scheme)) {
        set_err(err, errlen,
                "url must look like https://host[:port], "
                "got \"%s\"",
                url);
        return -1;
    }
    memcpy(u->scheme, url, scheme_len);
    u->scheme[scheme_len] = '\0';

    const char *auth = sep + 3;
    if (strpbrk(auth, "/?#@ ")) {
        set_err(err, errlen,
                "url must be scheme://host[:port] with no "
                "path, query, fragment or user info (the API path comes "
                "from codebase), got \"%s\"",
                url);
        return -1;
    }
    const char *host = auth, *host_end, *rest;
    u->bracketed = (*auth == '[');
    if (u->bracketed) {
        host = auth + 1;
        host_end = strchr(host, ']');
        rest = host_end ? host_end + 1 : NULL;
    } else {
        host_end = auth + strcspn(auth, ":");
        rest = host_end;
    }
    if (!host_end || host_end == host ||
        (size_t)(host_end - host) >= sizeof(u->host) ||
        (*rest && (*rest != ':' || !valid_port(rest + 1)))) {
        set_err(err, errlen, "url has an invalid host or port: \"%s\"", url);
        return -1;
    }
    memcpy(u->host, host, (size_t)(host_end - host));
    u->host[host_end - host] = '\0';
    return 0;
}

static int validate_url(const char *url, char *err, size_t errlen)
{
    struct url_parts u;
    if (split_url(url, &u, err, errlen) < 0)
        return -1;
    if (strcasecmp(u.scheme, "https") == 0)
        return 0;
    if (strcasecmp(u.scheme, "http") != 0) {
        set_err(err, errlen,
                "unsupported url scheme \"%s\" in \"%s\": "
                "use https://",
                u.scheme, url);
        return -1;
    }
    if (!is_loopback_host(u.host, u.bracketed)) {
        set_err(err, errlen,
                "refusing plain http:// to a non-loopback "
                "host (%s): the API keys would cross the network "
                "unencrypted; use https://",
                url);
        return -1;
    }
    return 0;
}

/* The codebase is pasted into every request path, so keep it to plain
 * path segments: no "..", no query or escape characters. */
static int validate_codebase(const char *codebase, char *err, size_t errlen)
{
    static const char allowed[] = "abcdefghijklmnopqrstuvwxyz"
                                  "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                  "0123456789._~-/";
    bool ok = strspn(codebase, allowed) == strlen(codebase);
    const char *seg = codebase;
    while (ok && *seg) {
        size_t n = strcspn(seg, "/");
        if (n == 0 || (n == 1 && seg[0] == '.') ||
            (n == 2 && seg[0] == '.' && seg[1] == '.'))
            ok = false;
        seg += n;
        if (*seg == '/')
            seg++;
    }
    if (!ok) {
        set_err(err, errlen,
                "codebase must be plain path segments like "
                "\"v4_6_release/\", got \"%s\"",
                codebase);
        return -1;
    }
    return 0;
}

int config_validate(const struct cwm_config *cfg, char *err, size_t errlen)
{
    if (validate_strings(cfg, err, errlen) < 0 ||
        validate_url(cfg->url, err, errlen) < 0)
        return -1;
    if (cfg->codebase && validate_codebase(cfg->codebase, err, errlen) < 0)
        return -1;
    if (cfg->ttl < 0) {
        set_err(err, errlen, TTL_RULE ", got %d", cfg->ttl);
        return -1;
    }
    return 0;
}

/* The host part of "scheme://host[:port][/...]" into buf. */
static void url_host(const char *url, char *buf, size_t size)
{
    const char *p = strstr(url, "://");

    p = p ? p + 3 : url;
    snprintf(buf, size, "%.*s", (int)strcspn(p, ":/"), p);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

const char *config_url_hint(const char *url)
{
    static const char *const cloud[] = { ".myconnectwise.net",
                                         ".connectwisedev.com" };
    char host[256];

    if (!url)
        return NULL;
    url_host(url, host, sizeof(host));
    for (size_t i = 0; i < sizeof(cloud) / sizeof(cloud[0]); i++)
        if (ends_with(host, cloud[i]) && strncasecmp(host, "api-", 4) != 0)
            return "ConnectWise cloud API hosts start with \"api-\" "
                   "(https://api-na.myconnectwise.net, not "
                   "https://na.myconnectwise.net); without it the server "
                   "answers \"SSL is required.\"";
    return NULL;
}

/* ---- paths and option names ------------------------------------------ */

static char *home_directory(void)
{
    const char *home = getenv("HOME");
    if (home && *home)
        return strdup(home);

    long size = sysconf(_SC_GETPW_R_SIZE_MAX);
    size_t buflen = size > 0 ? (size_t)size : 16384;
    char *buf = malloc(buflen);
    if (!buf)
        return NULL;
    struct passwd pw, *found = NULL;
    char *dir = NULL;
    if (getpwuid_r(getuid(), &pw, buf, buflen, &found) == 0 && found &&
        found->pw_dir && *found->pw_dir)
        dir = strdup(found->pw_dir);
    free(buf);
    return dir;
}

char *config_default_path(void)
{
    char *path = NULL;
    const char *xdg = getenv("XDG_CONFIG_HOME");

    /* The XDG spec says relative values are invalid and to be ignored. */
    if (xdg && xdg[0] == '/') {
        if (asprintf(&path, "%s/cwmfs/config", xdg) < 0)
            return NULL;
        return path;
    }
    char *home = home_directory();
    if (!home)
        return NULL;
    if (asprintf(&path, "%s/.config/cwmfs/config", home) < 0)
        path = NULL;
    free(home);
    return path;
}

/* Case-insensitive search for needle in the first len bytes of s. */
static bool contains_ci(const char *s, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (strncasecmp(s + i, needle, n) == 0)
            return true;
    return false;
}

bool config_is_secret_option(const char *name)
{
    /* Broad on purpose: a false positive costs a clear error message, a
     * false negative leaks a secret into ps and shell history. */
    static const char *const secret_words[] = {
        "key", "secret", "password", "passwd", "token", "credential",
    };
    if (!name)
        return false;
    size_t len = strcspn(name, "=");
    for (size_t i = 0; i < sizeof(secret_words) / sizeof(*secret_words); i++)
        if (contains_ci(name, len, secret_words[i]))
            return true;
    return false;
}

int config_load_profile(struct cwm_config *cfg, const char *path,
                        const char *profile, bool required, char *err,
                        size_t errlen)
{
    if (config_load_file(cfg, path, profile, required, err, errlen) != 0 ||
        config_apply_env(cfg, err, errlen) != 0)
        return -1;
    return config_validate(cfg, err, errlen);
}
