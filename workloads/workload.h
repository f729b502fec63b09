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
	GEN_CHURN,      /* per-thread ring of live blocks, replaced one by one */
	GEN_IDLE,       /* nothing allocates; sampling goes on */
	GEN_TILE_CACHE, /* SExtractor: image read through an LRU tile cache */
	GEN_GROW,       /* git-cinnabar: buffers that grow (and shrink) over the run */
	GEN_STAMPS,     /* per-thread short-lived blocks, some freed by another thread */
	GEN_LEAK,       /* churn that never frees a set number of bytes per iteration */
	GEN_FREE_ALL,   /* frees every block earlier phases kept alive */
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
	uint64_t ops;  /* frees+mallocs per thread (one op = one replace) */
	uint64_t live; /* blocks in each thread's live window */
	struct size_dist sizes;
};

struct idle_params {
	double duration_s;
};

/* One detection thread scans the image tile row by tile row, loading tiles
 * through a shared LRU cache of `budget` bytes and detecting sources; the
 * phase's threads are measurement threads that take sources from an
 * unbounded queue, load the tiles they need themselves (evicting by the
 * same budget), cut a stamp, work on it, and free it. 0 measurement
 * threads: detection measures inline. */
struct tile_cache_params {
	uint64_t width, height;   /* image size in pixels (4-byte floats) */
	uint64_t tile;            /* tile side in pixels */
	uint64_t budget;          /* cache limit in bytes */
	uint64_t sources;         /* sources detected per tile */
	struct size_dist objects; /* per-source object, kept until measured */
	struct size_dist stamps;  /* stamp cut out of a tile */
	uint64_t work;            /* passes over each stamp: makes measurement lag */
	bool keep;                /* leave the cache alive for a free-all phase */
};

/* Manifest-like buffers: each iteration allocates a buffer whose size grows
 * geometrically from `from` to `to` with +-jitter (so sizes go up and down),
 * fills it, and frees the previous one (copy: the previous is alive while the
 * next fills); plus long-lived small blocks and short-lived temporaries. */
struct grow_params {
	uint64_t iterations;
	uint64_t from, to;
	double jitter; /* fraction, 0 .. 0.9 */
	bool copy;
	uint64_t keep_per_iter; /* long-lived small blocks per iteration */
	struct size_dist keep_sizes;
	uint64_t temps_per_iter; /* temporaries per iteration */
	struct size_dist temp_sizes;
};

/* Churn where a `handoff` fraction of the blocks is freed by another thread
 * (producer/consumer). */
struct stamps_params {
	uint64_t ops, live;
	struct size_dist sizes;
	double handoff; /* 0 .. 1 */
};

/* Churn that keeps `leak` bytes per iteration and never frees them (until
 * a free-all phase). */
struct leak_params {
	uint64_t iterations;
	uint64_t leak; /* bytes kept per iteration */
	struct size_dist leak_sizes;
	uint64_t ops_per_iter; /* churn replacements per iteration */
	uint64_t live;
	struct size_dist sizes;
};

struct phase {
	char name[WORKLOAD_NAME_MAX];
	enum generator gen;
	int threads; /* 0 = the cell's thread count from the axis */
	union {
		struct churn_params churn;
		struct idle_params idle;
		struct tile_cache_params tile;
		struct grow_params grow;
		struct stamps_params stamps;
		struct leak_params leak;
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

/* Whether every phase of w can run at `threads` from the axis (a thread
 * override on the command line is checked against the same rules as the
 * file's axis). Returns 0 or -EINVAL with a message in err. */
int workload_check_threads(const struct workload *w, int threads, char *err, size_t errlen);

/* Name of a generator as written in YAML ("churn", "idle"). */
const char *workload_generator_name(enum generator gen);

/* Applies --scale (work: operation counts, iterations; the tile cache's
 * image area and budget) and the idle time scale, in place. The worker and
 * the driver both call it, so they agree on budgets and counts. */
void workload_scale(struct workload *w, double scale, double time_scale);

/* Sets the length of every idle phase to seconds (wimm run --idle), after
 * workload_scale: the driver and the worker both call it. Returns the
 * number of idle phases. */
int workload_set_idle(struct workload *w, double seconds);

/* Seconds the workload's idle phases last together. */
double workload_idle_seconds(const struct workload *w);

/* The largest memory budget a phase declares (the tile cache's), or 0. */
uint64_t workload_budget(const struct workload *w);

#endif
