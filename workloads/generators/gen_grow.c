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
 * With `realloc: true` the buffer is one block resized from each size to
 * the next (a realloc chain that grows and shrinks with the jitter) and
 * filled again, instead of a new block, a copy and a free.
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

#include "common/units.h"
#include "workloads/engine.h"
#include "workloads/generators/gen_common.h"
#include "workloads/generators/rng.h"

#define HOLD_NS 50000000L /* 50 ms, see hold() */
#define JITTER_MAX 0.9    /* above it a buffer could shrink to almost nothing */

/* Manifest-like buffers: each iteration allocates a buffer whose size grows
 * geometrically from `from` to `to` with +-jitter (so sizes go up and down),
 * fills it, and frees the previous one (copy: the previous is alive while the
 * next fills); plus long-lived small blocks and short-lived temporaries. */
struct grow_params {
	uint64_t iterations;
	uint64_t from, to;
	double jitter; /* fraction, 0 .. 0.9 */
	bool copy, realloc;
	uint64_t keep_per_iter; /* long-lived small blocks per iteration */
	struct dist keep_sizes;
	uint64_t temps_per_iter; /* temporaries per iteration */
	struct dist temp_sizes;
};
_Static_assert(sizeof(struct grow_params) <= WORKLOAD_PARAMS_MAX, "grow's parameters fit");

#define P(member) offsetof(struct grow_params, member)
static const struct key_def keys[] = {
    {"iterations", KEY_COUNT, KEY_REQUIRED | KEY_SCALE_WORK, P(iterations), 1, 1e12, NULL, NULL,
     "buffers made per thread", NULL},
    {"from", KEY_SIZE, KEY_REQUIRED, P(from), 1, 1 << 30, NULL, NULL, "the first buffer's size",
     NULL},
    {"to", KEY_SIZE, KEY_REQUIRED, P(to), 1, 1 << 30, NULL, NULL,
     "the last buffer's size (the ramp is geometric)", NULL},
    {"jitter", KEY_REAL, 0, P(jitter), 0, JITTER_MAX, "0.25", NULL,
     "each size is the ramp's times 1 +- this, at random, so sizes go up and down", NULL},
    {"copy", KEY_BOOL, 0, P(copy), 0, 0, "true", NULL,
     "the previous buffer stays alive while the next one fills (a program building the "
     "new version from the old)",
     NULL},
    {"realloc", KEY_BOOL, 0, P(realloc), 0, 0, "false", NULL,
     "resize one buffer with realloc from size to size instead (a realloc chain)", NULL},
    {"keep_per_iteration", KEY_COUNT, 0, P(keep_per_iter), 0, 1e8, "0", NULL,
     "small long-lived blocks made per iteration, kept to the end (they pin the heap)", NULL},
    {"keep_sizes", KEY_SIZES, 0, P(keep_sizes), 0, 0, NULL, NULL,
     "their sizes (required with keep_per_iteration)", NULL},
    {"temps_per_iteration", KEY_COUNT, 0, P(temps_per_iter), 0, 1e8, "0", NULL,
     "temporaries per iteration, freed before it ends", NULL},
    {"temp_sizes", KEY_SIZES, 0, P(temp_sizes), 0, 0, NULL, NULL,
     "their sizes (required with temps_per_iteration)", NULL},
    {0},
};

/* Optional companions: `count` blocks per iteration drawn from `sizes`.
 * The sizes are required when the count is above 0, and refused when it is
 * 0: sizes that are never drawn are most likely a forgotten count. */
static int per_iteration(struct gen_check *c, const char *count_key, const char *sizes_key,
                         uint64_t count)
{
	bool sizes = ynode_get(c->map, sizes_key) != NULL;
	if (count > 0 && !sizes)
		return gen_check_fail(
		    c, count_key,
		    "%s is %llu but %s is missing; add %s (a list of size classes "
		    "like [{min: 16 B, max: 256 B}])",
		    count_key, (unsigned long long)count, sizes_key, sizes_key);
	if (count == 0 && sizes)
		return gen_check_fail(c, sizes_key,
		                      "%s is given but %s is 0 (the default), so no such block is "
		                      "ever allocated; set %s or remove %s",
		                      sizes_key, count_key, count_key, sizes_key);
	return 0;
}

static int check(struct gen_check *c)
{
	const struct grow_params *g = c->params;
	int r;
	if ((r = per_iteration(c, "keep_per_iteration", "keep_sizes", g->keep_per_iter)) < 0 ||
	    (r = per_iteration(c, "temps_per_iteration", "temp_sizes", g->temps_per_iter)) < 0)
		return r;
	if (g->from > g->to) {
		char fb[32], tb[32];
		return gen_check_fail(
		    c, "from",
		    "from %s is larger than to %s; buffers grow from 'from' to 'to' "
		    "(jitter makes them go up and down)",
		    units_format_size(g->from, fb, sizeof(fb)),
		    units_format_size(g->to, tb, sizeof(tb)));
	}
	if (g->realloc && ynode_get(c->map, "copy"))
		return gen_check_fail(
		    c, "copy",
		    "copy keeps the previous buffer while the next fills, realloc "
		    "resizes one buffer: choose one");
	/* At the end: two buffers at the jittered maximum (copy mode), every
	 * long-lived block, one iteration's temporaries. */
	double biggest = (double)g->to * (1 + g->jitter) + 1;
	int copies = g->copy && !g->realloc ? 2 : 1;
	char bb[32];
	c->mean_bytes = biggest * copies * c->max_threads;
	snprintf(c->why, sizeof(c->why), "%d buffer%s of up to %s x %d thread%s", copies,
	         copies > 1 ? "s" : "", units_format_size((uint64_t)biggest, bb, sizeof(bb)),
	         c->max_threads, c->max_threads == 1 ? "" : "s");
	if (g->keep_per_iter)
		gen_check_window(c, &g->keep_sizes,
		                 (double)g->iterations * (double)g->keep_per_iter, c->max_threads);
	if (g->temps_per_iter)
		gen_check_window(c, &g->temp_sizes, (double)g->temps_per_iter, c->max_threads);
	return 0;
}

struct grow {
	struct gen_ctx *ctx;
	const struct grow_params *p;
	struct rng rng;
	struct block buf;    /* the current buffer */
	struct block *temps; /* one iteration's temporaries */
	struct block *kept;  /* every long-lived block so far */
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
	return gen_alloc_block(g->ctx, &g->temps[t], gen_draw(g->ctx, &g->p->temp_sizes, &g->rng));
}

static int alloc_kept(struct grow *g)
{
	struct block *b = &g->kept[g->nkept];
	int rc = gen_alloc_block(g->ctx, b, gen_draw(g->ctx, &g->p->keep_sizes, &g->rng));
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
	if (!rc && p->realloc && g->buf.ptr) {
		/* The chain: resized in place when the allocator can, then filled. */
		static const struct touch none = {.mode = TOUCH_NONE, .passes = 1};
		rc = gen_resize(g->ctx, &g->buf, buffer_size(g, i), &none);
		if (!rc)
			gen_touch(g->buf.ptr, 0x5a, g->buf.size);
	} else if (!rc) {
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

static int run(struct gen_ctx *ctx)
{
	struct grow g = {.ctx = ctx, .p = ctx->params};
	int rc = setup(&g);

	gen_seed(ctx, &g.rng, 0);
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

const struct gen_def gen_grow = {
    .name = "grow",
    .summary = "buffers that grow (and shrink) over the run, as git-cinnabar's manifests",
    .doc = "Each thread makes `iterations` buffers whose sizes follow a geometric ramp "
           "from `from` to `to`, jittered so sizes go up and down; each is filled and the "
           "previous one freed (copy: after the fill), or one buffer is resized by "
           "realloc (realloc: true). Small long-lived blocks (keep_per_iteration) pin "
           "the heap between buffers; temporaries come and go. The last buffer and the "
           "long-lived blocks are kept for a free-all phase.",
    .keys = keys,
    .params_size = sizeof(struct grow_params),
    .kind = WORKLOAD_PHASE_WORK,
    .threads = GEN_THREADED,
    .min_threads = 1,
    .check = check,
    .run = run,
};
