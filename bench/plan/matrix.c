/* matrix.c - build and shuffle the cell list (see matrix.h). */
#include "bench/plan/matrix.h"

#include <errno.h>
#include <stdlib.h>

/* splitmix64: enough for a shuffle, and stable across platforms. */
static uint64_t next(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

int matrix_build(int nworkloads, const int *const *axis, const int *naxis, int nallocators,
                 int reps, uint64_t seed, struct plan_cell **out, size_t *nout)
{
	size_t per_round = 0;
	for (int w = 0; w < nworkloads; w++)
		per_round += (size_t)naxis[w] * (size_t)nallocators;
	struct plan_cell *cells = calloc(per_round * (size_t)reps + 1, sizeof(*cells));
	if (!cells)
		return -ENOMEM;
	size_t n = 0;
	uint64_t state = seed;
	for (int rep = 1; rep <= reps; rep++) {
		size_t first = n;
		for (int w = 0; w < nworkloads; w++)
			for (int t = 0; t < naxis[w]; t++)
				for (int a = 0; a < nallocators; a++)
					cells[n++] = (struct plan_cell){w, axis[w][t], a, rep};
		/* Fisher-Yates within the round. */
		for (size_t i = n - 1; i > first; i--) {
			size_t j = first + (size_t)(next(&state) % (i - first + 1));
			struct plan_cell tmp = cells[i];
			cells[i] = cells[j];
			cells[j] = tmp;
		}
	}
	*out = cells;
	*nout = n;
	return 0;
}
