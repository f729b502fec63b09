/* plot_summary.c - the run at a glance: summary.tsv and summary.vars for
 * scripts/summary.gp.
 *
 * One panel per figure the metric table marks SHOW_FIGURE, in its order.
 * Every figure is a ratio to the reference allocator (glibc, else the
 * first) at the same workload and thread count, on a log axis: 2x and 0.5x
 * sit the same distance from the line at 1, and a 50x difference in RSS
 * after idle fits beside a 1.1x one. The reference's own value is written
 * under each cluster, so the ratio can be read back into MiB or seconds. A
 * figure marked SHOW_SPREAD gets its fastest and slowest repetition as
 * error bars.
 */
#include "bench/report/plot_summary.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PANELS 16

static double ratio(double v, double ref)
{
	return isfinite(v) && isfinite(ref) && ref > 0 && v > 0 ? v / ref : NAN;
}

/* The figures drawn, in table order. */
static int panel_metrics(int *ids)
{
	int n = 0;
	for (int i = 0; i < METRIC_N && n < MAX_PANELS; i++)
		if (metrics[i].show & SHOW_FIGURE)
			ids[n++] = i;
	return n;
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

/* Figure id of allocator a at block b over the reference's median: the
 * median (which 0), the fastest (-1) or the slowest (1) repetition. */
static double get_ratio(const struct rundir *d, const struct rundir_block *b, int a, int id,
                        int which)
{
	const struct rundir_group *g = rundir_group(d, b->workload, b->threads, a);
	const struct rundir_group *ref = rundir_group(d, b->workload, b->threads, d->ref);
	if (!g || !ref)
		return NAN;
	const struct rundir_stat *s = &g->m[id];
	double v = which == 0 ? s->median : which < 0 ? s->min : s->max;
	return ratio(v, ref->m[id].median);
}

/* gnuplot reads "NaN" as undefined (printf's "nan" it does not). */
static void put_num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "\t%.6g", v);
	else
		fputs("\tNaN", f);
}

/* One block per allocator, each opening with the column names the script
 * reads them by: x, then each figure's stem (and <stem>_min, <stem>_max
 * for a spread). */
static void write_data(FILE *f, const struct rundir *d, const struct rundir_block *const *cl,
                       int nc, const int *ids, int np)
{
	int n = d->nallocs;
	double bw = 0.8 / n;
	char stem[64];
	for (int a = 0; a < n; a++) {
		fprintf(f, "# %s\nx", d->allocs[a].name);
		for (int m = 0; m < np; m++) {
			metrics_stem(metrics[ids[m]].key, stem, sizeof(stem));
			fprintf(f, "\t%s", stem);
			if (metrics[ids[m]].show & SHOW_SPREAD)
				fprintf(f, "\t%s_min\t%s_max", stem, stem);
		}
		fputc('\n', f);
		for (int c = 0; c < nc; c++) {
			fprintf(f, "%.4f", (c + 1) + (a - (n - 1) / 2.0) * bw);
			for (int m = 0; m < np; m++) {
				put_num(f, get_ratio(d, cl[c], a, ids[m], 0));
				if (metrics[ids[m]].show & SHOW_SPREAD) {
					put_num(f, get_ratio(d, cl[c], a, ids[m], -1));
					put_num(f, get_ratio(d, cl[c], a, ids[m], 1));
				}
			}
			fputc('\n', f);
		}
		fputs("\n\n", f);
	}
}

struct panel_text {
	char title[200], xtics[4096], ytics[512], notes[4096], err[160], col[64];
	double lo, hi;
};

/* Returns 1 when the panel has anything to draw. */
static int describe_panel(const struct rundir *d, const struct rundir_block *const *cl, int nc,
                          int id, struct panel_text *pt)
{
	const struct metric *mt = &metrics[id];
	const char *refname = d->allocs[d->ref].name;
	bool spread = mt->show & SHOW_SPREAD;
	double lo = 1, hi = 1;
	int any = 0, reps = 0, used = 0, nused = 0;
	snprintf(pt->title, sizeof(pt->title), mt->figure ? mt->figure : "%s", refname);
	metrics_stem(mt->key, pt->col, sizeof(pt->col));
	used = snprintf(pt->xtics, sizeof(pt->xtics), "set xtics (");
	for (int c = 0; c < nc; c++) {
		char label[160], value[32];
		const struct rundir_group *ref =
		    rundir_group(d, cl[c]->workload, cl[c]->threads, d->ref);
		metrics_format(mt->unit, ref ? ref->m[id].median : NAN, value, sizeof(value));
		if (cl[c]->threads >= 0)
			snprintf(label, sizeof(label), "%s\\n%d thread%s\\n%s %s", cl[c]->workload,
			         cl[c]->threads, cl[c]->threads == 1 ? "" : "s", refname, value);
		else
			snprintf(label, sizeof(label), "%s\\n%s %s", cl[c]->workload, refname,
			         value);
		if (used < (int)sizeof(pt->xtics))
			used += snprintf(pt->xtics + used, sizeof(pt->xtics) - (size_t)used,
			                 "%s\"%s\" %d", c ? ", " : "", label, c + 1);
		for (int a = 0; a < d->nallocs; a++) {
			const struct rundir_group *g =
			    rundir_group(d, cl[c]->workload, cl[c]->threads, a);
			double r = get_ratio(d, cl[c], a, id, 0);
			if (g)
				reps |= g->reps_ok > 1;
			if (isnan(r) && g && nused < (int)sizeof(pt->notes) - 200) {
				double x =
				    (c + 1) + (a - (d->nallocs - 1) / 2.0) * (0.8 / d->nallocs);
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
			if (spread) {
				double rl = get_ratio(d, cl[c], a, id, -1),
				       rh = get_ratio(d, cl[c], a, id, 1);
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
	if (spread) {
		size_t n = strlen(pt->title);
		snprintf(pt->title + n, sizeof(pt->title) - n, "%s",
		         reps ? " (median; bars: fastest and slowest repetition)"
		              : " (one run each: a single time is noisy)");
	}
	if (spread && reps)
		snprintf(pt->err, sizeof(pt->err), "%s_min %s_max", pt->col, pt->col);
	return any;
}

static void write_vars(FILE *f, const struct rundir *d, const struct rundir_block *const *cl,
                       int nc, const int *ids, int nids)
{
	struct panel_text *pt = calloc(MAX_PANELS, sizeof(*pt));
	const char *items[MAX_PANELS];
	int np = 0;
	char title[256];
	if (!pt)
		return;
	for (int m = 0; m < nids; m++)
		if (describe_panel(d, cl, nc, ids[m], &pt[np]))
			np++;
	fputs("# the run at a glance (written by wimm; drawn by summary.gp)\n"
	      "out = \"" PLOT_SUMMARY "\"\ndata = \"" PLOT_SUMMARY ".tsv\"\nfig_title = ",
	      f);
	snprintf(title, sizeof(title),
	         "run %s: each allocator relative to %s (1 = the same; below 1 = less)", d->run_id,
	         d->allocs[d->ref].name);
	plot_gp_string(f, title);
	fprintf(f, "\nn = %d\nnc = %d\nbw = %.6f\nnp = %d\n", d->nallocs, nc, 0.8 / d->nallocs, np);
	const char **names = calloc((size_t)d->nallocs + 1, sizeof(*names));
	if (names) {
		for (int a = 0; a < d->nallocs; a++)
			names[a] = d->allocs[a].name;
		plot_gp_array(f, "name", names, d->nallocs, 1);
		free(names);
	}
#define ARRAY(gpname, expr, quote)                                                                 \
	do {                                                                                       \
		for (int p = 0; p < np; p++)                                                       \
			items[p] = (expr);                                                         \
		plot_gp_array(f, gpname, items, np, quote);                                        \
	} while (0)
	ARRAY("ptitle", pt[p].title, 1);
	ARRAY("col", pt[p].col, 1);
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
	plot_gp_linetypes(f, d->allocs, d->nallocs);
	free(pt);
}

int plot_summary_write(const struct rundir *d, const char *dir, struct plot_jobs *jobs)
{
	const struct rundir_block **cl = calloc(d->nblocks + 1, sizeof(*cl));
	int ids[MAX_PANELS], nids = panel_metrics(ids);
	char *text = NULL;
	size_t len = 0;
	int nc = 0, rc;
	FILE *f;
	if (!cl)
		return -ENOMEM;
	for (size_t i = 0; i < d->nblocks; i++)
		for (int a = 0; a < d->nallocs; a++)
			if (rundir_group(d, d->blocks[i].workload, d->blocks[i].threads, a)) {
				cl[nc++] = &d->blocks[i];
				break;
			}
	int any = 0; /* a figure to draw: not when every cell failed */
	for (int c = 0; c < nc && !any; c++)
		for (int a = 0; a < d->nallocs && !any; a++)
			for (int m = 0; m < nids && !any && d->ref >= 0; m++)
				any = !isnan(get_ratio(d, cl[c], a, ids[m], 0));
	if (!any) {
		free(cl);
		return 0;
	}
	rc = -ENOMEM;
	if ((f = open_memstream(&text, &len))) {
		write_data(f, d, cl, nc, ids, nids);
		rc = fclose(f) ? -ENOMEM : plot_save(dir, PLOT_SUMMARY ".tsv", text, len);
		text = NULL;
	}
	if (rc == 0 && (f = open_memstream(&text, &len))) {
		write_vars(f, d, cl, nc, ids, nids);
		rc = fclose(f) ? -ENOMEM : plot_save(dir, PLOT_SUMMARY ".vars", text, len);
	}
	if (rc == 0)
		rc = plot_jobs_add(jobs, PLOT_SUMMARY, "summary.gp");
	free(cl);
	return rc;
}
