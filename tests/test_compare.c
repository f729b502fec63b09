/* test_compare.c - the comparator's verdicts on fixture pairs, exactly;
 * reading runs, summaries and baselines, and refusing what is not one;
 * writing a baseline and the history lines.
 *
 * usage: test_compare FIXTURES_DIR (tests/fixtures/compare, made by make.py
 * there; each pair's docstring says what it holds).
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/regress/baseline.h"
#include "bench/regress/compare.h"
#include "bench/regress/history.h"
#include "bench/results/rundir.h"
#include "tap.h"

static const char *dir;

/* The compare column of a --threshold key. */
#define PEAK compare_column("peak_rss")
#define BLOWUP compare_column("blowup")
#define IDLE compare_column("idle_rss")
#define TIME compare_column("time")

enum {
	S = COMPARE_SAME,
	W = COMPARE_WORSE,
	B = COMPARE_BETTER,
	NEW = COMPARE_NEW,
	MISS = COMPARE_MISSING,
	NA = COMPARE_NA,
	INC = COMPARE_INCONCLUSIVE,
	FAIL = COMPARE_FAILED,
	REF = COMPARE_REFERENCE
};

static struct rundir *load(const char *name)
{
	char path[PATH_MAX], err[PATH_MAX + 256];
	struct rundir *d = NULL;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int rc = rundir_load(path, &d, err, sizeof(err));
	expect(rc == 0, "load %s (%s)", name, rc ? err : "ok");
	return d;
}

/* Loads a pair and compares it with the default rules (or o). */
static struct compare_report *pair(const char *name, const struct compare_opts *o,
                                   struct rundir **b, struct rundir **n)
{
	char bn[128], nn[128];
	struct compare_opts def;
	struct compare_report *r = NULL;
	compare_opts_init(&def);
	snprintf(bn, sizeof(bn), "%s-base.json", name);
	snprintf(nn, sizeof(nn), "%s-new.json", name);
	*b = load(bn);
	*n = load(nn);
	if (*b && *n)
		expect_int(compare_runs(*b, *n, o ? o : &def, &r), 0);
	return r;
}

static void done(struct compare_report *r, struct rundir *b, struct rundir *n)
{
	compare_report_destroy(r);
	rundir_destroy(b);
	rundir_destroy(n);
}

static const struct compare_cell *cell(const struct compare_report *r, const char *workload,
                                       int threads, const char *allocator)
{
	const struct compare_cell *found = NULL;
	for (size_t i = 0; r && i < r->ncells; i++)
		if (r->cells[i].threads == threads && !strcmp(r->cells[i].workload, workload) &&
		    !strcmp(r->cells[i].allocator, allocator) && (!found || r->cells[i].in_new))
			found = &r->cells[i]; /* NEW's cell before a BASE cell missing in NEW */
	return found;
}

/* The four marks of a cell: peak RSS, RSS / heap, RSS after idle, time. */
static void marks(const struct compare_report *r, const char *workload, int threads,
                  const char *allocator, int peak, int blowup, int idle, int time)
{
	const struct compare_cell *c = cell(r, workload, threads, allocator);
	const int want[] = {peak, blowup, idle, time};
	const char *const keys[] = {"peak_rss", "blowup", "idle_rss", "time"};
	if (!expect(c != NULL, "cell %s/%d/%s is in the report", workload, threads, allocator))
		return;
	for (int k = 0; k < 4; k++) {
		int m = compare_column(keys[k]);
		expect(m >= 0 && c->v[m].mark == (enum compare_mark)want[k],
		       "%s/%d/%s %s: %s (got %s; %s)", workload, threads, allocator, keys[k],
		       compare_mark_name((enum compare_mark)want[k]),
		       m >= 0 ? compare_mark_name(c->v[m].mark) : "no column",
		       m >= 0 ? c->v[m].note : "");
	}
}

static int near(double got, double want, double tol) { return fabs(got - want) <= tol; }

TEST(real_regression_is_flagged)
{
	struct rundir *b, *n;
	struct compare_report *r = pair("regression", NULL, &b, &n);
	if (!r) {
		done(r, b, n);
		return;
	}
	expect_int(r->nmismatch, 0);
	marks(r, "tile-cache", 4, "glibc", W, W, S, REF);
	marks(r, "tile-cache", 4, "jemalloc", S, S, S, W);
	marks(r, "tile-cache", 4, "tcmalloc", B, B, B, S);
	/* +30% of 2 MiB is under the 1 MiB floor */
	marks(r, "churn", 1, "glibc", S, S, S, REF);
	marks(r, "manifest", 1, "glibc", FAIL, FAIL, FAIL, FAIL);
	const struct compare_cell *c = cell(r, "tile-cache", 4, "glibc");
	expect(c && near(c->v[PEAK].change, 264.0 / 140 - 1, 1e-3), "peak RSS +88.6%% (got %g)",
	       c ? c->v[PEAK].change : NAN);
	expect(c && near(c->v[PEAK].p, 2.0 / 48620, 1e-9), "separated 9 vs 9: p = 2/48620 (got %g)",
	       c ? c->v[PEAK].p : NAN);
	c = cell(r, "tile-cache", 4, "jemalloc");
	expect(c && near(c->v[TIME].base, 1.05, 1e-9) && near(c->v[TIME].now, 1.45, 1e-9),
	       "time / glibc medians 1.05 -> 1.45 (got %g -> %g)", c ? c->v[TIME].base : NAN,
	       c ? c->v[TIME].now : NAN);
	expect_int(r->ncompared, 5);
	expect_int(r->nworse, 3);
	expect_int(r->nbetter, 1);
	expect_int(compare_exit_code(r), 1);
	done(r, b, n);
}

TEST(noisy_time_is_not_flagged)
{
	struct rundir *b, *n;
	struct compare_report *r = pair("noise", NULL, &b, &n);
	if (!r) {
		done(r, b, n);
		return;
	}
	/* NEW ran on a machine twice as slow: ratios to glibc do not move */
	marks(r, "stamps", 4, "glibc", S, S, S, REF);
	/* median +29% but the repetitions overlap: not significant */
	marks(r, "stamps", 4, "jemalloc", S, S, S, S);
	const struct compare_cell *c = cell(r, "stamps", 4, "jemalloc");
	expect(c && c->v[TIME].change > 0.25 && c->v[TIME].p >= 0.01,
	       "jemalloc time: beyond 25%% with p >= 0.01 (got %+.3f, p %g)",
	       c ? c->v[TIME].change : NAN, c ? c->v[TIME].p : NAN);
	/* a significant shift of +9.6%, under the 25% threshold */
	marks(r, "stamps", 4, "mimalloc", S, S, S, S);
	c = cell(r, "stamps", 4, "mimalloc");
	expect(c && c->v[TIME].p < 0.01, "mimalloc time significant (p %g)",
	       c ? c->v[TIME].p : NAN);
	/* peak RSS median +6.4%, beyond 5% and 1 MiB, within the scatter */
	marks(r, "stamps", 4, "tcmalloc", S, S, S, S);
	c = cell(r, "stamps", 4, "tcmalloc");
	expect(c && c->v[PEAK].change > 0.05 && c->v[PEAK].p >= 0.01,
	       "tcmalloc peak RSS: +%.1f%%, p %g", c ? c->v[PEAK].change * 100 : NAN,
	       c ? c->v[PEAK].p : NAN);
	expect_int(r->nworse, 0);
	expect_int(r->nbetter, 0);
	expect_int(compare_exit_code(r), 0);
	done(r, b, n);
}

TEST(missing_and_new_cells)
{
	struct rundir *b, *n;
	struct compare_report *r = pair("missing", NULL, &b, &n);
	if (!r) {
		done(r, b, n);
		return;
	}
	marks(r, "churn", 1, "glibc", S, S, S, REF);
	/* NEW has no idle figure; one rep a side cannot test time */
	marks(r, "churn", 1, "jemalloc", S, S, NA, INC);
	marks(r, "churn", 1, "mimalloc", NEW, NEW, NEW, NEW);
	marks(r, "churn", 4, "glibc", S, S, S, REF);
	marks(r, "churn", 4, "jemalloc", MISS, MISS, MISS, MISS);
	const struct compare_cell *c = cell(r, "churn", 1, "jemalloc");
	expect(c && !strcmp(c->v[IDLE].note, "n/a in NEW"), "idle note: n/a in NEW (%s)",
	       c ? c->v[IDLE].note : "");
	expect(c && !strcmp(c->v[TIME].note, "1 vs 1 reps (9 a side needed)"), "time note (%s)",
	       c ? c->v[TIME].note : "");
	/* leak did not run in NEW at all: summed up, not listed */
	expect(cell(r, "leak", 1, "glibc") == NULL, "leak is not listed cell by cell");
	expect_str(r->absent, "leak");
	expect_int(r->nabsent_cells, 1);
	expect_int(r->nnew, 1);
	expect_int(r->nmissing, 1);
	expect_int(r->ncompared, 3);
	expect_int(r->ninconclusive, 1);
	/* jemalloc's idle RSS, the missing cell and leak: not judged, no pass */
	expect_int(r->nunjudged, 1);
	expect_int(compare_exit_code(r), COMPARE_EXIT_INCOMPLETE);
	char why[256];
	compare_incomplete(r, why, sizeof(why));
	expect_str(why, "2 cells BASE has are not in NEW; 1 figure BASE has is n/a in NEW");
	r->opts.partial = 1;
	expect_int(compare_exit_code(r), 0);
	done(r, b, n);
}

TEST(context_mismatch)
{
	struct rundir *b, *n;
	struct compare_report *r = pair("context", NULL, &b, &n);
	if (!r) {
		done(r, b, n);
		return;
	}
	expect_int(r->nmismatch, 3);
	if (r->nmismatch == 3) {
		expect_str(r->mismatch[0], "CPU count differs: 2 in BASE, 4 in NEW");
		expect_str(r->mismatch[1],
		           "kernel differs: 6.1.0-18-amd64 in BASE, 6.1.0-21-amd64 in NEW");
		/* tcmalloc is only in BASE: its version is not compared */
		expect_str(r->mismatch[2], "jemalloc version differs: 5.2.1 in BASE, 5.3.0 in NEW");
	}
	expect_int(compare_exit_code(r), 3);
	done(r, b, n);

	struct compare_opts o;
	compare_opts_init(&o);
	o.force = 1;
	r = pair("context", &o, &b, &n);
	expect(r && compare_exit_code(r) == 0, "--force: compared, nothing regressed");
	done(r, b, n);
}

TEST(too_few_repetitions)
{
	struct rundir *b, *n;
	struct compare_report *r = pair("fewreps", NULL, &b, &n);
	if (!r) {
		done(r, b, n);
		return;
	}
	/* 3 vs 3: time inconclusive however large the change; memory judged on
	 * the scatter: peak RSS apart (worse), RSS / heap overlapping (same) */
	marks(r, "churn", 4, "jemalloc", W, S, S, INC);
	const struct compare_cell *c = cell(r, "churn", 4, "jemalloc");
	expect(c && c->v[TIME].change > 0.45, "time +49.5%% yet inconclusive (got %g)",
	       c ? c->v[TIME].change : NAN);
	expect(c && !strcmp(c->v[TIME].note, "3 vs 3 reps (9 a side needed)"), "time note (%s)",
	       c ? c->v[TIME].note : "");
	expect(c && !strcmp(c->v[BLOWUP].note,
	                    "beyond the threshold, within the repetitions' scatter (16%)"),
	       "blowup note (%s)", c ? c->v[BLOWUP].note : "");
	marks(r, "churn", 4, "glibc", S, S, S, REF);
	/* 3 BASE reps against 1: NEW beyond all of them and beyond their
	 * spread (7.7%): worse; beyond all of them, not the spread: same */
	marks(r, "churn", 1, "glibc", W, W, S, REF);
	marks(r, "stamps", 1, "glibc", S, S, S, REF);
	/* 1 vs 1: the threshold alone */
	marks(r, "leak", 1, "glibc", S, S, W, REF);
	expect_int(r->ninconclusive, 1);
	expect_int(compare_exit_code(r), 1);
	done(r, b, n);

	/* with --min-reps 3 the U tests run on 3 vs 3, and 3 vs 3 entirely
	 * apart gives p = 2/20 at best: nothing can be significant at 0.01 */
	struct compare_opts o;
	compare_opts_init(&o);
	o.min_reps = 3;
	r = pair("fewreps", &o, &b, &n);
	marks(r, "churn", 4, "jemalloc", S, S, S, S);
	c = cell(r, "churn", 4, "jemalloc");
	expect(c && near(c->v[TIME].p, 0.1, 1e-12), "p = 2/20 (got %g)", c ? c->v[TIME].p : NAN);
	done(r, b, n);
}

TEST(thresholds_and_maps)
{
	struct compare_opts o;
	char err[512];
	compare_opts_init(&o);
	expect_int(compare_parse_thresholds(&o, "rss=10%,time=50%", err, sizeof(err)), 0);
	expect(o.threshold[PEAK] == 0.10 && o.threshold[IDLE] == 0.10 &&
	           o.threshold[BLOWUP] == 0.05 && o.threshold[TIME] == 0.50,
	       "rss sets both RSS metrics, time its own");
	expect_int(compare_parse_thresholds(&o, "memory=1%", err, sizeof(err)), 0);
	expect(o.threshold[BLOWUP] == 0.01, "memory sets RSS / heap too");
	expect_int(compare_parse_thresholds(&o, "rss=5", err, sizeof(err)), -EINVAL);
	expect(strstr(err, "percentage") != NULL, "no %% sign: %s", err);
	expect_int(compare_parse_thresholds(&o, "heap=5%", err, sizeof(err)), -EINVAL);
	expect(strstr(err, "METRIC=VALUE") != NULL, "unknown metric: %s", err);
	expect_int(compare_parse_floors(&o, "peak_rss=2MiB,blowup=0.1", err, sizeof(err)), 0);
	expect(o.floor[PEAK] == 2097152 && o.floor[BLOWUP] == 0.1, "floors: a size and a number");
	expect_int(compare_parse_floors(&o, "time=1", err, sizeof(err)), -EINVAL);
	expect_int(compare_parse_floors(&o, "peak_rss=2MB", err, sizeof(err)), -EINVAL);
	expect_int(compare_parse_map(&o, "glibc-arena1=glibc", err, sizeof(err)), 0);
	expect(o.nmap == 1 && !strcmp(o.map[0].base, "glibc-arena1") &&
	           !strcmp(o.map[0].now, "glibc"),
	       "--map OLD=NEW");
	expect_int(compare_parse_map(&o, "glibc", err, sizeof(err)), -EINVAL);

	/* a 100% threshold hides the 88.6% peak RSS regression */
	struct rundir *b, *n;
	compare_opts_init(&o);
	compare_parse_thresholds(&o, "peak_rss=100%", err, sizeof(err));
	struct compare_report *r = pair("regression", &o, &b, &n);
	marks(r, "tile-cache", 4, "glibc", S, W, S, REF);
	done(r, b, n);

	/* --map: BASE's tcmalloc judged against NEW's jemalloc */
	compare_opts_init(&o);
	compare_parse_map(&o, "tcmalloc=jemalloc", err, sizeof(err));
	r = pair("regression", &o, &b, &n);
	const struct compare_cell *c = cell(r, "tile-cache", 4, "jemalloc");
	expect(c && !strcmp(c->base_allocator, "tcmalloc"), "jemalloc compared with tcmalloc");
	/* 198 against 141 MiB peak, 70 against 141 MiB after idle */
	marks(r, "tile-cache", 4, "jemalloc", W, W, B, W);
	/* NEW's tcmalloc still meets BASE's by name */
	marks(r, "tile-cache", 4, "tcmalloc", B, B, B, S);
	expect_int(r ? r->nmissing : -1, 1); /* BASE's jemalloc has no counterpart */
	done(r, b, n);
}

static void expect_refused(const char *name, const char *why)
{
	char path[PATH_MAX], err[PATH_MAX + 256] = "";
	struct rundir *d = NULL;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int rc = rundir_load(path, &d, err, sizeof(err));
	expect(rc < 0 && d == NULL && strstr(err, why), "%s refused: \"%s\" in \"%s\"", name, why,
	       err);
	rundir_destroy(d);
}

TEST(bad_inputs)
{
	expect_refused("does-not-exist.json", "No such file or directory");
	expect_refused("bad/not-json.json", "is not valid JSON");
	expect_refused("bad/no-cells.json", "not a wimm summary: it has no \"cells\" array");
	expect_refused("bad/cell-without-workload.json", "cells[0].workload: missing");
	expect_refused("run/meta.json", "is a run's meta.json, not its summary");
	expect_refused("bad", "is not a wimm run directory");
}

TEST(run_directory_and_summary)
{
	struct rundir *d = load("run"), *s = load("run/summary.json");
	if (!d || !s)
		goto out;
	expect_str(d->kind, "run");
	expect_str(s->kind, "summary");
	expect(s->has_meta, "a summary.json finds its meta.json beside it");
	expect_str(d->testbed, "x86_64-2cpu-6.18.44-fc-v669");
	expect_int(d->cpus_online, 2);
	expect_int(d->ngroups, 4);
	const struct rundir_group *g = rundir_group_named(d, "tile-cache", 1, "jemalloc");
	expect(g && g->ncells == 2 && d->cells[g->cells[0]].rep == 1 &&
	           d->cells[g->cells[1]].rep == 2,
	       "reps read and sorted");
	expect_str(d->allocs[rundir_alloc_index(d, "jemalloc")].version, "5.3.0");
	double ratios[2];
	size_t nr = g ? rundir_ref_ratios(d, g, METRIC_wall_s, ratios) : 0;
	expect(nr == 2 && near(ratios[0], 0.797162497 / 0.775554585, 1e-9) &&
	           near(ratios[1], 0.990683467 / 0.806193229, 1e-9),
	       "time ratios paired by rep");
	/* a run against itself: nothing changes */
	struct compare_opts o;
	struct compare_report *r = NULL;
	compare_opts_init(&o);
	expect_int(compare_runs(d, s, &o, &r), 0);
	expect(r && r->ncompared == 4 && r->nworse == 0 && r->nbetter == 0 && r->nmismatch == 0,
	       "a run against itself: 4 cells, nothing worse or better");
	compare_report_destroy(r);
out:
	rundir_destroy(d);
	rundir_destroy(s);
}

TEST(baseline_round_trip)
{
	struct rundir *d = load("run"), *b = NULL;
	char tmpl[] = "/tmp/wimm-test-baseline-XXXXXX", path[PATH_MAX], err[PATH_MAX + 256];
	if (!d || !mkdtemp(tmpl)) {
		expect(0, "set up");
		rundir_destroy(d);
		return;
	}
	expect_int(baseline_path(tmpl, d->testbed, path, sizeof(path)), 0);
	int rc = baseline_write(d, path, err, sizeof(err));
	expect(rc == 0, "baseline written (%s)", rc ? err : path);
	rc = rundir_load(path, &b, err, sizeof(err));
	expect(rc == 0, "baseline read back (%s)", rc ? err : "ok");
	if (b) {
		expect_str(b->kind, "baseline");
		expect_str(b->testbed, d->testbed);
		expect_str(b->run_id, d->run_id);
		expect_int(b->ngroups, d->ngroups);
		struct compare_opts o;
		struct compare_report *r = NULL;
		compare_opts_init(&o);
		compare_runs(b, d, &o, &r);
		int same = r && r->ncompared == 4;
		const int *ids;
		int ncols = compare_columns(&ids);
		for (size_t i = 0; r && i < r->ncells; i++)
			for (int m = 0; m < ncols; m++)
				same &= r->cells[i].v[m].mark == COMPARE_SAME ||
				        r->cells[i].v[m].mark == COMPARE_REFERENCE ||
				        (metrics[ids[m]].judge == MJ_REF_RATIO &&
				         r->cells[i].v[m].mark == COMPARE_INCONCLUSIVE);
		expect(same, "the run against its own baseline: all same (time: ref or 2 reps, "
		             "inconclusive)");
		const struct rundir_group *g = rundir_group_named(b, "tile-cache", 4, "glibc");
		expect(g && b->cells[g->cells[0]].v[METRIC_peak_rss_bytes] == 31866880,
		       "figures kept exactly");
		compare_report_destroy(r);
	}
	unlink(path);
	snprintf(path, sizeof(path), "%s/baseline", tmpl);
	rmdir(path);
	rmdir(tmpl);
	rundir_destroy(b);
	rundir_destroy(d);
}

/* The fields of a CSV line under the columns named (comma-joined, in that
 * order), reading the columns by the header: what a history reader sees,
 * whatever other figures the table adds. */
static void pick(const char *header, const char *line, const char *const *cols, char *out,
                 size_t len)
{
	char h[2048], l[2048], *hn[64], *lf[64];
	snprintf(h, sizeof(h), "%s", header);
	snprintf(l, sizeof(l), "%s", line);
	int nh = history_csv_split(h, hn, 64), nl = history_csv_split(l, lf, 64);
	size_t used = 0;
	out[0] = '\0';
	for (int c = 0; cols[c]; c++)
		for (int i = 0; i < nh; i++)
			if (!strcmp(hn[i], cols[c]) && used < len)
				used += (size_t)snprintf(out + used, len - used, "%s%s",
				                         c ? "," : "", i < nl ? lf[i] : "?");
}

TEST(history_lines)
{
	static const char *const cols[] = {"run_id",
	                                   "started_utc",
	                                   "wimm_version",
	                                   "testbed",
	                                   "workload",
	                                   "threads",
	                                   "allocator",
	                                   "reps_ok",
	                                   "peak_rss_bytes",
	                                   "peak_heap_bytes",
	                                   "blowup",
	                                   "idle_end_rss_bytes",
	                                   "wall_s",
	                                   "wall_ratio_to_glibc",
	                                   NULL};
	static const char *const want[] = {
	    "20261122-010518,2026-11-22T01:05:18Z,0.1.0,x86_64-2cpu-6.18.44-fc-v669,tile-cache,"
	    "1,glibc,2,30038016,13843057,2.16990625,4786176,0.790873907,1",
	    "20261122-010518,2026-11-22T01:05:18Z,0.1.0,x86_64-2cpu-6.18.44-fc-v669,tile-cache,"
	    "1,jemalloc,2,33423360,13858826,2.41170466,19005440,0.893922982,1.12835123",
	    "20261122-010518,2026-11-22T01:05:18Z,0.1.0,x86_64-2cpu-6.18.44-fc-v669,tile-cache,"
	    "4,glibc,2,32147456,13913737,2.3104817,6184960,0.938551725,1",
	    "20261122-010518,2026-11-22T01:05:18Z,0.1.0,x86_64-2cpu-6.18.44-fc-v669,tile-cache,"
	    "4,jemalloc,2,38342656,13883969,2.7616923,19521536,0.758070525,0.807411256"};
	struct rundir *d = load("run");
	char *text = NULL, got[1024];
	size_t len = 0;
	if (!d)
		return;
	expect_int(history_format(d, &text, &len), 0);
	char *line = text, *save = NULL;
	int n = 0;
	for (char *l = text ? strtok_r(line, "\n", &save) : NULL; l;
	     l = strtok_r(NULL, "\n", &save)) {
		pick(history_header(), l, cols, got, sizeof(got));
		if (n < 4 &&
		    !expect(!strcmp(got, want[n]), "history line %d, sorted, medians", n + 1))
			printf("# got:  %s\n# want: %s\n", got, want[n]);
		n++;
	}
	expect_int(n, 4);
	free(text);

	/* appending: header once, then the lines, twice */
	char tmpl[] = "/tmp/wimm-test-history-XXXXXX", path[PATH_MAX + 128], run[PATH_MAX];
	if (!mkdtemp(tmpl)) {
		expect(0, "mkdtemp");
		rundir_destroy(d);
		return;
	}
	snprintf(run, sizeof(run), "%s/run", dir);
	expect_int(history_append(tmpl, run), 0);
	expect_int(history_append(tmpl, run), 0);
	snprintf(path, sizeof(path), "%s/history/%s.csv", tmpl, d->testbed);
	FILE *f = fopen(path, "r");
	char buf[2048];
	int lines = 0, headers = 0;
	while (f && fgets(buf, sizeof(buf), f)) {
		lines++;
		headers += !strncmp(buf, history_header(), strlen(history_header())) &&
		           buf[strlen(history_header())] == '\n';
	}
	if (f)
		fclose(f);
	expect(lines == 9 && headers == 1, "one header and 2 x 4 lines (got %d, %d)", lines,
	       headers);

	/* Another version's columns: rewritten with the union, values kept by
	 * name, then appended to. */
	f = fopen(path, "w");
	if (f) {
		fputs(HISTORY_KEYS ",peak_rss_bytes,from_the_future\n"
		                   "r1,2026-01-01T00:00:00Z,0.0.9,t,w,1,glibc,1,123,\"x,y\"\n",
		      f);
		fclose(f);
	}
	expect_int(history_append(tmpl, run), 0);
	f = fopen(path, "r");
	char head[2048] = "", first[2048] = "";
	if (f && fgets(head, sizeof(head), f) && fgets(first, sizeof(first), f)) {
		static const char *const old[] = {"run_id", "peak_rss_bytes", "from_the_future",
		                                  NULL};
		head[strcspn(head, "\n")] = '\0';
		pick(head, first, old, got, sizeof(got));
		expect(!strncmp(head, history_header(), strlen(history_header())) &&
		           !strcmp(head + strlen(history_header()), ",from_the_future"),
		       "the header is ours and the column we do not know (%s)", head);
		expect_str(got, "r1,123,x,y");
	} else {
		expect(0, "the rewritten history reads");
	}
	lines = 2;
	while (f && fgets(buf, sizeof(buf), f))
		lines++;
	if (f)
		fclose(f);
	expect_int(lines, 6); /* header, the old row, the run's 4 */

	/* a file that is not a history is left alone */
	f = fopen(path, "w");
	if (f) {
		fputs("something,else\n", f);
		fclose(f);
	}
	expect_int(history_append(tmpl, run), -EPROTO);
	unlink(path);
	snprintf(path, sizeof(path), "%s/history", tmpl);
	rmdir(path);
	rmdir(tmpl);
	rundir_destroy(d);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: test_compare FIXTURES_DIR\n");
		return 2;
	}
	dir = argv[1];
	return tap_run((struct tap_test[]){TAP(real_regression_is_flagged),
	                                   TAP(noisy_time_is_not_flagged),
	                                   TAP(missing_and_new_cells),
	                                   TAP(context_mismatch),
	                                   TAP(too_few_repetitions),
	                                   TAP(thresholds_and_maps),
	                                   TAP(bad_inputs),
	                                   TAP(run_directory_and_summary),
	                                   TAP(baseline_round_trip),
	                                   TAP(history_lines),
	                                   {0}});
}
