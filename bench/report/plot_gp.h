/* plot_gp.h - what the figure writers (plot_memory.c, plot_summary.c,
 * plot_history.c) share: gnuplot text, the jobs and their rendering. A
 * leaf: it knows no figure. Not for modules outside report/.
 */
#ifndef WIMM_PLOT_GP_H
#define WIMM_PLOT_GP_H

#include <stdio.h>

#include "bench/report/plot.h"
#include "bench/results/rundir.h"

#define PLOT_MIB 1048576.0

/* One figure to render: `gnuplot -c SCRIPT VARS` in the plots directory. */
struct plot_job {
	char name[160]; /* FIGURE: writes FIGURE.png and FIGURE.svg */
	char script[32];
	char vars[180];
};

struct plot_jobs {
	struct plot_job *v;
	size_t n, cap;
};

/* Adds a job; returns 0 or -ENOMEM. */
int plot_jobs_add(struct plot_jobs *j, const char *name, const char *script);
void plot_jobs_free(struct plot_jobs *j);

/* Writes a gnuplot double-quoted string literal of s: never a backtick
 * (gnuplot would run what is between two as a command) nor a control
 * character. */
void plot_gp_string(FILE *f, const char *s);
/* Writes a tab and v as a data file's field: "NaN" when not finite (gnuplot
 * reads NaN as undefined; printf's "nan" it does not). */
void plot_gp_num(FILE *f, double v);
/* Writes `array NAME[n] = [...]` from n strings (or numbers as text). */
void plot_gp_array(FILE *f, const char *name, const char *const *items, int n, int quote);
/* The unit a figure's axis reads in, from the largest value it shows
 * (top, in the metric's own unit): MiB for sizes, the time unit in which
 * top is 1 or more, "x" for ratios, "count" else. */
struct plot_unit {
	double scale; /* value / scale is drawn */
	const char *name;
};
struct plot_unit plot_axis_unit(enum metric_unit u, double top);
/* v in unit au, NaN kept. */
double plot_in_unit(struct plot_unit au, double v);

/* Writes `set linetype 100+i` (and 200+i, lighter, for other repetitions)
 * for each allocator: its colour, dash and point type. */
void plot_gp_linetypes(FILE *f, const struct rundir_alloc *a, int n);
/* Writes the text built in a memory stream to DIR/NAME atomically; frees
 * text. Returns 0 or -errno (logged). */
int plot_save(const char *dir, const char *name, char *text, size_t len);

/* Copies the drawing scripts named (NULL-terminated) into dir, from the
 * source tree (WIMM_SCRIPTS_DIR overrides); a copy already in dir is kept
 * when the source tree is gone. Returns 0 or -errno (logged). */
int plot_copy_scripts(const char *dir, const char *const *names);
/* Writes dir/render.sh and renders the jobs (in parallel) when gnuplot is
 * found; fills out. Returns 0 or -errno when render.sh cannot be written. */
int plot_render(const char *dir, const struct plot_jobs *jobs, struct plot_outcome *out);

#endif
