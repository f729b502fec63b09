/* report.h - report.md and report.html of a run: the context, the summary
 * table, the figures and, for each workload, a few sentences computed from
 * the results that say what the numbers show.
 *
 * report.html is self-contained (the figures inlined as SVG, the style in
 * the page, no script), so it reads offline and can be mailed as one file.
 */
#ifndef WIMM_REPORT_H
#define WIMM_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "bench/report/plot.h"
#include "bench/results/rundir.h"

struct table;

/* The end of `wimm run` / `wimm exec` and `wimm plot RUN_DIR`: reads the
 * run back, renders its figures (plot_run) and writes both reports. Says
 * on stderr where they are and, without gnuplot, how to render the figures.
 * Never touches the results; po->seconds is the whole step. Returns 0 when
 * the reports were written (with or without figures: po says), else -errno
 * (logged). po may be NULL. */
int report_run(const char *run_dir, enum plot_x x, struct plot_outcome *po);

/* The end of `wimm run` / `wimm exec`: as report_run when draw (not after
 * ^C), then the tables and findings on out (stdout): what the report says,
 * in the terminal. Returns as report_run. */
int report_finish(const char *run_dir, bool draw, FILE *out);

/* ---- the parts, for the writers and the tests ---- */

/* Sentences about one workload, computed from the results. Returns how
 * many were written to out (each a plain-text line, at most max). */
#define REPORT_SENTENCE_MAX 640
int report_findings(const struct rundir *rv, const char *workload, char (*out)[REPORT_SENTENCE_MAX],
                    int max);

/* A run with --sweep: for each sweep and allocator it started from, the
 * value with the lowest peak RSS of workload w at t threads, against the
 * allocator without the setting, and its CPU time (sweep_text.c). Returns
 * how many sentences. */
int report_sweep_findings(const struct rundir *rv, const char *workload, int threads,
                          char (*out)[REPORT_SENTENCE_MAX], int max);

/* Whether sweep sw can change allocator a at all: glibc.malloc.* settings
 * reach only glibc, MALLOC_CONF only jemalloc, TCMALLOC_* only tcmalloc,
 * MIMALLOC_* only mimalloc (by the allocator it is a variant of); any
 * other variable may reach any. */
bool report_sweep_applies(const struct rundir *rv, int a, const struct rundir_sweep *sw);

/* Advice about one workload: for each allocator showing a symptom (RSS
 * well above the heap, memory held after freeing, a cache that keeps all,
 * many arenas), the symptom in words and the fix the run measured with
 * its gain and CPU cost, or the command that would measure the likely
 * fixes, said as a suggestion (advice.c). Returns how many sentences. */
int report_advice(const struct rundir *rv, const char *workload, char (*out)[REPORT_SENTENCE_MAX],
                  int max);

/* When allocator a reported a decay setting that explains memory it kept
 * through the idle of workload w at t threads (jemalloc's dirty_decay_ms
 * longer than the idle, or no background thread to purge while the
 * program sleeps): ": its dirty_decay_ms is ..." appended to out. Returns
 * the length written, 0 when no setting explains it. */
int report_decay_reason(const struct rundir *rv, const char *w, int t, int a, char *out,
                        size_t len);

/* Every workload's findings as text, wrapped at width (0: 80): the end
 * of a run on a terminal. */
#define REPORT_MAX_FINDINGS 12
#define REPORT_TERMINAL_ADVICE 3 /* a workload, at the end of a run */
void report_print_findings(FILE *out, const struct rundir *rv, int width);

/* Appends printf-style text at out + n (out holds len bytes, n what it
 * holds already): the new length, never more than len - 1, so chained
 * appends cannot run past the end. */
int report_cat(char *out, size_t len, int n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The table of the block's phases (report_phases.c): each phase's
 * duration, RSS and heap at its end, and heap growth per iteration where
 * it has one, by allocator; no rows when the cells had no phases. */
int report_phase_table_build(const struct rundir *rv, const struct rundir_block *b,
                             struct table *t);

/* The block's table (phases: its table of phases) for report.md and
 * report.html, and its label (heading when given). Returns 0 with t to
 * free, or -1 when there is nothing to show. */
int report_block_table(const struct rundir *rv, const struct rundir_block *b, int phases,
                       const char *heading, struct table *t, char *label, size_t len);

/* Writes s with & < > " ' escaped, so no text from a YAML file or a
 * command line can become markup. */
void report_html_text(FILE *f, const char *s);

/* Figure NAME under RUN/plots: 2 rendered (PNG and SVG), 1 written but not
 * rendered (its .vars only), 0 none (nothing to draw). */
int report_figure_state(const struct rundir *rv, const char *name);

/* The two writers; return 0 or -errno (logged). */
int report_write_md(const struct rundir *rv, const struct plot_outcome *po);
int report_write_html(const struct rundir *rv, const struct plot_outcome *po);

#endif
