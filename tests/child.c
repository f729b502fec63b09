/* child.c - a misbehaving child for the runner tests.
 *   child ok | crash | hang | exit N | alloc MIB
 * alloc touches MIB mebibytes, holds them 200 ms, and exits 0. */
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
	if (!strcmp(mode, "hang"))
		for (;;)
			pause();
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
