/* rundata.h - the figures of one run that regression tracking works with,
 * read back from disk: per (workload, threads, allocator) group, every
 * repetition's peak RSS, peak heap, RSS / heap, RSS at the end of idle,
 * wall time and operation count, and the run's context (testbed, CPUs,
 * kernel, allocator versions) from meta.json.
 *
 * Three sources read the same way (rundata_load):
 *   - a run directory (summary.json and meta.json in it),
 *   - a summary.json (its meta.json is looked for beside it),
 *   - a baseline file (results/baseline/<testbed>.json, baseline.h), which
 *     carries its context and trimmed cells.
 * Figures are read from the cells, not from the summary's aggregates: the
 * time test needs every repetition, and a baseline keeps only cells.
 */
#ifndef WIMM_RUNDATA_H
#define WIMM_RUNDATA_H

#include <stddef.h>

struct json_object;

/* The per-cell figures read back: X(ID, summary.json key, what it may be:
 * enum jsonr_range). */
#define RUNDATA_METRICS(X)                                                                         \
	X(PEAK_RSS, peak_rss_bytes, JSONR_WHOLE)                                                   \
	X(PEAK_HEAP, peak_heap_bytes, JSONR_WHOLE)                                                 \
	X(BLOWUP, blowup, JSONR_NONNEG)                                                            \
	X(IDLE_RSS, idle_end_rss_bytes, JSONR_WHOLE)                                               \
	X(WALL, wall_s, JSONR_NONNEG)                                                              \
	X(OPS, ops, JSONR_WHOLE)

#define RUNDATA_ENUM_(id, key, range) RUNDATA_##id,
enum rundata_metric { RUNDATA_METRICS(RUNDATA_ENUM_) RUNDATA_NMETRICS };
#undef RUNDATA_ENUM_

/* Key names of the metrics, indexed by enum rundata_metric. */
extern const char *const rundata_metric_keys[RUNDATA_NMETRICS];

#define RUNDATA_NAME_MAX 48

struct rundata_rep {
	int rep;
	int ok;                     /* status "ok" */
	double v[RUNDATA_NMETRICS]; /* NaN = n/a */
};

struct rundata_group {
	char workload[RUNDATA_NAME_MAX];
	int threads; /* -1 when the cells have none (wimm exec) */
	char allocator[RUNDATA_NAME_MAX];
	char allocator_version[64]; /* from the cells, "" if none said */
	struct rundata_rep *reps;   /* in rep order */
	size_t nreps;
	int reps_ok, reps_failed;
};

struct rundata_alloc {
	char name[RUNDATA_NAME_MAX];
	char version[64]; /* "" when unknown */
};

struct rundata {
	char source[4096]; /* the path as given */
	const char *kind;  /* "run", "summary" or "baseline" */
	int has_meta;      /* 0: a summary.json without meta.json beside it */
	char run_id[64], started_utc[64], wimm_version[32], testbed[128];
	char machine[72], kernel_release[128];
	long cpus_online, cpus_allowed; /* -1 unknown */
	double scale;                   /* NaN unknown */
	int reps;                       /* -r of the run, -1 unknown */
	int complete;                   /* summary's "complete" (baselines: 1) */
	struct rundata_alloc *allocs;
	size_t nallocs;
	struct rundata_group *groups; /* in the order first seen */
	size_t ngroups;
	struct json_object *meta; /* meta.json as read, or NULL */
};

/* Reads path (a run directory, a summary.json or a baseline file). Returns
 * 0, or -errno / -EINVAL with a message in err that names the file and
 * what is wrong ("not a wimm summary: no \"cells\" array"). */
int rundata_load(const char *path, struct rundata **out, char *err, size_t errlen);

/* destroy(NULL) is a no-op. */
void rundata_destroy(struct rundata *d);

/* The group, or NULL. threads -1 matches cells without a thread count. */
const struct rundata_group *rundata_find(const struct rundata *d, const char *workload, int threads,
                                         const char *allocator);

/* The version meta.json records for an allocator, or NULL when unknown. */
const char *rundata_alloc_version(const struct rundata *d, const char *allocator);

/* Median of a metric over the repetitions that succeeded; NaN when none
 * has a value. */
double rundata_median(const struct rundata_group *g, enum rundata_metric m);

/* Wall time over glibc's in the same run, repetition by repetition: for each
 * rep of g that succeeded and whose glibc cell (same workload and threads,
 * same rep number) also did, wall_s / glibc's wall_s. Writes at most
 * g->nreps values to out and returns how many; 0 when glibc did not run. */
size_t rundata_time_ratios(const struct rundata *d, const struct rundata_group *g, double *out);

/* The reference allocator of time ratios. */
#define RUNDATA_TIME_REFERENCE "glibc"

/* qsort order of an array of group pointers: workload, threads, allocator.
 * Files written from groups use it, so they diff line by line across runs
 * whatever order the cells ran in. */
int rundata_group_cmp(const void *a, const void *b);

#endif
