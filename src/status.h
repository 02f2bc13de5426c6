/* status.h - what the mount's status files under /.cwmfs say: `stats`
 * (what the mount has done: requests, bytes, latency, cache, listings in
 * flight), `config` (the settings it runs with, secrets masked) and
 * `refresh` (writing to it drops the caches, as SIGHUP does).
 *
 * An admin asking "why is this slow, what is it talking to" should find
 * the answer with cat, inside the mount, without a debug log. */
#ifndef CWMFS_STATUS_H
#define CWMFS_STATUS_H

struct buf;
struct cwmfs;
struct http_client;
struct progress;

/* Where the figures come from; each may be NULL (a unit test's mount),
 * and its lines are then left out.  Borrowed for the mount's life, but
 * settings, which the mount owns (malloc'd). */
struct status_sources {
    struct http_client *http;
    struct progress *listings;
    char *settings; /* the config file's text (status_config_text) */
};

struct cwm_config;
struct cwmfs_options;

/* The text of /.cwmfs/config: the settings a mount runs with, as
 * "key = value" lines in the config file's words, credentials masked
 * (malloc'd; NULL without memory).  api_base and api_version are what
 * the server said (api.h); either may be NULL. */
char *status_settings_text(const struct cwm_config *cfg,
                           const struct cwmfs_options *opts,
                           const char *api_base, const char *api_version);

/* The text of /.cwmfs/stats, appended to out: 0 or -ENOMEM. */
int status_stats_text(struct cwmfs *fs, struct buf *out);

/* A refresh done before it returns: every cached answer forgotten and the
 * kernel's copies dropped, so that the next read asks the server.  Only
 * from handlers where invalidate.h allows dropping them synchronously (a
 * flush, a release). */
void status_refresh_now(struct cwmfs *fs);

#endif
