/* mannwhitney.h - the two-sided Mann-Whitney U test (Wilcoxon rank-sum).
 *
 * Used by `wimm compare` to decide whether the time ratios of two runs
 * differ by more than their repetitions scatter. It makes no assumption on
 * the shape of the distribution (run times are skewed: a noisy neighbour
 * only ever slows a repetition down), only that repetitions are independent.
 *
 * The p-value is exact when neither sample has ties and both are small
 * (the null distribution of U counted by recurrence); otherwise it is the
 * normal approximation with the tie correction of the variance and a
 * continuity correction of 0.5. These are scipy.stats.mannwhitneyu's
 * method="exact" and method="asymptotic" (use_continuity=True), and its
 * method="auto" choice up to the size limit below.
 */
#ifndef WIMM_MANNWHITNEY_H
#define WIMM_MANNWHITNEY_H

#include <stddef.h>

/* The exact distribution is used when both samples have at most this many
 * values and there are no ties; beyond it the normal approximation is good
 * to well under 1% of p, and the recurrence's table would grow as n^3. */
#define MANNWHITNEY_EXACT_MAX 25

struct mannwhitney_result {
	double u;  /* U of the first sample: pairs (x, y) with x > y, ties 1/2 */
	double z;  /* the standardized statistic (0 for the exact method) */
	double p;  /* two-sided p-value, in [0, 1] */
	int exact; /* 1 when p comes from the exact distribution */
};

/* Tests x[0..nx) against y[0..ny). NaN values are not allowed (the caller
 * drops n/a repetitions first). Returns 0, -EINVAL when a sample is empty,
 * or -ENOMEM. */
int mannwhitney_test(const double *x, size_t nx, const double *y, size_t ny,
                     struct mannwhitney_result *r);

#endif
