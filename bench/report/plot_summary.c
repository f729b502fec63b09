/* plot_summary.c - the run at a glance: summary.tsv and summary.vars for
 * scripts/summary.gp.
 *
 * One panel per figure the metric table marks SHOW_FIGURE, in its order,
 * each in its own unit from zero (MiB, seconds, counts): every bar reads
 * as what it is, the reference allocator's included. Above each bar, its
 * ratio to the reference allocator (glibc, else the first) at the same
 * workload and thread count, so the comparison is still one glance away;
 * arena counts are labelled with the count, since each allocator counts
 * its own kind and a ratio of them means nothing. A figure marked
 * SHOW_SPREAD gets its fastest and slowest repetition as error bars.
 */
#include "bench/report/plot_summary.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PANELS 16

/* The figures drawn, in table order. */
static int panel_metrics(int *ids)
{
	int n = 0;
	for (int i = 0; i < METRIC_N && n < MAX_PANELS; i++)
		if (metrics[i].show & SHOW_FIGURE)
			ids[n++] = i;
	return n;
}

/* Figure id of allocator a at block b: the median (which 0), the fastest
 * (-1) or the slowest (1) repetition; NaN when n/a. */
static double get_value(const struct rundir *d, const struct rundir_block *b, int a, int id,
                        int which)
{
	const struct rundir_group *g = rundir_group(d, b->workload, b->threads, a);
	if (!g)
		return NAN;
	const struct rundir_stat *s = &g->m[id];
	double v = which == 0 ? s->median : which < 0 ? s->min : s->max;
	return isfinite(v) ? v : NAN;
}

/* The label above a bar: its ratio to the reference ("0.66x"), or the
 * count itself for a figure that is not comparable across allocators. */
static void bar_label(const struct rundir *d, const struct rundir_block *b, int a, int id,
                      char *buf, size_t len)
{
	double v = get_value(d, b, a, id, 0), ref = get_value(d, b, d->ref, id, 0);
	if (isnan(v))
		snprintf(buf, len, "-");
	else if (metrics[id].unit == MU_COUNT)
		snprintf(buf, len, "%.0f", v);
	else if (isfinite(ref) && ref > 0)
		snprintf(buf, len, "%.2fx", v / ref);
	else
		snprintf(buf, len, "-");
}

/* The largest value panel id shows, spreads included. */
static double panel_top(const struct rundir *d, const struct rundir_block *const *cl, int nc,
                        int id)
{
	double top = 0;
	for (int c = 0; c < nc; c++)
		for (int a = 0; a < d->nallocs; a++)
			for (int w = -1; w <= 1; w++) {
				double v = get_value(d, cl[c], a, id, w);
				top = isfinite(v) ? fmax(top, v) : top;
			}
	return top;
}

/* One block per allocator, each opening with the column names the script
 * reads them by: x, then each figure's stem (its value in the panel's
 * unit), <stem>_lab (the bar's label) and, for a spread, <stem>_min and
 * <stem>_max. */
static void write_data(FILE *f, const struct rundir *d, const struct rundir_block *const *cl,
                       int nc, const int *ids, int np)
{
	int n = d->nallocs;
	double bw = 0.8 / n;
	char stem[64], lab[32];
	struct plot_unit au[MAX_PANELS];
	for (int m = 0; m < np; m++)
		au[m] = plot_axis_unit(metrics[ids[m]].unit, panel_top(d, cl, nc, ids[m]));
	for (int a = 0; a < n; a++) {
		fprintf(f, "# %s\nx", d->allocs[a].name);
		for (int m = 0; m < np; m++) {
			metrics_stem(metrics[ids[m]].key, stem, sizeof(stem));
			fprintf(f, "\t%s\t%s_lab", stem, stem);
			if (metrics[ids[m]].show & SHOW_SPREAD)
				fprintf(f, "\t%s_min\t%s_max", stem, stem);
		}
		fputc('\n', f);
		for (int c = 0; c < nc; c++) {
			fprintf(f, "%.4f", (c + 1) + (a - (n - 1) / 2.0) * bw);
			for (int m = 0; m < np; m++) {
				plot_gp_num(f,
				            plot_in_unit(au[m], get_value(d, cl[c], a, ids[m], 0)));
				bar_label(d, cl[c], a, ids[m], lab, sizeof(lab));
				fprintf(f, "\t%s", lab);
				if (metrics[ids[m]].show & SHOW_SPREAD) {
					plot_gp_num(f, plot_in_unit(au[m], get_value(d, cl[c], a,
					                                             ids[m], -1)));
					plot_gp_num(f, plot_in_unit(au[m], get_value(d, cl[c], a,
					                                             ids[m], 1)));
				}
			}
			fputc('\n', f);
		}
		fputs("\n\n", f);
	}
}

struct panel_text {
	char title[200], xtics[4096], notes[4096], err[160], col[64];
	double lo, hi; /* lo 0: a linear axis */
};

/* Returns 1 when the panel has anything to draw. */
static int describe_panel(const struct rundir *d, const struct rundir_block *const *cl, int nc,
                          int id, struct panel_text *pt)
{
	const struct metric *mt = &metrics[id];
	const char *refname = d->allocs[d->ref].name;
	bool spread = mt->show & SHOW_SPREAD;
	double top = panel_top(d, cl, nc, id);
	struct plot_unit au = plot_axis_unit(mt->unit, top);
	int any = 0, reps = 0, used = 0, nused = 0, na = 0;
	double low = NAN; /* the smallest value above 0 */
	metrics_stem(mt->key, pt->col, sizeof(pt->col));
	used = snprintf(pt->xtics, sizeof(pt->xtics), "set xtics (");
	for (int c = 0; c < nc; c++) {
		char label[160];
		if (cl[c]->threads >= 0)
			snprintf(label, sizeof(label), "%s\\n%d thread%s", cl[c]->workload,
			         cl[c]->threads, cl[c]->threads == 1 ? "" : "s");
		else
			snprintf(label, sizeof(label), "%s", cl[c]->workload);
		if (used < (int)sizeof(pt->xtics))
			used += snprintf(pt->xtics + used, sizeof(pt->xtics) - (size_t)used,
			                 "%s\"%s\" %d", c ? ", " : "", label, c + 1);
		for (int a = 0; a < d->nallocs; a++) {
			const struct rundir_group *g =
			    rundir_group(d, cl[c]->workload, cl[c]->threads, a);
			double v = get_value(d, cl[c], a, id, 0);
			if (g)
				reps |= g->reps_ok > 1;
			if (isnan(v) && g && nused < (int)sizeof(pt->notes) - 200) {
				double x =
				    (c + 1) + (a - (d->nallocs - 1) / 2.0) * (0.8 / d->nallocs);
				na = 1;
				nused += snprintf(
				    pt->notes + nused, sizeof(pt->notes) - (size_t)nused,
				    "set label 'n/a' at %.4f, graph 0.02 left rotate by 90 "
				    "font ',8' tc rgb '#666666' front; ",
				    x);
				continue;
			}
			any |= !isnan(v);
			if (v > 0)
				low = isnan(low) ? v : fmin(low, v);
		}
	}
	if (used < (int)sizeof(pt->xtics))
		snprintf(pt->xtics + used, sizeof(pt->xtics) - (size_t)used, ")");
	/* Room above the bars for their labels. Values spanning more than 20x
	 * (2 MiB beside 250 MiB over the default workloads) go on a log axis,
	 * bars from its floor, so the small ones still read. */
	pt->lo = 0;
	pt->hi = top > 0 ? plot_in_unit(au, top) * 1.22 : 1;
	if (top > 0 && low > 0 && top / low > 20) {
		pt->lo = plot_in_unit(au, low) / 1.6;
		pt->hi = plot_in_unit(au, top) * 4;
	}
	if (mt->unit == MU_COUNT)
		snprintf(pt->title, sizeof(pt->title), "%s (each allocator counts its own kind)",
		         mt->figure ? mt->figure : mt->label);
	else
		snprintf(pt->title, sizeof(pt->title), "%s (%s; above the bars: ratio to %s)",
		         mt->figure ? mt->figure : mt->label, au.name, refname);
	if (na) {
		size_t n = strlen(pt->title);
		snprintf(pt->title + n, sizeof(pt->title) - n, "; n/a: no such figure");
	}
	if (spread) {
		size_t n = strlen(pt->title);
		snprintf(pt->title + n, sizeof(pt->title) - n, "%s",
		         reps ? "; bars: fastest and slowest repetition"
		              : "; one run each: a single time is noisy");
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
	         "run %s: each allocator's figures (above each bar: relative to %s)", d->run_id,
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
	ARRAY("notes_cmd", pt[p].notes, 1);
	ARRAY("err", pt[p].err, 1);
#undef ARRAY
	fprintf(f, "array ylo[%d] = [", np ? np : 1);
	for (int p = 0; p < np; p++)
		fprintf(f, "%s%.6g", p ? ", " : "", pt[p].lo);
	fputs(np ? "]\n" : "0]\n", f);
	fprintf(f, "array yhi[%d] = [", np ? np : 1);
	for (int p = 0; p < np; p++)
		fprintf(f, "%s%.6g", p ? ", " : "", pt[p].hi);
	fputs(np ? "]\n" : "1]\n", f);
	/* Labels upright while a bar is wide enough for one. */
	fprintf(f, "rotate_labels = %d\n", nc * d->nallocs > 14);
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
				any = !isnan(get_value(d, cl[c], a, ids[m], 0));
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
