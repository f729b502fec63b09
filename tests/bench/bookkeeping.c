/* bookkeeping.c - what the worker's per-operation bookkeeping costs, alone:
 * scoreboard_add as the generators call it (live bytes, operation count,
 * the slot's peak, the shared heap total every SCOREBOARD_FLUSH_BYTES)
 * against the same two relaxed stores without peak tracking, in a loop
 * that does nothing else (no malloc), so that the difference is the
 * tracking's own. scripts/overhead.py prints it.
 *
 *   bookkeeping THREADS OPS  ->  "threads T plain_ns P tracked_ns Q flush_bytes B"
 *
 * Each thread replaces the oldest of a ring of 16384 sizes drawn as the
 * stamps preset draws them (70% 16-256 B, 25% 256 B-4 KiB, 5% 4-64 KiB):
 * a free and a malloc's worth of bookkeeping per operation, ns per
 * bookkeeping call from the thread's CPU time, the median thread's.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#include "common/scoreboard.h"

#define RING 16384

static struct scoreboard *sb;
static long ops;
static pthread_barrier_t start;

/* The bookkeeping before peak tracking: the reference. */
static inline void plain_add(struct sb_slot *slot, int64_t delta)
{
	atomic_store_explicit(&slot->live_bytes,
	                      atomic_load_explicit(&slot->live_bytes, memory_order_relaxed) + delta,
	                      memory_order_relaxed);
	atomic_store_explicit(&slot->ops,
	                      atomic_load_explicit(&slot->ops, memory_order_relaxed) + 1,
	                      memory_order_relaxed);
}

static double thread_cpu(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static uint32_t draw(uint64_t *s)
{
	*s ^= *s << 13, *s ^= *s >> 7, *s ^= *s << 17;
	unsigned x = (unsigned)(*s % 100);
	return (uint32_t)(x < 70 ? 16 + *s % 241 : x < 95 ? 256 + *s % 3841 : 4096 + *s % 61441);
}

static struct {
	double plain_ns, tracked_ns;
} results[SCOREBOARD_SLOTS];

static void *thread_main(void *arg)
{
	int tid = (int)(intptr_t)arg;
	struct sb_slot *slot = &sb->slots[tid];
	static __thread uint32_t ring[RING];
	uint64_t s = 0x9e3779b97f4a7c15ULL * (uint64_t)(tid + 1);
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < RING; i++)
			ring[i] = draw(&s);
		pthread_barrier_wait(&start);
		double t0 = thread_cpu();
		for (long i = 0; i < ops; i++) {
			long k = i % RING;
			uint32_t n = draw(&s);
			if (pass == 0) {
				plain_add(slot, -(int64_t)ring[k]);
				plain_add(slot, n);
			} else {
				scoreboard_add(slot, -(int64_t)ring[k]);
				scoreboard_add(slot, n);
			}
			ring[k] = n;
		}
		double ns = (thread_cpu() - t0) / (double)(2 * ops) * 1e9;
		if (pass == 0)
			results[tid].plain_ns = ns;
		else
			results[tid].tracked_ns = ns;
	}
	return NULL;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	int fd, n = argc == 3 ? atoi(argv[1]) : 0;
	ops = argc == 3 ? atol(argv[2]) : 0;
	if (n < 1 || n > SCOREBOARD_SLOTS || ops < 1) {
		fprintf(stderr, "usage: bookkeeping THREADS OPS\n");
		return 2;
	}
	if (scoreboard_create(&sb, &fd))
		return 1;
	pthread_barrier_init(&start, NULL, (unsigned)n);
	pthread_t t[SCOREBOARD_SLOTS];
	for (int i = 0; i < n; i++)
		pthread_create(&t[i], NULL, thread_main, (void *)(intptr_t)i);
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	double plain[SCOREBOARD_SLOTS], tracked[SCOREBOARD_SLOTS];
	for (int i = 0; i < n; i++) {
		plain[i] = results[i].plain_ns;
		tracked[i] = results[i].tracked_ns;
	}
	qsort(plain, (size_t)n, sizeof(double), by_value);
	qsort(tracked, (size_t)n, sizeof(double), by_value);
	printf("threads %d plain_ns %.2f tracked_ns %.2f flush_bytes %d\n", n, plain[n / 2],
	       tracked[n / 2], SCOREBOARD_FLUSH_BYTES);
	return 0;
}
