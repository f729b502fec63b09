/* churn_loop.c - the churn generator's malloc/free sequence with nothing
 * else: no scoreboard, no threads, no checkpoint. It loads the same
 * workload file and replays thread 0's stream of the first churn or stamps
 * phase (same seed, same sizes, same order, every byte written), and prints
 * its operations per second. scripts/overhead.py compares the worker
 * against it to measure what the harness's bookkeeping costs.
 *
 *   churn_loop WORKLOAD.yaml     ->  "ops N seconds S ops_per_s R"
 */
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

int main(int argc, char **argv)
{
	static struct workload w;
	char err[1024];
	if (argc != 2 || workload_load(argv[1], &w, err, sizeof(err))) {
		fprintf(stderr, "usage: churn_loop WORKLOAD.yaml%s%s\n", argc == 2 ? ": " : "",
		        argc == 2 ? err : "");
		return 2;
	}
	/* The first churn phase (or stamps without handoff): ops, live and
	 * sizes through the generator's key table. */
	int index = -1;
	const struct role *role = NULL;
	for (int i = 0; i < w.nphases && index < 0; i++) {
		const struct role *r = &w.phases[i].roles[0];
		const char *g = workload_role_generator(r);
		double handoff = 0;
		workload_param_real(r, "handoff", &handoff);
		if (w.phases[i].nroles == 1 &&
		    (!strcmp(g, "churn") || (!strcmp(g, "stamps") && handoff == 0))) {
			index = i;
			role = r;
		}
	}
	if (index < 0) {
		fprintf(stderr, "churn_loop: %s has no churn phase (nor stamps without handoff)\n",
		        argv[1]);
		return 2;
	}
	uint64_t ops = 0, live = 0;
	workload_param_u64(role, "ops", &ops);
	workload_param_u64(role, "live", &live);
	const struct dist *sizes = workload_param_dist(role, "sizes");
	void **ring = calloc(live, sizeof(*ring));
	if (!ring)
		return 1;
	struct rng r;
	rng_seed(&r, w.seed, (uint64_t)index, 0);
	double t0 = now();
	for (uint64_t i = 0; i < live; i++) {
		uint64_t n = dist_draw(sizes, w.pool, &r);
		ring[i] = malloc(n);
		gen_touch(ring[i], 0x5a, n);
	}
	uint64_t slot = 0;
	for (uint64_t i = 0; i < ops; i++) {
		free(ring[slot]);
		uint64_t n = dist_draw(sizes, w.pool, &r);
		ring[slot] = malloc(n);
		gen_touch(ring[slot], 0x5a, n);
		if (++slot == live)
			slot = 0;
	}
	for (uint64_t i = 0; i < live; i++)
		free(ring[i]);
	double took = now() - t0;
	uint64_t n = 2 * live + 2 * ops;
	printf("ops %llu seconds %.6f ops_per_s %.1f\n", (unsigned long long)n, took,
	       (double)n / took);
	free(ring);
	return 0;
}
