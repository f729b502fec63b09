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
	/* A real program: every phase where it marks steps. */
	if (!w || w->nphases == 0) {
		a->program = 1;
		a->fit_mask = (1u << SERIES_MAX_PHASES) - 1;
		return;
	}
	/* Series phase i + 1 is workload phase i. */
	for (int i = 0; i < w->nphases && i + 1 < SERIES_MAX_PHASES; i++)
		if (workload_phase_leak(&w->phases[i]))
			a->fit_mask |= 1u << (i + 1);
}

/* The heap's x for a fit point (phases_fit_point). A worker's heap is its
 * own count at the sample; a real program's, the probe's reading, which
 * the driver's ticks repeat until the next one: a repeat is the same
 * measurement again, left out (counted ten times, it would narrow the
 * interval by sqrt(10) for nothing). */
static double heap_x(const struct phases_acc *a, const struct phases_running *p,
                     const struct sample *row)
{
	if (row->heap_bytes < 0)
		return NAN;
	if (!a->program)
		return (double)row->progress;
	if (row->alloc_progress < 0 ||
	    (p->samples > 1 && p->last_alloc_progress == row->alloc_progress &&
	     p->last_heap == row->heap_bytes))
		return NAN;
	return (double)row->alloc_progress;
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
	                                              heap_x(a, p, row), (double)row->heap_bytes};
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
	if (row->progress >= 0) {
		double x = (double)row->progress;
		if (!p->with_progress++)
			p->progress_lo = p->progress_hi = x;
		p->progress_lo = fmin(p->progress_lo, x);
		p->progress_hi = fmax(p->progress_hi, x);
		if (a->fit_mask & (1u << row->phase))
			keep_fit_point(a, p, row);
	}
	p->last_alloc_progress = row->alloc_progress;
	p->last_heap = row->heap_bytes;
}

void phases_acc_finish(struct phases_acc *a)
{
	for (int i = 0; i < SERIES_MAX_PHASES; i++)
		free(a->p[i].fit);
	memset(a, 0, sizeof(*a));
}

/* The two-sided 95% quantile of Student's t with df degrees of freedom:
 * the normal quantile with the Cornish-Fisher terms in 1/df (0.74% under
 * the table at df = 3, 0.11% at 5, under 0.01% from df = 10). */
static double t95(double df)
{
	const double z = 1.959963985, z2 = z * z;
	return z + z * (z2 + 1) / (4 * df) + z * (5 * z2 * z2 + 16 * z2 + 3) / (96 * df * df) +
	       z * (3 * z2 * z2 * z2 + 19 * z2 * z2 + 17 * z2 - 15) / (384 * df * df * df);
}

struct fit {
	double slope, r2, ci95; /* NaN when there are too few points */
	int64_t points;
};

/* A fit point's (x, y) for RSS or the heap; 0 when it has none. */
static int point(const struct phases_fit_point *f, int rss, double *x, double *y)
{
	*x = rss ? f->x : f->hx;
	*y = rss ? f->rss : f->heap;
	return !isnan(*x) && *y >= 0;
}

/* Least squares y = a + b x over the fit points whose x lies in [lo, hi]:
 * the slope, R^2, and the half-width of the slope's 95% confidence
 * interval (residuals taken as independent). Two passes over centred sums:
 * a heap of 10^8 bytes squared leaves no digits for the residuals in raw
 * sums. */
static struct fit fit(const struct phases_running *p, double lo, double hi, int rss)
{
	struct fit f = {NAN, NAN, NAN, 0};
	double n = 0, mx = 0, my = 0, x, y;
	for (int i = 0; i < p->nfit; i++)
		if (point(&p->fit[i], rss, &x, &y) && x >= lo && x <= hi) {
			n++;
			mx += x;
			my += y;
		}
	if (n < 5)
		return f;
	mx /= n;
	my /= n;
	double sxx = 0, sxy = 0, syy = 0;
	for (int i = 0; i < p->nfit; i++)
		if (point(&p->fit[i], rss, &x, &y) && x >= lo && x <= hi) {
			sxx += (x - mx) * (x - mx);
			sxy += (x - mx) * (y - my);
			syy += (y - my) * (y - my);
		}
	if (sxx <= 0)
		return f;
	f.points = (int64_t)n;
	f.slope = sxy / sxx;
	f.r2 = syy > 0 ? sxy * sxy / (sxx * syy) : 1.0;
	double sse = syy - f.slope * sxy;
	f.ci95 = t95(n - 2) * sqrt((sse > 0 ? sse : 0) / (n - 2) / sxx);
	return f;
}

/* Growth per iteration of a leak phase, or per step a real program marks:
 * the slope of heap and of RSS against the work done (the worker's
 * progress counter, the program's steps), not against time, so a busy
 * machine that slows the work changes nothing. The first and last tenth of
 * the iterations are left out: they hold the ramp of the churn window and
 * its release (a program's warm-up and teardown). */
static void leak_growth(const struct phases_running *p, struct phase_stat *st)
{
	double lo = p->progress_lo, hi = p->progress_hi;
	if (!p->with_progress || !(hi > lo))
		return;
	double span = hi - lo;
	lo += span * 0.1;
	hi -= span * 0.1;
	struct fit heap = fit(p, lo, hi, 0), rss = fit(p, lo, hi, 1);
	st->heap_growth_per_iter_bytes = heap.slope;
	st->heap_r2 = heap.r2;
	st->heap_growth_ci95_bytes = heap.ci95;
	st->rss_growth_per_iter_bytes = rss.slope;
	st->rss_r2 = rss.r2;
	st->rss_growth_ci95_bytes = rss.ci95;
	st->fit_iters = isnan(heap.slope) && isnan(rss.slope) ? -1 : (int64_t)(hi - lo);
	/* How many iterations of the phase would tell this growth from none:
	 * the interval's half-width falls as iterations^-1.5 when the points
	 * come at the same rate per iteration (their number and the spread
	 * of x both grow with the run), so it equals the slope once the fit
	 * spans (hi - lo) x (ci95 / |slope|)^(2/3) of them; and a fit needs 5
	 * points, 4 gaps at this run's iterations per point. The fit spans
	 * the middle 80% of the phase. An estimate, from this run's scatter
	 * and sampling. */
	if (!isnan(heap.slope) && fabs(heap.slope) > 0 && heap.points >= 5) {
		double need = (hi - lo) * pow(heap.ci95 / fabs(heap.slope), 2.0 / 3.0);
		double gaps = 4 * (hi - lo) / (double)(heap.points - 1);
		st->iters_to_tell = (int64_t)ceil(fmax(need, gaps) / 0.8);
	}
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
		/* A real program's end reading without an in-use figure
		 * (mimalloc's) still has its RSS. */
		if (snapshots &&
		    (snapshots[i].heap_bytes > 0 || (a->program && snapshots[i].rss_bytes > 0))) {
			st->snapshot_heap_bytes = snapshots[i].heap_bytes;
			st->snapshot_rss_bytes = snapshots[i].rss_bytes;
			if (snapshots[i].rss_bytes > 0 && snapshots[i].heap_bytes > 0)
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
		if (!p->samples)
			continue;
		if (a->program) {
			leak_growth(p, st);
			continue;
		}
		/* Series phase i + 1 is workload phase i. */
		if (i == 0 || !w || i > w->nphases || !workload_phase_leak(&w->phases[i - 1]))
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
	/* A real program's steps may be in its first phase ("start", when it
	 * marks steps and no phase). */
	for (int i = w && w->nphases ? 1 : 0; i < ps->n; i++)
		if (!isnan(ps->p[i].heap_growth_per_iter_bytes) ||
		    !isnan(ps->p[i].rss_growth_per_iter_bytes)) {
			c->leak_heap_per_iter_bytes = ps->p[i].heap_growth_per_iter_bytes;
			c->leak_heap_ci95_bytes = ps->p[i].heap_growth_ci95_bytes;
			c->leak_heap_r2 = ps->p[i].heap_r2;
			c->leak_rss_per_iter_bytes = ps->p[i].rss_growth_per_iter_bytes;
			c->leak_rss_r2 = ps->p[i].rss_r2;
			c->leak_iters_to_tell = ps->p[i].iters_to_tell;
			break;
		}
}
