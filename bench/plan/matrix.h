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

#endif
