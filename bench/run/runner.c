/* runner.c - spawn, sample, time out, reap (see runner.h).
 *
 * Why these choices:
 * - Its own process group: a timeout or Ctrl-C kills the child and
 *   anything it started with one kill(-pgid), and the terminal's SIGINT
 *   reaches only the driver, which decides. The reaper (reaper.h) does the
 *   same if the driver dies.
 * - pidfd + ppoll: the wait for the next tick ends the moment the child
 *   exits or writes, so wall time is exact to the syscall and there is no
 *   SIGCHLD handler to race with. SIGINT, SIGTERM and SIGHUP are blocked
 *   outside ppoll, which unblocks them while it sleeps: a stop that
 *   arrives just before the wait still ends it at once.
 * - Times are integer nanoseconds of CLOCK_MONOTONIC, as the options are
 *   parsed (units.h).
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/run/capture.h"
#include "bench/run/reaper.h"
#include "bench/run/spawn.h"
#include "common/clock.h"
#include "common/fsutil.h"
#include "common/text.h"

#define NS_PER_S INT64_C(1000000000)

static int64_t now_ns(void) { return clock_ns(CLOCK_MONOTONIC); }

static struct timespec to_timespec(int64_t ns)
{
	if (ns < 0)
		ns = 0;
	return (struct timespec){.tv_sec = (time_t)(ns / NS_PER_S),
	                         .tv_nsec = (long)(ns % NS_PER_S)};
}

/* RSS and its file-backed and shared part (statm's third field: RssFile
 * + RssShmem), from one pread, so they are one instant. Returns RSS or -1. */
static int64_t read_rss(int fd, long page, int64_t *file)
{
	char buf[128];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	*file = -1;
	if (n <= 0)
		return -1;
	buf[n] = 0;
	long long size, resident, shared;
	int got = sscanf(buf, "%lld %lld %lld", &size, &resident, &shared);
	if (got < 2)
		return -1;
	if (got == 3)
		*file = (int64_t)shared * page;
	return (int64_t)resident * page;
}

/* The name of phase i, taken when it is first sampled: the child wrote it
 * before entering the phase (read bounded, cleaned: text.h). */
static void name_phase(const struct runner_cell *c, struct runner_outcome *o, int i)
{
	if (i < 0 || i >= SERIES_MAX_PHASES || o->phases.names[i][0])
		return;
	if (c->sb && i < c->sb->nphases)
		text_clean_n(o->phases.names[i], sizeof(o->phases.names[i]), c->sb->phase_names[i],
		             sizeof(c->sb->phase_names[i]), TEXT_ONE_LINE);
	else if (!c->sb && i == 0)
		snprintf(o->phases.names[0], sizeof(o->phases.names[0]), "run");
	if (i >= o->phases.n)
		o->phases.n = i + 1;
}

/* Adds a row, with its parts (split.h), to the outcome's running figures
 * and hands it on (the runner keeps no row); guard: whether the memory
 * guard applies (not to a child that has exited). */
static void record(const struct runner_cell *c, struct runner_outcome *o, const struct sample *in,
                   int guard)
{
	struct sample r = *in, *row = &r;
	series_fill_parts(&o->carry, row);
	if (row->heap_bytes > o->sampled_peak_heap)
		o->sampled_peak_heap = row->heap_bytes;
	if (row->alloc_system_bytes > o->peak_alloc_system)
		o->peak_alloc_system = row->alloc_system_bytes;
	if (row->alloc_in_use_bytes > o->peak_alloc_in_use)
		o->peak_alloc_in_use = row->alloc_in_use_bytes;
	if (row->arenas > o->max_arenas)
		o->max_arenas = row->arenas;
	if (row->rss_bytes > o->sampled_peak_rss) {
		o->sampled_peak_rss = row->rss_bytes;
		o->at_peak = *row;
	}
	if (guard && c->mem_guard_bytes > 0 && row->rss_bytes > c->mem_guard_bytes)
		o->over_guard = 1;
	o->final_rss = row->rss_bytes;
	o->last_t_s = row->t_s;
	o->samples++;
	o->at_end = *row;
	name_phase(c, o, row->phase);
	if (c->on_sample)
		c->on_sample(c->on_sample_ctx, row);
}

/* The work done, for a row: a worker counts it from the start; a real
 * program counts steps only if it marks them (wimm_step), so before its
 * first step the count is n/a, not 0. */
static int64_t work_done(const struct runner_cell *c, int64_t count)
{
	return c->heap_from_scoreboard || count > 0 ? count : -1;
}

/* Returns 0 when the child had no memory to read (it is exiting). */
static int sample(const struct runner_cell *c, struct runner_outcome *o, int statm, long page,
                  double t, int64_t missed)
{
	int64_t file;
	int64_t rss = read_rss(statm, page, &file);
	/* A zombie's statm reads as zeros: the child has gone, not shrunk. */
	if (rss <= 0)
		return 0;
	struct sample row = {.t_s = t,
	                     .rss_bytes = rss,
	                     .rss_file_bytes = file,
	                     .probe_reads = -1,
	                     .heap_bytes = -1,
	                     .alloc_in_use_bytes = -1,
	                     .alloc_system_bytes = -1,
	                     .alloc_resident_bytes = -1,
	                     .arenas = -1,
	                     .progress = -1,
	                     .missed_ticks = missed,
	                     .alloc_progress = -1};
	if (c->sb) {
		if (c->heap_from_scoreboard)
			row.heap_bytes = scoreboard_live_bytes(c->sb);
		row.progress = work_done(c, (int64_t)scoreboard_progress(c->sb));
		row.phase = atomic_load_explicit(&c->sb->phase, memory_order_relaxed);
		scoreboard_probe_read(c->sb, &o->probe);
		if (o->probe.active) {
			row.alloc_in_use_bytes = o->probe.in_use_bytes;
			row.alloc_system_bytes = o->probe.system_bytes;
			row.alloc_resident_bytes = o->probe.resident_bytes;
			row.arenas = o->probe.arenas;
			row.alloc_progress = work_done(c, o->probe.progress);
			row.probe_reads = (int64_t)o->probe.reads;
		}
		/* A real program has no scoreboard count: the allocator's
		 * in-use bytes are the best view of its heap there is. */
		if (!c->heap_from_scoreboard)
			row.heap_bytes = row.alloc_in_use_bytes;
	}
	record(c, o, &row, 1);
	return 1;
}

/* The child's own last reading as it exited (the worker's heap, the
 * probe's allocator figures and RSS from exit()), as the series' last
 * row: a real program that frees before it exits would otherwise end on
 * whatever the probe read last, possibly long before. */
static void exit_row(const struct runner_cell *c, struct runner_outcome *o, int64_t t0)
{
	const struct sb_snapshot *e = &c->sb->exit;
	int64_t t_ns = atomic_load(&e->t_ns), rss = atomic_load(&e->rss_bytes);
	if (t_ns <= 0 || rss <= 0)
		return;
	struct sample row = {
	    .t_s = (double)(t_ns - t0) / 1e9,
	    .rss_bytes = rss,
	    .rss_file_bytes = atomic_load(&e->file_bytes),
	    .heap_bytes = atomic_load(&e->heap_bytes),
	    .alloc_in_use_bytes = atomic_load(&e->alloc_in_use_bytes),
	    .alloc_system_bytes = atomic_load(&e->alloc_system_bytes),
	    .alloc_resident_bytes = atomic_load(&e->alloc_resident_bytes),
	    .arenas = atomic_load(&e->arenas),
	    .progress = work_done(c, (int64_t)scoreboard_progress(c->sb)),
	    .phase = atomic_load(&c->sb->phase),
	};
	/* Nothing is done after the exit reading: the count now is its. */
	row.alloc_progress = row.progress;
	if (!c->heap_from_scoreboard)
		row.heap_bytes = row.alloc_in_use_bytes;
	if (o->samples && row.t_s < o->last_t_s)
		row.t_s = o->last_t_s;
	/* A program that exits at once (/bin/true) can stamp its exit before
	 * the runner's clock started: it is at the start, not before it. */
	if (row.t_s < 0)
		row.t_s = 0;
	scoreboard_probe_read(c->sb, &o->probe);
	row.probe_reads = o->probe.active ? (int64_t)o->probe.reads : -1;
	record(c, o, &row, 0);
}

/* Checks malloc's owner once the worker has written it. 1 = wrong. */
static int owner_is_wrong(const struct runner_cell *c, struct runner_outcome *o)
{
	if (!c->expected_owner || !c->sb || !c->sb->malloc_owner[0])
		return 0;
	if (fsutil_same_file(c->sb->malloc_owner, c->expected_owner))
		return 0;
	snprintf(o->reason, sizeof(o->reason), "malloc was served by %.100s, not %.100s",
	         c->sb->malloc_owner, c->expected_owner);
	return 1;
}

/* Without a pidfd: 1 once the child has exited, leaving it for wait4 to
 * reap with its rusage (WNOWAIT). */
static int has_exited(pid_t pid)
{
	siginfo_t si = {0};
	return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid;
}

/* The signals a caller turns into *stop: blocked while the runner works,
 * unblocked by ppoll while it sleeps. */
static void block_stop_signals(sigset_t *old)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, old);
}

static int stop_now(const struct runner_cell *c, struct runner_outcome *o, int64_t deadline)
{
	if (c->stop && *c->stop)
		o->interrupted = 1;
	if (now_ns() >= deadline)
		o->timed_out = 1;
	return o->interrupted || o->timed_out;
}

/* Waits for the child's exec, which may take long when its stdin is a
 * FIFO nobody writes to: a timeout and a stop still end it. Returns 0 once
 * it has exec'd, 1 when it was killed first, or -errno when it could not
 * start (reason set; the child is reaped). */
static int wait_exec(const struct runner_cell *c, struct spawn_child *ch, struct runner_outcome *o,
                     int64_t deadline, const sigset_t *mask)
{
	for (;;) {
		if (stop_now(c, o, deadline)) {
			kill(-ch->pid, SIGKILL);
			o->before_exec = 1;
			if (c->stdin_path && strcmp(c->stdin_path, "-"))
				snprintf(
				    o->reason, sizeof(o->reason),
				    "it was still opening its input %.150s (a FIFO that nothing "
				    "writes to?)",
				    c->stdin_path);
			close(ch->status_fd);
			ch->status_fd = -1;
			return 1;
		}
		struct pollfd pfd = {.fd = ch->status_fd, .events = POLLIN};
		struct timespec ts = to_timespec(deadline - now_ns());
		if (ppoll(&pfd, 1, &ts, mask) <= 0)
			continue;
		enum spawn_stage stage = SPAWN_EXEC;
		int err = spawn_result(ch, &stage);
		if (!err)
			return 0;
		const char *what = stage == SPAWN_STDIN    ? "cannot open its input"
		                   : stage == SPAWN_STDOUT ? "cannot set up its output for"
		                                           : "cannot start";
		const char *name =
		    stage == SPAWN_STDIN && c->stdin_path ? c->stdin_path : c->argv[0];
		snprintf(o->reason, sizeof(o->reason), "%s %.150s: %s", what, name, strerror(-err));
		while (waitpid(ch->pid, NULL, 0) < 0 && errno == EINTR)
			;
		return err;
	}
}

/* The tree's tick, after the root's: the guard applies to its sum. */
static void tree_tick(const struct runner_cell *c, struct runner_outcome *o, int64_t t)
{
	struct proctree_totals tot;
	if (!o->tree || proctree_tick(o->tree, t, &tot))
		return;
	if (c->mem_guard_bytes > 0 && tot.rss > c->mem_guard_bytes)
		o->over_guard = 1;
}

/* Samples, checks and reads output until the child exits or is killed. */
static void watch(const struct runner_cell *c, struct runner_outcome *o, pid_t pid, int pidfd,
                  int statm, struct capture *cap, int ncap, int64_t t0, int64_t deadline,
                  const sigset_t *mask)
{
	long page = sysconf(_SC_PAGESIZE);
	/* interval 0: no samples at all (rusage only), the baseline against
	 * which the observer effect of sampling is measured. */
	int sampling = c->interval_ns > 0, owner_checked = 0;
	int64_t next = t0;
	for (;;) {
		int64_t t = now_ns();
		if (sampling && t >= next) {
			/* The tick due at next is this one, late; those due
			 * after it up to now are missed, and said so. The
			 * ticks stay on their grid (t0 + k x interval), so
			 * every one is either sampled or counted missed. */
			int64_t missed = (t - next) / c->interval_ns;
			o->ticks_missed += missed;
			/* A tick at which the exiting child had no memory left
			 * to read is missed too (no row says so). */
			if (!sample(c, o, statm, page, (double)(t - t0) / 1e9, missed))
				o->ticks_missed++;
			tree_tick(c, o, t);
			next += (missed + 1) * c->interval_ns;
		}
		if (!owner_checked && c->sb && c->sb->malloc_owner[0]) {
			owner_checked = 1;
			o->wrong_owner = owner_is_wrong(c, o);
		}
		if (stop_now(c, o, deadline) || o->wrong_owner || o->over_guard) {
			kill(-pid, SIGKILL);
			if (o->tree)
				proctree_kill(o->tree);
			return;
		}
		int64_t wait = (sampling && next < deadline ? next : deadline) - now_ns();
		/* Linux < 5.3 and valgrind 3.19 have no pidfd_open: look every
		 * millisecond instead, exact to 1 ms rather than to the syscall. */
		if (pidfd < 0 && wait > 1000000)
			wait = 1000000;
		struct pollfd pfd[3];
		int n = 0;
		if (pidfd >= 0)
			pfd[n++] = (struct pollfd){.fd = pidfd, .events = POLLIN};
		for (int i = 0; i < ncap; i++)
			if (cap[i].fd >= 0)
				pfd[n++] = (struct pollfd){.fd = cap[i].fd, .events = POLLIN};
		struct timespec ts = to_timespec(wait);
		int ready = ppoll(pfd, (nfds_t)n, &ts, mask);
		for (int i = 0; i < ncap; i++)
			if (ready > 0 && cap[i].fd >= 0)
				capture_read(&cap[i]);
		if (pidfd >= 0 ? ready > 0 && (pfd[0].revents & POLLIN) : has_exited(pid))
			return; /* the child has exited */
	}
}

/* After the root has exited: the processes it left behind are followed to
 * their end (or the timeout), with the output they still write. */
static void follow_rest(const struct runner_cell *c, struct runner_outcome *o, pid_t pid,
                        struct capture *cap, int ncap, int64_t deadline, const sigset_t *mask)
{
	/* One tick first: a child the root started since the last tick has
	 * been handed to the driver as an orphan, and only a tick finds it
	 * (among the driver's own children) before the count below is read. */
	tree_tick(c, o, now_ns());
	int64_t next = now_ns() + c->interval_ns;
	while (proctree_live_descendants(o->tree) > 0) {
		int64_t t = now_ns();
		if (t >= next) {
			tree_tick(c, o, t);
			next = t + c->interval_ns;
		}
		if (stop_now(c, o, deadline) || o->over_guard) {
			kill(-pid, SIGKILL);
			proctree_kill(o->tree);
			return;
		}
		struct pollfd pfd[2];
		int n = 0;
		for (int i = 0; i < ncap; i++)
			if (cap[i].fd >= 0)
				pfd[n++] = (struct pollfd){.fd = cap[i].fd, .events = POLLIN};
		struct timespec ts = to_timespec((next < deadline ? next : deadline) - now_ns());
		int ready = ppoll(pfd, (nfds_t)n, &ts, mask);
		for (int i = 0; i < ncap; i++)
			if (ready > 0 && cap[i].fd >= 0)
				capture_read(&cap[i]);
	}
}

/* After the exit: rusage, the last kill of the group, the output files. */
static void reap(const struct runner_cell *c, struct runner_outcome *o, pid_t pid, int64_t t0,
                 struct capture *out, struct capture *err)
{
	int status = 0;
	while (wait4(pid, &status, 0, &o->ru) < 0 && errno == EINTR)
		;
	/* Kill stragglers the child may have left in its group; only then
	 * may the reaper forget it (see reaper.c). A followed tree has ended
	 * by now, or was killed whole. */
	kill(-pid, SIGKILL);
	if (o->tree) {
		proctree_kill(o->tree);
		proctree_finish(o->tree, status, &o->tree_sum);
	}
	reaper_watch(0);
	if (WIFEXITED(status)) {
		o->exited = 1;
		o->exit_status = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		o->term_signal = WTERMSIG(status);
	}
	if (c->sb && c->interval_ns > 0 && WIFEXITED(status))
		exit_row(c, o, t0);
	/* Phases never sampled are named too: the summary lists them all. */
	for (int i = 0; i < (c->sb ? c->sb->nphases : 1) && i < SERIES_MAX_PHASES; i++)
		name_phase(c, o, i);
	if (!o->wrong_owner && c->sb && c->sb->malloc_owner[0])
		o->wrong_owner = owner_is_wrong(c, o);
	uint64_t dropped;
	int e1 = capture_finish(out, &dropped);
	o->stdout_bytes = out->total;
	o->stdout_dropped = dropped;
	int e2 = capture_finish(err, &dropped);
	o->stderr_bytes = err->total;
	o->stderr_dropped = dropped;
	o->output_error = e1 ? e1 : e2;
	char line[sizeof(o->stderr_tail)];
	capture_last_line(err, line, sizeof(line));
	text_clean(o->stderr_tail, sizeof(o->stderr_tail), line, TEXT_ONE_LINE);
}

int runner_run(const struct runner_cell *c, struct runner_outcome *o)
{
	struct capture cap[2]; /* stderr, stdout */
	struct spawn_child ch = {.pid = -1, .status_fd = -1};
	int statm = -1, pidfd = -1, rc = 0;
	uint64_t limit = c->output_cap ? c->output_cap : CAPTURE_DEFAULT_CAP;
	char path[64];
	sigset_t mask;

	memset(o, 0, sizeof(*o));
	o->sampled_peak_heap = o->peak_alloc_system = o->peak_alloc_in_use = o->max_arenas = -1;
	split_carry_init(&o->carry);
	memset(cap, 0, sizeof(cap));
	cap[0].fd = cap[0].child_fd = cap[0].out = cap[0].ring = -1;
	cap[1] = cap[0];
	if ((rc = capture_init(&cap[0], c->stderr_path, limit)) ||
	    (c->stdout_path && (rc = capture_init(&cap[1], c->stdout_path, limit))))
		goto out;
	int ncap = c->stdout_path ? 2 : 1;
	block_stop_signals(&mask);
	int64_t t_spawn = now_ns(), deadline = t_spawn + c->timeout_ns;
	struct spawn_req req = {.argv = c->argv,
	                        .envp = c->envp,
	                        .stdin_path = c->stdin_path,
	                        .stdout_fd = cap[1].child_fd,
	                        .stderr_fd = cap[0].child_fd,
	                        .new_group = 1};
	int err = spawn_start(&req, &ch);
	capture_handed_over(&cap[0]);
	capture_handed_over(&cap[1]);
	if (err) {
		snprintf(o->reason, sizeof(o->reason), "cannot start %.150s: %s", c->argv[0],
		         strerror(-err));
		goto restore;
	}
	reaper_watch(ch.pid);
	err = wait_exec(c, &ch, o, deadline, &mask);
	if (err < 0) {
		reaper_watch(0);
		goto restore;
	}
	o->started = 1;
	int64_t t0 = err ? t_spawn : now_ns();
	if (!err) {
		/* The timeout bounds the wait for the exec (above) and then the
		 * run itself, from its exec: a run waiting for its input FIFO
		 * gets its whole time once it has it. */
		deadline = t0 + c->timeout_ns;
		pidfd = (int)syscall(SYS_pidfd_open, ch.pid, 0);
		int no_pidfd = pidfd < 0 && errno == ENOSYS;
		snprintf(path, sizeof(path), "/proc/%d/statm", (int)ch.pid);
		statm = open(path, O_RDONLY | O_CLOEXEC);
		if ((pidfd < 0 && !no_pidfd) || statm < 0) {
			rc = -errno;
			kill(-ch.pid, SIGKILL);
			while (waitpid(ch.pid, NULL, 0) < 0 && errno == EINTR)
				;
			reaper_watch(0);
			goto restore;
		}
		if (c->follow_tree && c->interval_ns > 0 &&
		    (rc = proctree_create(&o->tree, ch.pid, t0, c->sb, c->interval_ns))) {
			kill(-ch.pid, SIGKILL);
			while (waitpid(ch.pid, NULL, 0) < 0 && errno == EINTR)
				;
			reaper_watch(0);
			goto restore;
		}
		watch(c, o, ch.pid, pidfd, statm, cap, ncap, t0, deadline, &mask);
	}
	o->wall_s = (double)(now_ns() - t0) / 1e9;
	if (o->tree && !o->timed_out && !o->interrupted && !o->wrong_owner && !o->over_guard)
		follow_rest(c, o, ch.pid, cap, ncap, deadline, &mask);
	reap(c, o, ch.pid, t0, &cap[1], &cap[0]);
restore:
	sigprocmask(SIG_SETMASK, &mask, NULL);
out:
	if (statm >= 0)
		close(statm);
	if (pidfd >= 0)
		close(pidfd);
	capture_close(&cap[0]);
	capture_close(&cap[1]);
	return rc;
}
