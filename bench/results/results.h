/* results.h - the run directory: results/runs/<id>/ with meta.json,
 * cells.csv, summary.json and series/<cell>.tsv, and results/latest.
 *
 * Every file is written to a temporary name and renamed, and cells.csv and
 * summary.json are rewritten after each cell, so an interrupted run keeps
 * every finished cell and never a truncated file.
 */
#ifndef WIMM_RESULTS_H
#define WIMM_RESULTS_H

#include <stddef.h>
#include <stdint.h>

#include "bench/plan/allocator.h"
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
};

struct results;

/* Creates OUT_ROOT/runs/<id>/ (and series/), writes meta.json, and points
 * OUT_ROOT/latest at it. Returns 0 or -errno with a message in err. */
int results_create(const char *out_root, const struct run_info *info, struct results **out,
                   char *err, size_t errlen);

/* Writes series/<cell>.tsv, then rewrites cells.csv and summary.json
 * (where each cell carries its per-phase figures; phases may be NULL).
 * Returns 0 or -errno (a message is logged). */
int results_add_cell(struct results *r, const struct cell_record *cell, const struct series *s,
                     const struct phase_stats *phases);

/* Final summary.json (with "complete" and "cells_not_run"). Returns 0 or
 * -errno, also when OUT/latest could not be pointed at the run (logged). */
int results_finish(struct results *r, int cells_not_run);

const char *results_dir(const struct results *r);

/* destroy(NULL) is a no-op. */
void results_destroy(struct results *r);

#endif
