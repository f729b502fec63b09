/* gen_consume.c - the consume generator: threads that only free, taking
 * batches of blocks from a queue other roles fill.
 *
 * xmalloc-test's mem_releaser threads: pop a batch (waiting while the
 * queue is empty), free its blocks, again, until every producer is done
 * and the queue is empty. The frees are batch frees of blocks another
 * thread made.
 */
#include "workloads/engine.h"
#include "workloads/generators/gen_common.h"
#include "workloads/queue.h"

struct consume_params {
	int queue;
	struct touch touch;
};
_Static_assert(sizeof(struct consume_params) <= WORKLOAD_PARAMS_MAX, "consume fits");

#define P(member) offsetof(struct consume_params, member)
static const struct key_def keys[] = {
    {"queue", KEY_QUEUE, KEY_REQUIRED | KEY_POP, P(queue), 0, 0, NULL, NULL,
     "the queue to take batches from", NULL},
    {"touch", KEY_TOUCH, 0, P(touch), 0, 0, "none", NULL,
     "how much of each block is written before it is freed (the consumer using it)", NULL},
    {0},
};

static int run(struct gen_ctx *ctx)
{
	const struct consume_params *p = ctx->params;
	struct queue *q = ctx->queues[p->queue];
	struct queue_batch *b;
	while ((b = queue_pop(q))) {
		for (uint32_t i = 0; i < b->n; i++) {
			struct block *blk = &b->blocks[i];
			if (p->touch.mode != TOUCH_NONE && blk->ptr)
				gen_write(blk->ptr, blk->size, &p->touch);
			gen_free_block(ctx, blk);
			scoreboard_step(ctx->slot);
		}
		queue_release(ctx, q, b);
	}
	engine_checkpoint(ctx);
	return 0;
}

const struct gen_def gen_consume = {
    .name = "consume",
    .summary = "threads that only free, taking batches from a queue",
    .doc = "Each thread pops batches from `queue` (waiting while it is empty) and frees "
           "their blocks, until every producer is done and the queue is empty: batch "
           "frees of blocks other threads made (xmalloc-test's releaser threads).",
    .keys = keys,
    .params_size = sizeof(struct consume_params),
    .kind = WORKLOAD_PHASE_WORK,
    .threads = GEN_THREADED,
    .min_threads = 1,
    .run = run,
};
