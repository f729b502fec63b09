/* cell.h - the record of one cell: workload x threads x allocator x rep,
 * as the driver fills it while the cell runs.
 *
 * The struct is generated from CELL_FIELDS (metrics.h): one member per
 * string and per stored figure, named by its key. Integers use -1 for n/a,
 * reals NaN; virtual figures have no member.
 */
#ifndef WIMM_CELL_H
#define WIMM_CELL_H

#include <stdint.h>

#include "bench/results/metrics.h"

#define CELL_S_(key, size, doc) char key[size];
#define CELL_M_(key, type, ...) CELL_MEMBER_##type(key)
#define CELL_MEMBER_I(key) int64_t key;
#define CELL_MEMBER_F(key) double key;
#define CELL_MEMBER_V(key)
struct cell_record {
	CELL_FIELDS(CELL_S_, CELL_M_)
};
#undef CELL_S_
#undef CELL_M_

/* Sets every field to n/a (strings empty, I = -1, F = NaN). */
void cell_record_init(struct cell_record *c);

#endif
