/* scoreboard.h - shared memory between the measured process and the driver.
 *
 * A fixed-size struct in a memfd that both sides mmap: the one channel
 * between the driver and whatever runs in the child (worker, probe, a
 * program's phase and step markers). Nothing is read from the child's
 * stdout.
 *
 * The worker never calls malloc, takes a lock or makes a syscall to update
 * it: each thread owns one cache-line-aligned slot and writes it with
 * relaxed atomic stores (single writer, no read-modify-write), and adds its
 * net change to one shared total only after it has moved by
 * SCOREBOARD_FLUSH_BYTES, dozens to thousands of operations apart. The driver reads
 * every slot at each tick and sums. A block freed by another thread is
 * subtracted from the freeing thread's slot, so one slot can go negative
 * while the sum stays right.
 */
#ifndef WIMM_SCOREBOARD_H
#define WIMM_SCOREBOARD_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "common/limits.h"

#define SCOREBOARD_MAGIC 0x77696d6d5342ULL /* "wimmSB" */
#define SCOREBOARD_VERSION 7               /* bump on any change of layout */
#define SCOREBOARD_SLOTS WIMM_MAX_THREADS
#define SCOREBOARD_PHASES WIMM_SERIES_PHASES
#define SCOREBOARD_TEXT 512
/* Processes of a tree that can register (scoreboard_proc_register). */
#define SCOREBOARD_PROCS 256
/* A thread adds the change of its live bytes to the shared running total
 * once it has moved this far from what it last added (scoreboard_add).
 * The total then differs from the exact sum by less than this per thread,
 * and its cache line is written once every few dozen operations of a
 * thread churning stamps-sized blocks rather than on each. Measured with
 * tests/bench/bookkeeping.c: peak tracking adds 0.3-0.6 ns to a
 * bookkeeping call at 1 and 4 threads, the same at 64 KiB, 256 KiB and
 * with no flush at all (within the noise). */
#ifndef SCOREBOARD_FLUSH_BYTES /* -D only to measure what it costs */
#define SCOREBOARD_FLUSH_BYTES (64 * 1024)
#endif

/* Per-thread counters; only the owning thread writes (and the engine while
 * every thread waits at a barrier). */
struct sb_slot {
	_Alignas(64) _Atomic int64_t live_bytes;
	_Atomic uint64_t ops; /* mallocs + frees the workload's script makes */
	/* mallocs + frees whose number depends on timing (the tile cache's
	 * reloads and evictions): counted apart so `ops` stays identical
	 * under every allocator. */
	_Atomic uint64_t extra_ops;
	/* Units of the generator's work done: iterations (grow, leak), ops
	 * (churn, stamps), sources measured (tile cache). Lets the driver
	 * relate memory to work rather than to time, which is noisy. */
	_Atomic uint64_t progress;
	/* The largest live_bytes since the engine last reset it (at the start
	 * of each phase): with one thread running, the exact peak. */
	_Atomic int64_t peak_bytes;
	/* live_bytes when this slot last added to heap.total. */
	int64_t flushed_bytes;
	int32_t index; /* this slot's index: finds the scoreboard on a flush */
};
_Static_assert(sizeof(struct sb_slot) == 64, "one cache line per slot");

/* The live heap across threads, kept where it changes: each thread adds
 * its change here once it exceeds SCOREBOARD_FLUSH_BYTES (an atomic add on
 * this shared line, far rarer than its operations), so
 * `total` is always within nthreads x SCOREBOARD_FLUSH_BYTES of the exact
 * sum, and `total_peak` within that of the exact peak. The engine makes
 * both exact at every quiescent point (phase starts and checkpoints). */
struct sb_heap {
	_Alignas(64) _Atomic int64_t total;
	_Atomic int64_t total_peak; /* largest total since the engine reset it */
	/* The largest exact sum seen since then (quiescent points only): the
	 * true peak is at least that. */
	_Atomic int64_t exact_max;
};

/* The state of the process at one instant: heap, RSS and the allocator's
 * view together. t_ns is CLOCK_MONOTONIC (the driver's clock too), 0 when
 * none was taken; a figure it does not have is -1. */
struct sb_snapshot {
	_Atomic int64_t t_ns;
	_Atomic int64_t heap_bytes; /* the worker's exact live count */
	_Atomic int64_t rss_bytes;
	_Atomic int64_t file_bytes; /* of RSS, file-backed and shared (statm) */
	_Atomic int64_t alloc_in_use_bytes, alloc_system_bytes, alloc_resident_bytes, arenas;
};

/* The allocator's own view, written by the probe thread that
 * libwimm-probe.so starts in the measured process, read by the driver at
 * each tick. One writer; the driver retries while `seq` is odd or changes
 * (a sequence lock), so it never sees half a reading. Figures an allocator
 * does not have stay at -1 (written as n/a, never as 0). */
struct sb_probe {
	_Atomic uint64_t seq;
	_Atomic int32_t active;         /* 1 once the probe runs */
	char family[16];                /* reader: glibc, jemalloc, tcmalloc, mimalloc, none */
	_Atomic int64_t in_use_bytes;   /* what the program holds, as the allocator counts it */
	_Atomic int64_t system_bytes;   /* what the allocator holds from the OS */
	_Atomic int64_t resident_bytes; /* of that, resident, where it knows */
	_Atomic int64_t arenas;         /* see README: meaning differs per allocator */
	_Atomic uint64_t reads;         /* readings taken */
	_Atomic uint64_t cost_ns_total; /* wall time spent taking them */
	_Atomic uint64_t cost_ns_max;
	/* CPU time the readings took: what they cost the workload (the wall
	 * time also counts waiting for the allocator's locks and the CPU). */
	_Atomic uint64_t cpu_ns_total;
	_Atomic uint64_t interval_ns; /* current interval, after back-off */
	/* Readings on demand, at an exact instant: a thread in the measured
	 * process (the worker at a checkpoint, later a program's phase
	 * marker) stores where the figures go in request_index, increments
	 * `request` and wakes it (a shared futex); the probe thread takes a
	 * full reading into checkpoints[request_index].at, stores the
	 * request's number in `served` and wakes that. See
	 * scoreboard_probe_request(). */
	_Atomic uint32_t request;
	_Atomic uint32_t served;
	_Atomic int32_t request_index;
	_Atomic uint64_t sync_reads; /* readings taken on demand */
	/* The work done (scoreboard_progress) as the current figures were
	 * read: a real program's heap is the allocator's in-use figure, so
	 * its growth per step pairs that figure with this count, not with
	 * the count at the driver's later tick. */
	_Atomic int64_t progress;
};

/* A consistent copy of the probe's figures (driver side). */
struct sb_probe_reading {
	int active;
	int64_t in_use_bytes, system_bytes, resident_bytes, arenas;
	uint64_t reads, cost_ns_total, cost_ns_max, cpu_ns_total, interval_ns, sync_reads;
	int64_t progress;
};

/* One process of the measured tree, as it reports itself: the probe's
 * constructor registers each program it is loaded into (after every exec)
 * and its fork handler each child forked, so a process too short-lived for
 * the driver's sampler is still counted, and a process the driver finds
 * without a slot ran without the probe. Each process writes only its own
 * slot; `pid` is stored last (release), so a reader that sees it sees the
 * rest. Figures not known stay -1. */
struct sb_proc {
	_Atomic int32_t pid; /* 0: not yet filled */
	int32_t ppid;
	_Atomic int32_t forked;           /* 1: registered by fork (no exec yet) */
	_Atomic int64_t start_ns, end_ns; /* CLOCK_MONOTONIC; end 0 until exit() */
	_Atomic int64_t vmhwm_bytes;      /* at exit(), from /proc/self/status */
	_Atomic int64_t cpu_ns;           /* its user + system CPU time at exit() */
	/* The file it ran when it registered (stat of /proc/self/exe): a
	 * process registered by fork that then exec'd a program the probe
	 * cannot reach shows another file now. */
	uint64_t exe_dev, exe_ino;
	/* The allocator's view in this process, from its own probe thread
	 * (last reading; -1 n/a), with the library that owns its malloc. */
	_Atomic uint64_t seq; /* sequence lock over the figures below */
	_Atomic int64_t in_use_bytes, system_bytes, arenas;
	_Atomic uint64_t reads;
	char family[16];
	char owner[200];
	char comm[16]; /* its program's name (/proc/self/comm), for one never seen */
};

enum sb_state {
	SB_STARTING = 0, /* child exists, worker not yet running */
	SB_READY,        /* identity written, workload about to start */
	SB_RUNNING,
	SB_DONE,   /* workload finished normally */
	SB_FAILED, /* worker gave up; message in error[] */
};

struct scoreboard {
	uint64_t magic;
	uint32_t version;
	_Atomic uint32_t state;
	/* Index into phase_names; 0 is "start", workload phase i is i + 1.
	 * Under `wimm exec` the probe's markers (probe_marks.c) add a name
	 * for each new phase the program marks: the name is written whole
	 * before nphases counts it, and nphases before phase points at it. */
	_Atomic int32_t phase;
	_Atomic int32_t nphases;
	char phase_names[SCOREBOARD_PHASES][WIMM_NAME_MAX];
	/* Per phase (index as `phase`): */
	struct {
		/* The end of the phase's work, before its threads free: every
		 * thread waits at a barrier while the worker counts the heap and
		 * reads its RSS and the probe reads the allocator, so all of it
		 * is one instant, which no sample on a clock can catch. */
		struct sb_snapshot at;
		/* CLOCK_MONOTONIC when the worker entered and left the phase:
		 * exact durations, where samples are only good to an interval. */
		_Atomic int64_t start_ns, end_ns;
		/* The phase's peak live heap, and how far the true peak can be
		 * from it (0: exact; see engine.c). -1: not tracked. */
		_Atomic int64_t peak_heap_bytes, peak_heap_error_bytes;
	} checkpoints[SCOREBOARD_PHASES];
	/* The largest of the phases' peaks, and its error. */
	_Atomic int64_t peak_heap_bytes, peak_heap_error_bytes;
	/* The last reading, as the program exits: the worker stores its heap
	 * when its phases are done, the probe (from exit()) the allocator's
	 * figures and RSS. */
	struct sb_snapshot exit;
	_Atomic uint64_t heartbeat;
	/* VmHWM read from /proc/self/status just before exiting (the worker,
	 * and the probe for a real program). wait4's ru_maxrss also counts the
	 * driver's pages that the child had before exec, so this is the truer
	 * peak of the workload. */
	_Atomic int64_t vmhwm_bytes;
	/* Written once by the worker (or the probe, for a real program)
	 * before the workload starts; `wimm-worker --identify` writes them
	 * for the driver's check of an allocator before a run, and
	 * `--settings` the allocator's configuration ("key=value ..."). */
	char malloc_owner[SCOREBOARD_TEXT];
	char malloc_family[16];
	char allocator_version[64];
	char allocator_settings[256];
	char error[SCOREBOARD_TEXT];
	struct sb_probe probe;
	struct sb_heap heap;
	struct sb_slot slots[SCOREBOARD_SLOTS];
	/* Slots claimed, including those past SCOREBOARD_PROCS (counted, not
	 * kept): the number of registrations in the tree. */
	_Atomic uint32_t nprocs;
	struct sb_proc procs[SCOREBOARD_PROCS];
};

/* Creates a memfd holding a zeroed scoreboard and maps it. The fd is
 * inheritable (no CLOEXEC) so a child can find it via WIMM_SCOREBOARD. Its
 * size is sealed and its file offset is at the end, so a write(2) to it
 * (a program writing garbage to every fd) fails instead of overwriting the
 * mapping. Returns 0 or -errno. */
int scoreboard_create(struct scoreboard **sb, int *fd);

/* Maps the scoreboard whose fd number is in $WIMM_SCOREBOARD (worker and
 * probe side; the fd stays open, as both may attach). Returns 0, -ENOENT
 * when the variable is unset, or -errno. */
int scoreboard_attach_env(struct scoreboard **sb);

/* Sets every figure of a new scoreboard to n/a (-1) and numbers the
 * slots: scoreboard_create does it, and so must anyone who maps a
 * scoreboard of their own (the worker run by hand). */
void scoreboard_init(struct scoreboard *sb);

/* Inside a process of the tree: claims a slot for the calling process
 * (pid, parent, start time; forked = registered by a fork handler).
 * Async-signal-safe (an atomic add and stores): callable in a child right
 * after fork. Returns the slot, or NULL when the table is full (the
 * registration is still counted in nprocs). */
struct sb_proc *scoreboard_proc_register(struct scoreboard *sb, int forked);

/* Unmaps; NULL is a no-op. */
void scoreboard_unmap(struct scoreboard *sb);

/* Sum of live bytes over all slots (any thread may call it). */
int64_t scoreboard_live_bytes(const struct scoreboard *sb);
uint64_t scoreboard_ops(const struct scoreboard *sb);
uint64_t scoreboard_extra_ops(const struct scoreboard *sb);
uint64_t scoreboard_progress(const struct scoreboard *sb);

/* Quiescent points only (every thread that writes a slot waits): makes
 * heap.total the exact sum and folds it into heap.total_peak and
 * heap.exact_max; with reset, also starts a new phase's peaks (each slot's
 * peak_bytes = its live bytes, total_peak = exact_max = total). Returns the
 * exact sum. */
int64_t scoreboard_heap_sync(struct scoreboard *sb, int reset);

/* Once the nthreads threads of phase i are done (quiescent): the phase's
 * peak heap and how far the true one can be from it, into
 * checkpoints[i] (i < SCOREBOARD_PHASES), and the largest over the phases
 * into sb->peak_heap_bytes with its error. With one thread only its slot
 * changed, so the others' live bytes plus its own peak is the exact peak.
 * With several, heap.total_peak is the peak of a total that lags each
 * thread by less than SCOREBOARD_FLUSH_BYTES: the true peak P satisfies
 *   total_peak - (n - 1) x FLUSH  <=  P  <  total_peak + n x FLUSH
 * (the thread that moved the total last has nothing pending), is at least
 * heap.exact_max, and at most the sum of the slots' own peaks. The figure
 * is total_peak held inside those bounds, its error the farther bound. */
void scoreboard_peak_end(struct scoreboard *sb, int i, int nthreads);

/* Probe side: begin and end one reading (seq odd in between). */
void scoreboard_probe_begin(struct scoreboard *sb);
void scoreboard_probe_end(struct scoreboard *sb);

/* Driver side: a consistent copy of the probe's figures. */
void scoreboard_probe_read(const struct scoreboard *sb, struct sb_probe_reading *out);

/* Inside the measured process: asks the probe for a full reading into
 * checkpoints[index].at and waits for it. One caller at a time. When the
 * probe has not taken the request within timeout_ns it is withdrawn
 * (-ETIMEDOUT); a reading the probe has started is waited for to its end,
 * so no answer lands later. Returns 0, -ENODEV when no probe runs,
 * -ETIMEDOUT, or -EINVAL. Not on a hot path: a futex wake and wait, and a
 * reading (microseconds to milliseconds). */
int scoreboard_probe_request(struct scoreboard *sb, int index, int64_t timeout_ns);

/* Futex operations on a scoreboard word (shared between processes, so
 * not FUTEX_PRIVATE). wait returns when *word != val, on a wake, or after
 * timeout_ns (< 0: none); either may return early. */
void scoreboard_futex_wait(_Atomic uint32_t *word, uint32_t val, int64_t timeout_ns);
void scoreboard_futex_wake(_Atomic uint32_t *word);

/* Adds a slot's change to heap.total (see scoreboard_add). */
void scoreboard_flush_(struct sb_slot *slot, int64_t live);

/* Hot path, after a slot's live bytes changed: its peak, and the shared
 * total once the slot has moved SCOREBOARD_FLUSH_BYTES from what it last
 * added. Loads and stores of the thread's own line, a compare each; the
 * atomic add on the shared line is rare (see SCOREBOARD_FLUSH_BYTES). */
static inline void scoreboard_track_(struct sb_slot *slot, int64_t live)
{
	if (live > atomic_load_explicit(&slot->peak_bytes, memory_order_relaxed))
		atomic_store_explicit(&slot->peak_bytes, live, memory_order_relaxed);
	int64_t moved = live - slot->flushed_bytes;
	if (moved >= SCOREBOARD_FLUSH_BYTES || moved <= -SCOREBOARD_FLUSH_BYTES)
		scoreboard_flush_(slot, live);
}

/* Hot path: the owning thread records its own malloc or free. */
static inline void scoreboard_add(struct sb_slot *slot, int64_t delta_bytes)
{
	int64_t live = atomic_load_explicit(&slot->live_bytes, memory_order_relaxed) + delta_bytes;
	atomic_store_explicit(&slot->live_bytes, live, memory_order_relaxed);
	atomic_store_explicit(&slot->ops,
	                      atomic_load_explicit(&slot->ops, memory_order_relaxed) + 1,
	                      memory_order_relaxed);
	scoreboard_track_(slot, live);
}

/* Hot path: the owning thread records one unit of work done. */
static inline void scoreboard_step(struct sb_slot *slot)
{
	atomic_store_explicit(&slot->progress,
	                      atomic_load_explicit(&slot->progress, memory_order_relaxed) + 1,
	                      memory_order_relaxed);
}

/* Hot path too, for allocations whose count depends on timing. */
static inline void scoreboard_add_extra(struct sb_slot *slot, int64_t delta_bytes)
{
	int64_t live = atomic_load_explicit(&slot->live_bytes, memory_order_relaxed) + delta_bytes;
	atomic_store_explicit(&slot->live_bytes, live, memory_order_relaxed);
	atomic_store_explicit(&slot->extra_ops,
	                      atomic_load_explicit(&slot->extra_ops, memory_order_relaxed) + 1,
	                      memory_order_relaxed);
	scoreboard_track_(slot, live);
}

#endif
