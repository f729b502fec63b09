/* engine.c - phase loop, threads and the quiescent checkpoint.
 *
 * Threads are created per phase so each phase runs at its own thread count;
 * the scoreboard slot of thread i is the same in every phase, which keeps
 * per-thread live bytes continuous across phases.
 */
#include "engine.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

struct thread_arg {
	struct gen_ctx ctx;
	int rc;
};

static void *thread_main(void *p)
{
	struct thread_arg *a = p;
	switch (a->ctx.phase->gen) {
	case GEN_CHURN:
		a->rc = gen_churn_run(&a->ctx);
		break;
	default:
		a->rc = -EINVAL;
	}
	return NULL;
}

void engine_checkpoint(struct gen_ctx *ctx)
{
	int rc = pthread_barrier_wait(ctx->barrier);
	if (rc == PTHREAD_BARRIER_SERIAL_THREAD) {
		/* Every thread is parked here, so the sum is an exact snapshot. */
		int64_t live = scoreboard_live_bytes(ctx->sb);
		if (live > atomic_load(&ctx->sb->checkpoint_peak_bytes))
			atomic_store(&ctx->sb->checkpoint_peak_bytes, live);
	}
	pthread_barrier_wait(ctx->barrier);
}

static int run_threads(const struct workload *w, int index, const struct phase *ph,
		       int nthreads, struct scoreboard *sb)
{
	pthread_t tids[WORKLOAD_MAX_THREADS];
	/* Thread bookkeeping from mmap too: nothing here goes through malloc. */
	struct thread_arg *args = engine_scratch_alloc(sizeof(*args) * (size_t)nthreads);
	pthread_barrier_t barrier;
	int started = 0, rc = 0;

	if (!args)
		return -ENOMEM;
	pthread_barrier_init(&barrier, NULL, (unsigned)nthreads);
	for (int i = 0; i < nthreads; i++) {
		args[i].ctx = (struct gen_ctx){
			.phase = ph,
			.phase_index = index,
			.tid = i,
			.nthreads = nthreads,
			.seed = w->seed,
			.slot = &sb->slots[i],
			.sb = sb,
			.barrier = &barrier,
		};
		int err = pthread_create(&tids[i], NULL, thread_main, &args[i]);
		if (err) {
			/* The barrier counts nthreads: the started ones would wait
			 * forever, so this is fatal for the worker. */
			snprintf(sb->error, sizeof(sb->error), "phase '%s': cannot start thread %d: %s",
				 ph->name, i, strerror(err));
			return -err;
		}
		started++;
	}
	for (int i = 0; i < started; i++) {
		pthread_join(tids[i], NULL);
		if (args[i].rc && !rc)
			rc = args[i].rc;
	}
	pthread_barrier_destroy(&barrier);
	engine_scratch_free(args, sizeof(*args) * (size_t)nthreads);
	return rc;
}

/* Applies --scale to a phase's work. Counts keep at least 1. */
static struct phase scaled(const struct phase *ph, double scale)
{
	struct phase p = *ph;
	if (p.gen == GEN_CHURN && scale != 1.0) {
		double ops = (double)p.u.churn.ops * scale;
		p.u.churn.ops = ops < 1 ? 1 : (uint64_t)ops;
	}
	return p;
}

int engine_run(const struct workload *w, const struct engine_opts *opts, struct scoreboard *sb)
{
	for (int i = 0; i < w->nphases; i++) {
		struct phase ph = scaled(&w->phases[i], opts->scale);
		int nthreads = ph.threads ? ph.threads : opts->threads;
		atomic_store(&sb->phase, i + 1);
		int rc;
		if (ph.gen == GEN_IDLE) {
			rc = gen_idle_run(&ph, opts->time_scale);
		} else if (nthreads < 1 || nthreads > WORKLOAD_MAX_THREADS) {
			snprintf(sb->error, sizeof(sb->error),
				 "phase '%s' cannot run at %d threads", ph.name, nthreads);
			rc = -EINVAL;
		} else {
			rc = run_threads(w, i, &ph, nthreads, sb);
		}
		if (rc)
			return rc;
	}
	return 0;
}

void *engine_scratch_alloc(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

void engine_scratch_free(void *p, size_t bytes)
{
	if (p)
		munmap(p, bytes);
}
