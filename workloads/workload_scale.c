/* workload_scale.c - --scale and --quick applied to a loaded workload.
 *
 * What "more work" means depends on the generator: more operations for the
 * churn-like ones, more iterations for grow and leak (the buffer sizes
 * stay, so the phenomenon keeps its shape), and for the tile cache a larger
 * image and budget together, so the budget keeps the same share of the
 * image (scale 4 turns 8192^2 / 128 MiB into 16384^2 / 512 MiB).
 */
#include <math.h>

#include "workloads/workload.h"

static uint64_t times(uint64_t v, double f)
{
	double x = (double)v * f;
	return x < 1 ? 1 : (uint64_t)llround(x);
}

void workload_scale(struct workload *w, double scale, double time_scale)
{
	double side = sqrt(scale);
	for (int i = 0; i < w->nphases; i++) {
		struct phase *p = &w->phases[i];
		switch (p->gen) {
		case GEN_CHURN:
			p->u.churn.ops = times(p->u.churn.ops, scale);
			break;
		case GEN_IDLE:
			p->u.idle.duration_s *= time_scale;
			break;
		case GEN_TILE_CACHE:
			/* Whole tiles, so the budget stays a whole number of them. */
			p->u.tile.width =
			    times(p->u.tile.width / p->u.tile.tile, side) * p->u.tile.tile;
			p->u.tile.height =
			    times(p->u.tile.height / p->u.tile.tile, side) * p->u.tile.tile;
			p->u.tile.budget = times(p->u.tile.budget, scale);
			break;
		case GEN_GROW:
			p->u.grow.iterations = times(p->u.grow.iterations, scale);
			break;
		case GEN_STAMPS:
			p->u.stamps.ops = times(p->u.stamps.ops, scale);
			break;
		case GEN_LEAK:
			p->u.leak.iterations = times(p->u.leak.iterations, scale);
			break;
		case GEN_FREE_ALL:
			break;
		}
	}
}

int workload_set_idle(struct workload *w, double seconds)
{
	int n = 0;
	for (int i = 0; i < w->nphases; i++)
		if (w->phases[i].gen == GEN_IDLE) {
			w->phases[i].u.idle.duration_s = seconds;
			n++;
		}
	return n;
}

double workload_idle_seconds(const struct workload *w)
{
	double s = 0;
	for (int i = 0; i < w->nphases; i++)
		if (w->phases[i].gen == GEN_IDLE)
			s += w->phases[i].u.idle.duration_s;
	return s;
}

uint64_t workload_budget(const struct workload *w)
{
	uint64_t budget = 0;
	for (int i = 0; i < w->nphases; i++)
		if (w->phases[i].gen == GEN_TILE_CACHE && w->phases[i].u.tile.budget > budget)
			budget = w->phases[i].u.tile.budget;
	return budget;
}
