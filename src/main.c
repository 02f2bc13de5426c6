/* main.c - cwmfs: mount the ConnectWise Manage System API as JSON files.
 *
 * Parses the command line and the config, checks the credentials against
 * the server once, then hands the mountpoint to libfuse. */
#include "api.h"
#include "config.h"
#include "fs.h"
#include "inodes.h"
#include "local.h"
#include "log.h"
#include "errlog.h"
#include "firstrun.h"
#include "keep.h"
#include "mountpoint.h"
#include "options.h"
#include "store.h"

#include <errno.h>
#include <fuse.h>
#include <fuse_lowlevel.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <unistd.h>

/* --version: cwmfs and the libraries it runs with. */
static void print_version(void)
{
    printf("cwmfs %s (libfuse %s, %s, cJSON %s)\n", CWMFS_VERSION,
           fuse_pkgversion(), curl_version(), cJSON_Version());
}

static int set_log_level(const char *name)
{
    static const char *const names[] = { "error", "warn", "info", "debug" };

    if (!name)
        return 0;
    for (int i = 0; i < 4; i++)
        if (strcasecmp(name, names[i]) == 0) {
            log_set_level((enum log_level)i);
            return 0;
        }
    fprintf(stderr,
            "cwmfs: unknown log_level '%s' (error, warn, info, debug)\n", name);
    return -1;
}

static int load_config(const struct cwmfs_options *opts, struct cwm_config *cfg)
{
    char err[512];
    char *path = opts->config ? strdup(opts->config) : config_default_path();
    int rc = -1;

    if (!path)
        snprintf(err, sizeof(err), "cannot find a config path (HOME unset?)");
    else
        rc = config_load_profile(cfg, path, opts->profile, opts->config != NULL,
                                 err, sizeof(err));
    if (rc == 0 && opts->ttl >= 0)
        cfg->ttl = opts->ttl; /* -o ttl= wins; options.c checked it */
    if (rc)
        fprintf(stderr, "cwmfs: %s\n", err);
    else if (config_url_hint(cfg->url))
        fprintf(stderr, "cwmfs: hint: %s\n", config_url_hint(cfg->url));
    free(path);
    return rc;
}

/* Sends the server's own API version from now on (info.version), as the
 * PowerShell module does: a pinned version stays valid for its year,
 * where a built-in one would age into refusals. */
static int pin_version(struct cwm_api *api, const struct cwm_config *cfg,
                       const cJSON *info)
{
    char *version = api_version_of(info);
    int rc = 0;

    if (version) {
        log_info("API version %s (the server's)", version);
        rc = api_pin_version(api, cfg, version);
    }
    free(version);
    return rc;
}

/* Discovers the codebase and proves the credentials with GET system/info,
 * so a wrong key fails the mount instead of every later file operation. */
static struct cwm_api *connect_api(const struct cwm_config *cfg,
                                   const struct cwmfs_options *opts)
{
    struct http_options http_opts;
    struct api_error error = { 0 };
    struct cwm_api *api;
    char err[512];
    cJSON *info = NULL;

    options_http(opts, &http_opts);
    if (opts->cafile && access(opts->cafile, R_OK) != 0) {
        fprintf(stderr, "cwmfs: cannot read -o cafile=%s: %s\n", opts->cafile,
                strerror(errno));
        return NULL;
    }
    api = api_new(cfg, &http_opts, err, sizeof(err));
    if (!api) {
        fprintf(stderr, "cwmfs: %s\n", err);
        return NULL;
    }
    api_set_page_size(api, opts->page_size);
    api_set_max_conns(api, opts->max_conns);
    api_set_max_pages(api, opts->max_pages);
    if (api_get(api, "info", &info, &error) != 0) {
        api_explain_refusal(api_base_url(api), &error, err, sizeof(err));
        fprintf(stderr, "cwmfs: %s\n", err);
        api_free(api);
        return NULL;
    }
    if (!cfg->api_version && pin_version(api, cfg, info) != 0) {
        cJSON_Delete(info);
        api_free(api);
        return NULL;
    }
    cJSON_Delete(info);
    /* Drop the connection: the daemon is a forked child. */
    http_client_close_idle(api_http(api));
    return api;
}

static void on_sighup(int sig)
{
    (void)sig;
    cwmfs_request_refresh();
}

/* libfuse's handlers make SIGHUP unmount; we make it refresh instead. */
static int install_refresh_signal(void)
{
    struct sigaction sa = { .sa_handler = on_sighup };

    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    return sigaction(SIGHUP, &sa, NULL);
}

/* Names the mount "cwmfs:<profile>" in mount(8) and /proc/mounts. */
static int add_fsname(struct fuse_args *args, const char *profile)
{
    char opt[128];
    const char *name = profile ? profile : "default";

    if (strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                     "0123456789._-") != strlen(name) ||
        strlen(name) > 64)
        name = "profile"; /* commas or backslashes would break -o parsing */
    snprintf(opt, sizeof(opt), "-ofsname=cwmfs:%s,subtype=cwmfs", name);
    return fuse_opt_add_arg(args, opt);
}

/* A dead cwmfs mount left at the mount point is cleared, and said so. */
static int prepare_mountpoint(const char *path)
{
    char err[PATH_MAX + 256];
    bool cleaned;

    if (mountpoint_prepare(path, &cleaned, err, sizeof(err)) != 0) {
        fprintf(stderr, "cwmfs: %s\n", err);
        return -1;
    }
    if (cleaned)
        fprintf(stderr,
                "cwmfs: %s was a dead cwmfs mount (its daemon had died); "
                "unmounted it\n",
                path);
    return 0;
}

/* The options cwmfs gives libfuse: its name in mount(8); auto_unmount
 * (mountpoint.h); and with allow_other, default_permissions: every user
 * then reaches a daemon that acts with one user's keys, so the kernel
 * must check each file's mode and owner first. */
static int add_mount_options(struct fuse_args *args,
                             const struct cwmfs_options *opts)
{
    if (add_fsname(args, opts->profile) != 0)
        return -1;
    if (!opts->no_auto_unmount && fuse_opt_add_arg(args, "-oauto_unmount"))
        return -1;
    if (opts->allow_other && fuse_opt_add_arg(args, "-odefault_permissions"))
        return -1;
    return 0;
}

/* libfuse's side of the command line. */
struct fuse_side {
    struct fuse_cmdline_opts cmd;
    struct fuse *fuse;
};

/* Reads libfuse's options and makes the filesystem, before the server is
 * asked anything: an unknown -o option (libfuse names it) or a missing
 * mount point fails at once, in one line.  0 or -1. */
static int fuse_prepare(struct fuse_args *args, struct cwmfs *fs,
                        struct fuse_side *side)
{
    memset(side, 0, sizeof(*side));
    if (fuse_parse_cmdline(args, &side->cmd) != 0)
        return -1;
    if (!side->cmd.mountpoint) {
        fprintf(stderr, "cwmfs: no mountpoint given (see cwmfs -h)\n");
        return -1;
    }
    if (side->cmd.debug)
        log_set_level(LOG_LVL_DEBUG);
    side->fuse = fuse_new(args, cwmfs_operations(),
                          sizeof(struct fuse_operations), fs);
    return side->fuse ? 0 : -1;
}

/* Mounts and serves until unmounted; 0 or 1. */
static int run_fuse(struct fuse_side *side, struct cwmfs *fs,
                    const char *profile)
{
    struct fuse_cmdline_opts *cmd = &side->cmd;
    struct fuse_loop_config *loop_cfg = NULL;
    struct fuse *fuse = side->fuse;
    int rc = 1;

    if (prepare_mountpoint(cmd->mountpoint) != 0 ||
        fuse_mount(fuse, cmd->mountpoint) != 0)
        return 1;
    if (fuse_daemonize(cmd->foreground) != 0 ||
        fuse_set_signal_handlers(fuse_get_session(fuse)) != 0 ||
        install_refresh_signal() != 0)
        goto out_unmount;
    if (!cmd->foreground)
        log_use_syslog(profile);
    if (cmd->singlethread) {
        rc = fuse_loop(fuse) != 0;
    } else {
        loop_cfg = fuse_loop_cfg_create();
        fuse_loop_cfg_set_clone_fd(loop_cfg, (unsigned)cmd->clone_fd);
        /* UINT_MAX means "not given"; libfuse 3.14 warns if passed on. */
        if (cmd->max_idle_threads != UINT_MAX)
            fuse_loop_cfg_set_idle_threads(loop_cfg, cmd->max_idle_threads);
        fuse_loop_cfg_set_max_threads(loop_cfg, cmd->max_threads);
        rc = fuse_loop_mt(fuse, loop_cfg) != 0;
        fuse_loop_cfg_destroy(loop_cfg);
    }
    fs_stop_helpers(fs); /* before fuse_destroy frees what they use */
    fuse_remove_signal_handlers(fuse_get_session(fuse));
out_unmount:
    fuse_unmount(fuse);
    return rc;
}

/* Idempotent: what is freed is forgotten. */
static void fuse_side_free(struct fuse_side *side)
{
    if (side->fuse)
        fuse_destroy(side->fuse);
    free(side->cmd.mountpoint);
    side->fuse = NULL;
    side->cmd.mountpoint = NULL;
}

static void log_summary(struct cwmfs *fs, struct cwm_api *api)
{
    struct http_stats hs;
    struct cache_stats cs;

    http_get_stats(api_http(api), &hs);
    store_get_cache_stats(fs->store, &cs);
    log_info("%lu HTTP requests (%lu retries, %lu failures); cache: %lu hits, "
             "%lu fills, %lu coalesced, %lu stale served",
             hs.requests, hs.retries, hs.failures, cs.hits, cs.fills,
             cs.coalesced, cs.stale_served);
}

/* The mount's state over api; 0, or -1 with a reason in err (mount_free
 * releases what was made either way). */
static int mount_init(struct cwmfs *fs, struct cwm_api *api,
                      const struct cwm_config *cfg,
                      const struct cwmfs_options *opts, char *err,
                      size_t errlen)
{
    bool use_put = opts->write_mode && strcmp(opts->write_mode, "put") == 0;
    struct api_port port;
    bool made;

    api_port_init(&port, api);
    fs->tree = tmpl_root();
    fs->store = store_new(&port, cfg->ttl);
    fs->inodes = inode_table_new();
    fs->local = local_new();
    fs->errlog = errlog_new();
    fs->reads = reads_new();
    fs->queries = queries_new();
    fs->runs = runs_new();
    fs->kcache = kcache_new();
    fs->keep = keep_open(opts->profile);
    if (fs->errlog)
        errlog_keep(fs->errlog, fs->keep);
    fs->ttl = cfg->ttl;
    fs->umask = (mode_t)opts->umask;
    fs->uid = getuid();
    fs->gid = getgid();
    fs->mounted = time(NULL);
    fs->xattrs = !opts->no_xattr;
    fs->api_base = strdup(api_base_url(api));
    fs->status.http = api_http(api);
    fs->status.listings = api_listings(api);
    fs->status.settings = status_settings_text(cfg, opts, api_base_url(api),
                                               api_version_in_use(api));
    made = fs->tree && fs->store && fs->inodes && fs->local && fs->errlog &&
           fs->reads && fs->queries && fs->runs && fs->kcache &&
           fs->status.settings && fs->api_base;
    snprintf(err, errlen, "out of memory");
    /* Always initialised, so that mount_free may destroy it. */
    if (committer_init(&fs->committer, fs->store, fs->errlog, fs->reads,
                       use_put, opts->max_deletes) != 0)
        made = false;
    if (made && queries_load(fs->queries, cfg->queries, err, errlen) != 0)
        made = false; /* the config's saved queries: err says which */
    return made ? 0 : -1;
}

static void mount_free(struct cwmfs *fs)
{
    committer_destroy(&fs->committer);
    queries_free(fs->queries);
    runs_free(fs->runs);
    kcache_free(fs->kcache);
    local_free(fs->local);
    reads_free(fs->reads);
    errlog_free(fs->errlog);
    keep_close(fs->keep);
    store_free(fs->store);
    inode_table_free(fs->inodes);
    free(fs->status.settings);
    free(fs->api_base);
}

int main(int argc, char **argv)
{
    struct cwmfs_options opts;
    struct fuse_args args;
    struct cwm_config cfg;
    struct cwmfs fs = { 0 };
    struct fuse_side side = { 0 };
    struct cwm_api *api = NULL;
    char err[512];
    int rc = 1;

    /* The keys live in this process's memory: no core file of it, and no
     * other process of the user may ptrace it or read its environ. */
    prctl(PR_SET_DUMPABLE, 0);
    /* A listing's page (megabytes) is parsed and freed again.  glibc
     * serves such blocks with mmap, until the first is freed: then it
     * raises its threshold to that size, and later pages come from the
     * arenas, where they leave holes among the texts kept (measured at
     * 50,000 members: resident 1.7x the JSON served after a refresh,
     * against 1.4x with the threshold held).  Setting it holds it. */
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
    config_init(&cfg);
    pthread_mutex_init(&fs.open_lock, NULL);
    if (options_parse(argc, argv, &opts, &args, err, sizeof(err)) != 0) {
        fprintf(stderr, "cwmfs: %s\n", err);
        goto out;
    }
    if (opts.show_version || opts.show_help) {
        if (opts.show_version)
            print_version();
        if (opts.show_help) /* each option once: libfuse's own help lists
                             * -h and -V again, and options cwmfs sets */
            options_print_usage(argv[0]);
        rc = 0;
        goto out;
    }
    if (opts.init || opts.check) { /* first-run help: nothing is mounted */
        rc = opts.init ? firstrun_init(&opts) : firstrun_check(&opts);
        goto out;
    }
    if (set_log_level(opts.log_level) != 0 || load_config(&opts, &cfg) != 0 ||
        add_mount_options(&args, &opts) != 0 ||
        fuse_prepare(&args, &fs, &side) != 0)
        goto out;
    api = connect_api(&cfg, &opts);
    if (api && mount_init(&fs, api, &cfg, &opts, err, sizeof(err)) != 0)
        fprintf(stderr, "cwmfs: %s\n", err);
    else if (api)
        rc = run_fuse(&side, &fs, opts.profile);
    fuse_side_free(&side); /* calls fs_destroy if the loop ran */
    if (api) {
        log_summary(&fs, api);
        mount_free(&fs);
    }
    api_free(api);
out:
    fuse_side_free(&side);
    pthread_mutex_destroy(&fs.open_lock);
    config_free(&cfg);
    options_free(&opts);
    fuse_opt_free_args(&args);
    return rc;
}
