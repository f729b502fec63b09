/* queue.h - a queue of batches of blocks between the roles of a phase.
 *
 * Producers fill a batch (up to the queue's batch size) and push it;
 * consumers pop whole batches (and free their blocks) or take single
 * blocks (to start a window). Bounded queues make producers wait while
 * they are full, as a bounded producer/consumer queue in a program does;
 * unbounded ones grow. A mutex and two condition variables, like the
 * programs it models (xmalloc-test): the queue's cost is part of what is
 * measured, not hidden by a cleverer structure.
 *
 * Everything lives in mmap'd scratch (the allocator under test sees only
 * the blocks), and the optional carrier, a malloc'd array of the batch's
 * pointers, is made by the producer and freed by the consumer.
 */
#ifndef WIMM_QUEUE_H
#define WIMM_QUEUE_H

#include <stdint.h>

#include "workloads/generators/gen_common.h"
#include "workloads/workload.h"

struct queue_batch {
	struct queue_batch *next;
	uint32_t n, taken; /* blocks in it; taken from the front by queue_take */
	struct block carrier;
	struct block blocks[];
};

struct queue;

/* A queue for `producers` pushing threads and `fillers` threads that will
 * call queue_request; 0 or -ENOMEM. */
int queue_create(const struct queue_def *def, int producers, int fillers, struct queue **out);
void queue_destroy(struct queue *q); /* NULL is a no-op */

/* An empty batch to fill (n = 0), with its carrier made when the queue
 * has carriers (counted in ctx's slot). NULL when scratch memory ran out;
 * *rc is 0 or -ENOMEM with the message written (a batch whose carrier
 * failed is returned, without one). */
struct queue_batch *queue_batch_get(struct gen_ctx *ctx, struct queue *q, int *rc);
uint32_t queue_batch_size(const struct queue *q);

/* Pushes a filled batch, waiting while a bounded queue is full. */
void queue_push(struct queue *q, struct queue_batch *b);

/* The next batch (FIFO or LIFO, as the queue says), waiting while it is
 * empty and open; NULL once every producer is done and it is empty. The
 * consumer frees its blocks, then hands it back with queue_release, which
 * frees the carrier (counted in the consumer's slot). */
struct queue_batch *queue_pop(struct queue *q);
void queue_release(struct gen_ctx *ctx, struct queue *q, struct queue_batch *b);

/* A producer thread is done; the last one closes the queue. */
void queue_producer_done(struct queue *q);

/* Demand-driven feeding (prefill): each filler announces how many blocks
 * it will take; queue_demand waits for all of them and returns the sum. */
void queue_request(struct queue *q, uint64_t blocks);
uint64_t queue_demand(struct queue *q);

/* Takes up to n blocks into dst, across batches, waiting for them; fewer
 * only once the queue is closed and empty. Returns the count. */
uint64_t queue_take(struct gen_ctx *ctx, struct queue *q, struct block *dst, uint64_t n);

#endif
