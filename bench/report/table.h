/* table.h - the summary table printed at the end of a run: one block per
 * workload and thread count, one column per allocator, medians over the
 * repetitions that succeeded. */
#ifndef WIMM_TABLE_H
#define WIMM_TABLE_H

#include <stddef.h>
#include <stdio.h>

#include "bench/results/cell.h"

struct table_axes {
	const char *const *workloads; /* in run order */
	int nworkloads;
	const char *const *allocators; /* column order */
	int nallocators;
};

void table_print(FILE *f, const struct table_axes *axes, const struct cell_record *cells, size_t n);

#endif
