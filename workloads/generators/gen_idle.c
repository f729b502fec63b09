/* gen_idle.c - the idle phase: nothing allocates while sampling goes on,
 * which shows whether and when each allocator gives memory back. */
#include <errno.h>
#include <time.h>

#include "workloads/engine.h"

int gen_idle_run(const struct phase *phase)
{
	double s = phase->u.idle.duration_s;
	struct timespec ts = {.tv_sec = (time_t)s,
	                      .tv_nsec = (long)((s - (double)(time_t)s) * 1e9)};
	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
	return 0;
}
