/* gen_common.h - what every generator does the same way: draw a size, make
 * a block with the call the mix picks, write as much of it as the touch
 * says, free it; count each in the scoreboard; and stop when the bound
 * (a count of operations, or a deadline) is reached.
 *
 * Inline, because these run for every malloc and free of the workload,
 * where a call into another file would be the harness's own overhead. The
 * defaults (malloc, every byte written once) take the shortest path and
 * draw nothing more from the RNG than the first generators did.
 */
#ifndef WIMM_GEN_COMMON_H
#define WIMM_GEN_COMMON_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "workloads/dist.h"
#include "workloads/engine.h"
#include "workloads/generators/gen.h"
#include "workloads/generators/rng.h"

struct block {
	void *ptr; /* NULL when free */
	uint64_t size;
};

/* Through a volatile pointer so the compiler cannot drop the writes to a
 * block it can see being freed: RSS must count every byte we write. */
static void *(*volatile gen_touch)(void *, int, size_t) = memset;

/* Seeds r for this thread of this role in this phase, stream `stream`
 * (0, or another for a second independent sequence): the same operations
 * under every allocator, and role 0's thread t draws what the first
 * workloads' thread t drew. */
static inline void gen_seed(const struct gen_ctx *ctx, struct rng *r, uint64_t stream)
{
	uint64_t sub = (uint64_t)ctx->tid + (uint64_t)ctx->role_index * 65536 + (stream << 40);
	rng_seed(r, ctx->seed, (uint64_t)ctx->phase_index, sub);
}

/* A draw from d, with the workload's pool. */
static inline uint64_t gen_draw(const struct gen_ctx *ctx, const struct dist *d, struct rng *r)
{
	return dist_draw(d, ctx->w->pool, r);
}

/* Writes "phase 'P', thread T: WHAT(SIZE) failed" for the driver. */
static inline int gen_fail(struct gen_ctx *ctx, const char *what, uint64_t size)
{
	snprintf(ctx->sb->error, sizeof(ctx->sb->error), "phase '%s', thread %d: %s(%llu) failed",
	         ctx->phase->name, ctx->tid, what, (unsigned long long)size);
	return -ENOMEM;
}

/* Bytes of a block of `size` the touch writes. */
static inline uint64_t gen_touch_len(const struct touch *t, uint64_t size)
{
	switch (t->mode) {
	case TOUCH_NONE:
		return 0;
	case TOUCH_BYTES:
		return t->bytes < size ? t->bytes : size;
	case TOUCH_FRACTION: {
		uint64_t n = (uint64_t)((double)size * t->fraction + 0.5);
		return n < 1 ? 1 : n > size ? size : n;
	}
	default:
		return size;
	}
}

/* Writes the touched part of p, passes times (each pass another byte
 * value, so no pass is a no-op a clever memset could skip). */
static inline void gen_write(void *p, uint64_t size, const struct touch *t)
{
	uint64_t n = gen_touch_len(t, size);
	if (n == 0)
		return;
	gen_touch(p, 0x5a, n);
	for (uint32_t i = 1; i < t->passes; i++)
		gen_touch(p, 0x5a + (int)i, n);
}

/* Which call makes the next block: none is drawn for malloc alone. */
static inline int gen_pick_call(const struct calls *c, struct rng *r)
{
	if (c->only_malloc)
		return CALL_MALLOC;
	double x = rng_unit(r) * c->total;
	int i = 0;
	while (i < CALL_N - 1 && x >= c->cum[i])
		i++;
	return i;
}

static inline void *gen_call(int call, uint64_t size, uint64_t alignment)
{
	void *p = NULL;
	switch (call) {
	case CALL_CALLOC:
		return calloc(1, size);
	case CALL_ALIGNED_ALLOC:
		/* C11 wants a multiple of the alignment. */
		return aligned_alloc(alignment, (size + alignment - 1) & ~(alignment - 1));
	case CALL_POSIX_MEMALIGN:
		return posix_memalign(&p, alignment, size) == 0 ? p : NULL;
	default:
		return malloc(size);
	}
}

static const char *const gen_call_names[CALL_N] = {"malloc", "calloc", "realloc", "aligned_alloc",
                                                   "posix_memalign"};

/* Makes a block of `size` with `call` (never CALL_REALLOC) and writes it.
 * Counted before the write: a block is live once the call returns, and a
 * large one takes long to fill; counted after, every sample taken during
 * the fill would show RSS far above the heap. */
static inline int gen_make(struct gen_ctx *ctx, struct block *b, uint64_t size, int call,
                           uint64_t alignment, const struct touch *t)
{
	void *p = gen_call(call, size, alignment);
	if (!p) {
		b->ptr = NULL;
		return gen_fail(ctx, gen_call_names[call], size);
	}
	scoreboard_add(ctx->slot, (int64_t)size);
	gen_write(p, size, t);
	b->ptr = p;
	b->size = size;
	return 0;
}

/* realloc of a live block to `size`: one operation; the bytes it gains are
 * written as the touch says. */
static inline int gen_resize(struct gen_ctx *ctx, struct block *b, uint64_t size,
                             const struct touch *t)
{
	void *p = realloc(b->ptr, size);
	if (!p)
		return gen_fail(ctx, "realloc", size); /* b is still live and counted */
	scoreboard_add(ctx->slot, (int64_t)size - (int64_t)b->size);
	if (size > b->size)
		gen_write((char *)p + b->size, size - b->size, t);
	b->ptr = p;
	b->size = size;
	return 0;
}

/* malloc and every byte written: what the first generators do. */
static inline int gen_alloc_block(struct gen_ctx *ctx, struct block *b, uint64_t size)
{
	static const struct touch full = {.mode = TOUCH_FULL, .passes = 1};
	return gen_make(ctx, b, size, CALL_MALLOC, 0, &full);
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

/* A loop's bound at run time (see struct bound). */
struct gen_pace {
	uint64_t limit;      /* operations; UINT64_MAX when bounded by time */
	int64_t start_ns;    /* CLOCK_MONOTONIC at the start */
	int64_t deadline_ns; /* 0: none */
	double ns_per_op;    /* 0: no rate */
	uint64_t mask;       /* the clock is read when (done & mask) == 0 */
};

void gen_pace_start(struct gen_pace *p, const struct bound *b);
bool gen_pace_check(struct gen_pace *p, uint64_t done); /* reads the clock, may sleep */

/* Whether to do operation number `done` (from 0). */
static inline bool gen_more(struct gen_pace *p, uint64_t done)
{
	if (done >= p->limit)
		return false;
	if ((done & p->mask) == 0 && (p->deadline_ns || p->ns_per_op > 0))
		return gen_pace_check(p, done);
	return true;
}

#endif
