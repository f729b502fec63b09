/* matrix.h - the cells of a run and the order they run in.
 *
 * Cells are grouped by repetition round; within a round their order is
 * shuffled with a seeded PRNG, so slow drift of the machine (thermal,
 * page cache, other tenants) does not always land on the same allocator,
 * and the order can be replayed from the seed in meta.json.
 */
#ifndef WIMM_MATRIX_H
#define WIMM_MATRIX_H

#include <stddef.h>
#include <stdint.h>

struct plan_cell {
	int workload; /* index into the run's workloads */
	int threads;
	int allocator; /* index into the run's allocators */
	int rep;       /* from 1 */
};

/* axis[w] / naxis[w]: thread counts of workload w. Returns 0 or -ENOMEM;
 * free *out with free(). */
int matrix_build(int nworkloads, const int *const *axis, const int *naxis, int nallocators,
                 int reps, uint64_t seed, struct plan_cell **out, size_t *n);

/* Sharding: a run split over several machines (--shard K/N), each running
 * a deterministic share of the cells, later put together by `wimm merge`.
 *
 * The unit of a share is one repetition of one workload at one thread
 * count, with every allocator: the ratios to glibc pair cells of the same
 * repetition, which must then come from the same machine. Repetitions of
 * a workload and thread count are units of their own, so they spread over
 * the shards. Units are dealt longest first (by expected cost, ties in
 * workload, threads, repetition order), each to the shard with the least
 * expected cost so far: every shard computes the same deal from the same
 * command and files, and runs its own part of it. */
#define MATRIX_SHARDS_MAX 1000

struct matrix_shard {
	int index, count;      /* K and N, 1 <= K <= N; count 0: no sharding */
	uint64_t plan;         /* fingerprint of the whole deal: names, units, shards */
	size_t units_total;    /* units of every shard together */
	double cost, cost_all; /* expected cost of this shard's units, of all */
};

/* Parses "K/N" (whole numbers, 1 <= K <= N <= MATRIX_SHARDS_MAX) into sh.
 * Returns 0 or -EINVAL with a message in err. */
int matrix_shard_parse(const char *arg, struct matrix_shard *sh, char *err, size_t errlen);

/* The expected cost of one cell of workload w at threads t (any unit,
 * seconds say); > 0. */
typedef double (*matrix_cost_fn)(void *ctx, int workload, int threads);

/* Keeps in cells[0..*n) (as matrix_build made them, order kept) those of
 * shard sh->index of sh->count, and fills the rest of sh. The deal does not
 * depend on the allocators (a unit has them all), so a plan of one
 * allocator gives the same deal and fingerprint as the full one. The
 * workloads' names enter the fingerprint. Returns 0 or -ENOMEM. */
int matrix_shard_select(struct plan_cell *cells, size_t *n, const char *const *workloads,
                        matrix_cost_fn cost, void *ctx, struct matrix_shard *sh);

#endif
