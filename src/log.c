/* log.c - see log.h. */
#include "log.h"

#include "strmap.h"

#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

static _Atomic int current_level = LOG_LVL_WARN;
static _Atomic int to_syslog;

void log_set_level(enum log_level level) { current_level = level; }

void log_use_syslog(const char *profile)
{
    static char ident[80]; /* openlog keeps the pointer */

    snprintf(ident, sizeof(ident), "cwmfs-%s", profile ? profile : "default");
    /* Syslog parsers end an ident at a space, ':' or '[': keep it one word */
    for (char *c = ident; *c; c++)
        if (!isalnum((unsigned char)*c) && !strchr("._-", *c))
            *c = '_';
    openlog(ident, LOG_PID, LOG_DAEMON);
    to_syslog = 1;
}

static int syslog_priority(enum log_level level)
{
    /* clang-format off */
    switch (level) {
    case LOG_LVL_ERROR: return LOG_ERR;
    case LOG_LVL_WARN:  return LOG_WARNING;
    case LOG_LVL_INFO:  return LOG_INFO;
    default:            return LOG_DEBUG;
    }
    /* clang-format on */
}

static void log_line(enum log_level level, const char *fmt, va_list ap)
{
    static const char *const prefix[] = { "error", "warning", "info", "debug" };
    char line[2048];

    vsnprintf(line, sizeof(line), fmt, ap);
    if (to_syslog)
        syslog(syslog_priority(level), "%s", line);
    else
        fprintf(stderr, "cwmfs: %s: %s\n", prefix[level], line);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    va_list ap;

    if ((int)level > current_level)
        return;
    va_start(ap, fmt);
    log_line(level, fmt, ap);
    va_end(ap);
}

/* Events logged by log_once, for the life of the process. */
static pthread_mutex_t once_lock = PTHREAD_MUTEX_INITIALIZER;
static struct strmap *once_seen;

/* Whether `what` is new (and now remembered, room permitting). */
static bool first_time(const char *what)
{
    bool first;

    pthread_mutex_lock(&once_lock);
    if (!once_seen)
        once_seen = strmap_new(NULL);
    first = !once_seen || !strmap_get(once_seen, what);
    if (first && once_seen && strmap_count(once_seen) < LOG_ONCE_MAX)
        strmap_put(once_seen, what, (void *)1);
    pthread_mutex_unlock(&once_lock);
    return first;
}

void log_once(enum log_level level, const char *what, const char *fmt, ...)
{
    va_list ap;

    if ((int)level > current_level || !first_time(what))
        return;
    va_start(ap, fmt);
    log_line(level, fmt, ap);
    va_end(ap);
}
