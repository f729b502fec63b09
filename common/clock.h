/* clock.h - a clock read in nanoseconds, the unit of every time the
 * scoreboard, the series and the results hold. Header-only: the probe,
 * the worker and the driver each read it where they stand. */
#ifndef WIMM_CLOCK_H
#define WIMM_CLOCK_H

#include <stdint.h>
#include <time.h>

/* CLOCK_MONOTONIC is the clock the driver and its children share. */
static inline int64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

#endif
