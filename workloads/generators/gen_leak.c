/* gen_leak.c - the leak generator: churn that leaks a set number of bytes
 * per iteration, as the myokit simulations did when the C code of a model
 * forgot to free a small array per run.
 *
 * Each thread keeps a churn ring of `live` blocks. Per iteration it does
 * `ops_per_iteration` replacements on the ring, and in the middle of them
 * allocates exactly `leak` bytes in blocks drawn from `leak_sizes` (the last
 * block trimmed to make the total exact) that it never frees. The leaked
 * blocks land among the churn's holes, as a real leak does, so this shows
 * whether each allocator's RSS follows the leak one for one or hides it in
 * reused free space for a while (the "shaky increase" of the myokit plots).
 *
 * The leaked blocks are listed in mmap'd scratch, sized up front from the
 * parameters, and handed to the engine (engine_retain) at the end of the
 * phase, so a later free-all phase frees them.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/units.h"
#include "workloads/engine.h"
#include "workloads/generators/gen_common.h"
#include "workloads/generators/rng.h"

/* Churn that keeps `leak` bytes per iteration and never frees them (until
 * a free-all phase). */
struct leak_params {
	uint64_t iterations;
	uint64_t leak; /* bytes kept per iteration */
	struct dist leak_sizes;
	uint64_t ops_per_iter; /* churn replacements per iteration */
	uint64_t live;
	struct dist sizes;
};
_Static_assert(sizeof(struct leak_params) <= WORKLOAD_PARAMS_MAX, "leak's parameters fit");

#define P(member) offsetof(struct leak_params, member)
static const struct key_def keys[] = {
    {"iterations", KEY_COUNT, KEY_REQUIRED | KEY_SCALE_WORK, P(iterations), 1, 1e12, NULL, NULL,
     "iterations per thread (runs of the simulation)", NULL},
    {"leak", KEY_SIZE, KEY_REQUIRED, P(leak), 1, 1 << 30, NULL, NULL,
     "bytes leaked per iteration, exactly", NULL},
    {"leak_sizes", KEY_SIZES, KEY_REQUIRED, P(leak_sizes), 0, 0, NULL, NULL,
     "sizes of the leaked blocks (the last one of an iteration is trimmed)", NULL},
    {"ops_per_iteration", KEY_COUNT, KEY_REQUIRED, P(ops_per_iter), 0, 1e12, NULL, NULL,
     "churn replacements per iteration, around the leak", NULL},
    {"live", KEY_COUNT, KEY_REQUIRED, P(live), 1, 1e8, NULL, NULL,
     "blocks in each thread's churn window", NULL},
    {"sizes", KEY_SIZES, KEY_REQUIRED, P(sizes), 0, 0, NULL, NULL, "the churn's block sizes", NULL},
    {0},
};

static int check(struct gen_check *c)
{
	const struct leak_params *l = c->params;
	/* The leak is the point: all of it stays, on top of the churn window. */
	double leaked = (double)l->iterations * (double)l->leak;
	char lb[32];
	c->mean_bytes = leaked * c->max_threads;
	snprintf(c->why, sizeof(c->why), "%s leaked x %d thread%s",
	         units_format_size((uint64_t)fmin(leaked, 1.8e19), lb, sizeof(lb)), c->max_threads,
	         c->max_threads == 1 ? "" : "s");
	gen_check_window(c, &l->sizes, (double)l->live, c->max_threads);
	return 0;
}

static uint64_t leak_bytes(const void *params)
{
	return ((const struct leak_params *)params)->leak;
}

struct leak {
	struct gen_ctx *ctx;
	const struct leak_params *p;
	struct rng rng;
	struct block *ring;
	uint64_t slot; /* next ring entry to replace */
	struct block *leaked;
	size_t nleaked, leaked_cap;
};

/* Free before malloc, as in churn: the ring's share of the heap stays the
 * window, so the heap's growth is the leak alone. */
static int churn(struct leak *l, uint64_t ops)
{
	int rc = 0;
	for (uint64_t i = 0; i < ops && !rc; i++) {
		gen_free_block(l->ctx, &l->ring[l->slot]);
		rc = gen_alloc_block(l->ctx, &l->ring[l->slot],
		                     gen_draw(l->ctx, &l->p->sizes, &l->rng));
		if (++l->slot == l->p->live)
			l->slot = 0;
	}
	return rc;
}

static int leak_once(struct leak *l)
{
	uint64_t left = l->p->leak;
	int rc = 0;
	while (left > 0 && !rc) {
		uint64_t size = gen_draw(l->ctx, &l->p->leak_sizes, &l->rng);
		if (size > left)
			size = left; /* the last block makes the total exact */
		rc = gen_alloc_block(l->ctx, &l->leaked[l->nleaked], size);
		if (!rc) {
			l->nleaked++;
			left -= size;
		}
	}
	return rc;
}

/* At most ceil(leak / smallest leak size) blocks per iteration: enough
 * scratch for the worst case, mapped lazily, so only what is used is
 * resident (16 bytes per leaked block). */
static int setup(struct leak *l)
{
	const struct leak_params *p = l->p;
	uint64_t smallest = p->leak_sizes.lo;
	uint64_t per_iter = (p->leak + smallest - 1) / smallest;
	size_t max_blocks = SIZE_MAX / sizeof(struct block);
	if (p->live > max_blocks || p->iterations > max_blocks / per_iter)
		goto fail;
	l->leaked_cap = (size_t)(p->iterations * per_iter);
	if (!(l->leaked = engine_scratch_alloc(l->leaked_cap * sizeof(*l->leaked))) ||
	    !(l->ring = engine_scratch_alloc(p->live * sizeof(*l->ring))))
		goto fail;
	return 0;
fail:
	snprintf(l->ctx->sb->error, sizeof(l->ctx->sb->error),
	         "phase '%s', thread %d: no scratch memory to list a ring of %llu blocks and up "
	         "to %llu x %llu leaked blocks",
	         l->ctx->phase->name, l->ctx->tid, (unsigned long long)p->live,
	         (unsigned long long)p->iterations, (unsigned long long)per_iter);
	return -ENOMEM;
}

/* Hands the leaked blocks to the engine for a free-all phase; any it
 * cannot take are freed here so the accounting stays exact. */
static int retain_leaked(struct leak *l)
{
	int rc = 0;
	for (size_t k = 0; k < l->nleaked; k++) {
		if (!rc && (rc = engine_retain(l->ctx, l->leaked[k].ptr, l->leaked[k].size)) < 0)
			snprintf(l->ctx->sb->error, sizeof(l->ctx->sb->error),
			         "phase '%s', thread %d: cannot keep leaked blocks for free-all: "
			         "out of memory",
			         l->ctx->phase->name, l->ctx->tid);
		if (rc)
			gen_free_block(l->ctx, &l->leaked[k]);
	}
	return rc;
}

static int run(struct gen_ctx *ctx)
{
	struct leak l = {.ctx = ctx, .p = ctx->params};
	const struct leak_params *p = l.p;
	int rc = setup(&l);

	gen_seed(ctx, &l.rng, 0);
	for (uint64_t i = 0; i < p->live && !rc; i++)
		rc = gen_alloc_block(ctx, &l.ring[i], gen_draw(ctx, &p->sizes, &l.rng));
	/* The leak in the middle of the iteration's churn, so leaked blocks
	 * land among blocks that are freed later, as in a real program. */
	uint64_t half = p->ops_per_iter / 2;
	for (uint64_t it = 0; it < p->iterations && !rc; it++) {
		if (!(rc = churn(&l, half)) && !(rc = leak_once(&l)))
			rc = churn(&l, p->ops_per_iter - half);
		scoreboard_step(ctx->slot);
	}

	/* Every thread reaches the checkpoint, even after a failure, or the
	 * others would wait at the barrier for ever. */
	engine_checkpoint(ctx);
	if (l.ring)
		for (uint64_t i = 0; i < p->live; i++)
			gen_free_block(ctx, &l.ring[i]);
	int kept_rc = retain_leaked(&l);
	engine_scratch_free(l.ring, p->live * sizeof(*l.ring));
	engine_scratch_free(l.leaked, l.leaked_cap * sizeof(*l.leaked));
	return rc ? rc : kept_rc;
}

const struct gen_def gen_leak = {
    .name = "leak",
    .summary = "churn that never frees a set number of bytes per iteration (myokit)",
    .doc = "Each thread keeps a churn window of `live` blocks; per iteration it does "
           "ops_per_iteration replacements and, in their middle, allocates exactly `leak` "
           "bytes in blocks drawn from leak_sizes that it never frees (until a free-all "
           "phase). Shows whether RSS follows a leak one for one or hides it for a while "
           "in reused free space.",
    .keys = keys,
    .params_size = sizeof(struct leak_params),
    .kind = WORKLOAD_PHASE_WORK,
    .threads = GEN_THREADED,
    .min_threads = 1,
    .check = check,
    .leak = leak_bytes,
    .run = run,
};
