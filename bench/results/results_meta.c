/* results_meta.c - meta.json of a run: what was asked (command line,
 * seed, interval, scale, sweeps), what ran (each allocator's whole
 * definition and version, each workload), and on what (host, testbed), so
 * that a run can be read, compared or run again a year later.
 */
#include "bench/results/results_int.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/plan/plan_json.h"
#include "bench/results/jsonw.h"
#include "bench/run/sysinfo.h"
#include "config.h"

/* Quoted only when the shell would split or expand it, so the usual
 * command line reads as typed and any one can be pasted back. */
static void put_shell_word(FILE *f, const char *s)
{
	static const char safe[] = "@%+=:,./-_";
	bool plain = *s != '\0';
	for (const char *p = s; *p && plain; p++)
		plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		        (*p >= '0' && *p <= '9') || strchr(safe, *p);
	if (plain) {
		fputs(s, f);
		return;
	}
	fputc('\'', f);
	for (const char *p = s; *p; p++) {
		if (*p == '\'')
			fputs("'\\''", f);
		else
			fputc(*p, f);
	}
	fputc('\'', f);
}

static struct json_object *command_line(int argc, char **argv)
{
	char *text = NULL;
	size_t len = 0;
	struct json_object *o = NULL;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return NULL;
	for (int i = 0; i < argc && argv && argv[i]; i++) {
		if (i > 0)
			fputc(' ', f);
		put_shell_word(f, argv[i]);
	}
	if (fclose(f) == 0)
		o = json_object_new_string(text);
	free(text);
	return o;
}

static struct json_object *allocator_json(const struct allocator *a, const char *version)
{
	struct json_object *o = json_object_new_object();
	struct json_object *env = json_object_new_array();
	int rc = 0;
	if (!o || !env) {
		json_object_put(o);
		json_object_put(env);
		return NULL;
	}
	for (int i = 0; i < a->nenv && i < ALLOCATOR_MAX_ENV; i++)
		rc |= jsonw_push(env, json_object_new_string(a->env[i]));
	rc |= jsonw_add_str(o, "name", a->name);
	rc |= jsonw_add_str(o, "library", a->library);
	rc |= jsonw_add_str(o, "path", a->path);
	rc |= jsonw_add_str(o, "version", version ? version : "");
	rc |= jsonw_add(o, "environment", env);
	rc |= jsonw_add_str(o, "note", a->note);
	rc |= jsonw_add_str(o, "source", a->source);
	/* The plots' colour, so a run directory draws the same on its own. */
	rc |= a->colour[0] ? jsonw_add_str(o, "colour", a->colour) : jsonw_add_null(o, "colour");
	rc |= a->variant_of[0] ? jsonw_add_str(o, "variant_of", a->variant_of)
	                       : jsonw_add_null(o, "variant_of");
	rc |= plan_allocator_json(o, a);
	if (rc) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static struct json_object *workload_json(const struct workload *w)
{
	struct json_object *o = json_object_new_object();
	struct json_object *axis = json_object_new_array();
	int rc = 0;
	if (!o || !axis) {
		json_object_put(o);
		json_object_put(axis);
		return NULL;
	}
	for (int i = 0; i < w->naxis && i < WORKLOAD_MAX_AXIS; i++)
		rc |= jsonw_push(axis, json_object_new_int(w->axis[i]));
	rc |= jsonw_add_str(o, "name", w->name);
	rc |= jsonw_add_str(o, "path", w->path);
	rc |= jsonw_add_str(o, "description", w->description);
	rc |= jsonw_add_uint(o, "seed", w->seed);
	rc |= jsonw_add(o, "threads", axis);
	rc |= jsonw_add_real(o, "timeout_s", w->timeout_s); /* 0 = the run's timeout_s */
	if (rc) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* How the series files store long stretches (series.h): what a reader of
 * the files needs to know to read them right. */
static struct json_object *series_json(void)
{
	struct json_object *o = json_object_new_object();
	int rc = o ? 0 : -ENOMEM;
	if (rc)
		return NULL;
	rc |= jsonw_add_int(o, "every_sample_rows", SERIES_FULL_ROWS);
	rc |=
	    jsonw_add_real(o, "envelope_below_interval_s", (double)SERIES_ENVELOPE_BELOW_NS / 1e9);
	rc |= jsonw_add_real(o, "window_s", (double)SERIES_WINDOW_NS / 1e9);
	rc |= jsonw_add_int(o, "window_rows", SERIES_WINDOW_ROWS);
	if (rc) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* This run's share of a sharded one: `wimm merge` checks that shards
 * belong to one deal and that none is missing. */
static struct json_object *shard_json(const struct matrix_shard *sh)
{
	struct json_object *o = json_object_new_object();
	char plan[24];
	int rc = o ? 0 : -ENOMEM;
	if (rc)
		return NULL;
	snprintf(plan, sizeof(plan), "%016llx", (unsigned long long)sh->plan);
	rc |= jsonw_add_int(o, "index", sh->index);
	rc |= jsonw_add_int(o, "count", sh->count);
	rc |= jsonw_add_str(o, "plan", plan);
	rc |= jsonw_add_int(o, "units_total", (int64_t)sh->units_total);
	rc |= jsonw_add_real(o, "expected_cost", sh->cost);
	rc |= jsonw_add_real(o, "expected_cost_all", sh->cost_all);
	if (rc) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

struct json_object *results_meta_build(const char *run_id, const struct run_info *info,
                                       const char *started)
{
	struct json_object *o = json_object_new_object();
	struct json_object *host = json_object_new_object();
	struct json_object *allocs = json_object_new_array();
	struct json_object *works = json_object_new_array();
	char testbed[WIMM_TESTBED_MAX];
	int rc = 0;
	if (!o || !host || !allocs || !works) {
		json_object_put(host);
		json_object_put(allocs);
		json_object_put(works);
		goto fail;
	}
	rc |= sysinfo_add_json(host);
	for (int i = 0; i < info->nallocators; i++)
		rc |= jsonw_push(
		    allocs,
		    allocator_json(&info->allocators[i],
		                   info->allocator_versions ? info->allocator_versions[i] : ""));
	for (int i = 0; i < info->nworkloads; i++)
		rc |= jsonw_push(works, workload_json(&info->workloads[i]));
	rc |= jsonw_add_str(o, "wimm_version", WIMM_VERSION);
	rc |= jsonw_add_str(o, "run_id", run_id);
	rc |= jsonw_add_str(o, "started_utc", started);
	rc |= jsonw_add(o, "command_line", command_line(info->argc, info->argv));
	rc |= jsonw_add_uint(o, "seed", info->seed);
	rc |= jsonw_add_real(o, "interval_s", info->interval_s);
	rc |= jsonw_add_real(o, "timeout_s", info->timeout_s);
	rc |= jsonw_add_int(o, "reps", info->reps);
	rc |= jsonw_add_real(o, "scale", info->scale);
	rc |= jsonw_add_str(o, "env_removed", info->env_removed ? info->env_removed : "");
	rc |= info->probe ? jsonw_add_str(o, "probe", info->probe) : jsonw_add_null(o, "probe");
	rc |= info->mem_guard_bytes > 0 ? jsonw_add_int(o, "mem_guard_bytes", info->mem_guard_bytes)
	                                : jsonw_add_null(o, "mem_guard_bytes");
	rc |= jsonw_add(o, "sweeps", plan_sweeps_json(info->sweeps, info->nsweeps));
	rc |= info->idle_s > 0 ? jsonw_add_real(o, "idle_s", info->idle_s)
	                       : jsonw_add_null(o, "idle_s");
	rc |= info->shard && info->shard->count ? jsonw_add(o, "shard", shard_json(info->shard))
	                                        : jsonw_add_null(o, "shard");
	rc |= jsonw_add(o, "series", series_json());
	rc |= jsonw_add_str(o, "testbed", sysinfo_testbed(testbed, sizeof(testbed)));
	rc |= jsonw_add(o, "host", host);
	rc |= jsonw_add(o, "allocators", allocs);
	rc |= jsonw_add(o, "workloads", works);
	if (rc == 0)
		return o;
fail:
	json_object_put(o);
	return NULL;
}
