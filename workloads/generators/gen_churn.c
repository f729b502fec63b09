/* gen_churn.c - the churn generator: a per-thread ring of live blocks.
 *
 * Each thread fills a window of `live` blocks, then `ops` times frees the
 * oldest block and allocates a new one, then frees the window. Sizes come
 * from a weighted distribution of classes. Free comes before malloc in each
 * replacement so the live heap never exceeds the window: the steady-state
 * heap is exactly the sum of the window, which the checkpoint records.
 */
#include "workloads/engine.h"
#include "workloads/generators/gen_common.h"
#include "workloads/generators/rng.h"

int gen_churn_run(struct gen_ctx *ctx)
{
	const struct churn_params *p = &ctx->phase->u.churn;
	size_t ring_bytes = sizeof(struct block) * p->live;
	struct block *ring = engine_scratch_alloc(ring_bytes);
	struct rng r;
	double total = gen_total_weight(&p->sizes);
	int rc = 0;

	if (!ring)
		return -ENOMEM;
	rng_seed(&r, ctx->seed, (uint64_t)ctx->phase_index, (uint64_t)ctx->tid);

	for (uint64_t i = 0; i < p->live && !rc; i++)
		rc = gen_alloc_block(ctx, &ring[i], gen_pick_size(&r, &p->sizes, total));
	uint64_t slot = 0;
	for (uint64_t i = 0; i < p->ops && !rc; i++) {
		gen_free_block(ctx, &ring[slot]);
		rc = gen_alloc_block(ctx, &ring[slot], gen_pick_size(&r, &p->sizes, total));
		scoreboard_step(ctx->slot);
		if (++slot == p->live)
			slot = 0;
	}
	/* Every thread reaches the checkpoint, even after a failure, or the
	 * others would wait at the barrier for ever. */
	engine_checkpoint(ctx);
	for (uint64_t i = 0; i < p->live; i++)
		gen_free_block(ctx, &ring[i]);
	engine_scratch_free(ring, ring_bytes);
	return rc;
}
