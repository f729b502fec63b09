/* runner.c - spawn, sample, time out, reap (see runner.h).
 *
 * Why these choices:
 * - posix_spawn with its own process group: a timeout or Ctrl-C kills the
 *   child and anything it started with one kill(-pgid), and the terminal's
 *   SIGINT reaches only the driver, which decides.
 * - pidfd + ppoll: the wait for the next tick ends the moment the child
 *   exits, so wall time is exact to the syscall and there is no SIGCHLD
 *   handler to race with.
 * - statm with pread on a kept fd: 0.5 us a read, against 740 us for
 *   smaps_rollup at 258 MiB; RSS is the only figure we need from it.
 * - Ticks are scheduled on absolute times; a late tick is not made up for
 *   with a burst, it just moves the schedule on.
 */
#include "bench/run/runner.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int64_t read_rss(int fd, long page)
{
	char buf[128];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	long long size, resident;
	if (sscanf(buf, "%lld %lld", &size, &resident) != 2)
		return -1;
	return (int64_t)resident * page;
}

/* The last non-empty line of what the child wrote to stderr. */
static void stderr_tail(int fd, char *out, size_t len)
{
	char buf[1024];
	off_t end = lseek(fd, 0, SEEK_END);
	off_t from = end > (off_t)sizeof(buf) - 1 ? end - (off_t)sizeof(buf) + 1 : 0;
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, from);
	out[0] = 0;
	if (n <= 0)
		return;
	buf[n] = 0;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = 0;
	char *line = strrchr(buf, '\n');
	snprintf(out, len, "%.255s", line ? line + 1 : buf);
}

static int same_file(const char *a, const char *b)
{
	char ra[PATH_MAX], rb[PATH_MAX];
	if (!realpath(a, ra) || !realpath(b, rb))
		return strcmp(a, b) == 0;
	return strcmp(ra, rb) == 0;
}

static void sample(const struct runner_cell *c, struct series *s, struct runner_outcome *o,
                   int statm, long page, double t)
{
	int64_t rss = read_rss(statm, page);
	/* A zombie's statm reads as zeros: the child has gone, not shrunk. */
	if (rss <= 0)
		return;
	struct sample row = {.t_s = t,
	                     .rss_bytes = rss,
	                     .heap_bytes = -1,
	                     .alloc_in_use_bytes = -1,
	                     .alloc_system_bytes = -1,
	                     .alloc_resident_bytes = -1,
	                     .arenas = -1,
	                     .progress = -1};
	if (c->sb) {
		if (c->heap_from_scoreboard) {
			row.heap_bytes = scoreboard_live_bytes(c->sb);
			row.progress = (int64_t)scoreboard_progress(c->sb);
		}
		row.phase = atomic_load_explicit(&c->sb->phase, memory_order_relaxed);
		scoreboard_probe_read(c->sb, &o->probe);
		if (o->probe.active) {
			row.alloc_in_use_bytes = o->probe.in_use_bytes;
			row.alloc_system_bytes = o->probe.system_bytes;
			row.alloc_resident_bytes = o->probe.resident_bytes;
			row.arenas = o->probe.arenas;
		}
		/* A real program has no scoreboard count: the allocator's
		 * in-use bytes are the best view of its heap there is. */
		if (!c->heap_from_scoreboard)
			row.heap_bytes = row.alloc_in_use_bytes;
		if (row.heap_bytes > o->sampled_peak_heap)
			o->sampled_peak_heap = row.heap_bytes;
		if (row.alloc_system_bytes > o->peak_alloc_system)
			o->peak_alloc_system = row.alloc_system_bytes;
		if (row.alloc_in_use_bytes > o->peak_alloc_in_use)
			o->peak_alloc_in_use = row.alloc_in_use_bytes;
		if (row.arenas > o->max_arenas)
			o->max_arenas = row.arenas;
	}
	if (rss > o->sampled_peak_rss)
		o->sampled_peak_rss = rss;
	if (c->mem_guard_bytes > 0 && rss > c->mem_guard_bytes)
		o->over_guard = 1;
	o->final_rss = rss;
	series_append(s, &row);
}

/* Checks malloc's owner once the worker has written it. 1 = wrong. */
static int owner_is_wrong(const struct runner_cell *c, struct runner_outcome *o)
{
	if (!c->expected_owner || !c->sb || !c->sb->malloc_owner[0])
		return 0;
	if (same_file(c->sb->malloc_owner, c->expected_owner))
		return 0;
	snprintf(o->reason, sizeof(o->reason), "malloc was served by %.100s, not %.100s",
	         c->sb->malloc_owner, c->expected_owner);
	return 1;
}

static int spawn(const struct runner_cell *c, int errfd, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	/* The worker reports through the scoreboard; its stdout is noise. A
	 * real program's streams are kept when the caller names files. */
	if (!c->stdin_path || strcmp(c->stdin_path, "-"))
		posix_spawn_file_actions_addopen(
		    &fa, STDIN_FILENO, c->stdin_path ? c->stdin_path : "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO,
	                                 c->stdout_path ? c->stdout_path : "/dev/null",
	                                 O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_adddup2(&fa, errfd, STDERR_FILENO);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
	                                    POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&attr, 0);
	sigset_t none, all;
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	int err = posix_spawn(pid, c->argv[0], &fa, &attr, c->argv, c->envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	return -err;
}

/* Without a pidfd: sleeps up to `wait` seconds in 1 ms steps and returns 1
 * as soon as the child has exited, leaving it for wait4 to reap with its
 * rusage (WNOWAIT). Returns 0 early on a signal, so a stop is seen. */
static int exited_within(pid_t pid, double wait)
{
	for (;;) {
		siginfo_t si = {0};
		if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
		    si.si_pid == pid)
			return 1;
		if (wait <= 0)
			return 0;
		double step = wait < 1e-3 ? wait : 1e-3;
		struct timespec ts = {0, (long)(step * 1e9)};
		if (nanosleep(&ts, NULL))
			return 0;
		wait -= step;
	}
}

int runner_run(const struct runner_cell *c, struct series *s, struct runner_outcome *o)
{
	long page = sysconf(_SC_PAGESIZE);
	int errfd = -1, statm = -1, pidfd = -1, rc = 0;
	char path[64];
	pid_t pid;

	memset(o, 0, sizeof(*o));
	o->sampled_peak_heap = o->peak_alloc_system = o->peak_alloc_in_use = o->max_arenas = -1;
	errfd = c->stderr_path ? open(c->stderr_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)
	                       : memfd_create("wimm-child-stderr", MFD_CLOEXEC);
	if (errfd < 0)
		return -errno;
	double t0 = now_s();
	/* POSIX lets posix_spawn report a failed exec as a child exiting 127
	 * (older glibc and valgrind do): check first, for a reason that says so. */
	int err = access(c->argv[0], X_OK) ? -errno : spawn(c, errfd, &pid);
	if (err) {
		snprintf(o->reason, sizeof(o->reason), "cannot start %s: %s", c->argv[0],
		         strerror(-err));
		goto out;
	}
	o->started = 1;
	/* Linux < 5.3 and valgrind 3.19 have no pidfd_open: exited_within()
	 * polls instead, and exit times are exact to 1 ms rather than to the
	 * syscall. */
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	int no_pidfd = pidfd < 0 && errno == ENOSYS;
	snprintf(path, sizeof(path), "/proc/%d/statm", (int)pid);
	statm = open(path, O_RDONLY | O_CLOEXEC);
	if ((pidfd < 0 && !no_pidfd) || statm < 0) {
		rc = -errno;
		kill(-pid, SIGKILL);
		waitpid(pid, NULL, 0);
		goto out;
	}

	/* interval 0: no samples at all (rusage only), the baseline against
	 * which the observer effect of sampling is measured. */
	int sampling = c->interval_s > 0;
	double next = t0, deadline = t0 + c->timeout_s;
	int owner_checked = 0;
	for (;;) {
		double t = now_s();
		if (sampling && t >= next) {
			sample(c, s, o, statm, page, t - t0);
			next += c->interval_s;
			if (next <= t)
				next = t + c->interval_s;
		}
		if (!owner_checked && c->sb && c->sb->malloc_owner[0]) {
			owner_checked = 1;
			o->wrong_owner = owner_is_wrong(c, o);
		}
		if (c->stop && *c->stop)
			o->interrupted = 1;
		if (t >= deadline)
			o->timed_out = 1;
		if (o->interrupted || o->timed_out || o->wrong_owner || o->over_guard) {
			kill(-pid, SIGKILL);
			break;
		}
		double wait = (sampling && next < deadline ? next : deadline) - now_s();
		if (wait < 0)
			wait = 0;
		struct timespec ts = {.tv_sec = (time_t)wait,
		                      .tv_nsec = (long)((wait - (double)(time_t)wait) * 1e9)};
		struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
		if (no_pidfd ? exited_within(pid, wait) : ppoll(&pfd, 1, &ts, NULL) > 0)
			break; /* the child has exited */
	}
	o->wall_s = now_s() - t0;
	int status;
	while (wait4(pid, &status, 0, &o->ru) < 0 && errno == EINTR)
		;
	/* Kill stragglers the child may have left in its group. */
	kill(-pid, SIGKILL);
	if (WIFEXITED(status)) {
		o->exited = 1;
		o->exit_status = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		o->term_signal = WTERMSIG(status);
	}
	if (c->sb)
		for (int i = 0; i < c->sb->nphases && i < SERIES_MAX_PHASES; i++)
			snprintf(s->phase_names[i], sizeof(s->phase_names[i]), "%s",
			         c->sb->phase_names[i]);
	s->nphases = c->sb ? c->sb->nphases : 1;
	if (!c->sb)
		snprintf(s->phase_names[0], sizeof(s->phase_names[0]), "run");
	if (!owner_checked && !o->wrong_owner && c->sb && c->sb->malloc_owner[0])
		o->wrong_owner = owner_is_wrong(c, o);
	stderr_tail(errfd, o->stderr_tail, sizeof(o->stderr_tail));
out:
	if (statm >= 0)
		close(statm);
	if (pidfd >= 0)
		close(pidfd);
	close(errfd);
	return rc;
}
