/* report.h - report.md and report.html of a run: the context, the summary
 * table, the figures and, for each workload, a few sentences computed from
 * the results that say what the numbers show.
 *
 * report.html is self-contained (the figures inlined as SVG, the style in
 * the page, no script), so it reads offline and can be mailed as one file.
 */
#ifndef WIMM_REPORT_H
#define WIMM_REPORT_H

#include <stdio.h>

#include "bench/report/plot.h"
#include "bench/results/rundir.h"

/* The end of `wimm run` / `wimm exec` and `wimm plot RUN_DIR`: reads the
 * run back, renders its figures (plot_run) and writes both reports. Says
 * on stderr where they are and, without gnuplot, how to render the figures.
 * Never touches the results; po->seconds is the whole step. Returns 0 when
 * the reports were written (with or without figures: po says), else -errno
 * (logged). po may be NULL. */
int report_run(const char *run_dir, struct plot_outcome *po);

/* ---- the parts, for the writers and the tests ---- */

/* Sentences about one workload, computed from the results. Returns how
 * many were written to out (each a plain-text line, at most max). */
#define REPORT_SENTENCE_MAX 640
int report_findings(const struct rundir *rv, const char *workload, char (*out)[REPORT_SENTENCE_MAX],
                    int max);

/* The table of one block: rows of figures, one column per allocator;
 * cells are formatted ("263.6 MiB", "2.06x", "n/a"). */
#define REPORT_CELL_MAX 48
struct report_table {
	int nrows, ncols;
	char (*label)[REPORT_CELL_MAX]; /* nrows */
	char (*cell)[REPORT_CELL_MAX];  /* nrows x ncols, row-major */
};
int report_table_build(const struct rundir *rv, const struct rundir_block *b,
                       struct report_table *t);
void report_table_free(struct report_table *t);

/* Writes s with & < > " ' escaped, so no text from a YAML file or a
 * command line can become markup. */
void report_html_text(FILE *f, const char *s);

/* Figure NAME under RUN/plots: 2 rendered (PNG and SVG), 1 written but not
 * rendered (its .vars only), 0 none (nothing to draw). */
int report_figure_state(const struct rundir *rv, const char *name);

/* The two writers; return 0 or -errno (logged). */
int report_write_md(const struct rundir *rv, const struct plot_outcome *po);
int report_write_html(const struct rundir *rv, const struct plot_outcome *po);

#endif
