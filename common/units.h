/* units.h - human units both ways: parse "256 KiB", "20 ms", "5M"; print
 * "1.25 MiB", "2.31 s", "1.93x".
 *
 * Parsers take the whole string (surrounding blanks allowed, a space between
 * number and unit optional) and return 0, -EINVAL when it is not a number
 * with a known unit, or -ERANGE when it does not fit.
 */
#ifndef WIMM_UNITS_H
#define WIMM_UNITS_H

#include <stddef.h>
#include <stdint.h>

/* Sizes: B, KiB, MiB, GiB, TiB (powers of 1024); a bare integer is bytes.
 * Fractions are allowed ("1.5 MiB") and rounded to the nearest byte.
 * Units are case-sensitive and binary only: "4 KB", "4 kib", "4 K" are
 * -EINVAL, so a decimal/binary mix-up cannot slip through. */
int units_parse_size(const char *s, uint64_t *bytes);

/* Durations: ns, us, ms, s, min, parsed exactly into whole nanoseconds
 * ("100us" is 100000 ns, never a float a hair below 100e-6 s). A unit is
 * required: "20" is -EINVAL because it could mean seconds or milliseconds.
 * A value finer than 1 ns ("0.5 ns", "1.0000000001 s") is -EINVAL; one past
 * INT64_MAX ns (about 292 years) is -ERANGE. */
int units_parse_duration(const char *s, int64_t *ns);

/* Counts: an integer with an optional K, M or G suffix (powers of 1000):
 * "16384", "16K", "5M", "1.5M", "5 M". The result must be whole: "1.5" and
 * "1.0000005M" are -EINVAL. */
int units_parse_count(const char *s, uint64_t *count);

/* Formatters write into buf (at least 32 bytes is always enough; shorter
 * buffers truncate) and return buf. Sizes print in the largest unit that
 * keeps the number under 1024, exactly when that takes at most 2 decimals
 * ("1.25 MiB" for 1280 KiB, never "1.2 MiB"; "128 MiB", "1000 KiB"), else
 * rounded to one decimal ("263.6 MiB"; the ".0" of "1.0 MiB" says so);
 * durations keep three significant digits without trailing zeros ("1 s",
 * "2.5 s"); NaN and infinities print "n/a". */
char *units_format_size(uint64_t bytes, char *buf, size_t len); /* "1.25 MiB" */
char *units_format_duration(double s, char *buf, size_t len);   /* "850 ms", "2.31 s" */
char *units_format_ratio(double r, char *buf, size_t len);      /* "1.93x" */

#endif
