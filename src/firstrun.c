/* firstrun.c - cwmfs --init and --check: ask, check with the server, write
 * a 0600 profile; or check an existing one without mounting. */
#include "firstrun.h"

#include "api.h"
#include "buf.h"
#include "log.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

/* The longest answer read at a prompt, its newline excluded. */
#define ANSWER_MAX 1023
/* The largest config file --init reads and rewrites. */
#define CONFIG_MAX_BYTES (1u << 20)
/* Keys shorter than this are not searched for in messages: a one-letter
 * test key would blank every such letter, and real keys are 16. */
#define REDACT_MIN 6

/* ---- the INI text ---------------------------------------------------- */

bool firstrun_profile_name_ok(const char *name)
{
    size_t n = name ? strlen(name) : 0;

    if (n == 0 || n > 256 || isspace((unsigned char)name[0]) ||
        isspace((unsigned char)name[n - 1]))
        return false; /* config.c trims the blanks a header's name has */
    for (const char *p = name; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '[' || *p == ']')
            return false;
    return true;
}

/* The span [*s, *s + *len) without blanks at its ends. */
static void trim_span(const char **s, size_t *len)
{
    while (*len && isspace((unsigned char)**s)) {
        (*s)++;
        (*len)--;
    }
    while (*len && isspace((unsigned char)(*s)[*len - 1]))
        (*len)--;
}

/* Whether one line (no newline) is the header [profile], as config.c's
 * parse_section reads it. */
static bool is_header(const char *line, size_t len, const char *profile)
{
    trim_span(&line, &len);
    if (len < 2 || line[0] != '[' || line[len - 1] != ']')
        return false;
    line++;
    len -= 2;
    trim_span(&line, &len);
    return len == strlen(profile) && memcmp(line, profile, len) == 0;
}

bool firstrun_has_profile(const char *text, const char *profile)
{
    const char *line = text;

    if (!text)
        return false;
    if (strncmp(line, "\xEF\xBB\xBF", 3) == 0)
        line += 3; /* a UTF-8 byte order mark */
    while (*line) {
        size_t len = strcspn(line, "\n");

        if (is_header(line, len, profile))
            return true;
        line += len + (line[len] == '\n');
    }
    return false;
}

/* "key = value", quoted where config.c would otherwise change it: blanks
 * at its ends are trimmed, and one pair of quotes around it is taken off. */
static int append_pair(struct buf *b, const char *key, const char *value)
{
    size_t n = strlen(value);
    bool quote = n && (isspace((unsigned char)value[0]) ||
                       isspace((unsigned char)value[n - 1]) || value[0] == '"');

    if (quote)
        return buf_printf(b, "%s = \"%s\"\n", key, value);
    return buf_printf(b, "%s = %s\n", key, value);
}

int firstrun_add_profile(const char *text, const char *profile,
                         const struct cwm_config *cfg, char **out)
{
    const char *keys[] = { "url", "company", "public_key", "private_key",
                           "client_id" };
    const char *values[] = { cfg->url, cfg->company, cfg->public_key,
                             cfg->private_key, cfg->client_id };
    size_t len = text ? strlen(text) : 0, need = len + strlen(profile) + 16;
    struct buf b = BUF_INIT(0);
    int rc;

    *out = NULL;
    if (firstrun_has_profile(text, profile))
        return -EEXIST;
    for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++)
        need += strlen(keys[i]) + (values[i] ? strlen(values[i]) : 0) + 8;
    /* Room for all at once: a realloc would leave copies of the keys in
     * freed memory. */
    rc = buf_reserve(&b, need);
    if (rc == 0 && len)
        rc = buf_printf(&b, "%s%s\n", text, text[len - 1] == '\n' ? "" : "\n");
    if (rc == 0)
        rc = buf_printf(&b, "[%s]\n", profile);
    for (size_t i = 0; rc == 0 && i < sizeof(keys) / sizeof(*keys); i++)
        rc = append_pair(&b, keys[i], values[i] ? values[i] : "");
    if (rc == 0)
        *out = buf_take(&b, NULL);
    if (b.data)
        explicit_bzero(b.data, b.cap);
    buf_clear(&b);
    return rc ? rc : *out ? 0 : -ENOMEM;
}

/* ---- what is printed: never a key ------------------------------------ */

/* Overwrites every copy of secret in line: a server's message is not ours
 * to trust, and may quote what it was sent. */
static void redact(char *line, const char *secret)
{
    size_t n = secret ? strlen(secret) : 0;
    char *hit;

    if (n < REDACT_MIN)
        return;
    for (hit = strstr(line, secret); hit; hit = strstr(hit + 3, secret)) {
        memmove(hit + 3, hit + n, strlen(hit + n) + 1);
        memcpy(hit, "***", 3);
    }
}

/* One line on f, with the keys blanked out. */
static void say(FILE *f, const struct cwm_config *cfg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(FILE *f, const struct cwm_config *cfg, const char *fmt, ...)
{
    char line[2048];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    line[strcspn(line, "\r\n")] = '\0'; /* one line, whatever was quoted */
    redact(line, cfg->private_key);
    redact(line, cfg->public_key);
    fprintf(f, "%s\n", line);
}

/* Adds to a message already in err. */
static void append_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void append_err(char *err, size_t errlen, const char *fmt, ...)
{
    size_t used = strlen(err);
    va_list ap;

    if (used + 1 >= errlen)
        return;
    va_start(ap, fmt);
    vsnprintf(err + used, errlen - used, fmt, ap);
    va_end(ap);
}

static const char *json_string(const cJSON *obj, const char *name)
{
    const char *s = cJSON_GetStringValue(
        cJSON_GetObjectItemCaseSensitive(obj, name));

    return s && *s ? s : NULL;
}

/* ---- the checks, a mount's own --------------------------------------- */

struct probe {
    cJSON *company;        /* login/companyinfo's answer */
    cJSON *info;           /* system/info */
    cJSON *member;         /* system/mymembers; NULL: see member_note */
    char *codebase;        /* the one in use */
    char *base;            /* <url>/<codebase>apis/3.0/system */
    char *version;         /* the Accept version; NULL: the server's */
    char member_note[600]; /* why member is NULL */
};

static void probe_free(struct probe *p)
{
    cJSON_Delete(p->company);
    cJSON_Delete(p->info);
    cJSON_Delete(p->member);
    free(p->codebase);
    free(p->base);
    free(p->version);
    memset(p, 0, sizeof(*p));
}

/* The mount's HTTP settings (-o timeout, cafile, max_response), with one
 * retry: a person is waiting for the answer. */
static void http_setup(const struct cwmfs_options *opts, struct http_options *h)
{
    options_http(opts, h);
    h->max_retries = 1;
}

/* GET login/companyinfo: the server and company exist, and the codebase
 * (the configured one wins, as in a mount). */
static int ask_company(const struct cwm_config *cfg,
                       const struct http_options *h, struct probe *p, char *err,
                       size_t errlen)
{
    const char *codebase;
    long status;

    if (api_company_info(h, cfg->url, cfg->company, &p->company, &status, err,
                         errlen) != 0) {
        append_err(err, errlen,
                   status ? "; check the site URL: is it a ConnectWise "
                            "Manage server?"
                          : "; check the site URL (the cloud's is "
                            "https://api-<region>.myconnectwise.net) and "
                            "the network");
        return -1;
    }
    if (!p->company) {
        snprintf(err, errlen,
                 "%s does not know company '%s' (login/companyinfo answered "
                 "null); check the company id, the one typed at the "
                 "ConnectWise login",
                 cfg->url, cfg->company);
        return -1;
    }
    codebase = cfg->codebase ? cfg->codebase
                             : json_string(p->company, "Codebase");
    if (!codebase) {
        snprintf(err, errlen,
                 "%s/login/companyinfo gave no Codebase for '%s'; set "
                 "codebase (v4_6_release/ on premise) in the profile",
                 cfg->url, cfg->company);
        return -1;
    }
    p->codebase = strdup(codebase);
    return p->codebase ? 0 : -1;
}

/* GET system/info with the keys, and the version a mount would pin. */
static int ask_info(const struct cwm_config *cfg, struct cwm_api *api,
                    struct probe *p, char *err, size_t errlen)
{
    struct api_error e = { 0 };
    char *own;

    if (api_get(api, "info", &p->info, &e) != 0) {
        api_explain_refusal(p->base, &e, err, errlen);
        return -1;
    }
    if (cfg->api_version) {
        p->version = strdup(cfg->api_version);
        return p->version ? 0 : -1;
    }
    /* As main.c's pin_version: the server's own version from now on. */
    own = api_version_of(p->info);
    if (own && api_pin_version(api, cfg, own) != 0) {
        free(own);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    p->version = own;
    return 0;
}

/* GET system/mymembers: whose keys these are.  Not a check: the real
 * server's answer for an API-only member is unknown, so a refusal is only
 * reported. */
static void ask_member(struct cwm_api *api, struct probe *p)
{
    struct api_error e = { 0 };

    if (api_get(api, "mymembers", &p->member, &e) != 0)
        snprintf(p->member_note, sizeof(p->member_note),
                 "not known: system/mymembers answered %s", e.message);
    else if (!cJSON_IsObject(p->member))
        snprintf(p->member_note, sizeof(p->member_note),
                 "not known: system/mymembers answered no Member");
}

/* companyinfo, then system/info and mymembers as the keys' member. */
static int probe_run(const struct cwm_config *cfg,
                     const struct cwmfs_options *opts, struct probe *p,
                     char *err, size_t errlen)
{
    struct cwm_config with_codebase = *cfg; /* shallow: borrows the keys */
    struct http_options h;
    struct cwm_api *api;
    int rc = -1;

    http_setup(opts, &h);
    if (opts->cafile && access(opts->cafile, R_OK) != 0) {
        snprintf(err, errlen, "cannot read -o cafile=%s: %s", opts->cafile,
                 strerror(errno));
        return -1;
    }
    if (ask_company(cfg, &h, p, err, errlen) != 0)
        return -1;
    /* The codebase is known now: api_new need not ask companyinfo again. */
    with_codebase.codebase = p->codebase;
    api = api_new(&with_codebase, &h, err, errlen);
    if (!api)
        return -1;
    p->base = strdup(api_base_url(api));
    if (p->base && ask_info(cfg, api, p, err, errlen) == 0) {
        ask_member(api, p);
        rc = 0;
    }
    api_free(api);
    if (rc && config_url_hint(cfg->url))
        append_err(err, errlen, "; hint: %s", config_url_hint(cfg->url));
    return rc;
}

/* "admin (id 1, Ada Admin)", or why it is not known. */
static void describe_member(const struct probe *p, char *out, size_t size)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(p->member, "id");
    const char *ident = json_string(p->member, "identifier");
    const char *first = json_string(p->member, "firstName");
    const char *last = json_string(p->member, "lastName");

    if (!cJSON_IsObject(p->member)) {
        snprintf(out, size, "%s", p->member_note);
        return;
    }
    snprintf(out, size, "%s (id %.0f%s%s%s%s)", ident ? ident : "?",
             cJSON_IsNumber(id) ? id->valuedouble : 0.0,
             first || last ? ", " : "", first ? first : "",
             first && last ? " " : "", last ? last : "");
}

/* ---- prompts ---------------------------------------------------------- */

/* One line of standard input into buf (ANSWER_MAX + 1 bytes), without its
 * newline or CR.  Read a byte at a time, straight from the descriptor:
 * no stdio buffer keeps the key, and nothing past the line is taken.
 * 0; -1 when the input ended first; -2 for a line too long. */
static int read_answer(char *buf)
{
    size_t n = 0;
    bool long_line = false;
    ssize_t got;
    char c;

    for (;;) {
        got = read(STDIN_FILENO, &c, 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0 || c == '\n')
            break;
        if (n < ANSWER_MAX)
            buf[n++] = c;
        else
            long_line = true;
    }
    buf[n] = '\0';
    if (n && buf[n - 1] == '\r')
        buf[--n] = '\0';
    if (got <= 0 && n == 0)
        return -1;
    return long_line ? -2 : 0;
}

/* The terminal as it was before echo was turned off, for the handler. */
static struct termios saved_tty;
static volatile sig_atomic_t echo_is_off;

static void restore_echo(void)
{
    if (echo_is_off) {
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
        echo_is_off = 0;
    }
}

/* Ctrl-C at the key's prompt must not leave the shell without echo. */
static void on_signal(int sig)
{
    restore_echo();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void prompt(const char *what, const char *hint)
{
    if (isatty(STDIN_FILENO)) {
        fprintf(stderr, "%s%s: ", what, hint);
        fflush(stderr);
    }
}

/* read_answer with the terminal's echo off (when stdin is one): the key
 * never shows on screen.  The prompt comes once echo is off, as getpass
 * does: a key typed (or pasted) as soon as it shows is not echoed.  Line
 * editing (ICANON) stays on. */
static int read_hidden(const char *what, const char *hint, char *buf)
{
    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
    struct sigaction sa = { .sa_handler = on_signal }, old[4];
    struct termios quiet;
    int rc;

    if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tty) != 0) {
        prompt(what, hint);
        return read_answer(buf);
    }
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < 4; i++)
        sigaction(sigs[i], &sa, &old[i]);
    quiet = saved_tty;
    quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
    echo_is_off = 1;
    if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0) {
        rc = -3; /* echo would show the key: do not read it */
    } else {
        prompt(what, hint);
        rc = read_answer(buf);
    }
    restore_echo();
    for (int i = 0; i < 4; i++)
        sigaction(sigs[i], &old[i], NULL);
    fputc('\n', stderr); /* the Enter typed was not echoed */
    return rc;
}

static const struct question {
    const char *what;   /* in the prompt and in errors */
    const char *prompt; /* what follows it */
    size_t offset;      /* the char * field of struct cwm_config */
    bool hidden;
} QUESTIONS[] = {
    { "site URL", " (https://api-na.myconnectwise.net, or your server)",
      offsetof(struct cwm_config, url), false },
    { "company id", " (as typed at the ConnectWise login)",
      offsetof(struct cwm_config, company), false },
    { "public key", "", offsetof(struct cwm_config, public_key), false },
    { "private key", " (not shown)", offsetof(struct cwm_config, private_key),
      true },
    { "clientId", " (from developer.connectwise.com)",
      offsetof(struct cwm_config, client_id), false },
};

/* The answer as the config keeps it: no blanks at its ends; a URL without
 * a scheme gets https://, and loses trailing slashes. */
static char *tidy_answer(const struct question *q, char *answer)
{
    const char *s = answer;
    size_t len = strlen(answer);
    char *out;

    trim_span(&s, &len);
    if (q->offset == offsetof(struct cwm_config, url))
        while (len && s[len - 1] == '/')
            len--;
    if (q->offset == offsetof(struct cwm_config, url) && len &&
        !memmem(s, len, "://", 3)) {
        if (asprintf(&out, "https://%.*s", (int)len, s) < 0)
            return NULL;
        return out;
    }
    return strndup(s, len);
}

/* One prompt on stderr, only to a person at a terminal (as bash's read
 * -p): piped answers get no prompts, so the outcome is the one line. */
static int ask_one(const struct question *q, char *answer)
{
    if (q->hidden)
        return read_hidden(q->what, q->prompt, answer);
    prompt(q->what, q->prompt);
    return read_answer(answer);
}

/* What went wrong with an answer (ask_one's and ask_answers' codes). */
static const char *answer_trouble(int rc)
{
    switch (rc) {
    case -1:
        return "the input ended before";
    case -2:
        return "an answer too long for";
    case -3:
        return "cannot turn off the terminal's echo for";
    case -4:
        return "out of memory for";
    default:
        return "no answer for";
    }
}

/* Fills cfg's url, company, keys and clientId from the prompts. */
static int ask_answers(struct cwm_config *cfg, char *err, size_t errlen)
{
    char answer[ANSWER_MAX + 1];
    int rc = 0;

    for (size_t i = 0; rc == 0 && i < sizeof(QUESTIONS) / sizeof(*QUESTIONS);
         i++) {
        const struct question *q = &QUESTIONS[i];
        char **field = (char **)((char *)cfg + q->offset);

        rc = ask_one(q, answer);
        if (rc == 0) {
            *field = tidy_answer(q, answer);
            rc = !*field ? -4 : !**field ? -5 : 0;
        }
        if (rc)
            snprintf(err, errlen, "%s the %s", answer_trouble(rc), q->what);
    }
    explicit_bzero(answer, sizeof(answer));
    return rc ? -1 : 0;
}

/* ---- the file --------------------------------------------------------- */

/* Wipes and frees text that held keys. */
static void free_text(char *text)
{
    if (text) {
        explicit_bzero(text, strlen(text));
        free(text);
    }
}

/* Reads fd whole into *text, sized by fstat so no realloc copies keys. */
static int read_all(int fd, const char *path, char **text, char *err,
                    size_t errlen)
{
    struct buf b = BUF_INIT(CONFIG_MAX_BYTES);
    struct stat st;
    char chunk[4096];
    ssize_t got = 0;
    int rc = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? 0 : -EINVAL;

    if (rc == 0)
        rc = buf_reserve(&b, (size_t)st.st_size < CONFIG_MAX_BYTES
                                 ? (size_t)st.st_size + 1
                                 : CONFIG_MAX_BYTES);
    while (rc == 0) {
        got = read(fd, chunk, sizeof(chunk));
        if (got <= 0)
            break;
        rc = buf_append(&b, chunk, (size_t)got);
    }
    explicit_bzero(chunk, sizeof(chunk));
    if (rc == 0 && got == 0)
        *text = buf_take(&b, NULL);
    else
        snprintf(err, errlen, "cannot read %s: %s", path,
                 rc == -EINVAL  ? "not a regular file"
                 : rc == -EFBIG ? "larger than 1 MiB"
                 : rc           ? "out of memory"
                                : strerror(errno));
    if (b.data)
        explicit_bzero(b.data, b.cap);
    buf_clear(&b);
    return *text ? 0 : -1;
}

/* The config file's text; *text NULL when there is no file yet. */
static int read_config(const char *path, char **text, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int rc;

    *text = NULL;
    if (fd < 0 && errno == ENOENT)
        return 0;
    if (fd < 0) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    rc = read_all(fd, path, text, err, errlen);
    close(fd);
    return rc;
}

/* Makes the missing directories above path, 0700: they lead to keys. */
static int make_parents(const char *path, char *err, size_t errlen)
{
    char *dir = strdup(path);
    int rc = dir ? 0 : -1;

    for (char *p = dir ? dir + 1 : NULL; rc == 0 && p && *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
            rc = -1;
        }
        *p = '/';
    }
    free(dir);
    return rc;
}

static int write_all(int fd, const char *text)
{
    size_t left = strlen(text);

    while (left) {
        ssize_t n = write(fd, text, left);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        text += n;
        left -= (size_t)n;
    }
    return 0;
}

/* Replaces path with text: written to a new file made 0600 before its
 * first byte, then renamed over, so no reader ever sees a half-written
 * or readable file.  A symlinked config keeps its link. */
static int write_private(const char *path, const char *text, char *err,
                         size_t errlen)
{
    char *target = realpath(path, NULL);
    const char *dest = target ? target : path;
    char *tmp = NULL;
    int fd = -1, rc = -1;

    if (asprintf(&tmp, "%s.cwmfs-init.%ld", dest, (long)getpid()) < 0)
        tmp = NULL;
    else
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  0600);
    /* fchmod: the umask may only have taken bits away; make it exact. */
    if (fd >= 0 && fchmod(fd, 0600) == 0 && write_all(fd, text) == 0 &&
        fsync(fd) == 0)
        rc = 0;
    if (fd >= 0 && close(fd) != 0)
        rc = -1;
    if (rc == 0 && rename(tmp, dest) != 0)
        rc = -1;
    if (rc)
        snprintf(err, errlen, "cannot write %s: %s", dest, strerror(errno));
    if (rc && fd >= 0)
        unlink(tmp);
    free(tmp);
    free(target);
    return rc;
}

/* Adds [profile] to the file as it is now (it may have changed while the
 * questions were answered). */
static int save_profile(const char *path, const char *profile,
                        const struct cwm_config *cfg, char *err, size_t errlen)
{
    char *text = NULL, *next = NULL;
    int rc = read_config(path, &text, err, errlen);

    if (rc == 0) {
        rc = firstrun_add_profile(text, profile, cfg, &next);
        if (rc == -EEXIST)
            snprintf(err, errlen, "profile [%s] appeared in %s meanwhile",
                     profile, path);
        else if (rc)
            snprintf(err, errlen, "out of memory");
    }
    if (rc == 0)
        rc = make_parents(path, err, errlen);
    if (rc == 0)
        rc = write_private(path, next, err, errlen);
    free_text(text);
    free_text(next);
    return rc;
}

/* ---- --init ----------------------------------------------------------- */

static char *config_path(const struct cwmfs_options *opts, char *err,
                         size_t errlen)
{
    char *path = opts->config ? strdup(opts->config) : config_default_path();

    if (!path)
        snprintf(err, errlen,
                 "cannot find a config path (HOME unset?); "
                 "name one with -o config=FILE");
    return path;
}

/* Before any question: the name is usable, and the profile is new.
 * Replacing one is refused rather than asked about: a "y" piped by a
 * script would overwrite working keys, and the fix is one edit. */
static int check_target(const char *path, const char *profile, char *err,
                        size_t errlen)
{
    char *text = NULL;
    int rc;

    if (!firstrun_profile_name_ok(profile)) {
        snprintf(err, errlen,
                 "'%s' cannot be a profile name: no brackets, control "
                 "characters or blanks at its ends",
                 profile);
        return -1;
    }
    rc = read_config(path, &text, err, errlen);
    if (rc == 0 && firstrun_has_profile(text, profile)) {
        snprintf(err, errlen,
                 "profile [%s] already exists in %s; check it with cwmfs "
                 "--check %s, or delete its section there first (or choose "
                 "another name: cwmfs --init NAME)",
                 profile, path, profile);
        rc = -1;
    }
    free_text(text);
    return rc;
}

static void say_written(const struct cwm_config *cfg, const char *path,
                        const char *profile, const struct probe *p)
{
    const char *version = json_string(p->info, "version");
    bool plain = strcmp(profile, "default") == 0;
    char member[640];

    describe_member(p, member, sizeof(member));
    say(stdout, cfg,
        "cwmfs: checked: %s knows company %s (codebase %s, version %s), the "
        "keys "
        "are accepted, member %s; wrote [%s] to %s (mode 0600); mount it "
        "with: cwmfs %s%s<mountpoint>",
        cfg->url, cfg->company, p->codebase, version ? version : "unknown",
        member, profile, path, plain ? "" : profile, plain ? "" : " ");
}

int firstrun_init(const struct cwmfs_options *opts)
{
    const char *profile = opts->profile ? opts->profile : "default";
    struct probe p = { 0 };
    struct cwm_config cfg;
    char err[1536] = "";
    char *path;
    int rc = 1;

    log_set_level(LOG_LVL_ERROR); /* one line, whatever the retries say */
    config_init(&cfg);
    path = config_path(opts, err, sizeof(err));
    if (!path || check_target(path, profile, err, sizeof(err)) != 0 ||
        ask_answers(&cfg, err, sizeof(err)) != 0 ||
        config_validate(&cfg, err, sizeof(err)) != 0 ||
        probe_run(&cfg, opts, &p, err, sizeof(err)) != 0 ||
        save_profile(path, profile, &cfg, err, sizeof(err)) != 0) {
        say(stderr, &cfg, "cwmfs: %s; nothing written", err);
    } else {
        say_written(&cfg, path, profile, &p);
        rc = 0;
    }
    probe_free(&p);
    config_free(&cfg);
    free(path);
    return rc;
}

/* ---- --check ---------------------------------------------------------- */

/* The profile as a mount loads it: the file, then CWMFS_* variables. */
static int load_profile(const struct cwmfs_options *opts, const char *path,
                        struct cwm_config *cfg, char *err, size_t errlen)
{
    if (config_load_profile(cfg, path, opts->profile, opts->config != NULL, err,
                            errlen) == 0)
        return 0;
    if (access(path, F_OK) != 0)
        append_err(err, errlen, " (there is no %s: cwmfs --init writes one)",
                   path);
    return -1;
}

/* What the checks found, one "name: value" line each, on stdout. */
static void print_report(const struct cwm_config *cfg, const char *path,
                         const char *profile, const struct probe *p)
{
    const char *company_name = json_string(p->company, "CompanyName");
    const char *found = json_string(p->company, "Codebase");
    const char *version = json_string(p->info, "version");
    const char *code = json_string(p->company, "VersionCode");
    char member[640];

    describe_member(p, member, sizeof(member));
    printf("profile:        %s (%s, and CWMFS_* variables)\n", profile, path);
    printf("site:           %s, company %s%s%s%s\n", cfg->url, cfg->company,
           company_name ? ", \"" : "", company_name ? company_name : "",
           company_name ? "\"" : "");
    if (cfg->codebase)
        printf("codebase:       %s (configured; login/companyinfo says %s)\n",
               p->codebase, found ? found : "none");
    else
        printf("codebase:       %s (from login/companyinfo)\n", p->codebase);
    printf("server version: %s (system/info; login/companyinfo: %s)\n",
           version ? version : "not given", code ? code : "not given");
    printf("API:            %s\n", p->base);
    if (!p->version)
        printf("API version:    none asked (the server's current)\n");
    else
        printf("API version:    %s (%s)\n", p->version,
               cfg->api_version ? "configured: api_version"
                                : "the server's own, pinned as a mount "
                                  "pins it");
    printf("keys:           accepted by system/info (public and private key "
           "not shown)\n");
    printf("client id:      %s\n", cfg->client_id);
    /* A server's text: blank the keys, as every message is. */
    say(stdout, cfg, "member:         %s", member);
    printf("all checks passed\n");
}

int firstrun_check(const struct cwmfs_options *opts)
{
    const char *profile = opts->profile ? opts->profile : "default";
    struct probe p = { 0 };
    struct cwm_config cfg;
    char err[1536] = "";
    char *path;
    int rc = 1;

    log_set_level(LOG_LVL_ERROR);
    config_init(&cfg);
    path = config_path(opts, err, sizeof(err));
    if (!path || load_profile(opts, path, &cfg, err, sizeof(err)) != 0 ||
        probe_run(&cfg, opts, &p, err, sizeof(err)) != 0) {
        say(stderr, &cfg, "cwmfs: check of [%s] failed: %s", profile, err);
    } else {
        print_report(&cfg, path, profile, &p);
        rc = 0;
    }
    probe_free(&p);
    config_free(&cfg);
    free(path);
    return rc;
}
