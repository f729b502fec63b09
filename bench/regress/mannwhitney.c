/* mannwhitney.c - two-sided Mann-Whitney U test (see mannwhitney.h).
 *
 * Ranks: the pooled values are sorted once and tied runs get their mean
 * rank. U of x is its rank sum minus nx(nx+1)/2.
 *
 * Exact p: under the null hypothesis every choice of which nx of the
 * nx + ny pooled positions belong to x is equally likely, and the number
 * of choices giving U = k is the coefficient of q^k in the Gaussian
 * binomial [nx + ny choose nx]_q = prod_{i=1..nx} (1 - q^(ny+i)) / (1 - q^i).
 * Multiplying and dividing those factors in turn costs O(nx * nx * ny), and
 * the counts (at most C(50, 25) ~ 1.3e14) are exact in a double.
 *
 * Normal approximation: U has mean nx*ny/2 and, with ties, variance
 * nx*ny/12 * ((n + 1) - sum(t^3 - t) / (n (n - 1))) over the tie groups
 * of size t; the larger of U and nx*ny - U, less 0.5 for continuity, is
 * standardized and doubled for two sides.
 */
#include "bench/regress/mannwhitney.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

struct ranked {
	double v;
	int from_x;
};

static int cmp_ranked(const void *a, const void *b)
{
	double x = ((const struct ranked *)a)->v, y = ((const struct ranked *)b)->v;
	return (x > y) - (x < y);
}

/* P(U >= u) under the null hypothesis, exactly, for samples of m and n. */
static int exact_sf(size_t m, size_t n, double u, double *out)
{
	size_t top = m * n;
	double *c = calloc(top + 1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c[0] = 1;
	for (size_t i = 1; i <= m; i++) {
		/* times (1 - q^(n+i)): from the top down, so each term is the old one */
		for (size_t k = top; k >= n + i; k--)
			c[k] -= c[k - (n + i)];
		/* divided by (1 - q^i): from the bottom up, a running sum with step i */
		for (size_t k = i; k <= top; k++)
			c[k] += c[k - i];
	}
	double total = 0, tail = 0;
	for (size_t k = 0; k <= top; k++) {
		total += c[k];
		if ((double)k >= u - 1e-9)
			tail += c[k];
	}
	free(c);
	*out = tail / total;
	return 0;
}

int mannwhitney_test(const double *x, size_t nx, const double *y, size_t ny,
                     struct mannwhitney_result *r)
{
	size_t n = nx + ny;
	if (nx == 0 || ny == 0)
		return -EINVAL;
	struct ranked *all = malloc(n * sizeof(*all));
	if (!all)
		return -ENOMEM;
	for (size_t i = 0; i < nx; i++)
		all[i] = (struct ranked){x[i], 1};
	for (size_t i = 0; i < ny; i++)
		all[nx + i] = (struct ranked){y[i], 0};
	qsort(all, n, sizeof(*all), cmp_ranked);

	double rank_sum_x = 0, tie_term = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j + 1 < n && all[j + 1].v == all[i].v)
			j++;
		double t = (double)(j - i + 1);
		double mean_rank = ((double)i + (double)j) / 2 + 1; /* ranks from 1 */
		for (size_t k = i; k <= j; k++)
			if (all[k].from_x)
				rank_sum_x += mean_rank;
		tie_term += t * t * t - t;
		i = j + 1;
	}
	free(all);

	double m = (double)nx, k = (double)ny, total = (double)n;
	double u1 = rank_sum_x - m * (m + 1) / 2;
	double u_big = fmax(u1, m * k - u1);
	double mean = m * k / 2;
	*r = (struct mannwhitney_result){.u = u1};
	if (tie_term == 0 && nx <= MANNWHITNEY_EXACT_MAX && ny <= MANNWHITNEY_EXACT_MAX) {
		double sf;
		if (exact_sf(nx, ny, u_big, &sf))
			return -ENOMEM;
		r->p = fmin(1.0, 2 * sf);
		r->exact = 1;
		return 0;
	}
	double var = m * k / 12 * ((total + 1) - tie_term / (total * (total - 1)));
	if (var <= 0) { /* every value equal: nothing tells the samples apart */
		r->p = 1;
		return 0;
	}
	double z = (u_big - mean - 0.5) / sqrt(var);
	if (z < 0)
		z = 0; /* |U - mean| under the continuity correction */
	r->z = u1 >= mean ? z : -z;
	r->p = fmin(1.0, erfc(z / sqrt(2.0))); /* 2 * (1 - Phi(z)) */
	return 0;
}
