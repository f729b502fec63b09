/* gen_idle.c - the idle phase: nothing allocates while sampling goes on,
 * which shows whether and when each allocator gives memory back. */
#include <errno.h>
#include <time.h>

#include "workloads/generators/gen.h"

struct idle_params {
	double duration_s;
};

static const struct key_def keys[] = {
    /* 1 ns stands for "more than 0": a duration can be no shorter. */
    {"duration", KEY_DURATION, KEY_REQUIRED | KEY_SCALE_IDLE,
     offsetof(struct idle_params, duration_s), 1e-9, 3600, NULL, NULL,
     "how long the worker sleeps (--quick makes it a quarter)", NULL},
    {0},
};

static int run(struct gen_ctx *ctx)
{
	double s = ((const struct idle_params *)ctx->params)->duration_s;
	struct timespec ts = {.tv_sec = (time_t)s,
	                      .tv_nsec = (long)((s - (double)(time_t)s) * 1e9)};
	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
	return 0;
}

const struct gen_def gen_idle = {
    .name = "idle",
    .summary = "nothing allocates for a while; sampling goes on",
    .doc = "The worker's main thread sleeps for `duration` while the driver samples: "
           "which allocators give memory back after the work, and when (jemalloc's "
           "decay, glibc's trim). Runs alone in its phase.",
    .keys = keys,
    .params_size = sizeof(struct idle_params),
    .kind = WORKLOAD_PHASE_IDLE,
    .threads = GEN_MAIN_THREAD,
    .run = run,
};
