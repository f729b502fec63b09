/* runner.h - run one child process and observe it from outside.
 *
 * The runner spawns the child in its own process group (spawn.h: it dies
 * with the driver), samples its RSS from /proc/PID/statm (pread on a kept
 * fd) and its scoreboard every interval, reads its output (capture.h),
 * enforces the timeout, and collects wait4() rusage. It decides nothing
 * about success: the caller turns the outcome into a cell status.
 */
#ifndef WIMM_RUNNER_H
#define WIMM_RUNNER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>

#include "common/scoreboard.h"
#include "bench/run/proctree.h"
#include "bench/run/series.h"

struct runner_cell {
	char *const *argv;     /* program and arguments */
	char *const *envp;     /* the child's whole environment */
	int64_t timeout_ns;    /* the child is killed after this */
	int64_t interval_ns;   /* sampling interval; 0 = no sampling */
	struct scoreboard *sb; /* NULL when the child has none */
	/* 1: heap = the worker's own live count; 0 (a real program): heap =
	 * the allocator's in-use bytes from the probe. */
	int heap_from_scoreboard;
	/* When set, the child's malloc must come from this file (compared by
	 * canonical path); it is killed as soon as it reports another. */
	const char *expected_owner;
	volatile sig_atomic_t *stop; /* set asynchronously to abandon the cell */
	/* The child is killed as soon as a sample shows more RSS than this
	 * (0: no guard), before the machine runs short of memory. */
	int64_t mem_guard_bytes;
	/* The child's streams: stdin NULL = /dev/null, "-" = the driver's,
	 * else a file the child opens (a FIFO waits for its writer there, and
	 * the timeout and a stop still end the wait). stdout NULL = /dev/null.
	 * stdout and stderr files are created or truncated and keep at most
	 * output_cap bytes each (0: CAPTURE_DEFAULT_CAP), the head and the
	 * tail; without a file, stderr is only read for its last line. */
	const char *stdin_path, *stdout_path, *stderr_path;
	uint64_t output_cap;
	/* Called with each row sampled (NULL: nothing), inside the sampling
	 * loop: it must return at once (progress.h rate-limits itself). The
	 * runner keeps no row: this is where they go (series.h). */
	void (*on_sample)(void *ctx, const struct sample *row);
	void *on_sample_ctx;
	/* 1: follow every process the child starts (proctree.h), sampled at
	 * the same ticks, and end the cell when the last of them ends, not
	 * the child; the memory guard then applies to the tree's sum of RSS.
	 * Needs sampling (interval_ns > 0). */
	int follow_tree;
};

struct runner_outcome {
	int started; /* 0: the child could not be started (see reason) */
	int exited;  /* exit_status is valid */
	int exit_status;
	int term_signal; /* 0 unless killed by a signal */
	int timed_out;
	int interrupted; /* *stop was set */
	int wrong_owner; /* malloc came from another library */
	int over_guard;  /* killed for passing mem_guard_bytes */
	/* Ended before its exec: still opening its stdin (reason says so). */
	int before_exec;
	double wall_s; /* from the exec to the exit */
	struct rusage ru;
	int64_t samples;      /* rows sampled (the exit row included) */
	double last_t_s;      /* of the last row */
	int64_t ticks_missed; /* ticks that passed without a sample */
	/* The phases' names, taken from the scoreboard when a phase is first
	 * sampled (and at the end for those never sampled); "run" without a
	 * scoreboard. on_sample's rows index them. */
	struct series_phases phases;
	int64_t sampled_peak_rss;
	int64_t sampled_peak_heap; /* -1 when never known */
	int64_t final_rss;
	/* The sample with the largest RSS, and the last one (the child's exit
	 * reading when it exited normally), with their parts (split.h);
	 * rss_bytes 0 when there was none. */
	struct sample at_peak, at_end;
	struct split_carry carry; /* the probe's figures between its readings */
	/* The allocator's view from the probe (-1 when it has no figure). */
	int64_t peak_alloc_system, peak_alloc_in_use, max_arenas;
	struct sb_probe_reading probe; /* the last reading */
	/* What each stream wrote, and how much of it the cap left out. */
	uint64_t stdout_bytes, stdout_dropped, stderr_bytes, stderr_dropped;
	int output_error; /* -errno writing the kept output, else 0 */
	/* With follow_tree: the tree (the caller destroys it) and its figures;
	 * NULL when not followed. */
	struct proctree *tree;
	struct proctree_summary tree_sum;
	char reason[256];      /* set when not started, wrong owner, before_exec */
	char stderr_tail[256]; /* last line of its stderr, cleaned (text.h) */
};

/* Runs the cell to completion, handing one row per tick to on_sample.
 * Returns 0 when an outcome was recorded (even a crash), -errno when the
 * runner itself failed (out of memory, no /proc). */
int runner_run(const struct runner_cell *c, struct runner_outcome *o);

#endif
