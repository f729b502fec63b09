/* keys.h - the tables of YAML keys: one entry per key says its type, range,
 * default, whether it is required, how --scale changes it, where it is
 * stored and what it means.
 *
 * The loader parses every mapping of a workload through these tables, and
 * `wimm help workloads` / `wimm describe` print the same tables, so the
 * reference cannot drift from what the parser accepts. A generator's
 * parameters are one table in its own source file (see generators/gen.h).
 */
#ifndef WIMM_KEYS_H
#define WIMM_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/ynode.h"
#include "workloads/workload.h"

enum key_type {
	KEY_COUNT,     /* uint64_t: "16384", "16K", "5M" */
	KEY_SIZE,      /* uint64_t bytes: "256 KiB" */
	KEY_DURATION,  /* double seconds: "20 ms" (a unit is required) */
	KEY_REAL,      /* double */
	KEY_INT,       /* int */
	KEY_BOOL,      /* bool */
	KEY_CHOICE,    /* int: index into choices */
	KEY_RATE,      /* double per second: "100K/s" */
	KEY_SIZES,     /* struct dist of sizes in bytes */
	KEY_LIFETIMES, /* struct dist of lifetimes in operations */
	KEY_TOUCH,     /* struct touch */
	KEY_CALLS,     /* struct calls */
	KEY_QUEUE,     /* int: index of a queue of the phase, -1 when absent */
	KEY_NAME,      /* char[WORKLOAD_NAME_MAX]: letters, digits, . _ - */
	KEY_TEXT,      /* char[size] where size is max */
	KEY_FILE,      /* char[KEYS_FILE_MAX]: a file beside the workload (workload_file_path) */
	KEY_CUSTOM,    /* parsed by the table's owner; the table documents it */
};

enum key_flag {
	KEY_REQUIRED = 1 << 0,
	KEY_BOUND = 1 << 1,      /* one of the table's KEY_BOUND keys is required, not two */
	KEY_SCALE_WORK = 1 << 2, /* multiplied by --scale (counts and durations of work) */
	KEY_SCALE_IDLE = 1 << 3, /* multiplied by the idle time scale (--quick) */
	KEY_PUSH = 1 << 4,       /* KEY_QUEUE: the role puts blocks into it */
	KEY_POP = 1 << 5,        /* KEY_QUEUE: the role takes batches from it and frees them */
	KEY_FILL = 1 << 6,       /* KEY_QUEUE: the role takes its first blocks from it */
	KEY_DEMAND = 1 << 7,     /* KEY_QUEUE + KEY_PUSH: pushes what KEY_FILL roles ask for */
	KEY_WINDOW = 1 << 8,     /* KEY_TOUCH, KEY_CALLS: the role keeps a window of live blocks, so
	                          * touch `revisit` and the `realloc` call apply */
};

struct key_def {
	const char *name;
	enum key_type type;
	unsigned flags;
	size_t offset;
	double min, max;            /* numbers: inclusive range; KEY_TEXT: max is the size */
	const char *def;            /* the default as written in YAML; NULL: none */
	const char *const *choices; /* KEY_CHOICE: names, NULL-terminated */
	const char *help;           /* one line: what it means */
	const char *syntax;         /* KEY_CUSTOM: how it is written */
};

/* Where a table is being parsed: the document, the workload (its pool and
 * path), the phase (its queues, for KEY_QUEUE) and how to name the mapping
 * in messages ("phase 'work'", "role 'producer' of phase 'work'"). */
struct keys_ctx {
	struct ynode_doc *d;
	struct workload *w;
	const struct phase *phase;
	const char *what;
};

/* Refuses keys of map that are neither in `common` (NULL-terminated, may
 * be NULL) nor in keys, and missing required ones (common_required, then
 * the table's KEY_REQUIRED, then one KEY_BOUND key). 0 or -EINVAL. */
int keys_check(struct keys_ctx *c, const struct ynode *map, const char *const *common,
               const char *const *common_required, const struct key_def *keys);

/* Sets every key of the table to its default, then reads those map has
 * into base + offset. KEY_CUSTOM keys are left to the caller. 0 or -EINVAL
 * with the message in the document's error buffer. */
int keys_parse(struct keys_ctx *c, const struct ynode *map, const struct key_def *keys, void *base);

/* The entry for name, or NULL. */
const struct key_def *keys_find(const struct key_def *keys, const char *name);

/* A count times f, rounded, at least 1 unless it was 0: how a count
 * scales. */
uint64_t keys_times(uint64_t v, double f);

/* Multiplies what the flags say by scale and time_scale, in place. */
void keys_scale(const struct key_def *keys, void *base, double scale, double time_scale);

/* For help and messages: the type as a user writes it ("size", "count",
 * "fifo | lifo | random"), and the range ("1 B .. 1.0 GiB"; "" when none). */
const char *keys_syntax(const struct key_def *k, char *buf, size_t len);
const char *keys_range(const struct key_def *k, char *buf, size_t len);

/* Prints the table as aligned text: key, type, range, default or
 * "required", and the help line. */
void keys_print(FILE *f, const struct key_def *keys, const char *indent);

/* Value parsers the tables use, also for custom keys: each reads node n
 * (the value of `key`) into out. 0 or -EINVAL. */
/* A file a workload names (a histogram, a trace): relative to the
 * workload's folder and inside it (no absolute path, no ".."), so a shared
 * workload cannot make wimm read what it likes. Into out[KEYS_FILE_MAX]. */
#define KEYS_FILE_MAX 256
int keys_parse_file(struct keys_ctx *c, const struct ynode *n, const char *key, char *out);

int keys_parse_rate(struct keys_ctx *c, const struct ynode *n, const char *key, double min,
                    double max, double *out);
int keys_parse_touch(struct keys_ctx *c, const struct ynode *n, const char *key, bool window,
                     struct touch *out);
int keys_parse_calls(struct keys_ctx *c, const struct ynode *n, const char *key, bool window,
                     struct calls *out);

/* The keys of the nested values, for help: a size class or shape, the
 * touch mapping, the call mix. */
extern const struct key_def keys_dist_part[];
extern const struct key_def keys_touch[];
extern const struct key_def keys_calls[];

/* The loader's own tables (workload_load.c): the workload's keys, a
 * phase's (with generator: or roles:), a role's and a queue's. */
extern const struct key_def workload_keys[];
extern const struct key_def workload_phase_keys[];
extern const struct key_def workload_role_keys[];
extern const struct key_def workload_queue_keys[];

#endif
