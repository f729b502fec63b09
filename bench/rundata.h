/* rundata.h - a run's figures read back from disk: a run directory, a
 * summary.json or a baseline file, grouped by workload x threads x
 * allocator with every repetition kept.
 *
 * NOTE (plots/report developer): this header was overwritten by mistake at
 * 01:01 by a concurrent edit and RECONSTRUCTED from rundata.c; the struct
 * layouts and function signatures follow rundata.c exactly, but the metric
 * list (RUNDATA_METRICS) and RUNDATA_TIME_REFERENCE are a guess: please
 * check them against your original and delete this note.
 */
#ifndef WIMM_RUNDATA_H
#define WIMM_RUNDATA_H

#include <limits.h>
#include <stddef.h>

struct json_object;

#define RUNDATA_NAME_MAX 48

/* The reference allocator time ratios are taken against. */
#define RUNDATA_TIME_REFERENCE "glibc"

/* The metrics kept per repetition: X(ID, summary.json key). */
#define RUNDATA_METRICS(X)                                                            \
	X(PEAK_RSS, peak_rss_bytes)                                                   \
	X(PEAK_HEAP, peak_heap_bytes)                                                 \
	X(BLOWUP, blowup)                                                             \
	X(OVER_BUDGET, peak_rss_over_budget)                                          \
	X(WORK_END, work_end_rss_over_heap)                                           \
	X(IDLE_END, idle_end_rss_bytes)                                               \
	X(WALL, wall_s)                                                               \
	X(ARENAS, arenas)

#define RUNDATA_ENUM_(id, key) RUNDATA_##id,
enum rundata_metric { RUNDATA_METRICS(RUNDATA_ENUM_) RUNDATA_NMETRICS };
#undef RUNDATA_ENUM_

/* The summary.json key of each metric. */
extern const char *const rundata_metric_keys[RUNDATA_NMETRICS];

/* One repetition: its number, whether it succeeded, its figures (NaN n/a). */
struct rundata_rep {
	int rep;
	int ok;
	double v[RUNDATA_NMETRICS];
};

struct rundata_group {
	char workload[RUNDATA_NAME_MAX];
	char allocator[RUNDATA_NAME_MAX];
	int threads; /* -1: a real program */
	char allocator_version[64];
	struct rundata_rep *reps; /* sorted by rep */
	size_t nreps;
	int reps_ok, reps_failed;
};

struct rundata_alloc {
	char name[RUNDATA_NAME_MAX];
	char version[64];
};

struct rundata {
	char source[PATH_MAX]; /* the path given */
	const char *kind;      /* "run", "summary" or "baseline" */
	struct json_object *meta; /* meta.json (or a baseline's "meta"), or NULL */
	int has_meta;
	char run_id[64], started_utc[32], wimm_version[32], testbed[128];
	char machine[72], kernel_release[128];
	long cpus_online, cpus_allowed; /* -1: unknown */
	double scale;                   /* NaN: unknown */
	int reps;                       /* -1: unknown */
	int complete;
	struct rundata_alloc *allocs;
	size_t nallocs;
	struct rundata_group *groups;
	size_t ngroups;
};

/* Reads a run directory, a summary.json (with its meta.json beside it when
 * there is one) or a baseline file. Returns 0, or -errno / -EINVAL with the
 * reason in err. Free with rundata_destroy(). */
int rundata_load(const char *path, struct rundata **out, char *err, size_t errlen);

/* destroy(NULL) is a no-op. */
void rundata_destroy(struct rundata *d);

/* The group of (workload, threads, allocator), or NULL. */
const struct rundata_group *rundata_find(const struct rundata *d, const char *workload,
					 int threads, const char *allocator);

/* The version meta.json records for an allocator, or NULL. */
const char *rundata_alloc_version(const struct rundata *d, const char *allocator);

/* Median of metric m over the group's ok repetitions; NaN when none. */
double rundata_median(const struct rundata_group *g, enum rundata_metric m);

/* Wall time of each ok repetition of g over the same repetition of the
 * reference allocator (RUNDATA_TIME_REFERENCE) at the same workload and
 * threads; out has room for g->nreps. Returns how many were written. */
size_t rundata_time_ratios(const struct rundata *d, const struct rundata_group *g, double *out);

#endif
