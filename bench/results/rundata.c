/* rundata.c - a run's figures read back from disk (see rundata.h).
 *
 * Strict about the shape (a file that is not a wimm summary says so, with
 * the first thing that is wrong), lenient about content: a metric that is
 * missing or null is n/a, so summaries from older or newer wimm versions
 * with other metrics still compare on the ones they share.
 */
#include "bench/results/rundata.h"

#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench/results/jsonr.h"
#include "bench/results/stats.h"
#include "common/limits.h"

#define RUNDATA_KEY_(id, key, range) #key,
const char *const rundata_metric_keys[RUNDATA_NMETRICS] = {RUNDATA_METRICS(RUNDATA_KEY_)};
#undef RUNDATA_KEY_
#define RUNDATA_RANGE_(id, key, range) range,
static const enum jsonr_range rundata_metric_range[RUNDATA_NMETRICS] = {
    RUNDATA_METRICS(RUNDATA_RANGE_)};
#undef RUNDATA_RANGE_

static long get_long(struct json_object *o, const char *key)
{
	double v = jsonr_num(o, key);
	return isnan(v) ? -1 : (long)v;
}

/* The testbed names files (baseline/<testbed>.json, history/<testbed>.csv):
 * only what sysinfo_testbed writes, never cut to fit. */
static int read_testbed(const struct jsonr_at *at, struct json_object *meta, char *buf, size_t len)
{
	struct json_object *v = jsonr_get(meta, "testbed");
	char q[64];
	buf[0] = '\0';
	if (!v || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return jsonr_fail(at, "testbed", "expected a string, got a %s",
		                  json_type_to_name(json_object_get_type(v)));
	const char *s = json_object_get_string(v);
	size_t n = (size_t)json_object_get_string_len(v);
	if (n >= len || n >= WIMM_TESTBED_MAX)
		return jsonr_fail(
		    at, "testbed",
		    "%zu characters, longer than the %d a testbed has: not written by "
		    "wimm, or changed",
		    n, WIMM_TESTBED_MAX - 1);
	if (strlen(s) != n || !limits_testbed_ok(s))
		return jsonr_fail(at, "testbed",
		                  "%s is not a testbed wimm writes (letters, digits, '_', '.' and "
		                  "'-', as <machine>-<CPUs>cpu-<kernel>): it names files, so "
		                  "nothing else is accepted",
		                  jsonr_quote(s, q, sizeof(q)));
	memcpy(buf, s, n + 1);
	return 0;
}

/* meta.json, or a baseline's "meta" (then within is "meta"). */
static int read_meta(struct rundata *d, struct json_object *meta, const char *file,
                     const char *within, char *err, size_t errlen)
{
	struct json_object *host = jsonr_get(meta, "host"), *allocs = jsonr_get(meta, "allocators");
	struct jsonr_at at = {file, within, err, errlen};
	d->has_meta = 1;
	if (jsonr_name(&at, meta, "run_id", false, d->run_id) ||
	    read_testbed(&at, meta, d->testbed, sizeof(d->testbed)))
		return -EINVAL;
	jsonr_copy(d->started_utc, sizeof(d->started_utc), jsonr_str(meta, "started_utc"));
	jsonr_copy(d->wimm_version, sizeof(d->wimm_version), jsonr_str(meta, "wimm_version"));
	jsonr_copy(d->machine, sizeof(d->machine), jsonr_str(host, "machine"));
	jsonr_copy(d->kernel_release, sizeof(d->kernel_release), jsonr_str(host, "kernel_release"));
	d->cpus_online = get_long(host, "cpus_online");
	d->cpus_allowed = get_long(host, "cpus_allowed");
	d->scale = jsonr_num(meta, "scale");
	d->reps = (int)get_long(meta, "reps");
	if (allocs && json_object_is_type(allocs, json_type_array)) {
		size_t n = json_object_array_length(allocs);
		d->allocs = calloc(n + 1, sizeof(*d->allocs));
		if (!d->allocs)
			return -ENOMEM;
		for (size_t i = 0; i < n; i++) {
			struct json_object *a = json_object_array_get_idx(allocs, i);
			char name[RUNDATA_NAME_MAX], prefix[64];
			struct jsonr_at aat = {file, prefix, err, errlen};
			snprintf(prefix, sizeof(prefix), "%s%sallocators[%zu]", within,
			         within[0] ? "." : "", i);
			if (jsonr_name(&aat, a, "name", false, name))
				return -EINVAL;
			if (!name[0])
				continue;
			jsonr_copy(d->allocs[d->nallocs].name, RUNDATA_NAME_MAX, name);
			jsonr_copy(d->allocs[d->nallocs].version, 64, jsonr_str(a, "version"));
			d->nallocs++;
		}
	}
	return 0;
}

static struct rundata_group *find_or_add(struct rundata *d, const char *workload, int threads,
                                         const char *allocator, size_t *cap)
{
	for (size_t i = 0; i < d->ngroups; i++) {
		struct rundata_group *g = &d->groups[i];
		if (g->threads == threads && !strcmp(g->workload, workload) &&
		    !strcmp(g->allocator, allocator))
			return g;
	}
	if (d->ngroups == *cap) {
		size_t n = *cap ? *cap * 2 : 32;
		struct rundata_group *grown = realloc(d->groups, n * sizeof(*grown));
		if (!grown)
			return NULL;
		d->groups = grown;
		*cap = n;
	}
	struct rundata_group *g = &d->groups[d->ngroups++];
	memset(g, 0, sizeof(*g));
	jsonr_copy(g->workload, sizeof(g->workload), workload);
	jsonr_copy(g->allocator, sizeof(g->allocator), allocator);
	g->threads = threads;
	return g;
}

static int add_rep(struct rundata_group *g, const struct rundata_rep *r)
{
	struct rundata_rep *grown = realloc(g->reps, (g->nreps + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	g->reps = grown;
	g->reps[g->nreps++] = *r;
	if (r->ok)
		g->reps_ok++;
	else
		g->reps_failed++;
	return 0;
}

static int cmp_rep(const void *a, const void *b)
{
	int x = ((const struct rundata_rep *)a)->rep, y = ((const struct rundata_rep *)b)->rep;
	return (x > y) - (x < y);
}

static int read_cells(struct rundata *d, struct json_object *cells, const char *file, char *err,
                      size_t errlen)
{
	size_t n = json_object_array_length(cells), cap = 0;
	for (size_t i = 0; i < n; i++) {
		struct json_object *c = json_object_array_get_idx(cells, i);
		char workload[RUNDATA_NAME_MAX], allocator[RUNDATA_NAME_MAX], prefix[64];
		struct jsonr_at at = {file, prefix, err, errlen};
		snprintf(prefix, sizeof(prefix), "cells[%zu]", i);
		if (jsonr_name(&at, c, "workload", true, workload) ||
		    jsonr_name(&at, c, "allocator", true, allocator))
			return -EINVAL;
		const char *status = jsonr_str(c, "status");
		char q[64];
		if (!status || (strcmp(status, "ok") && strcmp(status, "failed")))
			return jsonr_fail(&at, "status",
			                  "%s: expected \"ok\" or \"failed\" (a damaged file, or "
			                  "not a wimm summary)",
			                  status ? jsonr_quote(status, q, sizeof(q)) : "missing");
		double threads, rep;
		if (jsonr_figure(&at, c, "threads", JSONR_WHOLE, &threads) ||
		    jsonr_figure(&at, c, "rep", JSONR_WHOLE, &rep))
			return -EINVAL;
		if (threads > 1e6 || rep > 1e6 || rep == 0)
			return jsonr_fail(&at, threads > 1e6 ? "threads" : "rep",
			                  "out of range: not a wimm summary (or a damaged one)");
		struct rundata_group *g =
		    find_or_add(d, workload, isnan(threads) ? -1 : (int)threads, allocator, &cap);
		if (!g)
			return -ENOMEM;
		struct rundata_rep r = {.rep = isnan(rep) ? (int)g->nreps + 1 : (int)rep,
		                        .ok = !strcmp(status, "ok")};
		for (size_t k = 0; k < g->nreps; k++)
			if (g->reps[k].rep == r.rep)
				return jsonr_fail(&at, "rep",
				                  "a second cell for %s, threads %d, %s, rep %d: a "
				                  "damaged file",
				                  workload, g->threads, allocator, r.rep);
		for (int m = 0; m < RUNDATA_NMETRICS; m++)
			if (jsonr_figure(&at, c, rundata_metric_keys[m], rundata_metric_range[m],
			                 &r.v[m]))
				return -EINVAL;
		if (!g->allocator_version[0])
			jsonr_copy(g->allocator_version, sizeof(g->allocator_version),
			           jsonr_str(c, "allocator_version"));
		if (add_rep(g, &r))
			return -ENOMEM;
	}
	for (size_t i = 0; i < d->ngroups; i++)
		qsort(d->groups[i].reps, d->groups[i].nreps, sizeof(struct rundata_rep), cmp_rep);
	return 0;
}

/* "DIR/summary.json" -> "DIR/meta.json"; "summary.json" -> "meta.json". */
static void sibling(const char *path, const char *name, char *out, size_t len)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(out, len, "%s", name);
	else
		snprintf(out, len, "%.*s/%s", (int)(slash - path), path, name);
}

static int load(struct rundata *d, const char *path, char *err, size_t errlen)
{
	char summary_path[PATH_MAX + 32], meta_path[PATH_MAX + 32];
	struct json_object *top = NULL, *meta = NULL, *cells;
	struct stat st;
	int rc = 0;

	if (stat(path, &st) < 0) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -errno;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(summary_path, sizeof(summary_path), "%s/summary.json", path);
		snprintf(meta_path, sizeof(meta_path), "%s/meta.json", path);
		if (stat(summary_path, &st) < 0) {
			snprintf(err, errlen,
			         "%s is not a wimm run directory: it has no summary.json "
			         "(give results/runs/<id>, results/latest, a summary.json or a "
			         "baseline file)",
			         path);
			return -EINVAL;
		}
		d->kind = "run";
	} else {
		snprintf(summary_path, sizeof(summary_path), "%s", path);
		sibling(path, "meta.json", meta_path, sizeof(meta_path));
		d->kind = "summary";
	}
	if (!(top = jsonr_load(summary_path, err, errlen, &rc)))
		return rc;
	if (!json_object_is_type(top, json_type_object)) {
		snprintf(err, errlen, "%s is not a wimm summary: not a JSON object", summary_path);
		rc = -EINVAL;
		goto out;
	}
	if (jsonr_get(top, "wimm_baseline")) {
		d->kind = "baseline";
		meta = jsonr_get(top, "meta");
		if (!meta) {
			snprintf(err, errlen, "%s: a baseline without its \"meta\" context", path);
			rc = -EINVAL;
			goto out;
		}
		d->meta = json_object_get(meta);
		d->complete = 1;
	} else {
		if (!jsonr_get(top, "groups") && jsonr_get(top, "host")) {
			snprintf(err, errlen,
			         "%s is a run's meta.json, not its summary: give the run directory",
			         path);
			rc = -EINVAL;
			goto out;
		}
		struct json_object *complete = jsonr_get(top, "complete");
		if (complete && !json_object_is_type(complete, json_type_boolean)) {
			struct jsonr_at at = {summary_path, "", err, errlen};
			rc = jsonr_fail(&at, "complete", "expected true or false");
			goto out;
		}
		d->complete = !complete || json_object_get_boolean(complete);
		if (stat(meta_path, &st) == 0 &&
		    !(d->meta = jsonr_load(meta_path, err, errlen, &rc)))
			goto out;
	}
	cells = jsonr_get(top, "cells");
	if (!cells || !json_object_is_type(cells, json_type_array)) {
		snprintf(err, errlen, "%s is not a wimm summary: it has no \"cells\" array", path);
		rc = -EINVAL;
		goto out;
	}
	int in_top = d->meta == jsonr_get(top, "meta");
	if (d->meta && (rc = read_meta(d, d->meta, in_top ? summary_path : meta_path,
	                               in_top ? "meta" : "", err, errlen)))
		goto out;
	char run_id[RUNDATA_NAME_MAX];
	struct jsonr_at at = {summary_path, "", err, errlen};
	if ((rc = jsonr_name(&at, top, "run_id", false, run_id)))
		goto out;
	if (!d->run_id[0])
		jsonr_copy(d->run_id, sizeof(d->run_id), run_id);
	rc = read_cells(d, cells, summary_path, err, errlen);
out:
	if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory reading %s", path);
	json_object_put(top);
	return rc;
}

int rundata_load(const char *path, struct rundata **out, char *err, size_t errlen)
{
	struct rundata *d = calloc(1, sizeof(*d));
	*out = NULL;
	if (!d) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	jsonr_copy(d->source, sizeof(d->source), path);
	d->cpus_online = d->cpus_allowed = -1;
	d->scale = NAN;
	d->reps = -1;
	int rc = load(d, path, err, errlen);
	if (rc) {
		rundata_destroy(d);
		return rc;
	}
	*out = d;
	return 0;
}

void rundata_destroy(struct rundata *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->ngroups; i++)
		free(d->groups[i].reps);
	free(d->groups);
	free(d->allocs);
	json_object_put(d->meta);
	free(d);
}

const struct rundata_group *rundata_find(const struct rundata *d, const char *workload, int threads,
                                         const char *allocator)
{
	for (size_t i = 0; i < d->ngroups; i++) {
		const struct rundata_group *g = &d->groups[i];
		if (g->threads == threads && !strcmp(g->workload, workload) &&
		    !strcmp(g->allocator, allocator))
			return g;
	}
	return NULL;
}

const char *rundata_alloc_version(const struct rundata *d, const char *allocator)
{
	for (size_t i = 0; i < d->nallocs; i++)
		if (!strcmp(d->allocs[i].name, allocator))
			return d->allocs[i].version[0] ? d->allocs[i].version : NULL;
	return NULL;
}

double rundata_median(const struct rundata_group *g, enum rundata_metric m)
{
	double *v = malloc((g->nreps + 1) * sizeof(*v));
	size_t n = 0;
	if (!v)
		return NAN;
	for (size_t i = 0; i < g->nreps; i++)
		if (g->reps[i].ok)
			v[n++] = g->reps[i].v[m];
	double med = stats_median(v, n);
	free(v);
	return med;
}

size_t rundata_time_ratios(const struct rundata *d, const struct rundata_group *g, double *out)
{
	const struct rundata_group *ref =
	    rundata_find(d, g->workload, g->threads, RUNDATA_TIME_REFERENCE);
	size_t n = 0;
	if (!ref)
		return 0;
	for (size_t i = 0; i < g->nreps; i++) {
		const struct rundata_rep *r = &g->reps[i];
		if (!r->ok || isnan(r->v[RUNDATA_WALL]))
			continue;
		for (size_t j = 0; j < ref->nreps; j++) {
			const struct rundata_rep *q = &ref->reps[j];
			if (q->rep != r->rep)
				continue;
			if (q->ok && q->v[RUNDATA_WALL] > 0)
				out[n++] = r->v[RUNDATA_WALL] / q->v[RUNDATA_WALL];
			break;
		}
	}
	return n;
}

int rundata_group_cmp(const void *a, const void *b)
{
	const struct rundata_group *x = *(const struct rundata_group *const *)a;
	const struct rundata_group *y = *(const struct rundata_group *const *)b;
	int c = strcmp(x->workload, y->workload);
	if (c)
		return c;
	if (x->threads != y->threads)
		return x->threads < y->threads ? -1 : 1;
	return strcmp(x->allocator, y->allocator);
}
