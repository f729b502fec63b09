/* gen_tile_cache.c - SExtractor's tile cache, as an allocation pattern.
 *
 * An image is read through an LRU cache of tiles with a byte budget. Thread
 * 0 detects: it scans the image tile row by tile row, loading tiles in
 * order, and for each tile queues `sources` detected objects (small blocks).
 * Threads 1..N measure: they take sources from an unbounded queue, load the
 * tile they need themselves when detection has already evicted it, cut a
 * stamp out of it, work on the stamp and free it with the object. Because
 * measuring costs more than detecting, the measurement threads lag far
 * behind, so tiles are allocated by several threads: with per-thread arenas
 * each arena ends up holding up to the budget, which is the doubling the
 * SExtractor author saw. With N = 0 detection measures inline.
 *
 * The cache never holds more than `budget` bytes of tiles; that is the
 * program's own accounting, and what RSS is compared against. Tile loads
 * by detection, objects and stamps are the script (`ops`, the same under
 * every allocator); reloads and evictions depend on timing (`extra_ops`).
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/units.h"
#include "workloads/engine.h"
#include "workloads/generators/gen_common.h"
#include "workloads/generators/rng.h"

#define PIXEL 4 /* bytes: a float */

/* One detection thread scans the image tile row by tile row, loading tiles
 * through a shared LRU cache of `budget` bytes and detecting sources; the
 * role's threads are measurement threads that take sources from an
 * unbounded queue, load the tiles they need themselves (evicting by the
 * same budget), cut a stamp, work on it, and free it. 0 measurement
 * threads: detection measures inline. */
struct tile_cache_params {
	uint64_t width, height; /* image size in pixels (4-byte floats) */
	uint64_t tile;          /* tile side in pixels */
	uint64_t budget;        /* cache limit in bytes */
	uint64_t sources;       /* sources detected per tile */
	struct dist objects;    /* per-source object, kept until measured */
	struct dist stamps;     /* stamp cut out of a tile */
	uint64_t work;          /* passes over each stamp: makes measurement lag */
	bool keep;              /* leave the cache alive for a free-all phase */
};
_Static_assert(sizeof(struct tile_cache_params) <= WORKLOAD_PARAMS_MAX, "tile-cache fits");

#define P(member) offsetof(struct tile_cache_params, member)
static const struct key_def keys[] = {
    {"width", KEY_COUNT, KEY_REQUIRED, P(width), 16, 1000000, NULL, NULL,
     "image width in pixels (4-byte floats), a whole number of tiles", NULL},
    {"height", KEY_COUNT, KEY_REQUIRED, P(height), 16, 1000000, NULL, NULL,
     "image height in pixels, a whole number of tiles", NULL},
    {"tile", KEY_COUNT, KEY_REQUIRED, P(tile), 16, 8192, NULL, NULL,
     "tile side in pixels: 256 makes 256 KiB tiles", NULL},
    {"budget", KEY_SIZE, KEY_REQUIRED, P(budget), 1, (double)(UINT64_C(1) << 40), NULL, NULL,
     "the cache's limit: the most tile bytes the program holds", NULL},
    {"sources", KEY_COUNT, KEY_REQUIRED, P(sources), 1, 100000, NULL, NULL,
     "sources detected per tile", NULL},
    {"objects", KEY_SIZES, KEY_REQUIRED, P(objects), 0, 0, NULL, NULL,
     "size of each source's object, kept until it is measured", NULL},
    {"stamps", KEY_SIZES, KEY_REQUIRED, P(stamps), 0, 0, NULL, NULL,
     "size of the stamp cut out of a tile per source (at most a tile)", NULL},
    {"work", KEY_COUNT, KEY_REQUIRED, P(work), 0, 1000000, NULL, NULL,
     "passes over each stamp: what makes measurement lag behind detection", NULL},
    {"keep", KEY_BOOL, 0, P(keep), 0, 0, "false", NULL,
     "leave the cache's tiles for a free-all phase instead of freeing them at the end", NULL},
    {0},
};

static int whole_tiles(struct gen_check *c, const char *key, uint64_t pixels, uint64_t tile)
{
	if (pixels % tile == 0)
		return 0;
	return gen_check_fail(c, key,
	                      "key '%s': %llu is not a whole number of %llu-pixel tiles; use %llu "
	                      "or %llu",
	                      key, (unsigned long long)pixels, (unsigned long long)tile,
	                      (unsigned long long)(pixels / tile * tile),
	                      (unsigned long long)((pixels / tile + 1) * tile));
}

static int check(struct gen_check *c)
{
	const struct tile_cache_params *t = c->params;
	char a[32], b[32];
	int r;
	if ((r = whole_tiles(c, "width", t->width, t->tile)) < 0 ||
	    (r = whole_tiles(c, "height", t->height, t->tile)) < 0)
		return r;
	uint64_t tile_bytes = t->tile * t->tile * PIXEL;
	if (t->budget < tile_bytes)
		return gen_check_fail(
		    c, "budget", "key 'budget': %s cannot hold one %s tile; give at least that",
		    units_format_size(t->budget, a, sizeof(a)),
		    units_format_size(tile_bytes, b, sizeof(b)));
	if (t->stamps.hi > tile_bytes)
		return gen_check_fail(
		    c, "stamps",
		    "key 'stamps': a stamp is cut out of one tile, so it can be at "
		    "most %s",
		    units_format_size(tile_bytes, a, sizeof(a)));
	/* The cache holds `budget`; an allocator that doubles it (the point of
	 * this generator) needs twice that. */
	c->mean_bytes = 2.0 * (double)t->budget;
	snprintf(c->why, sizeof(c->why), "twice the %s budget",
	         units_format_size(t->budget, a, sizeof(a)));
	return 0;
}

/* More work is a larger image and budget together, so the budget keeps
 * its share of the image (scale 4 turns 8192^2 / 128 MiB into 16384^2 /
 * 512 MiB); whole tiles, so the budget stays a whole number of them. */
static void scale(void *params, double scale, double time_scale)
{
	struct tile_cache_params *t = params;
	double side = sqrt(scale);
	(void)time_scale;
	t->width = keys_times(t->width / t->tile, side) * t->tile;
	t->height = keys_times(t->height / t->tile, side) * t->tile;
	t->budget = keys_times(t->budget, scale);
}

static uint64_t budget(const void *params)
{
	return ((const struct tile_cache_params *)params)->budget;
}

struct tile_slot {
	float *data;         /* NULL when not loaded */
	uint32_t prev, next; /* LRU list, most recent at head */
};

/* A detected source. Its stamp's size and place are drawn by detection, so
 * they do not depend on which measurement thread takes it. */
struct source {
	void *object;
	uint64_t object_size;
	uint32_t tile;
	uint32_t offset;     /* byte offset of the stamp in the tile */
	uint64_t stamp_size; /* bytes, a multiple of 4 */
};

struct cache {
	pthread_mutex_t lock;
	pthread_cond_t ready;
	uint64_t tiles_x, ntiles, tile_bytes, capacity, loaded;
	uint32_t head, tail; /* LRU ends; NIL when empty */
	struct tile_slot *slots;
	/* Unbounded FIFO of detected sources: an array that only grows. The
	 * detection thread appends, measurement threads take from `taken`. */
	struct source *queue;
	size_t queued, taken, queue_cap;
	int detection_done;
};

#define NIL UINT32_MAX

static volatile float sink; /* keeps the scan and the measurement's sums */

static void lru_unlink(struct cache *c, uint32_t i)
{
	struct tile_slot *s = &c->slots[i];
	if (s->prev != NIL)
		c->slots[s->prev].next = s->next;
	else
		c->head = s->next;
	if (s->next != NIL)
		c->slots[s->next].prev = s->prev;
	else
		c->tail = s->prev;
	s->prev = s->next = NIL;
}

static void lru_push_head(struct cache *c, uint32_t i)
{
	struct tile_slot *s = &c->slots[i];
	s->prev = NIL;
	s->next = c->head;
	if (c->head != NIL)
		c->slots[c->head].prev = i;
	c->head = i;
	if (c->tail == NIL)
		c->tail = i;
}

/* "Reads" tile i from the image: every pixel is written, from its index. */
static void fill_tile(const struct cache *c, uint32_t i, float *data)
{
	size_t n = c->tile_bytes / sizeof(float);
	for (size_t k = 0; k < n; k++)
		data[k] = (float)((i * 2654435761u + k) & 0xffff) * (1.0f / 65536);
}

/* Returns tile i loaded and most recently used. Called with the lock held.
 * scripted: a load the script makes (detection), counted in ops. */
static float *get_tile(struct gen_ctx *ctx, struct cache *c, uint32_t i, int scripted)
{
	struct tile_slot *s = &c->slots[i];
	if (s->data) {
		lru_unlink(c, i);
		lru_push_head(c, i);
		return s->data;
	}
	while (c->loaded >= c->capacity && c->tail != NIL) {
		uint32_t victim = c->tail;
		lru_unlink(c, victim);
		scoreboard_add_extra(ctx->slot, -(int64_t)c->tile_bytes);
		free(c->slots[victim].data);
		c->slots[victim].data = NULL;
		c->loaded--;
	}
	float *data = malloc(c->tile_bytes);
	if (!data)
		return NULL;
	if (scripted)
		scoreboard_add(ctx->slot, (int64_t)c->tile_bytes);
	else
		scoreboard_add_extra(ctx->slot, (int64_t)c->tile_bytes);
	fill_tile(c, i, data);
	s->data = data;
	c->loaded++;
	lru_push_head(c, i);
	return data;
}

/* Cuts the stamp of source s out of its tile (reloading the tile if it was
 * evicted), works on it, and frees it and the source's object. */
static int measure(struct gen_ctx *ctx, struct cache *c, const struct source *s)
{
	const struct tile_cache_params *p = ctx->params;
	float *stamp = malloc(s->stamp_size);
	if (!stamp)
		return gen_fail(ctx, "malloc stamp", s->stamp_size);
	scoreboard_add(ctx->slot, (int64_t)s->stamp_size);
	pthread_mutex_lock(&c->lock);
	float *tile = get_tile(ctx, c, s->tile, 0);
	if (tile)
		memcpy(stamp, (char *)tile + s->offset, s->stamp_size);
	pthread_mutex_unlock(&c->lock);
	if (!tile)
		return gen_fail(ctx, "malloc tile", c->tile_bytes);
	/* The measurement itself: passes over the stamp, writing it. This is
	 * what makes measurement slower than detection. */
	size_t n = s->stamp_size / sizeof(float);
	float acc = 0;
	for (uint64_t pass = 0; pass < p->work; pass++)
		for (size_t k = 0; k < n; k++) {
			stamp[k] = stamp[k] * 0.999f + 0.001f;
			acc += stamp[k];
		}
	sink = acc;
	scoreboard_add(ctx->slot, -(int64_t)s->stamp_size);
	free(stamp);
	scoreboard_add(ctx->slot, -(int64_t)s->object_size);
	free(s->object);
	scoreboard_step(ctx->slot);
	return 0;
}

/* Appends to the unbounded queue (lock held). It grows by copying into a
 * larger mmap, so the allocator under test never sees it. */
static int enqueue(struct cache *c, const struct source *s)
{
	if (c->queued == c->queue_cap) {
		size_t cap = c->queue_cap * 2;
		struct source *grown = engine_scratch_alloc(cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		memcpy(grown, c->queue, c->queued * sizeof(*grown));
		engine_scratch_free(c->queue, c->queue_cap * sizeof(*grown));
		c->queue = grown;
		c->queue_cap = cap;
	}
	c->queue[c->queued++] = *s;
	pthread_cond_signal(&c->ready);
	return 0;
}

/* Detects the sources of one tile: allocates their objects, and queues
 * them (or measures them at once when there are no measurement threads). */
static int detect_tile(struct gen_ctx *ctx, struct cache *c, struct rng *r, uint32_t i)
{
	const struct tile_cache_params *p = ctx->params;
	int rc = 0;
	for (uint64_t k = 0; k < p->sources && !rc; k++) {
		struct source s = {.tile = i};
		s.stamp_size = gen_draw(ctx, &p->stamps, r) & ~(uint64_t)3;
		if (s.stamp_size < 4)
			s.stamp_size = 4;
		s.offset = (uint32_t)rng_range(r, 0, (c->tile_bytes - s.stamp_size) / 4) * 4;
		s.object_size = gen_draw(ctx, &p->objects, r);
		s.object = malloc(s.object_size);
		if (!s.object)
			return gen_fail(ctx, "malloc object", s.object_size);
		gen_touch(s.object, 0x3c, s.object_size);
		scoreboard_add(ctx->slot, (int64_t)s.object_size);
		if (ctx->nthreads == 1) {
			rc = measure(ctx, c, &s);
		} else {
			pthread_mutex_lock(&c->lock);
			rc = enqueue(c, &s);
			pthread_mutex_unlock(&c->lock);
		}
	}
	return rc;
}

/* Thread 0: scans the image tile row by tile row, in order. */
static int detect(struct gen_ctx *ctx, struct cache *c)
{
	struct rng r;
	int rc = 0;
	rng_seed(&r, ctx->seed, (uint64_t)ctx->phase_index, 0);
	for (uint32_t i = 0; i < c->ntiles && !rc; i++) {
		pthread_mutex_lock(&c->lock);
		float *tile = get_tile(ctx, c, i, 1);
		float acc = 0;
		/* The scan reads the tile line by line (a sample of each line). */
		for (size_t k = 0; tile && k < c->tile_bytes / sizeof(float); k += 64)
			acc += tile[k];
		pthread_mutex_unlock(&c->lock);
		sink = acc;
		rc =
		    tile ? detect_tile(ctx, c, &r, i) : gen_fail(ctx, "malloc tile", c->tile_bytes);
	}
	pthread_mutex_lock(&c->lock);
	c->detection_done = 1;
	pthread_cond_broadcast(&c->ready);
	pthread_mutex_unlock(&c->lock);
	return rc;
}

/* Threads 1..N: measure queued sources until detection is done and the
 * queue is empty. */
static int measure_loop(struct gen_ctx *ctx, struct cache *c)
{
	int rc = 0;
	for (;;) {
		pthread_mutex_lock(&c->lock);
		while (c->taken == c->queued && !c->detection_done)
			pthread_cond_wait(&c->ready, &c->lock);
		if (c->taken == c->queued) {
			pthread_mutex_unlock(&c->lock);
			return rc;
		}
		struct source s = c->queue[c->taken++];
		pthread_mutex_unlock(&c->lock);
		/* After a failure keep draining, so no object is left behind
		 * and detection never waits on a full pipeline. */
		if (!rc) {
			rc = measure(ctx, c, &s);
		} else {
			scoreboard_add(ctx->slot, -(int64_t)s.object_size);
			free(s.object);
		}
	}
}

static struct cache *cache_create(const struct tile_cache_params *p)
{
	struct cache *c = engine_scratch_alloc(sizeof(*c));
	if (!c)
		return NULL;
	c->tiles_x = p->width / p->tile;
	c->ntiles = c->tiles_x * (p->height / p->tile);
	c->tile_bytes = p->tile * p->tile * sizeof(float);
	c->capacity = p->budget / c->tile_bytes;
	c->head = c->tail = NIL;
	c->slots = engine_scratch_alloc(c->ntiles * sizeof(*c->slots));
	c->queue_cap = 4096;
	c->queue = engine_scratch_alloc(c->queue_cap * sizeof(*c->queue));
	if (!c->slots || !c->queue)
		return NULL;
	for (uint64_t i = 0; i < c->ntiles; i++)
		c->slots[i].prev = c->slots[i].next = NIL;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->ready, NULL);
	return c;
}

/* After the work: the cache's tiles are kept for a free-all phase, or
 * freed now (thread 0, as the program's cache teardown). */
static int cache_finish(struct gen_ctx *ctx, struct cache *c)
{
	int rc = 0;
	for (uint64_t i = 0; i < c->ntiles; i++) {
		void *data = c->slots[i].data;
		if (!data)
			continue;
		if (((const struct tile_cache_params *)ctx->params)->keep) {
			rc = rc ? rc : engine_retain(ctx, data, c->tile_bytes);
		} else {
			scoreboard_add_extra(ctx->slot, -(int64_t)c->tile_bytes);
			free(data);
		}
	}
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->ready);
	engine_scratch_free(c->queue, c->queue_cap * sizeof(*c->queue));
	engine_scratch_free(c->slots, c->ntiles * sizeof(*c->slots));
	engine_scratch_free(c, sizeof(*c));
	return rc;
}

static int run(struct gen_ctx *ctx)
{
	int rc = 0;
	if (ctx->tid == 0 && !(*ctx->shared = cache_create(ctx->params)))
		rc = gen_fail(ctx, "mmap cache", sizeof(struct cache));
	pthread_barrier_wait(ctx->role_barrier);
	struct cache *c = *ctx->shared;
	if (c)
		rc = ctx->tid == 0 ? detect(ctx, c) : measure_loop(ctx, c);
	engine_checkpoint(ctx);
	if (ctx->tid == 0 && c) {
		int rc2 = cache_finish(ctx, c);
		rc = rc ? rc : rc2;
	}
	return rc;
}

const struct gen_def gen_tile_cache = {
    .name = "tile-cache",
    .summary = "SExtractor's tile cache: one detection thread, threads measurement threads",
    .doc = "An image read through an LRU cache of tiles with a byte budget. One detection "
           "thread (besides the role's threads) scans it tile row by tile row and queues "
           "`sources` objects per tile; the role's threads measure: they take sources "
           "from an unbounded queue, reload the tiles detection has evicted, cut a stamp, "
           "work on it and free it. Measurement lags, so several threads allocate tiles; "
           "with per-thread arenas each holds up to the budget. threads: 0 makes "
           "detection measure inline.",
    .keys = keys,
    .params_size = sizeof(struct tile_cache_params),
    .kind = WORKLOAD_PHASE_WORK,
    .threads = GEN_THREADED,
    .min_threads = 0,
    .extra_threads = 1,
    .check = check,
    .scale = scale,
    .budget = budget,
    .run = run,
};
