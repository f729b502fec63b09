/* test_report.c - the report's words and pages from a fixture run
 * (tests/fixtures/report/run: tile-cache and manifest at 1 and 4 threads
 * under glibc, glibc-arena1, jemalloc and tcmalloc, two repetitions, from a
 * --quick run; one allocator's note holds markup that must be escaped).
 *
 * usage: test_report FIXTURE_RUN_DIR
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/report/plot_style.h"
#include "bench/report/report.h"
#include "bench/report/rowfmt.h"
#include "bench/report/table.h"
#include "bench/results/rundir.h"
#include "tap.h"

typedef char sentence_buf[REPORT_SENTENCE_MAX];

static const char *fixture;
static char work[PATH_MAX]; /* a copy of the fixture's JSON files */

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;
	if (!f)
		return NULL;
	FILE *m = open_memstream(&buf, &len);
	int c;
	while (m && (c = fgetc(f)) != EOF)
		fputc(c, m);
	fclose(f);
	if (m)
		fclose(m);
	return buf;
}

static int copy_file(const char *from, const char *to)
{
	char *text = slurp(from);
	FILE *f = text ? fopen(to, "w") : NULL;
	int ok = f && fputs(text, f) >= 0;
	if (f)
		ok &= fclose(f) == 0;
	free(text);
	return ok ? 0 : -1;
}

/* The fixture copy read back and styled, as report_run does; NULL when it
 * does not load. */
static struct rundir *load_run(void)
{
	char err[512];
	struct rundir *rv = NULL;
	int rc = rundir_load(work, &rv, err, sizeof(err));
	if (rc)
		printf("# %s\n", err);
	else
		plot_style(rv->allocs, rv->nallocs);
	return rv;
}

static int find_alloc(const struct rundir *rv, const char *name)
{
	for (int i = 0; i < rv->nallocs; i++)
		if (!strcmp(rv->allocs[i].name, name))
			return i;
	return -1;
}

/* The sentence of findings that starts with prefix, or "". */
static const char *finding(char (*s)[REPORT_SENTENCE_MAX], int n, const char *prefix)
{
	for (int i = 0; i < n; i++)
		if (!strncmp(s[i], prefix, strlen(prefix)))
			return s[i];
	return "";
}

TEST(load)
{
	struct rundir *rv = load_run();
	if (!expect(rv != NULL, "the fixture loads"))
		return;
	expect_str(rv->run_id, "20261122-011405");
	expect_int(rv->nallocs, 4);
	expect_str(rv->allocs[rv->ref].name, "glibc");
	expect_str(rv->allocs[find_alloc(rv, "glibc-arena1")].colour, "#17becf");
	expect_int(rv->reps, 2);
	expect_int(rv->nblocks, 4);
	/* Workloads in the run's order, threads ascending. */
	expect_str(rv->blocks[0].workload, "tile-cache");
	expect_int(rv->blocks[0].threads, 1);
	expect_str(rv->blocks[3].workload, "manifest");
	expect_int(rv->blocks[3].threads, 4);
	const struct rundir_group *g = rundir_group(rv, "tile-cache", 4, 0);
	expect(g && fabs(g->budget_bytes - 13421773) < 2, "the tile cache's budget is read");
	expect(g && g->reps_ok == 2, "two repetitions of each group");
	const struct rundir_cell *c = rundir_representative(rv, "tile-cache", 4, 0);
	expect(c && c->series[0] && c->nphases >= 3, "the representative cell has a series and "
	                                             "phases");
	rundir_destroy(rv);
	char err[256];
	expect(rundir_load("/nonexistent", &rv, err, sizeof(err)) == -ENOENT,
	       "a missing directory is -ENOENT");
	expect(rundir_load(fixture, &rv, err, sizeof(err)) == 0, "the fixture itself loads");
	rundir_destroy(rv);
	expect(rundir_load("/tmp", &rv, err, sizeof(err)) < 0 &&
	           strstr(err, "not a wimm run directory"),
	       "a directory without summary.json says so (%s)", err);
}

TEST(budget_and_idle_sentences)
{
	struct rundir *rv = load_run();
	char s[8][REPORT_SENTENCE_MAX];
	if (!rv)
		return;
	int n = report_findings(rv, "tile-cache", s, 8);
	expect(n >= 3, "tile-cache has at least three findings (got %d)", n);
	for (int i = 0; i < n; i++)
		printf("# %s\n", s[i]);
	/* Medians of the fixture: jemalloc 2.846, glibc 2.407, glibc-arena1
	 * 1.245 at 4 threads; 12.8 MiB budget (128 MiB x 0.1). */
	expect_str(finding(s, n, "jemalloc peaked"),
	           "jemalloc peaked at 2.85x the 12.8 MiB budget with 4 threads and glibc at "
	           "2.41x; glibc-arena1 peaked at 1.25x.");
	expect_str(finding(s, n, "After the program"),
	           "After the program freed its memory and idled for 496 ms with 4 threads, glibc "
	           "and glibc-arena1 gave most of it back (down to 18% of their peak or less, "
	           "4.9 MiB or less); tcmalloc kept all of it (22.8 MiB or more); jemalloc kept "
	           "51% (18.6 MiB).");
	expect_str(finding(s, n, "Arenas"),
	           "Arenas with 4 threads: glibc 6, glibc-arena1 1, jemalloc 6, tcmalloc 7 (each "
	           "allocator counts its own kind; see the README).");
	expect(strstr(finding(s, n, "tcmalloc was fastest"), "(870 ms, median)") != NULL,
	       "the wall-time sentence gives the fastest median");
	rundir_destroy(rv);
}

TEST(heap_sentence)
{
	struct rundir *rv = load_run();
	char s[8][REPORT_SENTENCE_MAX];
	if (!rv)
		return;
	int n = report_findings(rv, "manifest", s, 8);
	for (int i = 0; i < n; i++)
		printf("# %s\n", s[i]);
	expect_str(finding(s, n, "At the end of the work"),
	           "At the end of the work with 1 thread, jemalloc's RSS was 5.34x the heap the "
	           "program still held; glibc-arena1's was 1.26x, glibc's 1.27x.");
	expect_str(finding(s, n, "jemalloc peaked"), "");
	rundir_destroy(rv);
}

/* Sentences follow the numbers: change them and the words change. */
TEST(sentences_follow_the_data)
{
	struct rundir *rv = load_run();
	char s[8][REPORT_SENTENCE_MAX];
	if (!rv)
		return;
	int tc = find_alloc(rv, "tcmalloc");
	for (size_t i = 0; i < rv->ngroups; i++) {
		struct rundir_group *g = &rv->groups[i];
		if (!strcmp(g->workload, "tile-cache") && g->threads == 4 && g->alloc == tc)
			g->m[METRIC_peak_rss_over_budget].median = 3.5;
		/* n/a is left out, never said to be 0 */
		if (!strcmp(g->workload, "tile-cache") && g->alloc == find_alloc(rv, "jemalloc")) {
			g->m[METRIC_idle_end_over_peak].median = NAN;
			g->m[METRIC_idle_end_rss_bytes].median = NAN;
		}
	}
	for (size_t i = 0; i < rv->ncells; i++)
		if (!strcmp(rv->cells[i].workload, "tile-cache") && rv->cells[i].alloc == tc &&
		    rv->cells[i].threads == 1 && rv->cells[i].rep == 2) {
			rv->cells[i].ok = 0;
			free(rv->cells[i].reason);
			rv->cells[i].reason = strdup("killed by signal 9");
		}
	int n = report_findings(rv, "tile-cache", s, 8);
	expect_str(finding(s, n, "tcmalloc peaked"),
	           "tcmalloc peaked at 3.50x the 12.8 MiB budget with 4 threads and glibc at "
	           "2.41x; glibc-arena1 peaked at 1.25x; with 1 thread, tcmalloc itself peaked "
	           "at 1.68x.");
	expect(!strstr(finding(s, n, "After the program"), "jemalloc"),
	       "an allocator whose figure is n/a is not in the idle sentence");
	expect_str(finding(s, n, "Failed"), "Failed: tcmalloc with 1 thread, rep 2: killed by "
	                                    "signal 9.");
	rundir_destroy(rv);
}

TEST(table)
{
	struct rundir *rv = load_run();
	struct table t;
	if (!rv)
		return;
	if (!expect(table_build(rv, &rv->blocks[1], SHOW_REPORT, &t) == 0, "the table builds"))
		return;
	int budget_row = -1, wall_row = -1;
	for (int r = 0; r < t.nrows; r++) {
		if (!strcmp(t.label[r], "peak RSS / budget"))
			budget_row = r;
		if (!strcmp(t.label[r], "wall time"))
			wall_row = r;
	}
	expect(budget_row >= 0, "the tile cache's table has the budget row");
	if (budget_row >= 0)
		expect_str(t.cell[budget_row * t.ncols + 2], "2.85x (2.82-2.88)");
	/* The spread in the row's unit, once. */
	if (wall_row >= 0)
		expect_str(t.cell[wall_row * t.ncols + 0], "884 ms (792-976)");
	expect_str(t.note, "in brackets: min-max over the repetitions");
	table_free(&t);
	/* Five repetitions: the interquartile range instead, and the note
	 * says so for both kinds. */
	struct rundir_group *g = (struct rundir_group *)rundir_group(rv, "tile-cache", 4, 0);
	if (expect(g != NULL, "glibc's group at 4 threads")) {
		g->reps_ok = 5;
		g->m[METRIC_wall_s] = (struct rundir_stat){0.884, 0.5, 2.0, 0.8, 0.9};
		table_build(rv, &rv->blocks[1], SHOW_REPORT, &t);
		if (wall_row >= 0)
			expect_str(t.cell[wall_row * t.ncols + 0], "884 ms (800-900)");
		expect(strstr(t.note, "min-max over 2 to 4") && strstr(t.note, "interquartile"),
		       "the note names both spreads (got \"%s\")", t.note);
		table_free(&t);
	}
	table_build(rv, &rv->blocks[2], SHOW_REPORT, &t);
	budget_row = -1;
	for (int r = 0; r < t.nrows; r++)
		budget_row = strcmp(t.label[r], "peak RSS / budget") ? budget_row : r;
	expect(budget_row < 0, "the manifest declares no budget: no such row");
	table_free(&t);
	rundir_destroy(rv);
}

/* Advice: the symptom, the fix the run measured with its gain and cost,
 * or the command that would measure one; the decay behind memory kept. */
TEST(advice)
{
	struct rundir *rv = load_run();
	sentence_buf s[REPORT_MAX_FINDINGS];
	if (!rv)
		return;
	int glibc = find_alloc(rv, "glibc"), arena1 = find_alloc(rv, "glibc-arena1");
	int je = find_alloc(rv, "jemalloc");
	/* As the fixture ran it: glibc-arena1 is not known as glibc's variant,
	 * so glibc's blowup gets a suggestion, said as one. */
	int n = report_advice(rv, "tile-cache", s, REPORT_MAX_FINDINGS);
	const char *g = finding(s, n, "Symptom: under glibc with 4 threads");
	expect(strstr(g, "`wimm run '/work/main/workloads/tile-cache.yaml' -t 4") != NULL,
	       "a workload file is named by its path, quoted (%s)", g);
	/* A preset by its name. */
	snprintf(rv->workloads[0].path, sizeof(rv->workloads[0].path),
	         "/usr/share/wimm/presets/tile-cache.yaml");
	n = report_advice(rv, "tile-cache", s, REPORT_MAX_FINDINGS);
	g = finding(s, n, "Symptom: under glibc with 4 threads");
	expect(strstr(g, "RSS was 2.") && strstr(g, "over 6 arenas"), "glibc's symptom (%s)", g);
	expect(strstr(g, "a suggestion, not measured") &&
	           strstr(g, "`wimm run tile-cache -t 4 -a glibc --sweep "
	                     "'GLIBC_TUNABLES=glibc.malloc.arena_max={1,2,4}' --quick`"),
	       "the command that measures the likely fix (%s)", g);
	expect(!strstr(g, "Measured fix"), "nothing measured is claimed");
	const char *t = finding(s, n, "Symptom: under tcmalloc with 4 threads, all of the peak");
	expect(strstr(t, "a cache that does not return memory") != NULL, "tcmalloc keeps all (%s)",
	       t);
	expect(!finding(s, n, "Symptom: under glibc-arena1")[0], "glibc-arena1 shows no symptom");

	/* Known as glibc's variant: the fix measured, its gain and cost. */
	snprintf(rv->allocs[arena1].variant_of, WIMM_NAME_MAX, "glibc");
	n = report_advice(rv, "tile-cache", s, REPORT_MAX_FINDINGS);
	g = finding(s, n, "Symptom: under glibc with 4 threads");
	char want[200], x[32], y[32];
	snprintf(want, sizeof(want), "Measured fix: glibc-arena1 peaked at %s instead of %s",
	         metrics_format(MU_BYTES,
	                        rundir_median(rv, "tile-cache", 4, arena1, METRIC_peak_rss_bytes),
	                        x, sizeof(x)),
	         metrics_format(MU_BYTES,
	                        rundir_median(rv, "tile-cache", 4, glibc, METRIC_peak_rss_bytes), y,
	                        sizeof(y)));
	expect(strstr(g, want) != NULL, "the measured fix and its figure (%s)", g);
	snprintf(want, sizeof(want), "at %.2fx glibc's CPU time",
	         rundir_median(rv, "tile-cache", 4, arena1, METRIC_cpu_s) /
	             rundir_median(rv, "tile-cache", 4, glibc, METRIC_cpu_s));
	expect(strstr(g, want) != NULL, "its cost in CPU time (%s)", g);
	expect(!strstr(g, "suggestion"), "no suggestion beside a measured fix");

	/* A variant that does not help is said so, and the suggestion stays. */
	struct rundir_group *ga = (struct rundir_group *)rundir_group(rv, "tile-cache", 4, arena1);
	struct rundir_group *gb = (struct rundir_group *)rundir_group(rv, "tile-cache", 1, arena1);
	double keep_a = ga->m[METRIC_peak_rss_bytes].median;
	double keep_b = gb->m[METRIC_peak_rss_bytes].median;
	ga->m[METRIC_peak_rss_bytes].median = 1e9;
	gb->m[METRIC_peak_rss_bytes].median = 1e9;
	n = report_advice(rv, "tile-cache", s, REPORT_MAX_FINDINGS);
	g = finding(s, n, "Symptom: under glibc with 4 threads");
	expect(strstr(g, "None of the 1 variant of glibc this run measured lowered its peak RSS") &&
	           strstr(g, "a suggestion, not measured"),
	       "an unhelpful variant is not a fix (%s)", g);
	ga->m[METRIC_peak_rss_bytes].median = keep_a;
	gb->m[METRIC_peak_rss_bytes].median = keep_b;

	/* Many arenas at a smaller cost: a symptom of its own. */
	struct rundir_group *gg = (struct rundir_group *)rundir_group(rv, "tile-cache", 4, glibc);
	struct rundir_stat keep_end = gg->m[METRIC_work_end_rss_over_heap],
	                   keep_up = gg->m[METRIC_blowup];
	gg->m[METRIC_work_end_rss_over_heap].median = 1.31;
	gg->m[METRIC_blowup].median = 1.25;
	n = report_advice(rv, "tile-cache", s, REPORT_MAX_FINDINGS);
	g = finding(s, n, "Symptom: under glibc with 4 threads");
	expect(!strncmp(g,
	                "Symptom: under glibc with 4 threads, 6 arenas, more than the threads, "
	                "and RSS at the end of the work 1.31x the heap",
	                strlen("Symptom: under glibc with 4 threads, 6 arenas, more than the "
	                       "threads, and RSS at the end of the work 1.31x the heap")),
	       "many arenas, named with what they cost (%s)", g);
	gg->m[METRIC_work_end_rss_over_heap].median = 1.1;
	gg->m[METRIC_blowup].median = 1.1;
	n = report_advice(rv, "tile-cache", s, REPORT_MAX_FINDINGS);
	expect(!finding(s, n, "Symptom: under glibc with 4 threads")[0],
	       "many arenas that cost nothing are no symptom");
	gg->m[METRIC_work_end_rss_over_heap] = keep_end;
	gg->m[METRIC_blowup] = keep_up;

	/* RSS well above the heap, but mostly memory that never came from
	 * malloc (pymalloc's arenas): no allocator setting is advised. */
	int m_end = METRIC_work_end_part_foreign_bytes,
	    m_unused = METRIC_work_end_part_unused_bytes;
	int m_pf = METRIC_peak_part_foreign_bytes, m_pu = METRIC_peak_part_unused_bytes;
	struct rundir_stat keep_f = gg->m[m_end], keep_u = gg->m[m_unused], keep_pf = gg->m[m_pf],
	                   keep_pu = gg->m[m_pu];
	gg->m[m_end].median = gg->m[m_pf].median = 100e6;
	gg->m[m_unused].median = gg->m[m_pu].median = 10e6;
	n = report_advice(rv, "tile-cache", s, REPORT_MAX_FINDINGS);
	expect(!finding(s, n, "Symptom: under glibc with 4 threads")[0],
	       "RSS above the heap from outside malloc is not the allocator's symptom");
	gg->m[m_end].median = gg->m[m_pf].median = 10e6;
	gg->m[m_unused].median = gg->m[m_pu].median = 100e6;
	n = report_advice(rv, "tile-cache", s, REPORT_MAX_FINDINGS);
	expect(finding(s, n, "Symptom: under glibc with 4 threads")[0],
	       "memory the allocator holds unused is");
	gg->m[m_end] = keep_f;
	gg->m[m_unused] = keep_u;
	gg->m[m_pf] = keep_pf;
	gg->m[m_pu] = keep_pu;

	/* jemalloc's decay setting is named as the reason it kept memory,
	 * in the idle finding and in the advice. */
	snprintf(rv->allocs[je].settings, sizeof(rv->allocs[je].settings),
	         "dirty_decay_ms=10000 muzzy_decay_ms=0 background_thread=false");
	n = report_advice(rv, "tile-cache", s, REPORT_MAX_FINDINGS);
	const char *j = finding(s, n, "Symptom: under jemalloc with 4 threads, 51%");
	expect(strstr(j, "dirty_decay_ms=10000 (10 s), longer than the 496 ms idle") &&
	           strstr(j, "MALLOC_CONF=dirty_decay_ms:{0,1000}") && strstr(j, "--idle 12s"),
	       "jemalloc's decay and the sweep that tests it (%s)", j);
	n = report_findings(rv, "tile-cache", s, REPORT_MAX_FINDINGS);
	expect(strstr(finding(s, n, "After the program"),
	              "jemalloc kept it: its dirty pages decay over dirty_decay_ms=10000") != NULL,
	       "the idle finding names the decay");
	snprintf(rv->allocs[je].settings, sizeof(rv->allocs[je].settings),
	         "dirty_decay_ms=0 background_thread=true");
	n = report_findings(rv, "tile-cache", s, REPORT_MAX_FINDINGS);
	expect(!strstr(finding(s, n, "After the program"), "decay"),
	       "a decay that is not the reason is not named");

	/* A workload file whose path cannot be quoted safely: no command. */
	for (int i = 0; i < rv->nworkloads; i++)
		snprintf(rv->workloads[i].path, sizeof(rv->workloads[i].path), "/tmp/it's.yaml");
	snprintf(rv->allocs[arena1].variant_of, WIMM_NAME_MAX, "%s", "");
	n = report_advice(rv, "tile-cache", s, REPORT_MAX_FINDINGS);
	g = finding(s, n, "Symptom: under glibc with 4 threads");
	expect(!strstr(g, "`") && strstr(g, "No fix for it ran."),
	       "no command from a bad path (%s)", g);
	/* A sweep the run already made is not suggested again: the
	 * allocator's other remedy is. */
	rv->sweeps = calloc(1, sizeof(*rv->sweeps));
	if (rv->sweeps) {
		rv->nsweeps = 1;
		snprintf(rv->sweeps[0].argument, sizeof(rv->sweeps[0].argument),
		         "GLIBC_TUNABLES=glibc.malloc.arena_max={1,2,4}");
		for (int i = 0; i < rv->nworkloads; i++)
			snprintf(rv->workloads[i].path, sizeof(rv->workloads[i].path),
			         "/usr/share/wimm/presets/%s.yaml", rv->workloads[i].name);
		n = report_advice(rv, "tile-cache", s, REPORT_MAX_FINDINGS);
		g = finding(s, n, "Symptom: under glibc with 4 threads");
		expect(!strstr(g, "arena_max={1,2,4}") &&
		           strstr(g, "mmap_threshold={131072,1048576}"),
		       "the sweep that ran is not suggested again (%s)", g);
	}
	/* A real program: its own command line, as recorded. */
	rv->is_exec = true;
	snprintf(rv->command_line, sizeof(rv->command_line),
	         "exec -a glibc -- ./prog --size '100%%'");
	n = report_advice(rv, "tile-cache", s, REPORT_MAX_FINDINGS);
	g = finding(s, n, "Symptom: under glibc with 4 threads");
	expect(strstr(g, "`wimm exec -a glibc --sweep "
	                 "'GLIBC_TUNABLES=glibc.malloc.mmap_threshold={131072,1048576}' "
	                 "-- ./prog --size '100%'`") != NULL,
	       "exec: the program's command line (%s)", g);
	/* Too long to repeat whole: what to add, never a command cut short. */
	int used = snprintf(rv->command_line, sizeof(rv->command_line), "exec -a glibc -- ./prog");
	while (used < 900)
		used += snprintf(rv->command_line + used, sizeof(rv->command_line) - (size_t)used,
		                 " --option-%d", used);
	n = report_advice(rv, "tile-cache", s, REPORT_MAX_FINDINGS);
	g = finding(s, n, "Symptom: under glibc with 4 threads");
	expect(strstr(g, "run this command again with `-a glibc --sweep "
	                 "'GLIBC_TUNABLES=glibc.malloc.mmap_threshold={131072,1048576}'`.") != NULL,
	       "a command line too long: what to add (%s)", g);
	rundir_destroy(rv);
}

/* The end of a run: the findings, then at most REPORT_TERMINAL_ADVICE
 * pieces of advice a workload, the measured fixes first, and where the
 * rest is. */
TEST(terminal_end)
{
	struct rundir *rv = load_run();
	sentence_buf s[REPORT_MAX_FINDINGS];
	char *text = NULL;
	size_t len = 0;
	if (!rv)
		return;
	FILE *m = open_memstream(&text, &len);
	report_print_findings(m, rv, 80);
	fclose(m);
	int n = report_advice(rv, "tile-cache", s, REPORT_MAX_FINDINGS);
	const char *adv = strstr(text, "advice, tile-cache:\n");
	const char *next = adv ? strstr(adv + 1, "advice, ") : NULL;
	int shown = 0;
	for (const char *p = adv; p && (p = strstr(p, "  - Symptom")) && (!next || p < next); p++)
		shown++;
	expect(adv && n > 0, "the advice is printed (%d)", n);
	expect_int(shown, n < REPORT_TERMINAL_ADVICE ? n : REPORT_TERMINAL_ADVICE);
	char more[64];
	snprintf(more, sizeof(more), "(%d more in ", n - REPORT_TERMINAL_ADVICE);
	expect(n <= REPORT_TERMINAL_ADVICE || strstr(text, more),
	       "the rest is said to be in report.md");
	expect(strstr(text, "tile-cache:\n  - ") < adv, "the findings come first");
	free(text);
	rundir_destroy(rv);
}

/* A sweep's finding: the value best for memory against the allocator
 * without the setting, and its CPU time. glibc-arena1 plays glibc's
 * arena_max=1 value, tcmalloc its arena_max=8 (a figure is a figure). */
TEST(sweep_finding)
{
	struct rundir *rv = load_run();
	sentence_buf s[REPORT_MAX_FINDINGS];
	char want[400], x[32], y[32];
	if (!rv)
		return;
	int glibc = find_alloc(rv, "glibc"), arena1 = find_alloc(rv, "glibc-arena1");
	int tc = find_alloc(rv, "tcmalloc");
	rv->sweeps = calloc(1, sizeof(*rv->sweeps));
	if (!rv->sweeps) {
		rundir_destroy(rv);
		return;
	}
	rv->nsweeps = 1;
	snprintf(rv->sweeps[0].label, sizeof(rv->sweeps[0].label), "arena_max");
	snprintf(rv->sweeps[0].setting, sizeof(rv->sweeps[0].setting), "glibc.malloc.arena_max");
	rv->sweeps[0].nvalues = 2;
	snprintf(rv->sweeps[0].values[0], RUNDIR_VALUE_MAX, "1");
	snprintf(rv->sweeps[0].values[1], RUNDIR_VALUE_MAX, "8");
	int fix[2] = {arena1, tc};
	for (int i = 0; i < 2; i++) {
		snprintf(rv->allocs[fix[i]].derived_from, WIMM_NAME_MAX, "glibc");
		snprintf(rv->allocs[fix[i]].variant_of, WIMM_NAME_MAX, "glibc");
		rv->allocs[fix[i]].nsweep = 1;
		snprintf(rv->allocs[fix[i]].sweep[0], RUNDIR_VALUE_MAX, "%s", i ? "8" : "1");
	}
	int n = report_sweep_findings(rv, "tile-cache", 4, s, REPORT_MAX_FINDINGS);
	expect_int(n, 1);
	double p1 = rundir_median(rv, "tile-cache", 4, arena1, METRIC_peak_rss_bytes);
	double p0 = rundir_median(rv, "tile-cache", 4, glibc, METRIC_peak_rss_bytes);
	snprintf(want, sizeof(want),
	         "Sweeping arena_max with 4 threads, glibc's peak RSS was lowest at arena_max=1: "
	         "%s against %s without the setting, at %.2fx its CPU time",
	         metrics_format(MU_BYTES, p1, x, sizeof(x)),
	         metrics_format(MU_BYTES, p0, y, sizeof(y)),
	         rundir_median(rv, "tile-cache", 4, arena1, METRIC_cpu_s) /
	             rundir_median(rv, "tile-cache", 4, glibc, METRIC_cpu_s));
	expect(n == 1 && !strncmp(s[0], want, strlen(want)), "the best value and its cost (%s)",
	       n ? s[0] : "");
	expect(n == 1 && strstr(s[0], "peak RSS by arena_max: 1: ") && strstr(s[0], ", 8: "),
	       "every value's peak RSS, in the sweep's order");
	/* No value 5% below the allocator itself: said so. */
	struct rundir_group *g = (struct rundir_group *)rundir_group(rv, "tile-cache", 4, glibc);
	g->m[METRIC_peak_rss_bytes].median = p1;
	n = report_sweep_findings(rv, "tile-cache", 4, s, REPORT_MAX_FINDINGS);
	expect(n == 1 && strstr(s[0], "no value lowered glibc's peak RSS by 5% or more"),
	       "no best value without a gain (%s)", n ? s[0] : "");
	n = report_findings(rv, "tile-cache", s, REPORT_MAX_FINDINGS);
	expect(finding(s, n, "Sweeping arena_max")[0] != '\0', "the findings carry it");
	/* A setting only its allocator reads. */
	int je = find_alloc(rv, "jemalloc");
	snprintf(rv->sweeps[0].variable, sizeof(rv->sweeps[0].variable), "GLIBC_TUNABLES");
	expect(report_sweep_applies(rv, glibc, &rv->sweeps[0]) &&
	           !report_sweep_applies(rv, je, &rv->sweeps[0]),
	       "glibc.malloc.* reaches glibc, not jemalloc");
	struct rundir_sweep other = {.variable = "MALLOC_CONF", .setting = "dirty_decay_ms"};
	expect(report_sweep_applies(rv, je, &other) && !report_sweep_applies(rv, glibc, &other),
	       "MALLOC_CONF reaches jemalloc, not glibc");
	struct rundir_sweep any = {.variable = "MY_PROGRAM_POOL", .setting = "MY_PROGRAM_POOL"};
	expect(report_sweep_applies(rv, je, &any), "a program's own variable may reach any");
	/* The line of an allocator the setting does not reach: no finding. */
	snprintf(rv->allocs[arena1].variant_of, WIMM_NAME_MAX, "jemalloc");
	snprintf(rv->allocs[tc].variant_of, WIMM_NAME_MAX, "jemalloc");
	n = report_sweep_findings(rv, "tile-cache", 4, s, REPORT_MAX_FINDINGS);
	expect_int(n, 0);
	rundir_destroy(rv);
}

/* One precision a row: exact sizes stay exact, and the printed table
 * splits its columns to fit the width. */
TEST(row_format)
{
	struct rowfmt f;
	char buf[32];
	double sizes[] = {1280.0 * 1024, 128.0 * 1048576, NAN};
	rowfmt_init(&f, MU_BYTES, sizes, 3);
	expect_str(rowfmt_format(&f, sizes[0], true, buf, sizeof(buf)), "1.25 MiB");
	expect_str(rowfmt_format(&f, sizes[1], true, buf, sizeof(buf)), "128.00 MiB");
	expect_str(rowfmt_format(&f, sizes[2], true, buf, sizeof(buf)), "n/a");
	double odd[] = {1234567, 2 * 1048576.0};
	rowfmt_init(&f, MU_BYTES, odd, 2);
	expect_str(rowfmt_format(&f, odd[0], true, buf, sizeof(buf)), "1.2 MiB");
	double times[] = {0.82, 1.03};
	rowfmt_init(&f, MU_SECONDS, times, 2);
	expect_str(rowfmt_format(&f, times[0], true, buf, sizeof(buf)), "0.82 s");

	struct rundir *rv = load_run();
	char *text = NULL;
	size_t len = 0;
	if (!rv)
		return;
	FILE *m = open_memstream(&text, &len);
	table_print(m, rv, 60);
	fclose(m);
	int longest = 0;
	for (char *p = text; *p;) {
		int l = (int)strcspn(p, "\n");
		longest = l > longest ? l : longest;
		p += l + (p[l] == '\n');
	}
	expect(longest <= 60, "every line fits 60 columns (longest %d)", longest);
	expect(strstr(text, "tcmalloc") && strstr(text, "glibc-arena1"),
	       "every allocator still shows");
	free(text);
	rundir_destroy(rv);
}

/* The phase table: each phase's end figures by allocator, medians over the
 * ok repetitions; the exact reading where the phase has one (work), else
 * its last sample (idle). Expected from the fixture's summary.json:
 * jemalloc's two work snapshots 238,653,440 and 238,612,480 B, its idle
 * ends 10,547,200 and 10,489,856 B. */
TEST(phase_table)
{
	struct rundir *rv = load_run();
	struct table t;
	if (!rv)
		return;
	const struct rundir_block *b = NULL;
	for (size_t i = 0; i < rv->nblocks; i++)
		if (!strcmp(rv->blocks[i].workload, "manifest") && rv->blocks[i].threads == 4)
			b = &rv->blocks[i];
	int je = -1;
	for (int a = 0; a < rv->nallocs; a++)
		je = strcmp(rv->allocs[a].name, "jemalloc") ? je : a;
	if (!expect(b && je >= 0, "the fixture has manifest at 4 threads and jemalloc") ||
	    !expect(report_phase_table_build(rv, b, &t) == 0, "the phase table builds"))
		goto out;
	int work = -1, idle = -1, start = -1;
	for (int r = 0; r < t.nrows; r++) {
		work = strcmp(t.label[r], "work: RSS at its end") ? work : r;
		idle = strcmp(t.label[r], "idle: RSS at its end") ? idle : r;
		start = strncmp(t.label[r], "start:", 6) ? start : r;
	}
	expect(work >= 0 && idle >= 0 && start < 0, "rows for work and idle, none for start");
	if (work >= 0)
		expect_str(t.cell[work * t.ncols + je], "227.6 MiB");
	if (idle >= 0)
		expect_str(t.cell[idle * t.ncols + je], "10.0 MiB");
	table_free(&t);
out:
	rundir_destroy(rv);
}

TEST(html_escape)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	report_html_text(f, "<a href='x'>&\"</a> plain");
	fclose(f);
	expect_str(buf, "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt; plain");
	free(buf);
}

TEST(pages)
{
	struct rundir *rv = load_run();
	struct plot_outcome po = {0}; /* as without gnuplot */
	char path[PATH_MAX + 32];
	if (!rv)
		return;
	expect(report_write_html(rv, &po) == 0, "report.html is written");
	expect(report_write_md(rv, &po) == 0, "report.md is written");
	rundir_destroy(rv);
	snprintf(path, sizeof(path), "%s/report.html", work);
	char *html = slurp(path);
	if (!expect(html != NULL, "report.html can be read"))
		return;
	expect(strstr(html, "<title>wimm report: run 20261122-011405</title>") != NULL,
	       "the page title names the run");
	expect(!strstr(html, "<script"), "no markup from the fixture's note gets through");
	expect(strstr(html, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more") != NULL,
	       "the note is shown escaped");
	expect(strstr(html, "gnuplot was not found") != NULL, "it says the figures are missing");
	expect(strstr(html, "jemalloc peaked at 2.85x the 12.8 MiB budget") != NULL,
	       "the findings are in the page");
	free(html);
	snprintf(path, sizeof(path), "%s/report.md", work);
	char *md = slurp(path);
	if (!expect(md != NULL, "report.md can be read"))
		return;
	expect(
	    strstr(md, "| tile-cache, 4 threads | glibc | glibc-arena1 | jemalloc | tcmalloc |") !=
	        NULL,
	    "report.md has the table of each block");
	expect(strstr(md, "- jemalloc peaked at 2.85x") != NULL, "report.md has the findings");
	free(md);
}

TEST(colours)
{
	struct rundir_alloc a[3] = {{.name = "a", .colour = "#1f77b4"},
	                            {.name = "b", .colour = "#1F77B4"},
	                            {.name = "c", .colour = "red"}};
	plot_style(a, 3);
	expect_str(a[0].colour, "#1f77b4");
	expect(strcasecmp(a[1].colour, "#1f77b4") != 0, "a repeated colour is replaced (%s)",
	       a[1].colour);
	expect(a[2].colour[0] == '#' && strlen(a[2].colour) == 7 &&
	           strcmp(a[2].colour, a[1].colour) && strcmp(a[2].colour, a[0].colour),
	       "an invalid colour gets a distinct one (%s)", a[2].colour);
	expect(a[0].style == 0 && a[2].style == 2, "styles follow the positions");

	/* Variants without a colour: shades of their allocator's, darker then
	 * lighter, so the family reads in colour and the members apart in
	 * grey. */
	struct rundir_alloc v[3] = {{.name = "glibc", .colour = "#1f77b4"},
	                            {.name = "glibc-a", .variant_of = "glibc"},
	                            {.name = "glibc-b", .variant_of = "glibc"}};
	plot_style(v, 3);
	unsigned r0, g0, b0, r1, g1, b1, r2, g2, b2;
	int ok = sscanf(v[0].colour, "#%2x%2x%2x", &r0, &g0, &b0) == 3 &&
	         sscanf(v[1].colour, "#%2x%2x%2x", &r1, &g1, &b1) == 3 &&
	         sscanf(v[2].colour, "#%2x%2x%2x", &r2, &g2, &b2) == 3;
	expect(ok && r1 < r0 && g1 < g0 && b1 < b0 && b1 > r1,
	       "the first variant is a darker blue (%s)", v[1].colour);
	expect(ok && r2 > r0 && g2 > g0 && b2 > b0 && b2 > r2, "the second a lighter blue (%s)",
	       v[2].colour);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: test_report FIXTURE_RUN_DIR\n");
		return 2;
	}
	fixture = argv[1];
	char tmpl[] = "/tmp/wimm-report-XXXXXX", from[PATH_MAX + 32], to[PATH_MAX + 32];
	if (!mkdtemp(tmpl))
		return 1;
	snprintf(work, sizeof(work), "%s", tmpl);
	static const char *const files[] = {"meta.json", "summary.json"};
	for (int i = 0; i < 2; i++) {
		snprintf(from, sizeof(from), "%s/%s", fixture, files[i]);
		snprintf(to, sizeof(to), "%s/%s", work, files[i]);
		if (copy_file(from, to)) {
			fprintf(stderr, "cannot copy %s\n", from);
			return 1;
		}
	}
	int rc = tap_run((struct tap_test[]){
	    TAP(load),
	    TAP(budget_and_idle_sentences),
	    TAP(heap_sentence),
	    TAP(sentences_follow_the_data),
	    TAP(table),
	    TAP(row_format),
	    TAP(advice),
	    TAP(sweep_finding),
	    TAP(terminal_end),
	    TAP(phase_table),
	    TAP(html_escape),
	    TAP(pages),
	    TAP(colours),
	    {0},
	});
	static const char *const made[] = {"meta.json", "summary.json", "report.html", "report.md"};
	for (int i = 0; i < 4; i++) {
		snprintf(to, sizeof(to), "%s/%s", work, made[i]);
		unlink(to);
	}
	rmdir(work);
	return rc;
}
