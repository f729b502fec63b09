/* rowfmt.c - one precision for a row of figures (see rowfmt.h). */
#include "bench/report/rowfmt.h"

#include <math.h>
#include <stdio.h>

static double largest(const double *v, size_t n)
{
	double m = 0;
	for (size_t i = 0; i < n; i++)
		if (isfinite(v[i]))
			m = fmax(m, fabs(v[i]));
	return m;
}

/* Whether every value, over scale, is a whole number at d decimals. */
static bool exact_at(const double *v, size_t n, double scale, int d)
{
	double f = pow(10, d);
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(v[i]))
			continue;
		double x = fabs(v[i]) / scale * f;
		if (fabs(x - round(x)) > 1e-6)
			return false;
	}
	return true;
}

static void sizes(struct rowfmt *f, const double *v, size_t n)
{
	static const char *const names[] = {" B", " KiB", " MiB", " GiB", " TiB"};
	double m = largest(v, n);
	int u = 0;
	/* Up while the largest value would print as 1024.0 or more. */
	while (u < 4 && m / pow(1024, u) >= 1023.95)
		u++;
	f->scale = pow(1024, u);
	f->suffix = names[u];
	f->decimals = 1;
	for (int d = 0; d <= (u ? 2 : 0); d++)
		if (exact_at(v, n, f->scale, d)) {
			f->decimals = d;
			return;
		}
	if (u == 0)
		f->decimals = 0; /* bytes are whole */
}

static void times(struct rowfmt *f, const double *v, size_t n, double seconds_per_unit)
{
	static const char *const names[] = {" ns", " us", " ms", " s"};
	static const double scale[] = {1e-9, 1e-6, 1e-3, 1};
	double m = largest(v, n) * seconds_per_unit;
	int u = 0;
	/* The largest unit the row's largest value reaches 1 of, once
	 * rounded to three digits. */
	while (u < 3 && m >= scale[u + 1] * 0.9995)
		u++;
	double x = m / scale[u];
	f->scale = scale[u] / seconds_per_unit;
	f->suffix = names[u];
	f->decimals = x < 9.995 ? 2 : x < 99.95 ? 1 : 0;
	if (m == 0)
		f->decimals = 0;
}

void rowfmt_init(struct rowfmt *f, enum metric_unit u, const double *v, size_t n)
{
	*f = (struct rowfmt){.unit = u, .scale = 1, .suffix = "", .decimals = 0};
	switch (u) {
	case MU_BYTES:
	case MU_BYTES_SLOPE:
		sizes(f, v, n);
		break;
	case MU_SECONDS:
		times(f, v, n, 1);
		break;
	case MU_MICROS:
		times(f, v, n, 1e-6);
		break;
	case MU_RATIO:
		f->suffix = "x";
		f->decimals = 2;
		break;
	case MU_FRACTION:
		f->decimals = 3;
		break;
	case MU_ID:
	case MU_COUNT:
		break;
	}
}

char *rowfmt_format(const struct rowfmt *f, double v, bool with_unit, char *buf, size_t len)
{
	if (!isfinite(v))
		snprintf(buf, len, "n/a");
	else
		snprintf(buf, len, "%.*f%s", f->decimals, v / f->scale, with_unit ? f->suffix : "");
	return buf;
}
