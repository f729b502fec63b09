/* markers_cost.c - what wimm.h's markers cost a program outside wimm: a
 * loop of ITERS iterations of a little work (a xorshift step and a store,
 * a few ns), with a wimm_step() per iteration and without, alternating
 * over ROUNDS rounds; and the first wimm_phase() (the lookup). Prints
 * each round's ns per iteration and the medians. For
 * scripts/markers_cost.py.
 *
 *     markers_cost [ITERS [ROUNDS]]
 *     markers_cost phases N     N phase markers, alternating two names, each
 *                               timed (run under `wimm exec`: what a marker
 *                               costs there, its reading included)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "include/wimm.h"

static volatile uint64_t sink;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* noinline: the same loop body in both, only the marker differs. */
__attribute__((noinline)) static double loop(long iters, int step)
{
	uint64_t x = 88172645463325252ULL;
	double t0 = now();
	for (long i = 0; i < iters; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		sink = x;
		if (step)
			wimm_step();
	}
	return (now() - t0) * 1e9 / (double)iters;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static int phases(int n)
{
	double *t = calloc((size_t)n, sizeof(*t));
	if (!t || n <= 0)
		return 2;
	for (int i = 0; i < n; i++) {
		double t0 = now();
		wimm_phase(i % 2 ? "odd" : "even");
		t[i] = (now() - t0) * 1e6;
	}
	qsort(t, (size_t)n, sizeof(double), cmp);
	printf("phase marker: median %.1f us, min %.1f, max %.1f over %d\n", t[n / 2], t[0],
	       t[n - 1], n);
	free(t);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "phases"))
		return phases(atoi(argv[2]));
	long iters = argc > 1 ? atol(argv[1]) : 50000000L;
	int rounds = argc > 2 ? atoi(argv[2]) : 11;
	if (iters <= 0 || rounds <= 0 || rounds > 101)
		return 2;
	double t0 = now();
	wimm_phase("first"); /* the lookup, once */
	double lookup_us = (now() - t0) * 1e6;
	double with[101], without[101];
	for (int r = 0; r < rounds; r++) {
		with[r] = loop(iters, 1);
		without[r] = loop(iters, 0);
		printf("round %d: %.3f ns/iteration with wimm_step, %.3f without\n", r + 1, with[r],
		       without[r]);
	}
	qsort(with, (size_t)rounds, sizeof(double), cmp);
	qsort(without, (size_t)rounds, sizeof(double), cmp);
	printf("median: %.3f ns with, %.3f ns without, ratio %.3f (spread %.3f-%.3f / "
	       "%.3f-%.3f)\nfirst wimm_phase (lookup): %.1f us\n",
	       with[rounds / 2], without[rounds / 2], with[rounds / 2] / without[rounds / 2],
	       with[0], with[rounds - 1], without[0], without[rounds - 1], lookup_us);
	return 0;
}
