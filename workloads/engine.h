/* engine.h - runs a workload's phases in the worker: roles, threads,
 * queues and the phase barrier.
 *
 * The engine owns the threads, the queues and the barriers; generators own
 * the allocation pattern. A generator sees only its gen_ctx
 * (workloads/generators/gen.h).
 */
#ifndef WIMM_ENGINE_H
#define WIMM_ENGINE_H

#include <pthread.h>
#include <stdint.h>

#include "common/scoreboard.h"
#include "workloads/generators/gen.h"
#include "workloads/workload.h"

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

/* Starts a new thread that runs the role's generator with the same ctx
 * (generation + 1, same state, slot and barriers), for generators whose
 * threads exit and are replaced while their blocks live on. The caller
 * returns GEN_HANDED_OVER right after, touching nothing the successor may
 * use. Returns 0 or -errno (then the caller goes on itself). */
int engine_next_generation(struct gen_ctx *ctx);

/* Threads the engine has started so far, thread generations included. */
uint64_t engine_threads_started(void);

/* Keeps a block alive after its phase, until a free-all phase frees it.
 * Each thread appends to its own list: no lock. Returns 0 or -ENOMEM. */
int engine_retain(struct gen_ctx *ctx, void *p, uint64_t size);

/* Frees every retained block from the calling thread (the main thread, as
 * a program's teardown would), accounted in slot 0. */
void engine_free_retained(struct scoreboard *sb);

/* CLOCK_MONOTONIC in ns: the driver's clock too. */
int64_t engine_now_ns(void);

/* Scratch memory for generator bookkeeping, from mmap so the allocator
 * under test sees only the workload's own blocks. */
void *engine_scratch_alloc(size_t bytes);
void engine_scratch_free(void *p, size_t bytes);

#endif
