/* baseline.c - write a baseline file (see baseline.h).
 *
 * Cells are rebuilt from the figures rundir read, not copied from
 * summary.json: the phases, series paths and the many figures compare does
 * not judge would make every update a thousand-line diff.
 */
#include "bench/regress/baseline.h"

#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "config.h"
#include "bench/results/jsonw.h"
#include "common/fsutil.h"

int baseline_path(const char *out_root, const char *testbed, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/baseline/%s.json", out_root, testbed);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* The figures a baseline keeps: what compare judges, what the history
 * draws, and what the table marks to keep (the operation count, which
 * tells whether two runs did the same work). */
static bool kept(const struct metric *m)
{
	return (m->type == MT_INT || m->type == MT_REAL) &&
	       (m->judge != MJ_NONE || m->show & (SHOW_HISTORY | SHOW_KEEP));
}

static struct json_object *cell_json(const struct rundir *d, const struct rundir_group *g,
                                     const struct rundir_cell *c)
{
	struct json_object *o = json_object_new_object();
	int rc = !o;
	if (!o)
		return NULL;
	rc |= jsonw_add_str(o, "workload", g->workload);
	rc |=
	    g->threads < 0 ? jsonw_add_null(o, "threads") : jsonw_add_int(o, "threads", g->threads);
	rc |= jsonw_add_str(o, "allocator", d->allocs[g->alloc].name);
	rc |= jsonw_add_int(o, "rep", c->rep);
	rc |= jsonw_add_str(o, "status", c->ok ? "ok" : "failed");
	rc |= jsonw_add_str(o, "allocator_version", g->allocator_version);
	for (int i = 0; i < METRIC_N; i++) {
		const struct metric *m = &metrics[i];
		if (!kept(m))
			continue;
		/* Integral figures (bytes, counts) as integers, the others as reals. */
		if (isnan(c->v[i]))
			rc |= jsonw_add_null(o, m->key);
		else if (m->type == MT_INT)
			rc |= jsonw_add_int(o, m->key, (int64_t)llround(c->v[i]));
		else
			rc |= jsonw_add_real(o, m->key, c->v[i]);
	}
	if (rc) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* A JSON value as text: strings quoted and escaped, objects on one line. */
static const char *plain(struct json_object *o)
{
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	                                             JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* The file's text: the header and meta.json pretty-printed, one cell a line
 * so that a diff of two baselines reads cell by cell. */
static int build(const struct rundir *d, char **text, size_t *len)
{
	struct json_object *head = json_object_new_object();
	char now[32];
	time_t t = time(NULL);
	struct tm tm;
	int rc = !head;
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
	FILE *f = rc ? NULL : open_memstream(text, len);
	if (!f) {
		json_object_put(head);
		return -ENOMEM;
	}
	rc |= jsonw_add_int(head, "wimm_baseline", BASELINE_FORMAT);
	rc |= jsonw_add_str(head, "testbed", d->testbed);
	rc |= jsonw_add_str(head, "created_utc", now);
	rc |= jsonw_add_str(head, "created_by", "wimm " WIMM_VERSION " (wimm baseline update)");
	rc |= jsonw_add_str(head, "source_run", d->run_id);
	fputs("{\n", f);
	json_object_object_foreach(head, key, val)
	{
		struct json_object *k = json_object_new_string(key);
		rc |= !k;
		if (k)
			fprintf(f, "  %s: %s,\n", plain(k), plain(val));
		json_object_put(k);
	}
	fputs("  \"meta\": ", f);
	for (const char *m = json_object_to_json_string_ext(
	         d->meta, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	     *m; m++) { /* indented one level, as a member */
		fputc(*m, f);
		if (*m == '\n')
			fputs("  ", f);
	}
	fputs(",\n  \"cells\": [", f);
	const struct rundir_group **order = malloc((d->ngroups + 1) * sizeof(*order));
	rc |= !order;
	for (size_t i = 0; order && i < d->ngroups; i++)
		order[i] = &d->groups[i];
	if (order)
		rundir_sort_groups(d, order, d->ngroups);
	const char *sep = "\n";
	for (size_t i = 0; order && i < d->ngroups; i++)
		for (size_t j = 0; j < order[i]->ncells; j++) {
			struct json_object *c =
			    cell_json(d, order[i], &d->cells[order[i]->cells[j]]);
			rc |= !c;
			if (c)
				fprintf(f, "%s    %s", sep, plain(c));
			json_object_put(c);
			sep = ",\n";
		}
	fputs("\n  ]\n}\n", f);
	free(order);
	json_object_put(head);
	if (fclose(f) || rc) {
		free(*text);
		*text = NULL;
		return -ENOMEM;
	}
	return 0;
}

int baseline_write(const struct rundir *d, const char *path, char *err, size_t errlen)
{
	char *text = NULL;
	size_t n = 0;
	int rc;
	if (!d->meta || !d->testbed[0]) {
		snprintf(err, errlen,
		         "%s has no meta.json with a testbed: a baseline needs the run's context "
		         "(give the run directory)",
		         d->source);
		return -EINVAL;
	}
	if ((rc = build(d, &text, &n))) {
		snprintf(err, errlen, "out of memory building the baseline");
		return rc;
	}
	rc = fsutil_mkdirs_parent(path);
	if (!rc)
		rc = fsutil_write(path, text, n);
	if (rc)
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(-rc));
	free(text);
	return rc;
}
