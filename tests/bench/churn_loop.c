/* churn_loop.c - the churn generator's malloc/free sequence with nothing
 * else: no scoreboard, no checkpoint. It loads the same workload file and
 * replays the stream of the first churn or stamps phase (same seed, same
 * sizes, same order, every byte written) of THREADS threads (default 1),
 * each its own, as the worker's thread i does, and prints the operations
 * per second of all of them. scripts/overhead.py compares the worker
 * against it to measure what the harness's bookkeeping costs.
 *
 *   churn_loop WORKLOAD.yaml [THREADS]  ->  "ops N seconds S ops_per_s R"
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "workloads/generators/gen_common.h"
#include "workloads/workload.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static struct workload w;
static int index_ = -1;

/* One thread's stream: thread tid of the phase. Returns its operations. */
static void *replay(void *arg)
{
	uint64_t tid = (uint64_t)(uintptr_t)arg;
	/* churn and stamps share the layout of ops, live and sizes. */
	const struct phase *ph = &w.phases[index_];
	uint64_t ops = ph->gen == GEN_CHURN ? ph->u.churn.ops : ph->u.stamps.ops;
	uint64_t live = ph->gen == GEN_CHURN ? ph->u.churn.live : ph->u.stamps.live;
	const struct size_dist *sizes =
	    ph->gen == GEN_CHURN ? &ph->u.churn.sizes : &ph->u.stamps.sizes;
	void **ring = calloc(live, sizeof(*ring));
	if (!ring)
		abort();
	struct rng r;
	rng_seed(&r, w.seed, (uint64_t)index_, tid);
	double total = gen_total_weight(sizes);
	for (uint64_t i = 0; i < live; i++) {
		uint64_t n = gen_pick_size(&r, sizes, total);
		ring[i] = malloc(n);
		gen_touch(ring[i], 0x5a, n);
	}
	uint64_t slot = 0;
	for (uint64_t i = 0; i < ops; i++) {
		free(ring[slot]);
		uint64_t n = gen_pick_size(&r, sizes, total);
		ring[slot] = malloc(n);
		gen_touch(ring[slot], 0x5a, n);
		if (++slot == live)
			slot = 0;
	}
	for (uint64_t i = 0; i < live; i++)
		free(ring[i]);
	free(ring);
	return (void *)(uintptr_t)(2 * live + 2 * ops);
}

int main(int argc, char **argv)
{
	char err[1024];
	int threads = argc == 3 ? atoi(argv[2]) : 1;
	if (argc < 2 || argc > 3 || threads < 1 || threads > WORKLOAD_MAX_THREADS ||
	    workload_load(argv[1], &w, err, sizeof(err))) {
		fprintf(stderr, "usage: churn_loop WORKLOAD.yaml [THREADS]%s%s\n",
		        argc >= 2 ? ": " : "", argc >= 2 ? err : "");
		return 2;
	}
	for (int i = 0; i < w.nphases && index_ < 0; i++)
		if (w.phases[i].gen == GEN_CHURN ||
		    (w.phases[i].gen == GEN_STAMPS && w.phases[i].u.stamps.handoff == 0))
			index_ = i;
	if (index_ < 0) {
		fprintf(stderr, "churn_loop: %s has no churn phase (nor stamps without handoff)\n",
		        argv[1]);
		return 2;
	}
	pthread_t t[WORKLOAD_MAX_THREADS];
	double t0 = now();
	for (int i = 0; i < threads; i++)
		if (pthread_create(&t[i], NULL, replay, (void *)(uintptr_t)i))
			return 1;
	uint64_t n = 0;
	for (int i = 0; i < threads; i++) {
		void *ops;
		pthread_join(t[i], &ops);
		n += (uint64_t)(uintptr_t)ops;
	}
	double took = now() - t0;
	printf("ops %llu seconds %.6f ops_per_s %.1f\n", (unsigned long long)n, took,
	       (double)n / took);
	return 0;
}
