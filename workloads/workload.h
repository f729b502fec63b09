/* workload.h - a workload as loaded from its YAML file: plain data.
 *
 * A workload is a named list of phases run one after the other by the
 * worker. A phase runs one or more roles at the same time; a role is a
 * group of threads running one generator (C code, workloads/generators/)
 * with its parameters (data), and roles may be connected by queues that
 * carry blocks from one to another. A phase written with `generator:` is a
 * phase of one role with the phase's name.
 *
 * The thread axis lists the thread counts the driver runs a workload at; a
 * role with threads == 0 runs at the axis value of the cell. Fixed-size
 * arrays keep the record copyable and malloc-free in the worker: the
 * variable-length data (size classes, histograms) lives in the workload's
 * own pool, addressed by index, so a copy of the struct is a whole copy.
 */
#ifndef WIMM_WORKLOAD_H
#define WIMM_WORKLOAD_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/limits.h"

#define WORKLOAD_MAX_PHASES WIMM_MAX_PHASES
#define WORKLOAD_MAX_AXIS 16
#define WORKLOAD_MAX_THREADS WIMM_MAX_THREADS /* scoreboard slots: all roles of a phase */
#define WORKLOAD_MAX_ROLES 8                  /* roles in one phase */
#define WORKLOAD_MAX_QUEUES 8                 /* queues in one phase */
#define WORKLOAD_PARAMS_MAX 512               /* bytes of one role's generator parameters */
/* Parts of all the distributions of a workload together: one per size
 * class, shape or histogram line. Bounds the struct (48 bytes a part),
 * not any one list: a histogram may use all of it. */
#define WORKLOAD_POOL_PARTS 16384
#define WORKLOAD_NAME_MAX WIMM_NAME_MAX
#define WORKLOAD_DESC_MAX 2048

struct gen_def; /* workloads/generators/gen.h */

/* One part of a distribution of integers (sizes in bytes, lifetimes in
 * operations): a class drawn uniformly, or a shape over [lo, hi]. */
enum dist_shape {
	DIST_UNIFORM,     /* every integer of [lo, hi] alike */
	DIST_POWER,       /* density ~ x^k, k = param: inverse-square is -2, log-uniform -1 */
	DIST_EXPONENTIAL, /* lo + an exponential of mean param, cut at hi */
};

struct dist_part {
	uint64_t lo, hi; /* inclusive */
	double cum;      /* sum of the weights up to and including this part */
	double a, b;     /* precomputed for the shape's inverse CDF (see dist.h) */
	float param;
	uint32_t shape;
};

/* A weighted mixture of parts: pool[first .. first + n). n == 0: absent. */
struct dist {
	uint32_t first, n;
	double total;    /* sum of the weights */
	double mean, sd; /* of one draw, for memory estimates and messages */
	uint64_t lo, hi; /* smallest and largest possible draw */
};

/* How much of a block is written, and how often. */
enum touch_mode {
	TOUCH_FULL,     /* every byte */
	TOUCH_NONE,     /* nothing: only what the allocator itself writes */
	TOUCH_BYTES,    /* the first `bytes` ("first" is 1) */
	TOUCH_FRACTION, /* the first `fraction` of the block, at least one byte */
};

struct touch {
	uint32_t mode;
	uint32_t passes;  /* writes of the touched part at allocation, >= 1 */
	uint64_t bytes;   /* TOUCH_BYTES */
	double fraction;  /* TOUCH_FRACTION */
	uint64_t revisit; /* live blocks rewritten per operation (window generators) */
};

/* Which call makes a block; a weighted mix. */
enum call {
	CALL_MALLOC,
	CALL_CALLOC,
	CALL_REALLOC, /* resizes a live block instead of replacing it */
	CALL_ALIGNED_ALLOC,
	CALL_POSIX_MEMALIGN,
	CALL_N,
};

struct calls {
	double cum[CALL_N]; /* cumulative weights, in enum order */
	double total;
	uint64_t alignment; /* for aligned_alloc and posix_memalign */
	bool only_malloc;   /* the default: no draw at all */
};

/* How long a looping generator runs: a count of its operations, or a
 * duration; and optionally at most `rate` operations a second. */
struct bound {
	uint64_t ops;      /* 0 when bounded by time */
	double duration_s; /* 0 when bounded by operations */
	double rate;       /* per thread and second; 0 = as fast as it goes */
};

enum queue_order { QUEUE_FIFO, QUEUE_LIFO };

/* A queue between the roles of a phase: batches of blocks. */
struct queue_def {
	char name[WORKLOAD_NAME_MAX];
	uint64_t capacity; /* batches it holds before producers wait; 0 = unbounded */
	uint64_t batch;    /* blocks per batch */
	int order;         /* enum queue_order: which batch a consumer gets */
	bool carrier;      /* each batch travels in a malloc'd array of its pointers */
};

/* A group of threads running one generator. */
struct role {
	char name[WORKLOAD_NAME_MAX];
	const struct gen_def *gen;
	int threads;                 /* fixed count; 0 = the cell's count from the axis */
	int min_threads;             /* the fewest the role can run at */
	const char *min_threads_why; /* the reason, when above the generator's own */
	_Alignas(16) unsigned char params[WORKLOAD_PARAMS_MAX]; /* the generator's */
};

struct phase {
	char name[WORKLOAD_NAME_MAX];
	int nroles, nqueues;
	struct role roles[WORKLOAD_MAX_ROLES];
	struct queue_def queues[WORKLOAD_MAX_QUEUES];
};

struct workload {
	char name[WORKLOAD_NAME_MAX];
	char description[WORKLOAD_DESC_MAX];
	char path[PATH_MAX]; /* file it was loaded from */
	uint64_t seed;
	int naxis;
	int axis[WORKLOAD_MAX_AXIS]; /* thread counts, in file order */
	int nphases;
	struct phase phases[WORKLOAD_MAX_PHASES];
	double timeout_s; /* per-cell timeout; 0 = the driver's default */
	uint32_t npool;   /* parts of pool in use; the loader touches no more */
	struct dist_part pool[WORKLOAD_POOL_PARTS];
};

/* Loads and strictly validates a workload file. Returns 0, or -EINVAL with
 * a message "FILE:LINE:COL: what was wrong; what is expected" in err
 * (-errno when the file cannot be read). Nothing is partially filled in a
 * way callers may use on failure. */
int workload_load(const char *path, struct workload *out, char *err, size_t errlen);

/* Whether every phase of w can run at `threads` from the axis (a thread
 * override on the command line is checked against the same rules as the
 * file's axis). Returns 0 or -EINVAL with a message in err. */
int workload_check_threads(const struct workload *w, int threads, char *err, size_t errlen);

/* Applies --scale (work: operation counts, iterations, durations of work;
 * the tile cache's image area and budget) and the idle time scale, in
 * place. The worker and the driver both call it, so they agree on budgets
 * and counts. */
void workload_scale(struct workload *w, double scale, double time_scale);

/* Sets the length of every idle phase to seconds (wimm run --idle), after
 * workload_scale: the driver and the worker both call it. Returns the
 * number of idle phases. */
int workload_set_idle(struct workload *w, double seconds);

/* Seconds the workload's idle phases last together. */
double workload_idle_seconds(const struct workload *w);

/* The largest memory budget a phase declares (the tile cache's), or 0. */
uint64_t workload_budget(const struct workload *w);

/* What a phase is, for the figures: work, an idle tail, or the teardown. */
enum workload_phase_kind { WORKLOAD_PHASE_WORK, WORKLOAD_PHASE_IDLE, WORKLOAD_PHASE_FREE_ALL };
enum workload_phase_kind workload_phase_kind(const struct phase *p);

/* Bytes a phase leaks per unit of progress (a leak generator's iteration),
 * or 0 for a phase that leaks nothing on purpose. */
uint64_t workload_phase_leak(const struct phase *p);

/* The path of a file a workload names (a KEY_FILE value: relative to the
 * workload's folder) into out; truncated when out is too short. */
void workload_file_path(const struct workload *w, const char *rel, char *out, size_t len);

/* The generator's name as written in YAML ("churn"). */
const char *workload_role_generator(const struct role *r);

/* A role's parameter by its YAML key, through the generator's key table
 * (for tests and tools; generators read their own struct). 0 and the
 * value, or -ENOENT when the generator has no such key of that type. */
int workload_param_u64(const struct role *r, const char *key, uint64_t *out);
int workload_param_real(const struct role *r, const char *key, double *out);
int workload_param_bool(const struct role *r, const char *key, bool *out);
int workload_param_int(const struct role *r, const char *key, int *out); /* choices, queues */
const struct dist *workload_param_dist(const struct role *r, const char *key);
const struct touch *workload_param_touch(const struct role *r, const char *key);
const struct calls *workload_param_calls(const struct role *r, const char *key);

#endif
