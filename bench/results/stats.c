/* stats.c - quantiles, min and max ignoring NaN (see stats.h). */
#include "bench/results/stats.h"

#include <math.h>
#include <stdlib.h>

/* Repetitions number a handful: sorting on the stack avoids a malloc that
 * could fail for nothing; larger inputs take a heap copy. */
#define STACK_MAX 64

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double stats_median(const double *v, size_t n) { return stats_quantile(v, n, 0.5); }

double stats_quantile(const double *v, size_t n, double p)
{
	double stack[STACK_MAX];
	double *w = stack;
	size_t k = 0;
	double m = NAN;
	size_t count = stats_count(v, n);
	if (count == 0)
		return NAN;
	if (count > STACK_MAX) {
		w = malloc(count * sizeof(*w));
		if (!w)
			return NAN;
	}
	for (size_t i = 0; i < n; i++)
		if (!isnan(v[i]))
			w[k++] = v[i];
	qsort(w, k, sizeof(*w), cmp_double);
	/* numpy's default (linear between the two nearest ranks): at 0.5 the
	 * median, the mean of the middle two for an even count. */
	double h = (double)(k - 1) * p;
	size_t lo = (size_t)floor(h), hi = lo + 1 < k ? lo + 1 : lo;
	m = w[lo] + (h - (double)lo) * (w[hi] - w[lo]);
	if (w != stack)
		free(w);
	return m;
}

double stats_min(const double *v, size_t n)
{
	double m = NAN;
	for (size_t i = 0; i < n; i++)
		if (!isnan(v[i]) && (isnan(m) || v[i] < m))
			m = v[i];
	return m;
}

double stats_max(const double *v, size_t n)
{
	double m = NAN;
	for (size_t i = 0; i < n; i++)
		if (!isnan(v[i]) && (isnan(m) || v[i] > m))
			m = v[i];
	return m;
}

size_t stats_count(const double *v, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += !isnan(v[i]);
	return k;
}
