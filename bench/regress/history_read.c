/* history_read.c - a history file read back (see history.h), for
 * `wimm plot --history`.
 *
 * Columns are found by name, so files of older and newer versions read:
 * a figure column the file lacks is n/a, one we do not know is ignored.
 * Like every file wimm reads back it is untrusted: names must be names,
 * figures numbers in their range, or the error names the line and field.
 */
#include "bench/regress/history.h"

#include <errno.h>
#include <stdint.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/results/jsonr.h"
#include "common/fsutil.h"
#include "common/log.h"

#define LINE_MAX_LEN 4096

int history_csv_split(char *line, char **f, int max)
{
	int n = 0;
	char *p = line;
	line[strcspn(line, "\r\n")] = '\0';
	while (n < max) {
		char *out = p;
		f[n++] = p;
		if (*p == '"') {
			char *q = p + 1;
			for (; *q; q++) {
				if (*q == '"' && q[1] == '"')
					*out++ = *++q;
				else if (*q == '"')
					break;
				else
					*out++ = *q;
			}
			p = *q ? q + 1 : q;
		} else {
			while (*p && *p != ',')
				*out++ = *p++;
		}
		char *next = *p == ',' ? p + 1 : NULL;
		*out = '\0';
		if (!next)
			break;
		p = next;
	}
	return n;
}

static int index_of(char **names, int n, const char *key)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(names[i], key))
			return i;
	return -1;
}

static int grow(void **v, size_t n, size_t size)
{
	void *g = realloc(*v, (n + 1) * size);
	if (!g)
		return -ENOMEM;
	*v = g;
	return 0;
}

/* Finds or adds a name in a map with its array: returns the index,
 * -ENOMEM, or -E2BIG past max. */
static int find(struct strmap *m, const char *key, size_t len, int *n, int max)
{
	int i = strmap_get(m, key, len);
	if (i >= 0)
		return i;
	if (*n >= max)
		return -E2BIG;
	return strmap_put(m, key, len, *n) ? -ENOMEM : (*n)++;
}

static int find_run(struct history *h, const char *id, const char *started)
{
	int n = h->nruns, i = find(&h->run_map, id, strlen(id), &n, INT32_MAX);
	if (i != h->nruns)
		return i;
	if (grow((void **)&h->runs, (size_t)h->nruns, sizeof(*h->runs)) ||
	    grow((void **)&h->started, (size_t)h->nruns, sizeof(*h->started)))
		return -ENOMEM;
	snprintf(h->runs[h->nruns], sizeof(*h->runs), "%s", id);
	snprintf(h->started[h->nruns], sizeof(*h->started), "%s", started);
	return h->nruns++;
}

static int find_group(struct history *h, const char *w, int t)
{
	char key[WIMM_NAME_MAX + 16];
	int len = snprintf(key, sizeof(key), "%s%c%d", w, 0, t), n = h->ngroups;
	int i = find(&h->group_map, key, (size_t)len, &n, HISTORY_MAX_GROUPS);
	if (i != h->ngroups)
		return i;
	if (grow((void **)&h->groups, (size_t)h->ngroups, sizeof(*h->groups)))
		return -ENOMEM;
	snprintf(h->groups[h->ngroups].workload, WIMM_NAME_MAX, "%s", w);
	h->groups[h->ngroups].threads = t;
	return h->ngroups++;
}

static int find_alloc(struct history *h, const char *name)
{
	int n = h->nallocs, i = find(&h->alloc_map, name, strlen(name), &n, HISTORY_MAX_ALLOCS);
	if (i != h->nallocs)
		return i;
	if (grow((void **)&h->allocs, (size_t)h->nallocs, sizeof(*h->allocs)))
		return -ENOMEM;
	snprintf(h->allocs[h->nallocs], WIMM_NAME_MAX, "%s", name);
	return h->nallocs++;
}

void history_free(struct history *h)
{
	free(h->runs);
	free(h->started);
	free(h->groups);
	free(h->allocs);
	free(h->rows);
	strmap_free(&h->run_map);
	strmap_free(&h->group_map);
	strmap_free(&h->alloc_map);
	memset(h, 0, sizeof(*h));
}

__attribute__((format(printf, 5, 6))) static int fail(char *err, size_t errlen, const char *path,
                                                      int line, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(err, errlen, "%s:%d: ", path, line);
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < errlen)
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* A figure: empty is n/a; else a number in the range of its unit. */
static int figure(const char *s, const struct history_column *c, double *out)
{
	char *end;
	*out = NAN;
	if (!*s)
		return 0;
	double v = strtod(s, &end);
	enum metric_unit u = c->ratio ? MU_RATIO : metrics[c->metric].unit;
	if (*end || !isfinite(v) || (u != MU_BYTES_SLOPE && v < 0))
		return -EINVAL;
	*out = v;
	return 0;
}

/* The row of one line; 1 when the line is skipped (too few fields). */
static int read_row(struct history *h, char **f, int n, const int *key, const int *col,
                    const char *path, int lineno, char *err, size_t errlen)
{
	static const char *const named[] = {"run_id", "workload", "allocator"};
	const struct history_column *cols;
	int ncols = history_columns(&cols);
	char q[64];
	/* key[4], started_utc, may be absent (-1); the others are there. */
	if (n <= key[0] || n <= key[1] || n <= key[2] || n <= key[3] || n <= key[4])
		return 1;
	/* The names reach figure titles and file names: the rule the YAML
	 * follows, or the file was not written by wimm. */
	for (int k = 0; k < 3; k++)
		if (!limits_name_ok(f[key[k]]))
			return fail(
			    err, errlen, path, lineno,
			    "%s: %s is not a name (1 to %d letters, digits, '_', '.' or '-'): "
			    "the file was not written by wimm, or was changed",
			    named[k], jsonr_quote(f[key[k]], q, sizeof(q)), WIMM_NAME_MAX - 1);
	const char *t = f[key[3]];
	char *end;
	long threads = *t ? strtol(t, &end, 10) : -1;
	if (*t && (*end || threads < 0 || threads > 1000000))
		return fail(err, errlen, path, lineno, "threads: %s is not a thread count",
		            jsonr_quote(t, q, sizeof(q)));
	const char *started = key[4] >= 0 && key[4] < n ? f[key[4]] : "";
	int run = find_run(h, f[key[0]], started);
	int g = find_group(h, f[key[1]], (int)threads);
	int a = find_alloc(h, f[key[2]]);
	if (g == -E2BIG || a == -E2BIG)
		return fail(err, errlen, path, lineno,
		            "more than %d %s: not a history wimm wrote (or one too large to draw)",
		            g == -E2BIG ? HISTORY_MAX_GROUPS : HISTORY_MAX_ALLOCS,
		            g == -E2BIG ? "workloads and thread counts" : "allocators");
	if (run < 0 || g < 0 || a < 0 || grow((void **)&h->rows, h->nrows, sizeof(*h->rows)))
		return -ENOMEM;
	struct history_row *r = &h->rows[h->nrows++];
	*r = (struct history_row){.run = run, .group = g, .alloc = a};
	for (int m = 0; m < ncols; m++)
		if (figure(col[m] >= 0 && col[m] < n ? f[col[m]] : "", &cols[m], &r->v[m]))
			return fail(err, errlen, path, lineno, "%s: %s is not a figure of its unit",
			            cols[m].name, jsonr_quote(f[col[m]], q, sizeof(q)));
	return 0;
}

static const struct history *sort_h; /* qsort has no context argument */

/* Runs in the order they started (ISO 8601 sorts as text), then by id. */
static int cmp_run(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	int c = strcmp(sort_h->started[x], sort_h->started[y]);
	return c ? c : strcmp(sort_h->runs[x], sort_h->runs[y]);
}

static int order_runs(struct history *h)
{
	int *by = calloc((size_t)h->nruns + 1, sizeof(*by));
	int *rank = calloc((size_t)h->nruns + 1, sizeof(*rank));
	char(*runs)[WIMM_NAME_MAX] = calloc((size_t)h->nruns + 1, sizeof(*runs));
	char(*started)[32] = calloc((size_t)h->nruns + 1, sizeof(*started));
	if (!by || !rank || !runs || !started) {
		free(by);
		free(rank);
		free(runs);
		free(started);
		return -ENOMEM;
	}
	for (int i = 0; i < h->nruns; i++)
		by[i] = i;
	sort_h = h;
	qsort(by, (size_t)h->nruns, sizeof(*by), cmp_run);
	for (int r = 0; r < h->nruns; r++) {
		rank[by[r]] = r;
		memcpy(runs[r], h->runs[by[r]], sizeof(*runs));
		memcpy(started[r], h->started[by[r]], sizeof(*started));
	}
	for (size_t r = 0; r < h->nrows; r++)
		h->rows[r].run = rank[h->rows[r].run];
	free(h->runs);
	free(h->started);
	h->runs = runs;
	h->started = started;
	free(by);
	free(rank);
	return 0;
}

int history_read(const char *path, struct history *h, char *err, size_t errlen)
{
	char line[LINE_MAX_LEN], *names[HISTORY_MAX_COLUMNS * 2], *f[HISTORY_MAX_COLUMNS * 2];
	const struct history_column *cols;
	int ncols = history_columns(&cols), col[HISTORY_MAX_COLUMNS], lineno = 1;
	FILE *in = NULL;
	memset(h, 0, sizeof(*h));
	int rc = fsutil_open(path, HISTORY_MAX_FILE, &in);
	if (rc) {
		snprintf(err, errlen, "cannot read %s: %s%s", path, fsutil_strerror(rc),
		         rc == -EFBIG
		             ? " (a history file has at most 64 MiB; move it away to start "
		               "a new one)"
		             : "");
		return -EINVAL; /* the input is at fault, whatever the reason */
	}
	if (!fgets(line, sizeof(line), in)) {
		fclose(in);
		snprintf(err, errlen,
		         "%s is empty: not a wimm history file (remove it; the next run starts a "
		         "new one)",
		         path);
		return -EINVAL;
	}
	int nn = history_csv_split(line, names, HISTORY_MAX_COLUMNS * 2);
	int key[5] = {index_of(names, nn, "run_id"), index_of(names, nn, "workload"),
	              index_of(names, nn, "allocator"), index_of(names, nn, "threads"),
	              index_of(names, nn, "started_utc")};
	if (key[0] < 0 || key[1] < 0 || key[2] < 0 || key[3] < 0) {
		fclose(in);
		snprintf(err, errlen,
		         "%s:1: not a wimm history file: expected the columns run_id, workload, "
		         "threads, allocator (and the figures)",
		         path);
		return -EINVAL;
	}
	for (int m = 0; m < ncols; m++)
		col[m] = index_of(names, nn, cols[m].name);
	while (rc == 0 && fgets(line, sizeof(line), in)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(in)) {
			rc = fail(err, errlen, path, lineno, "a line longer than %d bytes",
			          LINE_MAX_LEN - 1);
			break;
		}
		int n = history_csv_split(line, f, HISTORY_MAX_COLUMNS * 2);
		if (n == 1 && !*f[0])
			continue; /* an empty line */
		/* A run killed while appending leaves a cut line (the next run
		 * ends it): skipped, said. */
		if ((rc = read_row(h, f, n, key, col, path, lineno, err, errlen)) == 1) {
			log_warn("%s:%d: a row with too few fields (cut?); skipped", path, lineno);
			rc = 0;
		}
	}
	fclose(in);
	if (rc == 0)
		rc = order_runs(h);
	if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory reading %s", path);
	if (rc)
		history_free(h);
	return rc;
}
