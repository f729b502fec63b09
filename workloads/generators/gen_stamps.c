/* gen_stamps.c - the stamps generator: per-thread short-lived blocks, a
 * share of them freed by another thread (producer/consumer).
 *
 * Like churn, each thread keeps a ring of `live` blocks and replaces the
 * oldest one `ops` times. A `handoff` fraction of the blocks leaving the
 * ring are not freed by their thread but passed to the next thread
 * ((tid + 1) % n), which frees them: SExtractor's measurement stamps, or
 * any queue between threads. Allocators that keep per-thread heaps pay for
 * such remote frees (jemalloc's peak RSS tripled in the prototype), which
 * plain churn never shows.
 *
 * The handoff goes through one single-producer single-consumer ring per
 * thread (its inbox), in mmap'd scratch set up by thread 0 before the
 * role's barrier: acquire/release loads and stores, no lock and no read-modify-
 * write on the hot path. A thread done with its operations drains its
 * inbox until its producer is done too, so the checkpoint sees empty
 * inboxes and the window alone. Which blocks are handed off is drawn from the
 * thread's RNG, so the stream of mallocs and frees is the same under every
 * allocator; only who frees a block depends on timing, and every block is
 * freed exactly once, so the operation count is identical too. A full
 * inbox (its consumer descheduled for long) makes the producer free the
 * block itself; such fallbacks are counted and reported on stderr.
 */
#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "workloads/engine.h"
#include "workloads/generators/gen_common.h"
#include "workloads/generators/rng.h"

/* Smallest inbox, in blocks; the memory check below counts it. 64K
 * blocks cover tens of milliseconds of a descheduled consumer at millions
 * of operations a second, at 1 MiB of scratch per thread. */
#define INBOX_MIN UINT64_C(65536)
#define DRAIN_EVERY 16 /* operations between inbox drains (a power of two) */

struct stamps_params {
	uint64_t ops, live;
	struct dist sizes;
	double handoff; /* 0 .. 1 */
};
_Static_assert(sizeof(struct stamps_params) <= WORKLOAD_PARAMS_MAX, "stamps' parameters fit");

#define P(member) offsetof(struct stamps_params, member)
static const struct key_def keys[] = {
    {"ops", KEY_COUNT, KEY_REQUIRED | KEY_SCALE_WORK, P(ops), 1, 1e12, NULL, NULL,
     "replacements per thread", NULL},
    {"live", KEY_COUNT, KEY_REQUIRED, P(live), 1, 1e8, NULL, NULL, "blocks in each thread's window",
     NULL},
    {"sizes", KEY_SIZES, KEY_REQUIRED, P(sizes), 0, 0, NULL, NULL, "block sizes", NULL},
    {"handoff", KEY_REAL, 0, P(handoff), 0, 1, "0", NULL,
     "share of the blocks leaving a window that the next thread ((tid + 1) % n) frees", NULL},
    {0},
};

static int check(struct gen_check *c)
{
	const struct stamps_params *s = c->params;
	if (s->handoff > 0) {
		c->role->min_threads = 2;
		c->role->min_threads_why = "hands blocks to another thread";
	}
	if (s->handoff > 0 && c->min_threads < 2) {
		char fix[96];
		if (c->role->threads)
			snprintf(fix, sizeof(fix), "set the phase's threads to 2 or more");
		else
			snprintf(fix, sizeof(fix),
			         "remove %d from the axis or set threads: 2 or more in the phase",
			         c->min_threads);
		return gen_check_fail(
		    c, "handoff",
		    "handoff %g needs at least 2 threads (a handed-off block is "
		    "freed by the next thread), but the phase can run at %d; %s, or "
		    "set handoff: 0",
		    s->handoff, c->min_threads, fix);
	}
	/* Handed-off blocks wait in the next thread's inbox, still allocated,
	 * and an inbox holds max(live, INBOX_MIN) of them. */
	uint64_t inbox = s->live > INBOX_MIN ? s->live : INBOX_MIN;
	gen_check_window(c, &s->sizes, (double)(s->handoff > 0 ? s->live + inbox : s->live),
	                 c->max_threads);
	return 0;
}

/* One SPSC ring. head and tail on their own cache lines: the consumer
 * writes head only, the producer tail and done only. */
struct inbox {
	_Alignas(64) _Atomic uint64_t head;
	_Alignas(64) _Atomic uint64_t tail;
	_Atomic bool done; /* the producer will push no more */
	_Alignas(64) struct block *slots;
	uint64_t mask;
};

struct shared {
	size_t bytes; /* the whole mapping, for thread 0 to unmap */
	struct inbox inbox[];
};

/* Thread 0 maps every inbox in one piece; the others see it after the
 * barrier. NULL on failure (message in sb->error). */
static struct shared *create_shared(struct gen_ctx *ctx, uint64_t live)
{
	uint64_t cap = INBOX_MIN;
	while (cap < live)
		cap <<= 1;
	size_t n = (size_t)ctx->nthreads;
	size_t head = sizeof(struct shared) + n * sizeof(struct inbox);
	size_t bytes = head + n * (size_t)cap * sizeof(struct block);
	struct shared *sh = engine_scratch_alloc(bytes);
	if (!sh) {
		snprintf(ctx->sb->error, sizeof(ctx->sb->error),
		         "phase '%s': no scratch memory for %zu inboxes of %llu blocks",
		         ctx->phase->name, n, (unsigned long long)cap);
		return NULL;
	}
	sh->bytes = bytes;
	struct block *slots = (struct block *)((char *)sh + head);
	for (size_t i = 0; i < n; i++) {
		/* mmap'd memory is zeroed: head and tail start at 0. */
		sh->inbox[i].slots = slots + i * cap;
		sh->inbox[i].mask = cap - 1;
	}
	return sh;
}

/* Producer side. *head is the producer's last view of the consumer's head:
 * re-read only when the ring looks full, so the consumer's cache line is
 * not pulled over on every push. */
static int push(struct inbox *in, uint64_t *head, const struct block *b)
{
	uint64_t tail = atomic_load_explicit(&in->tail, memory_order_relaxed);
	if (tail - *head > in->mask) {
		*head = atomic_load_explicit(&in->head, memory_order_acquire);
		if (tail - *head > in->mask)
			return -EAGAIN;
	}
	in->slots[tail & in->mask] = *b;
	atomic_store_explicit(&in->tail, tail + 1, memory_order_release);
	return 0;
}

/* Consumer side: frees everything the producer has published. */
static void drain(struct gen_ctx *ctx, struct inbox *in)
{
	uint64_t head = atomic_load_explicit(&in->head, memory_order_relaxed);
	uint64_t tail = atomic_load_explicit(&in->tail, memory_order_acquire);
	if (head == tail)
		return;
	for (; head != tail; head++)
		gen_free_block(ctx, &in->slots[head & in->mask]);
	atomic_store_explicit(&in->head, head, memory_order_release);
}

/* A thread that has finished its operations keeps draining until its
 * producer has finished too, so what the producer hands off at the end is
 * freed as work, not left to pile up while the consumer waits at the
 * checkpoint (that backlog is what the checkpoint would then record).
 * Off the hot path; yielding lets the producer run on a busy machine. */
static void drain_until_done(struct gen_ctx *ctx, struct inbox *in)
{
	while (!atomic_load_explicit(&in->done, memory_order_acquire)) {
		drain(ctx, in);
		sched_yield();
	}
	drain(ctx, in); /* done was stored after the last push: this gets it */
}

/* Off the hot path, after the phase: a plain write(2) of a formatted line
 * (no stdio buffer, so no malloc in the allocator under test). */
static void report_full(struct gen_ctx *ctx, uint64_t full, uint64_t handed)
{
	char line[256];
	int n = snprintf(line, sizeof(line),
	                 "wimm-worker: phase '%s', thread %d: %llu of %llu handoffs freed by "
	                 "the producer (inbox full)\n",
	                 ctx->phase->name, ctx->tid, (unsigned long long)full,
	                 (unsigned long long)(handed + full));
	if (n > 0 && write(STDERR_FILENO, line, (size_t)n) < 0)
		return; /* nothing better to do with a failed note */
}

static int run(struct gen_ctx *ctx)
{
	const struct stamps_params *p = ctx->params;
	bool handoff = p->handoff > 0 && ctx->nthreads > 1;
	size_t ring_bytes = sizeof(struct block) * p->live;
	struct block *ring = engine_scratch_alloc(ring_bytes);
	struct shared *sh = NULL;
	struct inbox *in = NULL, *out = NULL;
	uint64_t out_head = 0, handed = 0, full = 0;
	struct rng r;
	int rc = 0;

	if (handoff) {
		if (ctx->tid == 0)
			*ctx->shared = create_shared(ctx, p->live);
		pthread_barrier_wait(ctx->role_barrier);
		sh = *ctx->shared;
		if (sh) {
			in = &sh->inbox[ctx->tid];
			out = &sh->inbox[(ctx->tid + 1) % ctx->nthreads];
		} else {
			rc = -ENOMEM; /* thread 0 wrote the message */
		}
	}
	if (!ring && !rc) {
		snprintf(ctx->sb->error, sizeof(ctx->sb->error),
		         "phase '%s', thread %d: no scratch memory for a ring of %llu blocks",
		         ctx->phase->name, ctx->tid, (unsigned long long)p->live);
		rc = -ENOMEM;
	}
	gen_seed(ctx, &r, 0);

	for (uint64_t i = 0; i < p->live && !rc; i++)
		rc = gen_alloc_block(ctx, &ring[i], gen_draw(ctx, &p->sizes, &r));
	uint64_t slot = 0;
	for (uint64_t i = 0; i < p->ops && !rc; i++) {
		struct block *b = &ring[slot];
		/* Drawn whatever the inbox's state, so the draws do not depend on
		 * timing: the op stream is fixed by the seed. */
		if (handoff && rng_unit(&r) < p->handoff) {
			if (push(out, &out_head, b) == 0) {
				b->ptr = NULL;
				handed++;
			} else {
				gen_free_block(ctx, b);
				full++;
			}
		} else {
			gen_free_block(ctx, b);
		}
		rc = gen_alloc_block(ctx, b, gen_draw(ctx, &p->sizes, &r));
		scoreboard_step(ctx->slot);
		if (++slot == p->live)
			slot = 0;
		if (in && (i & (DRAIN_EVERY - 1)) == 0)
			drain(ctx, in);
	}

	/* Set even after a failure: the consumer waits for it. */
	if (out)
		atomic_store_explicit(&out->done, true, memory_order_release);
	if (in)
		drain_until_done(ctx, in);

	/* Every thread reaches the checkpoint, even after a failure, or the
	 * others would wait at the barrier for ever. Past it every inbox is
	 * empty and unused, so thread 0 can unmap them. */
	engine_checkpoint(ctx);
	if (ring)
		for (uint64_t i = 0; i < p->live; i++)
			gen_free_block(ctx, &ring[i]);
	engine_scratch_free(ring, ring_bytes);
	if (ctx->tid == 0 && sh)
		engine_scratch_free(sh, sh->bytes);
	if (full)
		report_full(ctx, full, handed);
	return rc;
}

const struct gen_def gen_stamps = {
    .name = "stamps",
    .summary = "churn where a share of the blocks is freed by the next thread",
    .doc = "SExtractor's measurement stamps: each thread keeps a window of `live` blocks "
           "and replaces the oldest `ops` times; a `handoff` share of the blocks leaving "
           "a window go to the next thread's inbox ((tid + 1) % n, a lock-free ring) and "
           "that thread frees them: remote frees, which allocators with per-thread heaps "
           "pay for. For other shapes of producer and consumer, use roles and queues.",
    .keys = keys,
    .params_size = sizeof(struct stamps_params),
    .kind = WORKLOAD_PHASE_WORK,
    .threads = GEN_THREADED,
    .min_threads = 1,
    .check = check,
    .run = run,
};
