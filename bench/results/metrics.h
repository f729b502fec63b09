/* metrics.h - the one table of a cell's figures.
 *
 * CELL_FIELDS lists every field of a cell, in the order of cells.csv,
 * summary.json and every display. From it come the record (cell.h), the
 * CSV and JSON encodings, the aggregation over repetitions, the checks on
 * read, the terminal table, the report's tables, the summary figure, the
 * comparison and its baselines, and the history and its figures. A figure
 * is added here and nowhere else (see "Adding a figure" below).
 *
 *   S(key, size, doc)        a string field (its buffer size)
 *   M(key, type, ...)        a figure; type is
 *                              I  int64_t, -1 is n/a
 *                              F  double, NaN is n/a
 *                              V  virtual: derived when read, never stored
 *                            and the rest are designated initializers of
 *                            struct metric (zero when left out).
 *
 * The attributes of a figure (struct metric):
 *   .unit       how it is checked on read and printed (enum metric_unit)
 *   .sampled    true when it comes from samples or a fit, and so may miss
 *               what happened between two samples; false: exact (counted,
 *               the kernel's or the worker's own figure)
 *   .agg        summary.json gives its median, min and max over the
 *               repetitions that succeeded
 *   .show       where it shows (SHOW_*), in the order of this list
 *   .label      its name in tables and reports ("peak RSS")
 *   .figure     the summary figure's panel title
 *   .judge      how `wimm compare` judges it (enum metric_judge), with
 *               .ckey (--threshold key, JSON), .clabel, .threshold, .floor
 *   .derive     computes it from the other figures of the cell (the array
 *               of values by enum metric_id): at record time for I and F,
 *               on read for V, and on read for I and F a file lacks
 *   .doc        one line for people and the README
 *
 * Adding a figure: one M() line, at the place it should show, and a
 * .derive function in metrics.c when it is computed from others (or the
 * code that measures it fills the struct cell_record member of that name).
 * Everything else follows: its CSV column and JSON key, the median in
 * summary.json, its row in the table and report (SHOW_TABLE, SHOW_REPORT),
 * a panel of the summary figure (SHOW_FIGURE, .figure), a column of the
 * history and a history figure (SHOW_HISTORY), a compare column and
 * baseline field (.judge), and its check when read back (.unit).
 */
#ifndef WIMM_METRICS_H
#define WIMM_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/limits.h"

#define METRICS_MIB (1024.0 * 1024.0)

/* The parts of RSS at one instant (bench/run/split.h), as rows under the
 * RSS of that instant: at the sampled peak, the end of the work and the
 * end of the run. "not separable" and "never touched" are n/a when 0, so
 * their rows show only where some allocator has them. */
#define CELL_PARTS_(M, at, smp, when)                                                              \
	M(at##_part_heap_bytes, I, .unit = MU_BYTES, .sampled = smp, .agg = true,                  \
	  .show = SHOW_TABLE | SHOW_REPORT | SHOW_SUB | SHOW_OPTIONAL, .label = "live heap",       \
	  .doc = "RSS part: the live heap, " when)                                                 \
	M(at##_part_unused_bytes, I, .unit = MU_BYTES, .sampled = smp, .agg = true,                \
	  .show = SHOW_TABLE | SHOW_REPORT | SHOW_SUB | SHOW_OPTIONAL, .label = "held, unused",    \
	  .doc = "RSS part: held by the allocator but not in use, " when)                          \
	M(at##_part_foreign_bytes, I, .unit = MU_BYTES, .sampled = smp, .agg = true,               \
	  .show = SHOW_TABLE | SHOW_REPORT | SHOW_SUB | SHOW_OPTIONAL, .label = "not from malloc", \
	  .doc = "RSS part: anonymous memory that never came from malloc, " when)                  \
	M(at##_part_file_bytes, I, .unit = MU_BYTES, .sampled = smp, .agg = true,                  \
	  .show = SHOW_TABLE | SHOW_REPORT | SHOW_SUB | SHOW_OPTIONAL, .label = "files, shared",   \
	  .doc = "RSS part: file-backed and shared pages, " when)                                  \
	M(at##_part_unsplit_bytes, I, .unit = MU_BYTES, .sampled = smp, .agg = true,               \
	  .show = SHOW_TABLE | SHOW_REPORT | SHOW_SUB | SHOW_OPTIONAL, .label = "not separable",   \
	  .doc = "RSS part the allocator's figures cannot split (n/a: none), " when)               \
	M(at##_untouched_bytes, I, .unit = MU_BYTES, .sampled = smp, .agg = true,                  \
	  .show = SHOW_TABLE | SHOW_REPORT | SHOW_SUB | SHOW_OPTIONAL, .label = "never touched",   \
	  .doc = "heap beyond RSS: allocated, never touched (n/a: none), " when)

#define CELL_FIELDS(S, M)                                                                          \
	S(workload, WIMM_NAME_MAX, "workload name")                                                \
	M(threads, I, .unit = MU_ID, .doc = "thread count from the workload's axis")               \
	S(allocator, WIMM_NAME_MAX, "allocator name")                                              \
	M(rep, I, .unit = MU_ID, .doc = "repetition, from 1")                                      \
	M(order, I, .unit = MU_ID, .doc = "position in the run's shuffled order, from 1")          \
	S(status, 16, "ok or failed")                                                              \
	S(reason, 256, "why the cell failed; empty when ok")                                       \
	S(malloc_owner, 512, "file of the library that owns malloc in the child")                  \
	S(allocator_version, 64, "version reported by the loaded allocator")                       \
	M(peak_rss_bytes, I, .unit = MU_BYTES, .agg = true,                                        \
	  .show = SHOW_TABLE | SHOW_REPORT | SHOW_FIGURE | SHOW_HISTORY, .label = "peak RSS",      \
	  .figure = "peak RSS", .judge = MJ_MEMORY, .ckey = "peak_rss", .clabel = "peak RSS",      \
	  .threshold = 0.05, .floor = METRICS_MIB,                                                 \
	  .doc = "true peak RSS: the child's VmHWM, else ru_maxrss")                               \
	M(maxrss_bytes, I, .unit = MU_BYTES, .agg = true,                                          \
	  .doc = "ru_maxrss from wait4 (includes pages inherited at spawn)")                       \
	M(sampled_peak_rss_bytes, I, .unit = MU_BYTES, .sampled = true, .agg = true,               \
	  .show = SHOW_TABLE | SHOW_REPORT, .label = "RSS, sampled peak",                          \
	  .doc = "largest RSS the sampler saw; the parts below are that sample's")                 \
	CELL_PARTS_(M, peak, true, "at the sampled peak (split.h)")                                \
	M(peak_heap_bytes, I, .unit = MU_BYTES, .agg = true,                                       \
	  .show = SHOW_TABLE | SHOW_REPORT | SHOW_HISTORY, .label = "peak heap",                   \
	  .doc = "largest live heap the program held, within peak_heap_error_bytes (see README)")  \
	M(peak_heap_error_bytes, I, .unit = MU_BYTES, .agg = true,                                 \
	  .doc = "how far the true peak heap can be from it; 0 = exact")                           \
	M(procs, I, .unit = MU_COUNT, .agg = true,                                                 \
	  .show = SHOW_TABLE | SHOW_REPORT | SHOW_OPTIONAL, .label = "processes",                  \
	  .doc = "processes of the program's tree (wimm exec; n/a when it started none)")          \
	M(procs_unsampled, I, .unit = MU_COUNT, .agg = true,                                       \
	  .doc = "of those, ended before a sample saw them (counted by the probe's table)")        \
	M(procs_unsampled_cpu_s, F, .unit = MU_SECONDS, .agg = true,                               \
	  .doc = "their CPU time, as each wrote it at exit() (n/a: none did)")                     \
	M(procs_no_probe, I, .unit = MU_COUNT, .agg = true,                                        \
	  .doc = "of those, sampled but without the probe (procs.tsv says why)")                   \
	M(tree_peak_rss_sum_bytes, I, .unit = MU_BYTES, .sampled = true, .agg = true,              \
	  .show = SHOW_TABLE | SHOW_REPORT | SHOW_OPTIONAL, .label = "tree: sum of RSS",           \
	  .doc = "peak of the tree's sum of RSS (shared pages counted once per process)")          \
	M(tree_peak_unshared_bytes, I, .unit = MU_BYTES, .sampled = true, .agg = true,             \
	  .show = SHOW_TABLE | SHOW_REPORT | SHOW_OPTIONAL, .label = "tree: RSS - shared",         \
	  .doc = "peak of the tree's sum of RSS minus shared (statm; file and shmem pages out)")   \
	M(tree_peak_pss_bytes, I, .unit = MU_BYTES, .sampled = true, .agg = true,                  \
	  .show = SHOW_TABLE | SHOW_REPORT | SHOW_OPTIONAL, .label = "tree: PSS",                  \
	  .doc = "peak of the tree's sum of PSS (each shared page divided among its sharers)")     \
	M(pss_interval_s, F, .unit = MU_SECONDS, .sampled = true, .agg = true,                     \
	  .doc = "mean time between two PSS readings of the tree (adapts to their cost)")          \
	M(tree_discovery_us, F, .unit = MU_MICROS, .agg = true,                                    \
	  .doc = "mean driver CPU time per tick finding the tree's processes, microseconds")       \
	M(tree_sampling_us, F, .unit = MU_MICROS, .agg = true,                                     \
	  .doc = "mean driver CPU time per tick reading their RSS (statm), microseconds")          \
	M(tree_identify_us, F, .unit = MU_MICROS, .agg = true,                                     \
	  .doc =                                                                                   \
	      "mean driver CPU time looking once at each new process of the tree, microseconds")   \
	M(pss_cost_us, F, .unit = MU_MICROS, .agg = true,                                          \
	  .doc = "mean wall time one PSS reading of the whole tree took, microseconds")            \
	S(top_process, 128, "process that held the most at the tree's peak (PSS, else RSS)")       \
	M(top_process_share, F, .unit = MU_FRACTION, .sampled = true, .agg = true,                 \
	  .show = SHOW_REPORT | SHOW_OPTIONAL, .label = "largest process's share",                 \
	  .doc = "its share of the tree's peak (PSS, else the sum of RSS)")                        \
	M(blowup, F, .unit = MU_RATIO, .sampled = true, .agg = true,                               \
	  .show = SHOW_TABLE | SHOW_REPORT | SHOW_FIGURE | SHOW_HISTORY,                           \
	  .label = "peak RSS / heap", .figure = "peak RSS / peak heap", .judge = MJ_MEMORY,        \
	  .ckey = "blowup", .clabel = "RSS / heap", .threshold = 0.05, .floor = 0.02,              \
	  .doc = "peak_rss_bytes / peak_heap_bytes")                                               \
	M(budget_bytes, I, .unit = MU_BYTES,                                                       \
	  .doc = "memory budget the workload declares (the tile cache's)")                         \
	M(peak_rss_over_budget, F, .unit = MU_RATIO, .agg = true,                                  \
	  .show = SHOW_TABLE | SHOW_REPORT | SHOW_OPTIONAL, .label = "peak RSS / budget",          \
	  .doc = "peak_rss_bytes / budget_bytes")                                                  \
	M(work_end_rss_over_heap, F, .unit = MU_RATIO, .sampled = true, .agg = true,               \
	  .show = SHOW_TABLE | SHOW_REPORT | SHOW_OPTIONAL, .label = "RSS / heap, work end",       \
	  .doc = "RSS / heap at the end of the work phase (exact with the worker's snapshot)")     \
	M(work_end_rss_bytes, I, .unit = MU_BYTES, .agg = true,                                    \
	  .show = SHOW_TABLE | SHOW_REPORT | SHOW_OPTIONAL, .label = "RSS, work end",              \
	  .doc = "RSS in the worker's snapshot at the end of the work phase (exact)")              \
	CELL_PARTS_(M, work_end, false, "in the snapshot at the end of the work (exact)")          \
	M(leak_heap_per_iter_bytes, F, .unit = MU_BYTES_SLOPE, .sampled = true, .agg = true,       \
	  .show = SHOW_TABLE | SHOW_REPORT | SHOW_OPTIONAL, .label = "leak per iteration",         \
	  .doc = "heap growth per iteration of a leak phase, or per step a program marks (fit)")   \
	M(leak_heap_ci95_bytes, F, .unit = MU_BYTES_SLOPE, .sampled = true, .agg = true,           \
	  .doc = "half-width of the 95% confidence interval of leak_heap_per_iter_bytes")          \
	M(leak_heap_r2, F, .unit = MU_FRACTION, .sampled = true, .agg = true,                      \
	  .doc = "R^2 of the linear fit of the heap over the leak phase")                          \
	M(leak_iters_to_tell, I, .unit = MU_COUNT, .sampled = true, .agg = true,                   \
	  .doc = "iterations that would tell that heap growth from none (estimate from the fit)")  \
	M(leak_rss_per_iter_bytes, F, .unit = MU_BYTES_SLOPE, .sampled = true, .agg = true,        \
	  .show = SHOW_TABLE | SHOW_REPORT | SHOW_OPTIONAL | SHOW_SUB,                             \
	  .label = "RSS per iteration", .doc = "RSS growth per iteration (step) (fit)")            \
	M(leak_rss_r2, F, .unit = MU_FRACTION, .sampled = true, .agg = true,                       \
	  .doc = "R^2 of the linear fit of RSS over the leak phase")                               \
	M(idle_end_rss_bytes, I, .unit = MU_BYTES, .agg = true,                                    \
	  .show = SHOW_TABLE | SHOW_REPORT | SHOW_FIGURE | SHOW_HISTORY | SHOW_OPTIONAL,           \
	  .label = "RSS after idle", .figure = "RSS at the end of the idle phase",                 \
	  .judge = MJ_MEMORY, .ckey = "idle_rss", .clabel = "RSS after idle", .threshold = 0.05,   \
	  .floor = METRICS_MIB, .doc = "RSS at the end of the last idle phase")                    \
	M(idle_end_over_peak, F, .unit = MU_RATIO, .sampled = true, .agg = true,                   \
	  .doc = "idle_end_rss_bytes / peak_rss_bytes")                                            \
	M(final_rss_bytes, I, .unit = MU_BYTES, .agg = true, .show = SHOW_TABLE | SHOW_REPORT,     \
	  .label = "RSS at the end",                                                               \
	  .doc = "RSS at exit (the child's own reading), else the last sample")                    \
	CELL_PARTS_(M, end, false, "at exit (the child's own reading), else at the last sample")   \
	M(end_held_bytes, I, .unit = MU_BYTES, .agg = true, .show = SHOW_TABLE | SHOW_REPORT,      \
	  .label = "held by the allocator",                                                        \
	  .doc = "resident memory the allocator held at the end: heap + unused parts")             \
	M(minflt, I, .unit = MU_COUNT, .agg = true, .doc = "minor page faults")                    \
	M(majflt, I, .unit = MU_COUNT, .agg = true, .doc = "major page faults")                    \
	M(wall_s, F, .unit = MU_SECONDS, .agg = true,                                              \
	  .show = SHOW_TABLE | SHOW_REPORT | SHOW_FIGURE | SHOW_HISTORY | SHOW_SPREAD,             \
	  .label = "wall time", .figure = "wall time", .judge = MJ_REF_RATIO, .ckey = "time",      \
	  .clabel = "time / glibc", .threshold = 0.25, .doc = "wall time of the child, seconds")   \
	M(user_s, F, .unit = MU_SECONDS, .agg = true, .doc = "user CPU time, seconds")             \
	M(sys_s, F, .unit = MU_SECONDS, .agg = true, .doc = "system CPU time, seconds")            \
	M(cpu_s, V, .unit = MU_SECONDS, .show = SHOW_TABLE, .label = "CPU time",                   \
	  .derive = metrics_cpu_s, .doc = "user_s + sys_s")                                        \
	M(cpu_per_op_s, F, .unit = MU_SECONDS, .agg = true,                                        \
	  .show = SHOW_TABLE | SHOW_REPORT | SHOW_FIGURE | SHOW_HISTORY | SHOW_OPTIONAL,           \
	  .label = "CPU time / op", .figure = "CPU time per operation", .judge = MJ_REF_RATIO,     \
	  .ckey = "cpu_per_op", .clabel = "CPU/op / glibc", .threshold = 0.25,                     \
	  .derive = metrics_cpu_per_op_s,                                                          \
	  .doc = "(user_s + sys_s) / ops: CPU time per malloc or free; n/a where ops is")          \
	M(ops, I, .unit = MU_COUNT, .agg = true, .show = SHOW_KEEP,                                \
	  .doc = "mallocs + frees of the workload's script (same under every allocator)")          \
	M(extra_ops, I, .unit = MU_COUNT, .agg = true,                                             \
	  .doc = "mallocs + frees whose count depends on timing (tile reloads)")                   \
	M(samples, I, .unit = MU_COUNT, .agg = true,                                               \
	  .doc = "samples taken (the series file may keep fewer: envelopes, see README)")          \
	M(ticks_missed, I, .unit = MU_COUNT, .agg = true,                                          \
	  .doc = "sampling ticks that passed without a sample (the series says where)")            \
	S(probe, 16, "reader the probe used (glibc, jemalloc, ...); empty without a probe")        \
	M(sampled_peak_alloc_in_use_bytes, I, .unit = MU_BYTES, .sampled = true, .agg = true,      \
	  .doc = "largest in-use figure the probe read (sampled)")                                 \
	M(sampled_peak_alloc_system_bytes, I, .unit = MU_BYTES, .sampled = true, .agg = true,      \
	  .doc = "largest held-from-the-OS figure the probe read (sampled)")                       \
	M(work_end_system_over_in_use, F, .unit = MU_RATIO, .agg = true,                           \
	  .doc = "allocator system / in-use bytes at the work checkpoint (exact)")                 \
	M(arenas, I, .unit = MU_COUNT, .sampled = true, .agg = true,                               \
	  .show = SHOW_REPORT | SHOW_FIGURE | SHOW_OPTIONAL, .label = "arenas",                    \
	  .figure = "arena count",                                                                 \
	  .doc = "largest arena count the probe read (see README per allocator)")                  \
	M(probe_reads, I, .unit = MU_COUNT, .agg = true, .doc = "readings the probe took")         \
	M(probe_cost_mean_us, F, .unit = MU_MICROS, .agg = true,                                   \
	  .doc = "mean time one probe reading took, microseconds")                                 \
	M(probe_cost_max_us, F, .unit = MU_MICROS, .agg = true,                                    \
	  .doc = "longest probe reading, microseconds")                                            \
	M(probe_cpu_mean_us, F, .unit = MU_MICROS, .agg = true,                                    \
	  .doc = "mean CPU time of a probe reading (its cost to the workload)")                    \
	M(exit_status, I, .unit = MU_ID, .doc = "exit code, or -1 when killed by a signal")        \
	M(term_signal, I, .unit = MU_ID, .doc = "signal that ended the child, or -1")

/* How a figure is checked on read and printed. */
enum metric_unit {
	MU_ID,          /* a whole number >= 0, printed as it is (threads, rep) */
	MU_COUNT,       /* a whole number >= 0 */
	MU_BYTES,       /* a whole number of bytes >= 0: "263.6 MiB" */
	MU_BYTES_SLOPE, /* bytes per iteration, may be negative */
	MU_SECONDS,     /* >= 0: "4.71 s", "820 ns" */
	MU_MICROS,      /* >= 0, microseconds */
	MU_RATIO,       /* >= 0: "2.06x" */
	MU_FRACTION,    /* from 0 to 1 */
};

/* Where a figure shows, in the order of CELL_FIELDS. */
enum {
	SHOW_TABLE = 1 << 0,    /* the table at the end of a run */
	SHOW_REPORT = 1 << 1,   /* the table of each block in report.md/html */
	SHOW_FIGURE = 1 << 2,   /* a panel of plots/summary.png */
	SHOW_HISTORY = 1 << 3,  /* a column of history/<testbed>.csv, a figure */
	SHOW_OPTIONAL = 1 << 4, /* its row is left out when no allocator has it */
	SHOW_SUB = 1 << 5,      /* indented under the row above in the table */
	SHOW_SPREAD = 1 << 6,   /* with its fastest and slowest repetition */
	SHOW_KEEP = 1 << 7,     /* kept in baselines although not judged */
};

/* How `wimm compare` judges a figure (compare.h has the rules). */
enum metric_judge {
	MJ_NONE,
	MJ_MEMORY,    /* medians, threshold and floor, beyond the scatter */
	MJ_REF_RATIO, /* the ratio to the reference allocator in the same
	               * run and repetition; threshold and a U test */
};

enum metric_type { MT_STRING, MT_INT, MT_REAL, MT_VIRTUAL };

struct metric {
	const char *key;
	enum metric_type type;
	size_t offset, size; /* of the member of struct cell_record (not V) */
	enum metric_unit unit;
	bool sampled, agg;
	unsigned show;
	const char *label, *figure;
	enum metric_judge judge;
	const char *ckey, *clabel;
	double threshold, floor;
	double (*derive)(const double *v);
	const char *doc;
};

/* METRIC_<key>: the index of a field in metrics[]. */
#define METRIC_ID_S_(key, size, doc) METRIC_##key,
#define METRIC_ID_M_(key, type, ...) METRIC_##key,
enum metric_id { CELL_FIELDS(METRIC_ID_S_, METRIC_ID_M_) METRIC_N };
#undef METRIC_ID_S_
#undef METRIC_ID_M_

/* Every field in CELL_FIELDS order, indexed by enum metric_id. */
extern const struct metric metrics[METRIC_N];

/* The .derive functions (metrics.c): NaN when an input is n/a. */
double metrics_cpu_s(const double *v);
double metrics_cpu_per_op_s(const double *v);

/* Whether m is a number (not a string field). */
static inline bool metrics_is_figure(const struct metric *m) { return m->type != MT_STRING; }

/* Fills every .derive figure of v that is n/a from the others; with all
 * true, every one (at record time). v has METRIC_N entries, NaN = n/a. */
void metrics_derive(double *v, bool all);

/* The one unit formatter: "263.6 MiB", "4.71 s", "2.06x", "12", or "n/a"
 * for NaN. Returns buf. */
char *metrics_format(enum metric_unit u, double v, char *buf, size_t len);

/* The key without its unit ("peak_rss_bytes" -> "peak_rss", "wall_s" ->
 * "wall"): the stem of column and file names built from it. */
void metrics_stem(const char *key, char *buf, size_t len);

#endif
