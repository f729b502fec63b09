/* plot_summary.c - the run at a glance: summary.tsv and summary.vars for
 * scripts/summary.gp.
 *
 * Every figure is a ratio to the reference allocator (glibc, else the
 * first) at the same workload and thread count, on a log axis: 2x and 0.5x
 * sit the same distance from the line at 1, and a 50x difference in RSS
 * after idle fits beside a 1.1x one. The reference's own value is written
 * under each cluster, so the ratio can be read back into MiB or seconds.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/report/plot_int.h"
#include "common/units.h"

enum unit { U_SIZE, U_RATIO, U_SECONDS, U_COUNT };

struct metric {
	enum runview_metric m;
	enum unit unit;
	const char *title; /* "%s" is the reference allocator */
};

static const struct metric metrics[] = {
    {RUNVIEW_PEAK_RSS, U_SIZE, "peak RSS, relative to %s"},
    {RUNVIEW_BLOWUP, U_RATIO, "peak RSS / peak heap, relative to %s's"},
    {RUNVIEW_IDLE_END_RSS, U_SIZE, "RSS at the end of the idle phase, relative to %s"},
    {RUNVIEW_WALL, U_SECONDS, "wall time, relative to %s"},
    {RUNVIEW_ARENAS, U_COUNT,
     "arena count, relative to %s (n/a: the allocator has no such "
     "figure)"},
};
#define NMETRICS (int)(sizeof(metrics) / sizeof(metrics[0]))

static void format_value(enum unit u, double v, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "n/a");
	else if (u == U_SIZE)
		units_format_size((uint64_t)v, buf, len);
	else if (u == U_RATIO)
		units_format_ratio(v, buf, len);
	else if (u == U_SECONDS)
		units_format_duration(v, buf, len);
	else
		snprintf(buf, len, "%.0f", v);
}

static double ratio(double v, double ref)
{
	return isfinite(v) && isfinite(ref) && ref > 0 && v > 0 ? v / ref : NAN;
}

/* Tics of a log axis from lo to hi: the coarsest series with at least
 * three inside, written as a `set ytics (...)` command. */
static void ytics(double lo, double hi, char *buf, size_t len)
{
	static const double fine[] = {1, 1.1, 1.2, 1.3, 1.5, 1.7, 2, 2.5, 3, 4, 5, 6, 7, 8, 9};
	static const double mid[] = {1, 1.5, 2, 3, 5, 7};
	static const double coarse[] = {1, 2, 5};
	const double *sets[] = {coarse, mid, fine};
	const size_t sizes[] = {3, 6, 15};
	for (int s = 0; s < 3; s++) {
		int n = 0, used = snprintf(buf, len, "set ytics (");
		for (int e = -4; e <= 4; e++)
			for (size_t k = 0; k < sizes[s]; k++) {
				double v = sets[s][k] * pow(10, e);
				if (v < lo || v > hi || used >= (int)len)
					continue;
				used += snprintf(buf + used, len - (size_t)used, "%s\"%gx\" %g",
				                 n ? ", " : "", v, v);
				n++;
			}
		if (used < (int)len)
			snprintf(buf + used, len - (size_t)used, ")");
		if (n >= 3)
			return;
	}
}

/* The ratios of one metric over every cluster and allocator; with the
 * wall time's fastest and slowest repetitions. */
static double get_ratio(const struct runview *rv, const struct runview_block *b, int a,
                        const struct metric *mt, int which)
{
	const struct runview_group *g = runview_group(rv, b->workload, b->threads, a);
	const struct runview_group *ref = runview_group(rv, b->workload, b->threads, rv->ref);
	if (!g || !ref)
		return NAN;
	const struct runview_stat *s = &g->m[mt->m];
	double v = which == 0 ? s->median : which < 0 ? s->min : s->max;
	return ratio(v, ref->m[mt->m].median);
}

/* gnuplot reads "NaN" as undefined (printf's "nan" it does not). */
static void put_num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "\t%.6g", v);
	else
		fputs("\tNaN", f);
}

static void write_data(FILE *f, const struct runview *rv, const struct runview_block *const *cl,
                       int nc)
{
	int n = rv->nallocs;
	double bw = 0.8 / n;
	fputs("# x\tpeak_rss\tblowup\tidle_end_rss\twall\twall_min\twall_max\tarenas\n", f);
	for (int a = 0; a < n; a++) {
		fprintf(f, "# %s\n", rv->allocs[a].name);
		for (int c = 0; c < nc; c++) {
			fprintf(f, "%.4f", (c + 1) + (a - (n - 1) / 2.0) * bw);
			for (int m = 0; m < NMETRICS; m++) {
				put_num(f, get_ratio(rv, cl[c], a, &metrics[m], 0));
				if (metrics[m].m == RUNVIEW_WALL) {
					put_num(f, get_ratio(rv, cl[c], a, &metrics[m], -1));
					put_num(f, get_ratio(rv, cl[c], a, &metrics[m], 1));
				}
			}
			fputc('\n', f);
		}
		fputs("\n\n", f);
	}
}

/* The data column of metric m (1-based, as gnuplot counts). */
static int column_of(int m)
{
	int col = 2;
	for (int i = 0; i < m; i++)
		col += metrics[i].m == RUNVIEW_WALL ? 3 : 1;
	return col;
}

struct panel_text {
	char title[160], xtics[4096], ytics[512], notes[4096], err[32], col[16];
	double lo, hi;
};

/* Returns 1 when the panel has anything to draw. */
static int describe_panel(const struct runview *rv, const struct runview_block *const *cl, int nc,
                          const struct metric *mt, int col, struct panel_text *pt)
{
	const char *refname = rv->allocs[rv->ref].name;
	double lo = 1, hi = 1;
	int any = 0, reps = 0, used = 0, nused = 0;
	snprintf(pt->title, sizeof(pt->title), mt->title, refname);
	snprintf(pt->col, sizeof(pt->col), "%d", col);
	used = snprintf(pt->xtics, sizeof(pt->xtics), "set xtics (");
	for (int c = 0; c < nc; c++) {
		char label[160], value[32];
		const struct runview_group *ref =
		    runview_group(rv, cl[c]->workload, cl[c]->threads, rv->ref);
		format_value(mt->unit, ref ? ref->m[mt->m].median : NAN, value, sizeof(value));
		if (cl[c]->threads >= 0)
			snprintf(label, sizeof(label), "%s\\n%d thread%s\\n%s %s", cl[c]->workload,
			         cl[c]->threads, cl[c]->threads == 1 ? "" : "s", refname, value);
		else
			snprintf(label, sizeof(label), "%s\\n%s %s", cl[c]->workload, refname,
			         value);
		if (used < (int)sizeof(pt->xtics))
			used += snprintf(pt->xtics + used, sizeof(pt->xtics) - (size_t)used,
			                 "%s\"%s\" %d", c ? ", " : "", label, c + 1);
		for (int a = 0; a < rv->nallocs; a++) {
			const struct runview_group *g =
			    runview_group(rv, cl[c]->workload, cl[c]->threads, a);
			double r = get_ratio(rv, cl[c], a, mt, 0);
			if (g)
				reps |= g->reps_ok > 1;
			if (isnan(r) && g && nused < (int)sizeof(pt->notes) - 200) {
				double x =
				    (c + 1) + (a - (rv->nallocs - 1) / 2.0) * (0.8 / rv->nallocs);
				nused +=
				    snprintf(pt->notes + nused, sizeof(pt->notes) - (size_t)nused,
				             "set label 'n/a' at %.4f, first 1 center rotate by 90 "
				             "offset 0.45, 1.3 font ',8' tc rgb '#666666' front; ",
				             x);
				continue;
			}
			if (isnan(r))
				continue;
			any = 1;
			lo = fmin(lo, r);
			hi = fmax(hi, r);
			if (mt->m == RUNVIEW_WALL) {
				double rl = get_ratio(rv, cl[c], a, mt, -1),
				       rh = get_ratio(rv, cl[c], a, mt, 1);
				lo = isnan(rl) ? lo : fmin(lo, rl);
				hi = isnan(rh) ? hi : fmax(hi, rh);
			}
		}
	}
	if (used < (int)sizeof(pt->xtics))
		snprintf(pt->xtics + used, sizeof(pt->xtics) - (size_t)used, ")");
	/* Room around the bars, and never a range too narrow to read. */
	lo /= 1.3;
	hi *= 1.3;
	if (hi / lo < 2) {
		double widen = sqrt(2 / (hi / lo));
		lo /= widen;
		hi *= widen;
	}
	pt->lo = lo;
	pt->hi = hi;
	ytics(lo, hi, pt->ytics, sizeof(pt->ytics));
	if (mt->m == RUNVIEW_WALL) {
		size_t n = strlen(pt->title);
		snprintf(pt->title + n, sizeof(pt->title) - n, "%s",
		         reps ? " (median; bars: fastest and slowest repetition)"
		              : " (one run each: a single time is noisy)");
	}
	if (mt->m == RUNVIEW_WALL && reps)
		snprintf(pt->err, sizeof(pt->err), "%d %d", col + 1, col + 2);
	return any;
}

static void write_vars(FILE *f, const struct runview *rv, const struct runview_block *const *cl,
                       int nc)
{
	struct panel_text *pt = calloc(NMETRICS, sizeof(*pt));
	const char *items[NMETRICS];
	int np = 0;
	char title[256];
	if (!pt)
		return;
	for (int m = 0; m < NMETRICS; m++)
		if (describe_panel(rv, cl, nc, &metrics[m], column_of(m), &pt[np]))
			np++;
	fputs("# the run at a glance (written by wimm; drawn by summary.gp)\n"
	      "out = \"" PLOT_SUMMARY "\"\ndata = \"" PLOT_SUMMARY ".tsv\"\nfig_title = ",
	      f);
	snprintf(title, sizeof(title),
	         "run %s: each allocator relative to %s (1 = the same; below 1 = less)", rv->run_id,
	         rv->allocs[rv->ref].name);
	plot_gp_string(f, title);
	fprintf(f, "\nn = %d\nnc = %d\nbw = %.6f\nnp = %d\n", rv->nallocs, nc, 0.8 / rv->nallocs,
	        np);
	const char **names = calloc((size_t)rv->nallocs + 1, sizeof(*names));
	if (names) {
		for (int a = 0; a < rv->nallocs; a++)
			names[a] = rv->allocs[a].name;
		plot_gp_array(f, "name", names, rv->nallocs, 1);
		free(names);
	}
#define ARRAY(gpname, expr, quote)                                                                 \
	do {                                                                                       \
		for (int p = 0; p < np; p++)                                                       \
			items[p] = (expr);                                                         \
		plot_gp_array(f, gpname, items, np, quote);                                        \
	} while (0)
	ARRAY("ptitle", pt[p].title, 1);
	ARRAY("col", pt[p].col, 0);
	ARRAY("xtics_cmd", pt[p].xtics, 1);
	ARRAY("ytics_cmd", pt[p].ytics, 1);
	ARRAY("notes_cmd", pt[p].notes, 1);
	ARRAY("err", pt[p].err, 1);
#undef ARRAY
	fputs("array ylo[", f);
	fprintf(f, "%d] = [", np ? np : 1);
	for (int p = 0; p < np; p++)
		fprintf(f, "%s%.6g", p ? ", " : "", pt[p].lo);
	fputs(np ? "]\narray yhi[" : "0.5]\narray yhi[", f);
	fprintf(f, "%d] = [", np ? np : 1);
	for (int p = 0; p < np; p++)
		fprintf(f, "%s%.6g", p ? ", " : "", pt[p].hi);
	fputs(np ? "]\n" : "2]\n", f);
	plot_gp_linetypes(f, rv->allocs, rv->nallocs);
	free(pt);
}

int plot_summary_write(const struct runview *rv, const char *dir, struct plot_jobs *jobs)
{
	const struct runview_block **cl = calloc(rv->nblocks + 1, sizeof(*cl));
	char *text = NULL;
	size_t len = 0;
	int nc = 0, rc;
	FILE *f;
	if (!cl)
		return -ENOMEM;
	for (size_t i = 0; i < rv->nblocks; i++)
		for (int a = 0; a < rv->nallocs; a++)
			if (runview_group(rv, rv->blocks[i].workload, rv->blocks[i].threads, a)) {
				cl[nc++] = &rv->blocks[i];
				break;
			}
	int any = 0; /* a figure to draw: not when every cell failed */
	for (int c = 0; c < nc && !any; c++)
		for (int a = 0; a < rv->nallocs && !any; a++)
			for (int m = 0; m < NMETRICS && !any && rv->ref >= 0; m++)
				any = !isnan(get_ratio(rv, cl[c], a, &metrics[m], 0));
	if (!any) {
		free(cl);
		return 0;
	}
	rc = -ENOMEM;
	if ((f = open_memstream(&text, &len))) {
		write_data(f, rv, cl, nc);
		rc = fclose(f) ? -ENOMEM : plot_save(dir, PLOT_SUMMARY ".tsv", text, len);
		text = NULL;
	}
	if (rc == 0 && (f = open_memstream(&text, &len))) {
		write_vars(f, rv, cl, nc);
		rc = fclose(f) ? -ENOMEM : plot_save(dir, PLOT_SUMMARY ".vars", text, len);
	}
	if (rc == 0)
		rc = plot_jobs_add(jobs, PLOT_SUMMARY, "summary.gp");
	free(cl);
	return rc;
}
