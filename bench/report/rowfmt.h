/* rowfmt.h - one precision for a row of figures.
 *
 * A table row (one figure under every allocator, with the spread of its
 * repetitions) is printed in one unit with one number of decimals, chosen
 * from every value the row shows: "133 MiB" never sits beside "133.3 MiB",
 * nor "820 ms" beside "1.03 s". Sizes take the fewest decimals (0, 1 or 2)
 * at which every value of the row is exact (1280 KiB and 128 MiB read
 * "1.25 MiB" and "128.00 MiB"), else one decimal: the row was rounded.
 * Times take three significant digits of the row's largest value, ratios
 * two decimals, counts none.
 */
#ifndef WIMM_ROWFMT_H
#define WIMM_ROWFMT_H

#include <stdbool.h>
#include <stddef.h>

#include "bench/results/metrics.h"

struct rowfmt {
	enum metric_unit unit;
	double scale;       /* value / scale is printed */
	const char *suffix; /* " MiB", " ms", "x", "" */
	int decimals;
};

/* The rule for the n values of v (NaN ignored) in unit u. */
void rowfmt_init(struct rowfmt *f, enum metric_unit u, const double *v, size_t n);

/* v by the rule, with its unit ("244.6 MiB") or without ("244.6"); "n/a"
 * for NaN. Returns buf. */
char *rowfmt_format(const struct rowfmt *f, double v, bool with_unit, char *buf, size_t len);

#endif
