/* results_summary.c - summary.json of a run: every cell (its figures, its
 * phases, its series file) and, per (workload, threads, allocator), the
 * median, min and max of every figure over the repetitions that went well.
 *
 * Each cell's entry is made once, as text, when the cell is recorded
 * (results_cell_json); a rewrite of summary.json then only joins those
 * texts and computes the groups, so its cost is a copy, not a rebuild of
 * every cell through json-c.
 */
#include "bench/results/results_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/results/cell_io.h"
#include "bench/results/jsonw.h"
#include "bench/results/stats.h"
#include "config.h"

#define PLAIN (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
#define PRETTY (JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE)

static bool cell_ok(const struct cell_record *c) { return strcmp(c->status, "ok") == 0; }

/* One phase's figures from PHASE_FIELDS; n/a (no sample in the phase, an
 * empty heap) is null, never 0. Snapshot and leak figures are written only
 * for a phase that has them. */
static int phase_json(struct json_object *o, const struct phase_stat *p)
{
	bool snapshot = p->snapshot_heap_bytes > 0 || p->snapshot_rss_bytes > 0;
	bool leak =
	    isfinite(p->heap_growth_per_iter_bytes) || isfinite(p->rss_growth_per_iter_bytes);
	int rc = jsonw_add_str(o, "name", p->name);
#define WRITE_I(key) (p->key < 0 ? jsonw_add_null(o, #key) : jsonw_add_int(o, #key, p->key))
#define WRITE_F(key) jsonw_add_real(o, #key, p->key)
#define WRITE_(key, type, unit, group, doc)                                                        \
	if ((group) == ALWAYS || ((group) == SNAPSHOT && snapshot) || ((group) == LEAK && leak))   \
		rc |= WRITE_##type(key);
	enum { ALWAYS, SNAPSHOT, LEAK };
	PHASE_FIELDS(WRITE_)
#undef WRITE_
#undef WRITE_I
#undef WRITE_F
	return rc;
}

static struct json_object *phases_json(const struct phase_stats *ps)
{
	struct json_object *list = json_object_new_array();
	int rc = list ? 0 : -ENOMEM;
	for (int i = 0; ps && i < ps->n && rc == 0; i++) {
		struct json_object *o = json_object_new_object();
		if (!o) {
			rc = -ENOMEM;
			break;
		}
		rc |= phase_json(o, &ps->p[i]);
		rc |= jsonw_push(list, o);
	}
	if (rc) {
		json_object_put(list);
		return NULL;
	}
	return list;
}

char *results_cell_json(const struct cell_record *c, const struct phase_stats *phases,
                        const char *series)
{
	struct json_object *o = json_object_new_object();
	char *text = NULL;
	int rc = o ? 0 : -ENOMEM;
	if (rc)
		return NULL;
	rc |= cell_json_add(o, c);
	rc |= jsonw_add(o, "phases", phases_json(phases));
	rc |= series[0] ? jsonw_add_str(o, "series", series) : jsonw_add_null(o, "series");
	const char *s = rc ? NULL : json_object_to_json_string_ext(o, PLAIN);
	if (s)
		text = strdup(s);
	json_object_put(o);
	return text;
}

/* An I field's median of an even count may fall between two integers;
 * only then is it written as a real. */
static int add_stat(struct json_object *o, const char *key, double v, bool integral)
{
	if (integral && v == floor(v) && fabs(v) < 9.2e18)
		return jsonw_add_int(o, key, (int64_t)v);
	return jsonw_add_real(o, key, v);
}

/* {"median", "min", "max"} of figure id over the ok cells idx[0..n), or
 * null when none of them has a value. vals has room for n. */
static int add_aggregate(struct json_object *g, const struct results *r, int id, const size_t *idx,
                         size_t n, double *vals)
{
	struct json_object *a;
	bool integral = metrics[id].type == MT_INT;
	size_t k = 0;
	int rc = 0;
	for (size_t i = 0; i < n; i++)
		if (cell_ok(&r->recs[idx[i]]))
			vals[k++] = cell_value(&r->recs[idx[i]], id);
	if (stats_count(vals, k) == 0)
		return jsonw_add_null(g, metrics[id].key);
	a = json_object_new_object();
	if (!a)
		return -ENOMEM;
	rc |= add_stat(a, "median", stats_median(vals, k), integral);
	rc |= add_stat(a, "min", stats_min(vals, k), integral);
	rc |= add_stat(a, "max", stats_max(vals, k), integral);
	if (rc) {
		json_object_put(a);
		return rc;
	}
	return jsonw_add(g, metrics[id].key, a);
}

static struct json_object *group_json(const struct results *r, size_t gi, const size_t *idx,
                                      size_t n, double *vals)
{
	const struct results_group *gr = &r->groups[gi];
	struct json_object *g = json_object_new_object();
	int64_t ok = 0;
	int rc = 0;
	if (!g)
		return NULL;
	for (size_t i = 0; i < n; i++)
		ok += cell_ok(&r->recs[idx[i]]);
	rc |= jsonw_add_str(g, "workload", gr->workload);
	rc |= jsonw_add_int(g, "threads", gr->threads);
	rc |= jsonw_add_str(g, "allocator", gr->allocator);
	rc |= jsonw_add_int(g, "reps_ok", ok);
	rc |= jsonw_add_int(g, "reps_failed", (int64_t)n - ok);
	for (int i = 0; i < METRIC_N; i++)
		if (metrics[i].agg && metrics[i].type != MT_VIRTUAL)
			rc |= add_aggregate(g, r, i, idx, n, vals);
	if (rc) {
		json_object_put(g);
		return NULL;
	}
	return g;
}

/* Cells sorted by group (stable, so repetitions keep their order):
 * cells of group g are order[start[g] .. start[g + 1]). */
static int group_cells(const struct results *r, size_t **order, size_t **start)
{
	size_t *o = malloc((r->ncells + 1) * sizeof(*o));
	size_t *s = calloc(r->ngroups + 2, sizeof(*s));
	if (!o || !s) {
		free(o);
		free(s);
		return -ENOMEM;
	}
	for (size_t i = 0; i < r->ncells; i++)
		s[r->group_of[i] + 2]++;
	for (size_t g = 2; g < r->ngroups + 2; g++)
		s[g] += s[g - 1];
	/* s[g + 1] is now the first slot of group g: fill, advancing it. */
	for (size_t i = 0; i < r->ncells; i++)
		o[s[r->group_of[i] + 1]++] = i;
	*order = o;
	*start = s;
	return 0;
}

static struct json_object *groups_json(const struct results *r)
{
	struct json_object *groups = json_object_new_array();
	size_t *order = NULL, *start = NULL;
	double *vals = malloc((r->ncells + 1) * sizeof(*vals));
	int rc = groups && vals ? group_cells(r, &order, &start) : -ENOMEM;
	for (size_t g = 0; g < r->ngroups && rc == 0; g++)
		rc |= jsonw_push(groups,
		                 group_json(r, g, order + start[g], start[g + 1] - start[g], vals));
	free(order);
	free(start);
	free(vals);
	if (rc) {
		json_object_put(groups);
		return NULL;
	}
	return groups;
}

char *results_summary_text(const struct results *r, size_t *len)
{
	struct json_object *head = json_object_new_object(), *groups = groups_json(r);
	char *text = NULL;
	size_t n = 0;
	int rc = head && groups ? 0 : -ENOMEM;
	FILE *f = rc ? NULL : open_memstream(&text, &n);
	if (!f) {
		json_object_put(head);
		json_object_put(groups);
		return NULL;
	}
	rc |= jsonw_add_str(head, "wimm_version", WIMM_VERSION);
	rc |= jsonw_add_str(head, "run_id", r->id);
	rc |= jsonw_add_bool(head, "complete", r->finished && r->cells_not_run == 0);
	rc |= r->finished ? jsonw_add_int(head, "cells_not_run", r->cells_not_run)
	                  : jsonw_add_null(head, "cells_not_run");
	/* The head's members, then "cells" one entry a line, then "groups". */
	const char *h = rc ? NULL : json_object_to_json_string_ext(head, PLAIN);
	size_t hl = h ? strlen(h) : 0;
	if (!h || hl < 2) {
		rc = -ENOMEM;
	} else {
		fwrite(h, 1, hl - 1, f); /* without its closing brace */
		fputs(",\n\"cells\": [", f);
		for (size_t i = 0; i < r->ncells; i++) {
			fputs(i ? ",\n" : "\n", f);
			fputs((const char *)r->text.p + r->json_at[i], f);
		}
		const char *g = json_object_to_json_string_ext(groups, PRETTY);
		if (!g)
			rc = -ENOMEM;
		fprintf(f, "\n],\n\"groups\": %s\n}\n", g ? g : "null");
	}
	json_object_put(head);
	json_object_put(groups);
	/* A memory stream fails only for want of memory. */
	if (fclose(f) != 0 || rc) {
		free(text);
		return NULL;
	}
	*len = n;
	return text;
}
