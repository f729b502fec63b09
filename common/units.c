/* units.c - human units both ways (see units.h).
 *
 * Numbers are parsed by hand rather than with strtod/strtoull: those accept
 * "inf", "nan", hex, exponents, a sign and locale decimal commas, none of
 * which belong in a size or a count, and they cannot tell us exactly how a
 * fraction like "1.5M" maps to an integer. The integer part is kept exact in
 * a uint64_t so that overflow is reported as -ERANGE instead of rounding.
 */
#include "common/units.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* A decimal number "123" or "123.456" split into its parts. The fraction
 * is kept as digits (numerator over 10^fdigits, trailing zeros dropped) so
 * counts can check exactly that "1.5M" is whole. */
struct decimal {
	uint64_t ipart;
	uint64_t fnum;   /* fraction numerator, at most 18 significant digits */
	int fdigits;     /* denominator is 10^fdigits */
	bool fraction;   /* a '.' was written, even as "1.0" */
	bool fnum_exact; /* false when fraction digits were dropped past 18 */
};

static bool is_blank(char c) { return c == ' ' || c == '\t'; }

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static const char *skip_blanks(const char *p)
{
	while (is_blank(*p))
		p++;
	return p;
}

/* Parses digits[.digits] at *p and advances *p. A sign or a leading '.' is
 * not a number here: sizes and counts are never negative. */
static int parse_decimal(const char **p, struct decimal *d)
{
	const char *s = *p;
	memset(d, 0, sizeof(*d));
	d->fnum_exact = true;
	if (!is_digit(*s))
		return -EINVAL;
	bool overflow = false;
	for (; is_digit(*s); s++) {
		unsigned digit = (unsigned)(*s - '0');
		if (d->ipart > (UINT64_MAX - digit) / 10)
			overflow = true; /* keep scanning so the unit is still checked */
		else
			d->ipart = d->ipart * 10 + digit;
	}
	if (*s == '.') {
		s++;
		if (!is_digit(*s))
			return -EINVAL;
		d->fraction = true;
		int zeros = 0; /* pending zeros, added only if a non-zero digit follows */
		for (; is_digit(*s); s++) {
			if (*s == '0') {
				zeros++;
				continue;
			}
			if (d->fdigits + zeros + 1 > 18) {
				d->fnum_exact = false;
				continue;
			}
			for (; zeros > 0; zeros--, d->fdigits++)
				d->fnum *= 10;
			d->fnum = d->fnum * 10 + (uint64_t)(*s - '0');
			d->fdigits++;
		}
	}
	*p = s;
	return overflow ? -ERANGE : 0;
}

static double fraction_value(const struct decimal *d)
{
	return (double)d->fnum / pow(10.0, d->fdigits);
}

/* Matches the unit at p against a table; the unit must end the string
 * (only blanks may follow). Returns the index or -1. */
static int match_unit(const char *p, const char *const *units, int n)
{
	size_t len = 0;
	while (p[len] && !is_blank(p[len]))
		len++;
	if (*skip_blanks(p + len) != '\0')
		return -1;
	for (int i = 0; i < n; i++)
		if (strlen(units[i]) == len && strncmp(p, units[i], len) == 0)
			return i;
	return -1;
}

int units_parse_size(const char *s, uint64_t *bytes)
{
	static const char *const names[] = {"", "B", "KiB", "MiB", "GiB", "TiB"};
	static const int shifts[] = {0, 0, 10, 20, 30, 40};
	struct decimal d;
	const char *p = skip_blanks(s);
	int r = parse_decimal(&p, &d);
	if (r == -EINVAL)
		return r;
	int u = match_unit(skip_blanks(p), names, 6);
	if (u < 0)
		return -EINVAL;
	if (r < 0)
		return r;
	int shift = shifts[u];
	if (shift && d.ipart > (UINT64_MAX >> shift))
		return -ERANGE;
	uint64_t whole = d.ipart << shift;
	/* A double holds a fraction times 2^40 to well under a byte. */
	uint64_t part = (uint64_t)llround(fraction_value(&d) * (double)(UINT64_C(1) << shift));
	if (whole > UINT64_MAX - part)
		return -ERANGE;
	*bytes = whole + part;
	return 0;
}

static uint64_t gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

int units_parse_duration(const char *s, int64_t *ns)
{
	static const char *const names[] = {"ns", "us", "ms", "s", "min"};
	static const uint64_t mult[] = {1, 1000, 1000000, 1000000000, UINT64_C(60000000000)};
	struct decimal d;
	const char *p = skip_blanks(s);
	int r = parse_decimal(&p, &d);
	if (r == -EINVAL)
		return r;
	int u = match_unit(skip_blanks(p), names, 5);
	if (u < 0)
		return -EINVAL; /* also a bare number: "20" could be ms or s */
	if (r < 0)
		return r;
	/* The fraction times the unit must be whole nanoseconds: reduce
	 * fnum / 10^fdigits * mult by their common factor and require the
	 * rest of the denominator to divide fnum, all in integers. More than
	 * 18 significant fraction digits can never make whole nanoseconds. */
	if (!d.fnum_exact)
		return -EINVAL;
	uint64_t den = 1;
	for (int i = 0; i < d.fdigits; i++)
		den *= 10;
	uint64_t g = gcd(mult[u], den), part;
	if (d.fnum % (den / g))
		return -EINVAL; /* finer than a nanosecond */
	uint64_t whole;
	if (__builtin_mul_overflow(d.fnum / (den / g), mult[u] / g, &part) ||
	    __builtin_mul_overflow(d.ipart, mult[u], &whole) ||
	    __builtin_add_overflow(whole, part, &whole) || whole > (uint64_t)INT64_MAX)
		return -ERANGE;
	*ns = (int64_t)whole;
	return 0;
}

int units_parse_count(const char *s, uint64_t *count)
{
	static const char *const names[] = {"", "K", "M", "G"};
	static const uint64_t mult[] = {1, 1000, 1000000, 1000000000};
	static const int mult_digits[] = {0, 3, 6, 9};
	struct decimal d;
	const char *p = skip_blanks(s);
	int r = parse_decimal(&p, &d);
	if (r == -EINVAL)
		return r;
	int u = match_unit(skip_blanks(p), names, 4);
	if (u < 0)
		return -EINVAL;
	if (r < 0)
		return r;
	/* A count is whole: "1.5M" is fine, "1.5" or "1.0000005M" is not. */
	if (!d.fnum_exact || d.fdigits > mult_digits[u])
		return -EINVAL;
	uint64_t part = d.fnum;
	for (int i = d.fdigits; i < mult_digits[u]; i++)
		part *= 10;
	if (d.ipart > UINT64_MAX / mult[u])
		return -ERANGE;
	uint64_t whole = d.ipart * mult[u];
	if (whole > UINT64_MAX - part)
		return -ERANGE;
	*count = whole + part;
	return 0;
}

/* Three significant digits, trailing zeros dropped: "2.31", "850", "2.5".
 * Returns the value as it will print so callers can move to the next unit
 * when rounding reaches it (999.7 ms prints as "1 s", not "1000 ms"). */
static double round3(double x, int *decimals)
{
	*decimals = x < 9.995 ? 2 : x < 99.95 ? 1 : 0;
	double f = pow(10.0, *decimals);
	return round(x * f) / f;
}

static void print_trimmed(char *buf, size_t len, double x, int decimals, const char *unit)
{
	char num[32];
	snprintf(num, sizeof(num), "%.*f", decimals, x);
	if (strchr(num, '.')) {
		char *end = num + strlen(num) - 1;
		while (*end == '0')
			*end-- = '\0';
		if (*end == '.')
			*end = '\0';
	}
	snprintf(buf, len, "%s %s", num, unit);
}

/* bytes in unit 2^shift with at most 2 decimals, exactly, into buf
 * ("1.25 MiB", "128 MiB"); false when that cannot be exact. Two, not
 * three: a page-granular RSS is a multiple of 1/256 MiB, and one in 32 of
 * them would otherwise print as "263.625 MiB" beside "263.6 MiB". */
static bool format_exact(uint64_t bytes, int shift, const char *unit, char *buf, size_t len)
{
	static const uint64_t pow10[] = {1, 10, 100};
	uint64_t mask = (UINT64_C(1) << shift) - 1, whole = bytes >> shift, rem = bytes & mask;
	/* rem < 2^40, so rem * 100 cannot overflow. */
	for (int d = 0; d <= 2; d++) {
		if ((rem * pow10[d]) & mask)
			continue;
		uint64_t frac = (rem * pow10[d]) >> shift;
		if (d == 0)
			snprintf(buf, len, "%llu %s", (unsigned long long)whole, unit);
		else
			snprintf(buf, len, "%llu.%0*llu %s", (unsigned long long)whole, d,
			         (unsigned long long)frac, unit);
		return true;
	}
	return false;
}

char *units_format_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const names[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	if (bytes < 1024) {
		snprintf(buf, len, "%u B", (unsigned)bytes);
		return buf;
	}
	int u = 1;
	double x = (double)bytes / 1024.0;
	/* Move up while the one-decimal rounding would print 1024.0 or more. */
	while (u < 4 && x >= 1023.95) {
		x /= 1024.0;
		u++;
	}
	/* Exact when that is short: 1280 KiB is "1.25 MiB", never the
	 * rounded "1.2 MiB". A measured 5030 KiB still reads "4.9 MiB". */
	if (!format_exact(bytes, 10 * u, names[u], buf, len))
		snprintf(buf, len, "%.1f %s", x, names[u]);
	return buf;
}

char *units_format_duration(double s, char *buf, size_t len)
{
	static const char *const names[] = {"ns", "us", "ms", "s", "min"};
	static const double scale[] = {1e-9, 1e-6, 1e-3, 1.0, 60.0};
	static const double next[] = {1000, 1000, 1000, 60, INFINITY};
	if (isnan(s) || isinf(s)) {
		snprintf(buf, len, "n/a");
		return buf;
	}
	if (s == 0) {
		snprintf(buf, len, "0 s"); /* not "0 ns": nothing was measured that small */
		return buf;
	}
	const char *sign = s < 0 ? "-" : "";
	double a = fabs(s);
	int u = 0;
	while (u < 4 && a >= scale[u + 1])
		u++;
	int decimals;
	double x = round3(a / scale[u], &decimals);
	if (x >= next[u]) {
		u++;
		x = round3(a / scale[u], &decimals);
	}
	char tmp[32];
	print_trimmed(tmp, sizeof(tmp), x, decimals, names[u]);
	snprintf(buf, len, "%s%s", sign, tmp);
	return buf;
}

char *units_format_ratio(double r, char *buf, size_t len)
{
	if (isnan(r) || isinf(r))
		snprintf(buf, len, "n/a");
	else
		snprintf(buf, len, "%.2fx", r);
	return buf;
}
