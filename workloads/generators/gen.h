/* gen.h - what a generator is: its YAML keys, its checks and its code, in
 * one struct defined in one source file.
 *
 * A generator gen_NAME.c defines `const struct gen_def gen_NAME` (its key
 * table, the struct its parameters are parsed into, cross-key checks and
 * memory estimate, and the function its threads run), and
 * workloads/generators/meson.build lists NAME once. That list becomes the
 * table the loader, the worker and `wimm describe` read; nothing else
 * names a generator. A generator that reads a file rather than keys (a
 * trace replay) has a KEY_FILE key for it (a name beside the workload,
 * checked to stay inside its folder; workload_file_path gives the path),
 * reads its header in check (which may set the role's thread count and
 * memory estimate) and the rest in run.
 */
#ifndef WIMM_GEN_H
#define WIMM_GEN_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "common/scoreboard.h"
#include "common/ynode.h"
#include "workloads/keys.h"
#include "workloads/workload.h"

struct queue;

/* What one thread of a role sees while it runs. */
struct gen_ctx {
	const struct workload *w; /* its pool holds the distributions' parts */
	const struct phase *phase;
	const struct role *role;
	const void *params; /* role->params, as the generator's struct */
	int phase_index, role_index;
	int tid;        /* 0 .. nthreads - 1, within the role */
	int nthreads;   /* the role's threads, extra threads included */
	int generation; /* 0, then +1 for each thread that took over (engine_next_generation) */
	uint64_t seed;  /* the workload's seed */
	struct sb_slot *slot;
	struct scoreboard *sb;
	pthread_barrier_t *barrier;      /* every thread of the phase: engine_checkpoint only */
	pthread_barrier_t *role_barrier; /* the threads of this role */
	/* One pointer per role, NULL at its start, for state its threads share
	 * (the tile cache, handoff inboxes). Set it before role_barrier so the
	 * others see it after. */
	void **shared;
	struct queue **queues; /* the phase's, by the index a KEY_QUEUE key holds */
	void *state;           /* the generator's own, kept from one generation to the next */
};

/* What a generator's check sees while the file loads. */
struct gen_check {
	struct keys_ctx *k; /* document, workload, phase; k->what names the role */
	const struct ynode *map;
	struct role *role;
	void *params;
	int min_threads, max_threads; /* the fewest and most threads the role can run at */
	/* Out: the heap the whole role is expected to hold at its peak (mean
	 * and variance, in bytes) and how that was reckoned ("16384 blocks x
	 * 1.9 KiB mean x 4 threads"), for the phase's memory check. */
	double mean_bytes, var_bytes;
	char why[192];
};

enum gen_threads {
	GEN_THREADED,    /* a `threads:` key, else the axis */
	GEN_ONE_THREAD,  /* always one thread of its own (prefill) */
	GEN_MAIN_THREAD, /* the worker's main thread, alone in its phase (idle, free-all) */
};

struct gen_def {
	const char *name;    /* as written in YAML */
	const char *summary; /* one line */
	const char *doc;     /* what it mimics, what its threads do */
	const struct key_def *keys;
	size_t params_size;
	enum workload_phase_kind kind;
	enum gen_threads threads;
	int min_threads;   /* GEN_THREADED: the fewest it runs at (0 or 1) */
	int extra_threads; /* started besides the role's count (the tile cache's detection) */
	/* Cross-key rules and the memory estimate; NULL: the keys say it all
	 * and the role holds nothing worth checking. 0 or -EINVAL. */
	int (*check)(struct gen_check *c);
	/* Besides the keys' own scale flags (the tile cache's image area). */
	void (*scale)(void *params, double scale, double time_scale);
	uint64_t (*budget)(const void *params); /* a declared memory budget, or 0 */
	uint64_t (*leak)(const void *params);   /* bytes leaked per progress step, or 0 */
	/* Runs one thread of the role; returns 0 or -errno (message in
	 * ctx->sb->error), or GEN_HANDED_OVER after engine_next_generation. */
	int (*run)(struct gen_ctx *ctx);
};

#define GEN_HANDED_OVER 1

/* The table: every generator meson.build lists, in its order. */
const struct gen_def *gen_find(const char *name);
const struct gen_def *const *gen_all(size_t *n);

/* Writes "FILE:L:C: WHAT: message" at key's node (the role's mapping
 * when the key is absent) and returns -EINVAL. */
int gen_check_fail(struct gen_check *c, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Adds a window of `blocks` blocks drawn from d per thread, over
 * `threads` threads, to c's estimate (mean and variance of their sum). */
void gen_check_window(struct gen_check *c, const struct dist *d, double blocks, int threads);

/* The keys that bound a loop: a count (named `ops`, or `iterations`...),
 * or a duration, and an optional rate; type's `member` is a struct bound. */
/* clang-format off */
#define GEN_BOUND_KEYS(type, member, count_name, count_help)                                   \
	{count_name, KEY_COUNT, KEY_BOUND | KEY_SCALE_WORK, offsetof(type, member.ops), 1, 1e12,  \
	 NULL, NULL, count_help, NULL},                                                           \
	{"duration", KEY_DURATION, KEY_BOUND | KEY_SCALE_WORK, offsetof(type, member.duration_s), \
	 1e-3, 24 * 3600.0, NULL, NULL,                                                           \
	 "run for this long instead (operations then depend on the allocator's speed)", NULL},    \
	{"rate", KEY_RATE, 0, offsetof(type, member.rate), 1e-3, 1e10, NULL, NULL,                \
	 "at most this many operations a second per thread, sleeping in between", NULL}
/* clang-format on */

#endif
