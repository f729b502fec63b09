/* plot_style.h - one colour, dash and point type per allocator, the same
 * in every figure and page of a run. */
#ifndef WIMM_PLOT_STYLE_H
#define WIMM_PLOT_STYLE_H

#include "bench/results/rundir.h"

/* Gives each allocator without a colour (meta.json's, checked on read) the
 * one of the shipped allocator of its name, else one far from every
 * other's; a colour given twice (a copied YAML file) goes to the first
 * only. Each gets its style by position. */
void plot_style(struct rundir_alloc *a, int n);

#endif
