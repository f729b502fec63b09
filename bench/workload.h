/* workload.h - a workload as loaded from its YAML file: plain data.
 *
 * A workload is a named list of phases run one after the other by the
 * worker; each phase runs one generator (C code) with parameters (data).
 * The thread axis lists the thread counts the driver runs it at; a phase
 * with threads == 0 uses the axis value of the cell being run.
 * Fixed-size arrays keep the record copyable and malloc-free in the worker.
 */
#ifndef WIMM_WORKLOAD_H
#define WIMM_WORKLOAD_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WORKLOAD_MAX_PHASES 16
#define WORKLOAD_MAX_AXIS 16
#define WORKLOAD_MAX_THREADS 64 /* scoreboard slots */
#define WORKLOAD_MAX_SIZE_CLASSES 16
#define WORKLOAD_NAME_MAX 48
#define WORKLOAD_DESC_MAX 2048

enum generator {
	GEN_CHURN, /* per-thread ring of live blocks, replaced one by one */
	GEN_IDLE,  /* nothing allocates; sampling goes on */
};

/* Block sizes drawn uniformly in [min, max] from a class picked by weight. */
struct size_class {
	uint64_t min, max;
	double weight;
};

struct size_dist {
	int n;
	struct size_class classes[WORKLOAD_MAX_SIZE_CLASSES];
};

struct churn_params {
	uint64_t ops;           /* frees+mallocs per thread (one op = one replace) */
	uint64_t live;          /* blocks in each thread's live window */
	struct size_dist sizes;
};

struct idle_params {
	double duration_s;
};

struct phase {
	char name[WORKLOAD_NAME_MAX];
	enum generator gen;
	int threads; /* 0 = the cell's thread count from the axis */
	union {
		struct churn_params churn;
		struct idle_params idle;
	} u;
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
};

/* Loads and strictly validates a workload file. Returns 0, or -EINVAL with
 * a message "FILE:LINE:COL: what was wrong; what is expected" in err
 * (-errno when the file cannot be read). Nothing is partially filled in a
 * way callers may use on failure. */
int workload_load(const char *path, struct workload *out, char *err, size_t errlen);

/* Name of a generator as written in YAML ("churn", "idle"). */
const char *workload_generator_name(enum generator gen);

#endif
