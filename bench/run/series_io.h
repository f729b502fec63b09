/* series_io.h - writing a cell's time series as series/<cell>.tsv.
 *
 * Tab-separated with a header line generated from SERIES_COLUMNS, so the
 * gnuplot scripts can address columns by name. Kept apart from series.h,
 * whose users (the sampler) only append rows.
 */
#ifndef WIMM_SERIES_IO_H
#define WIMM_SERIES_IO_H

#include <stdio.h>

#include "bench/run/series.h"

/* Phase name of index i: "?" when i is out of range or the name is empty. */
const char *series_phase_name(const struct series *s, int i);

/* Writes the header and every row: t_s with 4 decimals, byte counts as
 * integers, the phase as its name. Returns 0 or -EIO when the stream
 * reports an error. */
int series_write_tsv(FILE *f, const struct series *s);

#endif
