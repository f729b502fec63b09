/* engine.h - runs a workload's phases in the worker, thread by thread.
 *
 * The engine owns the threads and the phase barrier; generators own the
 * allocation pattern. A generator sees only its gen_ctx.
 */
#ifndef WIMM_ENGINE_H
#define WIMM_ENGINE_H

#include <pthread.h>
#include <stdint.h>

#include "common/scoreboard.h"
#include "workloads/workload.h"

struct engine_opts;

struct gen_ctx {
	const struct phase *phase;
	int phase_index;
	int tid; /* 0 .. nthreads-1 */
	int nthreads;
	uint64_t seed; /* the workload's seed */
	struct sb_slot *slot;
	struct scoreboard *sb;
	pthread_barrier_t *barrier; /* all threads of the phase */
	/* One pointer per phase, NULL at its start, for state the threads of a
	 * generator share (the tile cache, handoff queues). Set it before a
	 * barrier so the others see it after. */
	void **shared;
	const struct engine_opts *opts;
};

struct engine_opts {
	int threads; /* the cell's thread count from the axis */
	/* Called at each checkpoint (phase index as in the scoreboard) while
	 * every thread waits, after the probe's reading; NULL: none. */
	void (*checkpoint_hook)(int phase);
};

/* Runs every phase of w (already scaled, see workload_scale). Returns 0,
 * or -errno with a message in sb->error. */
int engine_run(const struct workload *w, const struct engine_opts *opts, struct scoreboard *sb);

/* Called by a generator thread when its work is done and before it frees:
 * waits for all threads of the phase; the last to arrive records the exact
 * live heap, the RSS and (through the probe, synchronously) the
 * allocator's figures in sb->checkpoints[phase].at, one instant. */
void engine_checkpoint(struct gen_ctx *ctx);

/* Keeps a block alive after its phase, until a free-all phase frees it.
 * Each thread appends to its own list: no lock. Returns 0 or -ENOMEM. */
int engine_retain(struct gen_ctx *ctx, void *p, uint64_t size);

/* Frees every retained block from the calling thread (the main thread, as
 * a program's teardown would), accounted in slot 0. */
void engine_free_retained(struct scoreboard *sb);

/* Generators: return 0 or -errno (message in ctx->sb->error). Threaded
 * generators run once per thread; tile-cache runs with threads + 1 (thread
 * 0 detects, the others measure). */
int gen_churn_run(struct gen_ctx *ctx);
int gen_tile_cache_run(struct gen_ctx *ctx);
int gen_grow_run(struct gen_ctx *ctx);
int gen_stamps_run(struct gen_ctx *ctx);
int gen_leak_run(struct gen_ctx *ctx);
int gen_idle_run(const struct phase *phase);

/* CLOCK_MONOTONIC in ns: the driver's clock too. */
int64_t engine_now_ns(void);

/* Scratch memory for generator bookkeeping, from mmap so the allocator
 * under test sees only the workload's own blocks. */
void *engine_scratch_alloc(size_t bytes);
void engine_scratch_free(void *p, size_t bytes);

#endif
