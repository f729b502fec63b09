/* rundir.c - a run read back from disk (see rundir.h): which files, the
 * groups, statistics and blocks made from the cells, and the lookups the
 * comparison, the figures and the reports share.
 */
#include "bench/results/rundir.h"

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench/results/jsonr.h"
#include "bench/results/stats.h"

/* The baseline format this reader knows (baseline.h writes it). */
#define BASELINE_FORMAT_READ 1

int rundir_alloc_index(const struct rundir *d, const char *name)
{
	return strmap_get(&d->alloc_map, name, strlen(name));
}

/* "workload\0threads\0alloc": the key of a group in group_map. */
static size_t group_key(char *buf, size_t len, const char *workload, int threads, int alloc)
{
	int n = snprintf(buf, len, "%s%c%d%c%d", workload, 0, threads, 0, alloc);
	return n < 0 ? 0 : (size_t)n < len ? (size_t)n : len - 1;
}

/* ---- groups ---- */

static struct rundir_group *group_of(struct rundir *d, const struct rundir_cell *c, size_t *cap)
{
	char key[WIMM_NAME_MAX + 32];
	size_t klen = group_key(key, sizeof(key), c->workload, c->threads, c->alloc);
	int found = strmap_get(&d->group_map, key, klen);
	if (found >= 0)
		return &d->groups[found];
	if (strmap_put(&d->group_map, key, klen, (int)d->ngroups))
		return NULL;
	if (d->ngroups == *cap) {
		size_t n = *cap ? *cap * 2 : 32;
		struct rundir_group *grown = realloc(d->groups, n * sizeof(*grown));
		if (!grown)
			return NULL;
		d->groups = grown;
		*cap = n;
	}
	struct rundir_group *g = &d->groups[d->ngroups++];
	memset(g, 0, sizeof(*g));
	memcpy(g->workload, c->workload, sizeof(g->workload));
	g->threads = c->threads;
	g->alloc = c->alloc;
	g->budget_bytes = NAN;
	return g;
}

static const struct rundir *sort_d; /* qsort has no context argument */

static int cmp_rep(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int x = sort_d->cells[i].rep, y = sort_d->cells[j].rep;
	/* Ties (a repetition given twice) by position in the file. */
	return x != y ? (x > y) - (x < y) : (i > j) - (i < j);
}

static void group_stats(struct rundir *d, struct rundir_group *g, double *vals)
{
	for (int m = 0; m < METRIC_N; m++) {
		size_t k = 0;
		for (size_t i = 0; i < g->ncells; i++)
			if (d->cells[g->cells[i]].ok)
				vals[k++] = d->cells[g->cells[i]].v[m];
		g->m[m] = (struct rundir_stat){stats_median(vals, k), stats_min(vals, k),
		                               stats_max(vals, k), stats_quantile(vals, k, 0.25),
		                               stats_quantile(vals, k, 0.75)};
	}
	/* The budget is the workload's: any cell has it, failed or not. */
	for (size_t i = 0; i < g->ncells; i++)
		if (d->cells[g->cells[i]].v[METRIC_budget_bytes] > 0)
			g->budget_bytes = d->cells[g->cells[i]].v[METRIC_budget_bytes];
}

/* Groups the cells, numbers repetitions a file did not number, refuses a
 * repetition given twice, and aggregates. */
static int make_groups(struct rundir *d, const char *file, char *err, size_t errlen)
{
	size_t cap = 0;
	double *vals = malloc((d->ncells + 1) * sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (size_t i = 0; i < d->ncells; i++) {
		struct rundir_cell *c = &d->cells[i];
		struct rundir_group *g = group_of(d, c, &cap);
		size_t *grown = g ? realloc(g->cells, (g->ncells + 1) * sizeof(*grown)) : NULL;
		if (!grown) {
			free(vals);
			return -ENOMEM;
		}
		g->cells = grown;
		if (c->rep == 0)
			c->rep = (int)g->ncells + 1;
		g->cells[g->ncells++] = i;
		g->reps_ok += c->ok;
		g->reps_failed += !c->ok;
		if (!g->allocator_version[0])
			snprintf(g->allocator_version, sizeof(g->allocator_version), "%s",
			         c->allocator_version);
	}
	sort_d = d;
	for (size_t i = 0; i < d->ngroups; i++) {
		struct rundir_group *g = &d->groups[i];
		qsort(g->cells, g->ncells, sizeof(size_t), cmp_rep);
		for (size_t k = 1; k < g->ncells; k++) {
			const struct rundir_cell *c = &d->cells[g->cells[k]];
			if (c->rep != d->cells[g->cells[k - 1]].rep)
				continue;
			char prefix[32];
			struct jsonr_at at = {file, prefix, err, errlen};
			snprintf(prefix, sizeof(prefix), "cells[%zu]", g->cells[k]);
			free(vals);
			return jsonr_fail(&at, "rep",
			                  "a second cell for %s, threads %d, %s, rep %d: a damaged "
			                  "file",
			                  c->workload, c->threads, d->allocs[c->alloc].name,
			                  c->rep);
		}
		group_stats(d, g, vals);
	}
	free(vals);
	return 0;
}

/* ---- blocks: workload x threads, in the order of the run ---- */

static int add_block(struct rundir *d, struct strmap *seen, const char *w, int threads, size_t *cap)
{
	char key[WIMM_NAME_MAX + 32];
	size_t klen = group_key(key, sizeof(key), w, threads, 0);
	if (strmap_get(seen, key, klen) >= 0)
		return 0;
	if (d->nblocks == RUNDIR_MAX_BLOCKS)
		return -E2BIG;
	if (strmap_put(seen, key, klen, (int)d->nblocks))
		return -ENOMEM;
	if (d->nblocks == *cap) {
		size_t n = *cap ? *cap * 2 : 16;
		struct rundir_block *grown = realloc(d->blocks, n * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		d->blocks = grown;
		*cap = n;
	}
	jsonr_copy(d->blocks[d->nblocks].workload, WIMM_NAME_MAX, w);
	d->blocks[d->nblocks++].threads = threads;
	return 0;
}

static int workload_rank(const struct rundir *d, const char *w)
{
	for (int i = 0; i < d->nworkloads; i++)
		if (!strcmp(d->workloads[i].name, w))
			return i;
	return d->nworkloads;
}

static int cmp_block(const void *x, const void *y)
{
	const struct rundir_block *a = x, *b = y;
	int ra = workload_rank(sort_d, a->workload), rb = workload_rank(sort_d, b->workload);
	if (ra != rb)
		return ra - rb;
	if (ra == sort_d->nworkloads) { /* not in meta.json: by name */
		int c = strcmp(a->workload, b->workload);
		if (c)
			return c;
	}
	return (a->threads > b->threads) - (a->threads < b->threads);
}

static int make_blocks(struct rundir *d, const char *file, char *err, size_t errlen)
{
	struct strmap seen = {0};
	size_t cap = 0;
	int rc = 0;
	d->is_exec = d->ncells > 0;
	for (size_t i = 0; i < d->ncells && rc == 0; i++) {
		rc = add_block(d, &seen, d->cells[i].workload, d->cells[i].threads, &cap);
		d->is_exec &= d->cells[i].threads < 0;
	}
	strmap_free(&seen);
	if (rc == -E2BIG)
		snprintf(err, errlen,
		         "%s: more than %d workloads and thread counts: not a run wimm wrote", file,
		         RUNDIR_MAX_BLOCKS);
	if (rc)
		return rc == -E2BIG ? -EINVAL : rc;
	sort_d = d;
	if (d->nblocks)
		qsort(d->blocks, d->nblocks, sizeof(*d->blocks), cmp_block);
	return 0;
}

/* ---- which files ---- */

/* "DIR/summary.json" -> "DIR/meta.json"; "summary.json" -> "meta.json". */
static void sibling(const char *path, const char *name, char *out, size_t len)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(out, len, "%s", name);
	else
		snprintf(out, len, "%.*s/%s", (int)(slash - path), path, name);
}

static int read_top(struct rundir *d, struct json_object *top, const char *file, char *err,
                    size_t errlen)
{
	struct jsonr_at at = {file, "", err, errlen};
	struct json_object *complete = jsonr_get(top, "complete");
	char run_id[WIMM_NAME_MAX];
	double not_run;
	if (complete && !json_object_is_type(complete, json_type_boolean))
		return jsonr_fail(&at, "complete", "expected true or false");
	d->complete = !complete || json_object_get_boolean(complete);
	if (jsonr_figure(&at, top, "cells_not_run", JSONR_WHOLE, &not_run) ||
	    jsonr_name(&at, top, "run_id", false, run_id))
		return -EINVAL;
	d->cells_not_run = isnan(not_run) || not_run > 1e9 ? -1 : (int)not_run;
	if (!d->run_id[0])
		jsonr_copy(d->run_id, sizeof(d->run_id), run_id);
	return 0;
}

static int read_baseline(struct rundir *d, struct json_object *top, const char *path, char *err,
                         size_t errlen)
{
	struct jsonr_at at = {path, "", err, errlen};
	double format;
	if (jsonr_figure(&at, top, "wimm_baseline", JSONR_WHOLE, &format))
		return -EINVAL;
	if (format != BASELINE_FORMAT_READ)
		return jsonr_fail(&at, "wimm_baseline",
		                  "format %g; this wimm reads format %d (a newer wimm wrote it?)",
		                  format, BASELINE_FORMAT_READ);
	struct json_object *meta = jsonr_get(top, "meta");
	if (!meta || !json_object_is_type(meta, json_type_object))
		return jsonr_fail(&at, "meta", "a baseline without its context");
	d->kind = "baseline";
	d->meta = json_object_get(meta);
	d->complete = true;
	d->cells_not_run = 0;
	return rundir_read_meta(d, meta, path, "meta", err, errlen);
}

static int load(struct rundir *d, const char *path, char *err, size_t errlen)
{
	char summary[PATH_MAX + 32], meta_path[PATH_MAX + 32];
	struct json_object *top = NULL, *cells;
	struct stat st;
	int rc = 0;

	if (stat(path, &st) < 0) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -errno;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(summary, sizeof(summary), "%s/summary.json", path);
		snprintf(meta_path, sizeof(meta_path), "%s/meta.json", path);
		jsonr_copy(d->dir, sizeof(d->dir), path);
		if (stat(summary, &st) < 0) {
			snprintf(err, errlen,
			         "%s is not a wimm run directory: it has no summary.json "
			         "(give results/runs/<id>, results/latest, a summary.json or a "
			         "baseline file)",
			         path);
			return -ENOENT;
		}
		d->kind = "run";
	} else {
		snprintf(summary, sizeof(summary), "%s", path);
		sibling(path, "meta.json", meta_path, sizeof(meta_path));
		sibling(path, ".", d->dir, sizeof(d->dir));
		d->kind = "summary";
	}
	if (!(top = jsonr_load(summary, err, errlen, &rc)))
		return rc;
	if (jsonr_get(top, "wimm_baseline")) {
		d->dir[0] = '\0'; /* a baseline has no series or figures */
		rc = read_baseline(d, top, summary, err, errlen);
	} else if (!jsonr_get(top, "cells") && jsonr_get(top, "host")) {
		snprintf(err, errlen,
		         "%s is a run's meta.json, not its summary: give the run directory", path);
		rc = -EINVAL;
	} else if (stat(meta_path, &st) == 0) {
		/* meta.json is written first, so a run without one was not made
		 * by wimm; but a copied summary alone still reads, with less
		 * context. */
		if ((d->meta = jsonr_load(meta_path, err, errlen, &rc)))
			rc = rundir_read_meta(d, d->meta, meta_path, "", err, errlen);
	}
	if (rc == 0 && strcmp(d->kind, "baseline"))
		rc = read_top(d, top, summary, err, errlen);
	if (rc)
		goto out;
	cells = jsonr_get(top, "cells");
	if (!cells || !json_object_is_type(cells, json_type_array)) {
		snprintf(err, errlen, "%s is not a wimm summary: it has no \"cells\" array", path);
		rc = -EINVAL;
		goto out;
	}
	if (!d->workloads && !(d->workloads = calloc(1, sizeof(*d->workloads))))
		rc = -ENOMEM;
	if (!rc)
		rc = rundir_read_cells(d, cells, summary, err, errlen);
	if (!rc)
		rc = make_groups(d, summary, err, errlen);
	if (!rc)
		rc = make_blocks(d, summary, err, errlen);
	d->ref = d->nallocs ? 0 : -1;
	for (int i = 0; i < d->nallocs; i++)
		if (!strcmp(d->allocs[i].name, RUNDIR_REFERENCE))
			d->ref = i;
out:
	if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory reading %s", path);
	json_object_put(top);
	return rc;
}

int rundir_load(const char *path, struct rundir **out, char *err, size_t errlen)
{
	struct rundir *d = calloc(1, sizeof(*d));
	*out = NULL;
	if (!d) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	jsonr_copy(d->source, sizeof(d->source), path);
	d->cpus_online = d->cpus_allowed = -1;
	d->scale = d->interval_s = d->idle_s = NAN;
	d->reps = -1;
	d->cells_not_run = -1;
	int rc = load(d, path, err, errlen);
	if (rc) {
		rundir_destroy(d);
		return rc;
	}
	*out = d;
	return 0;
}

void rundir_destroy(struct rundir *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->ngroups; i++)
		free(d->groups[i].cells);
	for (size_t i = 0; i < d->ncells; i++) {
		free(d->cells[i].reason);
		free(d->cells[i].series);
		free(d->cells[i].allocator_version);
		free(d->cells[i].top_process);
		free(d->cells[i].phases);
	}
	free(d->groups);
	free(d->cells);
	free(d->allocs);
	free(d->sweeps);
	free(d->workloads);
	free(d->blocks);
	strmap_free(&d->alloc_map);
	strmap_free(&d->group_map);
	json_object_put(d->meta);
	free(d);
}

/* ---- lookups ---- */

const struct rundir_group *rundir_group(const struct rundir *d, const char *workload, int threads,
                                        int alloc)
{
	char key[WIMM_NAME_MAX + 32];
	int i =
	    strmap_get(&d->group_map, key, group_key(key, sizeof(key), workload, threads, alloc));
	return i < 0 ? NULL : &d->groups[i];
}

const struct rundir_group *rundir_group_named(const struct rundir *d, const char *workload,
                                              int threads, const char *allocator)
{
	int a = rundir_alloc_index(d, allocator);
	return a < 0 ? NULL : rundir_group(d, workload, threads, a);
}

double rundir_median(const struct rundir *d, const char *workload, int threads, int alloc, int id)
{
	const struct rundir_group *g = rundir_group(d, workload, threads, alloc);
	return g ? g->m[id].median : NAN;
}

size_t rundir_values(const struct rundir *d, const struct rundir_group *g, int id, double *out)
{
	size_t n = 0;
	for (size_t i = 0; i < g->ncells; i++) {
		const struct rundir_cell *c = &d->cells[g->cells[i]];
		if (c->ok && !isnan(c->v[id]))
			out[n++] = c->v[id];
	}
	return n;
}

size_t rundir_ref_ratios(const struct rundir *d, const struct rundir_group *g, int id, double *out)
{
	const struct rundir_group *ref =
	    rundir_group_named(d, g->workload, g->threads, RUNDIR_REFERENCE);
	size_t n = 0, j = 0;
	if (!ref)
		return 0;
	/* Both are sorted by rep (and a rep is given once): one walk. */
	for (size_t i = 0; i < g->ncells; i++) {
		const struct rundir_cell *c = &d->cells[g->cells[i]];
		while (j < ref->ncells && d->cells[ref->cells[j]].rep < c->rep)
			j++;
		if (!c->ok || isnan(c->v[id]) || j == ref->ncells)
			continue;
		const struct rundir_cell *q = &d->cells[ref->cells[j]];
		if (q->rep == c->rep && q->ok && q->v[id] > 0)
			out[n++] = c->v[id] / q->v[id];
	}
	return n;
}

const struct rundir_cell *rundir_representative(const struct rundir *d, const char *workload,
                                                int threads, int alloc)
{
	const struct rundir_cell *best = NULL, *any = NULL;
	double median = rundir_median(d, workload, threads, alloc, METRIC_peak_rss_bytes);
	const struct rundir_group *g = rundir_group(d, workload, threads, alloc);
	for (size_t i = 0; g && i < g->ncells; i++) {
		const struct rundir_cell *c = &d->cells[g->cells[i]];
		double peak = c->v[METRIC_peak_rss_bytes];
		if (!c->series[0])
			continue;
		if (!any)
			any = c;
		if (!c->ok)
			continue;
		if (!best || isnan(median) ||
		    fabs(peak - median) < fabs(best->v[METRIC_peak_rss_bytes] - median))
			best = best && isnan(median) ? best : c;
	}
	return best ? best : any;
}

void rundir_block_label(const struct rundir_block *b, char *buf, size_t len)
{
	if (b->threads < 0)
		snprintf(buf, len, "%s", b->workload);
	else
		snprintf(buf, len, "%s, %d thread%s", b->workload, b->threads,
		         b->threads == 1 ? "" : "s");
}

void rundir_block_stem(const struct rundir_block *b, char *buf, size_t len)
{
	/* Names follow the name rule (checked on read): safe in file names. */
	if (b->threads < 0)
		snprintf(buf, len, "%s", b->workload);
	else
		snprintf(buf, len, "%s-t%d", b->workload, b->threads);
}

static int cmp_group(const void *a, const void *b)
{
	const struct rundir_group *x = *(const struct rundir_group *const *)a;
	const struct rundir_group *y = *(const struct rundir_group *const *)b;
	int c = strcmp(x->workload, y->workload);
	if (c)
		return c;
	if (x->threads != y->threads)
		return x->threads < y->threads ? -1 : 1;
	return strcmp(sort_d->allocs[x->alloc].name, sort_d->allocs[y->alloc].name);
}

void rundir_sort_groups(const struct rundir *d, const struct rundir_group **groups, size_t n)
{
	sort_d = d;
	if (n)
		qsort(groups, n, sizeof(*groups), cmp_group);
}
