/* plot_sweep.c - each figure against the swept value (see plot_sweep.h).
 *
 * A line is an allocator the sweep started from (its derived_from: glibc,
 * or an inline variant) with the values of the run's other sweeps held
 * fixed; its points are the variants made from it, one per value of this
 * sweep, at the value's position on the x axis (the values in the order
 * given, which need not be numbers). The allocator as it is, without the
 * setting, is a dashed line across the panel: the reference each value is
 * read against. Values are absolute (MiB, seconds, counts), so the best
 * value for memory and its time can be read off directly.
 */
#include "bench/report/plot_sweep.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINES 64

/* The figures drawn: the summary's, and CPU time beside wall time. */
static int sweep_metrics(int *ids, int max)
{
	int n = 0;
	for (int i = 0; i < METRIC_N && n < max; i++)
		if (metrics[i].show & SHOW_FIGURE || i == METRIC_cpu_s)
			ids[n++] = i;
	return n;
}

struct line {
	char key[160];
	int base;   /* the allocator the line starts from, -1 when it did not run */
	int colour; /* allocator whose linetype it takes */
	int at[RUNDIR_SWEEP_VALUES]; /* allocator at each value, -1 none */
};

/* Each figure's unit over the block: from the largest value of any point
 * or reference line. */
static void units_of(const struct rundir *d, const struct rundir_block *b, int s,
                     const struct line *ln, int nl, const int *ids, int nids, struct plot_unit *au)
{
	for (int m = 0; m < nids; m++) {
		double top = 0;
		for (int l = 0; l < nl; l++)
			for (int v = -1; v < d->sweeps[s].nvalues; v++) {
				int a = v < 0 ? ln[l].base : ln[l].at[v];
				double x =
				    a < 0 ? NAN
				          : rundir_median(d, b->workload, b->threads, a, ids[m]);
				top = isfinite(x) ? fmax(top, fabs(x)) : top;
			}
		au[m] = plot_axis_unit(metrics[ids[m]].unit, top);
	}
}

/* The line allocator a belongs to on sweep s: the allocator it was made
 * from and its values of the other sweeps, as one key. */
static void line_key(const struct rundir *d, int a, int s, char *buf, size_t len)
{
	const struct rundir_alloc *ra = &d->allocs[a];
	int n = snprintf(buf, len, "%s", ra->derived_from);
	for (int k = 0; k < ra->nsweep && n > 0 && (size_t)n < len; k++)
		if (k != s)
			n += snprintf(buf + n, len - (size_t)n, ", %s=%s", d->sweeps[k].label,
			              ra->sweep[k]);
}

static int value_index(const struct rundir_sweep *sw, const char *v)
{
	for (int i = 0; i < sw->nvalues; i++)
		if (!strcmp(sw->values[i], v))
			return i;
	return -1;
}

static int find_lines(const struct rundir *d, const struct rundir_block *b, int s, struct line *ln)
{
	int n = 0;
	char key[160];
	for (int a = 0; a < d->nallocs; a++) {
		const struct rundir_alloc *ra = &d->allocs[a];
		int v = ra->nsweep > s ? value_index(&d->sweeps[s], ra->sweep[s]) : -1;
		if (v < 0 || !ra->derived_from[0] || !rundir_group(d, b->workload, b->threads, a))
			continue;
		line_key(d, a, s, key, sizeof(key));
		int l = 0;
		while (l < n && strcmp(ln[l].key, key))
			l++;
		if (l == n) {
			if (n == MAX_LINES)
				continue;
			memset(&ln[n], 0, sizeof(ln[n]));
			snprintf(ln[n].key, sizeof(ln[n].key), "%s", key);
			for (int k = 0; k < RUNDIR_SWEEP_VALUES; k++)
				ln[n].at[k] = -1;
			ln[n].base = rundir_alloc_index(d, ra->derived_from);
			if (ln[n].base >= 0 &&
			    !rundir_group(d, b->workload, b->threads, ln[n].base))
				ln[n].base = -1;
			/* The colour of the allocator it comes from, when it ran. */
			int root = rundir_alloc_index(d, rundir_root_name(d, a));
			ln[n].colour = ln[n].base >= 0 ? ln[n].base : root >= 0 ? root : a;
			n++;
		}
		ln[l].at[v] = a;
	}
	/* Lines that would share a colour (one allocator, the other sweeps'
	 * values held at several values) each take their first point's: a
	 * shade and dash of its own. */
	int same[MAX_LINES] = {0};
	for (int l = 0; l < n; l++)
		for (int k = 0; k < n; k++)
			same[l] += ln[k].colour == ln[l].colour;
	for (int l = 0; l < n; l++) {
		for (int v = 0; same[l] > 1 && v < RUNDIR_SWEEP_VALUES; v++)
			if (ln[l].at[v] >= 0) {
				ln[l].colour = ln[l].at[v];
				break;
			}
	}
	return n;
}

/* One data block per line: x, then each figure; then its reference
 * values as a second block (x 0 and nvalues + 1, the panel's width). */
static void write_data(FILE *f, const struct rundir *d, const struct rundir_block *b, int s,
                       const struct line *ln, int nl, const int *ids, int nids,
                       const struct plot_unit *au)
{
	for (int l = 0; l < nl; l++) {
		fprintf(f, "# %s\nx", ln[l].key);
		for (int m = 0; m < nids; m++)
			fprintf(f, "\tm%d", m);
		fputc('\n', f);
		for (int v = 0; v < d->sweeps[s].nvalues; v++) {
			if (ln[l].at[v] < 0)
				continue;
			fprintf(f, "%d", v + 1);
			for (int m = 0; m < nids; m++)
				plot_gp_num(
				    f, plot_in_unit(au[m], rundir_median(d, b->workload, b->threads,
				                                         ln[l].at[v], ids[m])));
			fputc('\n', f);
		}
		fprintf(f, "\n\n# %s as it is\nx", ln[l].key);
		for (int m = 0; m < nids; m++)
			fprintf(f, "\tm%d", m);
		fputc('\n', f);
		for (int edge = 0; edge < 2; edge++) {
			fprintf(f, "%g", edge ? d->sweeps[s].nvalues + 0.5 : 0.5);
			for (int m = 0; m < nids; m++)
				plot_gp_num(
				    f, ln[l].base < 0
				           ? NAN
				           : plot_in_unit(au[m],
				                          rundir_median(d, b->workload, b->threads,
				                                        ln[l].base, ids[m])));
			fputc('\n', f);
		}
		fputs("\n\n", f);
	}
}

static void write_vars(FILE *f, const struct rundir *d, const struct rundir_block *b, int s,
                       const char *name, const struct line *ln, int nl, const int *ids, int nids,
                       const struct plot_unit *au)
{
	char label[160], buf[512];
	const char *items[MAX_LINES > METRIC_N ? MAX_LINES : METRIC_N];
	char titles[METRIC_N][96];
	int np = 0, keep[METRIC_N];
	/* Only the figures some point has. */
	for (int m = 0; m < nids; m++) {
		bool any = false;
		for (int l = 0; l < nl && !any; l++)
			for (int v = 0; v < d->sweeps[s].nvalues && !any; v++)
				any = ln[l].at[v] >= 0 &&
				      isfinite(rundir_median(d, b->workload, b->threads,
				                             ln[l].at[v], ids[m]));
		if (!any)
			continue;
		snprintf(titles[np], sizeof(titles[np]), "%s (%s)", metrics[ids[m]].label,
		         au[m].name);
		keep[np++] = m;
	}
	rundir_block_label(b, label, sizeof(label));
	fprintf(f, "# %s against %s (written by wimm; drawn by sweep.gp)\nout = ", label,
	        d->sweeps[s].label);
	plot_gp_string(f, name);
	fputs("\ndata = ", f);
	snprintf(buf, sizeof(buf), "%s.tsv", name);
	plot_gp_string(f, buf);
	fputs("\nfig_title = ", f);
	snprintf(buf, sizeof(buf), "%s: each figure against %s (dashed: the allocator without it)",
	         label, d->sweeps[s].setting);
	plot_gp_string(f, buf);
	fprintf(f, "\nnv = %d\nnl = %d\nnp = %d\n", d->sweeps[s].nvalues, nl, np);
	for (int v = 0; v < d->sweeps[s].nvalues; v++)
		items[v] = d->sweeps[s].values[v];
	plot_gp_array(f, "value", items, d->sweeps[s].nvalues, 1);
	for (int l = 0; l < nl; l++)
		items[l] = ln[l].key;
	plot_gp_array(f, "line", items, nl, 1);
	for (int p = 0; p < np; p++)
		items[p] = titles[p];
	plot_gp_array(f, "ptitle", items, np, 1);
	fputs("array pcol[", f);
	fprintf(f, "%d] = [", np ? np : 1);
	for (int p = 0; p < np; p++)
		fprintf(f, "%s%d", p ? ", " : "", keep[p] + 2);
	fputs(np ? "]\n" : "2]\n", f);
	fputs("array lt_of[", f);
	fprintf(f, "%d] = [", nl ? nl : 1);
	for (int l = 0; l < nl; l++)
		fprintf(f, "%s%d", l ? ", " : "", 101 + ln[l].colour);
	fputs(nl ? "]\n" : "101]\n", f);
	plot_gp_linetypes(f, d->allocs, d->nallocs);
}

void plot_sweep_figure(const struct rundir_block *b, const struct rundir_sweep *sw, char *buf,
                       size_t len)
{
	char stem[128];
	rundir_block_stem(b, stem, sizeof(stem));
	snprintf(buf, len, "%s-sweep-%s", stem, sw->label);
}

int plot_sweep_write(const struct rundir *d, const char *dir, struct plot_jobs *jobs)
{
	struct line *ln = calloc(MAX_LINES, sizeof(*ln));
	int ids[METRIC_N], nids = sweep_metrics(ids, METRIC_N), rc = 0;
	char name[256], file[300];
	if (!ln)
		return -ENOMEM;
	for (size_t i = 0; i < d->nblocks && rc == 0; i++)
		for (int s = 0; s < d->nsweeps && rc == 0; s++) {
			const struct rundir_block *b = &d->blocks[i];
			int nl = find_lines(d, b, s, ln);
			struct plot_unit au[METRIC_N];
			char *text = NULL;
			size_t len = 0;
			FILE *f;
			if (nl == 0)
				continue;
			plot_sweep_figure(b, &d->sweeps[s], name, sizeof(name));
			units_of(d, b, s, ln, nl, ids, nids, au);
			rc = -ENOMEM;
			if ((f = open_memstream(&text, &len))) {
				write_data(f, d, b, s, ln, nl, ids, nids, au);
				snprintf(file, sizeof(file), "%s.tsv", name);
				rc = fclose(f) ? -ENOMEM : plot_save(dir, file, text, len);
				text = NULL;
			}
			if (rc == 0 && (f = open_memstream(&text, &len))) {
				write_vars(f, d, b, s, name, ln, nl, ids, nids, au);
				snprintf(file, sizeof(file), "%s.vars", name);
				rc = fclose(f) ? -ENOMEM : plot_save(dir, file, text, len);
			}
			if (rc == 0)
				rc = plot_jobs_add(jobs, name, "sweep.gp");
		}
	free(ln);
	return rc;
}
