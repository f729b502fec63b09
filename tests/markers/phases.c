/* phases.c - a program that marks its phases and steps with wimm.h, for
 * tests/markers.py: "build" keeps 64 blocks of 128 KiB (8 MiB), one per
 * step, "drop" frees them. Outside wimm the markers do nothing and it
 * runs as it would without them.
 *
 *     phases [ITERATIONS]   (default 64; the sleeps give the sampler time)
 *     phases edge           the markers' edges: a name marked again, a
 *                           child forked that marks (ignored), 21 names
 *                           (more than the 17 a run keeps)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wimm.h"

#define BLOCK (128 * 1024)

static void pause_ms(long ms)
{
	struct timespec ts = {0, ms * 1000000L};
	nanosleep(&ts, NULL);
}

static int edges(void)
{
	wimm_phase("a");
	wimm_step();
	pause_ms(30);
	wimm_phase("b");
	pause_ms(30);
	pid_t pid = fork();
	if (pid == 0) { /* a forked child's marks are not the program's */
		wimm_phase("from-child");
		for (int i = 0; i < 1000; i++)
			wimm_step();
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, NULL, 0) != pid)
		return 1;
	wimm_phase("a");
	pause_ms(30);
	for (int i = 3; i <= 20; i++) {
		char name[16];
		snprintf(name, sizeof(name), "p%d", i);
		wimm_phase(name);
		pause_ms(20);
	}
	printf("edges done\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "edge"))
		return edges();
	int n = argc > 1 ? atoi(argv[1]) : 64;
	if (n <= 0 || n > 100000)
		n = 64;
	char **blocks = calloc((size_t)n, sizeof(*blocks));
	if (!blocks)
		return 1;
	wimm_phase("build");
	for (int i = 0; i < n; i++) {
		if (!(blocks[i] = malloc(BLOCK)))
			return 1;
		memset(blocks[i], i & 0xff, BLOCK);
		pause_ms(5);
		wimm_step();
	}
	wimm_phase("drop");
	for (int i = 0; i < n; i++)
		free(blocks[i]);
	free(blocks);
	pause_ms(100);
	printf("phases: %d blocks of %d bytes built and dropped\n", n, BLOCK);
	return 0;
}
