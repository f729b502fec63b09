/* rundir_json.c - meta.json and the cells of a summary or baseline, read
 * into a struct rundir and checked (see rundir.h).
 *
 * What each figure may be comes from the metric table (its unit): a byte
 * count is a whole number >= 0, a slope any finite number, and so on. Free
 * text that is only shown (a reason, a note, a description) is cut to its
 * buffer; anything that names a file or reaches a figure (names, testbed,
 * series) must be exactly what wimm writes.
 */
#include "bench/results/rundir.h"

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/results/jsonr.h"
#include "bench/results/phases.h"
#include "common/units.h"

/* ---- meta.json ---- */

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
	if (n >= len)
		return jsonr_fail(
		    at, "testbed",
		    "%zu characters, longer than the %zu a testbed has: not written by "
		    "wimm, or changed",
		    n, len - 1);
	if (strlen(s) != n || !limits_testbed_ok(s))
		return jsonr_fail(at, "testbed",
		                  "%s is not a testbed wimm writes (letters, digits, '_', '.' and "
		                  "'-', as <machine>-<CPUs>cpu-<kernel>): it names files, so "
		                  "nothing else is accepted",
		                  jsonr_quote(s, q, sizeof(q)));
	memcpy(buf, s, n + 1);
	return 0;
}

static long whole_or(const struct jsonr_at *at, struct json_object *o, const char *key, long na,
                     int *rc)
{
	double v;
	if (*rc || (*rc = jsonr_figure(at, o, key, JSONR_WHOLE, &v)))
		return na;
	if (v > 1e9) {
		*rc = jsonr_fail(at, key, "out of range: not written by wimm, or changed");
		return na;
	}
	return isnan(v) ? na : (long)v;
}

static void describe_host(struct rundir *d, struct json_object *h)
{
	char mem[32] = "?";
	double bytes = jsonr_num(h, "mem_total_bytes");
	if (bytes > 0 && bytes < 0x1p63)
		units_format_size((uint64_t)bytes, mem, sizeof(mem));
	const char *name = jsonr_str(h, "hostname"), *cpu = jsonr_str(h, "cpu_model");
	const char *glibc = jsonr_str(h, "glibc_version"), *thp = jsonr_str(h, "thp_enabled");
	snprintf(d->host, sizeof(d->host),
	         "%s: %s, %ld CPUs (%ld allowed), %s memory, Linux %s, "
	         "glibc %s, THP %s",
	         name ? name : "?", cpu ? cpu : "?", d->cpus_online, d->cpus_allowed, mem,
	         d->kernel_release[0] ? d->kernel_release : "?", glibc ? glibc : "?",
	         thp ? thp : "?");
}

static int add_alloc(struct rundir *d, const char *name)
{
	if (d->nallocs == RUNDIR_MAX_ALLOCS)
		return -E2BIG;
	struct rundir_alloc *grown = realloc(d->allocs, (size_t)(d->nallocs + 1) * sizeof(*grown));
	if (!grown || strmap_put(&d->alloc_map, name, strlen(name), d->nallocs)) {
		if (grown)
			d->allocs = grown;
		return -ENOMEM;
	}
	d->allocs = grown;
	memset(&grown[d->nallocs], 0, sizeof(*grown));
	jsonr_copy(grown[d->nallocs].name, sizeof(grown->name), name);
	grown[d->nallocs].style = d->nallocs;
	return d->nallocs++;
}

/* The allocator's index, added when it is new. */
static int find_alloc(struct rundir *d, const char *name)
{
	int i = rundir_alloc_index(d, name);
	return i >= 0 ? i : add_alloc(d, name);
}

static bool valid_colour(const char *c)
{
	return c && strlen(c) == 7 && c[0] == '#' && strspn(c + 1, "0123456789abcdefABCDEF") == 6;
}

static int read_allocs(struct rundir *d, struct json_object *list, const char *file,
                       const char *within, char *err, size_t errlen)
{
	size_t n =
	    list && json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;
	for (size_t i = 0; i < n; i++) {
		struct json_object *a = json_object_array_get_idx(list, i), *env;
		char name[WIMM_NAME_MAX], prefix[64];
		struct jsonr_at at = {file, prefix, err, errlen};
		snprintf(prefix, sizeof(prefix), "%s%sallocators[%zu]", within,
		         within[0] ? "." : "", i);
		if (jsonr_name(&at, a, "name", false, name))
			return -EINVAL;
		if (!name[0])
			continue;
		int k = find_alloc(d, name);
		if (k == -E2BIG)
			return jsonr_fail(&at, "name",
			                  "more than %d allocators: not a run wimm wrote",
			                  RUNDIR_MAX_ALLOCS);
		if (k < 0)
			return -ENOMEM;
		struct rundir_alloc *ra = &d->allocs[k];
		jsonr_copy(ra->version, sizeof(ra->version), jsonr_str(a, "version"));
		jsonr_copy(ra->library, sizeof(ra->library), jsonr_str(a, "library"));
		jsonr_copy(ra->note, sizeof(ra->note), jsonr_str(a, "note"));
		/* The colour reaches the figures and the page: "#rrggbb" only. */
		if (valid_colour(jsonr_str(a, "colour")))
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

static int read_workloads(struct rundir *d, struct json_object *list, const char *file,
                          const char *within, char *err, size_t errlen)
{
	size_t n =
	    list && json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;
	d->workloads = calloc(n + 1, sizeof(*d->workloads));
	if (!d->workloads)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct json_object *w = json_object_array_get_idx(list, i);
		char name[WIMM_NAME_MAX], prefix[64];
		struct jsonr_at at = {file, prefix, err, errlen};
		snprintf(prefix, sizeof(prefix), "%s%sworkloads[%zu]", within, within[0] ? "." : "",
		         i);
		if (jsonr_name(&at, w, "name", false, name))
			return -EINVAL;
		if (!name[0])
			continue;
		struct rundir_workload *rw = &d->workloads[d->nworkloads++];
		jsonr_copy(rw->name, sizeof(rw->name), name);
		jsonr_copy(rw->description, sizeof(rw->description), jsonr_str(w, "description"));
		/* Only shown, quoted, in a suggested command: a path that does not
		 * fit or holds a control character is left out. */
		const char *path = jsonr_str(w, "path");
		bool shown = path && strlen(path) < sizeof(rw->path);
		for (const char *c = path; shown && *c; c++)
			shown = (unsigned char)*c >= 0x20 && *c != 0x7f;
		if (shown)
			jsonr_copy(rw->path, sizeof(rw->path), path);
	}
	return 0;
}

int rundir_read_meta(struct rundir *d, struct json_object *meta, const char *file,
                     const char *within, char *err, size_t errlen)
{
	struct json_object *host = jsonr_get(meta, "host");
	char host_within[64];
	struct jsonr_at at = {file, within, err, errlen};
	struct jsonr_at hat = {file, host_within, err, errlen};
	int rc = 0;
	snprintf(host_within, sizeof(host_within), "%s%shost", within, within[0] ? "." : "");
	d->has_meta = true;
	if (jsonr_name(&at, meta, "run_id", false, d->run_id) ||
	    read_testbed(&at, meta, d->testbed, sizeof(d->testbed)))
		return -EINVAL;
	jsonr_copy(d->started_utc, sizeof(d->started_utc), jsonr_str(meta, "started_utc"));
	jsonr_copy(d->wimm_version, sizeof(d->wimm_version), jsonr_str(meta, "wimm_version"));
	jsonr_copy(d->command_line, sizeof(d->command_line), jsonr_str(meta, "command_line"));
	jsonr_copy(d->env_removed, sizeof(d->env_removed), jsonr_str(meta, "env_removed"));
	jsonr_copy(d->machine, sizeof(d->machine), jsonr_str(host, "machine"));
	jsonr_copy(d->kernel_release, sizeof(d->kernel_release), jsonr_str(host, "kernel_release"));
	d->cpus_online = whole_or(&hat, host, "cpus_online", -1, &rc);
	d->cpus_allowed = whole_or(&hat, host, "cpus_allowed", -1, &rc);
	d->reps = (int)whole_or(&at, meta, "reps", -1, &rc);
	if (rc || jsonr_figure(&at, meta, "scale", JSONR_NONNEG, &d->scale) ||
	    jsonr_figure(&at, meta, "interval_s", JSONR_NONNEG, &d->interval_s))
		return -EINVAL;
	/* The seed is any uint64 (2^64 - 1 too): an integer, never through a
	 * double, and never negative. */
	struct json_object *seed = jsonr_get(meta, "seed");
	if (seed && !json_object_is_type(seed, json_type_null)) {
		if (!json_object_is_type(seed, json_type_int) ||
		    (json_object_get_int64(seed) < 0 && json_object_get_uint64(seed) <= INT64_MAX))
			return jsonr_fail(&at, "seed",
			                  "expected a whole number from 0 to 2^64 - 1");
		d->seed = (unsigned long long)json_object_get_uint64(seed);
	}
	describe_host(d, host);
	rc = read_allocs(d, jsonr_get(meta, "allocators"), file, within, err, errlen);
	if (!rc)
		rc = rundir_read_variants(d, meta, file, within, err, errlen);
	return rc ? rc : read_workloads(d, jsonr_get(meta, "workloads"), file, within, err, errlen);
}

/* ---- cells ---- */

/* What a figure may be, from its unit. */
static enum jsonr_range range_of(enum metric_unit u)
{
	switch (u) {
	case MU_ID:
	case MU_COUNT:
	case MU_BYTES:
		return JSONR_WHOLE;
	case MU_BYTES_SLOPE:
		return JSONR_FINITE;
	case MU_SECONDS:
	case MU_MICROS:
	case MU_RATIO:
	case MU_FRACTION:
		break;
	}
	return JSONR_NONNEG;
}

static int read_figures(const struct jsonr_at *at, struct json_object *o, double *v)
{
	for (int i = 0; i < METRIC_N; i++) {
		const struct metric *m = &metrics[i];
		v[i] = NAN;
		if (m->type != MT_INT && m->type != MT_REAL)
			continue;
		if (jsonr_figure(at, o, m->key, range_of(m->unit), &v[i]))
			return -EINVAL;
		/* A fraction a little over 1 is rounding; far over, damage. */
		if (m->unit == MU_FRACTION && v[i] > 1.000001)
			return jsonr_fail(at, m->key, "expected a number from 0 to 1, got %g",
			                  v[i]);
		if (m->unit == MU_ID && v[i] > 1e9)
			return jsonr_fail(at, m->key, "out of range (%g): a damaged file", v[i]);
	}
	metrics_derive(v, false);
	return 0;
}

/* A string field as an allocated copy, "" when missing; cut at max
 * bytes (text that is only shown). NULL when out of memory. */
static char *text_of(struct json_object *o, const char *key, size_t max)
{
	const char *s = jsonr_str(o, key);
	return strndup(s ? s : "", max);
}

/* "series/<file>.tsv", as results.c names it: a file of the run's own
 * series/ directory, never a path out of it (the figures read it, and a
 * long one is copied into plots/data/). */
static int read_series(const struct jsonr_at *at, struct json_object *o, char **out)
{
	struct json_object *v = jsonr_get(o, "series");
	const char *s = jsonr_str(o, "series");
	char q[64];
	if (!v || json_object_is_type(v, json_type_null))
		return (*out = strdup("")) ? 0 : -ENOMEM;
	size_t n = s ? strlen(s) : 0;
	bool ok = n > 11 && n < 256 && !strncmp(s, "series/", 7) && s[7] != '.' &&
	          !strcmp(s + n - 4, ".tsv");
	for (size_t i = 7; ok && i < n; i++)
		ok = limits_name_char(s[i]) || s[i] == '+';
	if (!ok)
		return jsonr_fail(at, "series",
		                  "%s is not a series file of the run (series/NAME.tsv): not "
		                  "written by wimm, or changed",
		                  s ? jsonr_quote(s, q, sizeof(q)) : "not a string");
	return (*out = strdup(s)) ? 0 : -ENOMEM;
}

static int read_phases(struct rundir_cell *c, struct json_object *list, const char *file,
                       size_t cell, char *err, size_t errlen)
{
	char prefix[64];
	struct jsonr_at at = {file, prefix, err, errlen};
	snprintf(prefix, sizeof(prefix), "cells[%zu]", cell);
	if (list && !json_object_is_type(list, json_type_array) &&
	    !json_object_is_type(list, json_type_null))
		return jsonr_fail(&at, "phases", "expected a list");
	size_t n =
	    list && json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;
	if (n > WIMM_SERIES_PHASES)
		return jsonr_fail(&at, "phases", "%zu phases, more than the %d a run has", n,
		                  WIMM_SERIES_PHASES);
	if (n && !(c->phases = calloc(n, sizeof(*c->phases))))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct json_object *p = json_object_array_get_idx(list, i);
		struct rundir_phase *rp = &c->phases[c->nphases++];
		double samples, v;
		snprintf(prefix, sizeof(prefix), "cells[%zu].phases[%zu]", cell, i);
		if (!json_object_is_type(p, json_type_object))
			return jsonr_fail(&at, "", "expected an object");
		if (jsonr_label(&at, p, "name", rp->name))
			return -EINVAL;
			/* Every figure of the list, checked by its unit. */
#define CHECK_(key, type, unit, group, doc)                                                        \
	if (jsonr_figure(&at, p, #key, range_of(unit), &v))                                        \
		return -EINVAL;
		PHASE_FIELDS(CHECK_)
#undef CHECK_
		if (jsonr_figure(&at, p, "samples", JSONR_WHOLE, &samples) ||
		    jsonr_figure(&at, p, "start_s", JSONR_NONNEG, &rp->start_s) ||
		    jsonr_figure(&at, p, "end_s", JSONR_NONNEG, &rp->end_s))
			return -EINVAL;
		if (samples > 1e9)
			return jsonr_fail(&at, "samples", "out of range (%g)", samples);
		/* Checked above, by their units. */
		double snap_rss, snap_heap;
		jsonr_figure(&at, p, "duration_s", JSONR_NONNEG, &rp->duration_s);
		jsonr_figure(&at, p, "rss_end_bytes", JSONR_WHOLE, &rp->rss_end_bytes);
		jsonr_figure(&at, p, "heap_end_bytes", JSONR_WHOLE, &rp->heap_end_bytes);
		jsonr_figure(&at, p, "snapshot_rss_bytes", JSONR_WHOLE, &snap_rss);
		jsonr_figure(&at, p, "snapshot_heap_bytes", JSONR_WHOLE, &snap_heap);
		jsonr_figure(&at, p, "heap_growth_per_iter_bytes", JSONR_FINITE, &rp->heap_growth);
		jsonr_figure(&at, p, "heap_growth_ci95_bytes", JSONR_FINITE, &rp->heap_growth_ci95);
		/* The exact reading at the phase's end, where it was taken. */
		if (!isnan(snap_rss)) {
			rp->rss_end_bytes = snap_rss;
			rp->heap_end_bytes = snap_heap;
		}
		rp->samples = isnan(samples) ? 0 : (int)samples;
	}
	return 0;
}

static int read_status(const struct jsonr_at *at, struct json_object *o, bool *ok)
{
	const char *status = jsonr_str(o, "status");
	char q[64];
	if (!status || (strcmp(status, "ok") && strcmp(status, "failed")))
		return jsonr_fail(
		    at, "status",
		    "%s: expected \"ok\" or \"failed\" (a damaged file, or not a wimm "
		    "summary)",
		    status ? jsonr_quote(status, q, sizeof(q)) : "missing");
	*ok = !strcmp(status, "ok");
	return 0;
}

static int read_cell(struct rundir *d, struct json_object *o, size_t i, const char *file, char *err,
                     size_t errlen)
{
	struct rundir_cell *c = &d->cells[d->ncells];
	char allocator[WIMM_NAME_MAX], prefix[64];
	struct jsonr_at at = {file, prefix, err, errlen};
	snprintf(prefix, sizeof(prefix), "cells[%zu]", i);
	memset(c, 0, sizeof(*c));
	if (!json_object_is_type(o, json_type_object))
		return jsonr_fail(&at, "", "expected an object");
	if (jsonr_name(&at, o, "workload", true, c->workload) ||
	    jsonr_name(&at, o, "allocator", true, allocator) || read_status(&at, o, &c->ok) ||
	    read_figures(&at, o, c->v))
		return -EINVAL;
	/* Counted as read from here: rundir_destroy frees what it holds. */
	d->ncells++;
	int rc = read_series(&at, o, &c->series);
	if (rc)
		return rc;
	c->reason = text_of(o, "reason", 255);
	c->allocator_version = text_of(o, "allocator_version", 63);
	c->top_process = text_of(o, "top_process", 127);
	if (!c->reason || !c->allocator_version || !c->top_process)
		return -ENOMEM;
	double threads = c->v[METRIC_threads], rep = c->v[METRIC_rep];
	if (rep == 0)
		return jsonr_fail(&at, "rep", "0: repetitions count from 1");
	c->threads = isnan(threads) ? -1 : (int)threads;
	if ((c->alloc = find_alloc(d, allocator)) == -E2BIG)
		return jsonr_fail(&at, "allocator", "more than %d allocators: not a run wimm wrote",
		                  RUNDIR_MAX_ALLOCS);
	if (c->alloc < 0)
		return -ENOMEM;
	c->rep = isnan(rep) ? 0 : (int)rep; /* 0: numbered below */
	if ((rc = read_phases(c, jsonr_get(o, "phases"), file, i, err, errlen)))
		return rc;
	d->failed_cells += !c->ok;
	return 0;
}

int rundir_read_cells(struct rundir *d, struct json_object *cells, const char *file, char *err,
                      size_t errlen)
{
	size_t n = json_object_array_length(cells);
	if (n > RUNDIR_MAX_CELLS) {
		struct jsonr_at at = {file, "", err, errlen};
		return jsonr_fail(&at, "cells", "%zu cells, more than the %d a run may have", n,
		                  RUNDIR_MAX_CELLS);
	}
	d->cells = calloc(n + 1, sizeof(*d->cells));
	if (!d->cells)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		int rc = read_cell(d, json_object_array_get_idx(cells, i), i, file, err, errlen);
		if (rc)
			return rc;
	}
	return 0;
}
