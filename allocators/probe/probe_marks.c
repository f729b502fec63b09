/* probe_marks.c - wimm_phase and wimm_step: a real program's own phases
 * and steps, in the scoreboard that `wimm exec` reads.
 *
 * A program finds these two functions with dlsym(RTLD_DEFAULT, ...)
 * (include/wimm.h, python/wimm.py); whatever wimm preloads exports them
 * (the recorder writes them into its trace). Here they write what the
 * worker writes for a workload's phases, so the driver's series, figures,
 * summary and report show a program's phases as they show a workload's:
 * the phase index and name, the phase's start and end on the monotonic
 * clock, and at the end of each phase one exact reading (RSS, and the
 * allocator's figures, which the probe thread takes on demand while the
 * marking thread waits) in the phase's checkpoint. A step adds one to the
 * progress counter the leak figures are fitted against.
 *
 * A phase marker takes a lock, reads /proc/self/statm and waits for a
 * reading of the allocator (microseconds to milliseconds): mark phases,
 * count iterations with steps. A step is one relaxed atomic add.
 *
 * Outside a measured process (no scoreboard, or a process forked from the
 * measured one) both do nothing. Neither calls malloc.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "allocators/probe/probe.h"
#include "common/clock.h"
#include "common/procself.h"
#include "common/scoreboard.h"

#define EXPORT __attribute__((visibility("default")))

/* How long a marker waits for the probe's reading, as the worker's
 * checkpoint does: only a probe that is gone or stuck is given up on. */
#define PROBE_WAIT_NS 2000000000LL

/* NULL: the markers do nothing. Set before main; cleared in a forked
 * child, whose marks would otherwise land in its parent's figures. */
static struct scoreboard *board;
static _Atomic int probing; /* the probe thread answers requests */
static int marked;          /* a phase was marked: the exit ends it */
static int warned;          /* more names than the scoreboard holds */
static int64_t started;     /* the probe's start, before main: "start" begins */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static int64_t now_ns(void) { return clock_ns(CLOCK_MONOTONIC); }

static void forget(void) { board = NULL; }

void probe_marks_setup(struct scoreboard *sb, int with_probe)
{
	board = sb;
	started = now_ns();
	atomic_store(&probing, with_probe);
	/* Registered before main, where allocating is allowed (probe.h). */
	pthread_atfork(NULL, NULL, forget);
}

void probe_marks_stop(void) { atomic_store(&probing, 0); }

/* The index of the phase named `name`, a new one if it is new; -1 when
 * every index is taken. A name is written whole before nphases counts
 * it, so the driver never reads half of one. */
static int phase_index(struct scoreboard *b, const char *name)
{
	char want[sizeof(b->phase_names[0])] = {0};
	memcpy(want, name, strnlen(name, sizeof(want) - 1));
	int n = atomic_load(&b->nphases);
	if (n < 1 || n > SCOREBOARD_PHASES)
		n = n < 1 ? 1 : SCOREBOARD_PHASES;
	for (int i = 0; i < n; i++)
		if (!memcmp(b->phase_names[i], want, sizeof(want)))
			return i;
	if (n == SCOREBOARD_PHASES)
		return -1;
	memcpy(b->phase_names[n], want, sizeof(want));
	atomic_store(&b->nphases, n + 1);
	return n;
}

/* The end of phase i: its figures at one instant, as the worker's
 * checkpoint takes them. A real program's heap is the allocator's in-use
 * figure (n/a where the allocator has none, or no probe answers). */
static void checkpoint(struct scoreboard *b, int i)
{
	struct sb_snapshot *at = &b->checkpoints[i].at;
	/* A phase marked again: not the figures of its previous end. */
	atomic_store(&at->alloc_in_use_bytes, -1);
	atomic_store(&at->alloc_system_bytes, -1);
	atomic_store(&at->alloc_resident_bytes, -1);
	atomic_store(&at->arenas, -1);
	int64_t t = now_ns();
	/* "start" has no marker of its own: it began with the program (an
	 * exec's earlier image may have set it already). */
	if (i == 0 && atomic_load(&b->checkpoints[0].start_ns) <= 0)
		atomic_store(&b->checkpoints[0].start_ns, started);
	atomic_store(&at->rss_bytes, procself_rss());
	if (atomic_load(&probing))
		scoreboard_probe_request(b, i, PROBE_WAIT_NS);
	atomic_store(&at->heap_bytes, atomic_load(&at->alloc_in_use_bytes));
	atomic_store(&at->t_ns, t);
	atomic_store(&b->checkpoints[i].end_ns, t);
}

/* A phase marked again goes on from its duration so far: end - start is
 * the sum of its visits. */
static void begin(struct scoreboard *b, int i)
{
	int64_t t = now_ns();
	int64_t s = atomic_load(&b->checkpoints[i].start_ns);
	int64_t e = atomic_load(&b->checkpoints[i].end_ns);
	atomic_store(&b->checkpoints[i].start_ns, s > 0 && e >= s ? t - (e - s) : t);
	atomic_store(&b->checkpoints[i].end_ns, 0);
}

static void warn_full(void)
{
	static const char msg[] = "wimm: more phase names than the 16 a run keeps; the phase "
	                          "marked before goes on\n";
	if (!warned) {
		warned = 1;
		ssize_t n = write(STDERR_FILENO, msg, sizeof(msg) - 1);
		(void)n; /* nothing to do about a closed stderr */
	}
}

EXPORT void wimm_phase(const char *name)
{
	struct scoreboard *b = board;
	if (!b || !name || !name[0])
		return;
	pthread_mutex_lock(&lock);
	int cur = atomic_load(&b->phase);
	int next = phase_index(b, name);
	if (next < 0) {
		warn_full();
	} else if (next != cur) {
		if (cur >= 0 && cur < SCOREBOARD_PHASES)
			checkpoint(b, cur);
		begin(b, next);
		atomic_store(&b->phase, next);
		marked = 1;
	}
	pthread_mutex_unlock(&lock);
}

/* The steps of every thread go to one counter: slot 0's progress, which
 * the driver and the probe sum with the other (unused) slots. */
EXPORT void wimm_step(void)
{
	struct scoreboard *b = board;
	if (b)
		atomic_fetch_add_explicit(&b->slots[0].progress, 1, memory_order_relaxed);
}

void probe_marks_exit(void)
{
	struct scoreboard *b = board;
	/* A marker that holds the lock as the program exits keeps it. */
	if (!b || !marked || pthread_mutex_trylock(&lock))
		return;
	/* The last phase ends as the program does: its figures are the exit
	 * reading (probe.c) when there is one. */
	int i = atomic_load(&b->phase);
	if (i >= 0 && i < SCOREBOARD_PHASES) {
		const struct sb_snapshot *e = &b->exit;
		struct sb_snapshot *at = &b->checkpoints[i].at;
		int64_t t = atomic_load(&e->t_ns), rss = atomic_load(&e->rss_bytes);
		int read = t > 0 && rss > 0;
		if (!read) {
			t = now_ns();
			rss = procself_rss();
		}
		atomic_store(&at->rss_bytes, rss);
		atomic_store(&at->alloc_in_use_bytes,
		             read ? atomic_load(&e->alloc_in_use_bytes) : -1);
		atomic_store(&at->heap_bytes, atomic_load(&at->alloc_in_use_bytes));
		atomic_store(&at->alloc_system_bytes,
		             read ? atomic_load(&e->alloc_system_bytes) : -1);
		atomic_store(&at->alloc_resident_bytes,
		             read ? atomic_load(&e->alloc_resident_bytes) : -1);
		atomic_store(&at->arenas, read ? atomic_load(&e->arenas) : -1);
		atomic_store(&at->t_ns, t);
		atomic_store(&b->checkpoints[i].end_ns, t);
	}
	pthread_mutex_unlock(&lock);
}
