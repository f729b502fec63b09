/* gen_churn.c - the churn generator: each thread keeps a window of live
 * blocks and replaces them one by one.
 *
 * Each thread fills a window of `live` blocks, then replaces one per
 * operation: frees a victim (the oldest, the newest, or one at random) and
 * makes a new block, or resizes the victim when the call mix says realloc.
 * Free comes before malloc so the live heap never exceeds the window: the
 * steady-state heap is exactly the sum of the window, which the checkpoint
 * records. With `lifetime`, each block instead lives for a number of the
 * thread's operations drawn from a distribution, and the window's size
 * follows (Little's law: its mean is the mean lifetime).
 *
 * The window can start as blocks another role made (fill_from: larson's
 * main thread allocates every worker's blocks), and a thread can exit
 * after `generation` replacements, a new thread taking over its window
 * (larson's threads, which start their successor and exit).
 */
#include "workloads/engine.h"
#include "workloads/generators/gen_common.h"
#include "workloads/generators/rng.h"
#include "workloads/queue.h"

enum victim { VICTIM_FIFO, VICTIM_LIFO, VICTIM_RANDOM };

struct churn_params {
	struct bound bound;
	uint64_t live;
	int victim;
	struct dist lifetime;
	struct dist sizes;
	struct touch touch;
	struct calls calls;
	uint64_t generation;
	int fill_from;
};
_Static_assert(sizeof(struct churn_params) <= WORKLOAD_PARAMS_MAX, "churn's parameters fit");

#define P(member) offsetof(struct churn_params, member)
static const struct key_def keys[] = {
    GEN_BOUND_KEYS(struct churn_params, bound, "ops",
                   "replacements per thread (each frees a block and makes one)"),
    {"live", KEY_COUNT, 0, P(live), 1, 1e8, NULL, NULL,
     "blocks in each thread's window (required, unless lifetime is given)", NULL},
    {"sizes", KEY_SIZES, KEY_REQUIRED, P(sizes), 0, 0, NULL, NULL, "block sizes", NULL},
    {"victim", KEY_CHOICE, 0, P(victim), 0, 0, "fifo",
     (const char *const[]){"fifo", "lifo", "random", NULL},
     "which block of the window is replaced: the oldest, the newest, or one at random", NULL},
    {"lifetime", KEY_LIFETIMES, 0, P(lifetime), 0, 0, NULL, NULL,
     "instead of a window: each block lives this many of its thread's operations", NULL},
    {"touch", KEY_TOUCH, KEY_WINDOW, P(touch), 0, 0, "full", NULL, "how blocks are written", NULL},
    {"calls", KEY_CALLS, KEY_WINDOW, P(calls), 0, 0, "malloc", NULL,
     "which calls make the blocks (realloc resizes the victim)", NULL},
    {"generation", KEY_COUNT, KEY_SCALE_WORK, P(generation), 1, 1e12, NULL, NULL,
     "replacements after which a thread starts a successor and exits; the successor takes "
     "over the window",
     NULL},
    {"fill_from", KEY_QUEUE, KEY_FILL, P(fill_from), 0, 0, NULL, NULL,
     "the window starts as blocks taken from this queue (fed by a prefill role)", NULL},
    {0},
};

static int check(struct gen_check *c)
{
	const struct churn_params *p = c->params;
	bool lifetime = p->lifetime.n > 0;
	if (lifetime && p->live)
		return gen_check_fail(c, "lifetime",
		                      "give live (a window) or lifetime (blocks that die of age), "
		                      "not both");
	if (!lifetime && !p->live)
		return ynode_fail(c->k->d, c->map,
		                  "%s is missing required key 'live' (or 'lifetime')", c->k->what);
	if (lifetime && ynode_get(c->map, "victim"))
		return gen_check_fail(
		    c, "victim", "victim chooses from a window; with lifetime blocks die of age");
	if (lifetime && p->fill_from >= 0)
		return gen_check_fail(
		    c, "fill_from", "fill_from fills a window, and lifetime keeps none; give live");
	if (lifetime && p->calls.cum[CALL_REALLOC] > p->calls.cum[CALL_CALLOC])
		return gen_check_fail(c, "calls", "realloc resizes a block of a window; give live");
	gen_check_window(c, &p->sizes, lifetime ? p->lifetime.mean : (double)p->live,
	                 c->max_threads);
	if (lifetime) /* the count itself varies too (about as a Poisson count) */
		c->var_bytes += p->lifetime.mean * p->sizes.mean * p->sizes.mean * c->max_threads;
	return 0;
}

/* A block and the operation it dies at (lifetime mode), in a min-heap. */
struct mortal {
	uint64_t death;
	struct block b;
};

struct churn {
	/* Two streams: sizes (the one churn always drew, so a plain window
	 * makes the same blocks as before) and every other choice. */
	struct rng rng, pick;
	struct gen_pace pace;
	uint64_t done, since; /* operations done; since the last generation began */
	struct block *ring;   /* the window (live blocks) */
	uint64_t slot, top;   /* next FIFO victim; LIFO's newest */
	struct mortal *heap;  /* lifetime mode */
	uint64_t nheap, cap;
	size_t bytes; /* of the scratch mapping */
};

static void heap_push(struct churn *s, struct mortal m)
{
	uint64_t i = s->nheap++;
	while (i > 0 && s->heap[(i - 1) / 2].death > m.death) {
		s->heap[i] = s->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	s->heap[i] = m;
}

static struct mortal heap_pop(struct churn *s)
{
	struct mortal top = s->heap[0], last = s->heap[--s->nheap];
	uint64_t i = 0;
	for (;;) {
		uint64_t c = 2 * i + 1;
		if (c >= s->nheap)
			break;
		if (c + 1 < s->nheap && s->heap[c + 1].death < s->heap[c].death)
			c++;
		if (s->heap[c].death >= last.death)
			break;
		s->heap[i] = s->heap[c];
		i = c;
	}
	if (s->nheap)
		s->heap[i] = last;
	return top;
}

/* The first generation's set-up: scratch, the RNG, the filled window. */
static int start(struct gen_ctx *ctx, const struct churn_params *p, struct churn **out)
{
	bool lifetime = p->lifetime.n > 0;
	uint64_t n = lifetime ? p->lifetime.hi + 1 : p->live;
	size_t bytes =
	    sizeof(struct churn) + n * (lifetime ? sizeof(struct mortal) : sizeof(struct block));
	struct churn *s = engine_scratch_alloc(bytes);
	if (!s) {
		snprintf(ctx->sb->error, sizeof(ctx->sb->error),
		         "phase '%s', thread %d: no scratch memory for %llu blocks",
		         ctx->phase->name, ctx->tid, (unsigned long long)n);
		return -ENOMEM;
	}
	*out = s;
	s->bytes = bytes;
	s->cap = n;
	if (lifetime)
		s->heap = (struct mortal *)(s + 1);
	else
		s->ring = (struct block *)(s + 1);
	s->top = p->live ? p->live - 1 : 0;
	gen_seed(ctx, &s->rng, 0);
	gen_seed(ctx, &s->pick, 1);
	uint64_t have = 0;
	if (p->fill_from >= 0) {
		struct queue *q = ctx->queues[p->fill_from];
		queue_request(q, p->live); /* before anything can fail: prefill waits for it */
		have = queue_take(ctx, q, s->ring, p->live);
	}
	int rc = 0;
	for (uint64_t i = have; !lifetime && i < p->live && !rc; i++)
		rc = gen_make(ctx, &s->ring[i], gen_draw(ctx, &p->sizes, &s->rng),
		              gen_pick_call(&p->calls, &s->pick), p->calls.alignment, &p->touch);
	gen_pace_start(&s->pace, &p->bound);
	return rc;
}

static uint64_t victim(struct churn *s, const struct churn_params *p)
{
	uint64_t i;
	switch (p->victim) {
	case VICTIM_LIFO:
		return s->top;
	case VICTIM_RANDOM:
		return rng_range(&s->pick, 0, p->live - 1);
	default:
		i = s->slot;
		if (++s->slot == p->live)
			s->slot = 0;
		return i;
	}
}

/* Any window: call mixes with realloc, revisits. */
static int replace(struct gen_ctx *ctx, struct churn *s, const struct churn_params *p)
{
	struct block *b = &s->ring[victim(s, p)];
	int call = gen_pick_call(&p->calls, &s->pick);
	uint64_t size = gen_draw(ctx, &p->sizes, &s->rng);
	int rc;
	if (call == CALL_REALLOC && b->ptr) {
		rc = gen_resize(ctx, b, size, &p->touch);
	} else {
		gen_free_block(ctx, b);
		rc = gen_make(ctx, b, size, call == CALL_REALLOC ? CALL_MALLOC : call,
		              p->calls.alignment, &p->touch);
	}
	for (uint64_t k = 0; k < p->touch.revisit && !rc; k++) {
		struct block *r = &s->ring[rng_range(&s->pick, 0, p->live - 1)];
		if (r->ptr)
			gen_write(r->ptr, r->size, &p->touch);
	}
	return rc;
}

/* Lifetime mode: the blocks whose time has come die, then one is born. */
static int age(struct gen_ctx *ctx, struct churn *s, const struct churn_params *p)
{
	while (s->nheap && s->heap[0].death <= s->done) {
		struct mortal m = heap_pop(s);
		gen_free_block(ctx, &m.b);
	}
	uint64_t life = gen_draw(ctx, &p->lifetime, &s->pick);
	struct mortal m = {.death = s->done + life};
	int call = gen_pick_call(&p->calls, &s->pick);
	int rc = gen_make(ctx, &m.b, gen_draw(ctx, &p->sizes, &s->rng), call, p->calls.alignment,
	                  &p->touch);
	if (!rc)
		heap_push(s, m);
	return rc;
}

/* The common window (malloc only, no revisits) with its state in locals:
 * malloc and free may write any memory as far as the compiler knows, so
 * state read through s would be loaded again after each of them, and
 * that reloading is the harness's cost, not the allocator's. */
static inline __attribute__((always_inline)) int window(struct gen_ctx *ctx, struct churn *s,
                                                        const struct churn_params *p, uint64_t n,
                                                        const int kind)
{
	struct block *ring = s->ring;
	struct sb_slot *slot = ctx->slot;
	struct rng pick = s->pick;
	struct gen_pace pace = s->pace;
	const struct touch touch = p->touch;
	uint64_t live = p->live, next = s->slot, done = s->done, end = done + n;
	const struct dist_part *pool = ctx->w->pool;
	int rc = 0;
	for (; done < end && gen_more(&pace, done); done++) {
		uint64_t i = kind == VICTIM_RANDOM ? rng_range(&pick, 0, live - 1)
		             : kind == VICTIM_LIFO ? s->top
		                                   : next;
		if (kind == VICTIM_FIFO && ++next == live)
			next = 0;
		uint64_t size = dist_draw(&p->sizes, pool, &s->rng);
		struct block *b = &ring[i];
		if (b->ptr) {
			scoreboard_add(slot, -(int64_t)b->size);
			free(b->ptr);
		}
		void *m = malloc(size);
		if (!m) {
			b->ptr = NULL;
			rc = gen_fail(ctx, "malloc", size);
			break;
		}
		scoreboard_add(slot, (int64_t)size);
		gen_write(m, size, &touch);
		b->ptr = m;
		b->size = size;
		scoreboard_step(slot);
	}
	s->pick = pick;
	s->pace = pace;
	s->slot = next;
	s->done = done;
	return rc;
}

/* Up to n operations; fewer only when the bound is reached or on error. */
static int stretch(struct gen_ctx *ctx, struct churn *s, const struct churn_params *p, uint64_t n)
{
	if (!p->lifetime.n && p->calls.only_malloc && !p->touch.revisit) {
		switch (p->victim) {
		case VICTIM_RANDOM:
			return window(ctx, s, p, n, VICTIM_RANDOM);
		case VICTIM_LIFO:
			return window(ctx, s, p, n, VICTIM_LIFO);
		default:
			return window(ctx, s, p, n, VICTIM_FIFO);
		}
	}
	int rc = 0;
	for (uint64_t end = s->done + n; !rc && s->done < end && gen_more(&s->pace, s->done);
	     s->done++) {
		rc = p->lifetime.n ? age(ctx, s, p) : replace(ctx, s, p);
		scoreboard_step(ctx->slot);
	}
	return rc;
}

static int run(struct gen_ctx *ctx)
{
	const struct churn_params *p = ctx->params;
	struct churn *s = ctx->state;
	int rc = 0;
	if (ctx->generation == 0) {
		rc = start(ctx, p, &s);
		ctx->state = s;
	}
	while (!rc && s) {
		if (p->generation && s->since == p->generation) {
			if (!gen_more(&s->pace, s->done))
				break; /* done: no successor for nothing */
			s->since = 0;
			if (engine_next_generation(ctx) == 0)
				return GEN_HANDED_OVER;
		}
		uint64_t n = p->generation ? p->generation - s->since : UINT64_MAX - s->done;
		uint64_t before = s->done;
		rc = stretch(ctx, s, p, n);
		s->since += s->done - before;
		if (s->done - before < n)
			break; /* the bound, or a failure */
	}
	/* Every thread reaches the checkpoint, even after a failure, or the
	 * others would wait at the barrier for ever. */
	engine_checkpoint(ctx);
	if (s) {
		for (uint64_t i = 0; s->ring && i < p->live; i++)
			gen_free_block(ctx, &s->ring[i]);
		while (s->nheap) {
			struct mortal m = heap_pop(s);
			gen_free_block(ctx, &m.b);
		}
		engine_scratch_free(s, s->bytes);
	}
	return rc;
}

const struct gen_def gen_churn = {
    .name = "churn",
    .summary = "each thread keeps a window of live blocks and replaces them one by one",
    .doc = "The allocation pattern of most servers and of per-object work: each thread "
           "fills a window of `live` blocks, then per operation frees a victim (the "
           "oldest, the newest or one at random) and makes a new block, or resizes it "
           "(calls: realloc). With `lifetime` blocks die of age instead. The window can "
           "start as another role's blocks (fill_from) and threads can exit and be "
           "replaced while their blocks live on (generation): larson. "
           "bench-malloc-thread is a window of 1024 with random victims.",
    .keys = keys,
    .params_size = sizeof(struct churn_params),
    .kind = WORKLOAD_PHASE_WORK,
    .threads = GEN_THREADED,
    .min_threads = 1,
    .check = check,
    .run = run,
};
