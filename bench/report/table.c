/* table.c - the end-of-run summary table (see table.h). */
#include "bench/report/table.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench/results/stats.h"
#include "common/units.h"

#define COL 12

enum fmt { FMT_SIZE, FMT_RATIO, FMT_SECONDS };

struct row {
	const char *label;
	enum fmt fmt;
	double (*get)(const struct cell_record *);
	int optional; /* left out when no allocator has a value */
};

static double peak_rss(const struct cell_record *c) { return (double)c->peak_rss_bytes; }
static double peak_heap(const struct cell_record *c) { return (double)c->peak_heap_bytes; }
static double blowup(const struct cell_record *c) { return c->blowup; }
static double over_budget(const struct cell_record *c) { return c->peak_rss_over_budget; }
static double idle_rss(const struct cell_record *c) { return (double)c->idle_end_rss_bytes; }
static double work_ratio(const struct cell_record *c) { return c->work_end_rss_over_heap; }
static double leak(const struct cell_record *c) { return c->leak_heap_per_iter_bytes; }
static double leak_rss(const struct cell_record *c) { return c->leak_rss_per_iter_bytes; }
static double wall(const struct cell_record *c) { return c->wall_s; }
static double cpu(const struct cell_record *c) { return c->user_s + c->sys_s; }

static const struct row rows[] = {
    {"peak RSS", FMT_SIZE, peak_rss, 0},
    {"peak heap", FMT_SIZE, peak_heap, 0},
    {"peak RSS / heap", FMT_RATIO, blowup, 0},
    {"peak RSS / budget", FMT_RATIO, over_budget, 1},
    {"RSS / heap, work end", FMT_RATIO, work_ratio, 1},
    {"leak per iteration", FMT_SIZE, leak, 1},
    {"  RSS per iteration", FMT_SIZE, leak_rss, 1},
    {"RSS after idle", FMT_SIZE, idle_rss, 1},
    {"wall time", FMT_SECONDS, wall, 0},
    {"CPU time", FMT_SECONDS, cpu, 0},
};

static void format(enum fmt fmt, double v, char *buf, size_t len)
{
	if (isnan(v) || v < 0) {
		snprintf(buf, len, "n/a");
		return;
	}
	switch (fmt) {
	case FMT_SIZE:
		units_format_size((uint64_t)v, buf, len);
		break;
	case FMT_RATIO:
		units_format_ratio(v, buf, len);
		break;
	case FMT_SECONDS:
		units_format_duration(v, buf, len);
		break;
	}
}

static int matches(const struct cell_record *c, const char *w, long t, const char *a)
{
	return c->threads == t && !strcmp(c->workload, w) && !strcmp(c->allocator, a);
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return (x > y) - (x < y);
}

/* Thread counts that workload w was run at, sorted. */
static int threads_of(const char *w, const struct cell_record *cells, size_t n, long *out, int max)
{
	int k = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(cells[i].workload, w))
			continue;
		int seen = 0;
		for (int j = 0; j < k; j++)
			seen |= out[j] == cells[i].threads;
		if (!seen && k < max)
			out[k++] = cells[i].threads;
	}
	qsort(out, (size_t)k, sizeof(*out), cmp_long);
	return k;
}

static void print_block(FILE *f, const struct table_axes *ax, const char *w, long t,
                        const struct cell_record *cells, size_t n, double *vals)
{
	char head[96], buf[32];
	if (t < 0) /* a real program: threads are its own business */
		snprintf(head, sizeof(head), "%s", w);
	else
		snprintf(head, sizeof(head), "%s, %ld thread%s", w, t, t == 1 ? "" : "s");
	fprintf(f, "%-24s", head);
	for (int a = 0; a < ax->nallocators; a++)
		fprintf(f, " %*s", COL, ax->allocators[a]);
	fputc('\n', f);
	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		char line[1024];
		int len = snprintf(line, sizeof(line), "  %-22s", rows[r].label), any = 0;
		for (int a = 0; a < ax->nallocators; a++) {
			size_t k = 0;
			for (size_t i = 0; i < n; i++)
				if (matches(&cells[i], w, t, ax->allocators[a]) &&
				    !strcmp(cells[i].status, "ok"))
					vals[k++] = rows[r].get(&cells[i]);
			double v = k ? stats_median(vals, k) : NAN;
			any |= !isnan(v) && v >= 0;
			format(rows[r].fmt, v, buf, sizeof(buf));
			if (len < (int)sizeof(line))
				len += snprintf(line + len, sizeof(line) - (size_t)len, " %*s", COL,
				                buf);
		}
		if (any || !rows[r].optional)
			fprintf(f, "%s\n", line);
	}
	/* A status row only when something failed, with the count. */
	int any_failed = 0;
	for (size_t i = 0; i < n; i++)
		any_failed |=
		    matches(&cells[i], w, t, cells[i].allocator) && strcmp(cells[i].status, "ok");
	if (!any_failed)
		return;
	fprintf(f, "  %-22s", "failed cells");
	for (int a = 0; a < ax->nallocators; a++) {
		int bad = 0, all = 0;
		for (size_t i = 0; i < n; i++)
			if (matches(&cells[i], w, t, ax->allocators[a])) {
				all++;
				bad += strcmp(cells[i].status, "ok") != 0;
			}
		snprintf(buf, sizeof(buf), "%d/%d", bad, all);
		fprintf(f, " %*s", COL, buf);
	}
	fputc('\n', f);
}

void table_print(FILE *f, const struct table_axes *ax, const struct cell_record *cells, size_t n)
{
	double *vals = calloc(n + 1, sizeof(*vals));
	if (!vals)
		return;
	for (int w = 0; w < ax->nworkloads; w++) {
		long threads[64];
		int nt = threads_of(ax->workloads[w], cells, n, threads, 64);
		for (int t = 0; t < nt; t++) {
			print_block(f, ax, ax->workloads[w], threads[t], cells, n, vals);
			fputc('\n', f);
		}
	}
	free(vals);
}
