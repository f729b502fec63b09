/* cell.c - the cell record: initialisation to n/a, access by metric id,
 * and its cells.csv and JSON encodings (see cell.h, cell_io.h).
 *
 * Every encoder walks metrics[], so no field list is written out by hand
 * here; virtual figures are never stored.
 */
#include "bench/results/cell.h"
#include "bench/results/cell_io.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "bench/results/jsonw.h"

static bool stored(const struct metric *m) { return m->type == MT_INT || m->type == MT_REAL; }

void cell_record_init(struct cell_record *c)
{
	/* Zeroed first so copies and files never carry stale bytes past a
	 * string's terminator (and valgrind sees every byte defined). */
	memset(c, 0, sizeof(*c));
	for (int i = 0; i < METRIC_N; i++) {
		const struct metric *m = &metrics[i];
		char *p = (char *)c + m->offset;
		if (m->type == MT_INT) {
			int64_t na = -1;
			memcpy(p, &na, sizeof(na));
		} else if (m->type == MT_REAL) {
			double na = NAN;
			memcpy(p, &na, sizeof(na));
		}
	}
}

const char *cell_str(const struct cell_record *c, int id)
{
	return metrics[id].type == MT_STRING ? (const char *)c + metrics[id].offset : "";
}

double cell_value(const struct cell_record *c, int id)
{
	const struct metric *m = &metrics[id];
	if (m->type == MT_INT) {
		int64_t i;
		memcpy(&i, (const char *)c + m->offset, sizeof(i));
		return i == -1 ? NAN : (double)i;
	}
	if (m->type == MT_REAL) {
		double v;
		memcpy(&v, (const char *)c + m->offset, sizeof(v));
		return isfinite(v) ? v : NAN;
	}
	return NAN;
}

void cell_values(const struct cell_record *c, double *v)
{
	for (int i = 0; i < METRIC_N; i++)
		v[i] = cell_value(c, i);
	metrics_derive(v, false);
}

void cell_derive(struct cell_record *c)
{
	double v[METRIC_N];
	for (int i = 0; i < METRIC_N; i++)
		v[i] = cell_value(c, i);
	metrics_derive(v, true);
	for (int i = 0; i < METRIC_N; i++) {
		const struct metric *m = &metrics[i];
		char *p = (char *)c + m->offset;
		if (!m->derive || !stored(m))
			continue;
		if (m->type == MT_INT) {
			int64_t x = isnan(v[i]) ? -1 : (int64_t)llround(v[i]);
			memcpy(p, &x, sizeof(x));
		} else {
			memcpy(p, &v[i], sizeof(v[i]));
		}
	}
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
	const char *sep = "";
	for (int i = 0; i < METRIC_N; i++) {
		if (metrics[i].type == MT_VIRTUAL)
			continue;
		fprintf(f, "%s%s", sep, metrics[i].key);
		sep = ",";
	}
	fputc('\n', f);
	return ferror(f) ? -EIO : 0;
}

int cell_csv_write(FILE *f, const struct cell_record *c)
{
	const char *sep = "";
	for (int i = 0; i < METRIC_N; i++) {
		const struct metric *m = &metrics[i];
		double v = cell_value(c, i);
		if (m->type == MT_VIRTUAL)
			continue;
		fputs(sep, f);
		sep = ",";
		if (m->type == MT_STRING)
			cell_csv_string(f, cell_str(c, i), m->size);
		else if (isnan(v))
			; /* n/a: empty field */
		else if (m->type == MT_INT)
			fprintf(f, "%" PRId64, (int64_t)v);
		else
			fprintf(f, JSONW_REAL_FMT, v);
	}
	fputc('\n', f);
	return ferror(f) ? -EIO : 0;
}

int cell_json_add(struct json_object *obj, const struct cell_record *c)
{
	int rc = 0;
	for (int i = 0; i < METRIC_N; i++) {
		const struct metric *m = &metrics[i];
		double v = cell_value(c, i);
		if (m->type == MT_STRING) {
			/* Bounded: the buffer may lack a terminator. */
			const char *s = cell_str(c, i);
			rc |= jsonw_add(obj, m->key,
			                json_object_new_string_len(s, (int)strnlen(s, m->size)));
		} else if (m->type == MT_VIRTUAL) {
			continue;
		} else if (isnan(v)) {
			rc |= jsonw_add_null(obj, m->key);
		} else if (m->type == MT_INT) {
			rc |= jsonw_add_int(obj, m->key, (int64_t)v);
		} else {
			rc |= jsonw_add_real(obj, m->key, v);
		}
	}
	return rc;
}
