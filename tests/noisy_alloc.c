/* noisy_alloc.c - a library that is loud when loaded, for the test of the
 * driver's channel to its children (tests/channel.py): its constructor
 * prints a version line on stdout and writes bytes with tabs and newlines
 * to every fd from 1 to 63, as a badly behaved preload might. Built twice:
 * with owner/own_malloc.c as an allocator (malloc and friends forwarded to
 * glibc's own entry points, so it serves malloc), and alone as a library
 * that serves nothing. Neither must change which owner the driver finds. */
#include <unistd.h>

__attribute__((constructor)) static void shout(void)
{
	static const char hello[] = "noisy 1.0 loaded\n";
	static const char junk[] = "junk\tjunk\tjunk\n";
	if (write(1, hello, sizeof(hello) - 1) < 0) {
		/* fd 1 may be closed: nothing to do about it */
	}
	for (int fd = 1; fd < 64; fd++)
		if (write(fd, junk, sizeof(junk) - 1) < 0)
			continue;
}
