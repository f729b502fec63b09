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

#include "bench/plan/allocator.h"
#include "bench/plan/catalog.h"
#include "bench/report/plot_int.h"
#include "bench/results/jsonr.h"
#include "common/fsutil.h"
#include "common/limits.h"
#include "common/log.h"

#define MAX_FIELDS 32
/* About 300,000 rows: years of runs. A larger file is not a history. */
#define HISTORY_MAX_FILE ((off_t)64 << 20)

/* The history columns read, and how each is drawn. */
static const struct hmetric {
	const char *key, *file, *title, *ylabel;
	double scale;
} hmetrics[] = {
    {"peak_rss_bytes", "peak-rss", "peak RSS", "MiB", 1.0 / PLOT_MIB},
    {"peak_heap_bytes", "peak-heap", "peak heap", "MiB", 1.0 / PLOT_MIB},
    {"blowup", "blowup", "peak RSS / peak heap", "ratio", 1},
    {"idle_end_rss_bytes", "idle-end-rss", "RSS at the end of the idle phase", "MiB",
     1.0 / PLOT_MIB},
    {"wall_s", "wall", "wall time (median)", "seconds", 1},
    {"wall_ratio_to_glibc", "wall-ratio", "wall time relative to glibc", "ratio", 1},
};
#define NH (int)(sizeof(hmetrics) / sizeof(hmetrics[0]))

struct hrow {
	int run, group, alloc;
	double v[NH];
};

struct hist {
	char (*runs)[64], (*started)[32];
	int nruns;
	struct {
		char workload[RUNVIEW_NAME_MAX];
		int threads;
	} * groups;
	int ngroups;
	struct runview_alloc *allocs;
	int nallocs;
	struct hrow *rows;
	size_t nrows, caprows;
};

/* Splits one CSV line in place (RFC 4180 quotes allowed). */
static int csv_split(char *line, char **f, int max)
{
	int n = 0;
	char *p = line;
	line[strcspn(line, "\r\n")] = '\0';
	while (n < max) {
		char *out = p;
		f[n++] = p;
		if (*p == '"') {
			char *q = p + 1;
			for (; *q; q++) {
				if (*q == '"' && q[1] == '"')
					*out++ = *++q;
				else if (*q == '"')
					break;
				else
					*out++ = *q;
			}
			p = *q ? q + 1 : q;
		} else {
			while (*p && *p != ',')
				*out++ = *p++;
		}
		char *next = *p == ',' ? p + 1 : NULL;
		*out = '\0';
		if (!next)
			break;
		p = next;
	}
	return n;
}

static int index_of(char **names, int n, const char *key)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(names[i], key))
			return i;
	return -1;
}

static int grow(void **v, int n, size_t size)
{
	void *g = realloc(*v, (size_t)(n + 1) * size);
	if (!g)
		return -ENOMEM;
	*v = g;
	return 0;
}

static int find_run(struct hist *h, const char *id, const char *started)
{
	for (int i = 0; i < h->nruns; i++)
		if (!strcmp(h->runs[i], id))
			return i;
	if (grow((void **)&h->runs, h->nruns, sizeof(*h->runs)) ||
	    grow((void **)&h->started, h->nruns, sizeof(*h->started)))
		return -ENOMEM;
	snprintf(h->runs[h->nruns], sizeof(*h->runs), "%s", id);
	snprintf(h->started[h->nruns], sizeof(*h->started), "%s", started);
	return h->nruns++;
}

static int find_group(struct hist *h, const char *w, int t)
{
	for (int i = 0; i < h->ngroups; i++)
		if (h->groups[i].threads == t && !strcmp(h->groups[i].workload, w))
			return i;
	if (grow((void **)&h->groups, h->ngroups, sizeof(*h->groups)))
		return -ENOMEM;
	snprintf(h->groups[h->ngroups].workload, RUNVIEW_NAME_MAX, "%s", w);
	h->groups[h->ngroups].threads = t;
	return h->ngroups++;
}

static int find_alloc(struct hist *h, const char *name)
{
	for (int i = 0; i < h->nallocs; i++)
		if (!strcmp(h->allocs[i].name, name))
			return i;
	if (grow((void **)&h->allocs, h->nallocs, sizeof(*h->allocs)))
		return -ENOMEM;
	memset(&h->allocs[h->nallocs], 0, sizeof(*h->allocs));
	snprintf(h->allocs[h->nallocs].name, RUNVIEW_NAME_MAX, "%s", name);
	return h->nallocs++;
}

static void hist_free(struct hist *h)
{
	free(h->runs);
	free(h->started);
	free(h->groups);
	free(h->allocs);
	free(h->rows);
	memset(h, 0, sizeof(*h));
}

static int read_history(const char *path, struct hist *h)
{
	char line[4096], head[4096], *names[MAX_FIELDS], *f[MAX_FIELDS];
	FILE *in = NULL;
	int nn, col[NH], lineno = 1, rc = fsutil_open(path, HISTORY_MAX_FILE, &in);
	if (rc) {
		log_error("cannot read %s: %s%s", path, fsutil_strerror(rc),
		          rc == -EFBIG
		              ? " (a history file has at most 64 MiB; move it away to start "
		                "a new one)"
		              : "");
		return -EINVAL; /* the input is at fault, whatever the reason */
	}
	if (!fgets(head, sizeof(head), in)) {
		log_error("%s is empty: not a wimm history file (remove it; the next run starts "
		          "a new one)",
		          path);
		fclose(in);
		return -EINVAL;
	}
	nn = csv_split(head, names, MAX_FIELDS);
	int c_run = index_of(names, nn, "run_id"), c_start = index_of(names, nn, "started_utc");
	int c_w = index_of(names, nn, "workload"), c_t = index_of(names, nn, "threads");
	int c_a = index_of(names, nn, "allocator");
	if (c_run < 0 || c_w < 0 || c_t < 0 || c_a < 0) {
		log_error("%s:1: not a wimm history file: expected the columns run_id, workload, "
		          "threads, allocator (and the metrics)",
		          path);
		fclose(in);
		return -EINVAL;
	}
	for (int m = 0; m < NH; m++)
		col[m] = index_of(names, nn, hmetrics[m].key);
	while (fgets(line, sizeof(line), in) && rc == 0) {
		lineno++;
		int n = csv_split(line, f, MAX_FIELDS);
		if (n <= c_a || n <= c_run || n <= c_w || !*f[c_run] || !*f[c_w] || !*f[c_a]) {
			if (n > 1)
				log_warn("%s:%d: a row with too few fields; skipped", path, lineno);
			continue;
		}
		/* The names reach figure titles and file names: the rule the
		 * YAML follows, or the file was not written by wimm. */
		static const char *const named[] = {"run_id", "workload", "allocator"};
		const int cols[] = {c_run, c_w, c_a};
		for (int k = 0; k < 3; k++)
			if (!limits_name_ok(f[cols[k]])) {
				char q[64];
				log_error(
				    "%s:%d: %s: %s is not a name (1 to %d letters, digits, '_', "
				    "'.' or '-'): the file was not written by wimm, or was changed",
				    path, lineno, named[k], jsonr_quote(f[cols[k]], q, sizeof(q)),
				    WIMM_NAME_MAX - 1);
				fclose(in);
				return -EINVAL;
			}
		int run = find_run(h, f[c_run], c_start >= 0 && c_start < n ? f[c_start] : "");
		int g = find_group(h, f[c_w], *f[c_t] ? atoi(f[c_t]) : -1);
		int a = find_alloc(h, f[c_a]);
		if (run < 0 || g < 0 || a < 0 ||
		    grow((void **)&h->rows, (int)h->nrows, sizeof(*h->rows))) {
			rc = -ENOMEM;
			break;
		}
		struct hrow *r = &h->rows[h->nrows++];
		*r = (struct hrow){.run = run, .group = g, .alloc = a};
		for (int m = 0; m < NH; m++) {
			char *end;
			const char *s = col[m] >= 0 && col[m] < n ? f[col[m]] : "";
			r->v[m] = *s ? strtod(s, &end) * hmetrics[m].scale : NAN;
			if (*s && *end)
				r->v[m] = NAN;
		}
	}
	fclose(in);
	return rc;
}

/* Runs in the order they started (ISO 8601 sorts as text). */
static void order_runs(struct hist *h)
{
	int *rank = calloc((size_t)h->nruns + 1, sizeof(*rank));
	if (!rank)
		return;
	for (int i = 0; i < h->nruns; i++)
		for (int j = 0; j < h->nruns; j++) {
			int c = strcmp(h->started[j], h->started[i]);
			rank[i] += c < 0 || (c == 0 && strcmp(h->runs[j], h->runs[i]) < 0);
		}
	for (size_t r = 0; r < h->nrows; r++)
		h->rows[r].run = rank[h->rows[r].run];
	char(*runs)[64] = calloc((size_t)h->nruns + 1, sizeof(*runs));
	char(*started)[32] = calloc((size_t)h->nruns + 1, sizeof(*started));
	if (runs && started) {
		for (int i = 0; i < h->nruns; i++) {
			memcpy(runs[rank[i]], h->runs[i], sizeof(*runs));
			memcpy(started[rank[i]], h->started[i], sizeof(*started));
		}
		free(h->runs);
		free(h->started);
		h->runs = runs;
		h->started = started;
	} else {
		free(runs);
		free(started);
	}
	free(rank);
}

/* Colours as in the runs: from the shipped allocator files by name. */
static void colour_allocs(struct hist *h)
{
	struct allocator *all;
	int n;
	char err[256];
	if (catalog_load_allocators(&all, &n, err, sizeof(err)) == 0) {
		for (int i = 0; i < h->nallocs; i++)
			for (int k = 0; k < n; k++)
				if (!strcmp(all[k].name, h->allocs[i].name))
					snprintf(h->allocs[i].colour, sizeof(h->allocs[i].colour),
					         "%.7s", all[k].colour);
		free(all);
	}
	runview_style(h->allocs, h->nallocs);
}

static int write_data(const struct hist *h, const char *dir, const char *testbed)
{
	char *text = NULL, name[200];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;
	fputs("# run\tpeak_rss_mib\tpeak_heap_mib\tblowup\tidle_end_rss_mib\twall_s\t"
	      "wall_ratio_to_glibc\n",
	      f);
	for (int g = 0; g < h->ngroups; g++)
		for (int a = 0; a < h->nallocs; a++) {
			int any = 0;
			for (int run = 0; run < h->nruns; run++)
				for (size_t r = 0; r < h->nrows; r++) {
					const struct hrow *row = &h->rows[r];
					if (row->group != g || row->alloc != a || row->run != run)
						continue;
					fprintf(f, "%d", run + 1);
					for (int m = 0; m < NH; m++)
						if (isfinite(row->v[m]))
							fprintf(f, "\t%.6g", row->v[m]);
						else /* gnuplot reads NaN, not printf's nan */
							fputs("\tNaN", f);
					fputc('\n', f);
					any = 1;
					break;
				}
			if (!any) /* gnuplot counts blocks: an empty one still needs a row */
				fputs("0\tNaN\tNaN\tNaN\tNaN\tNaN\tNaN\n", f);
			fputs("\n\n", f);
		}
	if (fclose(f)) {
		free(text);
		return -ENOMEM;
	}
	snprintf(name, sizeof(name), "%s.tsv", testbed);
	return plot_save(dir, name, text, len);
}

static void write_vars(FILE *f, const struct hist *h, const char *testbed, int m,
                       const char *figure)
{
	const char **items = calloc((size_t)(h->ngroups + h->nallocs) + 1, sizeof(*items));
	char(*titles)[160] = calloc((size_t)h->ngroups + 1, sizeof(*titles));
	char buf[512];
	if (!items || !titles)
		goto out;
	fputs("out = ", f);
	plot_gp_string(f, figure);
	snprintf(buf, sizeof(buf), "%s over %d run%s on %s", hmetrics[m].title, h->nruns,
	         h->nruns == 1 ? "" : "s", testbed);
	fputs("\nfig_title = ", f);
	plot_gp_string(f, buf);
	snprintf(buf, sizeof(buf), "%s.tsv", testbed);
	fputs("\ndata = ", f);
	plot_gp_string(f, buf);
	fprintf(f, "\ncol = %d\nylabel = \"%s\"\nn = %d\nng = %d\nnruns = %d\n", m + 2,
	        hmetrics[m].ylabel, h->nallocs, h->ngroups, h->nruns);
	for (int a = 0; a < h->nallocs; a++)
		items[a] = h->allocs[a].name;
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
	for (int g = 0; g < h->ngroups; g++) {
		double lo = INFINITY, hi = -INFINITY;
		for (size_t r = 0; r < h->nrows; r++)
			if (h->rows[r].group == g && isfinite(h->rows[r].v[m])) {
				lo = fmin(lo, h->rows[r].v[m]);
				hi = fmax(hi, h->rows[r].v[m]);
			}
		if (!isfinite(lo)) {
			lo = 0;
			hi = 1;
		}
		double pad = hi > lo ? (hi - lo) * 0.15 : fmax(fabs(hi) * 0.1, 0.1);
		fprintf(f, "ylo[%d] = %.6g\nyhi[%d] = %.6g\n", g + 1, fmax(0, lo - pad), g + 1,
		        hi + pad);
	}
	/* At most a dozen run labels (their dates), evenly spread. */
	int step = h->nruns / 12 + 1, used = snprintf(buf, sizeof(buf), "set xtics (");
	for (int r = 0; r < h->nruns && used < (int)sizeof(buf) - 40; r += step)
		used +=
		    snprintf(buf + used, sizeof(buf) - (size_t)used, "%s\"%.10s\" %d",
		             r ? ", " : "", h->started[r][0] ? h->started[r] : h->runs[r], r + 1);
	snprintf(buf + used, sizeof(buf) - (size_t)used, ")");
	fputs("xtics_cmd = ", f);
	plot_gp_string(f, buf);
	fputc('\n', f);
	plot_gp_linetypes(f, h->allocs, h->nallocs);
out:
	free(items);
	free(titles);
}

static int plot_testbed(const char *csv, const char *dir, const char *testbed,
                        struct plot_jobs *jobs)
{
	struct hist h = {0};
	int rc = read_history(csv, &h);
	if (rc == 0 && h.nrows == 0) {
		log_warn("%s holds no runs yet", csv);
		goto out;
	}
	if (rc)
		goto out;
	order_runs(&h);
	colour_allocs(&h);
	if ((rc = write_data(&h, dir, testbed)))
		goto out;
	for (int m = 0; m < NH && rc == 0; m++) {
		char figure[200], vars[220], *text = NULL;
		size_t len = 0;
		int any = 0;
		for (size_t r = 0; r < h.nrows; r++)
			any |= isfinite(h.rows[r].v[m]);
		if (!any)
			continue; /* a metric no run has (yet) */
		snprintf(figure, sizeof(figure), "%s-%s", testbed, hmetrics[m].file);
		FILE *f = open_memstream(&text, &len);
		if (!f) {
			rc = -ENOMEM;
			break;
		}
		write_vars(f, &h, testbed, m, figure);
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
	hist_free(&h);
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
