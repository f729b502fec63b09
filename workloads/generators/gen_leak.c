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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workloads/engine.h"
#include "workloads/generators/gen_common.h"
#include "workloads/generators/rng.h"

struct leak {
	struct gen_ctx *ctx;
	const struct leak_params *p;
	struct rng rng;
	double total, leak_total; /* weights of the two size distributions */
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
		                     gen_pick_size(&l->rng, &l->p->sizes, l->total));
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
		uint64_t size = gen_pick_size(&l->rng, &l->p->leak_sizes, l->leak_total);
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
	uint64_t smallest = UINT64_MAX;
	for (int i = 0; i < p->leak_sizes.n; i++)
		if (p->leak_sizes.classes[i].min < smallest)
			smallest = p->leak_sizes.classes[i].min;
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

int gen_leak_run(struct gen_ctx *ctx)
{
	struct leak l = {.ctx = ctx, .p = &ctx->phase->u.leak};
	const struct leak_params *p = l.p;
	int rc = setup(&l);

	l.total = gen_total_weight(&p->sizes);
	l.leak_total = gen_total_weight(&p->leak_sizes);
	rng_seed(&l.rng, ctx->seed, (uint64_t)ctx->phase_index, (uint64_t)ctx->tid);
	for (uint64_t i = 0; i < p->live && !rc; i++)
		rc = gen_alloc_block(ctx, &l.ring[i], gen_pick_size(&l.rng, &p->sizes, l.total));
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
