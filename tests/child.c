/* child.c - a misbehaving child for the runner tests.
 *   child ok | crash | hang | exit N | alloc MIB | forkhang | spew BYTES [err]
 *         | garbage
 * alloc touches MIB mebibytes, holds them 200 ms, and exits 0. forkhang
 * starts a child that hangs, then hangs. spew writes BYTES of numbered
 * 9-byte lines ("00000000\n", ...; the last one cut) to stdout, or stderr
 * with "err", and exits 0. garbage writes invalid UTF-8 and terminal
 * escape sequences to stderr and exits 1. Extra arguments are ignored (a
 * test names its processes with them). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Through a volatile pointer, or the compiler drops the malloc, the fill
 * and the free as dead code, and no memory is ever used. */
static void *(*volatile fill)(void *, int, size_t) = memset;

/* In an ASan build the crash must stay a SIGSEGV, as the tests expect,
 * not ASan's report and exit status 1. Unused in other builds. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "handle_segv=0"; }

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "ok";
	if (!strcmp(mode, "crash")) {
		fprintf(stderr, "about to crash\n");
		raise(SIGSEGV);
	}
	if (!strcmp(mode, "forkhang") && fork() < 0)
		return 4;
	if (!strcmp(mode, "hang") || !strcmp(mode, "forkhang"))
		for (;;)
			pause();
	if (!strcmp(mode, "spew") && argc > 2) {
		long left = atol(argv[2]);
		FILE *f = argc > 3 && !strcmp(argv[3], "err") ? stderr : stdout;
		char line[32];
		for (long i = 0; left > 0; i++) {
			snprintf(line, sizeof(line), "%08ld\n", i);
			size_t n = left < 9 ? (size_t)left : 9;
			if (fwrite(line, 1, n, f) != n)
				return 5;
			left -= (long)n;
		}
		return fflush(f) ? 5 : 0;
	}
	if (!strcmp(mode, "garbage")) {
		/* Invalid UTF-8, a colour, a window title (OSC), a bidi override. */
		fputs("bad \xff\xfe bytes \x1b[31mred\x1b[0m \x1b]0;owned\x07 \xe2\x80\xae"
		      "evil\n",
		      stderr);
		return 1;
	}
	if (!strcmp(mode, "exit") && argc > 2) {
		fprintf(stderr, "exiting with %s\n", argv[2]);
		return atoi(argv[2]);
	}
	if (!strcmp(mode, "alloc") && argc > 2) {
		size_t bytes = (size_t)atol(argv[2]) << 20;
		char *p = malloc(bytes);
		if (!p)
			return 3;
		fill(p, 1, bytes);
		usleep(200000);
		free(p);
	}
	return 0;
}
