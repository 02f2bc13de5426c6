/* log.c - see log.h. */
#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <syslog.h>

static _Atomic int current_level = LOG_LVL_WARN;
static _Atomic int to_syslog;

void log_set_level(enum log_level level) { current_level = level; }

void log_use_syslog(void)
{
    openlog("cwmfs", LOG_PID, LOG_DAEMON);
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

void log_msg(enum log_level level, const char *fmt, ...)
{
    static const char *const prefix[] = { "error", "warning", "info", "debug" };
    char line[2048];
    va_list ap;

    if ((int)level > current_level)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (to_syslog)
        syslog(syslog_priority(level), "%s", line);
    else
        fprintf(stderr, "cwmfs: %s: %s\n", prefix[level], line);
}
