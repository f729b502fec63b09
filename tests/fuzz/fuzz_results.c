/* fuzz_results.c - libFuzzer target for the readers of files wimm wrote:
 * a run directory's summary.json and meta.json, a baseline, a history and
 * a series (rundir_load, history_read, plot_scan_series). Built with
 * -Dfuzz=true and run by scripts/fuzz.sh --target results.
 *
 * The first byte of an input picks the file it becomes, the rest is its
 * content: 'S' summary.json (beside a sound meta.json), 'M' meta.json
 * (beside a sound summary.json), 'B' a baseline file, 'H' a history file,
 * 'T' a series file; any other byte picks by its value modulo 5. The files
 * live in a directory of their own under /dev/shm (tmpfs), rewritten for
 * each input. cells.csv has no reader: wimm never reads it back.
 *
 * Besides what the sanitizers catch, the target aborts when a reader breaks
 * its contract: a failure must come with a message that names the file and
 * one of the documented codes; a success must hold only what wimm writes
 * (names that are names, a testbed that is one, figures that are finite or
 * n/a, indices in range), and what the driver does next with it (compare
 * it with itself, write its history lines and the report's words and
 * tables) must run.
 */
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/regress/compare.h"
#include "bench/regress/history.h"
#include "bench/report/plot_memory.h"
#include "bench/report/report.h"
#include "bench/results/rundir.h"
#include "common/limits.h"

#define FUZZ_NAME "fuzz_results"
#include "tests/fuzz/require.h"

static char dir[64], summary[128], meta[128], other[128];

/* A sound pair: what a one-cell run writes. */
static const char sound_meta[] =
    "{\"wimm_version\": \"0.1.0\", \"run_id\": \"20261122-010518\", \"started_utc\": "
    "\"2026-11-22T01:05:18Z\", \"command_line\": \"run\", \"seed\": 7, \"interval_s\": 0.01, "
    "\"reps\": 1, \"scale\": 1.0, \"testbed\": \"x86_64-2cpu-6.1\", \"host\": {\"machine\": "
    "\"x86_64\", \"kernel_release\": \"6.1\", \"cpus_online\": 2, \"cpus_allowed\": 2}, "
    "\"allocators\": [{\"name\": \"glibc\", \"version\": \"2.36\", \"colour\": \"#1f77b4\"}], "
    "\"workloads\": [{\"name\": \"churn\", \"description\": \"d\"}]}\n";
static const char sound_summary[] =
    "{\"run_id\": \"20261122-010518\", \"complete\": true, \"cells_not_run\": 0, \"cells\": "
    "[{\"workload\": \"churn\", \"threads\": 1, \"allocator\": \"glibc\", \"rep\": 1, "
    "\"status\": \"ok\", \"peak_rss_bytes\": 1000, \"peak_heap_bytes\": 500, \"blowup\": 2.0, "
    "\"wall_s\": 0.5, \"user_s\": 0.1, \"sys_s\": 0.1, \"ops\": 10, \"phases\": [{\"name\": "
    "\"start\", \"samples\": 1, \"start_s\": 0.0, \"end_s\": 0.0}], \"series\": "
    "\"series/churn-t1-glibc-r1.tsv\"}]}\n";

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put(const char *path, const void *data, size_t size)
{
	FILE *f = fopen(path, "w");
	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f)) {
		perror("fuzz_results: writing an input");
		exit(1);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "/dev/shm/wimm-fuzz-%ld", (long)getpid());
	snprintf(summary, sizeof(summary), "%s/summary.json", dir);
	snprintf(meta, sizeof(meta), "%s/meta.json", dir);
	snprintf(other, sizeof(other), "%s/x86_64-2cpu-6.1.csv", dir);
	if (mkdir(dir, 0700) && errno != EEXIST) {
		perror("fuzz_results: mkdir");
		exit(1);
	}
	/* The sound pair must load, or every input would test an error. */
	struct rundir *d = NULL;
	char err[512];
	put(meta, sound_meta, sizeof(sound_meta) - 1);
	put(summary, sound_summary, sizeof(sound_summary) - 1);
	if (rundir_load(dir, &d, err, sizeof(err))) {
		fprintf(stderr, "fuzz_results: the sound run does not load: %s\n", err);
		exit(1);
	}
	rundir_destroy(d);
	return 0;
}

static bool finite_or_na(double v) { return isnan(v) || isfinite(v); }

static void check_error(int rc, const char *err, const char *path)
{
	REQUIRE(rc == -EINVAL || rc == -ENOENT || rc == -ENOMEM);
	REQUIRE(err[0] != '\0' && memchr(err, '\0', 1024));
	/* The message names the file it is about (or, for a baseline, the
	 * path given). */
	REQUIRE(strstr(err, path) || strstr(err, dir));
}

/* What the driver does next with a run it read. */
static void use_run(struct rundir *d)
{
	REQUIRE(d->kind && d->ncells <= 1000000);
	REQUIRE(!d->testbed[0] || limits_testbed_ok(d->testbed));
	REQUIRE(!d->run_id[0] || limits_name_ok(d->run_id));
	for (int a = 0; a < d->nallocs; a++)
		REQUIRE(limits_name_ok(d->allocs[a].name));
	for (size_t i = 0; i < d->ncells; i++) {
		const struct rundir_cell *c = &d->cells[i];
		REQUIRE(limits_name_ok(c->workload) && c->alloc >= 0 && c->alloc < d->nallocs);
		REQUIRE(c->rep >= 1 && c->nphases >= 0 && c->nphases <= WIMM_SERIES_PHASES);
		for (int m = 0; m < METRIC_N; m++)
			REQUIRE(finite_or_na(c->v[m]));
		REQUIRE(!c->series[0] || (!strncmp(c->series, "series/", 7) &&
		                          !strstr(c->series, "..") && !strchr(c->series + 7, '/')));
	}
	size_t cells = 0;
	for (size_t g = 0; g < d->ngroups; g++) {
		cells += d->groups[g].ncells;
		REQUIRE(d->groups[g].reps_ok + d->groups[g].reps_failed ==
		        (int)d->groups[g].ncells);
	}
	REQUIRE(cells == d->ncells);

	struct compare_opts o;
	struct compare_report *r = NULL;
	compare_opts_init(&o);
	REQUIRE(compare_runs(d, d, &o, &r) == 0);
	REQUIRE(r->nworse == 0 && r->nbetter == 0);
	FILE *null = fopen("/dev/null", "w");
	compare_print_text(null, r, true);
	compare_print_markdown(null, r);
	json_object_put(compare_json(r));
	json_object_put(compare_gab(r));
	compare_report_destroy(r);

	char *text = NULL;
	size_t len = 0;
	if (history_format(d, &text, &len) == 0)
		fputs(text, null);
	free(text);

	static char sentences[8][REPORT_SENTENCE_MAX];
	for (size_t b = 0; b < d->nblocks; b++) {
		struct report_table t;
		if (report_table_build(d, &d->blocks[b], &t) == 0)
			report_table_free(&t);
		report_findings(d, d->blocks[b].workload, sentences, 8);
	}
	fclose(null);
}

static void run_dir(const uint8_t *data, size_t size, bool as_meta)
{
	struct rundir *d = NULL;
	static char err[1024];
	put(as_meta ? meta : summary, data, size);
	put(as_meta ? summary : meta, as_meta ? sound_summary : sound_meta,
	    (as_meta ? sizeof(sound_summary) : sizeof(sound_meta)) - 1);
	memset(err, 0, sizeof(err));
	int rc = rundir_load(dir, &d, err, sizeof(err));
	if (rc) {
		check_error(rc, err, dir);
		REQUIRE(d == NULL);
		return;
	}
	use_run(d);
	rundir_destroy(d);
}

static void baseline_file(const uint8_t *data, size_t size)
{
	struct rundir *d = NULL;
	static char err[1024];
	char path[160];
	snprintf(path, sizeof(path), "%s/base.json", dir);
	put(path, data, size);
	unlink(meta); /* a summary.json file alone, or a baseline */
	memset(err, 0, sizeof(err));
	int rc = rundir_load(path, &d, err, sizeof(err));
	if (rc) {
		check_error(rc, err, path);
		return;
	}
	use_run(d);
	rundir_destroy(d);
}

static void history_file(const uint8_t *data, size_t size)
{
	struct history h;
	static char err[1024];
	put(other, data, size);
	memset(err, 0, sizeof(err));
	int rc = history_read(other, &h, err, sizeof(err));
	if (rc) {
		REQUIRE(rc == -EINVAL || rc == -ENOMEM);
		REQUIRE(strstr(err, other) != NULL);
		return;
	}
	const struct history_column *cols;
	int ncols = history_columns(&cols);
	for (size_t r = 0; r < h.nrows; r++) {
		const struct history_row *row = &h.rows[r];
		REQUIRE(row->run >= 0 && row->run < h.nruns && row->group >= 0 &&
		        row->group < h.ngroups && row->alloc >= 0 && row->alloc < h.nallocs);
		for (int m = 0; m < ncols; m++)
			REQUIRE(finite_or_na(row->v[m]));
	}
	for (int a = 0; a < h.nallocs; a++)
		REQUIRE(limits_name_ok(h.allocs[a]));
	history_free(&h);
}

static void series_file(const uint8_t *data, size_t size)
{
	struct plot_scan s;
	int map[PLOT_NCOLS];
	put(other, data, size);
	int rc = plot_scan_series(other, &s, map);
	REQUIRE(rc == 0 || rc == -EINVAL);
	if (rc == 0) {
		REQUIRE(map[PLOT_COL_T] >= 0 && map[PLOT_COL_RSS] >= 0);
		for (int c = 0; c < PLOT_NCOLS; c++)
			REQUIRE(s.max[c] == -1 || (isfinite(s.max[c]) && s.max[c] >= 0));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	int kind;
	switch (data[0]) {
	case 'S':
		kind = 0;
		break;
	case 'M':
		kind = 1;
		break;
	case 'B':
		kind = 2;
		break;
	case 'H':
		kind = 3;
		break;
	case 'T':
		kind = 4;
		break;
	default:
		kind = data[0] % 5;
	}
	data++;
	size--;
	if (kind <= 1)
		run_dir(data, size, kind == 1);
	else if (kind == 2)
		baseline_file(data, size);
	else if (kind == 3)
		history_file(data, size);
	else
		series_file(data, size);
	return 0;
}
