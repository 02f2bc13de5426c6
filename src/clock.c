/* clock.c - see clock.h. */
#include "clock.h"

#include <errno.h>

double clock_mono_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* seconds (>= 0) as a timespec */
static struct timespec timespec_of(double seconds)
{
    struct timespec ts;

    ts.tv_sec = (time_t)seconds;
    ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
    return ts;
}

struct timespec clock_wall_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return ts;
}

struct timespec clock_wall_after(double seconds)
{
    struct timespec now = clock_wall_now(), add = timespec_of(seconds);

    now.tv_sec += add.tv_sec;
    now.tv_nsec += add.tv_nsec;
    if (now.tv_nsec >= 1000000000L) {
        now.tv_sec++;
        now.tv_nsec -= 1000000000L;
    }
    return now;
}

void clock_sleep(double seconds)
{
    struct timespec left;

    if (seconds <= 0)
        return;
    left = timespec_of(seconds);
    while (nanosleep(&left, &left) != 0 && errno == EINTR)
        ;
}
