/* report_phases.c - the report's table of phases: for a block whose cells
 * had phases (a workload's, or those a program marked with wimm.h or
 * wimm.py), the duration, RSS and heap at each phase's end, and its heap
 * growth per iteration where it has one, one column per allocator,
 * medians over the repetitions that succeeded (see report.h).
 *
 * "start" (the time before the first phase) is left out, as the figures
 * leave it out. A phase is matched by name across cells.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/report/report.h"
#include "bench/report/table.h"
#include "bench/results/stats.h"

/* The figures of a row, in struct rundir_phase. */
enum row_kind { ROW_DURATION, ROW_RSS, ROW_HEAP, ROW_GROWTH, ROW_KINDS };

static const char *const row_words[ROW_KINDS] = {"duration", "RSS at its end", "heap at its end",
                                                 "heap per iteration"};

static double figure(const struct rundir_phase *p, enum row_kind k)
{
	switch (k) {
	case ROW_DURATION:
		return p->duration_s;
	case ROW_RSS:
		return p->rss_end_bytes;
	case ROW_HEAP:
		return p->heap_end_bytes;
	case ROW_GROWTH:
	case ROW_KINDS:
		break;
	}
	return p->heap_growth;
}

static const struct rundir_phase *phase_named(const struct rundir_cell *c, const char *name)
{
	for (int i = 0; i < c->nphases; i++)
		if (!strcmp(c->phases[i].name, name))
			return &c->phases[i];
	return NULL;
}

/* The median of figure k of phase `name` over the ok cells of group g, and
 * the median of its interval's half-width (growth only); NaN when none. */
static double median_of(const struct rundir *rv, const struct rundir_group *g, const char *name,
                        enum row_kind k, double *ci95)
{
	double v[64], ci[64];
	size_t n = 0, nci = 0;
	for (size_t i = 0; g && i < g->ncells && n < 64; i++) {
		const struct rundir_cell *c = &rv->cells[g->cells[i]];
		const struct rundir_phase *p = c->ok ? phase_named(c, name) : NULL;
		double x = p ? figure(p, k) : NAN;
		if (isnan(x))
			continue;
		v[n++] = x;
		if (!isnan(p->heap_growth_ci95))
			ci[nci++] = p->heap_growth_ci95;
	}
	*ci95 = nci ? stats_median(ci, nci) : NAN;
	return n ? stats_median(v, n) : NAN;
}

/* The names of the block's phases, in the order of the first cell that
 * has each. Returns how many (at most max). */
static int block_phases(const struct rundir *rv, const struct rundir_block *b, const char **names,
                        int max)
{
	int n = 0;
	for (size_t i = 0; i < rv->ncells; i++) {
		const struct rundir_cell *c = &rv->cells[i];
		if (strcmp(c->workload, b->workload) || c->threads != b->threads)
			continue;
		for (int k = 0; k < c->nphases; k++) {
			const char *name = c->phases[k].name;
			int seen = !strcmp(name, "start") || c->phases[k].samples <= 0;
			for (int j = 0; j < n && !seen; j++)
				seen = !strcmp(names[j], name);
			if (!seen && n < max)
				names[n++] = name;
		}
	}
	return n;
}

static void format(enum row_kind k, double v, double ci, char *out)
{
	char a[24], b[24];
	if (k == ROW_DURATION) {
		metrics_format(MU_SECONDS, v, out, TABLE_CELL_MAX);
	} else if (k == ROW_GROWTH && !isnan(v) && !isnan(ci)) {
		metrics_format(MU_BYTES, v, a, sizeof(a));
		metrics_format(MU_BYTES, ci, b, sizeof(b));
		snprintf(out, TABLE_CELL_MAX, "%.20s +-%.20s", a, b);
	} else {
		metrics_format(MU_BYTES, v, out, TABLE_CELL_MAX);
	}
}

int report_phase_table_build(const struct rundir *rv, const struct rundir_block *b, struct table *t)
{
	const char *names[WIMM_SERIES_PHASES];
	int np = block_phases(rv, b, names, WIMM_SERIES_PHASES), nc = rv->nallocs;
	*t = (struct table){0};
	if (!np)
		return 0;
	t->label = calloc((size_t)np * ROW_KINDS, sizeof(*t->label));
	t->cell = calloc((size_t)np * ROW_KINDS * (size_t)(nc ? nc : 1), sizeof(*t->cell));
	if (!t->label || !t->cell) {
		table_free(t);
		return -ENOMEM;
	}
	t->ncols = nc;
	for (int p = 0; p < np; p++)
		for (int k = 0; k < ROW_KINDS; k++) {
			int any = 0;
			for (int a = 0; a < nc; a++) {
				double ci;
				const struct rundir_group *g =
				    rundir_group(rv, b->workload, b->threads, a);
				double v = median_of(rv, g, names[p], (enum row_kind)k, &ci);
				any |= !isnan(v);
				format((enum row_kind)k, v, ci, t->cell[t->nrows * nc + a]);
			}
			/* A growth only where a phase has one; the rest always. */
			if (any || k != ROW_GROWTH)
				snprintf(t->label[t->nrows++], TABLE_CELL_MAX, "%.24s: %s",
				         names[p], row_words[k]);
		}
	return 0;
}

int report_block_table(const struct rundir *rv, const struct rundir_block *b, int phases,
                       const char *heading, struct table *t, char *label, size_t len)
{
	if (phases ? report_phase_table_build(rv, b, t) : table_build(rv, b, SHOW_REPORT, t))
		return -1;
	if (!t->nrows) {
		table_free(t);
		return -1;
	}
	rundir_block_label(b, label, len);
	if (heading)
		snprintf(label, len, "%s", heading);
	return 0;
}
