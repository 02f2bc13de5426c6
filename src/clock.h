/* clock.h - the two clocks the filesystem reads.
 *
 * Monotonic seconds for anything measured between two moments (timeouts,
 * TTLs, rate windows): they never jump when the wall clock is set.  The
 * wall clock for what users see as times (file times). */
#ifndef CWMFS_CLOCK_H
#define CWMFS_CLOCK_H

#include <time.h>

/* Seconds on the monotonic clock (timeouts, TTLs, rate windows). */
double clock_mono_seconds(void);
/* The wall clock now, as a timespec (file times). */
struct timespec clock_wall_now(void);
/* The wall clock seconds from now: a deadline for pthread_cond_timedwait,
 * which reads the wall clock. */
struct timespec clock_wall_after(double seconds);
/* Sleeps for seconds (nothing for 0 or less), signals or not. */
void clock_sleep(double seconds);

#endif
