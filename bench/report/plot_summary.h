/* plot_summary.h - the run at a glance: every figure the metric table
 * marks SHOW_FIGURE, each allocator relative to the reference. */
#ifndef WIMM_PLOT_SUMMARY_H
#define WIMM_PLOT_SUMMARY_H

#include "bench/report/plot_gp.h"

/* Writes summary.tsv and summary.vars into dir (RUN/plots) and adds the
 * job; nothing when no figure has a value. Returns 0 or -errno (logged). */
int plot_summary_write(const struct rundir *d, const char *dir, struct plot_jobs *jobs);

#endif
