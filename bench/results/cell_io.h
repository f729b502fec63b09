/* cell_io.h - a cell record as data: a field table generated from
 * CELL_FIELDS, and the cells.csv and summary.json encodings built on it.
 *
 * Code that needs to walk every metric (CSV, JSON, aggregation, tables)
 * walks cell_fields[] instead of naming fields, so a metric added to
 * CELL_FIELDS reaches every output without another edit.
 */
#ifndef WIMM_CELL_IO_H
#define WIMM_CELL_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bench/results/cell.h"

struct json_object;

enum cell_kind {
	CELL_KIND_STRING, /* S: char array */
	CELL_KIND_INT,    /* I: int64_t, -1 = n/a */
	CELL_KIND_REAL,   /* F: double, NaN = n/a */
};

struct cell_field {
	const char *name;
	enum cell_kind kind;
	bool aggregate; /* I and F: summary.json gives median/min/max */
	size_t offset;  /* in struct cell_record */
	size_t size;    /* bytes of the member (the buffer size for S) */
	const char *doc;
};

/* Every field in CELL_FIELDS order; cell_nfields entries. */
extern const struct cell_field cell_fields[];
extern const size_t cell_nfields;

/* Field lookup by name; NULL when there is none. */
const struct cell_field *cell_field_find(const char *name);

/* Accessors. cell_field_str is for S fields, cell_field_int for I fields;
 * cell_field_real reads I and F fields as a double, NaN when n/a (S: NaN).
 * A non-finite F value (a ratio over zero) is n/a like NaN. */
const char *cell_field_str(const struct cell_record *c, const struct cell_field *f);
int64_t cell_field_int(const struct cell_record *c, const struct cell_field *f);
double cell_field_real(const struct cell_record *c, const struct cell_field *f);
/* True when an I or F field holds n/a (S fields never are). */
bool cell_field_na(const struct cell_record *c, const struct cell_field *f);

/* cells.csv: the header line and one record, each ending in "\n". Strings
 * are quoted per RFC 4180 when they hold a comma, quote, CR or LF; n/a (and
 * a non-finite real) is an empty field; reals use JSONW_REAL_FMT.
 * Return 0 or -EIO when the stream reports an error. */
/* One CSV field, RFC 4180: quoted only when it holds a comma, a quote or a
 * line break, embedded quotes doubled; at most size bytes of s. Every CSV
 * file wimm writes (cells.csv, history) quotes through this. */
void cell_csv_string(FILE *f, const char *s, size_t size);
int cell_csv_header(FILE *f);
int cell_csv_write(FILE *f, const struct cell_record *c);

/* Adds every field of c to the JSON object obj under its name; n/a is
 * null. Returns 0 or -ENOMEM. */
int cell_json_add(struct json_object *obj, const struct cell_record *c);

#endif
