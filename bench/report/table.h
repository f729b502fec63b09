/* table.h - the tables of a run: one per workload and thread count, a row
 * per figure, a column per allocator, the median over the repetitions
 * that succeeded with its spread beside it. The same table is printed at
 * the end of a run and written into report.md and report.html.
 *
 * The spread is the range (min-max) of 2 to 4 repetitions and the
 * interquartile range of 5 or more, where one odd repetition would
 * otherwise stretch it; each row is printed with one precision (rowfmt.h).
 */
#ifndef WIMM_TABLE_H
#define WIMM_TABLE_H

#include <stdio.h>

#include "bench/results/rundir.h"

#define TABLE_CELL_MAX 112
struct table {
	int nrows, ncols;              /* ncols: the run's allocators */
	char (*label)[TABLE_CELL_MAX]; /* nrows */
	char (*cell)[TABLE_CELL_MAX];  /* nrows x ncols, row-major: "244.6 MiB (240.1-250.3)" */
	char note[160];                /* what the brackets hold; "" without repetitions */
};

/* The table of block b with the figures the metric table marks with show
 * (SHOW_TABLE or SHOW_REPORT), an optional one only when an allocator has
 * it, and a row of failed repetitions when any failed. Returns 0 or
 * -ENOMEM. */
int table_build(const struct rundir *rv, const struct rundir_block *b, unsigned show,
                struct table *t);
void table_free(struct table *t);

/* Every block's table as text, columns aligned; when the allocators do not
 * fit in width characters (0: no limit), each table is split into parts
 * that do, each repeating the row labels. */
void table_print(FILE *f, const struct rundir *rv, int width);

/* The width to print for on f: its terminal's, else $COLUMNS, else 0. */
int table_width(FILE *f);

#endif
