/* cmd_merge.c - `wimm merge RUN_DIR... [--out DIR] [--force]`: the shards
 * of one run (`wimm run --shard K/N` on several machines) put back into one
 * run directory, with its figures, reports and a line in the history, as
 * if it had run on one machine.
 *
 * Every run is read back through rundir (the one reader of what a run
 * wrote: every figure checked, every name a name, the series paths inside
 * the run) and must be of the same testbed and wimm version, of the same
 * deal of shards, with the same allocators, and no cell may be in two of
 * them; --force merges anyway and says what differed. Each cell keeps its
 * summary.json entry as written (its phases included), its series file is
 * copied, and cells.csv and summary.json are written from them as a run
 * writes its own.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/cli/cmd.h"
#include "bench/regress/history.h"
#include "bench/report/report.h"
#include "bench/results/cell.h"
#include "bench/results/jsonr.h"
#include "bench/results/jsonw.h"
#include "bench/results/results.h"
#include "bench/results/rundir.h"
#include "common/log.h"
#include "common/text.h"

#define MERGE_MAX_RUNS 1000

static const char usage[] =
    "usage: wimm merge RUN_DIR... [--out DIR] [--force]\n"
    "Puts the shards of one run (`wimm run --shard K/N`, one per machine) back\n"
    "into one run directory under DIR (default ./results), with its figures,\n"
    "reports and a line in the history, ready for `wimm compare` and `wimm\n"
    "baseline`. Refuses runs of different testbeds or wimm versions, of\n"
    "different deals or allocators, and a cell found in two runs.\n"
    "\n"
    "      --out DIR     results root of the merged run (default ./results)\n"
    "      --force       merge anyway (a cell in two runs: the first is kept)\n"
    "  -h, --help        this help\n"
    "\n"
    "Exit: 0 merged, every cell ok; 1 merged, some cells failed or a shard is\n"
    "missing; 2 bad usage or runs that do not belong together; 3 the merged\n"
    "run could not be written.\n";

/* meta.json's "shard" of a run, or all zero when it was not a shard. */
struct shard_of {
	long index, count, units;
	char plan[24];
};

static void shard_of(const struct rundir *d, struct shard_of *s)
{
	struct json_object *o = d->meta ? jsonr_get(d->meta, "shard") : NULL;
	memset(s, 0, sizeof(*s));
	if (!o || !json_object_is_type(o, json_type_object))
		return;
	double k = jsonr_num(o, "index"), n = jsonr_num(o, "count"),
	       u = jsonr_num(o, "units_total");
	const char *plan = jsonr_str(o, "plan");
	if (!(k >= 1 && n >= k && n <= 1000000 && u >= 0 && u < 1e9) || !plan)
		return;
	s->index = (long)k;
	s->count = (long)n;
	s->units = (long)u;
	jsonr_copy(s->plan, sizeof(s->plan), plan);
}

/* The allocators' names in meta order, "a,b,c", to compare runs by. */
static void alloc_list(const struct rundir *d, char *buf, size_t len)
{
	size_t at = 0;
	buf[0] = '\0';
	for (int i = 0; i < d->nallocs && at < len; i++)
		at += (size_t)snprintf(buf + at, len - at, "%s%s", i ? "," : "", d->allocs[i].name);
}

/* Whether run i belongs with run 0; says what differs. Returns the number
 * of differences. */
static int differences(struct rundir **d, const struct shard_of *sh, int i, const char *path0,
                       const char *path)
{
	char a[2048], b[2048];
	int n = 0;
	if (strcmp(d[0]->testbed, d[i]->testbed)) {
		log_error("%s ran on testbed %s, %s on %s", path0, d[0]->testbed, path,
		          d[i]->testbed);
		n++;
	}
	if (strcmp(d[0]->wimm_version, d[i]->wimm_version)) {
		log_error("%s was made by wimm %s, %s by wimm %s", path0, d[0]->wimm_version, path,
		          d[i]->wimm_version);
		n++;
	}
	alloc_list(d[0], a, sizeof(a));
	alloc_list(d[i], b, sizeof(b));
	if (strcmp(a, b)) {
		log_error("%s ran the allocators %s, %s ran %s", path0, a, path, b);
		n++;
	}
	if (strcmp(sh[0].plan, sh[i].plan) || sh[0].count != sh[i].count) {
		log_error("%s is %s, %s is %s: not shards of one deal (the same workloads, "
		          "thread counts, repetitions and --shard N)",
		          path0, sh[0].count ? "a shard" : "not a shard", path,
		          sh[i].count ? "a shard" : "not a shard");
		n++;
	} else if (sh[i].count) {
		for (int j = 0; j < i; j++)
			if (sh[j].index == sh[i].index) {
				log_error("%s and %s are both shard %ld of %ld", d[j]->source, path,
				          sh[i].index, sh[i].count);
				n++;
			}
	}
	if (!(d[0]->interval_s == d[i]->interval_s) || !(d[0]->scale == d[i]->scale)) {
		log_error("%s sampled every %g s at scale %g, %s every %g s at scale %g", path0,
		          d[0]->interval_s, d[0]->scale, path, d[i]->interval_s, d[i]->scale);
		n++;
	}
	return n;
}

/* The record of cell c of d as cell_io writes it: figures from rundir
 * (checked), texts from its summary.json entry (cleaned). */
static void record_of(const struct rundir *d, const struct rundir_cell *c,
                      struct json_object *entry, struct cell_record *rec)
{
	cell_record_init(rec);
	for (int id = 0; id < METRIC_N; id++) {
		const struct metric *m = &metrics[id];
		char *field = (char *)rec + m->offset;
		if (m->type == MT_INT && !isnan(c->v[id])) {
			int64_t v = (int64_t)c->v[id];
			memcpy(field, &v, sizeof(v));
		} else if (m->type == MT_REAL) {
			memcpy(field, &c->v[id], sizeof(double));
		} else if (m->type == MT_STRING) {
			const char *s = jsonr_str(entry, m->key);
			text_clean(field, m->size, s ? s : "", TEXT_ONE_LINE);
		}
	}
	snprintf(rec->workload, sizeof(rec->workload), "%s", c->workload);
	snprintf(rec->allocator, sizeof(rec->allocator), "%s", d->allocs[c->alloc].name);
	snprintf(rec->status, sizeof(rec->status), "%s", c->ok ? "ok" : "failed");
	rec->threads = c->threads;
	rec->rep = c->rep;
}

/* Whether a cell of the same key was merged already (by another run). */
static bool seen_before(struct rundir **d, int upto, const struct rundir_cell *c, const char *alloc,
                        const char **where)
{
	for (int i = 0; i < upto; i++) {
		const struct rundir_group *g =
		    rundir_group_named(d[i], c->workload, c->threads, alloc);
		for (size_t k = 0; g && k < g->ncells; k++)
			if (d[i]->cells[g->cells[k]].rep == c->rep) {
				*where = d[i]->source;
				return true;
			}
	}
	return false;
}

/* The cells found in two runs, each said: an error, or with --force a
 * warning that the first is kept. Returns how many. */
static int overlaps(struct rundir **d, int n, bool force)
{
	int found = 0;
	for (int i = 1; i < n; i++)
		for (size_t k = 0; k < d[i]->ncells; k++) {
			const struct rundir_cell *c = &d[i]->cells[k];
			const char *alloc = d[i]->allocs[c->alloc].name, *where = NULL;
			if (!seen_before(d, i, c, alloc, &where))
				continue;
			if (found++ < 10)
				log_msg(force ? LOG_WARN : LOG_ERROR,
				        "%s, %d threads, %s, rep %d is in %s and in %s%s",
				        c->workload, c->threads, alloc, c->rep, where, d[i]->source,
				        force ? ": the first is kept" : "");
		}
	if (found > 10)
		log_msg(force ? LOG_WARN : LOG_ERROR, "... %d cells in two runs", found);
	return found;
}

/* Adds every cell of run i but those of an earlier run; returns -errno
 * when a run cannot be read again, else the cells added. */
static long add_run(struct results *r, struct rundir **d, int i, int *write_failed)
{
	char path[PATH_MAX + 16], err[PATH_MAX + 256];
	int rc;
	snprintf(path, sizeof(path), "%s/summary.json", d[i]->dir);
	struct json_object *summary = jsonr_load(path, err, sizeof(err), &rc);
	struct json_object *cells = summary ? jsonr_get(summary, "cells") : NULL;
	long added = 0;
	if (!cells || json_object_array_length(cells) != d[i]->ncells) {
		log_error("%s", summary ? "summary.json changed while it was read" : err);
		json_object_put(summary);
		return -EINVAL;
	}
	for (size_t k = 0; k < d[i]->ncells; k++) {
		const struct rundir_cell *c = &d[i]->cells[k];
		const char *alloc = d[i]->allocs[c->alloc].name, *where = NULL;
		if (seen_before(d, i, c, alloc, &where))
			continue; /* said by overlaps() */
		struct json_object *entry = json_object_array_get_idx(cells, k);
		struct cell_record rec;
		record_of(d[i], c, entry, &rec);
		if (c->series[0])
			snprintf(path, sizeof(path), "%s/%s", d[i]->dir, c->series);
		if (results_add_copied(r, &rec, entry, c->series[0] ? path : NULL) < 0)
			*write_failed = 1;
		added++;
	}
	json_object_put(summary);
	return added;
}

/* meta.json of the merged run: the first run's, not a shard any more, with
 * the runs it was made from. NULL when out of memory. */
static struct json_object *merged_meta(struct rundir **d, const struct shard_of *sh, int n)
{
	struct json_object *meta = NULL, *from = json_object_new_array();
	int rc = from && json_object_deep_copy(d[0]->meta, &meta, NULL) == 0 ? 0 : -ENOMEM;
	for (int i = 0; i < n && rc == 0; i++) {
		struct json_object *o = json_object_new_object();
		rc |= o ? 0 : -ENOMEM;
		if (o) {
			rc |= jsonw_add_str(o, "run_id", d[i]->run_id);
			rc |= jsonw_add_str(o, "dir", d[i]->dir);
			rc |= sh[i].count ? jsonw_add_int(o, "shard", sh[i].index)
			                  : jsonw_add_null(o, "shard");
			rc |= jsonw_push(from, o);
		}
	}
	if (rc == 0)
		rc |= jsonw_add_null(meta, "shard");
	if (rc == 0)
		rc |= jsonw_add(meta, "merged_from", from);
	else
		json_object_put(from);
	if (rc) {
		json_object_put(meta);
		return NULL;
	}
	return meta;
}

int cmd_merge(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"out", required_argument, NULL, 'o'},
	    {"force", no_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	const char *out = "results";
	bool force = false;
	int c, code = EXIT_USAGE, n = 0, write_failed = 0;
	struct rundir **d = NULL;
	struct shard_of *sh = NULL;
	struct results *r = NULL;
	struct json_object *meta = NULL;
	char err[PATH_MAX + 512];
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'f':
			force = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return EXIT_OK;
		default:
			cmd_bad_option("merge", longopts, "h", argv, optind, optopt);
			return EXIT_USAGE;
		}
	}
	n = argc - optind;
	if (n < 1 || n > MERGE_MAX_RUNS) {
		log_error("merge: expected 1 to %d run directories (see wimm merge --help)",
		          MERGE_MAX_RUNS);
		return EXIT_USAGE;
	}
	d = calloc((size_t)n, sizeof(*d));
	sh = calloc((size_t)n, sizeof(*sh));
	if (!d || !sh) {
		log_error("out of memory");
		code = EXIT_IO;
		goto done;
	}
	int differ = 0;
	for (int i = 0; i < n; i++) {
		const char *path = argv[optind + i];
		if (rundir_load(path, &d[i], err, sizeof(err))) {
			log_error("%s", err);
			goto done;
		}
		if (strcmp(d[i]->kind, "run") || !d[i]->meta) {
			log_error("%s: a %s, not a run directory: merge takes the directories of "
			          "runs",
			          path, d[i]->kind);
			goto done;
		}
		shard_of(d[i], &sh[i]);
		if (i)
			differ += differences(d, sh, i, argv[optind], path);
	}
	differ += overlaps(d, n, force);
	if (differ && !force) {
		log_error("these runs do not belong together (above); --force merges them anyway");
		goto done;
	}
	long merged = 0, not_run = 0;
	if (!(meta = merged_meta(d, sh, n)) ||
	    results_create_meta(out, meta, &r, err, sizeof(err))) {
		log_error("%s", meta ? err : "out of memory");
		code = EXIT_IO;
		goto done;
	}
	for (int i = 0; i < n; i++) {
		long added = add_run(r, d, i, &write_failed);
		if (added < 0) {
			code = EXIT_IO;
			log_error("the merge in %s is incomplete: remove it", results_dir(r));
			goto done;
		}
		merged += added;
	}
	/* What a complete merge would have: a deal says how many units, each
	 * with every allocator (missing and interrupted shards count); other
	 * runs say what they did not run. */
	for (int i = 0; i < n; i++)
		not_run += d[i]->cells_not_run > 0 ? d[i]->cells_not_run : 0;
	if (sh[0].count && !differ) {
		long expect = sh[0].units * d[0]->nallocs;
		not_run = expect > merged ? expect - merged : 0;
		if (not_run)
			log_warn("%ld of %ld cells merged: shards are missing or were interrupted",
			         merged, expect);
	}
	code = EXIT_OK;
	if (results_finish(r, (int)not_run) || write_failed)
		code = EXIT_IO;
	if (history_append(out, results_dir(r)) < 0)
		code = EXIT_IO;
	if (report_run(results_dir(r), PLOT_X_TIME, NULL) < 0)
		code = EXIT_IO;
	int failed = 0;
	for (int i = 0; i < n; i++)
		failed += d[i]->failed_cells;
	printf("merged %ld cells of %d runs: %s\n", merged, n, results_dir(r));
	if (code == EXIT_OK && (failed || not_run))
		code = EXIT_CELLS_FAILED;
done:
	results_destroy(r);
	json_object_put(meta);
	for (int i = 0; d && i < n; i++)
		rundir_destroy(d[i]);
	free(d);
	free(sh);
	return code;
}
