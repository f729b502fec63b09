/* test_results.c - the run directory and its encodings: CSV quoting and n/a,
 * the series TSV, a whole run in a temporary directory (files, summary
 * groups, latest), failures that must say what went wrong, the atomic
 * writer, and the statistics the summary relies on.
 */
#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/results/cell_io.h"
#include "bench/results/phases.h"
#include "bench/results/results.h"
#include "common/fsutil.h"
#include "bench/run/series.h"
#include "bench/results/stats.h"
#include "tap.h"

/* The CSV header (header != 0) or c's record, as a malloc'd string. */
static char *capture_csv(const struct cell_record *c, int header)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return NULL;
	if (header)
		cell_csv_header(f);
	else
		cell_csv_write(f, c);
	fclose(f);
	return text;
}

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t len = 0;
	FILE *m;
	int ch;
	if (!f)
		return NULL;
	m = open_memstream(&text, &len);
	while ((ch = fgetc(f)) != EOF)
		fputc(ch, m);
	fclose(m);
	fclose(f);
	return text;
}

/* expect() for multi-line text: a TAP line must stay one line, so a
 * mismatch is shown as a "#" diagnostic with escapes. */
static void expect_text(const char *got, const char *want, const char *what)
{
	if (expect(got && strcmp(got, want) == 0, "%s", what))
		return;
	printf("#   got: \"");
	for (const char *p = got ? got : "(null)"; *p; p++) {
		if (*p == '\n')
			printf("\\n");
		else if (*p == '\t')
			printf("\\t");
		else
			putchar(*p);
	}
	printf("\"\n");
}

static int count_lines(const char *s)
{
	int n = 0;
	for (; s && *s; s++)
		n += *s == '\n';
	return n;
}

static void fill_cell(struct cell_record *c, const char *status, int rep, int64_t peak)
{
	cell_record_init(c);
	snprintf(c->workload, sizeof(c->workload), "churn");
	c->threads = 4;
	snprintf(c->allocator, sizeof(c->allocator), "glibc");
	c->rep = rep;
	c->order = rep;
	snprintf(c->status, sizeof(c->status), "%s", status);
	if (strcmp(status, "ok") == 0) {
		c->wall_s = 1.5;
		c->peak_rss_bytes = peak;
		c->exit_status = 0;
	} else {
		snprintf(c->reason, sizeof(c->reason), "killed by signal 9");
		c->term_signal = 9;
	}
}

/* Removes a directory tree made by the run test (two levels deep at most
 * below runs/<id>/, no symlinks followed). */
static void remove_tree(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	if (lstat(path, &st) < 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		unlink(path);
		return;
	}
	d = opendir(path);
	while (d && (e = readdir(d))) {
		char sub[PATH_MAX];
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		remove_tree(sub);
	}
	if (d)
		closedir(d);
	rmdir(path);
}

static int dir_has_tmp(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int found = 0;
	while (d && (e = readdir(d)))
		found |= strstr(e->d_name, ".tmp") != NULL;
	if (d)
		closedir(d);
	return found;
}

TEST(csv_quoting)
{
	struct cell_record c;
	fill_cell(&c, "failed", 1, -1);
	snprintf(c.reason, sizeof(c.reason), "a,b \"c\"\nd");
	char *line = capture_csv(&c, 0);
	expect(line && strstr(line, ",\"a,b \"\"c\"\"\nd\","),
	       "reason quoted, with doubled quotes");
	expect(line && strncmp(line, "churn,4,glibc,1,1,failed,", 25) == 0,
	       "plain strings unquoted");
	expect(line && strcmp(line + strlen(line) - 3, ",9\n") == 0, "last field term_signal");
	free(line);
}

TEST(csv_na)
{
	struct cell_record c;
	char *header, *line;
	cell_record_init(&c);
	header = capture_csv(&c, 1);
	line = capture_csv(&c, 0);
	expect(header && strncmp(header, "workload,threads,allocator,rep,", 31) == 0,
	       "header starts with the key fields");
	/* Every field n/a: only the separators remain (virtual figures are
	 * not stored). */
	size_t stored = 0;
	for (int i = 0; i < METRIC_N; i++)
		stored += metrics[i].type != MT_VIRTUAL;
	expect_int(line ? strspn(line, ",") : 0, stored - 1);
	expect(line && strcmp(line + stored - 1, "\n") == 0, "record ends in a newline");
	expect(isnan(c.wall_s) && c.peak_rss_bytes == -1 && c.workload[0] == '\0',
	       "init sets NaN, -1 and empty");
	free(header);
	free(line);
}

TEST(json_na)
{
	struct cell_record c;
	struct json_object *o = json_object_new_object(), *v;
	fill_cell(&c, "ok", 1, 1000);
	int rc = cell_json_add(o, &c);
	expect_int(rc, 0);
	expect(json_object_object_get_ex(o, "blowup", &v) && v == NULL, "n/a real is null");
	expect(json_object_object_get_ex(o, "majflt", &v) && v == NULL, "n/a int is null");
	expect(json_object_object_get_ex(o, "peak_rss_bytes", &v) &&
	           json_object_get_int64(v) == 1000,
	       "int written as int");
	expect(json_object_object_get_ex(o, "wall_s", &v) &&
	           json_object_is_type(v, json_type_double) && json_object_get_double(v) == 1.5,
	       "real written as double");
	json_object_put(o);
}

/* A temporary directory for a test's files ("" when none could be made). */
static char *test_dir(char *tmpl) { return mkdtemp(tmpl) ? tmpl : NULL; }

TEST(series_tsv)
{
	struct sample rows[] = {
	    /* An allocator figure of -1 is n/a: an empty field, never 0. */
	    {.t_s = 0,
	     .rss_bytes = 1024,
	     .heap_bytes = 0,
	     .alloc_in_use_bytes = -1,
	     .alloc_system_bytes = -1,
	     .alloc_resident_bytes = -1,
	     .arenas = -1,
	     .progress = -1,
	     .phase = 0,
	     .missed_ticks = 0,
	     .alloc_progress = -1,
	     .rss_file_bytes = 256,
	     .probe_reads = -1},
	    {.t_s = 0.01,
	     .rss_bytes = 2048,
	     .heap_bytes = 512,
	     .alloc_in_use_bytes = 600,
	     .alloc_system_bytes = 8192,
	     .alloc_resident_bytes = -1,
	     .arenas = 1,
	     .progress = 10,
	     .phase = 1,
	     .missed_ticks = 0,
	     .alloc_progress = 8,
	     .probe_reads = 1},
	    /* The same probe reading as the row before: held carried, raised
	     * by the heap's growth since (split.h). */
	    {.t_s = 0.02049,
	     .rss_bytes = 8192,
	     .heap_bytes = 1024,
	     .alloc_in_use_bytes = 1100,
	     .alloc_system_bytes = 8192,
	     .alloc_resident_bytes = 4096,
	     .arenas = 2,
	     .progress = 20,
	     .phase = 7,
	     .missed_ticks = 3,
	     .alloc_progress = 20,
	     .rss_file_bytes = 1024,
	     .probe_reads = 1},
	};
	struct series_phases names = {.n = 2};
	char tmpl[] = "/tmp/wimm-test-XXXXXX", path[PATH_MAX];
	struct series_writer *w = NULL;
	int written = 0;
	if (!test_dir(tmpl)) {
		tap_skip("mkdtemp failed");
		return;
	}
	snprintf(names.names[0], SERIES_PHASE_NAME_MAX, "start");
	snprintf(names.names[1], SERIES_PHASE_NAME_MAX, "fill");
	snprintf(path, sizeof(path), "%s/s.tsv", tmpl);
	expect_int(series_writer_open(&w, path, 10000000), 0);
	struct split_carry carry;
	split_carry_init(&carry);
	for (int i = 0; w && i < 3; i++) {
		series_fill_parts(&carry, &rows[i]);
		series_writer_add(w, &rows[i], &names);
	}
	expect(access(path, F_OK) < 0, "no file under its name before the commit");
	expect_int(w ? series_writer_commit(w, &written) : -1, 0);
	expect_int(written, 1);
	char *text = read_text(path);
	expect_text(
	    text,
	    "t_s\trss_bytes\theap_bytes\talloc_in_use_bytes\talloc_system_bytes\t"
	    "alloc_resident_bytes\tarenas\tprogress\tphase\tmissed_ticks\talloc_progress\t"
	    "rss_file_bytes\tprobe_reads\tpart_heap_bytes\tpart_unused_bytes\t"
	    "part_foreign_bytes\tpart_unsplit_bytes\tuntouched_bytes\n"
	    "0.0000\t1024\t0\t\t\t\t\t\tstart\t0\t\t256\t\t0\t\t\t768\t0\n"
	    "0.0100\t2048\t512\t600\t8192\t\t1\t10\tfill\t0\t8\t0\t1\t512\t1536\t0\t0\t0\n"
	    "0.0205\t8192\t1024\t1100\t8192\t4096\t2\t20\t?\t3\t20\t1024\t1\t1024\t3584\t0\t"
	    "2560\t0\n",
	    "TSV: header, 4 decimals, integers, empty n/a, phase names, ? out of range, "
	    "missed ticks");
	free(text);
	expect(!dir_has_tmp(tmpl), "no temporary file left");

	/* An interrupted cell: no file at all, not half of one. */
	snprintf(path, sizeof(path), "%s/cut.tsv", tmpl);
	expect_int(series_writer_open(&w, path, 10000000), 0);
	for (int i = 0; w && i < 3; i++)
		series_writer_add(w, &rows[i], &names);
	series_writer_abort(w);
	expect(access(path, F_OK) < 0 && !dir_has_tmp(tmpl), "an aborted series leaves no file");
	remove_tree(tmpl);
}

/* An hour at 1 ms: past SERIES_FULL_ROWS, windows keep their extremes, so
 * the file stays small and a one-sample spike survives. */
TEST(series_envelope)
{
	struct series_phases names = {.n = 1};
	char tmpl[] = "/tmp/wimm-test-XXXXXX", path[PATH_MAX];
	struct series_writer *w = NULL;
	const int64_t n = 600000; /* 10 minutes at 1 ms */
	int written = 0;
	if (!test_dir(tmpl)) {
		tap_skip("mkdtemp failed");
		return;
	}
	snprintf(names.names[0], SERIES_PHASE_NAME_MAX, "a-phase-of-24-letters-xx");
	snprintf(path, sizeof(path), "%s/long.tsv", tmpl);
	expect_int(series_writer_open(&w, path, 1000000), 0);
	for (int64_t i = 0; w && i < n; i++) {
		/* Every column as wide as it gets: the largest file. */
		struct sample row = {.t_s = (double)i * 1e-3,
		                     .rss_bytes = 5000000000 + (i % 7) * 4096,
		                     .heap_bytes = 4000000000 + (i % 5) * 1000,
		                     .alloc_in_use_bytes = 4100000000 + i,
		                     .alloc_system_bytes = 4500000000 + i,
		                     .alloc_resident_bytes = 4400000000 + i,
		                     .arenas = 16,
		                     .progress = 1000000000 + i,
		                     .phase = 0,
		                     .missed_ticks = i == 400001 ? 5 : 0,
		                     .alloc_progress = 1000000000 + i};
		if (i == 400000)
			row.rss_bytes = 9000000000; /* the peak, one sample wide */
		if (i == 400002)
			row.heap_bytes = 7000000000;
		if (i == 400003)
			row.heap_bytes = 3000000000; /* a trough, as wide */
		series_writer_add(w, &row, &names);
	}
	expect_int(w ? series_writer_commit(w, &written) : -1, 0);
	struct stat st = {0};
	int stat_rc = stat(path, &st);
	expect(stat_rc == 0 && st.st_size < 5 * 1000 * 1000,
	       "10 minutes at 1 ms in %lld bytes (under 5 MB)", (long long)st.st_size);
	char *text = read_text(path);
	int64_t lines = count_lines(text), missed = 0;
	expect(text && strstr(text, "\t9000000000\t") != NULL, "the one-sample RSS peak is kept");
	expect(text && strstr(text, "\t7000000000\t") != NULL, "the one-sample heap peak is kept");
	expect(text && strstr(text, "\t3000000000\t") != NULL,
	       "the one-sample heap trough is kept");
	expect(text && strstr(text, "\n599.9990\t") != NULL, "the last sample is kept");
	/* The missed ticks of every row (the column the header names so),
	 * each counted once. */
	int col = 0;
	for (const char *h = text; h && *h != '\n' && strncmp(h, "missed_ticks", 12); h++)
		col += *h == '\t';
	for (char *line = text ? strchr(text, '\n') : NULL; line && line[1];
	     line = strchr(line + 1, '\n')) {
		const char *field = line + 1;
		for (int k = 0; k < col && field; k++)
			field = strchr(field, '\t') ? strchr(field, '\t') + 1 : NULL;
		missed += field ? strtoll(field, NULL, 10) : 0;
	}
	expect_int(missed, 5);
	expect(lines > SERIES_FULL_ROWS &&
	           lines < SERIES_FULL_ROWS +
	                       SERIES_WINDOW_ROWS * (n / (SERIES_WINDOW_NS / 1000000)) + 10,
	       "%lld rows: every sample of the start, then at most SERIES_WINDOW_ROWS per window",
	       (long long)lines);
	free(text);
	remove_tree(tmpl);
}

static struct json_object *find_group(struct json_object *summary)
{
	struct json_object *groups;
	if (!json_object_object_get_ex(summary, "groups", &groups) ||
	    json_object_array_length(groups) != 1)
		return NULL;
	return json_object_array_get_idx(groups, 0);
}

static int64_t get_int(struct json_object *o, const char *key)
{
	struct json_object *v;
	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : -999;
}

TEST(run_directory)
{
	char tmpl[] = "/tmp/wimm-test-XXXXXX", root[PATH_MAX], path[PATH_MAX + 64];
	char err[512] = "", *text, link[PATH_MAX], *args[] = {"wimm", "run", "it's here"};
	struct allocator alloc = {.name = "glibc", .source = "allocators/glibc.yaml"};
	struct workload work = {.name = "churn", .naxis = 1, .axis = {4}, .seed = 42};
	const char *versions[] = {"2.36"};
	struct run_info info = {.argc = 3,
	                        .argv = args,
	                        .seed = 7,
	                        .interval_s = 0.01,
	                        .timeout_s = 60,
	                        .reps = 2,
	                        .scale = 1,
	                        .allocators = &alloc,
	                        .allocator_versions = versions,
	                        .nallocators = 1,
	                        .workloads = &work,
	                        .nworkloads = 1,
	                        .env_removed = "MALLOC_PERTURB_"};
	struct results *r = NULL;
	struct cell_record ok, bad;
	struct series_writer *w = NULL;
	struct series_phases names = {.n = 1, .names = {"run"}};
	struct sample row = {.t_s = 0.01, .rss_bytes = 4096, .heap_bytes = 100, .phase = 0};
	struct json_object *summary, *meta, *g, *v, *peak;
	const char *cmd = "";
	int rc;
	if (!mkdtemp(tmpl)) {
		tap_skip("mkdtemp failed");
		return;
	}
	snprintf(root, sizeof(root), "%s/out/results", tmpl);
	rc = results_create(root, &info, &r, err, sizeof(err));
	expect_int(rc, 0);
	if (!r) {
		printf("# %s\n", err);
		goto out;
	}
	fill_cell(&ok, "ok", 1, 123456);
	fill_cell(&bad, "failed", 2, -1);
	expect_int(results_series_open(r, &ok, 10000000, &w), 0);
	if (w)
		series_writer_add(w, &row, &names);
	rc = results_add_cell(r, &ok, w, NULL);
	expect_int(rc, 0);
	/* A cell whose series has no row: no file. */
	w = NULL;
	expect_int(results_series_open(r, &bad, 10000000, &w), 0);
	rc = results_add_cell(r, &bad, w, NULL);
	expect_int(rc, 0);
	/* Before the end: cells.csv has every cell, summary.json is valid
	 * JSON (however many cells it has caught up with). */
	snprintf(path, sizeof(path), "%s/cells.csv", results_dir(r));
	text = read_text(path);
	expect_int(count_lines(text), 3);
	free(text);
	snprintf(path, sizeof(path), "%s/summary.json", results_dir(r));
	summary = json_object_from_file(path);
	expect(summary && json_object_object_get_ex(summary, "complete", &v) &&
	           !json_object_get_boolean(v),
	       "summary.json parses during the run and is not complete");
	json_object_put(summary);
	rc = results_finish(r, 0);
	expect_int(rc, 0);

	snprintf(path, sizeof(path), "%s/meta.json", results_dir(r));
	meta = json_object_from_file(path);
	expect(meta != NULL, "meta.json parses");
	if (json_object_object_get_ex(meta, "command_line", &v))
		cmd = json_object_get_string(v);
	expect(strcmp(cmd, "wimm run 'it'\\''s here'") == 0,
	       "command line quoted for a shell (got %s)", cmd);
	expect(json_object_object_get_ex(meta, "host", &v) &&
	           json_object_object_get_ex(v, "thp_enabled", NULL),
	       "meta.json has host facts");
	json_object_put(meta);

	snprintf(path, sizeof(path), "%s/series/churn-t4-glibc-r1.tsv", results_dir(r));
	expect(access(path, R_OK) == 0, "series file for the ok cell exists");
	snprintf(path, sizeof(path), "%s/series/churn-t4-glibc-r2.tsv", results_dir(r));
	expect(access(path, F_OK) < 0, "no series file for a cell without rows");

	snprintf(path, sizeof(path), "%s/cells.csv", results_dir(r));
	text = read_text(path);
	expect_int(count_lines(text), 3);
	expect(text && strncmp(text, "workload,threads,allocator,rep", 30) == 0,
	       "cells.csv header");
	free(text);

	snprintf(path, sizeof(path), "%s/summary.json", results_dir(r));
	summary = json_object_from_file(path);
	expect(summary != NULL, "summary.json parses");
	expect(json_object_object_get_ex(summary, "complete", &v) && json_object_get_boolean(v),
	       "complete is true");
	g = find_group(summary);
	expect(g != NULL, "one group");
	expect_int(get_int(g, "reps_ok"), 1);
	expect_int(get_int(g, "reps_failed"), 1);
	expect(g && json_object_object_get_ex(g, "peak_rss_bytes", &peak) && peak &&
	           get_int(peak, "median") == 123456,
	       "median peak_rss_bytes is the ok cell's");
	expect(g && json_object_object_get_ex(g, "majflt", &v) && v == NULL,
	       "a metric no ok cell has is null");
	expect(json_object_object_get_ex(summary, "cells", &v) && json_object_array_length(v) == 2,
	       "two cells in summary.json");
	json_object_put(summary);

	snprintf(path, sizeof(path), "%s/latest", root);
	expect(realpath(path, link) && realpath(results_dir(r), path) && strcmp(link, path) == 0,
	       "latest resolves to the run directory");
	expect(!dir_has_tmp(results_dir(r)) && !dir_has_tmp(root), "no temporary files left");
out:
	results_destroy(r);
	remove_tree(tmpl);
}

TEST(two_runs_same_second)
{
	char tmpl[] = "/tmp/wimm-test-XXXXXX", err[512] = "";
	struct run_info info = {.reps = 1, .scale = 1};
	struct results *a = NULL, *b = NULL;
	if (!mkdtemp(tmpl)) {
		tap_skip("mkdtemp failed");
		return;
	}
	int ra = results_create(tmpl, &info, &a, err, sizeof(err));
	int rb = results_create(tmpl, &info, &b, err, sizeof(err));
	expect(ra == 0 && rb == 0, "both runs created (%d, %d)", ra, rb);
	expect(a && b && strcmp(results_dir(a), results_dir(b)) != 0,
	       "two runs get two directories");
	results_destroy(a);
	results_destroy(b);
	remove_tree(tmpl);
}

TEST(unwritable_root)
{
	char tmpl[] = "/tmp/wimm-test-XXXXXX", file[PATH_MAX], root[PATH_MAX + 16];
	char err[1024] = "";
	struct run_info info = {.reps = 1, .scale = 1};
	struct results *r = NULL;
	FILE *f;
	if (!mkdtemp(tmpl)) {
		tap_skip("mkdtemp failed");
		return;
	}
	snprintf(file, sizeof(file), "%s/file", tmpl);
	f = fopen(file, "w");
	if (f)
		fclose(f);
	snprintf(root, sizeof(root), "%s/results", file);
	int rc = results_create(root, &info, &r, err, sizeof(err));
	expect_int(rc, -ENOTDIR);
	expect(r == NULL, "no handle on failure");
	expect(strstr(err, "cannot create") && strstr(err, "--out"),
	       "message says what and what to do (got \"%s\")", err);
	remove_tree(tmpl);
}

TEST(write_file)
{
	char tmpl[] = "/tmp/wimm-test-XXXXXX", path[PATH_MAX], *text;
	struct rlimit old, small;
	static char big[1 << 16];
	int rc;
	if (!mkdtemp(tmpl)) {
		tap_skip("mkdtemp failed");
		return;
	}
	snprintf(path, sizeof(path), "%s/f.txt", tmpl);
	rc = fsutil_write(path, "hello\n", 6);
	expect_int(rc, 0);
	text = read_text(path);
	expect_text(text, "hello\n", "file content written");
	free(text);
	expect(!dir_has_tmp(tmpl), "no temporary file after success");

	/* A write that fails half way (here: the file size limit, standing in
	 * for a full disk) must return -errno, keep the old file and leave no
	 * temporary behind. The limit also applies to stdout when it is a
	 * file, so nothing is printed until it is lifted. */
	getrlimit(RLIMIT_FSIZE, &old);
	small = old;
	small.rlim_cur = 4096;
	signal(SIGXFSZ, SIG_IGN);
	fflush(stdout);
	if (setrlimit(RLIMIT_FSIZE, &small) == 0) {
		rc = fsutil_write(path, big, sizeof(big));
		setrlimit(RLIMIT_FSIZE, &old);
		expect_int(rc, -EFBIG);
		text = read_text(path);
		expect_text(text, "hello\n", "old content kept");
		free(text);
		expect(!dir_has_tmp(tmpl), "no temporary file after a failure");
	} else {
		tap_skip("cannot lower RLIMIT_FSIZE");
	}
	signal(SIGXFSZ, SIG_DFL);
	snprintf(path, sizeof(path), "%s/missing/f.txt", tmpl);
	rc = fsutil_write(path, "x", 1);
	expect_int(rc, -ENOENT);
	remove_tree(tmpl);
}

TEST(stats)
{
	double v[] = {3, 1, 2, NAN};
	double even[] = {4, 1, 3, 2};
	expect(stats_median(v, 4) == 2, "median of {3,1,2,NaN} is 2");
	expect(v[0] == 3 && v[1] == 1 && v[2] == 2, "caller's array not reordered");
	expect(isnan(stats_median(v, 0)), "median of {} is NaN");
	expect(stats_median(even, 4) == 2.5, "median of an even count");
	expect(stats_min(v, 4) == 1 && stats_max(v, 4) == 3, "min and max skip NaN");
	expect(isnan(stats_min(v + 3, 1)), "min of only NaN is NaN");
	/* numpy.percentile([1,2,3,4,10], [25, 75]) = [2, 4]; of [1,2,3,4]:
	 * [1.75, 3.25] (linear between ranks). */
	double five[] = {10, 1, 4, 2, 3};
	expect(stats_quantile(five, 5, 0.25) == 2 && stats_quantile(five, 5, 0.75) == 4,
	       "quartiles of five values");
	expect(stats_quantile(even, 4, 0.25) == 1.75 && stats_quantile(even, 4, 0.75) == 3.25,
	       "quartiles interpolate between ranks");
	expect(stats_quantile(even, 4, 0) == 1 && stats_quantile(even, 4, 1) == 4,
	       "the 0- and 1-quantiles are min and max");
}

/* A real program's steps: the heap (the allocator's in-use figure) is
 * fitted against the steps the probe read with it, each reading once
 * however many rows repeat it; RSS against each row's steps. Expected
 * values from the textbook formulas with Student's t from a table
 * (t(0.975, 78) = 1.990847), computed apart from wimm. */
TEST(step_fit)
{
	static const struct workload program = {.nphases = 0};
	struct series_phases names = {.n = 2};
	struct phases_acc acc;
	snprintf(names.names[0], SERIES_PHASE_NAME_MAX, "start");
	snprintf(names.names[1], SERIES_PHASE_NAME_MAX, "loop");
	phases_acc_init(&acc, &program);
	for (int x = 0; x < 100; x++) {
		int64_t heap = 1000000 + 800 * x + 60 * ((37 * x % 11) - 5);
		/* Three ticks per reading: the steps move on, the reading
		 * stays; RSS grows 1000 B per step, exactly. */
		for (int k = 0; k < 3; k++) {
			struct sample row = {.t_s = x * 0.03 + k * 0.01,
			                     .rss_bytes = 4000000 + 1000 * (3 * x + k),
			                     .heap_bytes = heap,
			                     .alloc_in_use_bytes = heap,
			                     .alloc_system_bytes = -1,
			                     .alloc_resident_bytes = -1,
			                     .arenas = -1,
			                     .progress = 3 * x + k,
			                     .alloc_progress = 3 * x,
			                     .phase = 1};
			phases_acc_add(&acc, &row);
		}
	}
	struct phase_stats ps;
	phases_compute(&acc, &names, &program, NULL, &ps);
	const struct phase_stat *p = &ps.p[1];
	/* x is 3 x steps here: the slope per step is a third of 800. */
	expect(fabs(p->heap_growth_per_iter_bytes - 799.9957805907173 / 3) < 1e-6,
	       "heap per step %.6f (the readings, once each)", p->heap_growth_per_iter_bytes);
	expect(fabs(p->heap_growth_ci95_bytes - 1.8519192717468596 / 3) < 0.002 / 3,
	       "its 95%% half-width %.6f within 0.1%% of the table's", p->heap_growth_ci95_bytes);
	expect(fabs(p->heap_r2 - 0.999894551175242) < 1e-9, "heap R^2 %.12f", p->heap_r2);
	expect(fabs(p->rss_growth_per_iter_bytes - 1000) < 1e-6 && p->rss_growth_ci95_bytes < 1e-6,
	       "RSS per step %.6f +-%g (exact)", p->rss_growth_per_iter_bytes,
	       p->rss_growth_ci95_bytes);
	expect(p->leak_per_iter_bytes == -1, "a program was told no leak: n/a");
	expect(p->iters_to_tell > 0 && p->iters_to_tell < 300, "iterations to tell: %lld",
	       (long long)p->iters_to_tell);
	expect(isnan(ps.p[0].heap_growth_per_iter_bytes), "no steps in start: no fit");
	phases_acc_finish(&acc);
}

int main(void)
{
	return tap_run((struct tap_test[]){
	    TAP(csv_quoting),
	    TAP(csv_na),
	    TAP(json_na),
	    TAP(series_tsv),
	    TAP(series_envelope),
	    TAP(run_directory),
	    TAP(two_runs_same_second),
	    TAP(unwritable_root),
	    TAP(write_file),
	    TAP(stats),
	    TAP(step_fit),
	    {0},
	});
}
