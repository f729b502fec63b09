/* series.c - the growable array of samples a cell records, and its TSV
 * encoding (see series.h, series_io.h).
 *
 * Every column has its own small writer, named put_<column>, picked by the
 * SERIES_COLUMNS expansion: a column added there without deciding how it is
 * written fails to compile instead of coming out in some default format.
 */
#include "bench/run/series.h"
#include "bench/run/series_io.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* 256 rows is 2.5 s at the default 10 ms interval: most cells need a few
 * doublings at most, and a short one wastes only 8 KiB. */
#define FIRST_CAP 256

void series_init(struct series *s) { memset(s, 0, sizeof(*s)); }

void series_finish(struct series *s)
{
	free(s->rows);
	series_init(s);
}

int series_append(struct series *s, const struct sample *row)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : FIRST_CAP;
		if (cap < s->cap || cap > SIZE_MAX / sizeof(*s->rows))
			return -ENOMEM;
		struct sample *rows = realloc(s->rows, cap * sizeof(*rows));
		if (!rows)
			return -ENOMEM;
		s->rows = rows;
		s->cap = cap;
	}
	s->rows[s->n++] = *row;
	return 0;
}

const char *series_phase_name(const struct series *s, int i)
{
	int n = s->nphases < SERIES_MAX_PHASES ? s->nphases : SERIES_MAX_PHASES;
	if (i < 0 || i >= n || s->phase_names[i][0] == '\0')
		return "?";
	return s->phase_names[i];
}

static void put_time(FILE *f, const struct series *s, double v)
{
	(void)s;
	fprintf(f, "%.4f", v);
}

/* A figure the allocator or the program does not have is empty, never 0. */
static void put_bytes(FILE *f, const struct series *s, int64_t v)
{
	(void)s;
	if (v >= 0)
		fprintf(f, "%" PRId64, v);
}

static void put_count(FILE *f, const struct series *s, int64_t v) { put_bytes(f, s, v); }

/* The name, not the index, so a plot can label phases without the YAML;
 * a tab or line break in it would split the row, so those become spaces. */
static void put_phase(FILE *f, const struct series *s, int v)
{
	const char *name = series_phase_name(s, v);
	size_t n = strnlen(name, SERIES_PHASE_NAME_MAX);
	for (size_t i = 0; i < n; i++)
		fputc(strchr("\t\r\n", name[i]) ? ' ' : name[i], f);
}

int series_write_tsv(FILE *f, const struct series *s)
{
	const char *sep = "";
#define HEADER_(name, type, format, doc)                                                           \
	fputs(sep, f);                                                                             \
	fputs(#name, f);                                                                           \
	sep = "\t";
	SERIES_COLUMNS(HEADER_)
#undef HEADER_
	fputc('\n', f);
	for (size_t i = 0; i < s->n; i++) {
		const struct sample *row = &s->rows[i];
		sep = "";
#define ROW_(name, type, format, doc)                                                              \
	fputs(sep, f);                                                                             \
	put_##format(f, s, row->name);                                                             \
	sep = "\t";
		SERIES_COLUMNS(ROW_)
#undef ROW_
		fputc('\n', f);
	}
	return ferror(f) ? -EIO : 0;
}
