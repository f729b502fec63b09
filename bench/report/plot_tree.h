/* plot_tree.h - the figures of process trees (plot_tree.c). Not for
 * modules outside report/.
 */
#ifndef WIMM_PLOT_TREE_H
#define WIMM_PLOT_TREE_H

#include "bench/report/plot_gp.h"

/* For each RUN/procs/<cell>/stack.tsv, writes PLOTS/tree-<cell>.vars and
 * adds its job. Returns 0 (also when the run has no tree) or -errno. */
int plot_tree_write(const char *run, const char *plots, struct plot_jobs *jobs);

#endif
