/* ex_churn.c - an example program to record: THREADS threads (default 4),
 * each replacing blocks of a live window OPS times (sizes 16 B to 4 KiB),
 * handing every HANDOFF-th block to the next thread, which frees it; a
 * realloc now and then; two phases marked. Deterministic per thread.
 *
 *   ex_churn [THREADS [OPS [LIVE [HANDOFF]]]]
 *
 * EX_CHURN_KILL_AFTER=N: thread 0 kills the process (SIGKILL) after N
 * operations, for the tests of a recording cut short.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "include/wimm.h"

#define MAX_THREADS 64
#define QUEUE 1024

static int nthreads = 4, handoff = 7;
static long kill_after = -1;
static long ops = 200000, live = 1024;

/* One single-producer single-consumer ring per thread: blocks handed to it. */
struct ring {
	_Atomic unsigned long head, tail;
	void *slot[QUEUE];
};
static struct ring rings[MAX_THREADS];
static _Atomic int producers_done;

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void drain(struct ring *r)
{
	unsigned long t = atomic_load(&r->tail),
	              h = atomic_load_explicit(&r->head, memory_order_acquire);
	for (; t != h; t++)
		free(r->slot[t % QUEUE]);
	atomic_store_explicit(&r->tail, t, memory_order_release);
}

static void *worker(void *arg)
{
	int id = (int)(intptr_t)arg;
	uint64_t seed = 0x9e3779b97f4a7c15ull * (uint64_t)(id + 1);
	void **win = calloc((size_t)live, sizeof(void *));
	struct ring *out = &rings[(id + 1) % nthreads], *in = &rings[id];
	for (long i = 0; i < ops; i++) {
		long k = (long)(next_rand(&seed) % (uint64_t)live);
		size_t size = 16 + next_rand(&seed) % 4080;
		if (win[k]) {
			unsigned long h = atomic_load(&out->head);
			if (nthreads > 1 && i % handoff == 0 &&
			    h - atomic_load_explicit(&out->tail, memory_order_acquire) < QUEUE) {
				out->slot[h % QUEUE] = win[k];
				atomic_store_explicit(&out->head, h + 1, memory_order_release);
			} else if (i % 97 == 0) {
				win[k] = realloc(win[k], size);
				memset(win[k], 1, size);
				continue;
			} else {
				free(win[k]);
			}
		}
		win[k] = malloc(size);
		memset(win[k], 1, size);
		drain(in);
		if (i % 10000 == 0)
			wimm_step();
		if (id == 0 && i == kill_after)
			raise(SIGKILL);
	}
	atomic_fetch_add(&producers_done, 1);
	while (atomic_load(&producers_done) < nthreads)
		drain(in);
	drain(in);
	for (long k = 0; k < live; k++)
		free(win[k]);
	free(win);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc > 1)
		nthreads = atoi(argv[1]);
	if (argc > 2)
		ops = atol(argv[2]);
	if (argc > 3)
		live = atol(argv[3]);
	if (argc > 4)
		handoff = atoi(argv[4]);
	if (nthreads < 1 || nthreads > MAX_THREADS || ops < 1 || live < 1 || handoff < 1) {
		fprintf(stderr, "usage: ex_churn [THREADS [OPS [LIVE [HANDOFF]]]]\n");
		return 2;
	}
	const char *k = getenv("EX_CHURN_KILL_AFTER");
	if (k)
		kill_after = atol(k);
	wimm_phase("work");
	pthread_t th[MAX_THREADS];
	for (int i = 0; i < nthreads; i++)
		pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i);
	for (int i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	wimm_phase("teardown");
	char *s = strdup("done");
	puts(s);
	free(s);
	return 0;
}
