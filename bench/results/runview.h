/* runview.h - a finished (or interrupted) run read back from its directory
 * (meta.json and summary.json) for the figures and the report.
 *
 * Everything the plots and the report say comes from these files, never
 * from the driver's memory, so `wimm plot RUN_DIR` a year later draws what
 * the run drew. n/a stays n/a: a missing or null figure is NaN, never 0.
 * (rundata.h reads the same files for `wimm compare`, keeping every
 * repetition's figures; this view keeps what a picture needs instead:
 * phases, series files, colours and the run's context.)
 */
#ifndef WIMM_RUNVIEW_H
#define WIMM_RUNVIEW_H

#include <stddef.h>

#define RUNVIEW_NAME_MAX 48
#define RUNVIEW_MAX_PHASES 32

/* The per-group figures used, each aggregated over repetitions in
 * summary.json ("groups": median, min, max): X(ID, key). */
#define RUNVIEW_METRICS(X)                                                                         \
	X(PEAK_RSS, peak_rss_bytes)                                                                \
	X(PEAK_HEAP, peak_heap_bytes)                                                              \
	X(BLOWUP, blowup)                                                                          \
	X(OVER_BUDGET, peak_rss_over_budget)                                                       \
	X(WORK_END_RATIO, work_end_rss_over_heap)                                                  \
	X(IDLE_END_RSS, idle_end_rss_bytes)                                                        \
	X(IDLE_OVER_PEAK, idle_end_over_peak)                                                      \
	X(WALL, wall_s)                                                                            \
	X(ARENAS, arenas)                                                                          \
	X(SYSTEM_OVER_IN_USE, work_end_system_over_in_use)                                         \
	X(LEAK_HEAP, leak_heap_per_iter_bytes)                                                     \
	X(LEAK_RSS, leak_rss_per_iter_bytes)                                                       \
	X(LEAK_R2, leak_rss_r2)

#define RUNVIEW_ENUM_(id, key) RUNVIEW_##id,
enum runview_metric { RUNVIEW_METRICS(RUNVIEW_ENUM_) RUNVIEW_NMETRICS };
#undef RUNVIEW_ENUM_

struct runview_stat {
	double median, min, max; /* NaN: n/a */
};

struct runview_alloc {
	char name[RUNVIEW_NAME_MAX];
	char version[64];
	char library[512]; /* as written in its file; "" = the system allocator */
	char env[512];     /* its tunables, "A=1 B=2" */
	char note[256];
	char colour[8]; /* "#rrggbb": meta.json, else its YAML file, else the
	                 * shipped one of that name, else a free one */
	int style;      /* its position in the run: picks its dash and point type */
};

struct runview_phase {
	char name[RUNVIEW_NAME_MAX];
	int samples;
	double start_s, end_s; /* NaN when the phase had no sample */
};

struct runview_cell {
	char workload[RUNVIEW_NAME_MAX];
	int threads; /* -1: a real program, threads do not apply */
	int alloc;   /* index into runview.allocs */
	int rep;
	int ok;
	char reason[256];
	char series[256];                    /* relative to the run directory; "" = none */
	double peak_rss_bytes, budget_bytes; /* NaN: n/a */
	int nphases;
	struct runview_phase phases[RUNVIEW_MAX_PHASES];
};

struct runview_group {
	char workload[RUNVIEW_NAME_MAX];
	int threads;
	int alloc;
	int reps_ok, reps_failed;
	double budget_bytes; /* NaN: the workload declares none */
	struct runview_stat m[RUNVIEW_NMETRICS];
};

/* A workload at one thread count: one memory figure, one table. */
struct runview_block {
	char workload[RUNVIEW_NAME_MAX];
	int threads;
};

struct runview_workload {
	char name[RUNVIEW_NAME_MAX];
	char description[2048];
};

struct runview {
	char dir[4096];
	char run_id[64], started_utc[32], wimm_version[32], testbed[128];
	char command_line[1024];
	char host[768]; /* one line: host, CPUs, memory, kernel, glibc, THP */
	char env_removed[256];
	int reps;
	double interval_s;
	unsigned long long seed;
	int complete, cells_not_run; /* cells_not_run -1: unknown */
	int failed_cells;
	int is_exec;                  /* `wimm exec`: no cell has a thread count */
	struct runview_alloc *allocs; /* meta.json order, then any only in cells */
	int nallocs;
	int ref; /* the reference allocator: glibc, else the first */
	struct runview_workload *workloads;
	int nworkloads;
	struct runview_cell *cells;
	size_t ncells;
	struct runview_group *groups;
	size_t ngroups;
	struct runview_block *blocks; /* workloads in run order, threads ascending */
	size_t nblocks;
};

/* Reads DIR/meta.json and DIR/summary.json. Returns 0, -ENOENT when DIR is
 * not a run directory, -EINVAL when a file is not what wimm writes (err says
 * which and why), -ENOMEM. On failure rv holds nothing to free. */
int runview_load(const char *dir, struct runview *rv, char *err, size_t errlen);
void runview_finish(struct runview *rv);

/* Gives each allocator with an empty colour one far from every other's,
 * and each its style by position. Used by the loader and by the history
 * plots (which have no meta.json). */
void runview_style(struct runview_alloc *a, int n);

/* The summary.json key of a metric. */
const char *runview_metric_key(enum runview_metric m);

/* The median of metric m for (workload, threads, allocator); NaN when n/a. */
double runview_median(const struct runview *rv, const char *workload, int threads, int alloc,
                      enum runview_metric m);
const struct runview_group *runview_group(const struct runview *rv, const char *workload,
                                          int threads, int alloc);

/* The cell drawn in full for (workload, threads, allocator): the ok
 * repetition whose peak RSS is nearest the group's median, else any with a
 * series; NULL when there is none. */
const struct runview_cell *runview_representative(const struct runview *rv, const char *workload,
                                                  int threads, int alloc);

/* "tile-cache, 4 threads", "tile-cache, 1 thread", or the name alone for a
 * real program. */
void runview_block_label(const struct runview_block *b, char *buf, size_t len);
/* "tile-cache-t4", or the name alone: the stem of a block's file names. */
void runview_block_stem(const struct runview_block *b, char *buf, size_t len);

#endif
