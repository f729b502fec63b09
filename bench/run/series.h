/* series.h - one cell's time series: the row the driver samples every
 * interval, and the file the rows stream to as they are taken.
 *
 * SERIES_COLUMNS generates the row, the TSV header and the writer. No row
 * stays in the driver's memory: each is written (buffered) to a temporary
 * file that becomes series/<cell>.tsv when the cell is done, and what the
 * summary needs is kept as running figures (runner.h, phases.h). So a run
 * of an hour at 1 ms costs the driver no more memory than one of a second.
 * The part_ columns are where RSS is: rss_file_bytes + part_heap +
 * part_unused + part_foreign + part_unsplit == rss_bytes at every row
 * (split.h), computed as the row is taken (series_fill_parts).
 *
 * Long series at short intervals are stored as envelopes: below
 * SERIES_ENVELOPE_BELOW_NS, once SERIES_FULL_ROWS rows are written, each
 * window of SERIES_WINDOW_NS keeps only its rows of lowest and highest RSS
 * and of lowest and highest heap (each a real sample, in time order), so
 * no peak or trough is lost and an hour at 1 ms stays about 18 MB at most.
 * meta.json records these numbers ("series"); a phase change closes a
 * window, so every phase's first sample is kept.
 */
#ifndef WIMM_SERIES_H
#define WIMM_SERIES_H

#include <stddef.h>
#include <stdint.h>

#include "bench/run/split.h"
#include "common/limits.h"

#define SERIES_MAX_PHASES WIMM_SERIES_PHASES
#define SERIES_PHASE_NAME_MAX WIMM_NAME_MAX

/* X(column, C type, format, doc). Formats: time (seconds, 4 decimals),
 * bytes and count (integers; negative = n/a, written empty), phase (written
 * as its name). Columns are read by name: a new one goes at the end. */
#define SERIES_COLUMNS(X)                                                                          \
	X(t_s, double, time, "seconds since the child was started")                                \
	X(rss_bytes, int64_t, bytes, "resident set size from /proc/PID/statm")                     \
	X(heap_bytes, int64_t, bytes, "live bytes the workload holds (scoreboard)")                \
	X(alloc_in_use_bytes, int64_t, bytes, "allocated bytes, as the allocator counts")          \
	X(alloc_system_bytes, int64_t, bytes, "bytes the allocator holds from the OS")             \
	X(alloc_resident_bytes, int64_t, bytes, "of those, resident, where it knows")              \
	X(arenas, int64_t, count, "the allocator's arena count (see README)")                      \
	X(progress, int64_t, count,                                                                \
	  "units of work done (iterations, ops, sources; a program's steps)")                      \
	X(phase, int, phase, "index of the phase the workload was in")                             \
	X(missed_ticks, int64_t, count,                                                            \
	  "ticks of the interval that passed without a sample just before this row (in an "        \
	  "envelope: in this row's window)")                                                       \
	X(alloc_progress, int64_t, count,                                                          \
	  "units of work done when the allocator's figures were read")                             \
	X(rss_file_bytes, int64_t, bytes, "of RSS, file-backed and shared pages (statm shared)")   \
	X(probe_reads, int64_t, count, "the probe's readings so far (a change: a new reading)")    \
	X(part_heap_bytes, int64_t, bytes, "RSS part: the live heap (split.h)")                    \
	X(part_unused_bytes, int64_t, bytes, "RSS part: held by the allocator, not in use")        \
	X(part_foreign_bytes, int64_t, bytes, "RSS part: anonymous memory not from malloc")        \
	X(part_unsplit_bytes, int64_t, bytes, "RSS part: what the figures at hand cannot split")   \
	X(untouched_bytes, int64_t, bytes, "heap beyond what is resident: never touched")

#define SERIES_FIELD_(name, type, format, doc) type name;
struct sample {
	SERIES_COLUMNS(SERIES_FIELD_)
};
#undef SERIES_FIELD_

/* The names of a cell's phases by index, as the scoreboard gives them. */
struct series_phases {
	int n;
	char names[SERIES_MAX_PHASES][SERIES_PHASE_NAME_MAX];
};

/* Computes a new row's part_* and untouched columns from its others and
 * the carry of the probe's figures since its last reading (split.h): the
 * sampler calls it on each row, in order, with the cell's one carry. */
void series_fill_parts(struct split_carry *carry, struct sample *row);
/* The parts of a row series_fill_parts has filled. */
void series_row_parts(const struct sample *row, struct split_parts *p);

/* Phase name of index i: "?" when i is out of range or the name is empty. */
const char *series_phase_name(const struct series_phases *p, int i);

/* How long series are stored (see the top of this file). */
#define SERIES_ENVELOPE_BELOW_NS INT64_C(10000000) /* intervals under 10 ms */
#define SERIES_FULL_ROWS 8192                      /* every sample up to here */
#define SERIES_WINDOW_NS INT64_C(100000000)        /* then 100 ms windows */
#define SERIES_WINDOW_ROWS 4                       /* of at most 4 rows */

struct series_writer;

/* Starts the series file path: writes to "path.tmp.<pid>" until commit.
 * interval_ns decides whether long stretches become envelopes. Returns 0
 * or -errno. */
int series_writer_open(struct series_writer **out, const char *path, int64_t interval_ns);

/* Adds one sample (phase names from names). A write error is kept and
 * returned by commit; adding goes on. */
void series_writer_add(struct series_writer *w, const struct sample *row,
                       const struct series_phases *names);

/* Rows written so far (an open envelope window not counted). */
int64_t series_writer_rows(const struct series_writer *w);

/* Writes the last window, syncs and renames the file to its path; with no
 * row at all, removes it instead (*written = 0). Frees w either way.
 * Returns 0 or -errno (the temporary file removed). */
int series_writer_commit(struct series_writer *w, int *written);

/* Removes the temporary file and frees w: an interrupted cell leaves no
 * half file. NULL is a no-op. */
void series_writer_abort(struct series_writer *w);

#endif
