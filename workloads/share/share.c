/* share.c - wimm-share: the sharing story of a process tree, to run under
 * `wimm exec` (README, "Process trees").
 *
 * A parent fills a large buffer, forks workers that only read it, then has
 * them write to part of it one after another:
 *   start   the parent alone, before the buffer (its own memory);
 *   fill    the parent fills the buffer and forks the workers;
 *   read    the parent and N workers, each having read every page: the sum
 *           of RSS counts the buffer N + 1 times, PSS once;
 *   write K worker K has written its part (a quarter by default) of its
 *           copy: copy-on-write gives it a private copy of that part, so
 *           PSS grows by the part at each writer while the sum of RSS does
 *           not move.
 * Each phase is held (--hold; start for half of it) long enough for the
 * driver's PSS readings, which come at a lower rate than its samples. The
 * start of each phase is printed on stdout, in seconds from the program's
 * start, once its state is reached: "t=0.503 phase read"; the next write
 * starts when its hold is over.
 *
 * The buffer comes from malloc, so the allocator under test serves it. The
 * workers are forked without exec (the probe counts each of them).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/units.h"

#define MAX_WORKERS 64

static const char usage[] =
    "usage: wimm-share [--size SIZE] [--workers N] [--part FRACTION] [--hold DUR]\n"
    "A parent fills a buffer of SIZE (default 200 MiB), forks N workers (default 3)\n"
    "that read all of it, then each worker in turn writes FRACTION of its copy\n"
    "(default 0.25); each phase is held DUR (default 1 s). Run it under\n"
    "`wimm exec` to see the sum of RSS, RSS minus shared and PSS of the tree.\n";

static double t0;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void phase(const char *name)
{
	printf("t=%.3f phase %s\n", now_s() - t0, name);
	fflush(stdout);
}

static void hold(int64_t ns)
{
	struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000),
	                      .tv_nsec = (long)(ns % 1000000000)};
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* One byte a command: 'w' write your part, 'q' quit. The worker answers
 * each with one byte once done. */
static int worker(unsigned char *buf, size_t size, size_t part, int cmd, int done)
{
	volatile uint64_t sum = 0;
	for (size_t i = 0; i < size; i += 4096)
		sum += buf[i];
	/* Any byte says "read"; this one depends on what was read, so the
	 * reads cannot be left out. */
	char c = (char)('r' + (sum & 1));
	if (write(done, &c, 1) != 1)
		return 1;
	while (read(cmd, &c, 1) == 1) {
		if (c == 'q')
			return 0;
		memset(buf, 0xa5, part); /* its own copy of these pages, now */
		if (write(done, &c, 1) != 1)
			return 1;
	}
	return 1;
}

static int parse(int argc, char **argv, uint64_t *size, int *workers, double *part,
                 int64_t *hold_ns)
{
	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *end = NULL;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(usage, stdout);
			exit(0);
		} else if (!strcmp(argv[i], "--size") && v) {
			if (units_parse_size(v, size) || *size < 4096 ||
			    *size > (UINT64_C(1) << 40))
				goto bad;
		} else if (!strcmp(argv[i], "--workers") && v) {
			*workers = (int)strtol(v, &end, 10);
			if (*end || *workers < 1 || *workers > MAX_WORKERS)
				goto bad;
		} else if (!strcmp(argv[i], "--part") && v) {
			*part = strtod(v, &end);
			if (*end || !(*part >= 0 && *part <= 1))
				goto bad;
		} else if (!strcmp(argv[i], "--hold") && v) {
			if (units_parse_duration(v, hold_ns) || *hold_ns < 0)
				goto bad;
		} else {
			fprintf(stderr, "wimm-share: unknown option %s\n%s", argv[i], usage);
			return -1;
		}
		i++;
		continue;
	bad:
		fprintf(stderr,
		        "wimm-share: %s %s: expected a size (200 MiB), a count from 1 to %d, a "
		        "fraction from 0 to 1, or a duration (1 s)\n",
		        argv[i], v, MAX_WORKERS);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t size = UINT64_C(200) << 20;
	int n = 3;
	double frac = 0.25;
	int64_t hold_ns = 1000000000;
	if (parse(argc, argv, &size, &n, &frac, &hold_ns))
		return 2;
	t0 = now_s();
	phase("start");
	hold(hold_ns / 2);
	phase("fill");
	unsigned char *buf = malloc(size);
	if (!buf) {
		fprintf(stderr, "wimm-share: cannot allocate %llu bytes\n",
		        (unsigned long long)size);
		return 1;
	}
	memset(buf, 0x5a, size);
	size_t part = (size_t)((double)size * frac) / 4096 * 4096;
	int cmd[MAX_WORKERS], done[MAX_WORKERS];
	pid_t pid[MAX_WORKERS];
	for (int i = 0; i < n; i++) {
		int c[2], d[2];
		if (pipe(c) || pipe(d)) {
			perror("wimm-share: pipe");
			return 1;
		}
		fflush(stdout);
		pid[i] = fork();
		if (pid[i] < 0) {
			perror("wimm-share: fork");
			return 1;
		}
		if (pid[i] == 0) {
			close(c[1]);
			close(d[0]);
			_exit(worker(buf, size, part, c[0], d[1]));
		}
		close(c[0]);
		close(d[1]);
		cmd[i] = c[1];
		done[i] = d[0];
	}
	char c;
	for (int i = 0; i < n; i++)
		if (read(done[i], &c, 1) != 1) {
			fprintf(stderr, "wimm-share: worker %d ended early\n", i + 1);
			return 1;
		}
	phase("read");
	hold(hold_ns);
	for (int i = 0; i < n; i++) {
		c = 'w';
		if (write(cmd[i], &c, 1) != 1 || read(done[i], &c, 1) != 1) {
			fprintf(stderr, "wimm-share: worker %d ended early\n", i + 1);
			return 1;
		}
		char name[32];
		snprintf(name, sizeof(name), "write%d", i + 1);
		phase(name);
		hold(hold_ns);
	}
	int rc = 0;
	for (int i = 0; i < n; i++) {
		c = 'q';
		int status;
		if (write(cmd[i], &c, 1) != 1 || waitpid(pid[i], &status, 0) != pid[i] ||
		    !WIFEXITED(status) || WEXITSTATUS(status))
			rc = 1;
	}
	phase("end");
	free(buf);
	return rc;
}
