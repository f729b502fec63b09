/* stats.h - order statistics over repetitions of a cell.
 *
 * Medians, not means: a repetition disturbed by a noisy neighbour moves a
 * mean but not a median (DESIGN.md, "Measurement rules"). NaN is n/a and is
 * skipped; with no value left the result is NaN. The caller's array is
 * never reordered.
 */
#ifndef WIMM_STATS_H
#define WIMM_STATS_H

#include <stddef.h>

/* Median of the non-NaN values (the mean of the middle two for an even
 * count). NaN when there are none, or when out of memory for a copy. */
double stats_median(const double *v, size_t n);
/* The p-quantile (0 <= p <= 1) of the non-NaN values, linear between the
 * two nearest ranks (numpy's default); the quartiles of the spread. */
double stats_quantile(const double *v, size_t n, double p);
double stats_min(const double *v, size_t n);
double stats_max(const double *v, size_t n);
/* How many of the n values are not NaN. */
size_t stats_count(const double *v, size_t n);

#endif
