/* plot_memory.h - the memory-over-time figure of each block of a run. */
#ifndef WIMM_PLOT_MEMORY_H
#define WIMM_PLOT_MEMORY_H

#include <stddef.h>
#include <sys/types.h>

#include "bench/report/plot_gp.h"

/* Writes the vars file of every block with a series into dir (RUN/plots)
 * and adds its job. Returns 0 or -errno (logged). */
int plot_memory_write(const struct rundir *d, const char *dir, enum plot_x x,
                      struct plot_jobs *jobs);

/* The columns of a series file the figure reads, and what a scan finds. */
enum {
	PLOT_COL_T,
	PLOT_COL_RSS,
	PLOT_COL_HEAP,
	PLOT_COL_IN_USE,
	PLOT_COL_SYSTEM,
	PLOT_NBYTES,                     /* the columns above are drawn in MiB */
	PLOT_COL_PROGRESS = PLOT_NBYTES, /* operations done: PLOT_X_WORK's axis */
	PLOT_COL_UNTOUCHED,              /* where.gp's: heap above RSS */
	PLOT_COL_UNSPLIT,                /* never all n/a in a series with the parts */
	PLOT_NCOLS
};

struct plot_scan {
	size_t rows;
	double max[PLOT_NCOLS]; /* -1: the column holds no value */
};

/* A series file (a regular file under SERIES_MAX_FILE) read for its rows
 * and each column's largest value; map[c] is the file's column of c.
 * Returns 0, -EINVAL when it is not a series (no t_s and rss_bytes column,
 * a value that is not a number, a line too long), or -errno. */
#define PLOT_SERIES_MAX_FILE ((off_t)1 << 30)
int plot_scan_series(const char *path, struct plot_scan *s, int *map);

#endif
