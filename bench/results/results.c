/* results.c - the run directory (see results.h).
 *
 * Layout: OUT_ROOT/runs/<id>/{meta.json, cells.csv, summary.json,
 * series/<cell>.tsv} and OUT_ROOT/latest -> runs/<id>.
 *
 * What a cell costs to record does not grow with the cells before it:
 * its series was streamed to its own file while it ran (committed here),
 * its line is appended to cells.csv, and its summary.json entry is made
 * once, as text. summary.json, which a reader needs whole, is rewritten
 * (to a temporary name, renamed) only when SUMMARY_GAP_NS has passed since
 * the last rewrite and the driver has used at least SUMMARY_COST_FACTOR
 * times the CPU time that rewrite took: however many cells, rewriting
 * takes at most a twentieth of the driver's CPU, and the file lags the
 * cells by about a second while cells cost CPU (seconds more when they
 * cost little against a large summary).
 * results_finish writes it once more, complete. So an interrupted run
 * (even a killed one) keeps every finished cell in cells.csv and a valid
 * summary.json of nearly all of them, never a truncated file.
 *
 * cells.csv and summary.json exist from the moment the run directory does,
 * empty, so a run killed before its first cell still reads as a run.
 * Until results_finish, summary.json says "complete": false and
 * "cells_not_run": null, because only the caller knows how many remain.
 */
#include "bench/results/results_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench/results/cell_io.h"
#include "bench/results/jsonw.h"
#include "common/clock.h"
#include "common/fsutil.h"
#include "common/log.h"

#define ERR_MAX (PATH_MAX + 256)
/* "series/" + two names + two int64 + punctuation. */
#define SERIES_NAME_MAX (16 + 2 * WIMM_NAME_MAX + 2 * 21 + 16)
#define JSON_FLAGS (JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE)
#define JSON_PLAIN (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
#define SUMMARY_GAP_NS INT64_C(1000000000)
#define SUMMARY_COST_FACTOR 20

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

/* ---- cells.csv and summary.json ---- */

/* cells.csv whole, for the start and for the end of a run whose appends
 * failed (a full disk that has since cleared). */
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
		rc = cell_csv_write(f, &r->recs[i]);
	/* A memory stream fails only for want of memory. */
	if (fclose(f) != 0 || rc < 0)
		rc = write_failed(r->dir, "cells.csv", -ENOMEM, err, errlen);
	else
		rc = write_named(r->dir, "cells.csv", text, len, err, errlen);
	free(text);
	return rc;
}

/* Appends one cell's line: a single write of a whole line, so a reader
 * (or a run killed now) never sees half of one. */
static int append_cell_csv(struct results *r, const struct cell_record *c)
{
	char *text = NULL;
	size_t len = 0;
	int rc;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;
	rc = cell_csv_write(f, c);
	if (fclose(f) != 0 || rc < 0)
		rc = -ENOMEM;
	if (rc == 0)
		rc = fsutil_write_all(r->csv_fd, text, len);
	free(text);
	return rc;
}

static int write_summary(struct results *r, char *err, size_t errlen)
{
	int64_t cpu0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	size_t len = 0;
	char *text = results_summary_text(r, &len);
	int rc = text ? write_named(r->dir, "summary.json", text, len, err, errlen)
	              : write_failed(r->dir, "summary.json", -ENOMEM, err, errlen);
	free(text);
	r->summary_at_ns = clock_ns(CLOCK_MONOTONIC);
	r->summary_cpu_ns = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	r->summary_cost_ns = r->summary_cpu_ns - cpu0;
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

/* meta.json of the run: made from info, or given (a merge) with the new
 * run's id and start. NULL when out of memory. */
static struct json_object *make_meta(const struct results *r, const struct run_info *info,
                                     struct json_object *given, const char *started)
{
	if (!given)
		return results_meta_build(r->id, info, started);
	struct json_object *meta = NULL;
	if (json_object_deep_copy(given, &meta, NULL) < 0)
		return NULL;
	if (jsonw_add_str(meta, "run_id", r->id) || jsonw_add_str(meta, "started_utc", started)) {
		json_object_put(meta);
		return NULL;
	}
	return meta;
}

static int create(const char *out_root, const struct run_info *info, struct json_object *given,
                  struct results **out, char *err, size_t errlen)
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
	r->csv_fd = -1;
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
	meta = make_meta(r, info, given, started);
	rc = write_json(r->dir, "meta.json", meta, msg, sizeof(msg));
	if (rc == 0)
		rc = write_cells_csv(r, msg, sizeof(msg));
	if (rc == 0)
		rc = write_summary(r, msg, sizeof(msg));
	if (rc == 0) {
		char path[PATH_MAX];
		rc = join(path, sizeof(path), r->dir, "cells.csv");
		if (rc == 0 && (r->csv_fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)) < 0)
			rc = -errno;
		if (rc < 0)
			write_failed(r->dir, "cells.csv", rc, msg, sizeof(msg));
	}
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
		if (r->csv_fd >= 0)
			close(r->csv_fd);
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

int results_series_open(struct results *r, const struct cell_record *cell, int64_t interval_ns,
                        struct series_writer **out)
{
	char rel[SERIES_NAME_MAX], path[PATH_MAX];
	series_file_name(rel, sizeof(rel), cell);
	int rc = join(path, sizeof(path), r->dir, rel);
	if (rc == 0)
		rc = series_writer_open(out, path, interval_ns);
	if (rc < 0)
		log_error("cannot write %s/%s: %s", r->dir, rel, strerror(-rc));
	return rc;
}

/* The group of c, added when new: looked up by name through a map, so
 * thousands of groups cost no more per cell than one. */
static int find_group(struct results *r, const struct cell_record *c, size_t *out)
{
	char key[sizeof(c->workload) + sizeof(c->allocator) + 32];
	int klen =
	    snprintf(key, sizeof(key), "%.*s%c%lld%c%.*s", (int)sizeof(c->workload), c->workload, 0,
	             (long long)c->threads, 0, (int)sizeof(c->allocator), c->allocator);
	int found = strmap_get(&r->group_map, key, (size_t)klen);
	if (found >= 0) {
		*out = (size_t)found;
		return 0;
	}
	if (r->ngroups == r->capgroups) {
		size_t cap = r->capgroups ? r->capgroups * 2 : 16;
		struct results_group *g = realloc(r->groups, cap * sizeof(*g));
		if (!g)
			return -ENOMEM;
		r->groups = g;
		r->capgroups = cap;
	}
	if (strmap_put(&r->group_map, key, (size_t)klen, (int)r->ngroups) < 0)
		return -ENOMEM;
	struct results_group *g = &r->groups[r->ngroups];
	snprintf(g->workload, sizeof(g->workload), "%.*s", (int)sizeof(c->workload), c->workload);
	g->threads = c->threads;
	snprintf(g->allocator, sizeof(g->allocator), "%.*s", (int)sizeof(c->allocator),
	         c->allocator);
	*out = r->ngroups++;
	return 0;
}

static int grow_cells(struct results *r)
{
	if (r->ncells < r->capcells)
		return 0;
	size_t cap = r->capcells ? r->capcells * 2 : 64;
	int rc = unforked_reserve(&r->recs_mem, cap * sizeof(*r->recs));
	if (rc == 0)
		rc = unforked_reserve(&r->json_at_mem, cap * sizeof(*r->json_at));
	r->recs = r->recs_mem.p;
	r->json_at = r->json_at_mem.p;
	size_t *group_of = rc ? NULL : realloc(r->group_of, cap * sizeof(*group_of));
	if (!group_of)
		return -ENOMEM;
	r->group_of = group_of;
	r->capcells = cap;
	return 0;
}

/* Commits the series; "" in rel when there is none (no sample, or an
 * error, logged: the cell's numbers were measured all the same). */
static int commit_series(struct results *r, const struct cell_record *c, struct series_writer *w,
                         char *rel, size_t len)
{
	int written = 0, rc = 0;
	series_file_name(rel, len, c);
	if (w && (rc = series_writer_commit(w, &written)) < 0)
		log_error("cannot write %s/%s: %s", r->dir, rel, strerror(-rc));
	if (!written)
		rel[0] = '\0';
	return rc;
}

/* Keeps a recorded cell (its summary entry as text, made by the caller),
 * appends its line to cells.csv and rewrites summary.json when one is due
 * (see the top of this file). Returns 0 or -errno (logged). */
static int keep_cell(struct results *r, const struct cell_record *cell, char *json)
{
	char err[ERR_MAX];
	size_t group;
	long at = -1;
	int rc = 0;
	if (json && grow_cells(r) == 0 && find_group(r, cell, &group) == 0)
		at = unforked_append(&r->text, json, strlen(json) + 1);
	free(json);
	if (at < 0) {
		log_error("out of memory recording a cell in %s", r->dir);
		return -ENOMEM;
	}
	r->recs[r->ncells] = *cell;
	r->json_at[r->ncells] = (size_t)at;
	r->group_of[r->ncells++] = group;
	if (!r->csv_failed && (rc = append_cell_csv(r, cell)) < 0) {
		/* Written whole at the end: what fails now may not then. */
		log_error("cannot append to %s/cells.csv: %s (written again at the end)", r->dir,
		          strerror(-rc));
		r->csv_failed = true;
	}
	/* At most once a second, and only when the driver has worked 20 times
	 * what the last rewrite cost since: a bounded share of its CPU,
	 * however many cells there are. */
	int64_t since = clock_ns(CLOCK_MONOTONIC) - r->summary_at_ns;
	int64_t worked = clock_ns(CLOCK_PROCESS_CPUTIME_ID) - r->summary_cpu_ns;
	if (since >= SUMMARY_GAP_NS && worked >= SUMMARY_COST_FACTOR * r->summary_cost_ns) {
		int rc2 = write_summary(r, err, sizeof(err));
		if (rc2 < 0) {
			log_error("%s", err);
			rc = rc < 0 ? rc : rc2;
		}
	}
	return rc;
}

int results_add_cell(struct results *r, const struct cell_record *cell, struct series_writer *w,
                     const struct phase_stats *phases)
{
	char rel[SERIES_NAME_MAX];
	struct cell_record c = *cell;
	int rc = commit_series(r, cell, w, rel, sizeof(rel));
	cell_derive(&c);
	int rc2 = keep_cell(r, &c, results_cell_json(&c, phases, rel));
	return rc < 0 ? rc : rc2;
}

int results_add_copied(struct results *r, const struct cell_record *cell, struct json_object *entry,
                       const char *series_src)
{
	char rel[SERIES_NAME_MAX], path[PATH_MAX];
	int rc = 0;
	series_file_name(rel, sizeof(rel), cell);
	if (series_src) {
		rc = join(path, sizeof(path), r->dir, rel);
		if (rc == 0)
			rc = fsutil_copy(series_src, path, RESULTS_SERIES_MAX);
		if (rc < 0)
			log_error("cannot copy %s to %s/%s: %s", series_src, r->dir, rel,
			          fsutil_strerror(rc));
	}
	int added = series_src && rc == 0 ? jsonw_add_str(entry, "series", rel)
	                                  : jsonw_add_null(entry, "series");
	const char *text = added ? NULL : json_object_to_json_string_ext(entry, JSON_PLAIN);
	int rc2 = keep_cell(r, cell, text ? strdup(text) : NULL);
	return rc < 0 ? rc : rc2;
}

int results_finish(struct results *r, int cells_not_run)
{
	char err[ERR_MAX];
	int rc = 0;
	r->finished = true;
	r->cells_not_run = cells_not_run;
	if (r->csv_failed && (rc = write_cells_csv(r, err, sizeof(err))) < 0)
		log_error("%s", err);
	else if (!r->csv_failed && fsync(r->csv_fd) < 0 && errno != EINVAL)
		log_error("cannot write %s/cells.csv: %s", r->dir, strerror(errno));
	int rc2 = write_summary(r, err, sizeof(err));
	if (rc2 < 0) {
		log_error("%s", err);
		rc = rc < 0 ? rc : rc2;
	}
	if (r->latest_rc < 0) {
		log_error("%s/latest does not point at this run (%s): the cells are in %s", r->root,
		          strerror(-r->latest_rc), r->dir);
		rc = rc < 0 ? rc : r->latest_rc;
	}
	return rc;
}

const char *results_dir(const struct results *r) { return r->dir; }

int results_create(const char *out_root, const struct run_info *info, struct results **out,
                   char *err, size_t errlen)
{
	return create(out_root, info, NULL, out, err, errlen);
}

int results_create_meta(const char *out_root, struct json_object *meta, struct results **out,
                        char *err, size_t errlen)
{
	return create(out_root, NULL, meta, out, err, errlen);
}

void results_destroy(struct results *r)
{
	if (!r)
		return;
	if (r->csv_fd >= 0)
		close(r->csv_fd);
	unforked_free(&r->recs_mem);
	unforked_free(&r->json_at_mem);
	unforked_free(&r->text);
	free(r->group_of);
	free(r->groups);
	strmap_free(&r->group_map);
	free(r);
}
