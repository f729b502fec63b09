/* allocator.h - an allocator or tunable variant to run workloads under.
 *
 * Loaded from allocators/NAME.yaml or given as --allocator NAME=/path.so.
 * The system allocator (glibc) has no library: nothing is preloaded.
 */
#ifndef WIMM_ALLOCATOR_H
#define WIMM_ALLOCATOR_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/limits.h"

#define ALLOCATOR_NAME_MAX WIMM_NAME_MAX
#define ALLOCATOR_MAX_ENV 16
#define ALLOCATOR_ENV_MAX 512
#define ALLOCATOR_MAX_SWEEPS 4       /* --sweep options in one run */
#define ALLOCATOR_SWEEP_VALUE_MAX 64 /* one value of a sweep, its NUL included */
#define ALLOCATOR_SETTINGS_MAX 192

struct allocator {
	char name[ALLOCATOR_NAME_MAX];
	char library[PATH_MAX]; /* as written: soname or path; "" = system malloc */
	char path[PATH_MAX];    /* resolved file; "" until allocator_resolve() */
	int nenv;
	char env[ALLOCATOR_MAX_ENV][ALLOCATOR_ENV_MAX]; /* "NAME=value" */
	char colour[16];                                /* "#rrggbb" for plots; "" = pick one */
	char note[256]; /* one line: what it is, which problem it addresses */
	/* Name of the allocator this one tunes ("" for a base allocator).
	 * Variants run only when asked for, by name or with -a all. */
	char variant_of[ALLOCATOR_NAME_MAX];
	char source[PATH_MAX]; /* the YAML file, "--allocator", or "-a ARG" / "--sweep" */
	/* Made on the command line from another allocator (an inline variant
	 * of -a, or a value of --sweep, variant.h): that allocator's name. */
	char derived_from[ALLOCATOR_NAME_MAX];
	/* A --sweep variant: its value of each sweep of the run, in --sweep
	 * order; nsweep is 0 for any other allocator. */
	int nsweep;
	char sweep[ALLOCATOR_MAX_SWEEPS][ALLOCATOR_SWEEP_VALUE_MAX];
	/* What the allocator says it was configured with, learnt before the run
	 * (childenv_settings): "dirty_decay_ms=10000 muzzy_decay_ms=0
	 * background_thread=false" for jemalloc; "" when it has nothing to say. */
	char settings[ALLOCATOR_SETTINGS_MAX];
};

/* Loads and validates an allocator file (keys: name, library, environment,
 * colour, note). The environment may not set LD_PRELOAD (library: does) nor
 * wimm's own WIMM_* variables. Returns 0, or -EINVAL with "FILE:LINE:COL: ..." in err. */
int allocator_load(const char *path, struct allocator *out, char *err, size_t errlen);

/* Whether s is a valid allocator name: 1 to ALLOCATOR_NAME_MAX - 1 letters,
 * digits, '_', '.' or '-' (safe as a file name and a shell word). */
bool allocator_name_ok(const char *s);

/* Why the variable NAME (len bytes) cannot be set in an allocator's
 * environment, or NULL when it can: not a variable name, LD_PRELOAD (the
 * driver preloads the library), or WIMM_* (wimm's own). The one rule of
 * allocator files, inline variants and sweeps; buf holds the message when
 * it names the variable. */
const char *allocator_env_problem(const char *name, size_t len, char *buf, size_t buflen);

/* Parses "NAME=/path/lib.so" from the command line. Returns 0 or -EINVAL. */
int allocator_from_arg(const char *arg, struct allocator *out, char *err, size_t errlen);

/* Why the library at path cannot be preloaded, or NULL when it can: the
 * dynamic loader splits LD_PRELOAD at spaces and colons, with no way to
 * quote them, so such a path names other files than the one meant. */
const char *allocator_preload_problem(const char *path);

/* Finds the library file: a path is taken as is (it must exist); a bare
 * soname is looked up in LD_LIBRARY_PATH, then the system library dirs.
 * Fills a->path with a canonical path. Returns 0, -ENOENT when not found. */
int allocator_resolve(struct allocator *a);

#endif
