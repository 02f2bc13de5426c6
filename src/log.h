/* log.h - leveled logging to stderr (foreground) or syslog (daemon).
 *
 * Messages never carry credentials: callers log URLs and statuses, never
 * header values. */
#ifndef CWMFS_LOG_H
#define CWMFS_LOG_H

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void log_set_level(enum log_level level);
/* Switch from stderr to syslog; called once the process has daemonized.
 * The ident names the profile ("cwmfs-default"), so the journal tells
 * two mounts apart (journalctl -t cwmfs-default); NULL: "default". */
void log_use_syslog(const char *profile);

void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* log_msg, the first time `what` is given (a short key naming the event:
 * "long-name members 41"): for what a refetch would otherwise report
 * again every TTL.  Remembers up to LOG_ONCE_MAX events, then logs all. */
void log_once(enum log_level level, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define LOG_ONCE_MAX 10000

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
