/* options.c - see options.h. */
#include "options.h"

#include "api.h"
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { KEY_HELP, KEY_VERSION, KEY_INIT, KEY_CHECK, KEY_NUMBER };

/* clang-format off */
#define OPT(t, field, value) { t, offsetof(struct cwmfs_options, field), value }
#define NUMBER(name) FUSE_OPT_KEY(name "=", KEY_NUMBER)
/* clang-format on */

/* The numeric options, read by on_option rather than by fuse_opt's
 * sscanf, so that a bad value is one line saying what would do. */
static const struct number_option {
    const char *name;
    size_t offset; /* of an int in struct cwmfs_options */
    int base;      /* 8: an octal mode */
    long min, max;
    const char *unit; /* what the number counts, for the refusal */
} NUMBERS[] = {
    { "ttl", offsetof(struct cwmfs_options, ttl), 10, 0, INT_MAX, "seconds" },
    { "umask", offsetof(struct cwmfs_options, umask), 8, 0, 0777,
      "an octal mode" },
    { "max_deletes", offsetof(struct cwmfs_options, max_deletes), 10, 0,
      INT_MAX, "DELETEs a minute" },
    { "timeout", offsetof(struct cwmfs_options, timeout), 10, 1, INT_MAX,
      "seconds" },
    { "page_size", offsetof(struct cwmfs_options, page_size), 10, 1,
      API_MAX_PAGE_SIZE, "items" },
    { "max_conns", offsetof(struct cwmfs_options, max_conns), 10, 1,
      API_MAX_CONNS, "connections" },
    { "max_pages", offsetof(struct cwmfs_options, max_pages), 10, 1,
      API_MAX_PAGES, "pages" },
    { "max_response", offsetof(struct cwmfs_options, max_response), 10, 1,
      API_MAX_RESPONSE_MIB, "MiB" },
};

static const struct fuse_opt option_spec[] = {
    OPT("config=%s", config, 0),
    NUMBER("ttl"),
    NUMBER("umask"),
    OPT("log_level=%s", log_level, 0),
    OPT("write_mode=%s", write_mode, 0),
    NUMBER("max_deletes"),
    NUMBER("timeout"),
    NUMBER("page_size"),
    NUMBER("max_conns"),
    NUMBER("max_pages"),
    NUMBER("max_response"),
    OPT("no_auto_unmount", no_auto_unmount, 1),
    OPT("noxattr", no_xattr, 1),
    OPT("cafile=%s", cafile, 0),
    FUSE_OPT_KEY("-h", KEY_HELP),
    FUSE_OPT_KEY("--help", KEY_HELP),
    FUSE_OPT_KEY("-V", KEY_VERSION),
    FUSE_OPT_KEY("--version", KEY_VERSION),
    FUSE_OPT_KEY("--init", KEY_INIT),
    FUSE_OPT_KEY("--check", KEY_CHECK),
    FUSE_OPT_END
};

/* fuse_opt_parse hands one pointer to both the templates (as a base for
 * their offsets) and the callback, so the options must come first. */
struct parse_state {
    struct cwmfs_options opts;
    char *positional[2];
    int npositional;
    char *err;
    size_t errlen;
    bool failed;
};

/* "name=value" of a NUMBERS option into its field; false, with the
 * refusal in st, for a value that is not a number in its range. */
static bool take_number(struct parse_state *st, const char *arg)
{
    size_t len = strcspn(arg, "=");
    const char *value = arg + len + 1;
    char *end;
    long n;

    for (size_t i = 0; i < sizeof(NUMBERS) / sizeof(*NUMBERS); i++) {
        const struct number_option *o = &NUMBERS[i];

        if (strlen(o->name) != len || strncmp(o->name, arg, len) != 0)
            continue;
        errno = 0;
        n = strtol(value, &end, o->base);
        if (*value && !*end && errno == 0 && n >= o->min && n <= o->max) {
            *(int *)((char *)&st->opts + o->offset) = (int)n;
            return true;
        }
        snprintf(st->err, st->errlen,
                 o->base == 8 ? "-o %s: %s must be %s from %lo to %lo"
                              : "-o %s: %s must be %s from %ld to %ld",
                 arg, o->name, o->base == 8 ? "an octal mode" : "a number",
                 o->min, o->max);
        if (o->base != 8)
            snprintf(st->err + strlen(st->err), st->errlen - strlen(st->err),
                     " (%s)", o->unit);
        return false;
    }
    return false; /* not reached: option_spec lists NUMBERS only */
}

static int on_option(void *data, const char *arg, int key,
                     struct fuse_args *outargs)
{
    struct parse_state *st = data;
    char name[64];

    (void)outargs;
    switch (key) {
    case KEY_HELP:
        st->opts.show_help = true;
        return 1; /* libfuse prints its part of the help too */
    case KEY_VERSION:
        st->opts.show_version = true;
        return 1;
    case KEY_NUMBER:
        if (take_number(st, arg))
            return 0;
        st->failed = true;
        return -1;
    case KEY_INIT: /* firstrun.c; not libfuse's business */
        st->opts.init = true;
        return 0;
    case KEY_CHECK:
        st->opts.check = true;
        return 0;
    case FUSE_OPT_KEY_NONOPT:
        if (st->npositional == 2) {
            snprintf(st->err, st->errlen, "too many arguments at '%s'", arg);
            st->failed = true;
            return -1;
        }
        st->positional[st->npositional++] = strdup(arg);
        return 0; /* put back (the mountpoint) after parsing */
    case FUSE_OPT_KEY_OPT:
        /* Keys in -o would be readable by anyone through ps(1). */
        snprintf(name, sizeof(name), "%.*s", (int)strcspn(arg, "="), arg);
        if (config_is_secret_option(name)) {
            snprintf(st->err, st->errlen,
                     "refusing -o %s: credentials on the command line are "
                     "visible to every user (ps); put them in the config "
                     "file (chmod 600) or CWMFS_* environment variables",
                     name);
            st->failed = true;
            return -1;
        }
        if (strcmp(arg, "allow_other") == 0)
            st->opts.allow_other = true;
        return 1;
    default:
        return 1;
    }
}

/* libfuse would say "bad mount point"; this says what to do. */
static int mountpoint_exists(const char *path, char *err, size_t errlen)
{
    if (access(path, F_OK) == 0 || errno != ENOENT)
        return 0;
    snprintf(err, errlen,
             "mount point %s does not exist; create it: mkdir -p %s", path,
             path);
    return -1;
}

int options_parse(int argc, char **argv, struct cwmfs_options *opts,
                  struct fuse_args *args, char *err, size_t errlen)
{
    struct parse_state st = { .err = err, .errlen = errlen };
    int rc = 0;

    st.opts.ttl = -1;
    st.opts.umask = 077;
    st.opts.max_deletes = 10;
    st.opts.timeout = 60;
    st.opts.page_size = API_MAX_PAGE_SIZE;
    st.opts.max_conns = API_DEFAULT_CONNS;
    st.opts.max_pages = API_DEFAULT_MAX_PAGES;
    st.opts.max_response = API_DEFAULT_MAX_RESPONSE_MIB;
    args->argc = argc;
    args->argv = argv;
    args->allocated = 0;
    if (fuse_opt_parse(args, &st, option_spec, on_option) == -1) {
        if (!st.failed)
            snprintf(err, errlen, "invalid options");
        rc = -1;
    } else if ((st.opts.init || st.opts.check) &&
               (st.npositional == 2 || (st.opts.init && st.opts.check))) {
        snprintf(err, errlen,
                 "--init and --check take a profile name, no "
                 "mountpoint, and one at a time");
        rc = -1;
    } else if (st.opts.init || st.opts.check) {
        /* --init/--check [profile]: nothing is mounted (firstrun.h) */
        st.opts.profile = st.positional[0];
        st.positional[0] = NULL;
    } else if (st.npositional == 2) {
        st.opts.profile = st.positional[0];
        st.positional[0] = NULL;
        rc = fuse_opt_add_arg(args, st.positional[1]);
        if (rc == 0)
            rc = mountpoint_exists(st.positional[1], err, errlen);
    } else if (st.npositional == 1) {
        rc = fuse_opt_add_arg(args, st.positional[0]);
        if (rc == 0)
            rc = mountpoint_exists(st.positional[0], err, errlen);
    }
    free(st.positional[0]);
    free(st.positional[1]);
    *opts = st.opts;
    if (rc == 0 && opts->write_mode && strcmp(opts->write_mode, "patch") != 0 &&
        strcmp(opts->write_mode, "put") != 0) {
        snprintf(err, errlen,
                 "-o write_mode=%s: write_mode must be patch or put",
                 opts->write_mode);
        rc = -1;
    }
    return rc;
}

void options_http(const struct cwmfs_options *opts, struct http_options *h)
{
    http_options_default(h);
    h->total_timeout_s = opts->timeout;
    h->max_body_bytes = (size_t)opts->max_response << 20;
    h->ca_file = opts->cafile;
}

void options_free(struct cwmfs_options *opts)
{
    free(opts->config);
    free(opts->profile);
    free(opts->log_level);
    free(opts->write_mode);
    free(opts->cafile);
    memset(opts, 0, sizeof(*opts));
}

void options_print_usage(const char *progname)
{
    static const char usage[] =
        "usage: %s [options] [profile] <mountpoint>\n"
        "       %s --init|--check [-o config=FILE] [profile]\n\n"
        "Mounts the ConnectWise Manage System API as a tree of JSON files.\n"
        "The profile names a section of the config file ([default] if "
        "none).\n\n"
        "cwmfs options:\n"
        "  -o config=FILE       config file (default ~/.config/cwmfs/config)\n"
        "  -o ttl=SECONDS       cache lifetime of API responses (default 60)\n"
        "  -o umask=OCTAL       mask applied to file modes (default 077)\n"
        "  -o log_level=LEVEL   error, warn (default), info or debug\n"
        "  -o write_mode=MODE   patch (default: smallest JSON Patch) or put\n"
        "  -o max_deletes=N     DELETEs allowed per minute (default 10)\n"
        "  -o timeout=SECONDS   limit on one request, retries included "
        "(default 60)\n"
        "  -o page_size=N       items asked for a page (default 1000)\n"
        "  -o max_conns=N       pages of a listing fetched at once (default "
        "8)\n"
        "  -o max_pages=N       pages one listing may take (default 1000)\n"
        "  -o max_response=MIB  size of one answer, decompressed (default "
        "256)\n"
        "  -o cafile=FILE       CA certificates (PEM) to trust for HTTPS, "
        "for a\n"
        "                       private CA (default: the system's)\n"
        "  -o no_auto_unmount   leave a killed daemon's mount in place "
        "(default:\n"
        "                       fusermount3 unmounts it)\n"
        "  -o noxattr           no user.cwm.* attributes on object files\n"
        "  -o ro                read-only mount\n"
        "  -h   --help          print help\n"
        "  -V   --version       print version (cwmfs and its libraries)\n"
        "  --init [profile]     ask for the site, company and keys, check "
        "them\n"
        "                       with the server, then write the profile\n"
        "  --check [profile]    check a profile with the server, mount "
        "nothing\n"
        "\n"
        "libfuse options:\n"
        "  -f                   stay in the foreground\n"
        "  -d   -o debug        libfuse's trace and every API request "
        "(implies -f)\n"
        "  -s                   single-threaded\n"
        "  -o allow_other       let other users in (adds "
        "default_permissions)\n"
        "  -o max_threads=N     worker threads (default 10)\n"
        "  -o max_idle_threads=N  idle worker threads kept\n"
        "  -o clone_fd          a /dev/fuse descriptor per thread\n"
        "Other libfuse mount options (nosuid, nodev, ...) pass through.\n\n"
        "Credentials come from the config file or CWMFS_* environment\n"
        "variables, never from the command line.\n";

    printf(usage, progname, progname);
}
