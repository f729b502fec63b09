/* tap.h - a tiny in-tree test framework printing TAP for `meson test`.
 *
 * TEST(name) { expect(cond, "message %d", x); ... }  and in main():
 *   return tap_run((struct tap_test[]){ TAP(name), ... , {0} });
 * Every expect is one TAP line, so a failure names exactly what went wrong.
 * A test may call tap_skip("reason") to report SKIP instead of passing.
 */
#ifndef WIMM_TAP_H
#define WIMM_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tap_test {
	const char *name;
	void (*fn)(void);
};

#define TEST(name) static void test_##name(void)
#define TAP(name)                                                                                  \
	{                                                                                          \
#name, test_##name                                                                 \
	}

static int tap_count, tap_failed;
static const char *tap_current;

__attribute__((format(printf, 4, 5), unused)) static int tap_expect(int ok, const char *file,
                                                                    int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("%s %d - %s: ", ok ? "ok" : "not ok", ++tap_count, tap_current);
	vprintf(fmt, ap);
	printf("\n");
	if (!ok) {
		printf("#   failed at %s:%d\n", file, line);
		tap_failed++;
	}
	va_end(ap);
	fflush(stdout);
	return ok;
}

#define expect(cond, ...) tap_expect(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
/* Each argument is evaluated once: `expect_int(f(), 0)` calls f once. */
#define expect_str(got, want)                                                                      \
	do {                                                                                       \
		const char *got_ = (got), *want_ = (want);                                         \
		expect(strcmp(got_, want_) == 0, "%s == \"%s\" (got \"%s\")", #got, want_, got_);  \
	} while (0)
#define expect_int(got, want)                                                                      \
	do {                                                                                       \
		long long got_ = (long long)(got), want_ = (long long)(want);                      \
		expect(got_ == want_, "%s == %lld (got %lld)", #got, want_, got_);                 \
	} while (0)

__attribute__((unused)) static void tap_skip(const char *reason)
{
	printf("ok %d - %s # SKIP %s\n", ++tap_count, tap_current, reason);
	fflush(stdout);
}

/* Why preloading another allocator (or the probe) is skipped, or NULL when
 * it can run. An ASan build (gcc's __SANITIZE_ADDRESS__, clang's
 * __has_feature) cannot: its runtime must come first in the library list.
 * WIMM_UNDER_SANITIZER=1 (meson test --setup asan, and every test of an
 * ASan build) says the same to tests that cannot tell by themselves. */
#if defined(__SANITIZE_ADDRESS__)
#define TAP_ASAN_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TAP_ASAN_BUILD 1
#endif
#endif
#ifndef TAP_ASAN_BUILD
#define TAP_ASAN_BUILD 0
#endif
__attribute__((unused)) static const char *tap_no_preload(void)
{
	const char *e = getenv("WIMM_UNDER_SANITIZER");
	if (TAP_ASAN_BUILD || (e && strcmp(e, "1") == 0))
		return "ASan build: another allocator or the probe cannot be preloaded (the ASan "
		       "runtime must come first)";
	return NULL;
}

__attribute__((unused)) static int tap_run(const struct tap_test *tests)
{
	for (const struct tap_test *t = tests; t->name; t++) {
		tap_current = t->name;
		t->fn();
	}
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif
