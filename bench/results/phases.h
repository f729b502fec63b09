/* phases.h - figures per phase of a cell, read off its time series.
 *
 * The worker marks the phase it is in on the scoreboard, so every sample
 * carries it; what each allocator holds at the end of a phase (after the
 * work, after free-all, after idling) is what the seed stories are about.
 */
#ifndef WIMM_PHASES_H
#define WIMM_PHASES_H

#include <stdint.h>

#include "bench/results/cell.h"
#include "bench/run/series.h"
#include "workloads/workload.h"

/* The worker's exact snapshot at the end of a phase's work (all threads
 * parked): heap, RSS and the allocator's figures (read by the probe then)
 * at the same instant; heap <= 0 = none taken, -1 = a figure not read. */
struct phase_snapshot {
	int64_t heap_bytes, rss_bytes;
	int64_t alloc_in_use_bytes, alloc_system_bytes, arenas;
	double duration_s; /* the worker's own clock; NaN when unknown */
};

struct phase_stat {
	char name[SERIES_PHASE_NAME_MAX];
	struct phase_snapshot snapshot;
	double snapshot_rss_over_heap; /* NaN without a snapshot */
	int samples;
	double start_s, end_s; /* first and last sample in the phase */
	int64_t rss_end_bytes; /* last sample; -1 when the phase had none */
	int64_t heap_end_bytes;
	int64_t peak_rss_bytes;   /* largest sample in the phase */
	double rss_over_heap_end; /* NaN when the heap was empty */
	/* The allocator's figures at the end of the phase: the snapshot's when
	 * it has them (exact), else the phase's last sample's (sampled). */
	int64_t alloc_in_use_end_bytes, alloc_system_end_bytes; /* -1: n/a */
	double system_over_in_use_end;
	int end_exact; /* 1: the three above come from the snapshot */
	/* Leak phases: growth per iteration from a least-squares fit over the
	 * phase, and how straight the RSS line is (R^2); NaN otherwise. */
	double heap_growth_per_iter, rss_growth_per_iter, rss_r2;
	int64_t leak_per_iter_bytes; /* what the phase was told to leak, or -1 */
};

struct phase_stats {
	int n; /* series phases, "start" included */
	struct phase_stat p[SERIES_MAX_PHASES];
};

/* Computes the figures of every phase; w must be scaled like the run.
 * snapshots: SERIES_MAX_PHASES entries indexed like the series' phases, or
 * NULL. */
void phases_compute(const struct series *s, const struct workload *w,
                    const struct phase_snapshot *snapshots, struct phase_stats *out);

/* Cell-level figures that come from the phases: budget, peak RSS over
 * budget, RSS at the end of the last idle phase, RSS / heap at the end of
 * the work phase (from the snapshot when there is one, else the phase's
 * last sample), the allocator's system / in-use bytes there (from the
 * snapshot only: a sampled reading may be from any moment), leak growth
 * per iteration. */
void phases_fill_cell(const struct phase_stats *ps, const struct workload *w,
                      struct cell_record *c);

#endif
