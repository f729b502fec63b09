/* table.c - the end-of-run summary table (see table.h): its rows are the
 * figures the metric table marks SHOW_TABLE. */
#include "bench/report/table.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench/results/cell_io.h"
#include "bench/results/stats.h"

#define COL 12

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
                        const struct cell_record *cells, size_t n, const double *values,
                        double *vals)
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
	/* The rows: every figure the metric table marks SHOW_TABLE, in its
	 * order; an optional one only when an allocator has it. */
	for (int id = 0; id < METRIC_N; id++) {
		const struct metric *m = &metrics[id];
		char line[1024], label[64];
		if (!(m->show & SHOW_TABLE))
			continue;
		snprintf(label, sizeof(label), "%s%s", m->show & SHOW_SUB ? "  " : "", m->label);
		int len = snprintf(line, sizeof(line), "  %-22s", label), any = 0;
		for (int a = 0; a < ax->nallocators; a++) {
			size_t k = 0;
			for (size_t i = 0; i < n; i++)
				if (matches(&cells[i], w, t, ax->allocators[a]) &&
				    !strcmp(cells[i].status, "ok"))
					vals[k++] = values[i * METRIC_N + (size_t)id];
			double v = k ? stats_median(vals, k) : NAN;
			any |= !isnan(v);
			metrics_format(m->unit, v, buf, sizeof(buf));
			if (len < (int)sizeof(line))
				len += snprintf(line + len, sizeof(line) - (size_t)len, " %*s", COL,
				                buf);
		}
		if (any || !(m->show & SHOW_OPTIONAL))
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
	/* Every cell's figures by metric id, virtual ones computed. */
	double *vals = calloc(n + 1, sizeof(*vals));
	double *values = calloc(n * METRIC_N + 1, sizeof(*values));
	if (!vals || !values) {
		free(vals);
		free(values);
		return;
	}
	for (size_t i = 0; i < n; i++)
		cell_values(&cells[i], values + i * METRIC_N);
	for (int w = 0; w < ax->nworkloads; w++) {
		long threads[64];
		int nt = threads_of(ax->workloads[w], cells, n, threads, 64);
		for (int t = 0; t < nt; t++) {
			print_block(f, ax, ax->workloads[w], threads[t], cells, n, values, vals);
			fputc('\n', f);
		}
	}
	free(vals);
	free(values);
}
