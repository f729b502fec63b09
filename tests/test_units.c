/* test_units.c - the unit parsers and formatters, good and bad inputs.
 *
 * Workload files are written by people, so the parsers are tested on the
 * spellings people try ("4 KB", "20" for a duration) as much as on the ones
 * that work; every rejected spelling here is one a user may type.
 */
#include "common/units.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>

#include "tap.h"

static void size_ok(const char *s, uint64_t want)
{
	uint64_t got = 0;
	int r = units_parse_size(s, &got);
	expect(r == 0 && got == want, "size \"%s\" -> %llu (r=%d, got %llu)", s,
	       (unsigned long long)want, r, (unsigned long long)got);
}

static void size_bad(const char *s, int want)
{
	uint64_t got = 12345;
	int r = units_parse_size(s, &got);
	expect(r == want && got == 12345, "size \"%s\" fails with %d (r=%d)", s, want, r);
}

static void count_ok(const char *s, uint64_t want)
{
	uint64_t got = 0;
	int r = units_parse_count(s, &got);
	expect(r == 0 && got == want, "count \"%s\" -> %llu (r=%d, got %llu)", s,
	       (unsigned long long)want, r, (unsigned long long)got);
}

static void count_bad(const char *s, int want)
{
	uint64_t got = 12345;
	int r = units_parse_count(s, &got);
	expect(r == want && got == 12345, "count \"%s\" fails with %d (r=%d)", s, want, r);
}

static void duration_ok(const char *s, int64_t want_ns)
{
	int64_t got = -1;
	int r = units_parse_duration(s, &got);
	expect(r == 0 && got == want_ns, "duration \"%s\" -> %lld ns exactly (r=%d, got %lld)", s,
	       (long long)want_ns, r, (long long)got);
}

static void duration_bad(const char *s, int want)
{
	int64_t got = -1;
	int r = units_parse_duration(s, &got);
	expect(r == want && got == -1, "duration \"%s\" fails with %d (r=%d)", s, want, r);
}

TEST(parse_size)
{
	size_ok("256 KiB", 256 * 1024);
	size_ok("256KiB", 256 * 1024);
	size_ok(" 1.5 MiB ", 1536 * 1024);
	size_ok("4096", 4096);
	size_ok("0 B", 0);
	size_ok("0", 0);
	size_ok("16 B", 16);
	size_ok("1 GiB", UINT64_C(1) << 30);
	size_ok("2 TiB", UINT64_C(2) << 40);
	size_ok("\t7\tB\t", 7);
	size_ok("0.5 KiB", 512);
	size_ok("1.0009765625 KiB", 1025); /* exact fraction of a KiB */
	size_ok("0.3 KiB", 307);           /* 307.2 rounds to the nearest byte */
	size_ok("15 TiB", UINT64_C(15) << 40);
	size_ok("18446744073709551615", UINT64_MAX);
	size_ok("16777215 TiB", UINT64_C(16777215) << 40);
}

TEST(parse_size_bad)
{
	size_bad("-1 KiB", -EINVAL);
	size_bad("+1 KiB", -EINVAL);
	size_bad("4 KB", -EINVAL);  /* decimal units are not sizes here */
	size_bad("4 kib", -EINVAL); /* units are case-sensitive */
	size_bad("4 K", -EINVAL);   /* K is a count suffix, not a size */
	size_bad("12 parsecs", -EINVAL);
	size_bad("", -EINVAL);
	size_bad("   ", -EINVAL);
	size_bad("KiB", -EINVAL);
	size_bad(".5 KiB", -EINVAL);
	size_bad("1. KiB", -EINVAL);
	size_bad("1,5 KiB", -EINVAL);
	size_bad("1e3", -EINVAL);
	size_bad("0x10", -EINVAL);
	size_bad("inf", -EINVAL);
	size_bad("nan B", -EINVAL);
	size_bad("4 KiB 2", -EINVAL);
	size_bad("4 KiB B", -EINVAL);
	size_bad("99999999999 GiB", -ERANGE);
	size_bad("18446744073709551616", -ERANGE);
	size_bad("16777216 TiB", -ERANGE);
	size_bad("999999999999999999999999 parsecs", -EINVAL); /* bad unit wins */
}

TEST(parse_count)
{
	count_ok("16384", 16384);
	count_ok("16K", 16000);
	count_ok("5M", 5000000);
	count_ok("1.5M", 1500000);
	count_ok("5 M", 5000000); /* the space is optional, as for every unit */
	count_ok(" 2G ", 2000000000);
	count_ok("1000G", UINT64_C(1000000000000));
	count_ok("0", 0);
	count_ok("1.000000001G", 1000000001);
	count_ok("2.50K", 2500);
	count_ok("1.0", 1); /* whole, even with a fraction written */
	count_ok("18446744073709551615", UINT64_MAX);
}

TEST(parse_count_bad)
{
	count_bad("1.5", -EINVAL);        /* half an operation */
	count_bad("1.0000005M", -EINVAL); /* 1000000.5 */
	count_bad("1.2345K", -EINVAL);
	count_bad("5 m", -EINVAL);
	count_bad("5k", -EINVAL);
	count_bad("5 KiB", -EINVAL);
	count_bad("5 MM", -EINVAL);
	count_bad("-5", -EINVAL);
	count_bad("", -EINVAL);
	count_bad("lots", -EINVAL);
	count_bad("1e6", -EINVAL);
	count_bad("18446744073709551616", -ERANGE);
	count_bad("18446744074G", -ERANGE);
	count_ok("18446744073G", UINT64_C(18446744073000000000));
}

TEST(parse_duration)
{
	duration_ok("20 ms", 20000000);
	duration_ok("20ms", 20000000);
	duration_ok("5 s", 5000000000);
	duration_ok("1 min", 60000000000);
	duration_ok("1.5 min", 90000000000);
	duration_ok("250 us", 250000);
	duration_ok("10 ns", 10);
	duration_ok(" 0.5 s ", 500000000);
	duration_ok("1440 min", INT64_C(86400000000000));
	duration_ok("0 s", 0);
	/* The bounds --interval and the YAML check: exact, not a float a hair
	 * below 100e-6 (100 x 1e-6 is 9.9999999999999991e-05). */
	duration_ok("100us", 100000);
	duration_ok("100 us", 100000);
	duration_ok("0.1ms", 100000);
	duration_ok("0.0001 s", 100000);
	duration_ok("10 s", 10000000000);
	duration_ok("1 ns", 1);
	duration_ok("0.001 us", 1);
	duration_ok("0.000000001 s", 1);
	duration_ok("0.00000000005 min", 3); /* 5e-11 x 60e9 */
	duration_ok("1.000000001 s", 1000000001);
	duration_ok("2.50 ms", 2500000);
	duration_ok("1.0 ns", 1); /* whole, even with a fraction written */
	/* The largest: INT64_MAX ns, about 292 years. */
	duration_ok("9223372036854775807 ns", INT64_MAX);
	duration_ok("9223372036.854775807 s", INT64_MAX);
	duration_ok("9223372036 s", INT64_C(9223372036000000000));
	duration_ok("153722867 min", INT64_C(9223372020000000000));
}

TEST(parse_duration_bad)
{
	duration_bad("20", -EINVAL); /* ms or s? a unit is required */
	duration_bad("", -EINVAL);
	duration_bad("5 sec", -EINVAL);
	duration_bad("5 h", -EINVAL);
	duration_bad("5 S", -EINVAL);
	duration_bad("5 m", -EINVAL);
	duration_bad("-5 s", -EINVAL);
	duration_bad("-1 ns", -EINVAL);
	duration_bad("5 s s", -EINVAL);
	duration_bad("s", -EINVAL);
	duration_bad("1e3 ms", -EINVAL);
	duration_bad("inf s", -EINVAL);
	/* Finer than a nanosecond cannot be a whole number of them. */
	duration_bad("0.5 ns", -EINVAL);
	duration_bad("0.0001 us", -EINVAL);
	duration_bad("1.0000000001 s", -EINVAL);
	duration_bad("0.00000000001 min", -EINVAL);       /* 0.6 ns */
	duration_bad("0.0000000000000000001 s", -EINVAL); /* past 18 digits */
	/* One past INT64_MAX ns, in each unit. */
	duration_bad("9223372036854775808 ns", -ERANGE);
	duration_bad("9223372036.854775808 s", -ERANGE);
	duration_bad("9223372037 s", -ERANGE);
	duration_bad("153722868 min", -ERANGE);
	duration_bad("9223372036854776 us", -ERANGE);
	duration_bad("99999999999999999999999 s", -ERANGE);
}

static void fmt_size(uint64_t v, const char *want)
{
	char buf[32];
	expect_str(units_format_size(v, buf, sizeof(buf)), want);
}

static void fmt_duration(double v, const char *want)
{
	char buf[32];
	expect_str(units_format_duration(v, buf, sizeof(buf)), want);
}

static void fmt_ratio(double v, const char *want)
{
	char buf[32];
	expect_str(units_format_ratio(v, buf, sizeof(buf)), want);
}

TEST(format_size)
{
	fmt_size(0, "0 B");
	fmt_size(1023, "1023 B");
	fmt_size(1024, "1 KiB");
	fmt_size(1536, "1.5 KiB");
	fmt_size(1280 * 1024, "1.25 MiB");          /* exact, never "1.2 MiB" */
	fmt_size(1152 * 1024, "1.1 MiB");           /* 1.125 MiB: three decimals, rounded */
	fmt_size(UINT64_C(276430848), "263.6 MiB"); /* 263.625 MiB */
	fmt_size(UINT64_C(139198464), "132.75 MiB");
	fmt_size(1088 * 1024, "1.1 MiB"); /* 1.0625 MiB: four decimals, rounded */
	fmt_size(5030 * 1024, "4.9 MiB"); /* 4.912109375 MiB */
	fmt_size(1000 * 1024, "1000 KiB");
	fmt_size(UINT64_C(5000) << 20, "4.9 GiB");
	fmt_size(UINT64_C(128) << 20, "128 MiB");
	fmt_size(UINT64_C(1536) << 20, "1.5 GiB");
	fmt_size(131072, "128 KiB");
	fmt_size(1025, "1.0 KiB");    /* 1.0009765625 KiB: rounded, and the ".0" says so */
	fmt_size(1258291, "1.2 MiB"); /* 1.19999980926513671875 MiB */
	fmt_size((UINT64_C(1) << 20) - 1, "1.0 MiB"); /* not "1024.0 KiB" */
	fmt_size(UINT64_C(10000) << 20, "9.8 GiB");
	fmt_size(UINT64_C(5) << 30, "5 GiB");
	fmt_size(UINT64_C(3) << 40, "3 TiB");
	fmt_size(UINT64_MAX, "16777216.0 TiB");
	/* Short buffers truncate instead of overflowing. */
	char small[4];
	expect_str(units_format_size(UINT64_C(128) << 20, small, sizeof(small)), "128");
}

TEST(format_duration)
{
	fmt_duration(0, "0 s");
	fmt_duration(0.85, "850 ms");
	fmt_duration(2.31, "2.31 s");
	fmt_duration(2.5, "2.5 s");
	fmt_duration(1.0, "1 s");
	fmt_duration(0.9997, "1 s"); /* not "1000 ms" */
	fmt_duration(12e-6, "12 us");
	fmt_duration(3e-9, "3 ns");
	fmt_duration(59.999, "1 min");
	fmt_duration(90, "1.5 min");
	fmt_duration(86400, "1440 min");
	fmt_duration(-0.02, "-20 ms");
	fmt_duration(NAN, "n/a");
}

TEST(format_ratio)
{
	fmt_ratio(1.93, "1.93x");
	fmt_ratio(1.0, "1.00x");
	fmt_ratio(12.345, "12.35x");
	fmt_ratio(NAN, "n/a");
	fmt_ratio(INFINITY, "n/a");
}

/* What the formatters print, the parsers read back. */
TEST(round_trip)
{
	static const uint64_t sizes[] = {0,
	                                 1,
	                                 1024,
	                                 1536,
	                                 1280 * 1024,
	                                 UINT64_C(139198464),
	                                 1000 * 1024,
	                                 UINT64_C(128) << 20,
	                                 UINT64_C(7) << 40};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char buf[32];
		uint64_t back = 1;
		int r = units_parse_size(units_format_size(sizes[i], buf, sizeof(buf)), &back);
		expect(r == 0 && back == sizes[i], "size %llu -> \"%s\" -> %llu",
		       (unsigned long long)sizes[i], buf, (unsigned long long)back);
	}
	static const int64_t durs[] = {850000000, 2500000000, 90000000000, 250000, 3, 100000};
	for (size_t i = 0; i < sizeof(durs) / sizeof(durs[0]); i++) {
		char buf[32];
		int64_t back = -1;
		int r = units_parse_duration(
		    units_format_duration((double)durs[i] * 1e-9, buf, sizeof(buf)), &back);
		expect(r == 0 && back == durs[i], "duration %lld ns -> \"%s\" -> %lld ns",
		       (long long)durs[i], buf, (long long)back);
	}
}

int main(void)
{
	return tap_run((struct tap_test[]){
	    TAP(parse_size),
	    TAP(parse_size_bad),
	    TAP(parse_count),
	    TAP(parse_count_bad),
	    TAP(parse_duration),
	    TAP(parse_duration_bad),
	    TAP(format_size),
	    TAP(format_duration),
	    TAP(format_ratio),
	    TAP(round_trip),
	    {0},
	});
}
