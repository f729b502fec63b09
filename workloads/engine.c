/* engine.c - phase loop, roles, threads, queues and the quiescent
 * checkpoint.
 *
 * Threads are created per phase so each phase runs at its own thread count;
 * the roles of a phase take consecutive scoreboard slots in their order
 * (role 0 from slot 0), and the slot of a thread is the same in every
 * phase, which keeps per-thread live bytes continuous across phases.
 *
 * A thread whose generator hands over to a successor (thread generations)
 * starts it and exits, as larson's threads do: the successor's first
 * mallocs may come before its predecessor is gone, which decides whether
 * it reuses the predecessor's arena or heap. Each thread joins its own
 * predecessor when its work is done, and the engine joins the last of
 * each chain, so every thread is joined once.
 *
 * Between phases, and at each checkpoint, no workload thread runs: there
 * the engine makes the scoreboard's running total exact and keeps each
 * phase's peak heap.
 */
#include "workloads/engine.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "common/clock.h"
#include "common/procself.h"
#include "workloads/keys.h"
#include "workloads/queue.h"

_Static_assert(WORKLOAD_MAX_THREADS <= SCOREBOARD_SLOTS, "a slot per thread of a phase");
_Static_assert(WORKLOAD_MAX_PHASES + 1 <= SCOREBOARD_PHASES, "phase 0 is the start");
_Static_assert(WORKLOAD_NAME_MAX <= sizeof(((struct scoreboard *)0)->phase_names[0]),
               "phase names fit the scoreboard");

/* What the threads of a phase report back. */
struct phase_run {
	pthread_mutex_t lock;
	pthread_cond_t done;
	int running; /* logical threads (generation chains) not finished */
	int rc;      /* the first failure */
};

struct thread_arg {
	struct gen_ctx ctx;
	struct phase_run *run;
	pthread_t prev; /* the generation the next thread takes over from */
	pthread_t last; /* the chain's final thread, for the engine to join */
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

static _Atomic uint64_t threads_started; /* every pthread_create, generations too */

uint64_t engine_threads_started(void) { return atomic_load(&threads_started); }

static void *thread_main(void *p)
{
	struct thread_arg *a = p;
	int first = a->ctx.generation == 0;
	pthread_t prev = a->prev;
	int rc = a->ctx.role->gen->run(&a->ctx);
	if (!first)
		pthread_join(prev, NULL); /* long gone: it returned after starting us */
	if (rc == GEN_HANDED_OVER)
		return NULL; /* a successor has a, and runs on */
	struct phase_run *run = a->run;
	a->last = pthread_self();
	pthread_mutex_lock(&run->lock);
	if (rc && !run->rc)
		run->rc = rc;
	if (--run->running == 0)
		pthread_cond_signal(&run->done);
	pthread_mutex_unlock(&run->lock);
	return NULL;
}

int engine_next_generation(struct gen_ctx *ctx)
{
	struct thread_arg *a =
	    (struct thread_arg *)((char *)ctx - offsetof(struct thread_arg, ctx));
	pthread_t t;
	a->prev = pthread_self();
	a->ctx.generation++;
	int err = pthread_create(&t, NULL, thread_main, a);
	if (err)
		a->ctx.generation--;
	else
		atomic_fetch_add(&threads_started, 1);
	return -err;
}

int engine_retain(struct gen_ctx *ctx, void *p, uint64_t size)
{
	struct retained *r = &retained[ctx->slot - ctx->sb->slots];
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

/* Set by engine_run for the checkpoints of its phases. */
static void (*checkpoint_hook)(int phase);

int64_t engine_now_ns(void) { return clock_ns(CLOCK_MONOTONIC); }

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
			procself_store_statm(&at->rss_bytes, &at->file_bytes);
			/* No probe (--no-probe) or none that answers: the
			 * allocator's figures stay n/a. */
			scoreboard_probe_request(sb, i, PROBE_WAIT_NS);
			if (checkpoint_hook)
				checkpoint_hook(i);
		}
	}
	pthread_barrier_wait(ctx->barrier);
}

/* Threads a role runs at in this cell. */
static int role_threads(const struct role *r, const struct engine_opts *opts)
{
	return (r->threads ? r->threads : opts->threads) + r->gen->extra_threads;
}

/* The queues of a phase, each knowing how many threads push into it and
 * how many take their first blocks from it (its KEY_QUEUE keys' flags). */
static int make_queues(const struct phase *ph, const int *counts, struct queue **queues)
{
	for (int q = 0; q < ph->nqueues; q++) {
		int producers = 0, fillers = 0;
		for (int i = 0; i < ph->nroles; i++) {
			const struct role *r = &ph->roles[i];
			for (const struct key_def *k = r->gen->keys; k->name; k++) {
				if (k->type != KEY_QUEUE ||
				    *(const int *)(r->params + k->offset) != q)
					continue;
				if (k->flags & KEY_PUSH)
					producers += counts[i];
				if (k->flags & KEY_FILL)
					fillers += counts[i];
			}
		}
		int rc = queue_create(&ph->queues[q], producers, fillers, &queues[q]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int run_threads(const struct workload *w, int index, const struct phase *ph,
                       const struct engine_opts *opts, struct scoreboard *sb)
{
	int counts[WORKLOAD_MAX_ROLES], total = 0, rc = 0;
	for (int i = 0; i < ph->nroles; i++)
		total += counts[i] = role_threads(&ph->roles[i], opts);
	if (total < 1 || total > WORKLOAD_MAX_THREADS) {
		snprintf(sb->error, sizeof(sb->error), "phase '%s' cannot run at %d threads",
		         ph->name, total);
		return -EINVAL;
	}
	struct queue *queues[WORKLOAD_MAX_QUEUES] = {0};
	pthread_barrier_t barrier, role_barriers[WORKLOAD_MAX_ROLES];
	void *shared[WORKLOAD_MAX_ROLES] = {0};
	struct phase_run run = {.running = total};
	/* Thread bookkeeping from mmap too: nothing here goes through malloc. */
	struct thread_arg *args = engine_scratch_alloc(sizeof(*args) * (size_t)total);
	if (!args || make_queues(ph, counts, queues) < 0) {
		snprintf(sb->error, sizeof(sb->error),
		         "phase '%s': no scratch memory for its queues", ph->name);
		rc = -ENOMEM;
		goto out;
	}
	pthread_mutex_init(&run.lock, NULL);
	pthread_cond_init(&run.done, NULL);
	pthread_barrier_init(&barrier, NULL, (unsigned)total);
	for (int i = 0; i < ph->nroles; i++)
		pthread_barrier_init(&role_barriers[i], NULL, (unsigned)counts[i]);

	int t = 0;
	for (int i = 0; i < ph->nroles; i++)
		for (int k = 0; k < counts[i]; k++, t++) {
			args[t].run = &run;
			args[t].ctx = (struct gen_ctx){
			    .w = w,
			    .phase = ph,
			    .role = &ph->roles[i],
			    .params = ph->roles[i].params,
			    .phase_index = index,
			    .role_index = i,
			    .tid = k,
			    .nthreads = counts[i],
			    .seed = w->seed,
			    .slot = &sb->slots[t],
			    .sb = sb,
			    .barrier = &barrier,
			    .role_barrier = &role_barriers[i],
			    .shared = &shared[i],
			    .queues = queues,
			};
			pthread_t tid;
			int err = pthread_create(&tid, NULL, thread_main, &args[t]);
			if (!err)
				atomic_fetch_add(&threads_started, 1);
			if (err) {
				/* The barriers count every thread: the started ones would
				 * wait forever, so this is fatal for the worker. */
				snprintf(sb->error, sizeof(sb->error),
				         "phase '%s': cannot start thread %d: %s", ph->name, t,
				         strerror(err));
				return -err;
			}
		}
	pthread_mutex_lock(&run.lock);
	while (run.running > 0)
		pthread_cond_wait(&run.done, &run.lock);
	rc = run.rc;
	pthread_mutex_unlock(&run.lock);
	for (int i = 0; i < total; i++)
		pthread_join(args[i].last, NULL);

	pthread_barrier_destroy(&barrier);
	for (int i = 0; i < ph->nroles; i++)
		pthread_barrier_destroy(&role_barriers[i]);
	pthread_cond_destroy(&run.done);
	pthread_mutex_destroy(&run.lock);
out:
	for (int q = 0; q < ph->nqueues; q++)
		queue_destroy(queues[q]);
	engine_scratch_free(args, sizeof(*args) * (size_t)total);
	return rc;
}

/* Idle and free-all: the worker's main thread, as a program's own. */
static int run_main(const struct workload *w, int index, const struct phase *ph,
                    struct scoreboard *sb)
{
	struct gen_ctx ctx = {
	    .w = w,
	    .phase = ph,
	    .role = &ph->roles[0],
	    .params = ph->roles[0].params,
	    .phase_index = index,
	    .nthreads = 1,
	    .seed = w->seed,
	    .slot = &sb->slots[0],
	    .sb = sb,
	};
	return ph->roles[0].gen->run(&ctx);
}

int engine_run(const struct workload *w, const struct engine_opts *opts, struct scoreboard *sb)
{
	checkpoint_hook = opts->checkpoint_hook;
	for (int i = 0; i < w->nphases; i++) {
		const struct phase *ph = &w->phases[i];
		int on_main = ph->nroles == 1 && ph->roles[0].gen->threads == GEN_MAIN_THREAD;
		int threads = 0;
		for (int r = 0; r < ph->nroles && !on_main; r++)
			threads += role_threads(&ph->roles[r], opts);
		atomic_store(&sb->checkpoints[i + 1].start_ns, engine_now_ns());
		atomic_store(&sb->phase, i + 1);
		/* Quiescent: no workload thread runs between phases. */
		scoreboard_heap_sync(sb, 1);
		int rc = on_main ? run_main(w, i, ph, sb) : run_threads(w, i, ph, opts, sb);
		atomic_store(&sb->checkpoints[i + 1].end_ns, engine_now_ns());
		/* The error bound of the phase's peak grows with the threads
		 * that allocated at once (scoreboard_peak_end). */
		scoreboard_peak_end(sb, i + 1, threads > 1 ? threads : 1);
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
