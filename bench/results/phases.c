/* phases.c - per-phase figures from a cell's series (see phases.h). */
#include "bench/results/phases.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Least squares y = a + b x over the samples of phase `ph` whose progress
 * x lies in [lo, hi]; y is RSS or heap. Returns b and sets *r2, or NaN when
 * there are too few points. */
static double fit(const struct series *s, int ph, double lo, double hi, int rss, double *r2)
{
	double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct sample *row = &s->rows[i];
		double x = (double)row->progress;
		if (row->phase != ph || row->progress < 0 || x < lo || x > hi)
			continue;
		double y = (double)(rss ? row->rss_bytes : row->heap_bytes);
		n++;
		sx += x;
		sy += y;
		sxx += x * x;
		sxy += x * y;
		syy += y * y;
	}
	*r2 = NAN;
	double vx = n * sxx - sx * sx, vy = n * syy - sy * sy;
	if (n < 5 || vx <= 0)
		return NAN;
	double cov = n * sxy - sx * sy;
	*r2 = vy > 0 ? cov * cov / (vx * vy) : 1.0;
	return cov / vx;
}

/* Growth per iteration of a leak phase: the slope of heap and of RSS
 * against the iterations done (the worker's progress counter), not against
 * time, so a busy machine that slows the work changes nothing. The first
 * and last tenth of the iterations are left out: they hold the ramp of the
 * churn window and its release. */
static void leak_growth(const struct series *s, int ph, struct phase_stat *st)
{
	double lo = INFINITY, hi = -INFINITY, r2;
	for (size_t i = 0; i < s->n; i++)
		if (s->rows[i].phase == ph && s->rows[i].progress >= 0) {
			lo = fmin(lo, (double)s->rows[i].progress);
			hi = fmax(hi, (double)s->rows[i].progress);
		}
	if (!(hi > lo))
		return;
	double span = hi - lo;
	st->heap_growth_per_iter_bytes = fit(s, ph, lo + span * 0.1, hi - span * 0.1, 0, &r2);
	st->rss_growth_per_iter_bytes =
	    fit(s, ph, lo + span * 0.1, hi - span * 0.1, 1, &st->rss_r2);
}

void phases_compute(const struct series *s, const struct workload *w,
                    const struct phase_snapshot *snapshots, struct phase_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->n = s->nphases < SERIES_MAX_PHASES ? s->nphases : SERIES_MAX_PHASES;
	for (int i = 0; i < out->n; i++) {
		struct phase_stat *st = &out->p[i];
		snprintf(st->name, sizeof(st->name), "%s", s->phase_names[i]);
#define PHASE_NA_I(key) st->key = -1;
#define PHASE_NA_F(key) st->key = NAN;
#define PHASE_NA_(key, type, unit, group, doc) PHASE_NA_##type(key)
		PHASE_FIELDS(PHASE_NA_)
#undef PHASE_NA_
		st->samples = 0;
		st->duration_s = snapshots ? snapshots[i].duration_s : NAN;
		if (snapshots && snapshots[i].heap_bytes > 0) {
			st->snapshot_heap_bytes = snapshots[i].heap_bytes;
			st->snapshot_rss_bytes = snapshots[i].rss_bytes;
			if (snapshots[i].rss_bytes > 0)
				st->snapshot_rss_over_heap = (double)snapshots[i].rss_bytes /
				                             (double)snapshots[i].heap_bytes;
		}
	}
	for (size_t i = 0; i < s->n; i++) {
		const struct sample *row = &s->rows[i];
		if (row->phase < 0 || row->phase >= out->n)
			continue;
		struct phase_stat *st = &out->p[row->phase];
		if (!st->samples++)
			st->start_s = row->t_s;
		st->end_s = row->t_s;
		st->rss_end_bytes = row->rss_bytes;
		st->heap_end_bytes = row->heap_bytes;
		st->alloc_in_use_end_bytes = row->alloc_in_use_bytes;
		st->alloc_system_end_bytes = row->alloc_system_bytes;
		if (row->rss_bytes > st->peak_rss_bytes)
			st->peak_rss_bytes = row->rss_bytes;
	}
	for (int i = 0; i < out->n; i++) {
		struct phase_stat *st = &out->p[i];
		if (st->samples && st->heap_end_bytes > 0)
			st->rss_over_heap_end =
			    (double)st->rss_end_bytes / (double)st->heap_end_bytes;
		/* The snapshot's reading is the phase's end; a sample's may be
		 * from any moment since the probe last read. */
		st->alloc_end_exact = snapshots && snapshots[i].heap_bytes > 0 &&
		                      snapshots[i].alloc_in_use_bytes >= 0;
		if (st->alloc_end_exact) {
			st->alloc_in_use_end_bytes = snapshots[i].alloc_in_use_bytes;
			st->alloc_system_end_bytes = snapshots[i].alloc_system_bytes;
		}
		if ((st->samples || st->alloc_end_exact) && st->alloc_in_use_end_bytes > 0 &&
		    st->alloc_system_end_bytes >= 0)
			st->system_over_in_use_end =
			    (double)st->alloc_system_end_bytes / (double)st->alloc_in_use_end_bytes;
		/* Series phase i + 1 is workload phase i. */
		if (i == 0 || i > w->nphases || !workload_phase_leak(&w->phases[i - 1]) ||
		    !st->samples)
			continue;
		st->leak_per_iter_bytes = (int64_t)workload_phase_leak(&w->phases[i - 1]);
		leak_growth(s, i, st);
	}
}

void phases_fill_cell(const struct phase_stats *ps, const struct workload *w, struct cell_record *c)
{
	uint64_t budget = workload_budget(w);
	if (budget) {
		c->budget_bytes = (int64_t)budget;
		if (c->peak_rss_bytes > 0)
			c->peak_rss_over_budget = (double)c->peak_rss_bytes / (double)budget;
	}
	/* The work phase: the first that is neither idle nor free-all. */
	for (int i = 1; i < ps->n && i <= w->nphases; i++) {
		if (workload_phase_kind(&w->phases[i - 1]) == WORKLOAD_PHASE_WORK) {
			c->work_end_rss_over_heap = isnan(ps->p[i].snapshot_rss_over_heap)
			                                ? ps->p[i].rss_over_heap_end
			                                : ps->p[i].snapshot_rss_over_heap;
			if (ps->p[i].alloc_end_exact == 1)
				c->work_end_system_over_in_use = ps->p[i].system_over_in_use_end;
			break;
		}
	}
	for (int i = ps->n - 1; i >= 1; i--)
		if (i <= w->nphases &&
		    workload_phase_kind(&w->phases[i - 1]) == WORKLOAD_PHASE_IDLE &&
		    ps->p[i].samples) {
			c->idle_end_rss_bytes = ps->p[i].rss_end_bytes;
			if (c->peak_rss_bytes > 0)
				c->idle_end_over_peak =
				    (double)ps->p[i].rss_end_bytes / (double)c->peak_rss_bytes;
			break;
		}
	for (int i = 1; i < ps->n; i++)
		if (!isnan(ps->p[i].heap_growth_per_iter_bytes)) {
			c->leak_heap_per_iter_bytes = ps->p[i].heap_growth_per_iter_bytes;
			c->leak_rss_per_iter_bytes = ps->p[i].rss_growth_per_iter_bytes;
			c->leak_rss_r2 = ps->p[i].rss_r2;
			break;
		}
}
