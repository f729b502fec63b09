/* results.c - the run directory (see results.h).
 *
 * Layout: OUT_ROOT/runs/<id>/{meta.json, cells.csv, summary.json,
 * series/<cell>.tsv} and OUT_ROOT/latest -> runs/<id>. The cells stay in
 * memory and cells.csv and summary.json are rebuilt whole after each cell
 * (a run holds at most thousands of cells, each taking seconds, so the
 * rewrite costs nothing measurable): a reader or an interrupted run always
 * sees complete files, never an appended half line.
 *
 * cells.csv and summary.json exist from the moment the run directory does,
 * empty, so a run killed before its first cell still reads as a run.
 * Until results_finish, summary.json says "complete": false and
 * "cells_not_run": null, because only the caller knows how many remain.
 */
#include "bench/results/results.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench/plan/plan_json.h"
#include "bench/results/cell_io.h"
#include "config.h"
#include "bench/results/jsonw.h"
#include "common/fsutil.h"
#include "common/log.h"
#include "bench/run/series_io.h"
#include "bench/results/stats.h"
#include "bench/run/sysinfo.h"

#define ERR_MAX (PATH_MAX + 256)
/* "series/" + two names + two int64 + punctuation. */
#define SERIES_NAME_MAX (16 + 2 * WIMM_NAME_MAX + 2 * 21 + 16)
#define JSON_FLAGS (JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE)

struct stored_cell {
	struct cell_record rec;
	struct phase_stats phases;
	size_t group;
	char series[SERIES_NAME_MAX]; /* "series/<file>.tsv"; "" when none was written */
};

/* One (workload, threads, allocator): the unit repetitions aggregate over. */
struct group {
	char workload[sizeof(((struct cell_record *)0)->workload)];
	int64_t threads;
	char allocator[sizeof(((struct cell_record *)0)->allocator)];
};

struct results {
	char root[PATH_MAX];
	char dir[PATH_MAX]; /* root/runs/<id> */
	char id[32];
	struct stored_cell *cells;
	size_t ncells, capcells;
	struct group *groups;
	size_t ngroups, capgroups;
	bool finished;
	int cells_not_run;
	int latest_rc; /* -errno when latest could not be pointed at this run */
};

/* ---- files and directories ---- */

static int join(char *out, size_t len, const char *a, const char *b)
{
	return snprintf(out, len, "%s/%s", a, b) >= (int)len ? -ENAMETOOLONG : 0;
}

/* Says in err which file could not be written and why; returns rc. */
static int write_failed(const char *dir, const char *name, int rc, char *err, size_t errlen)
{
	snprintf(err, errlen, "cannot write %s/%s: %s", dir, name, strerror(-rc));
	return rc;
}

/* Writes dir/name; on failure err says which file and why. */
static int write_named(const char *dir, const char *name, const void *data, size_t len, char *err,
                       size_t errlen)
{
	char path[PATH_MAX];
	int rc = join(path, sizeof(path), dir, name);
	if (rc == 0)
		rc = fsutil_write(path, data, len);
	return rc < 0 ? write_failed(dir, name, rc, err, errlen) : 0;
}

static int write_json(const char *dir, const char *name, struct json_object *obj, char *err,
                      size_t errlen)
{
	const char *s = obj ? json_object_to_json_string_ext(obj, JSON_FLAGS) : NULL;
	size_t n = s ? strlen(s) : 0;
	char *text = s ? malloc(n + 1) : NULL;
	int rc;
	if (!text)
		return write_failed(dir, name, -ENOMEM, err, errlen);
	memcpy(text, s, n);
	text[n] = '\n'; /* a text file ends in a newline */
	rc = write_named(dir, name, text, n + 1, err, errlen);
	free(text);
	return rc;
}

/* ---- meta.json ---- */

/* Quoted only when the shell would split or expand it, so the usual
 * command line reads as typed and any one can be pasted back. */
static void put_shell_word(FILE *f, const char *s)
{
	static const char safe[] = "@%+=:,./-_";
	bool plain = *s != '\0';
	for (const char *p = s; *p && plain; p++)
		plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		        (*p >= '0' && *p <= '9') || strchr(safe, *p);
	if (plain) {
		fputs(s, f);
		return;
	}
	fputc('\'', f);
	for (const char *p = s; *p; p++) {
		if (*p == '\'')
			fputs("'\\''", f);
		else
			fputc(*p, f);
	}
	fputc('\'', f);
}

static struct json_object *command_line(int argc, char **argv)
{
	char *text = NULL;
	size_t len = 0;
	struct json_object *o = NULL;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return NULL;
	for (int i = 0; i < argc && argv && argv[i]; i++) {
		if (i > 0)
			fputc(' ', f);
		put_shell_word(f, argv[i]);
	}
	if (fclose(f) == 0)
		o = json_object_new_string(text);
	free(text);
	return o;
}

static struct json_object *allocator_json(const struct allocator *a, const char *version)
{
	struct json_object *o = json_object_new_object();
	struct json_object *env = json_object_new_array();
	int rc = 0;
	if (!o || !env) {
		json_object_put(o);
		json_object_put(env);
		return NULL;
	}
	for (int i = 0; i < a->nenv && i < ALLOCATOR_MAX_ENV; i++)
		rc |= jsonw_push(env, json_object_new_string(a->env[i]));
	rc |= jsonw_add_str(o, "name", a->name);
	rc |= jsonw_add_str(o, "library", a->library);
	rc |= jsonw_add_str(o, "path", a->path);
	rc |= jsonw_add_str(o, "version", version ? version : "");
	rc |= jsonw_add(o, "environment", env);
	rc |= jsonw_add_str(o, "note", a->note);
	rc |= jsonw_add_str(o, "source", a->source);
	/* The plots' colour, so a run directory draws the same on its own. */
	rc |= a->colour[0] ? jsonw_add_str(o, "colour", a->colour) : jsonw_add_null(o, "colour");
	rc |= a->variant_of[0] ? jsonw_add_str(o, "variant_of", a->variant_of)
	                       : jsonw_add_null(o, "variant_of");
	rc |= plan_allocator_json(o, a);
	if (rc) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static struct json_object *workload_json(const struct workload *w)
{
	struct json_object *o = json_object_new_object();
	struct json_object *axis = json_object_new_array();
	int rc = 0;
	if (!o || !axis) {
		json_object_put(o);
		json_object_put(axis);
		return NULL;
	}
	for (int i = 0; i < w->naxis && i < WORKLOAD_MAX_AXIS; i++)
		rc |= jsonw_push(axis, json_object_new_int(w->axis[i]));
	rc |= jsonw_add_str(o, "name", w->name);
	rc |= jsonw_add_str(o, "path", w->path);
	rc |= jsonw_add_str(o, "description", w->description);
	rc |= jsonw_add_uint(o, "seed", w->seed);
	rc |= jsonw_add(o, "threads", axis);
	rc |= jsonw_add_real(o, "timeout_s", w->timeout_s); /* 0 = the run's timeout_s */
	if (rc) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static struct json_object *build_meta(const struct results *r, const struct run_info *info,
                                      const char *started)
{
	struct json_object *o = json_object_new_object();
	struct json_object *host = json_object_new_object();
	struct json_object *allocs = json_object_new_array();
	struct json_object *works = json_object_new_array();
	char testbed[WIMM_TESTBED_MAX];
	int rc = 0;
	if (!o || !host || !allocs || !works) {
		json_object_put(host);
		json_object_put(allocs);
		json_object_put(works);
		goto fail;
	}
	rc |= sysinfo_add_json(host);
	for (int i = 0; i < info->nallocators; i++)
		rc |= jsonw_push(
		    allocs,
		    allocator_json(&info->allocators[i],
		                   info->allocator_versions ? info->allocator_versions[i] : ""));
	for (int i = 0; i < info->nworkloads; i++)
		rc |= jsonw_push(works, workload_json(&info->workloads[i]));
	rc |= jsonw_add_str(o, "wimm_version", WIMM_VERSION);
	rc |= jsonw_add_str(o, "run_id", r->id);
	rc |= jsonw_add_str(o, "started_utc", started);
	rc |= jsonw_add(o, "command_line", command_line(info->argc, info->argv));
	rc |= jsonw_add_uint(o, "seed", info->seed);
	rc |= jsonw_add_real(o, "interval_s", info->interval_s);
	rc |= jsonw_add_real(o, "timeout_s", info->timeout_s);
	rc |= jsonw_add_int(o, "reps", info->reps);
	rc |= jsonw_add_real(o, "scale", info->scale);
	rc |= jsonw_add_str(o, "env_removed", info->env_removed ? info->env_removed : "");
	rc |= info->probe ? jsonw_add_str(o, "probe", info->probe) : jsonw_add_null(o, "probe");
	rc |= info->mem_guard_bytes > 0 ? jsonw_add_int(o, "mem_guard_bytes", info->mem_guard_bytes)
	                                : jsonw_add_null(o, "mem_guard_bytes");
	rc |= jsonw_add(o, "sweeps", plan_sweeps_json(info->sweeps, info->nsweeps));
	rc |= info->idle_s > 0 ? jsonw_add_real(o, "idle_s", info->idle_s)
	                       : jsonw_add_null(o, "idle_s");
	rc |= jsonw_add_str(o, "testbed", sysinfo_testbed(testbed, sizeof(testbed)));
	rc |= jsonw_add(o, "host", host);
	rc |= jsonw_add(o, "allocators", allocs);
	rc |= jsonw_add(o, "workloads", works);
	if (rc == 0)
		return o;
fail:
	json_object_put(o);
	return NULL;
}

/* ---- cells.csv and summary.json ---- */

static int write_cells_csv(const struct results *r, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	int rc = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return write_failed(r->dir, "cells.csv", -ENOMEM, err, errlen);
	rc = cell_csv_header(f);
	for (size_t i = 0; i < r->ncells && rc == 0; i++)
		rc = cell_csv_write(f, &r->cells[i].rec);
	/* A memory stream fails only for want of memory. */
	if (fclose(f) != 0 || rc < 0)
		rc = write_failed(r->dir, "cells.csv", -ENOMEM, err, errlen);
	else
		rc = write_named(r->dir, "cells.csv", text, len, err, errlen);
	free(text);
	return rc;
}

static bool cell_ok(const struct cell_record *c) { return strcmp(c->status, "ok") == 0; }

/* An I field's median of an even count may fall between two integers;
 * only then is it written as a real. */
static int add_stat(struct json_object *o, const char *key, double v, bool integral)
{
	if (integral && v == floor(v) && fabs(v) < 9.2e18)
		return jsonw_add_int(o, key, (int64_t)v);
	return jsonw_add_real(o, key, v);
}

/* {"median", "min", "max"} of figure id over the ok cells idx[0..n), or
 * null when none of them has a value. vals has room for n. */
static int add_aggregate(struct json_object *g, const struct results *r, int id, const size_t *idx,
                         size_t n, double *vals)
{
	struct json_object *a;
	bool integral = metrics[id].type == MT_INT;
	size_t k = 0;
	int rc = 0;
	for (size_t i = 0; i < n; i++)
		if (cell_ok(&r->cells[idx[i]].rec))
			vals[k++] = cell_value(&r->cells[idx[i]].rec, id);
	if (stats_count(vals, k) == 0)
		return jsonw_add_null(g, metrics[id].key);
	a = json_object_new_object();
	if (!a)
		return -ENOMEM;
	rc |= add_stat(a, "median", stats_median(vals, k), integral);
	rc |= add_stat(a, "min", stats_min(vals, k), integral);
	rc |= add_stat(a, "max", stats_max(vals, k), integral);
	if (rc) {
		json_object_put(a);
		return rc;
	}
	return jsonw_add(g, metrics[id].key, a);
}

static struct json_object *group_json(const struct results *r, size_t gi, const size_t *idx,
                                      size_t n, double *vals)
{
	const struct group *gr = &r->groups[gi];
	struct json_object *g = json_object_new_object();
	int64_t ok = 0;
	int rc = 0;
	if (!g)
		return NULL;
	for (size_t i = 0; i < n; i++)
		ok += cell_ok(&r->cells[idx[i]].rec);
	rc |= jsonw_add_str(g, "workload", gr->workload);
	rc |= jsonw_add_int(g, "threads", gr->threads);
	rc |= jsonw_add_str(g, "allocator", gr->allocator);
	rc |= jsonw_add_int(g, "reps_ok", ok);
	rc |= jsonw_add_int(g, "reps_failed", (int64_t)n - ok);
	for (int i = 0; i < METRIC_N; i++)
		if (metrics[i].agg && metrics[i].type != MT_VIRTUAL)
			rc |= add_aggregate(g, r, i, idx, n, vals);
	if (rc) {
		json_object_put(g);
		return NULL;
	}
	return g;
}

/* Cells sorted by group (stable, so repetitions keep their order):
 * cells of group g are order[start[g] .. start[g + 1]). */
static int group_cells(const struct results *r, size_t **order, size_t **start)
{
	size_t *o = malloc((r->ncells + 1) * sizeof(*o));
	size_t *s = calloc(r->ngroups + 2, sizeof(*s));
	if (!o || !s) {
		free(o);
		free(s);
		return -ENOMEM;
	}
	for (size_t i = 0; i < r->ncells; i++)
		s[r->cells[i].group + 2]++;
	for (size_t g = 2; g < r->ngroups + 2; g++)
		s[g] += s[g - 1];
	/* s[g + 1] is now the first slot of group g: fill, advancing it. */
	for (size_t i = 0; i < r->ncells; i++)
		o[s[r->cells[i].group + 1]++] = i;
	*order = o;
	*start = s;
	return 0;
}

/* One phase's figures from PHASE_FIELDS; n/a (no sample in the phase, an
 * empty heap) is null, never 0. Snapshot and leak figures are written only
 * for a phase that has them. */
static int phase_json(struct json_object *o, const struct phase_stat *p)
{
	bool snapshot = p->snapshot_heap_bytes > 0, leak = isfinite(p->heap_growth_per_iter_bytes);
	int rc = jsonw_add_str(o, "name", p->name);
#define WRITE_I(key) (p->key < 0 ? jsonw_add_null(o, #key) : jsonw_add_int(o, #key, p->key))
#define WRITE_F(key) jsonw_add_real(o, #key, p->key)
#define WRITE_(key, type, unit, group, doc)                                                        \
	if ((group) == ALWAYS || ((group) == SNAPSHOT && snapshot) || ((group) == LEAK && leak))   \
		rc |= WRITE_##type(key);
	enum { ALWAYS, SNAPSHOT, LEAK };
	PHASE_FIELDS(WRITE_)
#undef WRITE_
#undef WRITE_I
#undef WRITE_F
	return rc;
}

static struct json_object *phases_json(const struct phase_stats *ps)
{
	struct json_object *list = json_object_new_array();
	int rc = list ? 0 : -ENOMEM;
	for (int i = 0; i < ps->n && rc == 0; i++) {
		struct json_object *o = json_object_new_object();
		if (!o) {
			rc = -ENOMEM;
			break;
		}
		rc |= phase_json(o, &ps->p[i]);
		rc |= jsonw_push(list, o);
	}
	if (rc) {
		json_object_put(list);
		return NULL;
	}
	return list;
}

static struct json_object *build_summary(const struct results *r)
{
	struct json_object *o = json_object_new_object();
	struct json_object *cells = json_object_new_array();
	struct json_object *groups = json_object_new_array();
	size_t *order = NULL, *start = NULL;
	double *vals = malloc((r->ncells + 1) * sizeof(*vals));
	int rc = 0;
	if (!o || !cells || !groups || !vals || group_cells(r, &order, &start) < 0) {
		json_object_put(cells);
		json_object_put(groups);
		goto fail;
	}
	for (size_t i = 0; i < r->ncells; i++) {
		struct json_object *c = json_object_new_object();
		const char *series = r->cells[i].series;
		if (!c) {
			rc = -ENOMEM;
			break;
		}
		rc |= cell_json_add(c, &r->cells[i].rec);
		rc |= jsonw_add(c, "phases", phases_json(&r->cells[i].phases));
		rc |= series[0] ? jsonw_add_str(c, "series", series) : jsonw_add_null(c, "series");
		rc |= jsonw_push(cells, c);
	}
	for (size_t g = 0; g < r->ngroups && rc == 0; g++)
		rc |= jsonw_push(groups,
		                 group_json(r, g, order + start[g], start[g + 1] - start[g], vals));
	rc |= jsonw_add_str(o, "wimm_version", WIMM_VERSION);
	rc |= jsonw_add_str(o, "run_id", r->id);
	rc |= jsonw_add_bool(o, "complete", r->finished && r->cells_not_run == 0);
	rc |= r->finished ? jsonw_add_int(o, "cells_not_run", r->cells_not_run)
	                  : jsonw_add_null(o, "cells_not_run");
	rc |= jsonw_add(o, "cells", cells);
	rc |= jsonw_add(o, "groups", groups);
	if (rc == 0)
		goto out;
fail:
	json_object_put(o);
	o = NULL;
out:
	free(order);
	free(start);
	free(vals);
	return o;
}

static int write_summary(const struct results *r, char *err, size_t errlen)
{
	struct json_object *o = build_summary(r);
	int rc = write_json(r->dir, "summary.json", o, err, errlen);
	json_object_put(o);
	return rc;
}

/* ---- the run ---- */

/* Claims runs/<id> by creating it: mkdir is atomic, so two runs started in
 * the same second get different ids instead of sharing a directory. */
static int claim_run_dir(struct results *r, const char *runs, const struct tm *tm)
{
	char base[20]; /* "YYYYmmdd-HHMMSS" */
	int rc = -EEXIST;
	strftime(base, sizeof(base), "%Y%m%d-%H%M%S", tm);
	for (int k = 1; k < 1000 && rc == -EEXIST; k++) {
		if (k == 1)
			snprintf(r->id, sizeof(r->id), "%s", base);
		else
			snprintf(r->id, sizeof(r->id), "%s-%d", base, k);
		rc = join(r->dir, sizeof(r->dir), runs, r->id);
		if (rc == 0)
			rc = mkdir(r->dir, 0777) == 0 ? 0 : -errno;
	}
	return rc;
}

/* Undoes a run directory that could not be set up, so no half-made run is
 * left for a report or a later `latest` to find. */
static void remove_run(const char *dir)
{
	static const char *const names[] = {"meta.json", "cells.csv", "summary.json"};
	char path[PATH_MAX];
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (join(path, sizeof(path), dir, names[i]) == 0)
			unlink(path);
	if (join(path, sizeof(path), dir, "series") == 0)
		rmdir(path);
	rmdir(dir);
}

/* latest -> runs/<id>, relative so the tree can be moved or copied whole;
 * made under a temporary name and renamed over the old link, so there is
 * never a moment without a latest. Pointed when the run starts: latest is
 * the newest run, also while it runs and after it is interrupted. */
static int point_latest(const struct results *r)
{
	char tmp[PATH_MAX], latest[PATH_MAX], target[64];
	int rc = 0;
	snprintf(target, sizeof(target), "runs/%s", r->id);
	if (snprintf(tmp, sizeof(tmp), "%s/.latest.tmp.%ld", r->root, (long)getpid()) >=
	        (int)sizeof(tmp) ||
	    join(latest, sizeof(latest), r->root, "latest") < 0) {
		rc = -ENAMETOOLONG;
		goto out;
	}
	unlink(tmp); /* left over by a killed run with our pid */
	if (symlink(target, tmp) < 0) {
		rc = -errno;
		goto out;
	}
	if (rename(tmp, latest) < 0) {
		rc = -errno;
		unlink(tmp);
	}
out:
	if (rc < 0)
		log_error("cannot point %s/latest at %s: %s", r->root, target, strerror(-rc));
	return rc;
}

int results_create(const char *out_root, const struct run_info *info, struct results **out,
                   char *err, size_t errlen)
{
	struct results *r = calloc(1, sizeof(*r));
	char runs[PATH_MAX], series[PATH_MAX] = "", started[32], msg[ERR_MAX];
	const char *failed = out_root;
	struct json_object *meta = NULL;
	time_t now = time(NULL);
	struct tm tm;
	size_t n;
	int rc;
	*out = NULL;
	if (!r) {
		snprintf(err, errlen, "cannot create results directory %s: %s", out_root,
		         strerror(ENOMEM));
		return -ENOMEM;
	}
	gmtime_r(&now, &tm);
	strftime(started, sizeof(started), "%Y-%m-%dT%H:%M:%SZ", &tm);
	rc = snprintf(r->root, sizeof(r->root), "%s", out_root) >= (int)sizeof(r->root)
	         ? -ENAMETOOLONG
	         : 0;
	/* "results/" and "results" are the same root; keep "/" itself. */
	for (n = strlen(r->root); n > 1 && r->root[n - 1] == '/'; n--)
		r->root[n - 1] = '\0';
	if (rc == 0)
		rc = fsutil_mkdirs(r->root);
	if (rc == 0) {
		failed = runs;
		rc = join(runs, sizeof(runs), r->root, "runs");
	}
	if (rc == 0)
		rc = fsutil_mkdirs(runs);
	if (rc == 0) {
		rc = claim_run_dir(r, runs, &tm);
		failed = r->dir;
	}
	if (rc == 0) {
		failed = series;
		rc = join(series, sizeof(series), r->dir, "series");
	}
	if (rc == 0)
		rc = fsutil_mkdirs(series);
	if (rc < 0) {
		snprintf(err, errlen,
		         "cannot create results directory %s: %s; "
		         "choose another with --out",
		         failed, strerror(-rc));
		if (failed == series)
			rmdir(r->dir);
		goto out;
	}
	meta = build_meta(r, info, started);
	rc = write_json(r->dir, "meta.json", meta, msg, sizeof(msg));
	if (rc == 0)
		rc = write_cells_csv(r, msg, sizeof(msg));
	if (rc == 0)
		rc = write_summary(r, msg, sizeof(msg));
	if (rc < 0) {
		snprintf(err, errlen, "%s", msg);
		remove_run(r->dir);
	} else {
		/* Logged now; the run goes on (it is whole) and fails at the end. */
		r->latest_rc = point_latest(r);
	}
out:
	json_object_put(meta);
	if (rc < 0) {
		free(r);
		return rc;
	}
	*out = r;
	return 0;
}

/* "series/<workload>-t<threads>-<allocator>-r<rep>.tsv". The names come
 * from YAML and the command line: anything that could leave series/ or
 * upset a shell or plot script becomes '_'. */
static void series_file_name(char *out, size_t len, const struct cell_record *c)
{
	int skip = snprintf(out, len, "series/");
	char threads[32] = ""; /* none for a real program: threads do not apply */
	if (c->threads >= 0)
		snprintf(threads, sizeof(threads), "-t%lld", (long long)c->threads);
	snprintf(out + skip, len - (size_t)skip, "%.*s%s-%.*s-r%lld.tsv", (int)sizeof(c->workload),
	         c->workload, threads, (int)sizeof(c->allocator), c->allocator, (long long)c->rep);
	for (char *p = out + skip; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("._+-", *p)))
			*p = '_';
}

static int write_series(struct results *r, struct stored_cell *sc, const struct series *s)
{
	char rel[SERIES_NAME_MAX], *text = NULL, err[ERR_MAX];
	size_t len = 0;
	int rc = -ENOMEM;
	FILE *f;
	series_file_name(rel, sizeof(rel), &sc->rec);
	f = open_memstream(&text, &len);
	if (f) {
		rc = series_write_tsv(f, s);
		/* A memory stream fails only for want of memory. */
		rc = (fclose(f) != 0 || rc < 0) ? -ENOMEM : 0;
	}
	if (rc == 0)
		rc = write_named(r->dir, rel, text, len, err, sizeof(err));
	else
		write_failed(r->dir, rel, rc, err, sizeof(err));
	if (rc == 0)
		snprintf(sc->series, sizeof(sc->series), "%s", rel);
	else
		log_error("%s", err);
	free(text);
	return rc;
}

static int find_group(struct results *r, const struct cell_record *c, size_t *out)
{
	struct group *g;
	for (size_t i = 0; i < r->ngroups; i++) {
		g = &r->groups[i];
		if (g->threads == c->threads && strcmp(g->workload, c->workload) == 0 &&
		    strcmp(g->allocator, c->allocator) == 0) {
			*out = i;
			return 0;
		}
	}
	if (r->ngroups == r->capgroups) {
		size_t cap = r->capgroups ? r->capgroups * 2 : 16;
		g = realloc(r->groups, cap * sizeof(*g));
		if (!g)
			return -ENOMEM;
		r->groups = g;
		r->capgroups = cap;
	}
	g = &r->groups[r->ngroups];
	memcpy(g->workload, c->workload, sizeof(g->workload));
	g->workload[sizeof(g->workload) - 1] = '\0';
	g->threads = c->threads;
	memcpy(g->allocator, c->allocator, sizeof(g->allocator));
	g->allocator[sizeof(g->allocator) - 1] = '\0';
	*out = r->ngroups++;
	return 0;
}

static int rewrite_tables(const struct results *r)
{
	char err[ERR_MAX];
	int rc = write_cells_csv(r, err, sizeof(err));
	if (rc < 0)
		log_error("%s", err);
	int rc2 = write_summary(r, err, sizeof(err));
	if (rc2 < 0)
		log_error("%s", err);
	return rc < 0 ? rc : rc2;
}

int results_add_cell(struct results *r, const struct cell_record *cell, const struct series *s,
                     const struct phase_stats *phases)
{
	struct stored_cell *sc;
	size_t group;
	int rc = 0, rc2;
	if (r->ncells == r->capcells) {
		size_t cap = r->capcells ? r->capcells * 2 : 64;
		sc = realloc(r->cells, cap * sizeof(*sc));
		if (!sc) {
			log_error("out of memory recording a cell in %s", r->dir);
			return -ENOMEM;
		}
		r->cells = sc;
		r->capcells = cap;
	}
	if (find_group(r, cell, &group) < 0) {
		log_error("out of memory recording a cell in %s", r->dir);
		return -ENOMEM;
	}
	sc = &r->cells[r->ncells];
	sc->rec = *cell;
	cell_derive(&sc->rec);
	if (phases)
		sc->phases = *phases;
	else
		sc->phases.n = 0;
	sc->group = group;
	sc->series[0] = '\0';
	/* A series that cannot be written still leaves its cell recorded (with
	 * "series": null): the cell's numbers were measured all the same. */
	if (s && s->n > 0)
		rc = write_series(r, sc, s);
	r->ncells++;
	rc2 = rewrite_tables(r);
	return rc < 0 ? rc : rc2;
}

int results_finish(struct results *r, int cells_not_run)
{
	char err[ERR_MAX];
	int rc;
	r->finished = true;
	r->cells_not_run = cells_not_run;
	rc = write_summary(r, err, sizeof(err));
	if (rc < 0)
		log_error("%s", err);
	if (r->latest_rc < 0) {
		log_error("%s/latest does not point at this run (%s): the cells are in %s", r->root,
		          strerror(-r->latest_rc), r->dir);
		rc = rc < 0 ? rc : r->latest_rc;
	}
	return rc;
}

const char *results_dir(const struct results *r) { return r->dir; }

void results_destroy(struct results *r)
{
	if (!r)
		return;
	free(r->cells);
	free(r->groups);
	free(r);
}
