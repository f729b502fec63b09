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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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
static uint64_t ops_, live_;
static const struct dist *sizes_;

/* One thread's stream: thread tid of the phase. Returns its operations. */
static void *replay(void *arg)
{
	uint64_t tid = (uint64_t)(uintptr_t)arg;
	void **ring = calloc(live_, sizeof(*ring));
	if (!ring)
		abort();
	struct rng r;
	rng_seed(&r, w.seed, (uint64_t)index_, tid);
	for (uint64_t i = 0; i < live_; i++) {
		uint64_t n = dist_draw(sizes_, w.pool, &r);
		ring[i] = malloc(n);
		gen_touch(ring[i], 0x5a, n);
	}
	uint64_t slot = 0;
	for (uint64_t i = 0; i < ops_; i++) {
		free(ring[slot]);
		uint64_t n = dist_draw(sizes_, w.pool, &r);
		ring[slot] = malloc(n);
		gen_touch(ring[slot], 0x5a, n);
		if (++slot == live_)
			slot = 0;
	}
	for (uint64_t i = 0; i < live_; i++)
		free(ring[i]);
	free(ring);
	return (void *)(uintptr_t)(2 * live_ + 2 * ops_);
}

/* The first churn phase (or stamps without handoff): ops, live and sizes
 * through the generator's key table. Returns 0 or -1. */
static int find_phase(void)
{
	for (int i = 0; i < w.nphases; i++) {
		const struct role *r = &w.phases[i].roles[0];
		const char *g = workload_role_generator(r);
		double handoff = 0;
		workload_param_real(r, "handoff", &handoff);
		if (w.phases[i].nroles == 1 &&
		    (!strcmp(g, "churn") || (!strcmp(g, "stamps") && handoff == 0))) {
			index_ = i;
			workload_param_u64(r, "ops", &ops_);
			workload_param_u64(r, "live", &live_);
			sizes_ = workload_param_dist(r, "sizes");
			return sizes_ && live_ ? 0 : -1;
		}
	}
	return -1;
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
	if (find_phase() < 0) {
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
