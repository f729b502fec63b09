/* phases.c - per-phase figures of a cell, gathered as its samples are
 * taken (see phases.h). */
#include "bench/results/phases.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void phases_acc_init(struct phases_acc *a, const struct workload *w)
{
	memset(a, 0, sizeof(*a));
	/* Series phase i + 1 is workload phase i. */
	for (int i = 0; w && i < w->nphases && i + 1 < SERIES_MAX_PHASES; i++)
		if (workload_phase_leak(&w->phases[i]))
			a->fit_mask |= 1u << (i + 1);
}

/* Keeps the point when it falls on the stride; a full buffer keeps every
 * other point and doubles the stride, so the points stay evenly spread
 * over the phase however long it runs. */
static void keep_fit_point(struct phases_acc *a, struct phases_running *p, const struct sample *row)
{
	if (!p->fit) {
		p->fit = malloc(PHASES_FIT_POINTS * sizeof(*p->fit));
		p->stride = 1;
		if (!p->fit) {
			a->oom = 1;
			return;
		}
	}
	if ((p->with_progress - 1) % p->stride)
		return;
	if (p->nfit == PHASES_FIT_POINTS) {
		for (int i = 0; i < PHASES_FIT_POINTS / 2; i++)
			p->fit[i] = p->fit[2 * i];
		p->nfit = PHASES_FIT_POINTS / 2;
		p->stride *= 2;
		if ((p->with_progress - 1) % p->stride)
			return;
	}
	p->fit[p->nfit++] = (struct phases_fit_point){(double)row->progress, (double)row->rss_bytes,
	                                              (double)row->heap_bytes};
}

void phases_acc_add(struct phases_acc *a, const struct sample *row)
{
	if (row->phase < 0 || row->phase >= SERIES_MAX_PHASES)
		return;
	struct phases_running *p = &a->p[row->phase];
	if (!p->samples++) {
		p->start_s = row->t_s;
		p->peak_rss = -1;
	}
	p->end_s = row->t_s;
	p->last = *row;
	if (row->rss_bytes > p->peak_rss)
		p->peak_rss = row->rss_bytes;
	if (row->progress < 0)
		return;
	double x = (double)row->progress;
	if (!p->with_progress++)
		p->progress_lo = p->progress_hi = x;
	p->progress_lo = fmin(p->progress_lo, x);
	p->progress_hi = fmax(p->progress_hi, x);
	if (a->fit_mask & (1u << row->phase))
		keep_fit_point(a, p, row);
}

void phases_acc_finish(struct phases_acc *a)
{
	for (int i = 0; i < SERIES_MAX_PHASES; i++)
		free(a->p[i].fit);
	memset(a, 0, sizeof(*a));
}

/* Least squares y = a + b x over the fit points whose progress x lies in
 * [lo, hi]; y is RSS or heap. Returns b and sets *r2, or NaN when there
 * are too few points. */
static double fit(const struct phases_running *p, double lo, double hi, int rss, double *r2)
{
	double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0;
	for (int i = 0; i < p->nfit; i++) {
		double x = p->fit[i].x, y = rss ? p->fit[i].rss : p->fit[i].heap;
		if (x < lo || x > hi)
			continue;
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
static void leak_growth(const struct phases_running *p, struct phase_stat *st)
{
	double lo = p->progress_lo, hi = p->progress_hi, r2;
	if (!p->with_progress || !(hi > lo))
		return;
	double span = hi - lo;
	st->heap_growth_per_iter_bytes = fit(p, lo + span * 0.1, hi - span * 0.1, 0, &r2);
	st->rss_growth_per_iter_bytes = fit(p, lo + span * 0.1, hi - span * 0.1, 1, &st->rss_r2);
}

/* Where RSS was at the snapshot: every figure of one instant, so nothing
 * is carried (split.h). */
static void snapshot_parts(const struct phase_snapshot *sn, struct phase_stat *st)
{
	struct split_in in = {.rss = sn->rss_bytes,
	                      .file = sn->file_bytes,
	                      .heap = sn->heap_bytes >= 0 ? sn->heap_bytes : sn->alloc_in_use_bytes,
	                      .system = sn->alloc_system_bytes,
	                      .resident = sn->alloc_resident_bytes,
	                      .heap_at_system = -1,
	                      .anon_at_system = -1};
	struct split_parts p;
	if (split_compute(&in, &p))
		return;
	PHASES_SET_PARTS(st, snapshot, &p);
}

void phases_compute(const struct phases_acc *a, const struct series_phases *names,
                    const struct workload *w, const struct phase_snapshot *snapshots,
                    struct phase_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->n = names->n < SERIES_MAX_PHASES ? names->n : SERIES_MAX_PHASES;
	for (int i = 0; i < out->n; i++) {
		struct phase_stat *st = &out->p[i];
		const struct phases_running *p = &a->p[i];
		snprintf(st->name, sizeof(st->name), "%s", names->names[i]);
#define PHASE_NA_I(key) st->key = -1;
#define PHASE_NA_F(key) st->key = NAN;
#define PHASE_NA_(key, type, unit, group, doc) PHASE_NA_##type(key)
		PHASE_FIELDS(PHASE_NA_)
#undef PHASE_NA_
		st->samples = p->samples;
		st->duration_s = snapshots ? snapshots[i].duration_s : NAN;
		if (snapshots && snapshots[i].heap_bytes > 0) {
			st->snapshot_heap_bytes = snapshots[i].heap_bytes;
			st->snapshot_rss_bytes = snapshots[i].rss_bytes;
			if (snapshots[i].rss_bytes > 0)
				st->snapshot_rss_over_heap = (double)snapshots[i].rss_bytes /
				                             (double)snapshots[i].heap_bytes;
			snapshot_parts(&snapshots[i], st);
		}
		if (p->samples) {
			st->start_s = p->start_s;
			st->end_s = p->end_s;
			st->rss_end_bytes = p->last.rss_bytes;
			st->heap_end_bytes = p->last.heap_bytes;
			st->alloc_in_use_end_bytes = p->last.alloc_in_use_bytes;
			st->alloc_system_end_bytes = p->last.alloc_system_bytes;
			st->peak_rss_bytes = p->peak_rss;
			if (st->heap_end_bytes > 0)
				st->rss_over_heap_end =
				    (double)st->rss_end_bytes / (double)st->heap_end_bytes;
		}
		/* The snapshot's reading is the phase's end; a sample's may be
		 * from any moment since the probe last read. */
		st->alloc_end_exact = snapshots && snapshots[i].heap_bytes > 0 &&
		                      snapshots[i].alloc_in_use_bytes >= 0;
		if (st->alloc_end_exact) {
			st->alloc_in_use_end_bytes = snapshots[i].alloc_in_use_bytes;
			st->alloc_system_end_bytes = snapshots[i].alloc_system_bytes;
		}
		if ((p->samples || st->alloc_end_exact) && st->alloc_in_use_end_bytes > 0 &&
		    st->alloc_system_end_bytes >= 0)
			st->system_over_in_use_end =
			    (double)st->alloc_system_end_bytes / (double)st->alloc_in_use_end_bytes;
		/* Series phase i + 1 is workload phase i. */
		if (!p->samples || i == 0 || !w || i > w->nphases ||
		    !workload_phase_leak(&w->phases[i - 1]))
			continue;
		st->leak_per_iter_bytes = (int64_t)workload_phase_leak(&w->phases[i - 1]);
		leak_growth(p, st);
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
			if (ps->p[i].snapshot_rss_bytes > 0) {
				const struct phase_stat *st = &ps->p[i];
				const struct split_parts p = {
				    .file = st->snapshot_part_file_bytes,
				    .heap = st->snapshot_part_heap_bytes,
				    .unused = st->snapshot_part_unused_bytes,
				    .foreign = st->snapshot_part_foreign_bytes,
				    .unsplit = st->snapshot_part_unsplit_bytes,
				    .untouched = st->snapshot_untouched_bytes};
				c->work_end_rss_bytes = st->snapshot_rss_bytes;
				PHASES_SET_PARTS(c, work_end, &p);
			}
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
