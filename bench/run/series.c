/* series.c - a cell's series streamed to its TSV file (see series.h).
 *
 * Every column has its own small writer, named put_<format>, picked by the
 * SERIES_COLUMNS expansion: a column added there without deciding how it is
 * written fails to compile instead of coming out in some default format.
 *
 * The file is a stdio stream with a buffer of its own: a sample costs a
 * formatted line in memory, and the disk sees one write per 64 KiB.
 */
#include "bench/run/series.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BUFFER_BYTES (64 * 1024)

/* One window of an envelope: its candidate rows (lowest and highest RSS,
 * lowest and highest heap), each with its position so they go out in time order. */
struct window {
	int64_t index; /* t / SERIES_WINDOW_NS; -1: empty */
	int phase;
	int64_t missed, seen;
	struct sample row[SERIES_WINDOW_ROWS];
	int64_t at[SERIES_WINDOW_ROWS];
	struct sample last; /* the latest sample, kept at the very end */
};

enum { LOW_RSS, HIGH_RSS, LOW_HEAP, HIGH_HEAP };
_Static_assert(HIGH_HEAP + 1 == SERIES_WINDOW_ROWS, "a window keeps one row per extreme");

struct series_writer {
	FILE *f;
	char path[PATH_MAX], tmp[PATH_MAX];
	int envelope; /* the interval is short enough for envelopes */
	int64_t rows;
	int phase; /* of the last row written */
	int err;   /* the first write error, -errno */
	struct window win;
	const struct series_phases *names; /* of the window's rows */
	char buf[BUFFER_BYTES];
};

const char *series_phase_name(const struct series_phases *p, int i)
{
	int n = p->n < SERIES_MAX_PHASES ? p->n : SERIES_MAX_PHASES;
	if (i < 0 || i >= n || p->names[i][0] == '\0')
		return "?";
	return p->names[i];
}

void series_fill_parts(struct split_carry *carry, struct sample *r)
{
	struct split_in in = {.rss = r->rss_bytes,
	                      .file = r->rss_file_bytes,
	                      .heap = r->heap_bytes,
	                      .system = r->alloc_system_bytes,
	                      .resident = r->alloc_resident_bytes,
	                      .heap_from_reading =
	                          r->heap_bytes >= 0 && r->heap_bytes == r->alloc_in_use_bytes};
	struct split_parts p;
	split_carry_update(carry, r->alloc_system_bytes >= 0 ? r->probe_reads : -1, &in);
	split_compute(&in, &p);
	r->part_heap_bytes = p.heap;
	r->part_unused_bytes = p.unused;
	r->part_foreign_bytes = p.foreign;
	r->part_unsplit_bytes = p.unsplit;
	r->untouched_bytes = p.untouched;
	if (r->rss_file_bytes > r->rss_bytes)
		r->rss_file_bytes = p.file;
}

void series_row_parts(const struct sample *r, struct split_parts *p)
{
	*p = (struct split_parts){.file = r->rss_file_bytes > 0 ? r->rss_file_bytes : 0,
	                          .heap = r->part_heap_bytes,
	                          .unused = r->part_unused_bytes,
	                          .foreign = r->part_foreign_bytes,
	                          .unsplit = r->part_unsplit_bytes,
	                          .untouched = r->untouched_bytes};
}

static void put_time(FILE *f, const struct series_phases *p, double v)
{
	(void)p;
	fprintf(f, "%.4f", v);
}

/* A figure the allocator or the program does not have is empty, never 0. */
static void put_bytes(FILE *f, const struct series_phases *p, int64_t v)
{
	(void)p;
	if (v >= 0)
		fprintf(f, "%" PRId64, v);
}

static void put_count(FILE *f, const struct series_phases *p, int64_t v) { put_bytes(f, p, v); }

/* The name, not the index, so a plot can label phases without the YAML;
 * a tab or line break in it would split the row, so those become spaces. */
static void put_phase(FILE *f, const struct series_phases *p, int v)
{
	const char *name = series_phase_name(p, v);
	size_t n = strnlen(name, SERIES_PHASE_NAME_MAX);
	for (size_t i = 0; i < n; i++)
		fputc(strchr("\t\r\n", name[i]) ? ' ' : name[i], f);
}

static void write_row(struct series_writer *w, const struct sample *row,
                      const struct series_phases *p)
{
	const char *sep = "";
#define ROW_(name, type, format, doc)                                                              \
	fputs(sep, w->f);                                                                          \
	put_##format(w->f, p, row->name);                                                          \
	sep = "\t";
	SERIES_COLUMNS(ROW_)
#undef ROW_
	if (fputc('\n', w->f) == EOF && !w->err)
		w->err = -(errno ? errno : EIO);
	w->rows++;
}

int series_writer_open(struct series_writer **out, const char *path, int64_t interval_ns)
{
	struct series_writer *w = calloc(1, sizeof(*w));
	*out = NULL;
	if (!w)
		return -ENOMEM;
	if (snprintf(w->path, sizeof(w->path), "%s", path) >= (int)sizeof(w->path) ||
	    snprintf(w->tmp, sizeof(w->tmp), "%s.tmp.%ld", path, (long)getpid()) >=
	        (int)sizeof(w->tmp)) {
		free(w);
		return -ENAMETOOLONG;
	}
	w->f = fopen(w->tmp, "we");
	if (!w->f) {
		int rc = -errno;
		free(w);
		return rc;
	}
	setvbuf(w->f, w->buf, _IOFBF, sizeof(w->buf));
	w->envelope = interval_ns > 0 && interval_ns < SERIES_ENVELOPE_BELOW_NS;
	w->win.index = -1;
	const char *sep = "";
#define HEADER_(name, type, format, doc)                                                           \
	fputs(sep, w->f);                                                                          \
	fputs(#name, w->f);                                                                        \
	sep = "\t";
	SERIES_COLUMNS(HEADER_)
#undef HEADER_
	fputc('\n', w->f);
	*out = w;
	return 0;
}

/* Writes the window's rows in time order, each once; the window's missed
 * ticks go on its first row. */
static void flush_window(struct series_writer *w)
{
	struct window *win = &w->win;
	int order[SERIES_WINDOW_ROWS], n = 0;
	if (win->index < 0)
		return;
	for (int i = 0; i < SERIES_WINDOW_ROWS; i++)
		order[i] = i;
	for (int i = 1; i < SERIES_WINDOW_ROWS; i++)
		for (int j = i; j > 0 && win->at[order[j]] < win->at[order[j - 1]]; j--) {
			int t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	for (int i = 0; i < SERIES_WINDOW_ROWS; i++) {
		if (i && win->at[order[i]] == win->at[order[i - 1]])
			continue;
		struct sample row = win->row[order[i]];
		row.missed_ticks = n++ ? 0 : win->missed;
		write_row(w, &row, w->names);
	}
	win->index = -1;
}

/* Whether a is more extreme than b in the way row k of a window is. */
static int beats(const struct sample *a, const struct sample *b, int k)
{
	switch (k) {
	case LOW_RSS:
		return a->rss_bytes < b->rss_bytes;
	case HIGH_RSS:
		return a->rss_bytes > b->rss_bytes;
	case LOW_HEAP:
		return a->heap_bytes < b->heap_bytes;
	default:
		return a->heap_bytes > b->heap_bytes;
	}
}

/* A sample taken into the current window, keeping the extremes. */
static void add_to_window(struct series_writer *w, const struct sample *row, int64_t index)
{
	struct window *win = &w->win;
	if (win->index != index || win->phase != row->phase)
		flush_window(w);
	if (win->index < 0) {
		win->index = index;
		win->phase = row->phase;
		win->missed = 0;
		for (int i = 0; i < SERIES_WINDOW_ROWS; i++) {
			win->row[i] = *row;
			win->at[i] = win->seen;
		}
	}
	win->missed += row->missed_ticks > 0 ? row->missed_ticks : 0;
	win->last = *row;
	for (int k = 0; k < SERIES_WINDOW_ROWS; k++)
		if (beats(row, &win->row[k], k)) {
			win->row[k] = *row;
			win->at[k] = win->seen;
		}
	win->seen++;
}

void series_writer_add(struct series_writer *w, const struct sample *row,
                       const struct series_phases *names)
{
	w->names = names;
	/* Every sample while the file is short; and the first of each phase
	 * always, so phase boundaries stay exact in an envelope. */
	if (!w->envelope || w->rows < SERIES_FULL_ROWS || row->phase != w->phase) {
		flush_window(w);
		write_row(w, row, names);
		w->phase = row->phase;
		return;
	}
	double ns = row->t_s * 1e9;
	int64_t index = ns > 0 && ns < 9e18 ? (int64_t)ns / SERIES_WINDOW_NS : 0;
	add_to_window(w, row, index);
}

int64_t series_writer_rows(const struct series_writer *w) { return w->rows; }

int series_writer_commit(struct series_writer *w, int *written)
{
	int rc;
	*written = 0;
	/* The last sample is the state the program ended in: kept too. */
	int last_kept = w->win.index < 0;
	for (int i = 0; i < SERIES_WINDOW_ROWS && !last_kept; i++)
		last_kept = w->win.at[i] == w->win.seen - 1;
	struct sample last = w->win.last;
	flush_window(w);
	if (!last_kept) {
		last.missed_ticks = 0;
		write_row(w, &last, w->names);
	}
	rc = w->err;
	if (fflush(w->f) == EOF && !rc)
		rc = -errno;
	if (!rc && w->rows > 0 && fsync(fileno(w->f)) < 0)
		rc = -errno;
	if (fclose(w->f) == EOF && !rc)
		rc = -errno;
	if (!rc && w->rows > 0) {
		if (rename(w->tmp, w->path) < 0)
			rc = -errno;
		else
			*written = 1;
	}
	if (!*written)
		unlink(w->tmp);
	free(w);
	return rc;
}

void series_writer_abort(struct series_writer *w)
{
	if (!w)
		return;
	fclose(w->f);
	unlink(w->tmp);
	free(w);
}
