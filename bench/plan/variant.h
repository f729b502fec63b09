/* variant.h - allocators made on the command line from another one.
 *
 * An inline variant of -a ("glibc:GLIBC_TUNABLES=glibc.malloc.arena_max=2")
 * and each value of a --sweep (sweep.h) are the allocator they start from
 * with settings added to its environment. One rule says how a setting
 * combines with what that allocator already sets:
 *
 *   - GLIBC_TUNABLES (name=value items separated by ':') and MALLOC_CONF
 *     (name:value items separated by ',') hold lists of settings: a new
 *     setting replaces the allocator's setting of the same name and keeps
 *     its others (glibc-arena1 given glibc.malloc.mmap_threshold=131072
 *     runs with arena_max=1 and that threshold);
 *   - any other variable is set whole, replacing the allocator's value.
 *
 * The result is checked as an allocator file is (allocator.h): variable
 * names, no LD_PRELOAD nor WIMM_*, at most ALLOCATOR_MAX_ENV variables of
 * ALLOCATOR_ENV_MAX bytes. It is named after its settings, the base's name
 * followed by "-LABEL-VALUE" for each ("glibc-arena_max-2"): the label of a
 * GLIBC_TUNABLES setting is the last part of its name, of a MALLOC_CONF
 * setting its name, of any other variable the variable. So a setting
 * reached by an inline variant or by a sweep gets the same name.
 */
#ifndef WIMM_VARIANT_H
#define WIMM_VARIANT_H

#include <stddef.h>

#include "bench/plan/allocator.h"

/* A variable that holds a list of settings, or NULL for any other. */
struct variant_list {
	const char *variable;
	char sep;      /* between settings */
	char assign;   /* between a setting's name and its value */
	int last_part; /* label: the part of the name after its last '.' */
};
const struct variant_list *variant_list_of(const char *variable, size_t len);

/* The label of setting key (len bytes) of list variable l, into buf. */
void variant_label(const struct variant_list *l, const char *key, size_t len, char *buf,
                   size_t buflen);

/* Applies the assignment "VAR=value" to a's environment by the rule above,
 * checking the variable and, for a list variable, that every item of value
 * is a setting with a name and a value. Returns 0 or -EINVAL with the
 * reason in err. */
int variant_apply(struct allocator *a, const char *assignment, char *err, size_t errlen);

/* Appends "-LABEL-VALUE" to name (len bytes, at least ALLOCATOR_ENV_MAX). */
void variant_name_add(char *name, size_t len, const char *label, const char *value);

/* The allocator name for full (a base name with settings appended): any
 * character a name cannot hold becomes '_', and a name too long keeps its
 * start and ends in a hash of the whole ("-h1a2b3c4d"), so it stays
 * unique and the same from run to run. */
void variant_fit_name(const char *full, char out[ALLOCATOR_NAME_MAX]);

/* Whether a and b run the same way: same library and environment. */
int variant_same(const struct allocator *a, const struct allocator *b);

/* Makes the inline variant of base that spec (after "BASE:") describes:
 * assignments "VAR=value" separated by blanks, as env(1) takes them (a
 * value holds no blank; such a value needs an allocator file). arg is the
 * whole -a item, recorded as the variant's source. Returns 0 or -EINVAL
 * with the reason in err. */
int variant_inline(const struct allocator *base, const char *spec, const char *arg,
                   struct allocator *out, char *err, size_t errlen);

#endif
