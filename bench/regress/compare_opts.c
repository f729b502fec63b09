/* compare_opts.c - the rules of `wimm compare` as the user sets them:
 * defaults from the metric table, --threshold, --floor and --map (see
 * compare.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/regress/compare.h"
#include "common/limits.h"
#include "common/units.h"

void compare_opts_init(struct compare_opts *o)
{
	memset(o, 0, sizeof(*o));
	for (int m = 0; m < compare_ncolumns(); m++) {
		o->threshold[m] = compare_metric(m)->threshold;
		o->floor[m] = compare_metric(m)->floor;
	}
	o->alpha = 0.01;
	o->min_reps = 9;
}

/* ---- option parsing ---- */

/* The columns a --threshold/--floor key names, as a bit set; 0 if none:
 * a column's key, `rss` (the memory ones in bytes), `memory`, `all`. */
static unsigned metric_set(const char *key, size_t len)
{
	unsigned set = 0;
	for (int m = 0; m < compare_ncolumns(); m++) {
		const struct metric *x = compare_metric(m);
		bool memory = x->judge == MJ_MEMORY;
		bool pick =
		    (strlen(x->ckey) == len && !strncmp(key, x->ckey, len)) ||
		    (len == 3 && !strncmp(key, "rss", 3) && memory && x->unit == MU_BYTES) ||
		    (len == 6 && !strncmp(key, "memory", 6) && memory) ||
		    (len == 3 && !strncmp(key, "all", 3));
		set |= pick ? 1u << m : 0;
	}
	return set;
}

/* Calls set(o, metric, value text) for each METRIC=VALUE of a comma list. */
static int parse_list(struct compare_opts *o, const char *opt, const char *spec,
                      int (*set)(struct compare_opts *, int, const char *, char *, size_t),
                      char *err, size_t errlen)
{
	char buf[512];
	if (snprintf(buf, sizeof(buf), "%s", spec) >= (int)sizeof(buf)) {
		snprintf(err, errlen, "%s: the list is too long", opt);
		return -EINVAL;
	}
	char *save = NULL;
	for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');
		unsigned metrics = eq ? metric_set(item, (size_t)(eq - item)) : 0;
		if (!eq || !metrics) {
			char keys[256] = "";
			for (int m = 0, n = 0; m < compare_ncolumns(); m++)
				n += snprintf(keys + n, sizeof(keys) - (size_t)n, "%s, ",
				              compare_metric(m)->ckey);
			snprintf(
			    err, errlen,
			    "%s %s: expected METRIC=VALUE with METRIC one of %srss (the memory "
			    "figures in bytes), memory, all",
			    opt, item, keys);
			return -EINVAL;
		}
		for (int m = 0; m < compare_ncolumns(); m++)
			if (metrics & (1u << m) && set(o, m, eq + 1, err, errlen))
				return -EINVAL;
	}
	if (!buf[0]) {
		snprintf(err, errlen, "%s: expected METRIC=VALUE,...", opt);
		return -EINVAL;
	}
	return 0;
}

static int set_threshold(struct compare_opts *o, int m, const char *v, char *err, size_t errlen)
{
	char *end;
	double pct = strtod(v, &end);
	if (end == v || strcmp(end, "%") || !(pct >= 0) || pct > 1000) {
		snprintf(err, errlen,
		         "--threshold %s=%s: expected a percentage from 0%% to 1000%%, e.g. 5%%",
		         compare_metric(m)->ckey, v);
		return -EINVAL;
	}
	o->threshold[m] = pct / 100;
	return 0;
}

static int set_floor(struct compare_opts *o, int m, const char *v, char *err, size_t errlen)
{
	char *end;
	if (compare_metric(m)->judge == MJ_REF_RATIO) {
		snprintf(err, errlen,
		         "--floor %s=%s: %s has no floor (its test is the "
		         "Mann-Whitney one); see --threshold and --alpha",
		         compare_metric(m)->ckey, v, compare_metric(m)->ckey);
		return -EINVAL;
	}
	if (compare_metric(m)->unit == MU_BYTES) {
		uint64_t bytes;
		if (units_parse_size(v, &bytes)) {
			snprintf(err, errlen, "--floor %s=%s: expected a size, e.g. 1MiB",
			         compare_metric(m)->ckey, v);
			return -EINVAL;
		}
		o->floor[m] = (double)bytes;
		return 0;
	}
	double x = strtod(v, &end);
	if (end == v || *end || !(x >= 0)) {
		snprintf(err, errlen, "--floor %s=%s: expected a number, e.g. 0.02",
		         compare_metric(m)->ckey, v);
		return -EINVAL;
	}
	o->floor[m] = x;
	return 0;
}

int compare_parse_thresholds(struct compare_opts *o, const char *spec, char *err, size_t errlen)
{
	return parse_list(o, "--threshold", spec, set_threshold, err, errlen);
}

int compare_parse_floors(struct compare_opts *o, const char *spec, char *err, size_t errlen)
{
	return parse_list(o, "--floor", spec, set_floor, err, errlen);
}

int compare_parse_map(struct compare_opts *o, const char *spec, char *err, size_t errlen)
{
	const char *eq = strchr(spec, '=');
	char base[WIMM_NAME_MAX + 1] = "";
	if (eq && (size_t)(eq - spec) < sizeof(base))
		snprintf(base, sizeof(base), "%.*s", (int)(eq - spec), spec);
	if (!eq || !limits_name_ok(base) || !limits_name_ok(eq + 1)) {
		snprintf(err, errlen,
		         "--map %s: expected BASE_ALLOCATOR=NEW_ALLOCATOR, two allocator names",
		         spec);
		return -EINVAL;
	}
	if (o->nmap == COMPARE_MAX_MAP) {
		snprintf(err, errlen, "at most %d --map options", COMPARE_MAX_MAP);
		return -EINVAL;
	}
	/* One NEW allocator stands for one BASE allocator, and back. */
	for (int i = 0; i < o->nmap; i++)
		if (!strcmp(o->map[i].base, base) || !strcmp(o->map[i].now, eq + 1)) {
			snprintf(err, errlen, "--map %s: %s is mapped twice (--map %s=%s before)",
			         spec, !strcmp(o->map[i].base, base) ? base : eq + 1,
			         o->map[i].base, o->map[i].now);
			return -EINVAL;
		}
	snprintf(o->map[o->nmap].base, WIMM_NAME_MAX, "%s", base);
	snprintf(o->map[o->nmap].now, WIMM_NAME_MAX, "%s", eq + 1);
	o->nmap++;
	return 0;
}

/* Whether d has cells of the allocator (meta.json may list more). */
static int has_allocator(const struct rundir *d, const char *name)
{
	int a = rundir_alloc_index(d, name);
	for (size_t i = 0; a >= 0 && i < d->ngroups; i++)
		if (d->groups[i].alloc == a)
			return 1;
	return 0;
}

int compare_check_map(const struct compare_opts *o, const struct rundir *base,
                      const struct rundir *now, char *err, size_t errlen)
{
	for (int i = 0; i < o->nmap; i++) {
		int in_base = has_allocator(base, o->map[i].base);
		if (in_base && has_allocator(now, o->map[i].now))
			continue;
		snprintf(err, errlen, "--map %s=%s: %s has no allocator %s (a typo?)",
		         o->map[i].base, o->map[i].now, in_base ? "NEW" : "BASE",
		         in_base ? o->map[i].now : o->map[i].base);
		return -EINVAL;
	}
	return 0;
}
