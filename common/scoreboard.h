/* scoreboard.h - shared memory between the worker and the driver.
 *
 * A fixed-size struct in a memfd that both sides mmap. The worker never
 * calls malloc, takes a lock or makes a syscall to update it: each thread
 * owns one cache-line-aligned slot and writes it with relaxed atomic stores
 * (single writer, so no read-modify-write and no shared line on the hot
 * path). The driver reads every slot at each tick and sums. A block freed by
 * another thread is subtracted from the freeing thread's slot, so one slot
 * can go negative while the sum stays right.
 */
#ifndef WIMM_SCOREBOARD_H
#define WIMM_SCOREBOARD_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "common/limits.h"

#define SCOREBOARD_MAGIC 0x77696d6d5342ULL /* "wimmSB" */
#define SCOREBOARD_VERSION 4               /* bump on any change of layout */
#define SCOREBOARD_SLOTS WIMM_MAX_THREADS
#define SCOREBOARD_PHASES WIMM_SERIES_PHASES
#define SCOREBOARD_TEXT 512

/* Per-thread counters; only the owning thread writes. */
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
	_Atomic uint64_t cost_ns_total; /* time spent taking them */
	_Atomic uint64_t cost_ns_max;
	_Atomic uint64_t interval_ns; /* current interval, after back-off */
};

/* A consistent copy of the probe's figures (driver side). */
struct sb_probe_reading {
	int active;
	int64_t in_use_bytes, system_bytes, resident_bytes, arenas;
	uint64_t reads, cost_ns_total, cost_ns_max, interval_ns;
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
	/* Index into phase_names; 0 is "start", workload phase i is i + 1. */
	_Atomic int32_t phase;
	int32_t nphases;
	char phase_names[SCOREBOARD_PHASES][WIMM_NAME_MAX];
	/* Largest live heap seen at a quiescent point: the worker sums all
	 * slots while every thread waits at a phase barrier, which is exact,
	 * unlike a sample taken while threads run. */
	_Atomic int64_t checkpoint_peak_bytes;
	/* The same snapshot per phase (index as `phase`), with the RSS the
	 * worker read at that moment: the state at the end of a phase's work,
	 * before its threads free, which no sample on a clock can catch. */
	struct {
		_Atomic int64_t heap_bytes; /* 0 when the phase took none */
		_Atomic int64_t rss_bytes;
		/* CLOCK_MONOTONIC when the worker entered and left the phase:
		 * exact durations, where samples are only good to an interval. */
		_Atomic int64_t start_ns, end_ns;
	} checkpoints[SCOREBOARD_PHASES];
	_Atomic uint64_t heartbeat;
	/* VmHWM the worker read from /proc/self/status just before exiting.
	 * wait4's ru_maxrss also counts the driver's pages that the child
	 * inherited before exec, so this is the truer peak of the workload. */
	_Atomic int64_t vmhwm_bytes;
	/* Written once by the worker before the workload starts. */
	char malloc_owner[SCOREBOARD_TEXT];
	char allocator_version[64];
	char error[SCOREBOARD_TEXT];
	struct sb_probe probe;
	struct sb_slot slots[SCOREBOARD_SLOTS];
};

/* Creates a memfd holding a zeroed scoreboard and maps it. The fd is
 * inheritable (no CLOEXEC) so a child can find it via WIMM_SCOREBOARD.
 * Returns 0 or -errno. */
int scoreboard_create(struct scoreboard **sb, int *fd);

/* Maps the scoreboard whose fd number is in $WIMM_SCOREBOARD (worker and
 * probe side; the fd stays open, as both may attach). Returns 0, -ENOENT
 * when the variable is unset, or -errno. */
int scoreboard_attach_env(struct scoreboard **sb);

/* Unmaps; NULL is a no-op. */
void scoreboard_unmap(struct scoreboard *sb);

/* Sum of live bytes over all slots (any thread may call it). */
int64_t scoreboard_live_bytes(const struct scoreboard *sb);
uint64_t scoreboard_ops(const struct scoreboard *sb);
uint64_t scoreboard_extra_ops(const struct scoreboard *sb);
uint64_t scoreboard_progress(const struct scoreboard *sb);

/* Probe side: begin and end one reading (seq odd in between). */
void scoreboard_probe_begin(struct scoreboard *sb);
void scoreboard_probe_end(struct scoreboard *sb);

/* Driver side: a consistent copy of the probe's figures. */
void scoreboard_probe_read(const struct scoreboard *sb, struct sb_probe_reading *out);

/* Hot path: the owning thread records its own malloc or free. */
static inline void scoreboard_add(struct sb_slot *slot, int64_t delta_bytes)
{
	atomic_store_explicit(&slot->live_bytes,
	                      atomic_load_explicit(&slot->live_bytes, memory_order_relaxed) +
	                          delta_bytes,
	                      memory_order_relaxed);
	atomic_store_explicit(&slot->ops,
	                      atomic_load_explicit(&slot->ops, memory_order_relaxed) + 1,
	                      memory_order_relaxed);
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
	atomic_store_explicit(&slot->live_bytes,
	                      atomic_load_explicit(&slot->live_bytes, memory_order_relaxed) +
	                          delta_bytes,
	                      memory_order_relaxed);
	atomic_store_explicit(&slot->extra_ops,
	                      atomic_load_explicit(&slot->extra_ops, memory_order_relaxed) + 1,
	                      memory_order_relaxed);
}

#endif
