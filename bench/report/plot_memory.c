/* plot_memory.c - the memory-over-time figure of each workload and thread
 * count: its vars file for scripts/memory.gp (see there for the layout).
 *
 * The series files are drawn where they are (../series/), read here once
 * for the shared axes and for which columns hold anything: gnuplot gets
 * fixed ranges and never a column that is all n/a, so it has nothing to
 * guess. A series longer than MAX_ROWS (a long `wimm exec`) is thinned into
 * plots/data/, keeping each bucket's lowest and highest RSS sample so no
 * peak disappears from the picture.
 */
#include "bench/report/plot_memory.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench/report/where.h"
#include "common/fsutil.h"
#include "common/log.h"
#include "common/units.h"

#define MAX_ROWS 4000
#define LINE_MAX_LEN 512
/* Columns of a series line looked at: more than SERIES_COLUMNS has, so a
 * column added at the end is found by name. */
#define MAX_FIELDS 64

static const char *const col_names[PLOT_NCOLS] = {
    "t_s",      "rss_bytes",       "heap_bytes",        "alloc_in_use_bytes", "alloc_system_bytes",
    "progress", "untouched_bytes", "part_unsplit_bytes"};

/* Splits a TSV line in place; empty fields stay empty strings. */
static int split(char *line, char **f, int max)
{
	int n = 0;
	line[strcspn(line, "\r\n")] = '\0';
	for (char *p = line; n < max;) {
		f[n++] = p;
		char *tab = strchr(p, '\t');
		if (!tab)
			break;
		*tab = '\0';
		p = tab + 1;
	}
	return n;
}

/* A whole line (the series writer's lines are far shorter), or the end. */
static bool whole_line(const char *line, FILE *in) { return strchr(line, '\n') || feof(in); }

int plot_scan_series(const char *path, struct plot_scan *s, int *map)
{
	char line[LINE_MAX_LEN], *f[MAX_FIELDS];
	FILE *in = NULL;
	*s = (struct plot_scan){0};
	for (int c = 0; c < PLOT_NCOLS; c++) {
		s->max[c] = -1;
		map[c] = -1;
	}
	int rc = fsutil_open(path, PLOT_SERIES_MAX_FILE, &in);
	if (rc)
		return rc;
	if (fgets(line, sizeof(line), in) && whole_line(line, in)) {
		int n = split(line, f, MAX_FIELDS);
		for (int i = 0; i < n; i++)
			for (int c = 0; c < PLOT_NCOLS; c++)
				if (!strcmp(f[i], col_names[c]))
					map[c] = i;
	}
	rc = map[PLOT_COL_T] < 0 || map[PLOT_COL_RSS] < 0 ? -EINVAL : 0;
	while (rc == 0 && fgets(line, sizeof(line), in)) {
		if (!whole_line(line, in)) {
			rc = -EINVAL;
			break;
		}
		int n = split(line, f, MAX_FIELDS);
		s->rows++;
		for (int c = 0; c < PLOT_NCOLS && rc == 0; c++) {
			char *end;
			if (map[c] < 0 || map[c] >= n || !*f[map[c]])
				continue;
			/* gnuplot reads the file too: only numbers, or it would
			 * draw what it makes of the rest. */
			double v = strtod(f[map[c]], &end);
			if (*end || !isfinite(v) || v < 0)
				rc = -EINVAL;
			else if (v > s->max[c])
				s->max[c] = v;
		}
	}
	fclose(in);
	return rc;
}

/* Writes a thinned copy of path to out: per bucket of rows, the rows with
 * the lowest and the highest RSS, in time order. */
static int thin_series(const char *path, const char *out, size_t rows, int rss_col)
{
	size_t bucket = rows / (MAX_ROWS / 2) + 1, k = 0;
	char line[LINE_MAX_LEN], copy[LINE_MAX_LEN], lo[LINE_MAX_LEN], hi[LINE_MAX_LEN],
	    *f[MAX_FIELDS];
	double vlo = INFINITY, vhi = -INFINITY;
	size_t ilo = 0, ihi = 0;
	char *text = NULL;
	size_t len = 0;
	FILE *in = NULL, *m;
	int rc = fsutil_open(path, PLOT_SERIES_MAX_FILE, &in);
	if (rc)
		return rc;
	if (!(m = open_memstream(&text, &len))) {
		fclose(in);
		return -ENOMEM;
	}
	if (fgets(line, sizeof(line), in))
		fputs(line, m);
	for (;;) {
		int more = fgets(line, sizeof(line), in) != NULL;
		if (more) {
			snprintf(copy, sizeof(copy), "%s", line);
			int n = split(copy, f, MAX_FIELDS);
			double v = rss_col < n && *f[rss_col] ? strtod(f[rss_col], NULL) : NAN;
			if (!(v >= vlo) && !isnan(v)) {
				vlo = v;
				ilo = k;
				snprintf(lo, sizeof(lo), "%s", line);
			}
			if (v > vhi) {
				vhi = v;
				ihi = k;
				snprintf(hi, sizeof(hi), "%s", line);
			}
			k++;
		}
		if ((!more || k % bucket == 0) && (vhi > -INFINITY)) {
			fputs(ilo <= ihi ? lo : hi, m);
			if (ilo != ihi)
				fputs(ilo <= ihi ? hi : lo, m);
			vlo = INFINITY;
			vhi = -INFINITY;
		}
		if (!more)
			break;
	}
	fclose(in);
	if (fclose(m)) {
		free(text);
		return -ENOMEM;
	}
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%.*s", (int)(strrchr(out, '/') - out), out);
	return plot_save(dir, strrchr(out, '/') + 1, text, len);
}

/* One allocator's panel. */
struct panel {
	const struct rundir_cell *cell; /* drawn in full; NULL: no series */
	char file[PATH_MAX];            /* relative to plots/ */
	char reps[2048];                /* other repetitions' files */
	struct plot_scan scan;
	char title[256], key[128];
	char phase_t[512], phase_n[512], phase_l[128];
	double xmax; /* its own time range: a slow allocator squeezes no other */
};

/* The file gnuplot reads for a series ("../series/x.tsv", or a thinned
 * copy under data/), after scanning it into s. Returns 0 or -errno. */
static int series_file(const struct rundir *rv, const char *dir, const char *series,
                       struct plot_scan *s, char *out, size_t len)
{
	char path[PATH_MAX], thin[PATH_MAX];
	int map[PLOT_NCOLS];
	if (snprintf(path, sizeof(path), "%s/%s", rv->dir, series) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	int rc = plot_scan_series(path, s, map);
	if (rc)
		return rc;
	if (s->rows <= MAX_ROWS) {
		snprintf(out, len, "../%s", series);
		return 0;
	}
	const char *base = strrchr(series, '/') ? strrchr(series, '/') + 1 : series;
	snprintf(thin, sizeof(thin), "%s/data", dir);
	if ((rc = fsutil_mkdirs(thin)))
		return rc;
	snprintf(thin, sizeof(thin), "%s/data/%s", dir, base);
	if ((rc = thin_series(path, thin, s->rows, map[PLOT_COL_RSS])))
		return rc;
	snprintf(out, len, "data/%s", base);
	return 0;
}

/* Phase starts, names and which to label: a label needs room, so short
 * phases (free-all: milliseconds) get their line but no name. */
static void describe_phases(struct panel *p, double xmax)
{
	const struct rundir_cell *c = p->cell;
	double last_label = -INFINITY;
	for (int i = 0; c && i < c->nphases; i++) {
		const struct rundir_phase *ph = &c->phases[i];
		if (ph->samples <= 0 || isnan(ph->start_s) || !strcmp(ph->name, "start"))
			continue;
		double span = isnan(ph->end_s) ? 0 : ph->end_s - ph->start_s;
		int label = ph->start_s - last_label > 0.1 * xmax && span > 0.04 * xmax;
		if (label)
			last_label = ph->start_s;
		char name[WIMM_NAME_MAX];
		snprintf(name, sizeof(name), "%s", ph->name);
		for (char *q = name; *q; q++)
			if (*q == ' ' || *q == '"' || *q == '\\')
				*q = '_'; /* the names are words of a gnuplot string */
		size_t nt = strlen(p->phase_t), nn = strlen(p->phase_n), nl = strlen(p->phase_l);
		snprintf(p->phase_t + nt, sizeof(p->phase_t) - nt, "%s%.4f", nt ? " " : "",
		         ph->start_s);
		snprintf(p->phase_n + nn, sizeof(p->phase_n) - nn, "%s%s", nn ? " " : "", name);
		snprintf(p->phase_l + nl, sizeof(p->phase_l) - nl, "%s%d", nl ? " " : "", label);
	}
}

/* "2.06x budget", "1.99x heap" or the peak itself: what the overlay's key
 * and each panel's title say first. */
static void peak_words(const struct rundir *rv, const struct rundir_block *b, int a, char *buf,
                       size_t len)
{
	const struct rundir_group *g = rundir_group(rv, b->workload, b->threads, a);
	char size[32];
	if (!g || !g->reps_ok) {
		snprintf(buf, len, "failed");
		return;
	}
	if (!isnan(g->m[METRIC_peak_rss_over_budget].median))
		snprintf(buf, len, "peak %.2fx budget", g->m[METRIC_peak_rss_over_budget].median);
	else if (!isnan(g->m[METRIC_blowup].median))
		snprintf(buf, len, "peak %.2fx heap", g->m[METRIC_blowup].median);
	else if (!isnan(g->m[METRIC_peak_rss_bytes].median))
		snprintf(buf, len, "peak %s",
		         units_format_size((uint64_t)g->m[METRIC_peak_rss_bytes].median, size,
		                           sizeof(size)));
	else
		snprintf(buf, len, "peak n/a");
}

static void panel_title(const struct rundir *rv, const struct rundir_block *b, int a,
                        struct panel *p)
{
	const struct rundir_alloc *al = &rv->allocs[a];
	const struct rundir_group *g = rundir_group(rv, b->workload, b->threads, a);
	char peak[64], size[32], idle[64] = "", rep[48] = "";
	peak_words(rv, b, a, peak, sizeof(peak));
	snprintf(p->key, sizeof(p->key), "%s: %s", al->name, peak);
	if (!p->cell) {
		snprintf(p->title, sizeof(p->title), "%s: no series recorded", al->name);
		return;
	}
	if (g && !isnan(g->m[METRIC_peak_rss_bytes].median) && strstr(peak, "x ")) {
		units_format_size((uint64_t)g->m[METRIC_peak_rss_bytes].median, size, sizeof(size));
		size_t n = strlen(peak);
		snprintf(peak + n, sizeof(peak) - n, " (%s)", size);
	}
	if (g && !isnan(g->m[METRIC_idle_end_rss_bytes].median))
		snprintf(idle, sizeof(idle), ", %s after idle",
		         units_format_size((uint64_t)g->m[METRIC_idle_end_rss_bytes].median, size,
		                           sizeof(size)));
	if (g && g->reps_ok + g->reps_failed > 1)
		snprintf(rep, sizeof(rep), " [rep %d of %d]", p->cell->rep,
		         g->reps_ok + g->reps_failed);
	/* Short enough for a third of the width: the versions are in the
	 * report's table of allocators. */
	if (!p->cell->ok)
		snprintf(p->title, sizeof(p->title), "%s: FAILED, %.60s", al->name,
		         p->cell->reason);
	else
		snprintf(p->title, sizeof(p->title), "%s: %s%s%s", al->name, peak, idle, rep);
	/* A third of the width holds about 56 characters at the panels' font:
	 * longer, the name goes on a line of its own. */
	char *colon = strstr(p->title, ": ");
	if (strlen(p->title) > 56 && colon)
		colon[1] = '\n'; /* the blank after "name:" */
}

/* The panels of block b; returns how many allocators have a series.
 * ymax[0] is the top of every panel, ymax[1] of RSS and heap alone: the
 * overlay's, which must not shrink its lines under an allocator's system
 * bytes it does not draw; ymax[2] the top of where.gp's panels. */
static int fill_panels(const struct rundir *rv, const struct rundir_block *b, const char *dir,
                       int xc, struct panel *p, double *xmax, double *ymax)
{
	int with_series = 0;
	for (int a = 0; a < rv->nallocs; a++) {
		p[a].cell = rundir_representative(rv, b->workload, b->threads, a);
		int rc = p[a].cell ? series_file(rv, dir, p[a].cell->series, &p[a].scan, p[a].file,
		                                 sizeof(p[a].file))
		                   : 0;
		if (rc) {
			log_warn("%s/%s: %s; drawn as not recorded", rv->dir, p[a].cell->series,
			         rc == -EINVAL
			             ? "not a wimm series (no t_s and rss_bytes columns, a "
			               "field that is not a number, or a line too long)"
			             : fsutil_strerror(rc));
			p[a].cell = NULL; /* unreadable: drawn as missing */
		}
		if (!p[a].cell) {
			snprintf(p[a].file, sizeof(p[a].file), "empty.tsv");
			continue;
		}
		with_series++;
		for (int c = PLOT_COL_RSS; c < PLOT_NBYTES; c++)
			ymax[0] = fmax(ymax[0], p[a].scan.max[c]);
		/* where.gp stacks the parts up to RSS and the untouched heap
		 * above it. */
		ymax[2] = fmax(ymax[2], p[a].scan.max[PLOT_COL_RSS] +
		                            fmax(0, p[a].scan.max[PLOT_COL_UNTOUCHED]));
		ymax[1] =
		    fmax(ymax[1], fmax(p[a].scan.max[PLOT_COL_RSS], p[a].scan.max[PLOT_COL_HEAP]));
		*xmax = fmax(*xmax, p[a].scan.max[xc]);
		p[a].xmax = p[a].scan.max[xc];
		for (size_t i = 0; i < rv->ncells; i++) {
			const struct rundir_cell *c = &rv->cells[i];
			struct plot_scan s;
			char file[PATH_MAX];
			if (c == p[a].cell || c->alloc != a || c->threads != b->threads ||
			    strcmp(c->workload, b->workload) || !c->series[0] ||
			    series_file(rv, dir, c->series, &s, file, sizeof(file)))
				continue;
			ymax[0] = fmax(ymax[0], s.max[PLOT_COL_RSS]);
			ymax[1] = fmax(ymax[1], s.max[PLOT_COL_RSS]);
			*xmax = fmax(*xmax, s.max[xc]);
			p[a].xmax = fmax(p[a].xmax, s.max[xc]);
			size_t n = strlen(p[a].reps);
			if (n + strlen(file) + 2 < sizeof(p[a].reps))
				snprintf(p[a].reps + n, sizeof(p[a].reps) - n, "%s%s", n ? " " : "",
				         file);
		}
	}
	return with_series;
}

static void write_vars(FILE *f, const struct rundir *rv, const struct rundir_block *b,
                       const char *name, struct panel *p, double xmax, const double *ymax,
                       enum plot_x x)
{
	int n = rv->nallocs, any_reps = 0;
	const char **items = calloc((size_t)n + 1, sizeof(*items));
	char label[160], title[320], size[32];
	double budget = NAN;
	if (!items)
		return;
	for (int a = 0; a < n; a++) {
		const struct rundir_group *g = rundir_group(rv, b->workload, b->threads, a);
		if (g && g->budget_bytes > 0)
			budget = g->budget_bytes;
		any_reps |= p[a].reps[0] != '\0';
	}
	rundir_block_label(b, label, sizeof(label));
	fprintf(f, "# %s: memory over time (written by wimm; drawn by memory.gp)\nout = ", label);
	plot_gp_string(f, name);
	snprintf(title, sizeof(title), "%s: memory %s under %d allocator%s", label,
	         x == PLOT_X_WORK ? "against work done" : "over time", n, n == 1 ? "" : "s");
	fputs("\nfig_title = ", f);
	plot_gp_string(f, title);
	/* RSS alone: each run's heap is in its own panel (the runs differ in
	 * time, so one run's heap would be read against the others' RSS at the
	 * wrong moments). */
	snprintf(title, sizeof(title), "RSS of every allocator%s (its heap: in its panel below)",
	         budget > 0 ? " against the budget" : "");
	fputs("\noverlay_title = ", f);
	plot_gp_string(f, title);
	fprintf(f,
	        "\nn = %d\nxmax = %.4f\nymax = %.3f\nymax_overlay = %.3f\nbudget = %.3f\n"
	        "budget_label = ",
	        n, xmax, ymax[0] / PLOT_MIB, ymax[1] / PLOT_MIB,
	        budget > 0 ? budget / PLOT_MIB : 0.0);
	snprintf(title, sizeof(title), "budget %s",
	         budget > 0 ? units_format_size((uint64_t)budget, size, sizeof(size)) : "");
	plot_gp_string(f, title);
	fputs("\nxcol = ", f);
	plot_gp_string(f, x == PLOT_X_WORK ? "progress" : "t_s");
	fputs("\nxlabel_text = ", f);
	plot_gp_string(f, x == PLOT_X_WORK ? "work done (operations)" : "time (s)");
	fputs("\nreps_note = ", f);
	plot_gp_string(f, any_reps ? "other repetitions' RSS" : "");
	int any_phase = 0;
	for (int a = 0; a < n; a++)
		any_phase |= p[a].phase_t[0] != '\0';
	fputs("\nphase_note = ", f);
	plot_gp_string(f, any_phase ? "phase start" : "");
	fputc('\n', f);

#define ARRAY(gpname, expr, quote)                                                                 \
	do {                                                                                       \
		for (int a = 0; a < n; a++)                                                        \
			items[a] = (expr);                                                         \
		plot_gp_array(f, gpname, items, n, quote);                                         \
	} while (0)
	ARRAY("kname", p[a].key, 1);
	/* The overlay's key, right of it: as wide as its longest entry (about
	 * 8.5 pixels a character at its font, and the line's sample). */
	size_t longest = 0;
	for (int a = 0; a < n; a++)
		longest = strlen(p[a].key) > longest ? strlen(p[a].key) : longest;
	fprintf(f, "key_w = %d\n", (int)fmin(640, fmax(300, 90 + 8.5 * (double)longest)));
	ARRAY("file", p[a].file, 1);
	ARRAY("ptitle", p[a].title, 1);
	ARRAY("has_heap", p[a].scan.max[PLOT_COL_HEAP] > 0 ? "1" : "0", 0);
	ARRAY("has_in_use", p[a].scan.max[PLOT_COL_IN_USE] > 0 ? "1" : "0", 0);
	ARRAY("has_system", p[a].scan.max[PLOT_COL_SYSTEM] > 0 ? "1" : "0", 0);
	ARRAY("reps", p[a].reps, 1);
	ARRAY("phase_t", p[a].phase_t, 1);
	ARRAY("phase_n", p[a].phase_n, 1);
	ARRAY("phase_l", p[a].phase_l, 1);
#undef ARRAY
	fprintf(f, "array pxmax[%d] = [", n > 0 ? n : 1);
	for (int a = 0; a < n; a++)
		fprintf(f, "%s%.4f", a ? ", " : "", p[a].xmax > 0 ? p[a].xmax : xmax);
	fputs(n > 0 ? "]\n" : "1]\n", f);
	plot_gp_linetypes(f, rv->allocs, n);
	free(items);
}

/* A y range that ends on a round number a little above the top. */
static double nice_top(double v)
{
	if (!(v > 0))
		return 1;
	v *= 1.06;
	double step = pow(10, floor(log10(v)));
	for (double m = 1; m <= 10; m += 0.5)
		if (m * step >= v)
			return m * step;
	return v;
}

static int write_block(const struct rundir *rv, const struct rundir_block *b, const char *dir,
                       enum plot_x x, struct plot_jobs *jobs)
{
	struct panel *p = calloc((size_t)rv->nallocs + 1, sizeof(*p));
	char name[160], vars[200];
	double xmax = 0, ymax[3] = {0, 0, 0};
	char *text = NULL;
	size_t len = 0;
	int rc = 0;
	FILE *f;
	if (!p)
		return -ENOMEM;
	plot_block_figure(b, name, sizeof(name));
	if (fill_panels(rv, b, dir, x == PLOT_X_WORK ? PLOT_COL_PROGRESS : PLOT_COL_T, p, &xmax,
	                ymax) == 0)
		goto out; /* nothing was recorded: no figure */
	if (x == PLOT_X_WORK && !(xmax > 0)) {
		/* A program that reports no progress (wimm exec): time it is. */
		log_warn("%s: no progress recorded; drawn against time", name);
		x = PLOT_X_TIME;
		xmax = 0;
		fill_panels(rv, b, dir, PLOT_COL_T, p, &xmax, ymax);
	}
	for (int a = 0; a < rv->nallocs; a++)
		if (rundir_group(rv, b->workload, b->threads, a) &&
		    rundir_group(rv, b->workload, b->threads, a)->budget_bytes > 0)
			for (int k = 0; k < 2; k++)
				ymax[k] = fmax(
				    ymax[k],
				    rundir_group(rv, b->workload, b->threads, a)->budget_bytes);
	xmax = xmax > 0 ? xmax * 1.02 : 1;
	for (int a = 0; a < rv->nallocs; a++) {
		p[a].xmax = p[a].xmax > 0 ? p[a].xmax * 1.02 : xmax;
		/* Phase starts are times: against work, an idle is a vertical
		 * line at the end, drawn by the data itself. */
		if (x == PLOT_X_TIME)
			describe_phases(&p[a], p[a].xmax);
		panel_title(rv, b, a, &p[a]);
	}
	if (!(f = open_memstream(&text, &len))) {
		rc = -ENOMEM;
		goto out;
	}
	for (int k = 0; k < 3; k++)
		ymax[k] = nice_top(ymax[k] / PLOT_MIB) * PLOT_MIB;
	write_vars(f, rv, b, name, p, xmax, ymax, x);
	if (fclose(f)) {
		free(text);
		rc = -ENOMEM;
		goto out;
	}
	snprintf(vars, sizeof(vars), "%s.vars", name);
	if (!(rc = plot_save(dir, vars, text, len)))
		rc = plot_jobs_add(jobs, name, "memory.gp");
	/* Series from before the parts were recorded have none to draw. */
	int parts = 0;
	for (int a = 0; a < rv->nallocs; a++)
		parts |= p[a].cell && p[a].scan.max[PLOT_COL_UNSPLIT] >= 0;
	if (!rc && parts)
		rc = where_plot_block(rv, b, dir, name, ymax[2], jobs);
out:
	free(p);
	return rc;
}

int plot_memory_write(const struct rundir *rv, const char *dir, enum plot_x x,
                      struct plot_jobs *jobs)
{
	/* A panel without a series reads this: the header and one n/a row. */
	static const char empty[] = "t_s\trss_bytes\theap_bytes\talloc_in_use_bytes\t"
	                            "alloc_system_bytes\talloc_resident_bytes\tarenas\tphase\t"
	                            "rss_file_bytes\tpart_heap_bytes\tpart_unused_bytes\t"
	                            "part_foreign_bytes\tpart_unsplit_bytes\tuntouched_bytes\n"
	                            "0\t\t\t\t\t\t\t\t\t\t\t\t\t\n";
	char *text = strdup(empty);
	int rc = text ? plot_save(dir, "empty.tsv", text, sizeof(empty) - 1) : -ENOMEM;
	for (size_t i = 0; i < rv->nblocks && rc == 0; i++)
		rc = write_block(rv, &rv->blocks[i], dir, x, jobs);
	return rc;
}
