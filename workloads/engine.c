/* engine.c - phase loop, threads and the quiescent checkpoint.
 *
 * Threads are created per phase so each phase runs at its own thread count;
 * the scoreboard slot of thread i is the same in every phase, which keeps
 * per-thread live bytes continuous across phases. Between phases, and at
 * each checkpoint, no workload thread runs: there the engine makes the
 * scoreboard's running total exact and keeps each phase's peak heap.
 */
#include "workloads/engine.h"
#include "common/procself.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

struct thread_arg {
	struct gen_ctx ctx;
	int rc;
};

/* Blocks kept past their phase: one growable list per scoreboard slot,
 * in mmap'd memory so the allocator under test never sees them. */
struct retained {
	struct {
		void *ptr;
		uint64_t size;
	} * items;
	size_t n, cap;
};
static struct retained retained[WORKLOAD_MAX_THREADS];

static void *thread_main(void *p)
{
	struct thread_arg *a = p;
	switch (a->ctx.phase->gen) {
	case GEN_CHURN:
		a->rc = gen_churn_run(&a->ctx);
		break;
	case GEN_TILE_CACHE:
		a->rc = gen_tile_cache_run(&a->ctx);
		break;
	case GEN_GROW:
		a->rc = gen_grow_run(&a->ctx);
		break;
	case GEN_STAMPS:
		a->rc = gen_stamps_run(&a->ctx);
		break;
	case GEN_LEAK:
		a->rc = gen_leak_run(&a->ctx);
		break;
	default:
		a->rc = -EINVAL;
	}
	return NULL;
}

int engine_retain(struct gen_ctx *ctx, void *p, uint64_t size)
{
	struct retained *r = &retained[ctx->tid];
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 4096;
		void *grown = engine_scratch_alloc(cap * sizeof(*r->items));
		if (!grown)
			return -ENOMEM;
		if (r->n)
			memcpy(grown, r->items, r->n * sizeof(*r->items));
		engine_scratch_free(r->items, r->cap * sizeof(*r->items));
		r->items = grown;
		r->cap = cap;
	}
	r->items[r->n].ptr = p;
	r->items[r->n].size = size;
	r->n++;
	return 0;
}

void engine_free_retained(struct scoreboard *sb)
{
	for (int t = 0; t < WORKLOAD_MAX_THREADS; t++) {
		struct retained *r = &retained[t];
		for (size_t i = 0; i < r->n; i++) {
			scoreboard_add(&sb->slots[0], -(int64_t)r->items[i].size);
			free(r->items[i].ptr);
		}
		r->n = 0;
	}
}

/* How long a checkpoint waits for the probe's reading: far more than one
 * takes (milliseconds at most while every thread waits), so only a probe
 * that is gone or stuck is given up on. */
#define PROBE_WAIT_NS 2000000000LL

int64_t engine_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void engine_checkpoint(struct gen_ctx *ctx)
{
	int rc = pthread_barrier_wait(ctx->barrier);
	if (rc == PTHREAD_BARRIER_SERIAL_THREAD) {
		/* Every thread is parked here: the heap, the RSS and the
		 * allocator's figures are one instant. */
		struct scoreboard *sb = ctx->sb;
		int64_t live = scoreboard_heap_sync(sb, 0);
		int i = ctx->phase_index + 1;
		if (i < SCOREBOARD_PHASES) {
			struct sb_snapshot *at = &sb->checkpoints[i].at;
			atomic_store(&at->t_ns, engine_now_ns());
			atomic_store(&at->heap_bytes, live);
			atomic_store(&at->rss_bytes, procself_rss());
			/* No probe (--no-probe) or none that answers: the
			 * allocator's figures stay n/a. */
			scoreboard_probe_request(sb, i, PROBE_WAIT_NS);
			if (ctx->opts && ctx->opts->checkpoint_hook)
				ctx->opts->checkpoint_hook(i);
		}
	}
	pthread_barrier_wait(ctx->barrier);
}

static int run_threads(const struct workload *w, int index, const struct phase *ph, int nthreads,
                       struct scoreboard *sb, const struct engine_opts *opts)
{
	pthread_t tids[WORKLOAD_MAX_THREADS];
	/* Thread bookkeeping from mmap too: nothing here goes through malloc. */
	struct thread_arg *args = engine_scratch_alloc(sizeof(*args) * (size_t)nthreads);
	pthread_barrier_t barrier;
	void *shared = NULL;
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
		    .shared = &shared,
		    .opts = opts,
		};
		int err = pthread_create(&tids[i], NULL, thread_main, &args[i]);
		if (err) {
			/* The barrier counts nthreads: the started ones would wait
			 * forever, so this is fatal for the worker. */
			snprintf(sb->error, sizeof(sb->error),
			         "phase '%s': cannot start thread %d: %s", ph->name, i,
			         strerror(err));
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

int engine_run(const struct workload *w, const struct engine_opts *opts, struct scoreboard *sb)
{
	for (int i = 0; i < w->nphases; i++) {
		const struct phase *ph = &w->phases[i];
		int nthreads = ph->threads ? ph->threads : opts->threads;
		if (ph->gen == GEN_TILE_CACHE)
			nthreads++; /* the detection thread */
		atomic_store(&sb->checkpoints[i + 1].start_ns, engine_now_ns());
		atomic_store(&sb->phase, i + 1);
		/* Quiescent: no workload thread runs between phases. */
		scoreboard_heap_sync(sb, 1);
		int rc;
		if (ph->gen == GEN_IDLE) {
			rc = gen_idle_run(ph);
		} else if (ph->gen == GEN_FREE_ALL) {
			engine_free_retained(sb);
			rc = 0;
		} else if (nthreads < 1 || nthreads > WORKLOAD_MAX_THREADS) {
			snprintf(sb->error, sizeof(sb->error),
			         "phase '%s' cannot run at %d threads", ph->name, nthreads);
			rc = -EINVAL;
		} else {
			rc = run_threads(w, i, ph, nthreads, sb, opts);
		}
		atomic_store(&sb->checkpoints[i + 1].end_ns, engine_now_ns());
		scoreboard_peak_end(
		    sb, i + 1,
		    nthreads > 1 && ph->gen != GEN_IDLE && ph->gen != GEN_FREE_ALL ? nthreads : 1);
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
