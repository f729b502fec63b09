/* results.h - the run directory: results/runs/<id>/ with meta.json,
 * cells.csv, summary.json and series/<cell>.tsv, and results/latest.
 *
 * Written as the run goes, at a cost per cell that does not grow with the
 * cells already done: each cell's series streams to its own file (a
 * temporary name until the cell is done), its line is appended to
 * cells.csv, and summary.json, which must be whole JSON, is rewritten at a
 * bounded rate (results.c says how); results_finish writes it once more,
 * complete. An interrupted run keeps every finished cell and never a
 * truncated file.
 */
#ifndef WIMM_RESULTS_H
#define WIMM_RESULTS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "bench/plan/allocator.h"
#include "bench/plan/matrix.h"
#include "bench/plan/sweep.h"
#include "bench/results/cell.h"
#include "bench/results/phases.h"
#include "bench/run/series.h"
#include "workloads/workload.h"

/* What the run was asked to do, recorded in meta.json. */
struct run_info {
	int argc;
	char **argv;
	uint64_t seed;     /* shuffle seed */
	double interval_s; /* sampling interval */
	double timeout_s;  /* default per-cell timeout */
	int reps;
	double scale;
	const struct allocator *allocators;
	const char *const *allocator_versions; /* one per allocator, "" if unknown */
	int nallocators;
	const struct workload *workloads;
	int nworkloads;
	const char *env_removed; /* e.g. "MALLOC_PERTURB_" or "" */
	const char *probe;       /* the probe library preloaded, or NULL */
	int64_t mem_guard_bytes; /* cells are killed above this RSS; 0 = none */

	/* --sweep, recorded with the allocators they made */
	const struct sweep *sweeps;
	int nsweeps;
	/* --idle: every idle phase's length; 0 = the workloads' own */
	double idle_s;
	/* --shard: this run's share of a larger one; NULL = the whole run */
	const struct matrix_shard *shard;
};

struct results;

/* Creates OUT_ROOT/runs/<id>/ (and series/), writes meta.json, and points
 * OUT_ROOT/latest at it. Returns 0 or -errno with a message in err. */
int results_create(const char *out_root, const struct run_info *info, struct results **out,
                   char *err, size_t errlen);

/* The same with a meta.json made elsewhere (`wimm merge`): a copy of meta
 * with run_id and started_utc set to the new run's. meta stays the
 * caller's. */
struct json_object;
int results_create_meta(const char *out_root, struct json_object *meta, struct results **out,
                        char *err, size_t errlen);

/* Opens the series file of cell (its workload, threads, allocator and rep
 * name it) for the sampler to stream rows to. Returns 0 or -errno (a
 * message is logged): the cell can still run, without a series. */
int results_series_open(struct results *r, const struct cell_record *cell, int64_t interval_ns,
                        struct series_writer **out);

/* Records a finished cell: commits its series (w, NULL when none; w is
 * consumed either way), appends its line to cells.csv, keeps its
 * summary.json entry (with its per-phase figures; phases may be NULL) and
 * rewrites summary.json when one is due. Returns 0 or -errno (a message
 * is logged); the cell is recorded even when its series is not. */
int results_add_cell(struct results *r, const struct cell_record *cell, struct series_writer *w,
                     const struct phase_stats *phases);

/* The same for a cell of another run (`wimm merge`): cell as read back
 * (its figures derived already), entry its summary.json entry as read
 * (its "series" is set here), series_src its series file or NULL, copied
 * into series/ (a regular file of at most RESULTS_SERIES_MAX bytes, not a
 * link). Returns 0 or -errno (logged); the cell is kept even when its
 * series could not be copied. */
int results_add_copied(struct results *r, const struct cell_record *cell, struct json_object *entry,
                       const char *series_src);

/* The largest series file a run may hold (as its readers take them). */
#define RESULTS_SERIES_MAX ((off_t)1 << 30)

/* Final cells.csv (when an append had failed) and summary.json (with
 * "complete" and "cells_not_run"). Returns 0 or -errno, also when
 * OUT/latest could not be pointed at the run (logged). */
int results_finish(struct results *r, int cells_not_run);

const char *results_dir(const struct results *r);

/* destroy(NULL) is a no-op. */
void results_destroy(struct results *r);

#endif
