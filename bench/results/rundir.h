/* rundir.h - a run read back from disk: the one reader of what a run
 * wrote, for compare, baselines, history, figures and reports.
 *
 * Three sources read the same way (rundir_load):
 *   - a run directory (summary.json and meta.json in it),
 *   - a summary.json (its meta.json is looked for beside it),
 *   - a baseline file (results/baseline/<testbed>.json, baseline.h), which
 *     carries its context and trimmed cells.
 * Figures are read from the cells and aggregated here (median, min, max
 * over the repetitions that succeeded), the way summary.json's groups are
 * written, so a baseline, which keeps only cells, reads like a run.
 *
 * Every file is untrusted input: strict about shape and values (a name that
 * is not a name, a figure that is not a number in its range, a status that
 * is neither ok nor failed, a cell given twice is an error naming the file
 * and field), lenient about what is absent: a missing or null figure is
 * n/a, so files of older or newer versions still read.
 */
#ifndef WIMM_RUNDIR_H
#define WIMM_RUNDIR_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "bench/results/metrics.h"
#include "bench/results/strmap.h"
#include "common/limits.h"

/* More than these is not a run wimm wrote (nor one a figure could show):
 * refused on read, so that no hostile file costs more than its reading. */
#define RUNDIR_MAX_ALLOCS 256
#define RUNDIR_MAX_BLOCKS 1024
#define RUNDIR_MAX_CELLS 20000 /* hours of cells of a second each */

struct json_object;

struct rundir_stat {
	double median, min, max; /* NaN: n/a */
	double q1, q3;           /* the quartiles (NaN: n/a), for the spread of 5 or more */
};

/* A --sweep of the run (meta.json's "sweeps"): what was swept and the
 * values, in the order given. */
#define RUNDIR_MAX_SWEEPS 4
#define RUNDIR_SWEEP_VALUES 32
#define RUNDIR_VALUE_MAX 64
struct rundir_sweep {
	char argument[512];        /* as given: "GLIBC_TUNABLES=glibc.malloc.arena_max={1,2}" */
	char variable[128];        /* GLIBC_TUNABLES */
	char setting[128];         /* glibc.malloc.arena_max, or the variable */
	char label[WIMM_NAME_MAX]; /* arena_max: what variant names and figures say */
	int nvalues;
	char values[RUNDIR_SWEEP_VALUES][RUNDIR_VALUE_MAX];
};

struct rundir_alloc {
	char name[WIMM_NAME_MAX];
	char version[64];  /* "" when unknown */
	char library[512]; /* as written in its file; "" = the system allocator */
	char env[512];     /* its tunables, "A=1 B=2" */
	char note[256];
	char colour[8]; /* "#rrggbb" as meta.json gives it, else "" */
	int style;      /* its position in the run: picks its dash and point type */
	/* What it is a variant of (variant_of: the root allocator, "" for a
	 * root) and made from (derived_from: -a NAME:... or a sweep); names,
	 * not indices, because the root need not have run. */
	char variant_of[WIMM_NAME_MAX], derived_from[WIMM_NAME_MAX];
	/* A sweep's variant: its value of each of the run's sweeps; 0 else. */
	int nsweep;
	char sweep[RUNDIR_MAX_SWEEPS][RUNDIR_VALUE_MAX];
	/* The settings the allocator reported before the run, "k=v k=v"
	 * (jemalloc's dirty_decay_ms, muzzy_decay_ms, background_thread); "". */
	char settings[192];
};

struct rundir_workload {
	char name[WIMM_NAME_MAX];
	char path[1024]; /* its file when it ran ("" unknown): for the commands advice gives */
	char description[2048];
};

struct rundir_phase {
	char name[WIMM_NAME_MAX];
	int samples;
	double start_s, end_s; /* NaN when the phase had no sample */
	/* What the report's phase table shows (NaN = n/a): the duration, RSS
	 * and heap at the phase's end (its exact reading where there is one,
	 * else its last sample), its heap growth per iteration and the 95%
	 * interval's half-width. */
	double duration_s, rss_end_bytes, heap_end_bytes, heap_growth, heap_growth_ci95;
};

struct rundir_cell {
	char workload[WIMM_NAME_MAX];
	int threads; /* -1: a real program, threads do not apply */
	int alloc;   /* index into rundir.allocs */
	int rep;
	bool ok;
	/* Allocated (never NULL after reading): a run can have many cells. */
	char *reason;
	char *series; /* relative to the run directory; "" = none */
	char *allocator_version;
	char *top_process;  /* a process tree's largest process; "" = none */
	double v[METRIC_N]; /* every figure by enum metric_id; NaN = n/a */
	int nphases;
	struct rundir_phase *phases;
};

/* One (workload, threads, allocator): what repetitions aggregate over. */
struct rundir_group {
	char workload[WIMM_NAME_MAX];
	int threads;
	int alloc;
	int reps_ok, reps_failed;
	size_t *cells; /* indices into rundir.cells, by rep */
	size_t ncells;
	struct rundir_stat m[METRIC_N]; /* over the ok repetitions */
	double budget_bytes;            /* NaN: the workload declares none */
	char allocator_version[64];     /* from the cells, "" if none said */
};

/* A workload at one thread count: one memory figure, one table. */
struct rundir_block {
	char workload[WIMM_NAME_MAX];
	int threads;
};

struct rundir {
	char source[PATH_MAX];    /* the path as given */
	const char *kind;         /* "run", "summary" or "baseline" */
	char dir[PATH_MAX];       /* the directory series/ and plots/ are in */
	bool has_meta;            /* false: a summary.json without meta.json */
	struct json_object *meta; /* meta.json as read, or NULL */

	char run_id[WIMM_NAME_MAX], started_utc[32], wimm_version[32];
	char testbed[WIMM_TESTBED_MAX];
	char machine[72], kernel_release[128];
	char command_line[1024];
	char host[768]; /* one line: host, CPUs, memory, kernel, glibc, THP */
	char env_removed[256];
	long cpus_online, cpus_allowed; /* -1 unknown */
	double scale, interval_s;       /* NaN unknown */
	int reps;                       /* -r of the run, -1 unknown */
	unsigned long long seed;
	bool complete;     /* the summary's "complete" (baselines: true) */
	int cells_not_run; /* -1: unknown */
	int failed_cells;
	bool is_exec;                /* `wimm exec`: no cell has a thread count */
	double idle_s;               /* --idle, NaN when not given */
	struct rundir_sweep *sweeps; /* meta.json's "sweeps" */
	int nsweeps;

	struct rundir_alloc *allocs; /* meta.json order, then any only in cells */
	int nallocs;
	int ref; /* the reference allocator: glibc, else the first; -1 none */
	struct rundir_workload *workloads;
	int nworkloads;
	struct rundir_cell *cells;
	size_t ncells;
	struct rundir_group *groups; /* in the order first seen */
	size_t ngroups;
	struct rundir_block *blocks; /* workloads in run order, threads ascending */
	size_t nblocks;
	/* Indices by name: allocators, and groups by workload, threads and
	 * allocator index (rundir.c's group_key). */
	struct strmap alloc_map, group_map;
};

/* The reference of ratios (time / glibc): figures that change with the
 * machine's speed are compared as a ratio to it, in the same run. */
#define RUNDIR_REFERENCE "glibc"

/* Reads path (a run directory, a summary.json or a baseline file). Returns
 * 0, or -errno / -EINVAL with a message in err that names the file and
 * what is wrong. */
int rundir_load(const char *path, struct rundir **out, char *err, size_t errlen);

/* destroy(NULL) is a no-op. */
void rundir_destroy(struct rundir *d);

/* An allocator's index, or -1. */
int rundir_alloc_index(const struct rundir *d, const char *name);
/* The root of allocator a: the name of what it is a variant of, else its
 * own name. */
const char *rundir_root_name(const struct rundir *d, int a);
/* Setting key of allocator a as text ("10000", "false"), NULL when it
 * reported none of that name. buf holds at least RUNDIR_VALUE_MAX bytes. */
const char *rundir_setting(const struct rundir *d, int a, const char *key, char *buf);
/* The group, or NULL. threads -1 matches cells without a thread count. */
const struct rundir_group *rundir_group(const struct rundir *d, const char *workload, int threads,
                                        int alloc);
const struct rundir_group *rundir_group_named(const struct rundir *d, const char *workload,
                                              int threads, const char *allocator);
/* The median of figure id in a group; NaN when n/a or there is no group. */
double rundir_median(const struct rundir *d, const char *workload, int threads, int alloc, int id);

/* The values of figure id over the ok repetitions of g, without n/a.
 * out has room for g->ncells. Returns how many. */
size_t rundir_values(const struct rundir *d, const struct rundir_group *g, int id, double *out);
/* Figure id over the reference allocator's, repetition by repetition: for
 * each ok rep of g whose reference cell (same workload, threads and rep
 * number) is ok too. out has room for g->ncells. Returns how many; 0 when
 * the reference did not run. */
size_t rundir_ref_ratios(const struct rundir *d, const struct rundir_group *g, int id, double *out);

/* The cell drawn in full for (workload, threads, allocator): the ok
 * repetition whose peak RSS is nearest the group's median, else any with a
 * series; NULL when there is none. */
const struct rundir_cell *rundir_representative(const struct rundir *d, const char *workload,
                                                int threads, int alloc);

/* "tile-cache, 4 threads", "tile-cache, 1 thread", or the name alone for a
 * real program. */
void rundir_block_label(const struct rundir_block *b, char *buf, size_t len);
/* "tile-cache-t4", or the name alone: the stem of a block's file names. */
void rundir_block_stem(const struct rundir_block *b, char *buf, size_t len);

/* qsort order of an array of group pointers: workload, threads, allocator
 * name (d's). Files written from groups use it, so they diff line by line
 * across runs whatever order the cells ran in. */
void rundir_sort_groups(const struct rundir *d, const struct rundir_group **groups, size_t n);

/* Reading (rundir_json.c): meta.json into d, and the cells of a summary
 * or baseline. Return 0, -ENOMEM or -EINVAL with err naming file and
 * field; within is the JSON path of meta ("" or "meta"). */
int rundir_read_meta(struct rundir *d, struct json_object *meta, const char *file,
                     const char *within, char *err, size_t errlen);
int rundir_read_cells(struct rundir *d, struct json_object *cells, const char *file, char *err,
                      size_t errlen);
/* The run's sweeps and --idle, and of each allocator of meta what it is a
 * variant of, its sweep values and settings (rundir_variants.c); after
 * the allocators are read. */
int rundir_read_variants(struct rundir *d, struct json_object *meta, const char *file,
                         const char *within, char *err, size_t errlen);

#endif
