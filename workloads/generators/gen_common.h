/* gen_common.h - what every generator does the same way: draw a size,
 * allocate a block and count it, free it and uncount it.
 *
 * Inline, because these run for every malloc and free of the workload,
 * where a call into another file would be the harness's own overhead.
 */
#ifndef WIMM_GEN_COMMON_H
#define WIMM_GEN_COMMON_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workloads/engine.h"
#include "workloads/generators/rng.h"

struct block {
	void *ptr; /* NULL when free */
	uint64_t size;
};

/* Through a volatile pointer so the compiler cannot drop the writes to a
 * block it can see being freed: RSS must count every byte we allocate. */
static void *(*volatile gen_touch)(void *, int, size_t) = memset;

static inline double gen_total_weight(const struct size_dist *d)
{
	double total = 0;
	for (int i = 0; i < d->n; i++)
		total += d->classes[i].weight;
	return total;
}

/* A class by weight (total = gen_total_weight(d)), then a size uniformly
 * within it. */
static inline uint64_t gen_pick_size(struct rng *r, const struct size_dist *d, double total)
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

/* Writes "phase 'P', thread T: WHAT(SIZE) failed" for the driver. */
static inline int gen_fail(struct gen_ctx *ctx, const char *what, uint64_t size)
{
	snprintf(ctx->sb->error, sizeof(ctx->sb->error), "phase '%s', thread %d: %s(%llu) failed",
	         ctx->phase->name, ctx->tid, what, (unsigned long long)size);
	return -ENOMEM;
}

/* Allocates and fills a block. Counted before the fill: a block is live
 * once malloc returns, and a large one takes long to fill; counted after,
 * every sample taken during the fill would show RSS far above the heap. */
static inline int gen_alloc_block(struct gen_ctx *ctx, struct block *b, uint64_t size)
{
	void *p = malloc(size);
	if (!p) {
		b->ptr = NULL;
		return gen_fail(ctx, "malloc", size);
	}
	scoreboard_add(ctx->slot, (int64_t)size);
	gen_touch(p, 0x5a, size);
	b->ptr = p;
	b->size = size;
	return 0;
}

/* Frees a block (a no-op on an empty one), counted on the calling
 * thread's own slot even when another thread allocated it. */
static inline void gen_free_block(struct gen_ctx *ctx, struct block *b)
{
	if (!b->ptr)
		return;
	scoreboard_add(ctx->slot, -(int64_t)b->size);
	free(b->ptr);
	b->ptr = NULL;
}

#endif
