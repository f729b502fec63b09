/* gen_churn.c - the churn generator: a per-thread ring of live blocks.
 *
 * Each thread fills a window of `live` blocks, then `ops` times frees the
 * oldest block and allocates a new one, then frees the window. Sizes come
 * from a weighted distribution of classes. Free comes before malloc in each
 * replacement so the live heap never exceeds the window: the steady-state
 * heap is exactly the sum of the window, which the checkpoint records.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "rng.h"

struct block {
	void *ptr;
	uint64_t size;
};

/* Through a volatile pointer so the compiler cannot drop the writes to a
 * block it can see being freed: RSS must count every byte we allocate. */
static void *(*volatile touch)(void *, int, size_t) = memset;

static uint64_t pick_size(struct rng *r, const struct size_dist *d, double total)
{
	double x = rng_unit(r) * total;
	int i = 0;
	for (; i < d->n - 1; i++) {
		x -= d->classes[i].weight;
		if (x < 0)
			break;
	}
	return rng_range(r, d->classes[i].min, d->classes[i].max);
}

static int alloc_block(struct gen_ctx *ctx, struct block *b, uint64_t size)
{
	void *p = malloc(size);
	if (!p) {
		snprintf(ctx->sb->error, sizeof(ctx->sb->error),
			 "phase '%s', thread %d: malloc(%llu) failed", ctx->phase->name, ctx->tid,
			 (unsigned long long)size);
		return -ENOMEM;
	}
	touch(p, 0x5a, size);
	scoreboard_add(ctx->slot, (int64_t)size);
	b->ptr = p;
	b->size = size;
	return 0;
}

static void free_block(struct gen_ctx *ctx, struct block *b)
{
	scoreboard_add(ctx->slot, -(int64_t)b->size);
	free(b->ptr);
	b->ptr = NULL;
}

int gen_churn_run(struct gen_ctx *ctx)
{
	const struct churn_params *p = &ctx->phase->u.churn;
	size_t ring_bytes = sizeof(struct block) * p->live;
	struct block *ring = engine_scratch_alloc(ring_bytes);
	struct rng r;
	double total = 0;
	int rc = 0;

	if (!ring)
		return -ENOMEM;
	for (int i = 0; i < p->sizes.n; i++)
		total += p->sizes.classes[i].weight;
	rng_seed(&r, ctx->seed, (uint64_t)ctx->phase_index, (uint64_t)ctx->tid);

	for (uint64_t i = 0; i < p->live && !rc; i++)
		rc = alloc_block(ctx, &ring[i], pick_size(&r, &p->sizes, total));
	uint64_t slot = 0;
	for (uint64_t i = 0; i < p->ops && !rc; i++) {
		free_block(ctx, &ring[slot]);
		rc = alloc_block(ctx, &ring[slot], pick_size(&r, &p->sizes, total));
		if (++slot == p->live)
			slot = 0;
	}
	/* Every thread reaches the checkpoint, even after a failure, or the
	 * others would wait at the barrier for ever. */
	engine_checkpoint(ctx);
	for (uint64_t i = 0; i < p->live; i++)
		if (ring[i].ptr)
			free_block(ctx, &ring[i]);
	engine_scratch_free(ring, ring_bytes);
	return rc;
}
