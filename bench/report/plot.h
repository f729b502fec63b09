/* plot.h - the figures of a run, drawn by gnuplot.
 *
 * wimm writes, under RUN/plots/, the data and a small vars file per figure
 * and a copy of the drawing scripts (scripts/memory.gp, summary.gp), then
 * runs `gnuplot -c SCRIPT FIGURE.vars` there for each figure, which writes
 * FIGURE.png and FIGURE.svg. With the copy, a run directory re-renders on
 * its own (`sh RUN/plots/render.sh`), even moved away from the source tree.
 * gnuplot is a run-time dependency found in PATH; without it every file but
 * the images is still written, and the caller says how to render them.
 */
#ifndef WIMM_PLOT_H
#define WIMM_PLOT_H

#include <stddef.h>

#include "bench/results/rundir.h"

/* The figure of the whole run, and those of a block: memory over time
 * ("<stem>-memory") and where is my memory ("<stem>-where"). */
#define PLOT_SUMMARY "summary"
void plot_block_figure(const struct rundir_block *b, char *buf, size_t len);
void plot_block_where(const struct rundir_block *b, char *buf, size_t len);

/* What the memory figures are drawn against: time, or work done (the
 * series' progress column, operations done), where allocators align. */
enum plot_x { PLOT_X_TIME, PLOT_X_WORK };

struct plot_outcome {
	int gnuplot_found;
	char gnuplot[4096]; /* its path, when found */
	int figures;        /* figures written (vars and data) */
	int rendered;       /* of them, rendered to PNG and SVG */
	double seconds;     /* wall time of the whole step */
};

/* Writes RUN/plots/ for every block with a series, and the summary, then
 * renders them when gnuplot is found. d's allocators must have their
 * colours (plot_style_run). Returns 0 (also when gnuplot is missing or a
 * figure failed: out says so, and the reason is logged, with gnuplot's own
 * messages in plots/gnuplot.log), or -errno when plots/ could not be
 * written. */
int plot_run(const struct rundir *d, enum plot_x x, struct plot_outcome *out);

/* `wimm plot --history`: draws each figure over time, one per testbed and
 * history column, from RESULTS/history/<testbed>.csv into
 * RESULTS/history/plots/. Returns 0, -ENOENT when there is no history,
 * -EINVAL when a file is not a history file (logged), -errno. */
int plot_history(const char *results_dir, struct plot_outcome *out);

/* gnuplot's path: WIMM_GNUPLOT when set ("" or "none": never found), else
 * the first `gnuplot` in PATH. Returns 0 or -ENOENT. */
int plot_find_gnuplot(char *buf, size_t len);

#endif
