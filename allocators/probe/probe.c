/* probe.c - libwimm-probe.so: the allocator's own view, read from inside.
 *
 * The driver preloads this library after the allocator (LD_PRELOAD=
 * "<allocator.so> libwimm-probe.so") into every measured child. Its
 * constructor does nothing unless WIMM_SCOREBOARD names a scoreboard; then
 * it writes which library really owns malloc (never the allocator that
 * was asked for) into the scoreboard, picks a reader by it, and starts one
 * thread before main() that publishes the reader's figures in the
 * scoreboard at an adaptive interval.
 *
 * The thread never calls malloc: it runs inside the process it measures,
 * and an allocation there would change the figures, and under glibc give
 * the thread an arena of its own. Everything it needs is set up in the
 * constructor, before main: symbols resolved, stdio streams opened. What
 * does allocate, once, before main: glibc's FILE for malloc_info
 * (probe_glibc.c), and the thread
 * descriptor's TLS vector that pthread_create callocs in the calling
 * thread. The thread's stack is mmapped by glibc.
 *
 * Interval: $WIMM_PROBE_INTERVAL_NS (integer ns, at least 1 ms) or 100 ms.
 * A reading that costs more than 1% of the interval doubles it (up to 10 s,
 * or the configured interval if longer): glibc's malloc_info walks every
 * free chunk under the arena locks and takes 25 ms at 127k free chunks, so
 * a fixed 100 ms tick would stall the workload a quarter of the time. A
 * reading under 0.25% halves it back toward the configured interval.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "common/identify.h"
#include "allocators/probe/probe.h"
#include "common/procself.h"
#include "common/scoreboard.h"

#define DEFAULT_INTERVAL_NS 100000000ULL /* 100 ms */
#define MIN_INTERVAL_NS 1000000ULL       /* 1 ms: below that the tick is the workload */
#define MAX_INTERVAL_NS 10000000000ULL   /* 10 s: back-off cap */

static struct scoreboard *sb;
static const struct probe_reader *reader;
static uint64_t base_interval_ns;
static pthread_t thread;
static pid_t thread_pid; /* a forked child has no probe thread to stop */
static pthread_mutex_t stop_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t stop_cond;
static int stop;

void *probe_symbol(const char *name) { return identify_owner_symbol(name); }

int probe_resolve_(void *fn, size_t size, const char *name)
{
	void *sym = probe_symbol(name);
	if (!sym || size != sizeof(sym))
		return -ENOENT;
	memcpy(fn, &sym, size);
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t configured_interval(void)
{
	const char *s = getenv("WIMM_PROBE_INTERVAL_NS");
	if (!s || !*s)
		return DEFAULT_INTERVAL_NS;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || s[0] == '-')
		return DEFAULT_INTERVAL_NS;
	return v < MIN_INTERVAL_NS ? MIN_INTERVAL_NS : v;
}

/* Doubling above 1% and halving under 0.25% leaves a factor of 2 between
 * the thresholds, so a steady cost settles instead of oscillating. */
static uint64_t adapt(uint64_t interval, uint64_t cost)
{
	uint64_t cap = base_interval_ns > MAX_INTERVAL_NS ? base_interval_ns : MAX_INTERVAL_NS;
	if (cost > interval / 100)
		return interval * 2 > cap ? cap : interval * 2;
	if (cost < interval / 400 && interval > base_interval_ns)
		return interval / 2 < base_interval_ns ? base_interval_ns : interval / 2;
	return interval;
}

static void store(_Atomic int64_t *field, int64_t v)
{
	atomic_store_explicit(field, v, memory_order_relaxed);
}

static void store_u(_Atomic uint64_t *field, uint64_t v)
{
	atomic_store_explicit(field, v, memory_order_relaxed);
}

static void *probe_main(void *arg)
{
	(void)arg;
	struct sb_probe *p = &sb->probe;
	/* Continue the counters: after an exec the new image's probe takes
	 * over the same scoreboard. */
	uint64_t reads = atomic_load_explicit(&p->reads, memory_order_relaxed);
	uint64_t total = atomic_load_explicit(&p->cost_ns_total, memory_order_relaxed);
	uint64_t max = atomic_load_explicit(&p->cost_ns_max, memory_order_relaxed);
	uint64_t interval = base_interval_ns;

	prctl(PR_SET_NAME, "wimm-probe");
	if (reader->thread_start)
		reader->thread_start();
	pthread_mutex_lock(&stop_mutex);
	while (!stop) {
		pthread_mutex_unlock(&stop_mutex);

		struct probe_figures f;
		uint64_t t0 = now_ns();
		reader->read(&f);
		uint64_t cost = now_ns() - t0;
		reads++;
		total += cost;
		if (cost > max)
			max = cost;
		interval = adapt(interval, cost);

		scoreboard_probe_begin(sb);
		store(&p->in_use_bytes, f.in_use);
		store(&p->system_bytes, f.system);
		store(&p->resident_bytes, f.resident);
		store(&p->arenas, f.arenas);
		store_u(&p->reads, reads);
		store_u(&p->cost_ns_total, total);
		store_u(&p->cost_ns_max, max);
		store_u(&p->interval_ns, interval);
		scoreboard_probe_end(sb);

		/* The next tick is counted from the start of this reading, so
		 * the interval is the period, not the gap. */
		uint64_t next = t0 + interval;
		struct timespec deadline = {.tv_sec = (time_t)(next / 1000000000ULL),
		                            .tv_nsec = (long)(next % 1000000000ULL)};
		pthread_mutex_lock(&stop_mutex);
		while (!stop &&
		       pthread_cond_timedwait(&stop_cond, &stop_mutex, &deadline) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&stop_mutex);
	return NULL;
}

/* One writer per scoreboard: a POSIX record lock on the probe's bytes of
 * the memfd. Such a lock belongs to the process, so it survives exec (a
 * shell that execs the measured program hands the probe over) and is not
 * inherited by fork (a child the program forks, or execs from a fork,
 * finds it held and stays quiet, instead of mixing its figures in). It
 * goes away with the process. Returns 1 if this process may write. */
static int claim(void)
{
	const char *s = getenv("WIMM_SCOREBOARD");
	long fd = strtol(s, NULL, 10);
	struct flock fl = {
	    .l_type = F_WRLCK,
	    .l_whence = SEEK_SET,
	    .l_start = (off_t)offsetof(struct scoreboard, probe),
	    .l_len = 1,
	};
	if (fcntl((int)fd, F_SETLK, &fl) == 0)
		return 1;
	/* Held by another live process. Any other failure (a filesystem
	 * without locks) is no reason to give up the probe. */
	return errno != EACCES && errno != EAGAIN;
}

static void publish_family(const char *family, uint64_t interval)
{
	scoreboard_probe_begin(sb);
	memset(sb->probe.family, 0, sizeof(sb->probe.family));
	strncpy(sb->probe.family, family, sizeof(sb->probe.family) - 1);
	store_u(&sb->probe.interval_ns, interval);
	scoreboard_probe_end(sb);
}

/* The tail first, then the first byte: a reader that sees a non-empty
 * string sees all of it. */
static void copy_text(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);
	if (!n)
		return;
	memcpy(dst + 1, src + 1, n - 1);
	dst[n] = 0;
	atomic_thread_fence(memory_order_release);
	*(volatile char *)dst = src[0];
}

static const struct probe_reader *pick(const char *family)
{
	static const struct probe_reader *const readers[] = {&probe_glibc, &probe_jemalloc,
	                                                     &probe_tcmalloc, &probe_mimalloc};
	for (size_t i = 0; i < sizeof(readers) / sizeof(readers[0]); i++)
		if (!strcmp(readers[i]->family, family))
			return readers[i]->init() == 0 ? readers[i] : NULL;
	return NULL;
}

static int start_thread(void)
{
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&stop_cond, &ca);
	pthread_condattr_destroy(&ca);

	/* Signals stay with the program's own threads: a process-directed
	 * signal delivered here would run the program's handler on our
	 * stack, in the middle of a reading. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int err = pthread_create(&thread, NULL, probe_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		return -err;
	thread_pid = getpid();
	return 0;
}

__attribute__((constructor)) static void probe_start(void)
{
	if (scoreboard_attach_env(&sb))
		return;
	if (!claim()) {
		scoreboard_unmap(sb);
		sb = NULL;
		return;
	}
	/* A previous image of this process (before an exec) may have died
	 * between begin and end: make the sequence even again. */
	if (atomic_load(&sb->probe.seq) & 1)
		atomic_fetch_add(&sb->probe.seq, 1);

	struct alloc_identity id;
	if (identify_allocator(&id) == 0) {
		/* A program run by `wimm exec` has no worker to say which
		 * library serves malloc: the probe says it, in the fields the
		 * worker fills with the same identify_allocator(). */
		copy_text(sb->allocator_version, sizeof(sb->allocator_version), id.version);
		copy_text(sb->malloc_owner, sizeof(sb->malloc_owner), id.owner);
		reader = pick(id.family);
	}
	base_interval_ns = configured_interval();

	if (reader) {
		/* One reading here, before main: anything a reader's first
		 * call sets up lazily happens now, not during the workload.
		 * Not published: its cost is start-up, not observation. */
		struct probe_figures warm;
		reader->read(&warm);
	}
	/* Before the thread starts: from then on it is the only writer. */
	publish_family(reader ? reader->family : "none", reader ? base_interval_ns : 0);
	atomic_store(&sb->probe.active, 1);
	if (reader && start_thread()) {
		reader = NULL;
		publish_family("none", 0);
	}
}

/* Runs from exit(), before stdio is torn down: the thread must not be in
 * the middle of writing to glibc's malloc_info stream when exit flushes
 * and unbuffers every FILE. The wait is bounded: a program that exits
 * while some thread holds an allocator lock for good (exit from a signal
 * handler that interrupted malloc) must still exit. */
__attribute__((destructor)) static void probe_stop(void)
{
	if (!reader || thread_pid != getpid())
		return;
	pthread_mutex_lock(&stop_mutex);
	stop = 1;
	pthread_cond_signal(&stop_cond);
	pthread_mutex_unlock(&stop_mutex);
	struct timespec limit;
	clock_gettime(CLOCK_REALTIME, &limit); /* pthread_timedjoin_np's clock */
	limit.tv_sec += 2;
	pthread_timedjoin_np(thread, NULL, &limit);
	reader = NULL;
	/* A real program run by `wimm exec` reports its true peak here, as the
	 * worker does for itself: wait4's ru_maxrss also counts pages the
	 * child had from the driver before exec. VmHWM only grows, so the
	 * larger of the two writers' figures is the right one. */
	int64_t hwm = procself_vmhwm();
	if (hwm > atomic_load(&sb->vmhwm_bytes))
		atomic_store(&sb->vmhwm_bytes, hwm);
}
