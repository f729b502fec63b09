/* test_probe.c - libwimm-probe.so inside a real worker, under glibc and
 * every installed allocator: which reader it picks, which figures it has
 * and which it reports as n/a, the allocator's in-use figure against the
 * worker's own count of live bytes, and the arena counts.
 *
 * argv[1]: libwimm-probe.so; argv[2]: wimm-worker; argv[3]: the workload,
 * tests/fixtures/run/probe-churn.yaml (4 KiB blocks, 2000 live per
 * thread, then an idle `rest` with nothing live).
 *
 * Exact readings: the one the probe takes on demand at the work phase's
 * checkpoint (every worker thread waits; the live heap is exactly
 * threads x 2000 x 4 KiB) and the one it takes at exit (nothing live).
 * Readings on its clock: the test notes the probe's read count once the
 * worker is in `work` and has filled its live window, and waits for two
 * more readings while that still holds. The first of them may have
 * started before; the second cannot have.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/scoreboard.h"
#include "tap.h"

/* probe-churn.yaml: live and sizes of the `work` phase. */
#define LIVE_BLOCKS 2000
#define BLOCK 4096
/* The probe's default 100 ms would leave `rest` (300 ms) three readings;
 * 10 ms gives a dozen or more even when back-off doubles it for a while. */
#define PROBE_INTERVAL "10000000"
/* Allocator overhead allowed on top of the live heap. Proportional: 1%
 * (glibc's 16-byte chunk header on 4 KiB blocks is 0.39%; jemalloc counts
 * the blocks parked in thread caches as allocated, measured 0.4%; 4 KiB
 * is an exact size class in jemalloc and tcmalloc). Fixed: what the worker
 * process holds besides the workload (libc, stdio, libyaml leftovers, the
 * main thread's cache), measured 7-15 KiB glibc, 75 KiB tcmalloc, 290 KiB
 * jemalloc; 1 MiB leaves room for other builds. */
#define OVERHEAD_RATIO 1.01
#define OVERHEAD_FIXED (1 << 20)
#define LIBDIR "/usr/lib/x86_64-linux-gnu/"

extern char **environ;
static const char *probe_path, *worker_path, *workload_path;

enum { IN_USE = 1, SYSTEM = 2, RESIDENT = 4, ARENAS = 8 };

struct run {
	const char *lib; /* allocator to preload before the probe, NULL: glibc */
	int threads;
	const char *tunables; /* GLIBC_TUNABLES, or NULL */
	int no_scoreboard;    /* run without WIMM_SCOREBOARD */
	const char *scale;    /* --scale for the worker, or NULL */
};

/* A reading taken wholly while the worker was in `phase` with live bytes
 * in [lo, hi]. */
struct watch {
	const char *phase;
	int64_t lo, hi;
	int armed, done;
	uint64_t mark;
	struct sb_probe_reading r;
	int64_t live;
};

struct outcome {
	int skipped;
	int status; /* wait status */
	char err[1024];
	char family[16];
	struct sb_probe_reading last;
	struct watch work;
	struct sb_snapshot at, exit; /* copies of the checkpoint's and exit's */
};

static void watch_step(struct watch *w, const char *phase, int64_t live,
                       const struct sb_probe_reading *r)
{
	if (w->done)
		return;
	if (strcmp(phase, w->phase) || live < w->lo || live > w->hi) {
		w->armed = 0;
		return;
	}
	if (!w->armed) {
		w->armed = 1;
		w->mark = r->reads;
	} else if (r->reads >= w->mark + 2) {
		w->done = 1;
		w->r = *r;
		w->live = live;
	}
}

static int dropped(const char *e)
{
	static const char *const drop[] = {
	    "LD_PRELOAD=",  "MALLOC_PERTURB_=", "GLIBC_TUNABLES=",
	    "MALLOC_CONF=", "WIMM_SCOREBOARD=", "WIMM_PROBE_INTERVAL_NS="};
	for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++)
		if (!strncmp(e, drop[i], strlen(drop[i])))
			return 1;
	return 0;
}

/* The worker's environment: ours without anything that would change the
 * allocator or the probe (meson sets MALLOC_PERTURB_), plus the run's. */
static char **child_env(const struct run *run, int sbfd, char *bufs[4])
{
	size_t n = 0;
	while (environ[n])
		n++;
	char **env = calloc(n + 5, sizeof(*env));
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!dropped(environ[i]))
			env[k++] = environ[i];
	if (asprintf(&bufs[0], "LD_PRELOAD=%s%s%s", run->lib ? run->lib : "", run->lib ? " " : "",
	             probe_path) < 0)
		abort();
	env[k++] = bufs[0];
	if (!run->no_scoreboard) {
		if (asprintf(&bufs[1], "WIMM_SCOREBOARD=%d", sbfd) < 0)
			abort();
		env[k++] = bufs[1];
	}
	env[k++] = "WIMM_PROBE_INTERVAL_NS=" PROBE_INTERVAL;
	if (run->tunables) {
		if (asprintf(&bufs[2], "GLIBC_TUNABLES=%s", run->tunables) < 0)
			abort();
		env[k++] = bufs[2];
	}
	env[k] = NULL;
	return env;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {0, ms * 1000000L};
	nanosleep(&ts, NULL);
}

/* Runs the worker and polls the scoreboard until it exits. */
static void run_worker(const struct run *run, struct outcome *o)
{
	struct scoreboard *sb;
	int sbfd;
	memset(o, 0, sizeof(*o));
	if (scoreboard_create(&sb, &sbfd)) {
		o->status = -1;
		return;
	}
	int errfd = memfd_create("stderr", MFD_CLOEXEC);
	char *bufs[4] = {0};
	char **env = child_env(run, sbfd, bufs);
	char threads[16];
	snprintf(threads, sizeof(threads), "%d", run->threads);
	char scale[16];
	snprintf(scale, sizeof(scale), "%s", run->scale ? run->scale : "1");
	char *argv[] = {(char *)worker_path,   "--threads", threads, "--scale", scale,
	                (char *)workload_path, NULL};

	int64_t window = (int64_t)run->threads * LIVE_BLOCKS * BLOCK;
	/* Each thread frees before the malloc that replaces the block. */
	o->work =
	    (struct watch){.phase = "work", .lo = window - run->threads * BLOCK, .hi = window};

	pid_t pid = fork();
	if (pid == 0) {
		/* stdout is TAP: the worker's own line must not land in it. */
		int devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 1);
		dup2(errfd, 2);
		execve(worker_path, argv, env);
		_exit(127);
	}
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		if (waitpid(pid, &o->status, WNOHANG) == pid)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec > 60) {
			kill(pid, SIGKILL);
			waitpid(pid, &o->status, 0);
			break;
		}
		int32_t phase = atomic_load(&sb->phase);
		const char *name =
		    phase >= 0 && phase < SCOREBOARD_PHASES ? sb->phase_names[phase] : "";
		int64_t live = scoreboard_live_bytes(sb);
		struct sb_probe_reading r;
		scoreboard_probe_read(sb, &r);
		watch_step(&o->work, name, live, &r);
		sleep_ms(1);
	}
	scoreboard_probe_read(sb, &o->last);
	memcpy(&o->at, &sb->checkpoints[1].at, sizeof(o->at));
	memcpy(&o->exit, &sb->exit, sizeof(o->exit));
	memcpy(o->family, sb->probe.family, sizeof(o->family) - 1);
	ssize_t n = pread(errfd, o->err, sizeof(o->err) - 1, 0);
	o->err[n > 0 ? n : 0] = 0;
	/* An ASan build cannot run behind a preloaded allocator. */
	if (strstr(o->err, "ASan runtime does not come first"))
		o->skipped = 1;

	for (int i = 0; i < 4; i++)
		free(bufs[i]);
	free(env);
	close(errfd);
	close(sbfd);
	scoreboard_unmap(sb);
}

static int present(const char *lib)
{
	if (lib && access(lib, R_OK) != 0) {
		char why[300];
		snprintf(why, sizeof(why), "%s not installed", lib);
		tap_skip(why);
		return 0;
	}
	return 1;
}

static const char *show(int64_t v, char *buf, size_t len)
{
	if (v < 0)
		snprintf(buf, len, "n/a");
	else
		snprintf(buf, len, "%.2f MiB", (double)v / (1 << 20));
	return buf;
}

/* Whether the probe took a reading wholly inside w. On a loaded machine a
 * reading's wall time grows (the probe thread waits for the CPU and for
 * the allocator's locks) and the back-off may stretch the interval past a
 * phase: that is the probe working as designed, and leaves nothing to
 * compare, so it is a skip, not a failure. At the configured interval a
 * missing reading is a failure. */
static int caught(const struct watch *w, const struct sb_probe_reading *last, const char *what)
{
	char why[160];
	if (w->done)
		return expect(1, "a reading wholly inside %s", what);
	if (last->interval_ns > 2 * strtoull(PROBE_INTERVAL, NULL, 10)) {
		snprintf(why, sizeof(why), "no reading inside %s: the probe backed off to %.0f ms",
		         what, (double)last->interval_ns / 1e6);
		tap_skip(why);
		return 0;
	}
	return expect(0, "a reading wholly inside %s", what);
}

/* Runs and checks what holds for every reader. Returns 0 when the run
 * produced nothing to check further (skipped or failed). */
static int run_and_check(const struct run *run, const char *family, int has, struct outcome *o)
{
	const char *why = tap_no_preload(); /* every run preloads the probe */
	if (why) {
		tap_skip(why);
		return 0;
	}
	if (!present(run->lib))
		return 0;
	run_worker(run, o);
	if (o->skipped) {
		tap_skip("sanitizer build: cannot preload another allocator");
		return 0;
	}
	if (!expect(WIFEXITED(o->status) && WEXITSTATUS(o->status) == 0,
	            "worker exits 0 (wait status %#x; stderr: %.300s)", o->status, o->err))
		return 0;

	const struct sb_probe_reading *l = &o->last;
	expect(l->active == 1, "probe active (%d)", l->active);
	expect_str(o->family, family);
	double mean_us = l->reads ? (double)l->cost_ns_total / (double)l->reads / 1e3 : 0;
	expect(l->reads > 0,
	       "probe took readings: %llu, mean %.1f us, max %.1f us, interval %.0f ms",
	       (unsigned long long)l->reads, mean_us, (double)l->cost_ns_max / 1e3,
	       (double)l->interval_ns / 1e6);

	/* The checkpoint: every figure the reader has, at one instant. */
	const struct sb_snapshot *at = &o->at;
	int64_t live = at->heap_bytes;
	expect(at->t_ns > 0 && l->sync_reads >= 1 &&
	           live == (int64_t)run->threads * LIVE_BLOCKS * BLOCK,
	       "a reading at the work checkpoint (%llu on demand), heap there %lld = threads x "
	       "2000 x 4 KiB",
	       (unsigned long long)l->sync_reads, (long long)live);
	const struct {
		int flag;
		const char *name;
		int64_t v;
	} figs[] = {{IN_USE, "in_use", at->alloc_in_use_bytes},
	            {SYSTEM, "system", at->alloc_system_bytes},
	            {RESIDENT, "resident", at->alloc_resident_bytes},
	            {ARENAS, "arenas", at->arenas}};
	for (size_t i = 0; i < sizeof(figs) / sizeof(figs[0]); i++) {
		if (has & figs[i].flag)
			expect(figs[i].v > 0, "%s has %s: %lld > 0", family, figs[i].name,
			       (long long)figs[i].v);
		else
			expect(figs[i].v == -1, "%s has no %s: -1 (got %lld)", family, figs[i].name,
			       (long long)figs[i].v);
	}
	char a[32], b[32], c[32], d[32];
	printf("# %s, %d thread(s), checkpoint: live %s, in_use %s, system %s, resident %s, "
	       "arenas %lld\n",
	       family, run->threads, show(live, a, sizeof(a)),
	       show(at->alloc_in_use_bytes, b, sizeof(b)),
	       show(at->alloc_system_bytes, c, sizeof(c)),
	       show(at->alloc_resident_bytes, d, sizeof(d)), (long long)at->arenas);
	if (has & SYSTEM)
		expect(at->alloc_system_bytes >= live,
		       "system %lld >= live %lld: it holds the live heap",
		       (long long)at->alloc_system_bytes, (long long)live);
	int64_t hi = (int64_t)((double)live * OVERHEAD_RATIO) + OVERHEAD_FIXED;
	if (has & IN_USE) {
		/* Exact: nothing can fall between the heap and the reading. */
		expect(at->alloc_in_use_bytes >= live && at->alloc_in_use_bytes <= hi,
		       "checkpoint in_use / live = %.4f (in_use %lld, live %lld; allowed %lld .. "
		       "%lld)",
		       (double)at->alloc_in_use_bytes / (double)live,
		       (long long)at->alloc_in_use_bytes, (long long)live, (long long)live,
		       (long long)hi);
		/* At exit everything is freed. */
		expect(o->exit.t_ns > 0 && o->exit.alloc_in_use_bytes >= 0 &&
		           o->exit.alloc_in_use_bytes <= OVERHEAD_FIXED,
		       "a reading at exit: in_use fell back after the frees: %lld bytes <= %d",
		       (long long)o->exit.alloc_in_use_bytes, OVERHEAD_FIXED);
	}
	expect(o->exit.rss_bytes > 0, "the exit reading has the RSS: %lld",
	       (long long)o->exit.rss_bytes);

	/* A reading on the probe's clock, inside the live window. */
	if (!caught(&o->work, l, "the work phase's live window"))
		return 1;
	const struct sb_probe_reading *w = &o->work.r;
	if (has & IN_USE) {
		int64_t lo = o->work.live - (int64_t)run->threads * BLOCK;
		expect(
		    w->in_use_bytes >= lo && w->in_use_bytes <= hi,
		    "clocked in_use / live = %.4f (in_use %lld, live %lld; allowed %lld .. %lld)",
		    (double)w->in_use_bytes / (double)o->work.live, (long long)w->in_use_bytes,
		    (long long)o->work.live, (long long)lo, (long long)hi);
	}
	return 1;
}

TEST(glibc_one_thread)
{
	struct outcome o;
	struct run run = {.threads = 1};
	if (!run_and_check(&run, "glibc", IN_USE | SYSTEM | ARENAS, &o))
		return;
	/* The worker runs every phase on threads it creates: main's arena and
	 * the worker thread's. A third would mean the probe thread called
	 * malloc, which gives a thread its own arena. */
	expect_int(o.at.arenas, 2);
}

TEST(glibc_four_threads_five_arenas)
{
	struct outcome o;
	struct run run = {.threads = 4};
	if (run_and_check(&run, "glibc", IN_USE | SYSTEM | ARENAS, &o))
		expect(o.at.arenas == 5, "main + 4 arenas (got %lld)", (long long)o.at.arenas);
}

TEST(glibc_arena_max_1)
{
	struct outcome o;
	/* Four threads on one arena lock run ten times slower: a quarter of
	 * the work still holds the window for a few hundred ms. */
	struct run run = {.threads = 4, .tunables = "glibc.malloc.arena_max=1", .scale = "0.25"};
	if (run_and_check(&run, "glibc", IN_USE | SYSTEM | ARENAS, &o))
		expect_int(o.at.arenas, 1);
}

static int cpus(void)
{
	cpu_set_t set;
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	int n = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : (int)online;
	return online > 0 && online < n ? (int)online : n;
}

TEST(jemalloc)
{
	struct outcome o;
	struct run run = {.lib = LIBDIR "libjemalloc.so.2", .threads = 4};
	if (!run_and_check(&run, "jemalloc", IN_USE | SYSTEM | RESIDENT | ARENAS, &o))
		return;
	/* jemalloc has 4 arenas per CPU; below that each allocating thread
	 * gets its own. The probe thread must not take one. */
	if (4 * cpus() >= 5)
		expect(o.at.arenas == 5, "main + 4 arenas (got %lld)", (long long)o.at.arenas);
	else
		expect(o.at.arenas >= 1 && o.at.arenas <= 5, "1..5 arenas on %d CPU(s) (got %lld)",
		       cpus(), (long long)o.at.arenas);
	expect(o.at.alloc_resident_bytes >= o.at.heap_bytes, "resident %lld >= live %lld",
	       (long long)o.at.alloc_resident_bytes, (long long)o.at.heap_bytes);
}

static void check_tcmalloc(const char *lib)
{
	struct outcome o;
	struct run run = {.lib = lib, .threads = 4};
	if (!run_and_check(&run, "tcmalloc", IN_USE | SYSTEM | RESIDENT | ARENAS, &o))
		return;
	expect(o.at.arenas >= 5, "thread heaps while 4 threads run: %lld >= 5",
	       (long long)o.at.arenas);
	expect(o.exit.arenas < o.at.arenas,
	       "thread heaps go with their threads: %lld at exit < %lld at the checkpoint",
	       (long long)o.exit.arenas, (long long)o.at.arenas);
}

TEST(tcmalloc_minimal) { check_tcmalloc(LIBDIR "libtcmalloc_minimal.so.4"); }

TEST(tcmalloc_full) { check_tcmalloc(LIBDIR "libtcmalloc.so.4"); }

TEST(mimalloc)
{
	struct outcome o;
	struct run run = {.lib = LIBDIR "libmimalloc.so.2", .threads = 4};
	run_and_check(&run, "mimalloc", SYSTEM, &o);
}

TEST(inactive_without_scoreboard)
{
	struct outcome o;
	struct run run = {.threads = 1, .no_scoreboard = 1};
	const char *why = tap_no_preload();
	if (why) {
		tap_skip(why);
		return;
	}
	run_worker(&run, &o);
	expect(WIFEXITED(o.status) && WEXITSTATUS(o.status) == 0,
	       "worker runs normally with the probe preloaded and no scoreboard (status %#x)",
	       o.status);
	expect(o.last.active == 0 && o.last.reads == 0, "probe stays off (active %d, reads %llu)",
	       o.last.active, (unsigned long long)o.last.reads);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: test_probe PROBE.so WORKER WORKLOAD.yaml\n");
		return 2;
	}
	probe_path = argv[1];
	worker_path = argv[2];
	workload_path = argv[3];
	return tap_run((struct tap_test[]){
	    TAP(glibc_one_thread),
	    TAP(glibc_four_threads_five_arenas),
	    TAP(glibc_arena_max_1),
	    TAP(jemalloc),
	    TAP(tcmalloc_minimal),
	    TAP(tcmalloc_full),
	    TAP(mimalloc),
	    TAP(inactive_without_scoreboard),
	    {0},
	});
}
