/* queue.c - batches of blocks between roles (see queue.h). */
#include "workloads/queue.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "workloads/engine.h"

#define SLAB_BYTES (1 << 20) /* batch buffers are mapped this much at a time */

struct slab {
	struct slab *next;
	size_t bytes;
};

struct queue {
	pthread_mutex_t lock;
	pthread_cond_t not_empty, not_full, requests;
	struct queue_def def;
	struct queue_batch *head, *tail; /* pop at head; FIFO pushes at tail, LIFO at head */
	uint64_t count;                  /* batches queued */
	int producers_left;
	int fillers, requested;
	uint64_t demand;
	struct queue_batch *free; /* buffers to reuse */
	struct slab *slabs;
	size_t batch_bytes;
};

int queue_create(const struct queue_def *def, int producers, int fillers, struct queue **out)
{
	struct queue *q = engine_scratch_alloc(sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->def = *def;
	q->producers_left = producers;
	q->fillers = fillers;
	q->batch_bytes = sizeof(struct queue_batch) + (size_t)def->batch * sizeof(struct block);
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->not_empty, NULL);
	pthread_cond_init(&q->not_full, NULL);
	pthread_cond_init(&q->requests, NULL);
	*out = q;
	return 0;
}

void queue_destroy(struct queue *q)
{
	if (!q)
		return;
	for (struct slab *s = q->slabs, *next; s; s = next) {
		next = s->next;
		engine_scratch_free(s, s->bytes);
	}
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->not_empty);
	pthread_cond_destroy(&q->not_full);
	pthread_cond_destroy(&q->requests);
	engine_scratch_free(q, sizeof(*q));
}

uint32_t queue_batch_size(const struct queue *q) { return (uint32_t)q->def.batch; }

/* A new slab cut into buffers on the free list (lock held). */
static int grow(struct queue *q)
{
	size_t per = SLAB_BYTES / q->batch_bytes;
	if (per < 1)
		per = 1;
	size_t bytes = sizeof(struct slab) + per * q->batch_bytes;
	struct slab *s = engine_scratch_alloc(bytes);
	if (!s)
		return -ENOMEM;
	s->bytes = bytes;
	s->next = q->slabs;
	q->slabs = s;
	char *at = (char *)(s + 1);
	for (size_t i = 0; i < per; i++, at += q->batch_bytes) {
		struct queue_batch *b = (struct queue_batch *)at;
		b->next = q->free;
		q->free = b;
	}
	return 0;
}

/* xmalloc-test's batch is a malloc'd struct holding the object pointers,
 * made before its objects (so it lies below them in the heap) and filled
 * as they are made; here the pointers are written when it is pushed. */
static int make_carrier(struct gen_ctx *ctx, struct queue *q, struct queue_batch *b)
{
	uint64_t size = sizeof(void *) * (q->def.batch + 1);
	void **p = malloc(size);
	if (!p)
		return gen_fail(ctx, "malloc carrier", size);
	scoreboard_add(ctx->slot, (int64_t)size);
	p[0] = NULL;
	b->carrier = (struct block){.ptr = p, .size = size};
	return 0;
}

struct queue_batch *queue_batch_get(struct gen_ctx *ctx, struct queue *q, int *rc)
{
	pthread_mutex_lock(&q->lock);
	struct queue_batch *b = q->free;
	if (!b && grow(q) == 0)
		b = q->free;
	if (b) {
		q->free = b->next;
		b->next = NULL;
		b->n = b->taken = 0;
		b->carrier = (struct block){0};
	}
	pthread_mutex_unlock(&q->lock);
	*rc = b ? 0 : gen_fail(ctx, "mmap batch", q->batch_bytes);
	if (b && q->def.carrier)
		*rc = make_carrier(ctx, q, b); /* on failure the batch goes without one */
	return b;
}

void queue_push(struct queue *q, struct queue_batch *b)
{
	void **carrier = b->carrier.ptr;
	for (uint32_t i = 0; carrier && i < b->n; i++)
		carrier[i + 1] = b->blocks[i].ptr;
	pthread_mutex_lock(&q->lock);
	while (q->def.capacity && q->count >= q->def.capacity)
		pthread_cond_wait(&q->not_full, &q->lock);
	if (q->def.order == QUEUE_LIFO || !q->head) {
		b->next = q->head;
		q->head = b;
		if (!q->tail)
			q->tail = b;
	} else {
		b->next = NULL;
		q->tail->next = b;
		q->tail = b;
	}
	q->count++;
	pthread_cond_signal(&q->not_empty);
	pthread_mutex_unlock(&q->lock);
}

/* Unlinks the head (lock held, queue not empty). */
static struct queue_batch *unlink_head(struct queue *q)
{
	struct queue_batch *b = q->head;
	q->head = b->next;
	if (!q->head)
		q->tail = NULL;
	q->count--;
	pthread_cond_signal(&q->not_full);
	return b;
}

/* Waits for a batch or the end (lock held); false at the end. */
static bool wait_batch(struct queue *q)
{
	while (q->count == 0 && q->producers_left > 0)
		pthread_cond_wait(&q->not_empty, &q->lock);
	return q->count > 0;
}

struct queue_batch *queue_pop(struct queue *q)
{
	pthread_mutex_lock(&q->lock);
	struct queue_batch *b = wait_batch(q) ? unlink_head(q) : NULL;
	pthread_mutex_unlock(&q->lock);
	return b;
}

void queue_release(struct gen_ctx *ctx, struct queue *q, struct queue_batch *b)
{
	gen_free_block(ctx, &b->carrier);
	pthread_mutex_lock(&q->lock);
	b->next = q->free;
	q->free = b;
	pthread_mutex_unlock(&q->lock);
}

void queue_producer_done(struct queue *q)
{
	pthread_mutex_lock(&q->lock);
	if (--q->producers_left <= 0)
		pthread_cond_broadcast(&q->not_empty);
	pthread_mutex_unlock(&q->lock);
}

void queue_request(struct queue *q, uint64_t blocks)
{
	pthread_mutex_lock(&q->lock);
	q->demand += blocks;
	if (++q->requested >= q->fillers)
		pthread_cond_broadcast(&q->requests);
	pthread_mutex_unlock(&q->lock);
}

uint64_t queue_demand(struct queue *q)
{
	pthread_mutex_lock(&q->lock);
	while (q->requested < q->fillers)
		pthread_cond_wait(&q->requests, &q->lock);
	uint64_t d = q->demand;
	pthread_mutex_unlock(&q->lock);
	return d;
}

uint64_t queue_take(struct gen_ctx *ctx, struct queue *q, struct block *dst, uint64_t n)
{
	uint64_t got = 0;
	pthread_mutex_lock(&q->lock);
	while (got < n && wait_batch(q)) {
		struct queue_batch *b = q->head;
		uint64_t k = b->n - b->taken;
		if (k > n - got)
			k = n - got;
		memcpy(dst + got, b->blocks + b->taken, k * sizeof(*dst));
		b->taken += (uint32_t)k;
		got += k;
		if (b->taken == b->n) {
			unlink_head(q);
			gen_free_block(ctx, &b->carrier);
			b->next = q->free;
			q->free = b;
		}
	}
	pthread_mutex_unlock(&q->lock);
	return got;
}
