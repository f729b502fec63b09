/* runview.c - a run read back for the figures and the report (see
 * runview.h).
 *
 * Lenient about content, strict about shape: a metric that is missing or
 * null is n/a (so runs of older or newer versions still draw), but a file
 * that is not a wimm run says so.
 */
#include "bench/results/runview.h"

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/results/jsonr.h"
#include "bench/plan/allocator.h"
#include "bench/plan/catalog.h"
#include "common/limits.h"
#include "common/units.h"

#define RUNVIEW_KEY_(id, key) #key,
static const char *const metric_keys[RUNVIEW_NMETRICS] = {RUNVIEW_METRICS(RUNVIEW_KEY_)};
#undef RUNVIEW_KEY_

const char *runview_metric_key(enum runview_metric m) { return metric_keys[m]; }

/* ---- allocators: colour and style ---- */

/* Tableau's 20 colours: distinct on screen and in print. */
static const char *const palette[] = {
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
    "#7f7f7f", "#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896",
    "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5",
};
#define NPALETTE (sizeof(palette) / sizeof(palette[0]))

static int valid_colour(const char *c)
{
	if (strlen(c) != 7 || c[0] != '#')
		return 0;
	return strspn(c + 1, "0123456789abcdefABCDEF") == 6;
}

static double colour_distance(const char *a, const char *b)
{
	unsigned ra, ga, ba, rb, gb, bb;
	if (sscanf(a, "#%2x%2x%2x", &ra, &ga, &ba) != 3 ||
	    sscanf(b, "#%2x%2x%2x", &rb, &gb, &bb) != 3)
		return 0;
	return sqrt(pow((double)ra - rb, 2) + pow((double)ga - gb, 2) + pow((double)ba - bb, 2));
}

/* The palette entry farthest from every colour in use: a newcomer must
 * never have to tell two allocators apart by a shade. */
static void pick_colour(struct runview_alloc *a, int n, int self)
{
	double best = -1;
	size_t pick = 0;
	for (size_t p = 0; p < NPALETTE; p++) {
		double nearest = 1e9;
		for (int i = 0; i < n; i++)
			if (i != self && a[i].colour[0])
				nearest = fmin(nearest, colour_distance(palette[p], a[i].colour));
		if (nearest > best + 1e-9) {
			best = nearest;
			pick = p;
		}
	}
	jsonr_copy(a[self].colour, sizeof(a[self].colour), palette[pick]);
}

void runview_style(struct runview_alloc *a, int n)
{
	for (int i = 0; i < n; i++) {
		if (a[i].colour[0] && !valid_colour(a[i].colour))
			a[i].colour[0] = '\0';
		/* Two allocators given one colour (a copied YAML file): the
		 * later one gets another. */
		for (int j = 0; j < i && a[i].colour[0]; j++)
			if (!strcasecmp(a[i].colour, a[j].colour))
				a[i].colour[0] = '\0';
		a[i].style = i;
	}
	for (int i = 0; i < n; i++)
		if (!a[i].colour[0])
			pick_colour(a, n, i);
}

/* A run whose files are gone (copied elsewhere, an older checkout): the
 * shipped allocator of the same name has the colour it most likely had. */
static void colour_from_catalog(struct runview *rv)
{
	struct allocator *all = NULL;
	int n = 0, missing = 0;
	char err[256];
	for (int i = 0; i < rv->nallocs; i++)
		missing |= !rv->allocs[i].colour[0];
	if (!missing || catalog_load_allocators(&all, &n, err, sizeof(err)))
		return;
	for (int i = 0; i < rv->nallocs; i++)
		for (int k = 0; k < n && !rv->allocs[i].colour[0]; k++)
			if (!strcmp(all[k].name, rv->allocs[i].name))
				jsonr_copy(rv->allocs[i].colour, sizeof(rv->allocs[i].colour),
				           all[k].colour);
	free(all);
}

static int add_alloc(struct runview *rv, const char *name)
{
	struct runview_alloc *grown =
	    realloc(rv->allocs, (size_t)(rv->nallocs + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	rv->allocs = grown;
	memset(&grown[rv->nallocs], 0, sizeof(*grown));
	jsonr_copy(grown[rv->nallocs].name, RUNVIEW_NAME_MAX, name);
	return rv->nallocs++;
}

static int find_alloc(struct runview *rv, const char *name)
{
	for (int i = 0; i < rv->nallocs; i++)
		if (!strcmp(rv->allocs[i].name, name))
			return i;
	return add_alloc(rv, name);
}

/* ---- meta.json ---- */

static void describe_host(struct runview *rv, struct json_object *h)
{
	char mem[32] = "?";
	double bytes = jsonr_num(h, "mem_total_bytes");
	if (bytes > 0)
		units_format_size((uint64_t)bytes, mem, sizeof(mem));
	snprintf(rv->host, sizeof(rv->host),
	         "%s: %s, %.0f CPUs (%.0f allowed), %s memory, Linux %s, glibc %s, THP %s",
	         jsonr_str(h, "hostname") ? jsonr_str(h, "hostname") : "?",
	         jsonr_str(h, "cpu_model") ? jsonr_str(h, "cpu_model") : "?",
	         jsonr_num(h, "cpus_online"), jsonr_num(h, "cpus_allowed"), mem,
	         jsonr_str(h, "kernel_release") ? jsonr_str(h, "kernel_release") : "?",
	         jsonr_str(h, "glibc_version") ? jsonr_str(h, "glibc_version") : "?",
	         jsonr_str(h, "thp_enabled") ? jsonr_str(h, "thp_enabled") : "?");
}

static int read_allocs(struct runview *rv, struct json_object *list, const char *file, char *err,
                       size_t errlen)
{
	size_t n =
	    list && json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;
	for (size_t i = 0; i < n; i++) {
		struct json_object *a = json_object_array_get_idx(list, i), *env;
		char name[RUNVIEW_NAME_MAX], prefix[64];
		struct jsonr_at at = {file, prefix, err, errlen};
		snprintf(prefix, sizeof(prefix), "allocators[%zu]", i);
		if (jsonr_name(&at, a, "name", false, name))
			return -EINVAL;
		if (!name[0])
			continue;
		int k = find_alloc(rv, name);
		if (k < 0)
			return -ENOMEM;
		struct runview_alloc *ra = &rv->allocs[k];
		jsonr_copy(ra->version, sizeof(ra->version), jsonr_str(a, "version"));
		jsonr_copy(ra->library, sizeof(ra->library), jsonr_str(a, "library"));
		jsonr_copy(ra->note, sizeof(ra->note), jsonr_str(a, "note"));
		jsonr_copy(ra->colour, sizeof(ra->colour), jsonr_str(a, "colour"));
		env = jsonr_get(a, "environment");
		for (size_t e = 0; env && json_object_is_type(env, json_type_array) &&
		                   e < json_object_array_length(env);
		     e++) {
			const char *s = json_object_get_string(json_object_array_get_idx(env, e));
			size_t used = strlen(ra->env);
			snprintf(ra->env + used, sizeof(ra->env) - used, "%s%s", used ? " " : "",
			         s ? s : "");
		}
	}
	return 0;
}

static int read_workloads(struct runview *rv, struct json_object *list, const char *file, char *err,
                          size_t errlen)
{
	size_t n =
	    list && json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;
	rv->workloads = calloc(n + 1, sizeof(*rv->workloads));
	if (!rv->workloads)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct json_object *w = json_object_array_get_idx(list, i);
		char name[RUNVIEW_NAME_MAX], prefix[64];
		struct jsonr_at at = {file, prefix, err, errlen};
		snprintf(prefix, sizeof(prefix), "workloads[%zu]", i);
		if (jsonr_name(&at, w, "name", false, name))
			return -EINVAL;
		if (!name[0])
			continue;
		struct runview_workload *rw = &rv->workloads[rv->nworkloads++];
		jsonr_copy(rw->name, sizeof(rw->name), name);
		jsonr_copy(rw->description, sizeof(rw->description), jsonr_str(w, "description"));
	}
	return 0;
}

static int read_meta(struct runview *rv, struct json_object *m, const char *file, char *err,
                     size_t errlen)
{
	struct jsonr_at at = {file, "", err, errlen};
	double v;
	if (jsonr_name(&at, m, "run_id", false, rv->run_id))
		return -EINVAL;
	jsonr_copy(rv->started_utc, sizeof(rv->started_utc), jsonr_str(m, "started_utc"));
	jsonr_copy(rv->wimm_version, sizeof(rv->wimm_version), jsonr_str(m, "wimm_version"));
	jsonr_copy(rv->testbed, sizeof(rv->testbed), jsonr_str(m, "testbed"));
	jsonr_copy(rv->command_line, sizeof(rv->command_line), jsonr_str(m, "command_line"));
	jsonr_copy(rv->env_removed, sizeof(rv->env_removed), jsonr_str(m, "env_removed"));
	v = jsonr_num(m, "reps");
	rv->reps = isnan(v) ? 1 : (int)v;
	rv->interval_s = jsonr_num(m, "interval_s");
	v = jsonr_num(m, "seed");
	rv->seed = isnan(v) ? 0 : (unsigned long long)v;
	describe_host(rv, jsonr_get(m, "host"));
	int rc = read_allocs(rv, jsonr_get(m, "allocators"), file, err, errlen);
	return rc ? rc : read_workloads(rv, jsonr_get(m, "workloads"), file, err, errlen);
}

/* ---- summary.json ---- */

static int read_phases(struct runview_cell *c, struct json_object *list, const char *file,
                       size_t cell, char *err, size_t errlen)
{
	size_t n =
	    list && json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;
	for (size_t i = 0; i < n && c->nphases < RUNVIEW_MAX_PHASES; i++) {
		struct json_object *p = json_object_array_get_idx(list, i);
		struct runview_phase *rp = &c->phases[c->nphases++];
		double samples = jsonr_num(p, "samples");
		char prefix[64];
		struct jsonr_at at = {file, prefix, err, errlen};
		snprintf(prefix, sizeof(prefix), "cells[%zu].phases[%zu]", cell, i);
		if (jsonr_name(&at, p, "name", true, rp->name))
			return -EINVAL;
		rp->samples = isnan(samples) ? 0 : (int)samples;
		rp->start_s = jsonr_num(p, "start_s");
		rp->end_s = jsonr_num(p, "end_s");
	}
	return 0;
}

/* "series/<file>.tsv", as results.c names it: a file of the run's own
 * series/ directory, never a path out of it (the figures read it, and a
 * long one is copied into plots/data/). */
static int read_series(const struct jsonr_at *at, struct json_object *o, char *buf, size_t len)
{
	const char *s = jsonr_str(o, "series");
	char q[64];
	buf[0] = '\0';
	if (!s) {
		struct json_object *v = jsonr_get(o, "series");
		return v && !json_object_is_type(v, json_type_null)
		           ? jsonr_fail(at, "series", "expected a file name or null")
		           : 0;
	}
	size_t n = strlen(s);
	bool ok = n > 11 && n < len && !strncmp(s, "series/", 7) && s[7] != '.' &&
	          !strcmp(s + n - 4, ".tsv");
	for (size_t i = 7; ok && i < n; i++)
		ok = limits_name_char(s[i]) || s[i] == '+';
	if (!ok)
		return jsonr_fail(at, "series",
		                  "%s is not a series file of the run (series/NAME.tsv): not "
		                  "written by wimm, or changed",
		                  jsonr_quote(s, q, sizeof(q)));
	memcpy(buf, s, n + 1);
	return 0;
}

static int read_cells(struct runview *rv, struct json_object *list, const char *file, char *err,
                      size_t errlen)
{
	size_t n = json_object_array_length(list);
	rv->cells = calloc(n + 1, sizeof(*rv->cells));
	if (!rv->cells)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(list, i);
		char w[RUNVIEW_NAME_MAX], a[RUNVIEW_NAME_MAX], prefix[64];
		struct jsonr_at at = {file, prefix, err, errlen};
		snprintf(prefix, sizeof(prefix), "cells[%zu]", i);
		if (jsonr_name(&at, o, "workload", true, w) ||
		    jsonr_name(&at, o, "allocator", true, a))
			return -EINVAL;
		struct runview_cell *c = &rv->cells[rv->ncells++];
		double t = jsonr_num(o, "threads"), rep = jsonr_num(o, "rep");
		jsonr_copy(c->workload, sizeof(c->workload), w);
		c->threads = isnan(t) ? -1 : (int)t;
		if ((c->alloc = find_alloc(rv, a)) < 0)
			return -ENOMEM;
		c->rep = isnan(rep) ? 1 : (int)rep;
		c->ok = jsonr_str(o, "status") && !strcmp(jsonr_str(o, "status"), "ok");
		rv->failed_cells += !c->ok;
		jsonr_copy(c->reason, sizeof(c->reason), jsonr_str(o, "reason"));
		if (read_series(&at, o, c->series, sizeof(c->series)))
			return -EINVAL;
		c->peak_rss_bytes = jsonr_num(o, "peak_rss_bytes");
		c->budget_bytes = jsonr_num(o, "budget_bytes");
		if (read_phases(c, jsonr_get(o, "phases"), file, i, err, errlen))
			return -EINVAL;
	}
	return 0;
}

static int read_groups(struct runview *rv, struct json_object *list, const char *file, char *err,
                       size_t errlen)
{
	size_t n =
	    list && json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;
	rv->groups = calloc(n + 1, sizeof(*rv->groups));
	if (!rv->groups)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(list, i);
		char w[RUNVIEW_NAME_MAX], a[RUNVIEW_NAME_MAX], prefix[64];
		struct jsonr_at at = {file, prefix, err, errlen};
		snprintf(prefix, sizeof(prefix), "groups[%zu]", i);
		if (jsonr_name(&at, o, "workload", true, w) ||
		    jsonr_name(&at, o, "allocator", true, a))
			return -EINVAL;
		struct runview_group *g = &rv->groups[rv->ngroups++];
		double t = jsonr_num(o, "threads");
		jsonr_copy(g->workload, sizeof(g->workload), w);
		g->threads = isnan(t) ? -1 : (int)t;
		if ((g->alloc = find_alloc(rv, a)) < 0)
			return -ENOMEM;
		g->reps_ok = (int)fmax(0, jsonr_num(o, "reps_ok"));
		g->reps_failed = (int)fmax(0, jsonr_num(o, "reps_failed"));
		for (int m = 0; m < RUNVIEW_NMETRICS; m++) {
			struct json_object *s = jsonr_get(o, metric_keys[m]);
			g->m[m].median = jsonr_num(s, "median");
			g->m[m].min = jsonr_num(s, "min");
			g->m[m].max = jsonr_num(s, "max");
		}
		/* The budget is the workload's, not aggregated: any cell has it. */
		g->budget_bytes = NAN;
		for (size_t k = 0; k < rv->ncells; k++) {
			const struct runview_cell *c = &rv->cells[k];
			if (c->threads == g->threads && !strcmp(c->workload, w) &&
			    c->budget_bytes > 0)
				g->budget_bytes = c->budget_bytes;
		}
	}
	return 0;
}

/* ---- blocks: workload x threads, in the order of the run ---- */

static int add_block(struct runview *rv, const char *w, int threads, size_t *cap)
{
	for (size_t i = 0; i < rv->nblocks; i++)
		if (rv->blocks[i].threads == threads && !strcmp(rv->blocks[i].workload, w))
			return 0;
	if (rv->nblocks == *cap) {
		size_t n = *cap ? *cap * 2 : 16;
		struct runview_block *grown = realloc(rv->blocks, n * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		rv->blocks = grown;
		*cap = n;
	}
	jsonr_copy(rv->blocks[rv->nblocks].workload, RUNVIEW_NAME_MAX, w);
	rv->blocks[rv->nblocks++].threads = threads;
	return 0;
}

static int workload_rank(const struct runview *rv, const char *w)
{
	for (int i = 0; i < rv->nworkloads; i++)
		if (!strcmp(rv->workloads[i].name, w))
			return i;
	return rv->nworkloads;
}

static const struct runview *sort_rv; /* qsort has no context argument */

static int cmp_block(const void *x, const void *y)
{
	const struct runview_block *a = x, *b = y;
	int ra = workload_rank(sort_rv, a->workload), rb = workload_rank(sort_rv, b->workload);
	if (ra != rb)
		return ra - rb;
	if (ra == sort_rv->nworkloads) { /* not in meta.json: by name */
		int c = strcmp(a->workload, b->workload);
		if (c)
			return c;
	}
	return (a->threads > b->threads) - (a->threads < b->threads);
}

static int make_blocks(struct runview *rv)
{
	size_t cap = 0;
	rv->is_exec = rv->ncells > 0;
	for (size_t i = 0; i < rv->ncells; i++) {
		if (add_block(rv, rv->cells[i].workload, rv->cells[i].threads, &cap))
			return -ENOMEM;
		rv->is_exec &= rv->cells[i].threads < 0;
	}
	sort_rv = rv;
	if (rv->nblocks)
		qsort(rv->blocks, rv->nblocks, sizeof(*rv->blocks), cmp_block);
	return 0;
}

static int load(const char *dir, struct runview *rv, char *err, size_t errlen)
{
	char path[4200];
	struct json_object *meta = NULL, *sum = NULL, *cells;
	int rc = 0;
	struct stat st;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen,
		         "%s is not a directory: give a run directory "
		         "(results/runs/<id> or results/latest)",
		         dir);
		return -ENOENT;
	}
	jsonr_copy(rv->dir, sizeof(rv->dir), dir);
	snprintf(path, sizeof(path), "%s/summary.json", dir);
	if (!(sum = jsonr_load(path, err, errlen, &rc))) {
		if (rc == -ENOENT)
			snprintf(err, errlen,
			         "%s is not a wimm run directory: it has no summary.json", dir);
		return rc;
	}
	snprintf(path, sizeof(path), "%s/meta.json", dir);
	/* meta.json is written first, so a run without one was not made by
	 * wimm; but a copied summary alone still draws, with less context. */
	if (access(path, F_OK) == 0) {
		if (!(meta = jsonr_load(path, err, errlen, &rc)))
			goto out;
		if ((rc = read_meta(rv, meta, path, err, errlen)))
			goto out;
	} else if (!(rv->workloads = calloc(1, sizeof(*rv->workloads)))) {
		rc = -ENOMEM;
		goto out;
	}
	snprintf(path, sizeof(path), "%s/summary.json", dir);
	char run_id[RUNVIEW_NAME_MAX];
	struct jsonr_at at = {path, "", err, errlen};
	if ((rc = jsonr_name(&at, sum, "run_id", false, run_id)))
		goto out;
	if (!rv->run_id[0])
		jsonr_copy(rv->run_id, sizeof(rv->run_id), run_id);
	cells = jsonr_get(sum, "cells");
	if (!cells || !json_object_is_type(cells, json_type_array)) {
		snprintf(err, errlen, "%s/summary.json is not a wimm summary: no \"cells\" array",
		         dir);
		rc = -EINVAL;
		goto out;
	}
	rv->complete =
	    jsonr_get(sum, "complete") && json_object_get_boolean(jsonr_get(sum, "complete"));
	double nr = jsonr_num(sum, "cells_not_run");
	rv->cells_not_run = isnan(nr) ? -1 : (int)nr;
	if ((rc = read_cells(rv, cells, path, err, errlen)) ||
	    (rc = read_groups(rv, jsonr_get(sum, "groups"), path, err, errlen)) ||
	    (rc = make_blocks(rv)))
		goto out;
	colour_from_catalog(rv);
	runview_style(rv->allocs, rv->nallocs);
	rv->ref = rv->nallocs ? 0 : -1;
	for (int i = 0; i < rv->nallocs; i++)
		if (!strcmp(rv->allocs[i].name, "glibc"))
			rv->ref = i;
out:
	if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory reading %s", dir);
	json_object_put(meta);
	json_object_put(sum);
	return rc;
}

int runview_load(const char *dir, struct runview *rv, char *err, size_t errlen)
{
	memset(rv, 0, sizeof(*rv));
	int rc = load(dir, rv, err, errlen);
	if (rc)
		runview_finish(rv);
	return rc;
}

void runview_finish(struct runview *rv)
{
	free(rv->allocs);
	free(rv->workloads);
	free(rv->cells);
	free(rv->groups);
	free(rv->blocks);
	memset(rv, 0, sizeof(*rv));
}

const struct runview_group *runview_group(const struct runview *rv, const char *workload,
                                          int threads, int alloc)
{
	for (size_t i = 0; i < rv->ngroups; i++) {
		const struct runview_group *g = &rv->groups[i];
		if (g->alloc == alloc && g->threads == threads && !strcmp(g->workload, workload))
			return g;
	}
	return NULL;
}

double runview_median(const struct runview *rv, const char *workload, int threads, int alloc,
                      enum runview_metric m)
{
	const struct runview_group *g = runview_group(rv, workload, threads, alloc);
	return g ? g->m[m].median : NAN;
}

const struct runview_cell *runview_representative(const struct runview *rv, const char *workload,
                                                  int threads, int alloc)
{
	const struct runview_cell *best = NULL, *any = NULL;
	double median = runview_median(rv, workload, threads, alloc, RUNVIEW_PEAK_RSS);
	for (size_t i = 0; i < rv->ncells; i++) {
		const struct runview_cell *c = &rv->cells[i];
		if (c->alloc != alloc || c->threads != threads || strcmp(c->workload, workload) ||
		    !c->series[0])
			continue;
		if (!any)
			any = c;
		if (!c->ok)
			continue;
		if (!best || isnan(median) ||
		    fabs(c->peak_rss_bytes - median) < fabs(best->peak_rss_bytes - median))
			best = best && isnan(median) ? best : c;
	}
	return best ? best : any;
}

void runview_block_label(const struct runview_block *b, char *buf, size_t len)
{
	if (b->threads < 0)
		snprintf(buf, len, "%s", b->workload);
	else
		snprintf(buf, len, "%s, %d thread%s", b->workload, b->threads,
		         b->threads == 1 ? "" : "s");
}

void runview_block_stem(const struct runview_block *b, char *buf, size_t len)
{
	if (b->threads < 0)
		snprintf(buf, len, "%s", b->workload);
	else
		snprintf(buf, len, "%s-t%d", b->workload, b->threads);
	/* Names come from YAML and --name: keep file names and scripts safe. */
	for (char *p = buf; *p; p++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-",
		            *p))
			*p = '_';
}
