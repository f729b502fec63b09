/* gen_produce.c - the produce generator: threads that only allocate, and
 * send every block to a queue in batches for another role to free.
 *
 * xmalloc-test's mem_allocator threads: make a batch of blocks, write
 * them, push the batch into a shared queue (waiting while a bounded one
 * is full), again. With a consume role on the same queue, one role
 * allocates and another frees: every free is a remote free, and how an
 * allocator handles blocks coming home from other threads is all there
 * is to measure.
 */
#include "common/units.h"
#include "workloads/engine.h"
#include "workloads/generators/gen_common.h"
#include "workloads/queue.h"

struct produce_params {
	struct bound bound;
	struct dist sizes;
	struct touch touch;
	struct calls calls;
	int queue;
};
_Static_assert(sizeof(struct produce_params) <= WORKLOAD_PARAMS_MAX, "produce fits");

#define P(member) offsetof(struct produce_params, member)
static const struct key_def keys[] = {
    GEN_BOUND_KEYS(struct produce_params, bound, "ops", "blocks made per thread"),
    {"queue", KEY_QUEUE, KEY_REQUIRED | KEY_PUSH, P(queue), 0, 0, NULL, NULL,
     "the queue the blocks go to, in batches of its batch size", NULL},
    {"sizes", KEY_SIZES, KEY_REQUIRED, P(sizes), 0, 0, NULL, NULL, "block sizes", NULL},
    {"touch", KEY_TOUCH, 0, P(touch), 0, 0, "full", NULL, "how blocks are written", NULL},
    {"calls", KEY_CALLS, 0, P(calls), 0, 0, "malloc", NULL, "which calls make the blocks", NULL},
    {0},
};

/* A bounded queue holds at most its capacity in batches, plus the batch
 * each producer is filling. An unbounded one holds what the consumers
 * leave behind, which depends on their speed: counted as the batches in
 * hand only, and the message says so. */
static int check(struct gen_check *c)
{
	const struct produce_params *p = c->params;
	const struct queue_def *q = &c->k->phase->queues[p->queue];
	double batches = (double)c->max_threads + (double)q->capacity;
	gen_check_window(c, &p->sizes, batches * (double)q->batch, 1);
	if (!q->capacity) {
		size_t n = strlen(c->why);
		snprintf(c->why + n, sizeof(c->why) - n,
		         ", and what consumers leave in unbounded queue '%s'", q->name);
	}
	if (q->carrier) {
		double carrier = (double)(sizeof(void *) * (q->batch + 1));
		c->mean_bytes += batches * carrier;
	}
	return 0;
}

static int run(struct gen_ctx *ctx)
{
	const struct produce_params *p = ctx->params;
	struct queue *q = ctx->queues[p->queue];
	uint32_t size = queue_batch_size(q);
	struct queue_batch *b = NULL;
	struct gen_pace pace;
	struct rng r;
	int rc = 0;

	gen_seed(ctx, &r, 0);
	gen_pace_start(&pace, &p->bound);
	for (uint64_t i = 0; !rc && gen_more(&pace, i); i++) {
		if (!b && (!(b = queue_batch_get(ctx, q, &rc)) || rc))
			break;
		int call = gen_pick_call(&p->calls, &r);
		rc = gen_make(ctx, &b->blocks[b->n], gen_draw(ctx, &p->sizes, &r), call,
		              p->calls.alignment, &p->touch);
		if (rc)
			break;
		scoreboard_step(ctx->slot);
		if (++b->n == size) {
			queue_push(q, b);
			b = NULL;
		}
	}
	/* What was made goes on, even after a failure: consumers free it. */
	if (b && b->n)
		queue_push(q, b);
	else if (b)
		queue_release(ctx, q, b);
	queue_producer_done(q);
	engine_checkpoint(ctx);
	return rc;
}

const struct gen_def gen_produce = {
    .name = "produce",
    .summary = "threads that only allocate, sending blocks to a queue in batches",
    .doc = "Each thread makes blocks (sizes, calls, touch) and pushes them to `queue` in "
           "batches of the queue's batch size, waiting while a bounded queue is full; "
           "a consume role frees them. xmalloc-test's allocator threads; with one "
           "producer and many consumers, or many and one, the queue is many-to-one.",
    .keys = keys,
    .params_size = sizeof(struct produce_params),
    .kind = WORKLOAD_PHASE_WORK,
    .threads = GEN_THREADED,
    .min_threads = 1,
    .check = check,
    .run = run,
};
