/* compare_out.c - what `wimm compare` prints: a text table for terminals
 * and CI logs, Markdown for pull-request comments and job summaries, JSON
 * with every verdict for scripts, and github-action-benchmark's
 * customSmallerIsBetter list for its charts (see compare.h).
 *
 * The table has one row per cell and one mark per metric; the figures
 * behind every worse or better mark follow it, so a regression can be read
 * without opening the runs.
 */
#include <json-c/json.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/regress/compare.h"
#include "bench/results/jsonw.h"
#include "bench/results/stats.h"
#include "common/units.h"

enum style { TEXT, MARKDOWN };

static const char *short_mark(enum compare_mark m, enum style st)
{
	switch (m) {
	case COMPARE_SAME:
		return "~";
	case COMPARE_WORSE:
		return st == MARKDOWN ? "**worse**" : "WORSE";
	case COMPARE_BETTER:
		return st == MARKDOWN ? "*better*" : "better";
	case COMPARE_NEW:
		return "new";
	case COMPARE_MISSING:
		return "missing";
	case COMPARE_NA:
		return "n/a";
	case COMPARE_INCONCLUSIVE:
		return "?";
	case COMPARE_FAILED:
		return st == MARKDOWN ? "**FAILED**" : "FAILED";
	case COMPARE_REFERENCE:
		return "ref";
	}
	return "";
}

/* "WORSE +88.0%", "~ -0.2%", "? +3.1%", "n/a", "ref". */
static void mark_text(const struct compare_verdict *v, enum style st, char *buf, size_t len)
{
	int with_change =
	    isfinite(v->change) && (v->mark == COMPARE_SAME || v->mark == COMPARE_WORSE ||
	                            v->mark == COMPARE_BETTER || v->mark == COMPARE_INCONCLUSIVE);
	if (with_change)
		snprintf(buf, len, "%s %+.1f%%", short_mark(v->mark, st), v->change * 100);
	else
		snprintf(buf, len, "%s", short_mark(v->mark, st));
}

/* A figure as compared: in its own unit, or a ratio to the reference. */
static void value_text(int metric, double v, char *buf, size_t len)
{
	metrics_format(compare_metric(metric)->judge == MJ_REF_RATIO ? MU_RATIO
	                                                             : compare_metric(metric)->unit,
	               v, buf, len);
}

static void threads_text(int threads, char *buf, size_t len)
{
	if (threads < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%d", threads);
}

static void describe_run(FILE *f, const char *tag, const struct rundir *d, enum style st)
{
	const char *q = st == MARKDOWN ? "`" : "";
	fprintf(f, "%s%s%s %s%s%s: ", st == MARKDOWN ? "**" : "", tag, st == MARKDOWN ? "**" : " ",
	        q, d->source, q);
	if (!strcmp(d->kind, "baseline"))
		fprintf(f, "baseline of run %s", d->run_id[0] ? d->run_id : "?");
	else
		fprintf(f, "run %s", d->run_id[0] ? d->run_id : "?");
	if (d->testbed[0])
		fprintf(f, ", testbed %s%s%s", q, d->testbed, q);
	if (d->reps > 0)
		fprintf(f, ", %d rep%s", d->reps, d->reps == 1 ? "" : "s");
	if (!d->complete)
		fprintf(f, ", interrupted (incomplete)");
	fprintf(f, "%s\n", st == MARKDOWN ? "  " : "");
}

static void describe_rules(FILE *f, const struct compare_report *r)
{
	const struct compare_opts *o = &r->opts;
	char floor[32];
	fprintf(f, "rules: ");
	for (int m = 0; m < compare_ncolumns(); m++) {
		if (compare_metric(m)->judge != MJ_MEMORY)
			continue;
		if (compare_metric(m)->unit == MU_BYTES)
			value_text(m, o->floor[m], floor, sizeof(floor));
		else
			snprintf(floor, sizeof(floor), "%g", o->floor[m]);
		fprintf(f, "%s %g%% and %s, ", compare_metric(m)->clabel, o->threshold[m] * 100,
		        floor);
	}
	fprintf(f, "beyond the reps' scatter");
	for (int m = 0; m < compare_ncolumns(); m++)
		if (compare_metric(m)->judge == MJ_REF_RATIO)
			fprintf(f, "; %s %g%%", compare_metric(m)->clabel, o->threshold[m] * 100);
	fprintf(f, " with Mann-Whitney p < %g, %d reps a side\n", o->alpha, o->min_reps);
}

static void print_notes(FILE *f, const struct compare_report *r, enum style st)
{
	const char *item = st == MARKDOWN ? "- " : "  ";
	if (r->nmismatch) {
		fprintf(f, "%s\n",
		        st == MARKDOWN ? "\n**Testbeds differ** (compared anyway: --force)"
		                       : "testbeds differ (compared anyway: --force):");
		for (int i = 0; i < r->nmismatch; i++)
			fprintf(f, "%s%s\n", item, r->mismatch[i]);
	}
	if (r->nwarning) {
		fprintf(f, "%s\n", st == MARKDOWN ? "\n**Notes**\n" : "notes:");
		for (int i = 0; i < r->nwarning; i++)
			fprintf(f, "%s%s\n", item, r->warning[i]);
	}
}

/* The worse (or better) figures, one line each; returns how many. */
static int print_changes(FILE *f, const struct compare_report *r, enum style st, int worse)
{
	int n = 0;
	for (size_t i = 0; i < r->ncells; i++) {
		const struct compare_cell *c = &r->cells[i];
		for (int m = 0; m < compare_ncolumns(); m++) {
			const struct compare_verdict *v = &c->v[m];
			int hit = worse ? v->mark == COMPARE_WORSE || v->mark == COMPARE_FAILED
			                : v->mark == COMPARE_BETTER;
			if (!hit || (v->mark == COMPARE_FAILED && m > 0))
				continue;
			char th[16], b[32], nw[32];
			threads_text(c->threads, th, sizeof(th));
			fprintf(f, "%s%s, threads %s, %s", st == MARKDOWN ? "- " : "  ",
			        c->workload, th, c->allocator);
			if (strcmp(c->allocator, c->base_allocator))
				fprintf(f, " (BASE: %s)", c->base_allocator);
			n++;
			if (v->mark == COMPARE_FAILED) {
				fprintf(f,
				        ": all %d repetition%s failed in NEW (see its cells.csv)\n",
				        c->new_failed, c->new_failed == 1 ? "" : "s");
				continue;
			}
			value_text(m, v->base, b, sizeof(b));
			value_text(m, v->now, nw, sizeof(nw));
			fprintf(f, ": %s %s -> %s (%+.1f%%; %d vs %d reps",
			        compare_metric(m)->clabel, b, nw, v->change * 100, v->nbase,
			        v->nnew);
			if (isfinite(v->p))
				fprintf(f, ", p = %.2g", v->p);
			fprintf(f, "%s%s)\n", v->note[0] ? "; " : "", v->note);
		}
	}
	return n;
}

static void print_counts(FILE *f, const struct compare_report *r, enum style st)
{
	const char *eol = st == MARKDOWN ? "  \n" : "\n";
	fprintf(f, "%d cell%s compared: %d worse, %d better, %d without significant change",
	        r->ncompared, r->ncompared == 1 ? "" : "s", r->nworse, r->nbetter,
	        r->ncompared - r->nworse - r->nbetter);
	if (r->nnew || r->nmissing)
		fprintf(f, "; %d new, %d missing", r->nnew, r->nmissing);
	fputs(eol, f);
	if (r->ninconclusive)
		fprintf(f,
		        "time inconclusive in %d cell%s: fewer than %d repetitions a side "
		        "(run with -r %d to test it)%s",
		        r->ninconclusive, r->ninconclusive == 1 ? "" : "s", r->opts.min_reps,
		        r->opts.min_reps, eol);
	if (r->absent[0])
		fprintf(f, "not run in NEW, not compared: %s (%d cell%s)%s", r->absent,
		        r->nabsent_cells, r->nabsent_cells == 1 ? "" : "s", eol);
	char why[256];
	compare_incomplete(r, why, sizeof(why));
	if (why[0])
		fprintf(f, "incomplete: %s: %s%s", why,
		        r->opts.partial ? "only what both runs have was judged (--partial)"
		                        : "what NEW lacks was not judged, so this is no pass",
		        eol);
}

static const char legend[] =
    "marks: WORSE / better beyond threshold and noise, ~ no significant change, "
    "? inconclusive (too few reps), n/a, new, missing, FAILED, ref (glibc: the time "
    "reference)\n";

/* The escape that colours mark m on a terminal: red for worse and
 * failed, green for better; "" for the rest. */
static const char *mark_colour(enum compare_mark m)
{
	if (m == COMPARE_WORSE || m == COMPARE_FAILED)
		return "\033[1;31m";
	return m == COMPARE_BETTER ? "\033[32m" : "";
}

void compare_print_text(FILE *f, const struct compare_report *r, bool colour)
{
	int ww = (int)strlen("workload"), aw = (int)strlen("allocator");
	for (size_t i = 0; i < r->ncells; i++) {
		int a = (int)strlen(r->cells[i].workload), b = (int)strlen(r->cells[i].allocator);
		ww = a > ww ? a : ww;
		aw = b > aw ? b : aw;
	}
	describe_run(f, "BASE", r->base, TEXT);
	describe_run(f, "NEW ", r->now, TEXT);
	describe_rules(f, r);
	print_notes(f, r, TEXT);
	fprintf(f, "\n%-*s %7s  %-*s", ww, "workload", "threads", aw, "allocator");
	for (int m = 0; m < compare_ncolumns(); m++)
		fprintf(f, "  %-15s", compare_metric(m)->clabel);
	fprintf(f, "\n");
	for (size_t i = 0; i < r->ncells; i++) {
		const struct compare_cell *c = &r->cells[i];
		char th[16], mark[48];
		threads_text(c->threads, th, sizeof(th));
		fprintf(f, "%-*s %7s  %-*s", ww, c->workload, th, aw, c->allocator);
		for (int m = 0; m < compare_ncolumns(); m++) {
			mark_text(&c->v[m], TEXT, mark, sizeof(mark));
			const char *on = colour ? mark_colour(c->v[m].mark) : "";
			/* Padded by hand: the escapes take no column. */
			fprintf(f, "  %s%s%s%*s", on, mark, on[0] ? "\033[0m" : "",
			        15 - (int)strlen(mark) > 0 ? 15 - (int)strlen(mark) : 0, "");
		}
		fprintf(f, "\n");
	}
	fprintf(f, "%s\n", legend);
	fprintf(f, "regressions:\n");
	if (!print_changes(f, r, TEXT, 1))
		fprintf(f, "  none\n");
	fprintf(f, "improvements:\n");
	if (!print_changes(f, r, TEXT, 0))
		fprintf(f, "  none\n");
	fprintf(f, "\n");
	print_counts(f, r, TEXT);
}

void compare_print_markdown(FILE *f, const struct compare_report *r)
{
	if (r->nworse)
		fprintf(f, "### wimm compare: %d cell%s regressed\n\n", r->nworse,
		        r->nworse == 1 ? "" : "s");
	else
		fprintf(f, "### wimm compare: no regression\n\n");
	describe_run(f, "BASE", r->base, MARKDOWN);
	describe_run(f, "NEW", r->now, MARKDOWN);
	describe_rules(f, r);
	print_notes(f, r, MARKDOWN);
	fprintf(f, "\n| workload | threads | allocator |");
	for (int m = 0; m < compare_ncolumns(); m++)
		fprintf(f, " %s |", compare_metric(m)->clabel);
	fprintf(f, "\n|---|---:|---|");
	for (int m = 0; m < compare_ncolumns(); m++)
		fprintf(f, "---|");
	fprintf(f, "\n");
	for (size_t i = 0; i < r->ncells; i++) {
		const struct compare_cell *c = &r->cells[i];
		char th[16], mark[48];
		threads_text(c->threads, th, sizeof(th));
		fprintf(f, "| %s | %s | %s |", c->workload, th, c->allocator);
		for (int m = 0; m < compare_ncolumns(); m++) {
			mark_text(&c->v[m], MARKDOWN, mark, sizeof(mark));
			fprintf(f, " %s |", mark);
		}
		fprintf(f, "\n");
	}
	fprintf(f, "\n%s\n**Regressions**\n\n", legend);
	if (!print_changes(f, r, MARKDOWN, 1))
		fprintf(f, "none\n");
	fprintf(f, "\n**Improvements**\n\n");
	if (!print_changes(f, r, MARKDOWN, 0))
		fprintf(f, "none\n");
	fprintf(f, "\n");
	print_counts(f, r, MARKDOWN);
}

/* ---- JSON ---- */

static struct json_object *run_json(const struct rundir *d)
{
	struct json_object *o = json_object_new_object();
	int rc = 0;
	if (!o)
		return NULL;
	rc |= jsonw_add_str(o, "source", d->source);
	rc |= jsonw_add_str(o, "kind", d->kind);
	rc |= jsonw_add_str(o, "run_id", d->run_id);
	rc |= jsonw_add_str(o, "testbed", d->testbed);
	rc |= d->reps > 0 ? jsonw_add_int(o, "reps", d->reps) : jsonw_add_null(o, "reps");
	rc |= jsonw_add_bool(o, "complete", d->complete);
	if (rc) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static struct json_object *verdict_json(const struct compare_verdict *v)
{
	struct json_object *o = json_object_new_object();
	int rc = 0;
	if (!o)
		return NULL;
	rc |= jsonw_add_str(o, "mark", compare_mark_name(v->mark));
	rc |= jsonw_add_real(o, "base", v->base);
	rc |= jsonw_add_real(o, "new", v->now);
	rc |= jsonw_add_real(o, "change", v->change);
	rc |= jsonw_add_real(o, "p", v->p);
	rc |= jsonw_add_int(o, "reps_base", v->nbase);
	rc |= jsonw_add_int(o, "reps_new", v->nnew);
	rc |= jsonw_add_str(o, "note", v->note);
	if (rc) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static struct json_object *cell_json(const struct compare_cell *c)
{
	struct json_object *o = json_object_new_object(), *metrics = json_object_new_object();
	int rc = 0;
	if (!o || !metrics) {
		json_object_put(o);
		json_object_put(metrics);
		return NULL;
	}
	rc |= jsonw_add_str(o, "workload", c->workload);
	rc |=
	    c->threads < 0 ? jsonw_add_null(o, "threads") : jsonw_add_int(o, "threads", c->threads);
	rc |= jsonw_add_str(o, "allocator", c->allocator);
	rc |= jsonw_add_str(o, "base_allocator", c->base_allocator);
	rc |= jsonw_add_int(o, "reps_ok_base", c->base_ok);
	rc |= jsonw_add_int(o, "reps_failed_base", c->base_failed);
	rc |= jsonw_add_int(o, "reps_ok_new", c->new_ok);
	rc |= jsonw_add_int(o, "reps_failed_new", c->new_failed);
	for (int m = 0; m < compare_ncolumns(); m++)
		rc |= jsonw_add(metrics, compare_metric(m)->ckey, verdict_json(&c->v[m]));
	rc |= jsonw_add(o, "metrics", metrics);
	if (rc) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* n strings stride bytes apart from first. */
static struct json_object *notes_json(const char *first, int n, size_t stride)
{
	struct json_object *a = json_object_new_array();
	for (int i = 0; a && i < n; i++)
		if (jsonw_push(a, json_object_new_string(first + (size_t)i * stride))) {
			json_object_put(a);
			return NULL;
		}
	return a;
}

struct json_object *compare_json(const struct compare_report *r)
{
	struct json_object *o = json_object_new_object(), *cells = json_object_new_array();
	struct json_object *rules = json_object_new_object(), *counts = json_object_new_object();
	int rc = !o || !cells || !rules || !counts;
	if (rc) {
		json_object_put(o);
		json_object_put(cells);
		json_object_put(rules);
		json_object_put(counts);
		return NULL;
	}
	rc |= jsonw_add(o, "base", run_json(r->base));
	rc |= jsonw_add(o, "new", run_json(r->now));
	rc |= jsonw_add_bool(o, "comparable", r->nmismatch == 0);
	rc |= jsonw_add_bool(o, "forced", r->opts.force);
	rc |= jsonw_add(o, "mismatches",
	                notes_json(r->mismatch[0], r->nmismatch, sizeof(r->mismatch[0])));
	rc |= jsonw_add(o, "notes", notes_json(r->warning[0], r->nwarning, sizeof(r->warning[0])));
	for (int m = 0; m < compare_ncolumns(); m++) {
		struct json_object *t = json_object_new_object();
		rc |= !t;
		if (t) {
			rc |= jsonw_add_real(t, "threshold", r->opts.threshold[m]);
			rc |= jsonw_add_real(t, "floor", r->opts.floor[m]);
			rc |= jsonw_add(rules, compare_metric(m)->ckey, t);
		}
	}
	rc |= jsonw_add_real(rules, "alpha", r->opts.alpha);
	rc |= jsonw_add_int(rules, "min_reps", r->opts.min_reps);
	rc |= jsonw_add(o, "rules", rules);
	for (size_t i = 0; i < r->ncells; i++)
		rc |= jsonw_push(cells, cell_json(&r->cells[i]));
	rc |= jsonw_add(o, "cells", cells);
	rc |= jsonw_add_int(counts, "compared", r->ncompared);
	rc |= jsonw_add_int(counts, "worse", r->nworse);
	rc |= jsonw_add_int(counts, "better", r->nbetter);
	rc |= jsonw_add_int(counts, "new", r->nnew);
	rc |= jsonw_add_int(counts, "missing", r->nmissing);
	rc |= jsonw_add_int(counts, "time_inconclusive", r->ninconclusive);
	rc |= jsonw_add_int(counts, "not_run_in_new", r->nabsent_cells);
	rc |= jsonw_add_int(counts, "unjudged", r->nunjudged);
	rc |= jsonw_add(o, "counts", counts);
	char why[256];
	compare_incomplete(r, why, sizeof(why));
	rc |= why[0] ? jsonw_add_str(o, "incomplete", why) : jsonw_add_null(o, "incomplete");
	rc |= jsonw_add_bool(o, "partial", r->opts.partial);
	rc |= jsonw_add_int(o, "exit_code", compare_exit_code(r));
	if (rc) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* ---- github-action-benchmark ---- */

static int gab_entry(struct json_object *a, const char *group, const char *label, const char *unit,
                     double value, int n, const struct compare_verdict *v)
{
	char name[256], extra[256];
	snprintf(name, sizeof(name), "%s: %s", group, label);
	int len = snprintf(extra, sizeof(extra), "median of %d rep%s", n, n == 1 ? "" : "s");
	if (v && isfinite(v->change))
		snprintf(extra + len, sizeof(extra) - (size_t)len, "; %s %+.1f%% against BASE",
		         compare_mark_name(v->mark), v->change * 100);
	struct json_object *e = json_object_new_object();
	int rc = !e;
	if (e) {
		rc |= jsonw_add_str(e, "name", name);
		rc |= jsonw_add_str(e, "unit", unit);
		rc |= jsonw_add_real(e, "value", value);
		rc |= jsonw_add_str(e, "extra", extra);
		rc |= jsonw_push(a, e);
	}
	return rc;
}

static const struct compare_verdict *verdict_for(const struct compare_report *r,
                                                 const char *workload, int threads,
                                                 const char *allocator, int m)
{
	for (size_t i = 0; i < r->ncells; i++) {
		const struct compare_cell *c = &r->cells[i];
		if (c->in_new && c->threads == threads && !strcmp(c->workload, workload) &&
		    !strcmp(c->allocator, allocator))
			return &c->v[m];
	}
	return NULL;
}

/* github-action-benchmark wants one unit per series: sizes in MiB,
 * seconds, ratios as "x" (to the reference: "x glibc"). */
static const char *gab_unit(const struct metric *x, double *scale)
{
	*scale = 1;
	if (x->judge == MJ_REF_RATIO)
		return "x " RUNDIR_REFERENCE;
	switch (x->unit) {
	case MU_BYTES:
	case MU_BYTES_SLOPE:
		*scale = 1 / METRICS_MIB;
		return "MiB";
	case MU_SECONDS:
		return "s";
	case MU_MICROS:
		return "us";
	case MU_ID:
	case MU_COUNT:
		return "";
	case MU_RATIO:
	case MU_FRACTION:
		break;
	}
	return "x";
}

struct json_object *compare_gab(const struct compare_report *r)
{
	struct json_object *a = json_object_new_array();
	const struct rundir *d = r->now;
	const int *ids;
	compare_columns(&ids);
	int rc = !a;
	for (size_t i = 0; a && i < d->ngroups; i++) {
		const struct rundir_group *g = &d->groups[i];
		const char *alloc = d->allocs[g->alloc].name;
		char group[160], th[16];
		if (!g->reps_ok)
			continue;
		threads_text(g->threads, th, sizeof(th));
		if (g->threads < 0)
			snprintf(group, sizeof(group), "%s %s", g->workload, alloc);
		else
			snprintf(group, sizeof(group), "%s t%s %s", g->workload, th, alloc);
		for (int m = 0; m < compare_ncolumns(); m++) {
			const struct compare_verdict *v =
			    verdict_for(r, g->workload, g->threads, alloc, m);
			double value, scale, *ratios = NULL;
			int n = g->reps_ok;
			if (compare_metric(m)->judge == MJ_REF_RATIO) {
				if (!strcmp(alloc, RUNDIR_REFERENCE) ||
				    !(ratios = malloc((g->ncells + 1) * sizeof(*ratios))))
					continue;
				n = (int)rundir_ref_ratios(d, g, ids[m], ratios);
				value = stats_median(ratios, (size_t)n);
				free(ratios);
			} else {
				value = g->m[ids[m]].median;
			}
			if (!isfinite(value))
				continue;
			const char *unit = gab_unit(compare_metric(m), &scale);
			rc |= gab_entry(a, group, compare_metric(m)->clabel, unit, value * scale, n,
			                v);
		}
	}
	if (rc) {
		json_object_put(a);
		return NULL;
	}
	return a;
}
