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

#define SERIES_MAX_PHASES 17 /* workload phases + "start" */
#define SERIES_PHASE_NAME_MAX 48

/* X(column, C type, doc) ; phase is written as its name */
#define SERIES_COLUMNS(X)                                                  \
	X(t_s, double, "seconds since the child was started")              \
	X(rss_bytes, int64_t, "resident set size from /proc/PID/statm")    \
	X(heap_bytes, int64_t, "live bytes the workload holds (scoreboard)") \
	X(phase, int, "index of the phase the workload was in")

#define SERIES_FIELD_(name, type, doc) type name;
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
