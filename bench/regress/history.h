/* history.h - every run's summary, appended to OUT_ROOT/history/<testbed>.csv
 * so that `wimm plot --history` can draw each figure over time.
 *
 * One line per (workload, threads, allocator) of a run, with the medians
 * over the repetitions that succeeded. Columns: the keys (HISTORY_KEYS),
 * then, for each figure the metric table marks SHOW_HISTORY, its median
 * (named by its key) and, after one compare judges as a ratio to glibc,
 * that ratio's median over the repetitions (<stem>_ratio_to_glibc: 1 for
 * glibc itself, empty when glibc did not run). An empty field is n/a;
 * threads is empty for `wimm exec` runs.
 *
 * A history written by a version with other figures is rewritten with the
 * union of the columns, each row keeping its values by column name, before
 * the new lines are added: adding a figure to the table never orphans a
 * history. The directory is ignored by git unless a user commits it.
 * Interrupted runs are left out: their medians cover only what had finished.
 */
#ifndef WIMM_HISTORY_H
#define WIMM_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "bench/results/rundir.h"

#define HISTORY_KEYS "run_id,started_utc,wimm_version,testbed,workload,threads,allocator,reps_ok"
#define HISTORY_MAX_COLUMNS 32
/* About 300,000 rows: years of runs. A larger file is not a history. */
#define HISTORY_MAX_FILE (64 << 20)

/* A figure column of the history. */
struct history_column {
	char name[64];
	int metric; /* enum metric_id */
	bool ratio; /* the ratio to the reference, not the figure itself */
};

/* The figure columns, in order. Returns how many. */
int history_columns(const struct history_column **cols);

/* The header line (without its newline). */
const char *history_header(void);

/* The history lines of run d (without the header) in a malloc'ed string.
 * Returns 0 or -ENOMEM. */
int history_format(const struct rundir *d, char **text, size_t *len);

/* Appends the run in run_dir to out_root/history/<testbed>.csv, creating
 * the directory and the file (with its header) when needed, rewriting one
 * with other columns. Never fails a run: returns 0, 1 when the run was left
 * out (interrupted), or -errno after logging a warning that says why. */
int history_append(const char *out_root, const char *run_dir);

/* ---- reading (history_read.c) ---- */

/* Splits one CSV line in place (RFC 4180 quotes); returns the fields. */
int history_csv_split(char *line, char **fields, int max);

struct history_row {
	int run, group, alloc;
	double v[HISTORY_MAX_COLUMNS]; /* by figure column; NaN = n/a */
};

/* More than these is not a history a figure could show: refused. */
#define HISTORY_MAX_GROUPS 1024
#define HISTORY_MAX_ALLOCS 256

struct history {
	char (*runs)[WIMM_NAME_MAX], (*started)[32]; /* in the order they started */
	int nruns;
	struct {
		char workload[WIMM_NAME_MAX];
		int threads;
	} * groups;
	int ngroups;
	char (*allocs)[WIMM_NAME_MAX];
	int nallocs;
	struct history_row *rows;
	size_t nrows;
	struct strmap run_map, group_map, alloc_map; /* indices by name */
};

/* Reads a history file: a regular file under HISTORY_MAX_FILE whose header
 * names the key columns; figure columns are found by name (one the file
 * lacks is n/a). Names must be names and figures numbers in their range,
 * else an error naming FILE:LINE and the field. Runs are numbered in the
 * order they started. Returns 0, -EINVAL (err says why) or -ENOMEM. */
int history_read(const char *path, struct history *h, char *err, size_t errlen);
void history_free(struct history *h);

#endif
