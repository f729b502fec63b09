/* ex_tiles.c - an example program to record: SExtractor's tile cache in
 * small. One detection thread reads an image tile by tile through an LRU
 * cache with a byte budget and queues the sources it finds (small
 * objects); THREADS measurement threads take sources from the unbounded
 * queue, reload the tile themselves when detection has evicted it, cut a
 * stamp, work on it and free it. Measuring costs more than detecting, so
 * the measurement threads lag and tiles get allocated by several threads:
 * under glibc each thread's arena ends up holding up to the budget.
 *
 *   ex_tiles [THREADS [TILES [BUDGET_MIB [WORK]]]]   (default 1 512 32 200)
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "include/wimm.h"

#define TILE (256 << 10)
#define SOURCES 8
#define NIL UINT32_MAX

struct src {
	void *object;
	uint32_t tile;
	uint32_t stamp;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready = PTHREAD_COND_INITIALIZER;
static char **tiles;
static uint32_t *prev, *next, head = NIL, tail = NIL, ntiles = 512;
static uint64_t loaded, budget = 32ull << 20;
static struct src *queue;
static size_t queued, taken;
static int done, work = 200;
static volatile unsigned sink;

static void unlink_tile(uint32_t i)
{
	if (prev[i] != NIL)
		next[prev[i]] = next[i];
	else
		head = next[i];
	if (next[i] != NIL)
		prev[next[i]] = prev[i];
	else
		tail = prev[i];
	prev[i] = next[i] = NIL;
}

static void push_head(uint32_t i)
{
	prev[i] = NIL;
	next[i] = head;
	if (head != NIL)
		prev[head] = i;
	head = i;
	if (tail == NIL)
		tail = i;
}

/* With the lock held: the tile, loaded (evicting the least recently used
 * ones over the budget) and made most recent. */
static char *get_tile(uint32_t i)
{
	if (tiles[i]) {
		unlink_tile(i);
		push_head(i);
		return tiles[i];
	}
	while (loaded + TILE > budget && tail != NIL) {
		uint32_t old = tail;
		unlink_tile(old);
		free(tiles[old]);
		tiles[old] = NULL;
		loaded -= TILE;
	}
	tiles[i] = malloc(TILE);
	memset(tiles[i], (int)i, TILE);
	loaded += TILE;
	push_head(i);
	return tiles[i];
}

static void *measure(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&lock);
		while (taken == queued && !done)
			pthread_cond_wait(&ready, &lock);
		if (taken == queued) {
			pthread_mutex_unlock(&lock);
			return NULL;
		}
		struct src s = queue[taken++];
		char *t = get_tile(s.tile);
		char *stamp = malloc(s.stamp);
		memcpy(stamp, t, s.stamp);
		pthread_mutex_unlock(&lock);
		unsigned sum = 0;
		for (int w = 0; w < work; w++)
			for (uint32_t k = 0; k < s.stamp; k += 64)
				sum += (unsigned char)stamp[k] + (unsigned)w;
		sink = sum;
		free(stamp);
		free(s.object);
	}
}

int main(int argc, char **argv)
{
	int nthreads = argc > 1 ? atoi(argv[1]) : 1;
	if (argc > 2)
		ntiles = (uint32_t)atoi(argv[2]);
	if (argc > 3)
		budget = (uint64_t)atoi(argv[3]) << 20;
	if (argc > 4)
		work = atoi(argv[4]);
	if (nthreads < 0 || nthreads > 64 || ntiles < 1 || budget < TILE) {
		fprintf(stderr, "usage: ex_tiles [THREADS [TILES [BUDGET_MIB [WORK]]]]\n");
		return 2;
	}
	tiles = calloc(ntiles, sizeof(*tiles));
	prev = malloc(ntiles * sizeof(*prev));
	next = malloc(ntiles * sizeof(*next));
	queue = malloc((size_t)ntiles * SOURCES * sizeof(*queue));
	for (uint32_t i = 0; i < ntiles; i++)
		prev[i] = next[i] = NIL;
	wimm_phase("work");
	pthread_t th[64];
	for (int i = 0; i < nthreads; i++)
		pthread_create(&th[i], NULL, measure, NULL);
	uint64_t seed = 42;
	for (uint32_t i = 0; i < ntiles; i++) {
		pthread_mutex_lock(&lock);
		char *t = get_tile(i);
		unsigned sum = 0;
		for (uint32_t k = 0; k < TILE; k += 256)
			sum += (unsigned char)t[k];
		sink = sum;
		for (int s = 0; s < SOURCES; s++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			struct src src = {malloc(64 + (seed >> 58) * 8), i,
			                  (uint32_t)(4096 + ((seed >> 40) % 28672))};
			memset(src.object, 1, 64);
			if (nthreads) {
				queue[queued++] = src;
			} else {
				char *stamp = malloc(src.stamp);
				memcpy(stamp, t, src.stamp);
				free(stamp);
				free(src.object);
			}
		}
		pthread_cond_broadcast(&ready);
		pthread_mutex_unlock(&lock);
	}
	pthread_mutex_lock(&lock);
	done = 1;
	pthread_cond_broadcast(&ready);
	pthread_mutex_unlock(&lock);
	for (int i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	wimm_phase("free");
	for (uint32_t i = 0; i < ntiles; i++)
		free(tiles[i]);
	free(tiles);
	free(prev);
	free(next);
	free(queue);
	return 0;
}
