/* where.h - "where is my memory": the parts of RSS (bench/run/split.h) as
 * a run's groups have them, read from the metric table's part figures, and
 * what the figures and the report say of them: the stacked figure of each
 * block (scripts/where.gp) and the sentences that name the dominant part.
 */
#ifndef WIMM_WHERE_H
#define WIMM_WHERE_H

#include <stddef.h>

#include "bench/report/plot_gp.h"
#include "bench/report/report.h"
#include "bench/results/rundir.h"

/* The instants the cell figures split RSS at. */
enum where_at { WHERE_PEAK, WHERE_WORK_END, WHERE_END, WHERE_NAT };

/* The parts of RSS, in the order the figure stacks them. */
enum where_part {
	WHERE_HEAP,
	WHERE_UNUSED,
	WHERE_UNSPLIT,
	WHERE_FOREIGN,
	WHERE_FILE,
	WHERE_NPARTS
};

/* The medians of group g's parts at an instant (NaN: n/a) and its RSS
 * then. Returns the part with the most bytes, or -1 when RSS is n/a. */
int where_parts(const struct rundir_group *g, enum where_at at, double *parts, double *rss,
                double *untouched);

/* The part's name in a sentence: "held by the allocator but not in use". */
const char *where_part_words(enum where_part p);

/* Writes NAME-where.vars beside the block's memory vars (memory_name,
 * which it loads: files, phases, colours) and adds its job (where.gp).
 * ymax: the top of the panels, bytes. Returns 0 or -errno (logged). */
int where_plot_block(const struct rundir *rv, const struct rundir_block *b, const char *dir,
                     const char *memory_name, double ymax, struct plot_jobs *jobs);

/* The sentences of workload w about where its memory was: the dominant
 * part that is not the live heap, at the end of the run and at the peak,
 * with a fix where wimm knows one. Returns how many were written (at most
 * max). */
int where_findings(const struct rundir *rv, const char *w, char (*out)[REPORT_SENTENCE_MAX],
                   int max);

#endif
