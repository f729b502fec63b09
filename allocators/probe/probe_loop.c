/* probe_loop.c - the probe thread: readings on a clock, on demand, and at
 * exit, published in the scoreboard.
 *
 * On a clock: every $WIMM_PROBE_INTERVAL_NS (integer ns, at least 1 ms) or
 * 100 ms. The allocators' statistics calls take locks and walk their
 * structures (glibc's walk every free chunk of every arena), so a reading
 * may cost the workload. What it costs the workload is the CPU time the
 * reading takes (the wall time also counts waiting for the allocator's
 * locks, held by threads that wait for a CPU on a busy machine, which
 * costs the workload nothing): a reading whose CPU time passes 1% of the
 * CPU time the rest of the process used over the interval doubles the
 * interval, up to 10 s or the configured interval if longer; one under a
 * quarter of that halves it back. The factor of 2 between the thresholds
 * lets a steady cost settle instead of oscillating. A process that hardly
 * runs (an idle phase) still gets its readings when each costs under 0.1%
 * of one CPU.
 *
 * On demand: a thread of the program asks through the scoreboard
 * (scoreboard_probe_request) and waits; the probe thread sleeps on the
 * same futex word as its timeout, so it answers at once, with a full
 * reading written where the request said. The worker asks at each
 * checkpoint, while every thread of the workload waits at a barrier: the
 * heap, the RSS and the allocator's view are then one instant.
 *
 * At exit: the destructor (probe.c) stops the thread and takes a last full
 * reading itself, with the process's RSS, into the scoreboard's `exit`.
 *
 * In a process tree, one process writes the probe's figures (the writer,
 * probe.c) and every process writes its own into its slot of the tree's
 * table (scoreboard.h, struct sb_proc): the writer both, the others only
 * their slot, on the same clock, without answering requests (those are the
 * writer's) and without touching the scoreboard's `exit`.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#include "allocators/probe/probe.h"
#include "common/procself.h"
#include "common/scoreboard.h"

#define DEFAULT_INTERVAL_NS 100000000ULL /* 100 ms */
#define MIN_INTERVAL_NS 1000000ULL       /* 1 ms: below that the tick is the workload */
#define MAX_INTERVAL_NS 10000000000ULL   /* 10 s: back-off cap */
#define FULL_EVERY_NS 1000000000ULL      /* a full reading at least this often */
#define STOP_WAIT_S 2

static struct scoreboard *sb;
static const struct probe_reader *reader;
static struct sb_proc *own; /* this process's slot, or NULL */
static int writer;          /* this process writes sb->probe */
/* What a non-writer's thread sleeps on: the requests are the writer's. */
static _Atomic uint32_t wake;
static uint64_t base_interval_ns;
static _Atomic int stop;
/* Requests numbered up to this were made before this image's probe:
 * not ours to answer (a previous image's). Read before the thread is
 * created, so a request the program makes before the thread first runs
 * (a phase marker at the top of main) is answered, not skipped. */
static uint32_t requests_before;

/* Running totals (the thread's, then the exit reading's: never both). */
static uint64_t reads, sync_reads, cost_total, cost_max, cpu_total;
static struct probe_figures last = {-1, -1, -1, -1};

static uint64_t clock_ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
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

uint64_t probe_loop_setup(struct scoreboard *board, const struct probe_reader *r,
                          struct sb_proc *slot, int is_writer)
{
	sb = board;
	reader = r;
	own = slot;
	writer = is_writer;
	base_interval_ns = configured_interval();
	requests_before = atomic_load(&sb->probe.request);
	/* Continue the counters: after an exec the new image's probe takes
	 * over the same scoreboard. A process writing only its slot counts
	 * its own from 0. */
	if (!writer) {
		reads = sync_reads = cost_total = cost_max = cpu_total = 0;
		last = (struct probe_figures){-1, -1, -1, -1};
		return base_interval_ns;
	}
	struct sb_probe *p = &sb->probe;
	reads = atomic_load_explicit(&p->reads, memory_order_relaxed);
	sync_reads = atomic_load_explicit(&p->sync_reads, memory_order_relaxed);
	cost_total = atomic_load_explicit(&p->cost_ns_total, memory_order_relaxed);
	cost_max = atomic_load_explicit(&p->cost_ns_max, memory_order_relaxed);
	cpu_total = atomic_load_explicit(&p->cpu_ns_total, memory_order_relaxed);
	return base_interval_ns;
}

/* budget: the CPU time a reading may take, see the top of the file. */
static uint64_t adapt(uint64_t interval, uint64_t cpu, uint64_t budget)
{
	uint64_t cap = base_interval_ns > MAX_INTERVAL_NS ? base_interval_ns : MAX_INTERVAL_NS;
	if (cpu > budget)
		return interval * 2 > cap ? cap : interval * 2;
	if (cpu < budget / 4 && interval > base_interval_ns)
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

static int64_t merge(int64_t now, int64_t before) { return now == PROBE_KEEP ? before : now; }

/* One reading, published as the probe's current figures. *cpu gets its
 * CPU time. */
static struct probe_figures take(int full, uint64_t interval, uint64_t *cpu)
{
	struct sb_probe *p = &sb->probe;
	struct probe_figures f;
	/* The work done as the figures are read: 64 relaxed loads, nothing
	 * next to a reading. */
	int64_t progress = (int64_t)scoreboard_progress(sb);
	uint64_t t0 = clock_ns(CLOCK_MONOTONIC), c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	reader->read(&f, full);
	*cpu = clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
	uint64_t cost = clock_ns(CLOCK_MONOTONIC) - t0;
	f.in_use = merge(f.in_use, last.in_use);
	f.system = merge(f.system, last.system);
	f.resident = merge(f.resident, last.resident);
	f.arenas = merge(f.arenas, last.arenas);
	last = f;
	reads++;
	cost_total += cost;
	cpu_total += *cpu;
	if (cost > cost_max)
		cost_max = cost;

	if (own) {
		atomic_fetch_add(&own->seq, 1);
		store(&own->in_use_bytes, f.in_use);
		store(&own->system_bytes, f.system);
		store(&own->arenas, f.arenas);
		store_u(&own->reads, reads);
		atomic_fetch_add(&own->seq, 1);
	}
	if (!writer)
		return f;
	scoreboard_probe_begin(sb);
	store(&p->in_use_bytes, f.in_use);
	store(&p->system_bytes, f.system);
	store(&p->resident_bytes, f.resident);
	store(&p->arenas, f.arenas);
	store_u(&p->reads, reads);
	store_u(&p->sync_reads, sync_reads);
	store_u(&p->cost_ns_total, cost_total);
	store_u(&p->cost_ns_max, cost_max);
	store_u(&p->cpu_ns_total, cpu_total);
	store_u(&p->interval_ns, interval);
	store(&p->progress, progress);
	scoreboard_probe_end(sb);
	return f;
}

static void store_snapshot(struct sb_snapshot *s, const struct probe_figures *f)
{
	store(&s->alloc_in_use_bytes, f->in_use);
	store(&s->alloc_system_bytes, f->system);
	store(&s->alloc_resident_bytes, f->resident);
	store(&s->arenas, f->arenas);
}

/* Answers a request: a full reading into checkpoints[index].at. */
static void serve(uint32_t req, uint64_t interval)
{
	struct sb_probe *p = &sb->probe;
	/* Taken for good: a requester that gave up finds -1 and knows no
	 * answer is coming (scoreboard_probe_request). */
	int32_t index = atomic_exchange(&p->request_index, -1);
	uint64_t cpu;
	sync_reads++;
	struct probe_figures f = take(1, interval, &cpu);
	if (index >= 0 && index < SCOREBOARD_PHASES)
		store_snapshot(&sb->checkpoints[index].at, &f);
	atomic_store(&p->served, req);
	scoreboard_futex_wake(&p->served);
}

void *probe_loop_main(void *arg)
{
	(void)arg;
	struct sb_probe *p = &sb->probe;
	uint64_t interval = base_interval_ns;
	uint32_t served = requests_before;
	uint64_t next = clock_ns(CLOCK_MONOTONIC), last_full = 0;
	uint64_t proc_cpu = clock_ns(CLOCK_PROCESS_CPUTIME_ID), own_cpu = 0, ticked = next;

	prctl(PR_SET_NAME, "wimm-probe");
	if (reader->thread_start)
		reader->thread_start();
	while (!atomic_load(&stop)) {
		uint32_t req = writer ? atomic_load(&p->request) : served;
		if (req != served) {
			serve(req, interval);
			served = req;
			continue;
		}
		uint64_t now = clock_ns(CLOCK_MONOTONIC);
		if (now < next) {
			if (writer)
				scoreboard_futex_wait(&p->request, req, (int64_t)(next - now));
			else
				scoreboard_futex_wait(&wake, atomic_load(&wake),
				                      (int64_t)(next - now));
			continue;
		}
		uint64_t cpu;
		int full = now - last_full >= FULL_EVERY_NS;
		take(full, interval, &cpu);
		if (full)
			last_full = now;
		/* The CPU the rest of the process used since the last tick, in
		 * CPUs: a reading is a cost spread over that many. */
		uint64_t pc = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
		own_cpu += cpu;
		double busy =
		    now > ticked ? (double)(pc - proc_cpu - own_cpu) / (double)(now - ticked) : 1.0;
		proc_cpu = pc;
		own_cpu = 0;
		ticked = now;
		uint64_t budget = (uint64_t)((double)interval * (busy > 0.1 ? busy : 0.1) / 100);
		interval = adapt(interval, cpu, budget);
		/* The next tick is counted from the start of this reading, so
		 * the interval is the period, not the gap. */
		next = now + interval;
	}
	return NULL;
}

int probe_loop_stop(pthread_t thread)
{
	atomic_store(&stop, 1);
	/* The thread sleeps on `request` (a non-writer on `wake`): a change
	 * of it, and the wake, end the sleep at once. Never answered: nobody
	 * waits for it. */
	_Atomic uint32_t *word = writer ? &sb->probe.request : &wake;
	atomic_fetch_add(word, 1);
	scoreboard_futex_wake(word);
	struct timespec limit;
	clock_gettime(CLOCK_REALTIME, &limit); /* pthread_timedjoin_np's clock */
	limit.tv_sec += STOP_WAIT_S;
	return pthread_timedjoin_np(thread, NULL, &limit) == 0;
}

void probe_loop_exit_reading(void)
{
	uint64_t cpu;
	struct probe_figures f = take(1, atomic_load(&sb->probe.interval_ns), &cpu);
	if (!writer)
		return; /* its slot has the reading; the exit snapshot is the writer's */
	struct sb_snapshot *s = &sb->exit;
	store_snapshot(s, &f);
	procself_store_statm(&s->rss_bytes, &s->file_bytes);
	store(&s->t_ns, (int64_t)clock_ns(CLOCK_MONOTONIC));
}
