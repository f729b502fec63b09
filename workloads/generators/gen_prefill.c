/* gen_prefill.c - the prefill generator: one thread makes the blocks other
 * threads start with, churns them, and hands them over.
 *
 * larson's main thread: before the worker threads start it allocates all
 * of their blocks, shuffles them, replaces `warmup` times as many at
 * random, and gives each worker its share; the workers then free blocks a
 * thread that is no longer allocating made. Here the share goes through a
 * queue: every role that fills its window from it (churn's fill_from)
 * asks for its `live` blocks, and prefill makes exactly what was asked.
 */
#include "workloads/engine.h"
#include "workloads/generators/gen_common.h"
#include "workloads/queue.h"

struct prefill_params {
	int queue;
	struct dist sizes;
	struct touch touch;
	struct calls calls;
	double warmup;
	bool shuffle;
};
_Static_assert(sizeof(struct prefill_params) <= WORKLOAD_PARAMS_MAX, "prefill fits");

#define P(member) offsetof(struct prefill_params, member)
static const struct key_def keys[] = {
    {"queue", KEY_QUEUE, KEY_REQUIRED | KEY_PUSH | KEY_DEMAND, P(queue), 0, 0, NULL, NULL,
     "the queue the blocks go to; roles with fill_from on it say how many", NULL},
    {"sizes", KEY_SIZES, KEY_REQUIRED, P(sizes), 0, 0, NULL, NULL, "block sizes", NULL},
    {"touch", KEY_TOUCH, 0, P(touch), 0, 0, "full", NULL, "how blocks are written", NULL},
    {"calls", KEY_CALLS, 0, P(calls), 0, 0, "malloc", NULL, "which calls make the blocks", NULL},
    {"shuffle", KEY_BOOL, 0, P(shuffle), 0, 0, "true", NULL,
     "hand the blocks over in random order, not in the order they were made", NULL},
    {"warmup", KEY_REAL, 0, P(warmup), 0, 1000, "0", NULL,
     "then random replacements before handing over, as a multiple of the blocks (larson: 4)", NULL},
    {0},
};

static int run(struct gen_ctx *ctx)
{
	const struct prefill_params *p = ctx->params;
	struct queue *q = ctx->queues[p->queue];
	uint64_t n = queue_demand(q);
	size_t bytes = (size_t)n * sizeof(struct block);
	struct block *all = n ? engine_scratch_alloc(bytes) : NULL;
	struct rng r;
	int rc = 0;

	gen_seed(ctx, &r, 0);
	if (n && !all)
		rc = gen_fail(ctx, "mmap prefill list", bytes);
	uint64_t made = 0;
	for (; !rc && made < n; made++) {
		rc = gen_make(ctx, &all[made], gen_draw(ctx, &p->sizes, &r),
		              gen_pick_call(&p->calls, &r), p->calls.alignment, &p->touch);
		scoreboard_step(ctx->slot);
	}
	if (rc && made)
		made--; /* the last one failed */
	for (uint64_t i = made; p->shuffle && i > 1; i--) {
		uint64_t j = rng_range(&r, 0, i - 1);
		struct block t = all[i - 1];
		all[i - 1] = all[j];
		all[j] = t;
	}
	uint64_t replace = made ? (uint64_t)(p->warmup * (double)made) : 0;
	for (uint64_t k = 0; !rc && k < replace; k++) {
		struct block *b = &all[rng_range(&r, 0, made - 1)];
		gen_free_block(ctx, b);
		rc = gen_make(ctx, b, gen_draw(ctx, &p->sizes, &r), gen_pick_call(&p->calls, &r),
		              p->calls.alignment, &p->touch);
		scoreboard_step(ctx->slot);
	}
	/* Everything made is handed over, even after a failure: the fillers
	 * make what is missing themselves. */
	uint32_t size = queue_batch_size(q);
	for (uint64_t i = 0; i < made;) {
		int brc = 0;
		struct queue_batch *b = queue_batch_get(ctx, q, &brc);
		rc = rc ? rc : brc;
		if (!b) {
			for (; i < made; i++)
				gen_free_block(ctx, &all[i]);
			break;
		}
		for (; i < made && b->n < size; i++)
			if (all[i].ptr)
				b->blocks[b->n++] = all[i];
		queue_push(q, b);
	}
	queue_producer_done(q);
	engine_scratch_free(all, bytes);
	engine_checkpoint(ctx);
	return rc;
}

const struct gen_def gen_prefill = {
    .name = "prefill",
    .summary = "one thread makes the blocks other roles start with, and hands them over",
    .doc = "A main thread that warms up and hands blocks to workers (larson): it waits "
           "until every role with fill_from on its queue has said how many blocks it "
           "starts with, makes them all, shuffles them, replaces `warmup` times as many "
           "at random, and pushes them to the queue; each filler takes its share. Always "
           "one thread.",
    .keys = keys,
    .params_size = sizeof(struct prefill_params),
    .kind = WORKLOAD_PHASE_WORK,
    .threads = GEN_ONE_THREAD,
    .run = run,
};
