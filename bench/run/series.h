/* series.h - one cell's time series, sampled by the driver every interval.
 *
 * SERIES_COLUMNS generates the TSV header and writer. Rows live in the
 * driver's memory until the cell ends (the driver is not the measured
 * process, so its own allocations disturb nothing).
 */
#ifndef WIMM_SERIES_H
#define WIMM_SERIES_H

#include <stddef.h>
#include <stdint.h>

#include "common/limits.h"

#define SERIES_MAX_PHASES WIMM_SERIES_PHASES
#define SERIES_PHASE_NAME_MAX WIMM_NAME_MAX

/* X(column, C type, format, doc). Formats: time (seconds, 4 decimals),
 * bytes and count (integers; negative = n/a, written empty), phase (written
 * as its name). */
#define SERIES_COLUMNS(X)                                                                          \
	X(t_s, double, time, "seconds since the child was started")                                \
	X(rss_bytes, int64_t, bytes, "resident set size from /proc/PID/statm")                     \
	X(heap_bytes, int64_t, bytes, "live bytes the workload holds (scoreboard)")                \
	X(alloc_in_use_bytes, int64_t, bytes, "allocated bytes, as the allocator counts")          \
	X(alloc_system_bytes, int64_t, bytes, "bytes the allocator holds from the OS")             \
	X(alloc_resident_bytes, int64_t, bytes, "of those, resident, where it knows")              \
	X(arenas, int64_t, count, "the allocator's arena count (see README)")                      \
	X(progress, int64_t, count, "units of work done (iterations, ops, sources)")               \
	X(phase, int, phase, "index of the phase the workload was in")

#define SERIES_FIELD_(name, type, format, doc) type name;
struct sample {
	SERIES_COLUMNS(SERIES_FIELD_)
};
#undef SERIES_FIELD_

struct series {
	size_t n, cap;
	struct sample *rows;
	int nphases;
	char phase_names[SERIES_MAX_PHASES][SERIES_PHASE_NAME_MAX];
};

/* series_init/series_finish: caller owns the struct. */
void series_init(struct series *s);
void series_finish(struct series *s);
/* Appends a row. Returns 0 or -ENOMEM. */
int series_append(struct series *s, const struct sample *row);

#endif
