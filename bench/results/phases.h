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
#include "bench/results/metrics.h"
#include "bench/run/series.h"
#include "common/scoreboard.h"
#include "workloads/workload.h"

/* The worker marks each of a workload's phases, after "start", on the
 * scoreboard; the driver's series keeps them by the same index. */
_Static_assert(SERIES_MAX_PHASES == WORKLOAD_MAX_PHASES + 1, "series: start + the phases");
_Static_assert(SCOREBOARD_PHASES == SERIES_MAX_PHASES, "scoreboard: one mark per phase");
_Static_assert(sizeof(((struct scoreboard *)0)->phase_names[0]) == SERIES_PHASE_NAME_MAX,
               "a phase name crosses from the worker to the series whole");

/* The worker's exact snapshot at the end of a phase's work (all threads
 * parked): heap, RSS and the allocator's figures (read by the probe then)
 * at the same instant; heap <= 0 = none taken, -1 = a figure not read. */
struct phase_snapshot {
	int64_t heap_bytes, rss_bytes, file_bytes;
	int64_t alloc_in_use_bytes, alloc_system_bytes, alloc_resident_bytes, arenas;
	double duration_s; /* the worker's own clock; NaN when unknown */
};

/* PHASE_FIELDS is the one list of per-phase figures: it generates struct
 * phase_stat and the "phases" of each cell in summary.json, in this order.
 * X(key, type, unit, group, doc): type I (int64_t, -1 is n/a) or F (double,
 * NaN is n/a); unit as in metrics.h (how it is checked on read); group:
 * ALWAYS written, SNAPSHOT only when the worker (or a program's phase
 * marker) took one (snapshot_heap_bytes > 0; a program's, snapshot_rss_bytes
 * > 0 where the allocator has no in-use figure), LEAK only for a leak phase
 * or a program's phase with steps (a growth per iteration known). A
 * figure is added here, computed in phases_compute, and nowhere else. */
#define PHASE_FIELDS(X)                                                                            \
	X(samples, I, MU_COUNT, ALWAYS, "samples in the phase")                                    \
	X(start_s, F, MU_SECONDS, ALWAYS, "first sample in the phase")                             \
	X(end_s, F, MU_SECONDS, ALWAYS, "last sample in the phase")                                \
	X(duration_s, F, MU_SECONDS, ALWAYS, "the phase's work, by the worker's own clock")        \
	X(rss_end_bytes, I, MU_BYTES, ALWAYS, "RSS at the phase's last sample")                    \
	X(heap_end_bytes, I, MU_BYTES, ALWAYS, "heap at the phase's last sample")                  \
	X(peak_rss_bytes, I, MU_BYTES, ALWAYS, "largest RSS sample in the phase")                  \
	X(rss_over_heap_end, F, MU_RATIO, ALWAYS, "RSS / heap at the last sample; n/a: no heap")   \
	X(snapshot_heap_bytes, I, MU_BYTES, SNAPSHOT, "heap in the worker's exact snapshot")       \
	X(snapshot_rss_bytes, I, MU_BYTES, SNAPSHOT, "RSS at the same instant")                    \
	X(snapshot_rss_over_heap, F, MU_RATIO, SNAPSHOT, "their ratio")                            \
	X(snapshot_part_heap_bytes, I, MU_BYTES, SNAPSHOT, "RSS part there: the live heap")        \
	X(snapshot_part_unused_bytes, I, MU_BYTES, SNAPSHOT, "RSS part: held, not in use")         \
	X(snapshot_part_foreign_bytes, I, MU_BYTES, SNAPSHOT, "RSS part: not from malloc")         \
	X(snapshot_part_file_bytes, I, MU_BYTES, SNAPSHOT, "RSS part: file-backed and shared")     \
	X(snapshot_part_unsplit_bytes, I, MU_BYTES, SNAPSHOT, "RSS part: not separable")           \
	X(snapshot_untouched_bytes, I, MU_BYTES, SNAPSHOT, "heap beyond RSS: never touched")       \
	X(alloc_in_use_end_bytes, I, MU_BYTES, ALWAYS,                                             \
	  "the allocator's in-use bytes at the phase's end (see alloc_end_exact)")                 \
	X(alloc_system_end_bytes, I, MU_BYTES, ALWAYS,                                             \
	  "the allocator's system bytes at the phase's end")                                       \
	X(system_over_in_use_end, F, MU_RATIO, ALWAYS, "their ratio")                              \
	X(alloc_end_exact, I, MU_COUNT, ALWAYS,                                                    \
	  "1: the three above were read in the snapshot's instant; 0: at the last sample")         \
	X(heap_growth_per_iter_bytes, F, MU_BYTES_SLOPE, LEAK, "heap growth per iteration (fit)")  \
	X(heap_growth_ci95_bytes, F, MU_BYTES_SLOPE, LEAK,                                         \
	  "half-width of its 95% confidence interval")                                             \
	X(heap_r2, F, MU_FRACTION, LEAK, "how straight the heap line is (R^2)")                    \
	X(rss_growth_per_iter_bytes, F, MU_BYTES_SLOPE, LEAK, "RSS growth per iteration (fit)")    \
	X(rss_growth_ci95_bytes, F, MU_BYTES_SLOPE, LEAK,                                          \
	  "half-width of its 95% confidence interval")                                             \
	X(rss_r2, F, MU_FRACTION, LEAK, "how straight the RSS line is (R^2)")                      \
	X(fit_iters, I, MU_COUNT, LEAK, "iterations (steps) the fits span")                        \
	X(iters_to_tell, I, MU_COUNT, LEAK,                                                        \
	  "iterations that would tell the heap growth from none (estimate)")                       \
	X(leak_per_iter_bytes, I, MU_BYTES, LEAK, "what the phase was told to leak per iteration")

#define PHASE_MEMBER_I int64_t
#define PHASE_MEMBER_F double
#define PHASE_MEMBER_(key, type, unit, group, doc) PHASE_MEMBER_##type key;
struct phase_stat {
	char name[SERIES_PHASE_NAME_MAX];
	PHASE_FIELDS(PHASE_MEMBER_)
};
#undef PHASE_MEMBER_

/* PHASE_<key>: the index of a figure in PHASE_FIELDS order. */
#define PHASE_ID_(key, type, unit, group, doc) PHASE_##key,
enum phase_field_id { PHASE_FIELDS(PHASE_ID_) PHASE_N };
#undef PHASE_ID_

struct phase_stats {
	int n; /* series phases, "start" included */
	struct phase_stat p[SERIES_MAX_PHASES];
};

/* What the phase figures need of the samples, kept as they are taken: the
 * driver holds no series in memory (series.h). Per phase: counts, first
 * and last sample, the peak; for a leak phase, or a program's phase with
 * steps, the points of its growth fit, at most PHASES_FIT_POINTS of them
 * (every sample while they fit, then every 2nd, 4th, ... evenly: the same
 * fit, bounded memory). */
#define PHASES_FIT_POINTS 4096

/* x: the work done at the sample, RSS's x. hx: the heap's x, the work
 * done when the heap was read (a real program's heap is the allocator's
 * in-use figure, read by the probe, paired with the count it read with
 * it: alloc_progress); NaN when the sample has no heap, or repeats the
 * reading of the sample before it. */
struct phases_fit_point {
	double x, rss, hx, heap;
};

struct phases_running {
	int64_t samples;
	double start_s, end_s;
	struct sample last;
	int64_t peak_rss;
	double progress_lo, progress_hi; /* over the samples with progress */
	struct phases_fit_point *fit;    /* NULL: not a leak phase, or none yet */
	int nfit;
	int64_t last_alloc_progress, last_heap; /* of the sample before */
	int64_t stride, with_progress;
};

struct phases_acc {
	struct phases_running p[SERIES_MAX_PHASES];
	unsigned fit_mask; /* series phases whose fit points are kept */
	int program;       /* a real program's: every phase, its heap by reading */
	int oom;           /* a fit buffer could not be allocated */
};

/* w: the workload (scaled like the run; NULL, or one without phases, for
 * a real program, whose every phase with steps is fitted) says which
 * phases leak. phases_acc_finish frees what add allocated. */
void phases_acc_init(struct phases_acc *a, const struct workload *w);
void phases_acc_add(struct phases_acc *a, const struct sample *row);
void phases_acc_finish(struct phases_acc *a);

/* Computes the figures of every phase from what a gathered; names are the
 * phases' names; w must be scaled like the run. snapshots:
 * SERIES_MAX_PHASES entries indexed like the series' phases, or NULL. */
void phases_compute(const struct phases_acc *a, const struct series_phases *names,
                    const struct workload *w, const struct phase_snapshot *snapshots,
                    struct phase_stats *out);
/* Sets the six part figures of cell c at instant `at` (peak, work_end,
 * end) from p; "not separable" and "never touched" are n/a when 0. */
#define PHASES_SET_PARTS(c, at, p)                                                                 \
	do {                                                                                       \
		(c)->at##_part_heap_bytes = (p)->heap;                                             \
		(c)->at##_part_unused_bytes = (p)->unused;                                         \
		(c)->at##_part_foreign_bytes = (p)->foreign;                                       \
		(c)->at##_part_file_bytes = (p)->file;                                             \
		(c)->at##_part_unsplit_bytes = (p)->unsplit > 0 ? (p)->unsplit : -1;               \
		(c)->at##_untouched_bytes = (p)->untouched > 0 ? (p)->untouched : -1;              \
	} while (0)

/* Cell-level figures that come from the phases: budget, peak RSS over
 * budget, RSS at the end of the last idle phase, RSS / heap at the end of
 * the work phase (from the snapshot when there is one, else the phase's
 * last sample), the allocator's system / in-use bytes there (from the
 * snapshot only: a sampled reading may be from any moment), leak growth
 * per iteration. */
void phases_fill_cell(const struct phase_stats *ps, const struct workload *w,
                      struct cell_record *c);

#endif
