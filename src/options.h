/* options.h - the command line: cwmfs [options] [profile] <mountpoint>,
 * or cwmfs --init|--check [profile].
 *
 * Our own -o options are taken out of the argument list; libfuse's (-f, -d,
 * -s, -o allow_other, ...) stay in it for fuse_parse_cmdline/fuse_new. */
#ifndef CWMFS_OPTIONS_H
#define CWMFS_OPTIONS_H

#include <fuse.h>
#include <stdbool.h>
#include <stddef.h>

#include "http.h"

struct cwmfs_options {
    char *config;     /* -o config=FILE */
    char *profile;    /* the optional positional before the mountpoint */
    int ttl;          /* -o ttl=SECONDS; -1 = from the config */
    int umask;        /* -o umask=OCTAL, default 077 */
    char *log_level;  /* -o log_level=error|warn|info|debug */
    char *write_mode; /* -o write_mode=patch|put */
    int max_deletes;  /* -o max_deletes=N per minute, default 10 */
    int timeout;      /* -o timeout=SECONDS for one HTTP exchange, default 60 */
    int page_size;    /* -o page_size=N items a page, default 1000 */
    int max_conns;    /* -o max_conns=N pages fetched at once, default 8 */
    int max_pages;    /* -o max_pages=N pages one listing may take */
    int max_response; /* -o max_response=MIB of one answer, decompressed */
    char *cafile;     /* -o cafile=FILE: CA certificates (PEM) for HTTPS */
    bool allow_other; /* -o allow_other (libfuse's): default_permissions too */
    int no_auto_unmount; /* -o no_auto_unmount: a killed daemon's mount stays */
    int no_xattr;        /* -o noxattr: no user.cwm.* attributes */
    bool show_help;
    bool show_version;
    bool init;  /* --init [profile]: write a checked profile (firstrun.h) */
    bool check; /* --check [profile]: check one, mount nothing */
};

/* Parses argv into opts, leaving libfuse's arguments (and the mountpoint) in
 * args.  Returns 0, or -1 with a one-line reason in err. */
int options_parse(int argc, char **argv, struct cwmfs_options *opts,
                  struct fuse_args *args, char *err, size_t errlen);
void options_free(struct cwmfs_options *opts);
/* The HTTP client's settings the options name (-o timeout, max_response,
 * cafile), over http.h's defaults. */
void options_http(const struct cwmfs_options *opts, struct http_options *h);
void options_print_usage(const char *progname);

#endif
