/* dist.h - distributions of integers: block sizes in bytes, lifetimes in
 * operations.
 *
 * Written in YAML as a value (`64 B`), one part (`{min: 16 B, max: 256 B}`,
 * `{shape: inverse-square, min: 4 B, max: 32 KiB}`, `{histogram: f.tsv}`)
 * or a weighted list of parts. A part is a range drawn uniformly (the
 * classes of earlier workloads), a shape over a range, or every line of a
 * histogram file ("SIZE WEIGHT" per line). The parts live in the
 * workload's pool; a struct dist indexes them.
 *
 * Drawing is on the hot path of every generator, so it is inline here and
 * makes the same draws from the RNG as the classes always did: one to pick
 * the part (even when there is one uniform part: the first workloads' size
 * classes drew it, and their streams stay the same), then the value.
 */
#ifndef WIMM_DIST_H
#define WIMM_DIST_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "workloads/generators/rng.h"
#include "workloads/keys.h"
#include "workloads/workload.h"

#define DIST_MAX_SIZE (UINT64_C(1) << 30)      /* 1 GiB: one block */
#define DIST_MAX_LIFETIME UINT64_C(1000000000) /* operations */
#define DIST_HISTOGRAM_MAX_FILE (1024 * 1024)  /* bytes of a histogram file */

/* Reads node n (the value of key) into out, its parts into c->w's pool.
 * sizes: values are sizes (with units), else counts of operations.
 * 0 or -EINVAL with a positioned message. */
int dist_parse(struct keys_ctx *c, const struct ynode *n, const char *key, bool sizes,
               struct dist *out);

/* The part of d that u (in [0, total)) falls in. */
static inline const struct dist_part *dist_pick(const struct dist *d, const struct dist_part *pool,
                                                double x)
{
	const struct dist_part *p = pool + d->first;
	uint32_t lo = 0, hi = d->n - 1;
	if (d->n <= 8) {
		while (lo < hi && x >= p[lo].cum)
			lo++;
		return p + lo;
	}
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (x < p[mid].cum)
			hi = mid;
		else
			lo = mid + 1;
	}
	return p + lo;
}

/* One value of d; pool is the workload's. A single fixed value draws
 * nothing: there is no choice to make (and the shipped presets' streams
 * stay the same, none having a fixed size followed by other draws). */
static inline uint64_t dist_draw(const struct dist *d, const struct dist_part *pool, struct rng *r)
{
	if (d->lo == d->hi)
		return d->lo;
	const struct dist_part *p = pool + d->first;
	if (d->n > 1 || p->shape == DIST_UNIFORM)
		p = dist_pick(d, pool, rng_unit(r) * d->total);
	double x;
	switch (p->shape) {
	case DIST_POWER:
		/* Inverse CDF of a density ~ x^k on [lo, hi + 1): a = lo^(k+1),
		 * b = (hi + 1)^(k+1) - a. Inverse-square (k = -2) needs no pow. */
		if (p->param == -2.0f)
			x = 1.0 / (p->a + rng_unit(r) * p->b);
		else if (p->param == -1.0f)
			x = exp(p->a + rng_unit(r) * p->b);
		else
			x = pow(p->a + rng_unit(r) * p->b, 1.0 / (p->param + 1.0));
		break;
	case DIST_EXPONENTIAL:
		/* a = the mean, b = the probability mass below hi + 1. */
		x = (double)p->lo - p->a * log1p(-rng_unit(r) * p->b);
		break;
	default:
		return rng_range(r, p->lo, p->hi);
	}
	uint64_t v = x < (double)p->lo ? p->lo : (uint64_t)x;
	return v > p->hi ? p->hi : v;
}

#endif
