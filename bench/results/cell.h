/* cell.h - the record of one cell: workload x threads x allocator x rep.
 *
 * CELL_FIELDS is the one list of per-cell metrics: it generates the struct,
 * the cells.csv header and the summary.json keys, so a metric is added here
 * and nowhere else. Kinds: S = string (with its buffer size), I = integer
 * (int64; -1 means n/a and is written as an empty CSV field / JSON null),
 * F = real (double; NaN means n/a, written the same way). For I and F, the
 * second argument says whether summary.json aggregates it over repetitions
 * (median, min, max of the cells that succeeded).
 */
#ifndef WIMM_CELL_H
#define WIMM_CELL_H

#include <stdint.h>

#define CELL_FIELDS(S, I, F)                                                                       \
	S(workload, 48, "workload name")                                                           \
	I(threads, 0, "thread count from the workload's axis")                                     \
	S(allocator, 48, "allocator name")                                                         \
	I(rep, 0, "repetition, from 1")                                                            \
	I(order, 0, "position in the run's shuffled order, from 1")                                \
	S(status, 16, "ok or failed")                                                              \
	S(reason, 256, "why the cell failed; empty when ok")                                       \
	S(malloc_owner, 512, "file of the library that owns malloc in the child")                  \
	S(allocator_version, 64, "version reported by the loaded allocator")                       \
	F(wall_s, 1, "wall time of the child, seconds")                                            \
	F(user_s, 1, "user CPU time, seconds")                                                     \
	F(sys_s, 1, "system CPU time, seconds")                                                    \
	I(peak_rss_bytes, 1, "true peak RSS: the child's VmHWM, else ru_maxrss")                   \
	I(maxrss_bytes, 1, "ru_maxrss from wait4 (includes pages inherited at spawn)")             \
	I(sampled_peak_rss_bytes, 1, "largest RSS the sampler saw")                                \
	I(peak_heap_bytes, 1, "largest live heap the program held (see README)")                   \
	I(peak_heap_error_bytes, 1, "how far the true peak heap can be from it; 0 = exact")        \
	I(final_rss_bytes, 1, "RSS at exit (the child's own reading), else the last sample")       \
	F(blowup, 1, "peak_rss_bytes / peak_heap_bytes")                                           \
	I(minflt, 1, "minor page faults")                                                          \
	I(majflt, 1, "major page faults")                                                          \
	I(ops, 1, "mallocs + frees of the workload's script (same under every allocator)")         \
	I(extra_ops, 1, "mallocs + frees whose count depends on timing (tile reloads)")            \
	I(samples, 1, "time-series rows recorded")                                                 \
	S(probe, 16, "reader the probe used (glibc, jemalloc, ...); empty without a probe")        \
	I(sampled_peak_alloc_in_use_bytes, 1, "largest in-use figure the probe read (sampled)")    \
	I(sampled_peak_alloc_system_bytes, 1,                                                      \
	  "largest held-from-the-OS figure the probe read (sampled)")                              \
	F(work_end_system_over_in_use, 1,                                                          \
	  "allocator system / in-use bytes at the work checkpoint (exact)")                        \
	I(arenas, 1, "largest arena count the probe read (see README per allocator)")              \
	I(probe_reads, 1, "readings the probe took")                                               \
	F(probe_cost_mean_us, 1, "mean time one probe reading took, microseconds")                 \
	F(probe_cost_max_us, 1, "longest probe reading, microseconds")                             \
	F(probe_cpu_mean_us, 1, "mean CPU time of a probe reading (its cost to the workload)")     \
	I(budget_bytes, 0, "memory budget the workload declares (the tile cache's)")               \
	F(peak_rss_over_budget, 1, "peak_rss_bytes / budget_bytes")                                \
	F(work_end_rss_over_heap, 1, "RSS / heap at the end of the work phase")                    \
	I(idle_end_rss_bytes, 1, "RSS at the end of the last idle phase")                          \
	F(idle_end_over_peak, 1, "idle_end_rss_bytes / peak_rss_bytes")                            \
	F(leak_heap_per_iter_bytes, 1, "heap growth per iteration of a leak phase (fit)")          \
	F(leak_rss_per_iter_bytes, 1, "RSS growth per iteration of a leak phase (fit)")            \
	F(leak_rss_r2, 1, "R^2 of the linear fit of RSS over the leak phase")                      \
	I(exit_status, 0, "exit code, or -1 when killed by a signal")                              \
	I(term_signal, 0, "signal that ended the child, or -1")

#define CELL_S_(name, size, doc) char name[size];
#define CELL_I_(name, agg, doc) int64_t name;
#define CELL_F_(name, agg, doc) double name;
struct cell_record {
	CELL_FIELDS(CELL_S_, CELL_I_, CELL_F_)
};
#undef CELL_S_
#undef CELL_I_
#undef CELL_F_

/* Sets every field to n/a (strings empty, I = -1, F = NaN). */
void cell_record_init(struct cell_record *c);

#endif
