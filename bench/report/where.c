/* where.c - the parts of RSS in figures and words (see where.h).
 *
 * Everything here reads the part figures of the metric table (at the
 * sampled peak, the end of the work, the end of the run) and the series'
 * part columns; how a part is computed is split.h's alone.
 */
#include "bench/report/where.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/report/plot.h"
#include "bench/run/split.h"
#include "common/units.h"

#define SENTENCE REPORT_SENTENCE_MAX
/* A part worth a sentence: this share of RSS, and at least this much. */
#define SHARE_NAMED 0.25
#define BYTES_NAMED (4 * 1024.0 * 1024.0)

/* The figure ids of each instant, in enum where_part order, then RSS and
 * the untouched bytes. */
static const int ids[WHERE_NAT][WHERE_NPARTS + 2] = {
    [WHERE_PEAK] = {METRIC_peak_part_heap_bytes, METRIC_peak_part_unused_bytes,
                    METRIC_peak_part_unsplit_bytes, METRIC_peak_part_foreign_bytes,
                    METRIC_peak_part_file_bytes, METRIC_sampled_peak_rss_bytes,
                    METRIC_peak_untouched_bytes},
    [WHERE_WORK_END] = {METRIC_work_end_part_heap_bytes, METRIC_work_end_part_unused_bytes,
                        METRIC_work_end_part_unsplit_bytes, METRIC_work_end_part_foreign_bytes,
                        METRIC_work_end_part_file_bytes, METRIC_work_end_rss_bytes,
                        METRIC_work_end_untouched_bytes},
    [WHERE_END] = {METRIC_end_part_heap_bytes, METRIC_end_part_unused_bytes,
                   METRIC_end_part_unsplit_bytes, METRIC_end_part_foreign_bytes,
                   METRIC_end_part_file_bytes, METRIC_final_rss_bytes, METRIC_end_untouched_bytes},
};

int where_parts(const struct rundir_group *g, enum where_at at, double *parts, double *rss,
                double *untouched)
{
	int best = -1;
	*rss = g && g->reps_ok ? g->m[ids[at][WHERE_NPARTS]].median : NAN;
	*untouched = g ? g->m[ids[at][WHERE_NPARTS + 1]].median : NAN;
	for (int p = 0; p < WHERE_NPARTS; p++) {
		parts[p] = g ? g->m[ids[at][p]].median : NAN;
		if (!isnan(parts[p]) && (best < 0 || parts[p] > parts[best]))
			best = p;
	}
	return isnan(*rss) ? -1 : best;
}

const char *where_part_words(enum where_part p)
{
	static const char *const words[WHERE_NPARTS] = {[WHERE_HEAP] = "the live heap",
	                                                [WHERE_UNUSED] =
	                                                    "held by the allocator but not in use",
	                                                [WHERE_UNSPLIT] = "not separable",
	                                                [WHERE_FOREIGN] = "not from malloc",
	                                                [WHERE_FILE] = "file-backed and shared"};
	return p < WHERE_NPARTS ? words[p] : "?";
}

static const char *const short_words[WHERE_NPARTS] = {"heap", "held unused", "not separable",
                                                      "not from malloc", "files"};

/* "end 72.1 MiB, 96% held unused": an instant's RSS and its largest part. */
static int instant_words(const struct rundir_group *g, enum where_at at, const char *name,
                         char *buf, size_t len)
{
	double parts[WHERE_NPARTS], rss, untouched;
	char size[32];
	int top = where_parts(g, at, parts, &rss, &untouched);
	if (top < 0 || !(rss > 0))
		return 0;
	return snprintf(buf, len, "%s %s, %.0f%% %s", name,
	                units_format_size((uint64_t)rss, size, sizeof(size)),
	                100 * parts[top] / rss, short_words[top]);
}

int where_plot_block(const struct rundir *rv, const struct rundir_block *b, const char *dir,
                     const char *memory_name, double ymax, struct plot_jobs *jobs)
{
	char name[200], label[160], title[320], *text = NULL;
	size_t len = 0;
	int n = rv->nallocs, rc;
	const char **items = calloc((size_t)n + 1, sizeof(*items));
	char(*titles)[160] = calloc((size_t)n + 1, sizeof(*titles));
	FILE *f = NULL;
	if (!items || !titles || !(f = open_memstream(&text, &len))) {
		rc = -ENOMEM;
		goto out;
	}
	plot_block_where(b, name, sizeof(name));
	rundir_block_label(b, label, sizeof(label));
	fprintf(f, "# %s: where is my memory (written by wimm; drawn by where.gp)\nload ", label);
	snprintf(title, sizeof(title), "%s.vars", memory_name);
	plot_gp_string(f, title);
	fputs("\nout = ", f);
	plot_gp_string(f, name);
	snprintf(title, sizeof(title), "%s: where is my memory, under %d allocator%s", label, n,
	         n == 1 ? "" : "s");
	fputs("\nfig_title = ", f);
	plot_gp_string(f, title);
	fprintf(f, "\nymax_where = %.3f\n", ymax / PLOT_MIB);
	for (int a = 0; a < n; a++) {
		const struct rundir_group *g = rundir_group(rv, b->workload, b->threads, a);
		char peak[80] = "", end[80] = "";
		instant_words(g, WHERE_PEAK, "peak", peak, sizeof(peak));
		instant_words(g, WHERE_END, "end", end, sizeof(end));
		/* Two lines: a third of the width holds one of them. */
		snprintf(titles[a], sizeof(titles[a]), "%s: %s%s%s", rv->allocs[a].name,
		         peak[0] ? peak : "no parts recorded", end[0] ? "\n" : "", end);
		items[a] = titles[a];
	}
	plot_gp_array(f, "wtitle", items, n, 1);
	if (fclose(f)) {
		f = NULL;
		rc = -ENOMEM;
		goto out;
	}
	f = NULL;
	snprintf(title, sizeof(title), "%s.vars", name);
	rc = plot_save(dir, title, text, len);
	text = NULL; /* plot_save frees it */
	if (!rc)
		rc = plot_jobs_add(jobs, name, "where.gp");
out:
	if (f)
		fclose(f);
	free(text);
	free(items);
	free(titles);
	return rc;
}

/* ---- sentences ---- */

static char *size_str(double v, char *buf, size_t len)
{
	return metrics_format(MU_BYTES, v, buf, len);
}

/* The thread count the sentences speak of: the largest the workload ran
 * at (-1 for a real program). */
static int focus_threads(const struct rundir *rv, const char *w)
{
	int t = INT32_MIN;
	for (size_t i = 0; i < rv->nblocks; i++)
		if (!strcmp(rv->blocks[i].workload, w) && rv->blocks[i].threads > t)
			t = rv->blocks[i].threads;
	return t;
}

static void with_threads(int t, char *buf, size_t len)
{
	if (t < 0)
		buf[0] = '\0';
	else
		snprintf(buf, len, " with %d thread%s", t, t == 1 ? "" : "s");
}

/* CPU time (user + sys), median; NaN when n/a. */
static double cpu_of(const struct rundir *rv, const char *w, int t, int a)
{
	return rundir_median(rv, w, t, a, METRIC_user_s) + rundir_median(rv, w, t, a, METRIC_sys_s);
}

/* Appends "; glibc-mmap-fixed held 120 KiB unused at the end, at 2.31x
 * glibc's CPU time" for the allocator that held least at the end, when it
 * is not one of those named (worst: the first named). */
static int least_held(const struct rundir *rv, const char *w, int t, const int *named, int worst,
                      char *out, size_t len)
{
	int best = -1;
	double least = INFINITY;
	for (int a = 0; a < rv->nallocs; a++) {
		double parts[WHERE_NPARTS], rss, untouched;
		if (named[a] ||
		    where_parts(rundir_group(rv, w, t, a), WHERE_END, parts, &rss, &untouched) <
		        0 ||
		    isnan(parts[WHERE_UNUSED]))
			continue;
		if (parts[WHERE_UNUSED] < least) {
			least = parts[WHERE_UNUSED];
			best = a;
		}
	}
	if (best < 0)
		return 0;
	char s[32];
	int n = snprintf(out, len, "; %s held %s unused at the end", rv->allocs[best].name,
	                 size_str(least, s, sizeof(s)));
	double ratio = cpu_of(rv, w, t, best) / cpu_of(rv, w, t, worst);
	if (isfinite(ratio) && n < (int)len)
		n += snprintf(out + n, len - (size_t)n, ", at %.2fx %s's CPU time", ratio,
		              rv->allocs[worst].name);
	return n;
}

/* "At the end of the run with 4 threads, glibc held 51.7 MiB it did not
 * use (72% of its RSS; the live heap was 0 B); ..." */
static int unused_sentence(const struct rundir *rv, const char *w, int t, char *out)
{
	int named[256] = {0}, count = 0, n = 0, worst = -1;
	char thr[48], a[32], b[32];
	with_threads(t, thr, sizeof(thr));
	for (int k = 0; k < rv->nallocs && k < 256; k++) {
		double parts[WHERE_NPARTS], rss, untouched;
		if (where_parts(rundir_group(rv, w, t, k), WHERE_END, parts, &rss, &untouched) < 0)
			continue;
		double u = parts[WHERE_UNUSED];
		if (!(u >= BYTES_NAMED && u >= SHARE_NAMED * rss))
			continue;
		named[k] = 1;
		if (worst < 0)
			worst = k;
		if (count++ == 0)
			n = snprintf(
			    out, SENTENCE,
			    "At the end of the run%s, %s held %s it did not use (%.0f%% of "
			    "its RSS; the live heap was %s)",
			    thr, rv->allocs[k].name, size_str(u, a, sizeof(a)), 100 * u / rss,
			    size_str(parts[WHERE_HEAP], b, sizeof(b)));
		else if (n < SENTENCE)
			n += snprintf(out + n, SENTENCE - (size_t)n, ", %s %s (%.0f%%)",
			              rv->allocs[k].name, size_str(u, a, sizeof(a)), 100 * u / rss);
	}
	if (!count)
		return 0;
	if (n < SENTENCE)
		n += least_held(rv, w, t, named, worst, out + n, SENTENCE - (size_t)n);
	if (n < SENTENCE)
		snprintf(out + n, SENTENCE - (size_t)n, ".");
	return 1;
}

/* "71% of glibc's peak RSS never came from malloc (...)": memory the
 * allocator never saw, so no allocator can change it. */
static int foreign_sentence(const struct rundir *rv, const char *w, int t, char *out)
{
	int count = 0, n = 0;
	char thr[48], a[32];
	with_threads(t, thr, sizeof(thr));
	for (int k = 0; k < rv->nallocs; k++) {
		double parts[WHERE_NPARTS], rss, untouched;
		if (where_parts(rundir_group(rv, w, t, k), WHERE_PEAK, parts, &rss, &untouched) < 0)
			continue;
		double f = parts[WHERE_FOREIGN];
		if (!(f >= BYTES_NAMED && f >= SHARE_NAMED * rss))
			continue;
		if (count++ == 0)
			n = snprintf(
			    out, SENTENCE, "%.0f%% of %s's peak RSS%s never came from malloc (%s)",
			    100 * f / rss, rv->allocs[k].name, thr, size_str(f, a, sizeof(a)));
		else if (n < SENTENCE)
			n += snprintf(out + n, SENTENCE - (size_t)n, ", %.0f%% of %s's (%s)",
			              100 * f / rss, rv->allocs[k].name, size_str(f, a, sizeof(a)));
	}
	if (!count)
		return 0;
	/* A Python program's small objects live in pymalloc's arenas, which
	 * it maps itself; PYTHONMALLOC=malloc hands them to the allocator. */
	int python = !strncmp(w, "python", 6);
	int pm = rundir_alloc_index(rv, "python-malloc");
	double parts[WHERE_NPARTS], rss, untouched;
	if (python && pm >= 0 &&
	    where_parts(rundir_group(rv, w, t, pm), WHERE_PEAK, parts, &rss, &untouched) >= 0 &&
	    !isnan(parts[WHERE_FOREIGN]) && rss > 0)
		n += snprintf(out + n, SENTENCE - (size_t)n,
		              ": pymalloc's arenas, thread stacks and direct mmap; under "
		              "python-malloc, which routes Python's objects through malloc, it was "
		              "%.0f%% (%s)",
		              100 * parts[WHERE_FOREIGN] / rss,
		              size_str(parts[WHERE_FOREIGN], a, sizeof(a)));
	else if (python && n < SENTENCE)
		n += snprintf(out + n, SENTENCE - (size_t)n,
		              ": pymalloc's arenas, thread stacks and direct mmap; rerun with the "
		              "python-malloc variant (-a python-malloc) to route Python's objects "
		              "through the allocator");
	else if (n < SENTENCE)
		n += snprintf(out + n, SENTENCE - (size_t)n,
		              ": thread stacks, direct mmap, other allocators inside the program");
	if (n < SENTENCE)
		snprintf(out + n, SENTENCE - (size_t)n,
		         python ? ". RSS / heap counts it against the allocator."
		                : ". No allocator changes that part, and RSS / heap counts it "
		                  "against the allocator.");
	return 1;
}

/* A median as a part: -1 when n/a (split.h's convention). */
static int64_t part_of(double v) { return isnan(v) ? -1 : (int64_t)v; }

/* Parts the figures could not tell apart, in split.h's words: always when
 * an allocator lacks a figure, and for the lag between the probe's
 * readings when it is a large share of the peak. */
static int unsplit_sentence(const struct rundir *rv, const char *w, int t, char *out)
{
	for (int k = 0; k < rv->nallocs; k++) {
		double v[WHERE_NPARTS], rss, untouched;
		char a[32];
		if (where_parts(rundir_group(rv, w, t, k), WHERE_PEAK, v, &rss, &untouched) < 0)
			continue;
		const struct split_parts p = {.file = part_of(v[WHERE_FILE]),
		                              .heap = part_of(v[WHERE_HEAP]),
		                              .unused = part_of(v[WHERE_UNUSED]),
		                              .foreign = part_of(v[WHERE_FOREIGN]),
		                              .unsplit = part_of(v[WHERE_UNSPLIT]),
		                              .untouched = part_of(untouched)};
		const char *words = split_unsplit_words(&p);
		int lag = p.heap >= 0 && p.unused >= 0 && p.foreign >= 0;
		if (!words || (lag && !(v[WHERE_UNSPLIT] >= SHARE_NAMED * rss)))
			continue;
		snprintf(out, SENTENCE, "Not separable under %s (%s at the peak): %s.",
		         rv->allocs[k].name, size_str(v[WHERE_UNSPLIT], a, sizeof(a)), words);
		return 1;
	}
	return 0;
}

static int untouched_sentence(const struct rundir *rv, const char *w, int t, char *out)
{
	for (int k = 0; k < rv->nallocs; k++) {
		double parts[WHERE_NPARTS], rss, untouched;
		char a[32];
		if (where_parts(rundir_group(rv, w, t, k), WHERE_PEAK, parts, &rss, &untouched) <
		        0 ||
		    !(untouched >= BYTES_NAMED))
			continue;
		snprintf(out, SENTENCE,
		         "Under %s the heap exceeded what was resident by %s at the peak: "
		         "allocated but never touched, so not in RSS.",
		         rv->allocs[k].name, size_str(untouched, a, sizeof(a)));
		return 1;
	}
	return 0;
}

int where_findings(const struct rundir *rv, const char *w, char (*out)[REPORT_SENTENCE_MAX],
                   int max)
{
	int (*const say[])(const struct rundir *, const char *, int, char *) = {
	    unused_sentence, foreign_sentence, unsplit_sentence, untouched_sentence};
	int t = focus_threads(rv, w), n = 0;
	if (t == INT32_MIN)
		return 0;
	for (size_t i = 0; i < sizeof(say) / sizeof(say[0]) && n < max; i++)
		n += say[i](rv, w, t, out[n]);
	return n;
}
