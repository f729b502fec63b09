/* sweep.h - --sweep 'VAR=...{v1,v2,...}...': one variant of each chosen
 * allocator per value, to see a figure move with a setting.
 *
 * The braces hold the values, separated by commas (quote the argument, or
 * the shell expands them itself); the text around them is the same for
 * every value. For GLIBC_TUNABLES and MALLOC_CONF the braces must sit in
 * the value of one setting ("glibc.malloc.arena_max={1,2,4,8}",
 * "dirty_decay_ms:{0,1000,10000}"), which is combined with the allocator's
 * own settings (variant.h); any other variable is set whole. Several sweeps
 * multiply: every combination of their values is a variant. Each variant is
 * named after its values, "glibc-arena_max-2" (variant.h), and records them
 * (allocator.h: sweep), so figures and findings can draw each metric
 * against the swept value per allocator; the allocator itself runs too, as
 * the reference: its own setting, whatever that is.
 */
#ifndef WIMM_SWEEP_H
#define WIMM_SWEEP_H

#include <stddef.h>

#include "bench/plan/allocator.h"

#define SWEEP_MAX ALLOCATOR_MAX_SWEEPS
#define SWEEP_MAX_VALUES 32
/* Variants one allocator may get from all sweeps together. */
#define SWEEP_MAX_VARIANTS 64

struct sweep {
	char arg[ALLOCATOR_ENV_MAX];      /* as given */
	char variable[ALLOCATOR_ENV_MAX]; /* "GLIBC_TUNABLES" */
	char setting[ALLOCATOR_ENV_MAX];  /* "glibc.malloc.arena_max", or the variable */
	char label[ALLOCATOR_ENV_MAX];    /* in variant names: "arena_max" */
	char before[ALLOCATOR_ENV_MAX];   /* "GLIBC_TUNABLES=glibc.malloc.arena_max=" */
	char after[ALLOCATOR_ENV_MAX];    /* the text after the braces */
	int nvalues;
	char values[SWEEP_MAX_VALUES][ALLOCATOR_SWEEP_VALUE_MAX];
};

/* Parses one --sweep argument. Returns 0, or -EINVAL with err saying what
 * is wrong with it and what is expected. */
int sweep_parse(const char *arg, struct sweep *out, char *err, size_t errlen);

/* How many variants the sweeps make of each allocator (the product of
 * their value counts). */
int sweep_count(const struct sweep *sw, int nsw);

/* Variant k (0 <= k < sweep_count) of base: the values of every sweep (the
 * first sweep's changing slowest) applied to base's environment, named and
 * recorded as above, checked like an allocator file. Returns 0, or -EINVAL
 * with err naming the sweep and the allocator. */
int sweep_variant(const struct allocator *base, const struct sweep *sw, int nsw, int k,
                  struct allocator *out, char *err, size_t errlen);

#endif
