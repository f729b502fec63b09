/* table.c - the tables of a run (see table.h), built from the groups of a
 * run read back, so the end of a run, report.md and report.html show the
 * same numbers the same way.
 */
#include "bench/report/table.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "bench/report/rowfmt.h"

/* From this many repetitions the spread is the interquartile range: a
 * range over 5 or more is mostly the one odd repetition. */
#define IQR_FROM 5

/* The bounds of the spread of figure id in g: min-max or q1-q3; false
 * when g has no spread (one repetition, or n/a). */
static bool spread(const struct rundir_group *g, int id, double *lo, double *hi)
{
	if (!g || g->reps_ok < 2 || isnan(g->m[id].median))
		return false;
	*lo = g->reps_ok >= IQR_FROM ? g->m[id].q1 : g->m[id].min;
	*hi = g->reps_ok >= IQR_FROM ? g->m[id].q3 : g->m[id].max;
	return isfinite(*lo) && isfinite(*hi);
}

/* One row of figure id: the rule from every number the row shows. */
static bool fill_row(const struct rundir *rv, const struct rundir_block *b, int id,
                     char (*out)[TABLE_CELL_MAX], bool *minmax, bool *iqr)
{
	const struct metric *m = &metrics[id];
	int nc = rv->nallocs, any = 0;
	double *v = calloc(3 * (size_t)nc + 1, sizeof(*v));
	struct rowfmt f;
	if (!v)
		return false;
	for (int a = 0; a < nc; a++) {
		const struct rundir_group *g = rundir_group(rv, b->workload, b->threads, a);
		v[3 * a] = g ? g->m[id].median : NAN;
		v[3 * a + 1] = v[3 * a + 2] = NAN;
		spread(g, id, &v[3 * a + 1], &v[3 * a + 2]);
		any |= !isnan(v[3 * a]);
	}
	rowfmt_init(&f, m->unit, v, 3 * (size_t)nc);
	for (int a = 0; a < nc; a++) {
		const struct rundir_group *g = rundir_group(rv, b->workload, b->threads, a);
		char med[32], lo[32], hi[32];
		rowfmt_format(&f, v[3 * a], true, med, sizeof(med));
		if (isnan(v[3 * a + 1])) {
			snprintf(out[a], TABLE_CELL_MAX, "%s", med);
			continue;
		}
		rowfmt_format(&f, v[3 * a + 1], false, lo, sizeof(lo));
		rowfmt_format(&f, v[3 * a + 2], false, hi, sizeof(hi));
		/* "-1.2 to -0.5": a dash between negative numbers misreads. */
		snprintf(out[a], TABLE_CELL_MAX, "%s (%s%s%s)", med, lo,
		         v[3 * a + 1] < 0 || v[3 * a + 2] < 0 ? " to " : "-", hi);
		*(g->reps_ok >= IQR_FROM ? iqr : minmax) = true;
	}
	free(v);
	return any || !(m->show & SHOW_OPTIONAL);
}

int table_build(const struct rundir *rv, const struct rundir_block *b, unsigned show,
                struct table *t)
{
	int nc = rv->nallocs, nrows = 1; /* the failed row */
	bool minmax = false, iqr = false, failed = false;
	for (int i = 0; i < METRIC_N; i++)
		nrows += (metrics[i].show & show) != 0;
	*t = (struct table){0};
	t->label = calloc((size_t)nrows + 1, sizeof(*t->label));
	t->cell = calloc((size_t)(nrows + 1) * (size_t)(nc + 1), sizeof(*t->cell));
	if (!t->label || !t->cell) {
		table_free(t);
		return -ENOMEM;
	}
	t->ncols = nc;
	for (int id = 0; id < METRIC_N; id++) {
		const struct metric *m = &metrics[id];
		if (!(m->show & show) ||
		    !fill_row(rv, b, id, &t->cell[t->nrows * nc], &minmax, &iqr))
			continue;
		snprintf(t->label[t->nrows++], TABLE_CELL_MAX, "%s%s",
		         m->show & SHOW_SUB ? "  " : "", m->label);
	}
	for (int a = 0; a < nc; a++) {
		const struct rundir_group *g = rundir_group(rv, b->workload, b->threads, a);
		failed |= g && g->reps_failed > 0;
	}
	if (failed) {
		for (int a = 0; a < nc; a++) {
			const struct rundir_group *g = rundir_group(rv, b->workload, b->threads, a);
			snprintf(t->cell[t->nrows * nc + a], TABLE_CELL_MAX, "%d/%d",
			         g ? g->reps_failed : 0, g ? g->reps_ok + g->reps_failed : 0);
		}
		snprintf(t->label[t->nrows++], TABLE_CELL_MAX, "failed repetitions");
	}
	if (minmax && iqr)
		snprintf(t->note, sizeof(t->note),
		         "in brackets: min-max over 2 to %d repetitions, the interquartile range "
		         "over %d or more",
		         IQR_FROM - 1, IQR_FROM);
	else if (minmax || iqr)
		snprintf(t->note, sizeof(t->note), "in brackets: %s over the repetitions",
		         minmax ? "min-max" : "the interquartile range");
	return 0;
}

void table_free(struct table *t)
{
	free(t->label);
	free(t->cell);
	*t = (struct table){0};
}

/* ---- text ---- */

static int text_width(const char *s) { return (int)strlen(s); }

static void print_part(FILE *f, const struct rundir *rv, const char *head, const struct table *t,
                       int from, int to, int lw, const int *cw)
{
	fprintf(f, "%-*s", lw, head);
	for (int a = from; a < to; a++)
		fprintf(f, "  %*s", cw[a], rv->allocs[a].name);
	fputc('\n', f);
	for (int r = 0; r < t->nrows; r++) {
		fprintf(f, "  %-*s", lw - 2, t->label[r]);
		for (int a = from; a < to; a++)
			fprintf(f, "  %*s", cw[a], t->cell[r * t->ncols + a]);
		fputc('\n', f);
	}
}

static void print_block(FILE *f, const struct rundir *rv, const struct rundir_block *b, int width)
{
	struct table t;
	char head[160];
	if (table_build(rv, b, SHOW_TABLE, &t))
		return;
	int *cw = calloc((size_t)t.ncols + 1, sizeof(*cw));
	if (!cw) {
		table_free(&t);
		return;
	}
	rundir_block_label(b, head, sizeof(head));
	int lw = text_width(head);
	for (int r = 0; r < t.nrows; r++)
		lw = lw > text_width(t.label[r]) + 2 ? lw : text_width(t.label[r]) + 2;
	for (int a = 0; a < t.ncols; a++) {
		cw[a] = text_width(rv->allocs[a].name);
		for (int r = 0; r < t.nrows; r++) {
			int w = text_width(t.cell[r * t.ncols + a]);
			cw[a] = cw[a] > w ? cw[a] : w;
		}
	}
	/* Columns in parts that fit; at least one column a part. */
	for (int from = 0; from < t.ncols;) {
		int to = from + 1, used = lw + 2 + cw[from];
		while (to < t.ncols && (width <= 0 || used + 2 + cw[to] <= width))
			used += 2 + cw[to++];
		print_part(f, rv, head, &t, from, to, lw, cw);
		from = to;
		if (from < t.ncols)
			fputc('\n', f);
	}
	if (t.note[0])
		fprintf(f, "  (%s)\n", t.note);
	free(cw);
	table_free(&t);
}

void table_print(FILE *f, const struct rundir *rv, int width)
{
	for (size_t i = 0; i < rv->nblocks; i++) {
		print_block(f, rv, &rv->blocks[i], width);
		fputc('\n', f);
	}
}

int table_width(FILE *f)
{
	struct winsize ws;
	const char *env = getenv("COLUMNS");
	if (isatty(fileno(f)) && ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	if (env && atoi(env) > 20)
		return atoi(env);
	return 0;
}
