/* history.h - every run's summary, appended to OUT_ROOT/history/<testbed>.csv
 * so that `wimm plot --history` can draw each metric over time.
 *
 * One line per (workload, threads, allocator) of a run, with the medians
 * over the repetitions that succeeded. Columns (HISTORY_HEADER); an empty
 * field is n/a, threads is empty for `wimm exec` runs, and
 * wall_ratio_to_glibc is the median over repetitions of wall_s / glibc's
 * wall_s in the same repetition, workload and threads (empty when glibc did
 * not run; 1 for glibc itself).
 *
 * The directory is ignored by git unless a user commits it. Interrupted
 * runs are left out: their medians cover only what had finished.
 */
#ifndef WIMM_HISTORY_H
#define WIMM_HISTORY_H

#include <stddef.h>

#include "bench/results/rundata.h"

#define HISTORY_HEADER                                                                             \
	"run_id,started_utc,wimm_version,testbed,workload,threads,allocator,reps_ok,"              \
	"peak_rss_bytes,peak_heap_bytes,blowup,idle_end_rss_bytes,wall_s,"                         \
	"wall_ratio_to_glibc"

/* The history lines of run d (without the header) in a malloc'ed string.
 * Returns 0 or -ENOMEM. */
int history_format(const struct rundata *d, char **text, size_t *len);

/* Appends the run in run_dir to out_root/history/<testbed>.csv, creating
 * the directory and the file (with its header) when needed. Never fails a
 * run: returns 0, 1 when the run was left out (interrupted), or -errno
 * after logging a warning that says why. */
int history_append(const char *out_root, const char *run_dir);

#endif
