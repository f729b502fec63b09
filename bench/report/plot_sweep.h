/* plot_sweep.h - a run made with --sweep: for each block and sweep, every
 * figure against the swept value, one line per allocator the sweep started
 * from, the allocator without the setting dashed beside it. */
#ifndef WIMM_PLOT_SWEEP_H
#define WIMM_PLOT_SWEEP_H

#include <stddef.h>

#include "bench/report/plot_gp.h"

/* "tile-cache-t4-sweep-arena_max": the figure of block b and sweep sw. */
void plot_sweep_figure(const struct rundir_block *b, const struct rundir_sweep *sw, char *buf,
                       size_t len);

/* Writes NAME.tsv and NAME.vars into dir for every block and sweep that
 * has a sweep variant, and adds their jobs. Returns 0 or -errno (logged). */
int plot_sweep_write(const struct rundir *d, const char *dir, struct plot_jobs *jobs);

#endif
