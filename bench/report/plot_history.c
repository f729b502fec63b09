/* plot_history.c - `wimm plot --history`: every metric over the runs, from
 * RESULTS/history/<testbed>.csv (one row per workload x threads x allocator
 * per run, medians; appended by each run).
 *
 * One figure per testbed and metric: numbers from different machines are
 * never drawn on one axis. Runs are numbered in the order they started, not
 * placed on a time axis, so a burst of runs in one afternoon and a run a
 * month later read the same way.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "bench/regress/history.h"
#include "bench/report/plot_gp.h"
#include "bench/report/plot_style.h"
#include "bench/results/jsonr.h"
#include "common/fsutil.h"
#include "common/limits.h"
#include "common/log.h"

/* How a history column is drawn: its title, axis label, scale and file. */
struct hdraw {
	char title[128], ylabel[32], file[64], data[64];
	double scale;
};

static void describe(const struct history_column *c, struct hdraw *h)
{
	const struct metric *m = &metrics[c->metric];
	char stem[48];
	metrics_stem(m->key, stem, sizeof(stem));
	for (char *p = stem; *p; p++)
		*p = *p == '_' ? '-' : *p;
	h->scale = 1;
	snprintf(h->file, sizeof(h->file), "%s%s", stem, c->ratio ? "-ratio" : "");
	snprintf(h->data, sizeof(h->data), "%s", c->name);
	if (c->ratio) {
		snprintf(h->title, sizeof(h->title), "%s relative to " RUNDIR_REFERENCE, m->label);
		snprintf(h->ylabel, sizeof(h->ylabel), "ratio");
		return;
	}
	snprintf(h->title, sizeof(h->title), "%s (median)", m->label);
	switch (m->unit) {
	case MU_BYTES:
	case MU_BYTES_SLOPE:
		h->scale = 1 / PLOT_MIB;
		snprintf(h->ylabel, sizeof(h->ylabel), "MiB");
		metrics_stem(m->key, h->data, sizeof(h->data));
		strncat(h->data, "_mib", sizeof(h->data) - strlen(h->data) - 1);
		break;
	case MU_SECONDS:
		snprintf(h->ylabel, sizeof(h->ylabel), "seconds");
		break;
	case MU_MICROS:
		snprintf(h->ylabel, sizeof(h->ylabel), "microseconds");
		break;
	case MU_ID:
	case MU_COUNT:
		snprintf(h->ylabel, sizeof(h->ylabel), "count");
		break;
	case MU_RATIO:
	case MU_FRACTION:
		snprintf(h->ylabel, sizeof(h->ylabel), "ratio");
		break;
	}
}

static int cmp_row(const void *a, const void *b)
{
	const struct history_row *x = a, *y = b;
	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	if (x->alloc != y->alloc)
		return x->alloc < y->alloc ? -1 : 1;
	return (x->run > y->run) - (x->run < y->run);
}

/* One block per (workload and thread count, allocator), each opening with
 * the column names the script reads them by: run, then every column. The
 * rows are sorted first, so the whole file is written in one pass. */
static int write_data(struct history *h, const char *dir, const char *testbed)
{
	const struct history_column *cols;
	int ncols = history_columns(&cols);
	struct hdraw hd[HISTORY_MAX_COLUMNS];
	char *text = NULL, name[200];
	size_t len = 0, r = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;
	for (int m = 0; m < ncols; m++)
		describe(&cols[m], &hd[m]);
	qsort(h->rows, h->nrows, sizeof(*h->rows), cmp_row);
	for (int g = 0; g < h->ngroups; g++)
		for (int a = 0; a < h->nallocs; a++) {
			int any = 0, last = -1;
			fputs("run", f);
			for (int m = 0; m < ncols; m++)
				fprintf(f, "\t%s", hd[m].data);
			fputc('\n', f);
			for (; r < h->nrows && h->rows[r].group == g && h->rows[r].alloc == a;
			     r++) {
				const struct history_row *row = &h->rows[r];
				if (row->run == last)
					continue; /* a run listed twice: its first line */
				last = row->run;
				fprintf(f, "%d", row->run + 1);
				for (int m = 0; m < ncols; m++)
					if (isfinite(row->v[m]))
						fprintf(f, "\t%.6g", row->v[m] * hd[m].scale);
					else /* gnuplot reads NaN, not printf's nan */
						fputs("\tNaN", f);
				fputc('\n', f);
				any = 1;
			}
			if (!any) { /* gnuplot counts blocks: an empty one still needs a row */
				fputs("0", f);
				for (int m = 0; m < ncols; m++)
					fputs("\tNaN", f);
				fputc('\n', f);
			}
			fputs("\n\n", f);
		}
	if (fclose(f)) {
		free(text);
		return -ENOMEM;
	}
	snprintf(name, sizeof(name), "%s.tsv", testbed);
	return plot_save(dir, name, text, len);
}

static void write_vars(FILE *f, const struct history *h, const struct rundir_alloc *allocs,
                       const char *testbed, int m, const struct hdraw *hd, const char *figure)
{
	const char **items = calloc((size_t)(h->ngroups + h->nallocs) + 1, sizeof(*items));
	char(*titles)[160] = calloc((size_t)h->ngroups + 1, sizeof(*titles));
	char buf[512];
	if (!items || !titles)
		goto out;
	fputs("out = ", f);
	plot_gp_string(f, figure);
	snprintf(buf, sizeof(buf), "%s over %d run%s on %s", hd->title, h->nruns,
	         h->nruns == 1 ? "" : "s", testbed);
	fputs("\nfig_title = ", f);
	plot_gp_string(f, buf);
	snprintf(buf, sizeof(buf), "%s.tsv", testbed);
	fputs("\ndata = ", f);
	plot_gp_string(f, buf);
	fputs("\ncol = ", f);
	plot_gp_string(f, hd->data);
	fputs("\nylabel = ", f);
	plot_gp_string(f, hd->ylabel);
	fprintf(f, "\nn = %d\nng = %d\nnruns = %d\n", h->nallocs, h->ngroups, h->nruns);
	for (int a = 0; a < h->nallocs; a++)
		items[a] = h->allocs[a];
	plot_gp_array(f, "name", items, h->nallocs, 1);
	for (int g = 0; g < h->ngroups; g++) {
		if (h->groups[g].threads < 0)
			snprintf(titles[g], sizeof(*titles), "%s", h->groups[g].workload);
		else
			snprintf(titles[g], sizeof(*titles), "%s, %d thread%s",
			         h->groups[g].workload, h->groups[g].threads,
			         h->groups[g].threads == 1 ? "" : "s");
		items[g] = titles[g];
	}
	plot_gp_array(f, "ptitle", items, h->ngroups, 1);
	/* Ranges per panel from the data: a panel without a value still
	 * needs one, and autoscaling an empty panel is an error in gnuplot. */
	fprintf(f, "array ylo[%d]\narray yhi[%d]\n", h->ngroups ? h->ngroups : 1,
	        h->ngroups ? h->ngroups : 1);
	double *range = malloc(2 * ((size_t)h->ngroups + 1) * sizeof(*range));
	if (!range)
		goto out;
	for (int g = 0; g < h->ngroups; g++) {
		range[2 * g] = INFINITY;
		range[2 * g + 1] = -INFINITY;
	}
	for (size_t r = 0; r < h->nrows; r++)
		if (isfinite(h->rows[r].v[m])) {
			double *lh = &range[2 * h->rows[r].group];
			lh[0] = fmin(lh[0], h->rows[r].v[m] * hd->scale);
			lh[1] = fmax(lh[1], h->rows[r].v[m] * hd->scale);
		}
	for (int g = 0; g < h->ngroups; g++) {
		double lo = range[2 * g], hi = range[2 * g + 1];
		if (!isfinite(lo)) {
			lo = 0;
			hi = 1;
		}
		double pad = hi > lo ? (hi - lo) * 0.15 : fmax(fabs(hi) * 0.1, 0.1);
		fprintf(f, "ylo[%d] = %.6g\nyhi[%d] = %.6g\n", g + 1, fmax(0, lo - pad), g + 1,
		        hi + pad);
	}
	/* As many run labels (their dates, about 85 pixels each) as a panel's
	 * width holds without overprinting (history.gp: 1500 pixels over up to
	 * three columns, 100 for the margins), evenly spread. */
	int cols = h->ngroups < 3 ? (h->ngroups > 0 ? h->ngroups : 1) : 3;
	int fit = (1500 / cols - 100) / 85, step = (h->nruns + fit - 1) / fit;
	int used = snprintf(buf, sizeof(buf), "set xtics (");
	for (int r = 0; r < h->nruns && used < (int)sizeof(buf) - 40; r += step)
		used +=
		    snprintf(buf + used, sizeof(buf) - (size_t)used, "%s\"%.10s\" %d",
		             r ? ", " : "", h->started[r][0] ? h->started[r] : h->runs[r], r + 1);
	free(range);
	snprintf(buf + used, sizeof(buf) - (size_t)used, ")");
	fputs("xtics_cmd = ", f);
	plot_gp_string(f, buf);
	fputc('\n', f);
	plot_gp_linetypes(f, allocs, h->nallocs);
out:
	free(items);
	free(titles);
}

static int plot_testbed(const char *csv, const char *dir, const char *testbed,
                        struct plot_jobs *jobs)
{
	const struct history_column *cols;
	int ncols = history_columns(&cols);
	struct history h;
	struct rundir_alloc *allocs = NULL;
	char err[PATH_MAX + 256];
	int rc = history_read(csv, &h, err, sizeof(err));
	if (rc) {
		log_error("%s", err);
		return rc;
	}
	if (h.nrows == 0) {
		log_warn("%s holds no runs yet", csv);
		goto out;
	}
	/* Colours as in the runs: from the shipped allocator files by name. */
	if (!(allocs = calloc((size_t)h.nallocs + 1, sizeof(*allocs)))) {
		rc = -ENOMEM;
		goto out;
	}
	for (int a = 0; a < h.nallocs; a++)
		memcpy(allocs[a].name, h.allocs[a], sizeof(allocs[a].name));
	plot_style(allocs, h.nallocs);
	if ((rc = write_data(&h, dir, testbed)))
		goto out;
	for (int m = 0; m < ncols && rc == 0; m++) {
		char figure[200], vars[220], *text = NULL;
		size_t len = 0;
		int any = 0;
		struct hdraw hd;
		for (size_t r = 0; r < h.nrows; r++)
			any |= isfinite(h.rows[r].v[m]);
		if (!any)
			continue; /* a figure no run has (yet) */
		describe(&cols[m], &hd);
		snprintf(figure, sizeof(figure), "%s-%s", testbed, hd.file);
		FILE *f = open_memstream(&text, &len);
		if (!f) {
			rc = -ENOMEM;
			break;
		}
		write_vars(f, &h, allocs, testbed, m, &hd, figure);
		if (fclose(f)) {
			free(text);
			rc = -ENOMEM;
			break;
		}
		snprintf(vars, sizeof(vars), "%s.vars", figure);
		if (!(rc = plot_save(dir, vars, text, len)))
			rc = plot_jobs_add(jobs, figure, "history.gp");
	}
out:
	free(allocs);
	history_free(&h);
	return rc;
}

int plot_history(const char *results_dir, struct plot_outcome *out)
{
	static const char *const scripts[] = {"history.gp", NULL};
	char hdir[PATH_MAX], pdir[PATH_MAX], csv[PATH_MAX + 256];
	struct plot_jobs jobs = {0};
	struct timespec t0, t1;
	struct dirent *e;
	int rc = 0, files = 0;
	DIR *d;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	*out = (struct plot_outcome){0};
	snprintf(hdir, sizeof(hdir), "%s/history", results_dir);
	snprintf(pdir, sizeof(pdir), "%s/history/plots", results_dir);
	if (!(d = opendir(hdir))) {
		log_error("no history in %s: %s (each run adds its medians to "
		          "history/<testbed>.csv under the results directory)",
		          hdir, strerror(errno));
		return -ENOENT;
	}
	if ((rc = fsutil_mkdirs(pdir))) {
		log_error("cannot create %s: %s", pdir, strerror(-rc));
		closedir(d);
		return rc;
	}
	rc = plot_copy_scripts(pdir, scripts);
	while (rc == 0 && (e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (n < 5 || strcmp(e->d_name + n - 4, ".csv") || e->d_name[0] == '.')
			continue;
		char testbed[WIMM_TESTBED_MAX + 8], q[64];
		snprintf(testbed, sizeof(testbed), "%.*s", (int)(n - 4), e->d_name);
		if (n - 4 >= WIMM_TESTBED_MAX || !limits_testbed_ok(testbed)) {
			/* The testbed names the figures and reaches their titles. */
			log_error("%s/%s: the testbed in the file name, %s, is not one wimm writes "
			          "(1 to %d letters, digits, '_', '.' or '-'); rename or remove it",
			          hdir, e->d_name, jsonr_quote(testbed, q, sizeof(q)),
			          WIMM_TESTBED_MAX - 1);
			rc = -EINVAL;
			break;
		}
		snprintf(csv, sizeof(csv), "%s/%s", hdir, e->d_name);
		rc = plot_testbed(csv, pdir, testbed, &jobs);
		files++;
	}
	closedir(d);
	if (rc == 0 && files == 0) {
		log_error("no history in %s: it has no <testbed>.csv file", hdir);
		rc = -ENOENT;
	} else if (rc == 0 && jobs.n == 0) {
		log_error("no history to draw in %s: its files hold no run with a figure yet (each "
		          "finished run adds a line per cell)",
		          hdir);
		rc = -ENOENT;
	}
	if (rc == 0)
		rc = plot_render(pdir, &jobs, out);
	plot_jobs_free(&jobs);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	out->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
	return rc;
}
