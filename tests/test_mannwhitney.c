/* test_mannwhitney.c - the U test against values known from elsewhere.
 *
 * The first case is scipy.stats.mannwhitneyu's documentation example
 * (U = 17, exact p = 0.1111, asymptotic p = 0.11135). The others were
 * worked out independently: exact p by enumerating every split of the
 * pooled ranks (C(11, 5) = 462 and C(18, 9) = 48620 of them), asymptotic p
 * with the tie-corrected variance and the continuity correction.
 */
#include <errno.h>
#include <math.h>

#include "bench/regress/mannwhitney.h"
#include "tap.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int near(double got, double want, double rel)
{
	return fabs(got - want) <= rel * fabs(want) + 1e-15;
}

TEST(scipy_doc_example_exact)
{
	/* scipy: mannwhitneyu(males, females, method="exact") -> U1 17.0, p 0.1111 */
	const double males[] = {19, 22, 16, 29, 24}, females[] = {20, 11, 17, 12};
	struct mannwhitney_result r;
	expect_int(mannwhitney_test(males, N(males), females, N(females), &r), 0);
	expect(r.u == 17, "U of the males is 17 (got %g)", r.u);
	expect(r.exact, "exact without ties in small samples");
	expect(near(r.p, 14.0 / 126, 1e-12), "p = 14/126 = 0.1111 (got %.12g)", r.p);
	/* the same samples the other way round: U = 20 - 17, same p */
	expect_int(mannwhitney_test(females, N(females), males, N(males), &r), 0);
	expect(r.u == 3 && near(r.p, 14.0 / 126, 1e-12), "swapped: U 3, p 0.1111 (got %g, %g)", r.u,
	       r.p);
}

TEST(exact_small)
{
	const double x[] = {2, 7, 1, 8, 2.5}, y[] = {3, 9, 4, 6, 10, 11};
	struct mannwhitney_result r;
	expect_int(mannwhitney_test(x, N(x), y, N(y), &r), 0);
	expect(r.u == 6, "U = 6 (got %g)", r.u);
	expect(near(r.p, 58.0 / 462, 1e-12), "p = 58/462 = 0.12554 (got %.12g)", r.p);
}

TEST(exact_separated_nine_each)
{
	/* Nine time ratios each, no overlap: the smallest p nine reps can give. */
	const double x[] = {1.0, 1.1, 1.2, 1.05, 1.15, 1.3, 1.25, 1.12, 1.08};
	const double y[] = {1.4, 1.35, 1.5, 1.45, 1.38, 1.42, 1.6, 1.55, 1.41};
	struct mannwhitney_result r;
	expect_int(mannwhitney_test(x, N(x), y, N(y), &r), 0);
	expect(r.u == 0, "U = 0 (got %g)", r.u);
	expect(r.exact, "exact");
	expect(near(r.p, 2.0 / 48620, 1e-9), "p = 2/48620 = 4.1135e-5 (got %.12g)", r.p);
}

TEST(asymptotic_with_ties)
{
	const double x[] = {1, 2, 2, 3, 3, 3, 4, 5, 6}, y[] = {3, 4, 4, 5, 6, 6, 7, 8, 9, 9};
	struct mannwhitney_result r;
	expect_int(mannwhitney_test(x, N(x), y, N(y), &r), 0);
	expect(r.u == 12, "U = 12 (got %g)", r.u);
	expect(!r.exact, "ties: normal approximation");
	expect(near(r.p, 0.007397525682961096, 1e-9), "p = 0.0073975 (got %.12g)", r.p);
	expect(r.z < 0, "z negative: x ranks lower (got %g)", r.z);
}

TEST(asymptotic_large)
{
	double x[30], y[30];
	for (int i = 0; i < 30; i++) {
		x[i] = i;
		y[i] = i + 10.5;
	}
	struct mannwhitney_result r;
	expect_int(mannwhitney_test(x, 30, y, 30, &r), 0);
	expect(r.u == 190, "U = 190 (got %g)", r.u);
	expect(!r.exact, "30 each: normal approximation");
	expect(near(r.p, 0.00012477053789099963, 1e-9), "p = 1.2477e-4 (got %.12g)", r.p);
}

TEST(degenerate)
{
	const double same[] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
	struct mannwhitney_result r;
	expect_int(mannwhitney_test(same, N(same), same, N(same), &r), 0);
	expect(r.p == 1, "all values equal: p = 1 (got %g)", r.p);
	expect_int(mannwhitney_test(same, 0, same, N(same), &r), -EINVAL);
	const double one[] = {1}, two[] = {2};
	expect_int(mannwhitney_test(one, 1, two, 1, &r), 0);
	expect(r.p == 1, "one against one: p = 1 (got %g)", r.p);
}

int main(void)
{
	return tap_run((struct tap_test[]){TAP(scipy_doc_example_exact),
	                                   TAP(exact_small),
	                                   TAP(exact_separated_nine_each),
	                                   TAP(asymptotic_with_ties),
	                                   TAP(asymptotic_large),
	                                   TAP(degenerate),
	                                   {0}});
}
