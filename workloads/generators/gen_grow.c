/* gen_grow.c - the grow generator: buffers that grow over the run, as
 * git-cinnabar's manifests did while importing mozilla-central.
 *
 * Each thread runs `iterations` times: allocate a buffer whose size follows
 * a geometric ramp from `from` to `to`, jittered by +-`jitter` so sizes go
 * up and down from one iteration to the next (a monotonic ramp leaves glibc
 * nothing to fragment), fill it, and free the previous one. In copy mode
 * the previous buffer is alive while the next one fills, as when a program
 * builds the new version from the old. Around the buffer work each
 * iteration allocates `keep_per_iteration` small long-lived blocks (the
 * bookkeeping that outlives a manifest) and `temps_per_iteration`
 * temporaries freed before the iteration ends. The long-lived blocks pin
 * the heap between buffers: with glibc the freed buffers become holes too
 * small for the next, larger one, and "system bytes" runs away from "in
 * use", the 2 GB-held-for-600 MB the cinnabar post found.
 *
 * The long-lived blocks and the last buffer are handed to the engine
 * (engine_retain) at the end of the phase, so a later free-all phase frees
 * them; until then they are listed in mmap'd scratch so nothing on the hot
 * path makes a syscall.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "workloads/engine.h"
#include "workloads/generators/gen_common.h"
#include "workloads/generators/rng.h"

#define HOLD_NS 50000000L /* 50 ms, see hold() */

struct grow {
	struct gen_ctx *ctx;
	const struct grow_params *p;
	struct rng rng;
	double keep_total, temp_total; /* weights of the size distributions */
	struct block buf;              /* the current buffer */
	struct block *temps;           /* one iteration's temporaries */
	struct block *kept;            /* every long-lived block so far */
	size_t nkept, kept_cap;
};

/* Size of buffer i: the geometric ramp, jittered. pow() each time rather
 * than a running product, so the last buffer is `to` without drift. */
static uint64_t buffer_size(struct grow *g, uint64_t i)
{
	const struct grow_params *p = g->p;
	double t = p->iterations > 1 ? (double)i / (double)(p->iterations - 1) : 1.0;
	double base = (double)p->from * pow((double)p->to / (double)p->from, t);
	double size = base * (1 + p->jitter * (2 * rng_unit(&g->rng) - 1));
	return size < 1 ? 1 : (uint64_t)llround(size);
}

static int alloc_temp(struct grow *g, uint64_t t)
{
	return gen_alloc_block(g->ctx, &g->temps[t],
	                       gen_pick_size(&g->rng, &g->p->temp_sizes, g->temp_total));
}

static int alloc_kept(struct grow *g)
{
	struct block *b = &g->kept[g->nkept];
	int rc =
	    gen_alloc_block(g->ctx, b, gen_pick_size(&g->rng, &g->p->keep_sizes, g->keep_total));
	if (!rc)
		g->nkept++;
	return rc;
}

/* One iteration. Half the temporaries come before the new buffer (parsing
 * the incoming chunk), the long-lived blocks and the other half after it,
 * alternating, so small blocks land both below and above each buffer. The
 * temporaries are all freed last, whatever happened. */
static int iterate(struct grow *g, uint64_t i)
{
	const struct grow_params *p = g->p;
	uint64_t ntemps = 0, before = p->temps_per_iter / 2;
	struct block next = {0};
	int rc = 0;

	while (ntemps < before && !rc)
		rc = alloc_temp(g, ntemps++);
	if (!rc) {
		uint64_t size = buffer_size(g, i);
		if (!p->copy)
			gen_free_block(g->ctx, &g->buf);
		rc = gen_alloc_block(g->ctx, &next, size);
	}
	for (uint64_t k = 0; !rc && (k < p->keep_per_iter || ntemps < p->temps_per_iter); k++) {
		if (k < p->keep_per_iter)
			rc = alloc_kept(g);
		if (!rc && ntemps < p->temps_per_iter)
			rc = alloc_temp(g, ntemps++);
	}
	if (next.ptr) {
		gen_free_block(g->ctx, &g->buf); /* copy mode: only now, after the fill */
		g->buf = next;
	}
	for (uint64_t t = 0; t < ntemps; t++)
		gen_free_block(g->ctx, &g->temps[t]);
	return rc;
}

/* Scratch for the temporaries and the long-lived list, sized up front:
 * the number of long-lived blocks is known from the parameters. */
static int setup(struct grow *g)
{
	const struct grow_params *p = g->p;
	if (p->keep_per_iter && p->iterations > SIZE_MAX / sizeof(struct block) / p->keep_per_iter)
		goto fail;
	g->kept_cap = (size_t)(p->iterations * p->keep_per_iter);
	if (g->kept_cap && !(g->kept = engine_scratch_alloc(g->kept_cap * sizeof(*g->kept))))
		goto fail;
	if (p->temps_per_iter &&
	    !(g->temps = engine_scratch_alloc(p->temps_per_iter * sizeof(*g->temps))))
		goto fail;
	return 0;
fail:
	snprintf(g->ctx->sb->error, sizeof(g->ctx->sb->error),
	         "phase '%s', thread %d: no scratch memory to list %llu x %llu long-lived "
	         "blocks and %llu temporaries",
	         g->ctx->phase->name, g->ctx->tid, (unsigned long long)p->iterations,
	         (unsigned long long)p->keep_per_iter, (unsigned long long)p->temps_per_iter);
	return -ENOMEM;
}

/* Hands a block to the engine for a free-all phase. After a first
 * failure it frees the block instead, so the accounting stays exact. */
static void retain(struct grow *g, struct block *b, int *rc)
{
	if (!*rc && (*rc = engine_retain(g->ctx, b->ptr, b->size)) < 0)
		snprintf(g->ctx->sb->error, sizeof(g->ctx->sb->error),
		         "phase '%s', thread %d: cannot keep blocks for free-all: out of memory",
		         g->ctx->phase->name, g->ctx->tid);
	if (*rc)
		gen_free_block(g->ctx, b);
}

/* The last buffer is kept for free-all too, not freed here, so the phase's
 * final samples show the heap the checkpoint saw: its free would land
 * before or after the last sample by chance, swinging RSS / heap by a
 * whole buffer. */
static int retain_all(struct grow *g)
{
	int rc = 0;
	if (g->buf.ptr)
		retain(g, &g->buf, &rc);
	for (size_t k = 0; k < g->nkept; k++)
		retain(g, &g->kept[k], &rc);
	return rc;
}

/* The phase's last samples must show its end state, not a buffer half
 * filled: the driver samples on a clock, and a fill takes milliseconds.
 * Nothing is freed after the checkpoint (see retain_all), so holding the
 * phase open briefly gives the sampler several quiescent rows (five at
 * the default 10 ms interval). Off the measured work; the same for every
 * allocator. */
static void hold(void)
{
	struct timespec ts = {.tv_sec = 0, .tv_nsec = HOLD_NS};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int gen_grow_run(struct gen_ctx *ctx)
{
	struct grow g = {.ctx = ctx, .p = &ctx->phase->u.grow};
	int rc = setup(&g);

	g.keep_total = gen_total_weight(&g.p->keep_sizes);
	g.temp_total = gen_total_weight(&g.p->temp_sizes);
	rng_seed(&g.rng, ctx->seed, (uint64_t)ctx->phase_index, (uint64_t)ctx->tid);
	for (uint64_t i = 0; i < g.p->iterations && !rc; i++) {
		rc = iterate(&g, i);
		scoreboard_step(ctx->slot);
	}

	/* Every thread reaches the checkpoint, even after a failure, or the
	 * others would wait at the barrier for ever. */
	engine_checkpoint(ctx);
	int kept_rc = retain_all(&g);
	engine_scratch_free(g.kept, g.kept_cap * sizeof(*g.kept));
	engine_scratch_free(g.temps, g.p->temps_per_iter * sizeof(*g.temps));
	if (ctx->tid == 0)
		hold();
	return rc ? rc : kept_rc;
}
