/* cell.c - the cell record: initialisation to n/a, the field table, and its
 * cells.csv and JSON encodings (see cell.h, cell_io.h).
 *
 * CELL_FIELDS is expanded once, into cell_fields[]; every encoder walks that
 * table, so no field list is ever written out by hand here.
 */
#include "bench/results/cell.h"
#include "bench/results/cell_io.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "bench/results/jsonw.h"

#define FIELD_S_(n, sz, d) {#n, CELL_KIND_STRING, false, offsetof(struct cell_record, n), sz, d},
#define FIELD_I_(n, agg, d)                                                                        \
	{#n, CELL_KIND_INT, agg, offsetof(struct cell_record, n), sizeof(int64_t), d},
#define FIELD_F_(n, agg, d)                                                                        \
	{#n, CELL_KIND_REAL, agg, offsetof(struct cell_record, n), sizeof(double), d},
const struct cell_field cell_fields[] = {CELL_FIELDS(FIELD_S_, FIELD_I_, FIELD_F_)};
#undef FIELD_S_
#undef FIELD_I_
#undef FIELD_F_

const size_t cell_nfields = sizeof(cell_fields) / sizeof(cell_fields[0]);

void cell_record_init(struct cell_record *c)
{
	/* Zeroed first so copies and files never carry stale bytes past a
	 * string's terminator (and valgrind sees every byte defined). */
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < cell_nfields; i++) {
		const struct cell_field *f = &cell_fields[i];
		char *p = (char *)c + f->offset;
		if (f->kind == CELL_KIND_INT) {
			int64_t na = -1;
			memcpy(p, &na, sizeof(na));
		} else if (f->kind == CELL_KIND_REAL) {
			double na = NAN;
			memcpy(p, &na, sizeof(na));
		}
	}
}

const struct cell_field *cell_field_find(const char *name)
{
	for (size_t i = 0; i < cell_nfields; i++)
		if (strcmp(cell_fields[i].name, name) == 0)
			return &cell_fields[i];
	return NULL;
}

const char *cell_field_str(const struct cell_record *c, const struct cell_field *f)
{
	return f->kind == CELL_KIND_STRING ? (const char *)c + f->offset : "";
}

int64_t cell_field_int(const struct cell_record *c, const struct cell_field *f)
{
	int64_t v = -1;
	if (f->kind == CELL_KIND_INT)
		memcpy(&v, (const char *)c + f->offset, sizeof(v));
	return v;
}

/* Infinities count as n/a too: JSON has no spelling for them, and a ratio
 * over a zero denominator measured nothing a median should include. */
double cell_field_real(const struct cell_record *c, const struct cell_field *f)
{
	double v = NAN;
	if (f->kind == CELL_KIND_REAL) {
		memcpy(&v, (const char *)c + f->offset, sizeof(v));
		if (!isfinite(v))
			v = NAN;
	} else if (f->kind == CELL_KIND_INT) {
		int64_t i = cell_field_int(c, f);
		v = i == -1 ? NAN : (double)i;
	}
	return v;
}

bool cell_field_na(const struct cell_record *c, const struct cell_field *f)
{
	if (f->kind == CELL_KIND_INT)
		return cell_field_int(c, f) == -1;
	if (f->kind == CELL_KIND_REAL)
		return isnan(cell_field_real(c, f));
	return false;
}

/* RFC 4180: quote only when needed, doubling embedded quotes. The length is
 * bounded by the buffer in case a caller filled it without a terminator. */
void cell_csv_string(FILE *f, const char *s, size_t size)
{
	size_t n = strnlen(s, size);
	if (!memchr(s, ',', n) && !memchr(s, '"', n) && !memchr(s, '\n', n) &&
	    !memchr(s, '\r', n)) {
		fwrite(s, 1, n, f);
		return;
	}
	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			fputc('"', f);
		fputc(s[i], f);
	}
	fputc('"', f);
}

int cell_csv_header(FILE *f)
{
	for (size_t i = 0; i < cell_nfields; i++) {
		if (i > 0)
			fputc(',', f);
		fputs(cell_fields[i].name, f);
	}
	fputc('\n', f);
	return ferror(f) ? -EIO : 0;
}

int cell_csv_write(FILE *f, const struct cell_record *c)
{
	for (size_t i = 0; i < cell_nfields; i++) {
		const struct cell_field *fd = &cell_fields[i];
		if (i > 0)
			fputc(',', f);
		if (fd->kind == CELL_KIND_STRING)
			cell_csv_string(f, cell_field_str(c, fd), fd->size);
		else if (cell_field_na(c, fd))
			; /* n/a: empty field */
		else if (fd->kind == CELL_KIND_INT)
			fprintf(f, "%" PRId64, cell_field_int(c, fd));
		else
			fprintf(f, JSONW_REAL_FMT, cell_field_real(c, fd));
	}
	fputc('\n', f);
	return ferror(f) ? -EIO : 0;
}

int cell_json_add(struct json_object *obj, const struct cell_record *c)
{
	int rc = 0;
	for (size_t i = 0; i < cell_nfields; i++) {
		const struct cell_field *fd = &cell_fields[i];
		if (fd->kind == CELL_KIND_STRING) {
			/* Bounded: the buffer may lack a terminator. */
			const char *s = cell_field_str(c, fd);
			int n = (int)strnlen(s, fd->size);
			rc |= jsonw_add(obj, fd->name, json_object_new_string_len(s, n));
		} else if (cell_field_na(c, fd)) {
			rc |= jsonw_add_null(obj, fd->name);
		} else if (fd->kind == CELL_KIND_INT) {
			rc |= jsonw_add_int(obj, fd->name, cell_field_int(c, fd));
		} else {
			rc |= jsonw_add_real(obj, fd->name, cell_field_real(c, fd));
		}
	}
	return rc;
}
