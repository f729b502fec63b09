/* cell_io.h - a cell record as data: its fields by enum metric_id, and the
 * cells.csv and summary.json encodings built on the metric table.
 *
 * Code that needs to walk every field (CSV, JSON, aggregation, tables)
 * walks metrics[] instead of naming fields, so a figure added to
 * CELL_FIELDS reaches every output without another edit.
 */
#ifndef WIMM_CELL_IO_H
#define WIMM_CELL_IO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bench/results/cell.h"

struct json_object;

/* A string field ("" for a figure). */
const char *cell_str(const struct cell_record *c, int id);
/* A stored figure as a double: NaN when n/a, and for a non-finite real (a
 * ratio over zero measured nothing) and for strings and virtual ones. */
double cell_value(const struct cell_record *c, int id);
/* Every field as a double (cell_value), virtual and missing derived
 * figures computed: v has METRIC_N entries. */
void cell_values(const struct cell_record *c, double *v);
/* Computes the stored figures that have a .derive function from the
 * others (at record time, before the cell is written). */
void cell_derive(struct cell_record *c);

/* One CSV field, RFC 4180: quoted only when it holds a comma, a quote or a
 * line break, embedded quotes doubled; at most size bytes of s. Every CSV
 * file wimm writes (cells.csv, history) quotes through this. */
void cell_csv_string(FILE *f, const char *s, size_t size);
/* cells.csv: the header line and one record, each ending in "\n"; n/a is
 * an empty field, reals use JSONW_REAL_FMT. Return 0 or -EIO when the
 * stream reports an error. */
int cell_csv_header(FILE *f);
int cell_csv_write(FILE *f, const struct cell_record *c);

/* Adds every stored field of c to the JSON object obj under its key; n/a
 * is null. Returns 0 or -ENOMEM. */
int cell_json_add(struct json_object *obj, const struct cell_record *c);

#endif
