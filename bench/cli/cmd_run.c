/* cmd_run.c - `wimm run`: the workload x threads x allocator x rep matrix,
 * each cell a wimm-worker process (see session.c for how a cell runs). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/plan/catalog.h"
#include "bench/cli/cmd.h"
#include "bench/trace/trace_workload.h"
#include "common/log.h"
#include "common/suggest.h"
#include "common/units.h"
#include "bench/plan/matrix.h"
#include "bench/run/session.h"

#define MAX_WORKLOADS 64
#define DEFAULT_TIMEOUT_S 300.0
#define MAX_TIMEOUT_S (525600.0 * 60) /* a year, as --timeout */

struct run_opts {
	struct session_opts s;
	int threads[WORKLOAD_MAX_AXIS]; /* -t override */
	int nthreads;
	double scale, time_scale;
	const char *touch, *pace;  /* trace replays: passed to the worker */
	int64_t idle_ns;           /* --idle; 0 = the workloads' own */
	struct matrix_shard shard; /* --shard K/N; count 0 = the whole run */
};

static const char usage_head[] =
    "usage: wimm run [WORKLOAD ...] [options]\n"
    "Runs each workload under each allocator, each cell in its own process, and\n"
    "records memory over time. WORKLOAD is a preset name (`wimm list`), a YAML\n"
    "file or a trace from `wimm record` (FILE.wtrace, replayed as recorded);\n"
    "without one, every shipped preset runs.\n"
    "\n"
    "  -t, --threads LIST      thread counts, replacing each workload's axis (up to\n"
    "                          16 distinct counts from 0 to 64)\n"
    "      --timeout DUR       per-cell timeout (default: the workload's, else 300s)\n"
    "      --scale F           multiply the workloads' work by F\n"
    "      --quick             a fast smoke run: --scale 0.1, idle phases x0.25\n"
    "      --idle DUR          every idle phase lasts DUR (jemalloc's dirty pages\n"
    "                          decay over 10s: --idle 12s shows it), from 1ms to 1h\n"
    "      --touch MODE        traces: write each block full (default), first-page\n"
    "                          or none\n"
    "      --pace MODE         traces: fast (default) or recorded (keep the gaps)\n"
    "      --shard K/N         run only share K of N of the cells, to `wimm merge`\n"
    "                          later with the other shards (see wimm(1), SHARDS)\n";
static const char usage_tail[] =
    "  -h, --help              this help\n"
    "\n"
    "Writes OUT/runs/<id>/{meta.json,cells.csv,summary.json,series/} and prints a\n"
    "table on stdout. Exit: 0 all cells ok, 1 some cells failed, 2 bad usage or\n"
    "input (nothing ran), 3 results could not be written, 130 interrupted.\n";

/* -t 1,4: thread counts, refused as the YAML's threads: list is (a count
 * outside 0..max, more than WORKLOAD_MAX_AXIS of them, or one listed
 * twice, which would make cells with one key and overwrite their series). */
static int parse_threads(const char *arg, int *out)
{
	int n = 0;
	const char *p = arg;
	while (*p) {
		char *end;
		errno = 0;
		long v = strtol(p, &end, 10);
		if (end == p || errno || v < 0 || v > WORKLOAD_MAX_THREADS ||
		    (*end && *end != ',') || (*end == ',' && !end[1])) {
			log_error("--threads %s: expected a comma list of thread counts from 0 to "
			          "%d, e.g. 1,4",
			          arg, WORKLOAD_MAX_THREADS);
			return -1;
		}
		for (int i = 0; i < n; i++)
			if (out[i] == v) {
				log_error(
				    "--threads %s: %ld is listed twice; each thread count runs "
				    "once (use -r for repetitions)",
				    arg, v);
				return -1;
			}
		if (n == WORKLOAD_MAX_AXIS) {
			int total = n;
			for (const char *q = p; *q; q++)
				total += *q == ',';
			log_error("--threads: %d thread counts given, at most %d in one run",
			          total + 1, WORKLOAD_MAX_AXIS);
			return -1;
		}
		out[n++] = (int)v;
		p = *end ? end + 1 : end;
	}
	if (!n)
		log_error("--threads '': expected a comma list of thread counts, e.g. 1,4");
	return n ? n : -1;
}

static int parse_opts(int argc, char **argv, struct run_opts *o)
{
	enum { O_SCALE = SESSION_O_FIRST_FREE, O_QUICK, O_TOUCH, O_PACE, O_IDLE, O_SHARD };
	static const struct option longopts[] = {
	    SESSION_LONGOPTS,
	    {"threads", required_argument, NULL, 't'},
	    {"scale", required_argument, NULL, O_SCALE},
	    {"quick", no_argument, NULL, O_QUICK},
	    {"touch", required_argument, NULL, O_TOUCH},
	    {"pace", required_argument, NULL, O_PACE},
	    {"idle", required_argument, NULL, O_IDLE},
	    {"shard", required_argument, NULL, O_SHARD},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	memset(o, 0, sizeof(*o));
	session_opts_init(&o->s);
	o->scale = o->time_scale = 1.0;
	optind = 1;
	opterr = 0;
	int c;
	char *end;
	while ((c = getopt_long(argc, argv, SESSION_SHORTOPTS "t:h", longopts, NULL)) != -1) {
		int shared = session_opt(&o->s, c, optarg);
		if (shared < 0)
			return -1;
		if (shared)
			continue;
		switch (c) {
		case 't':
			if ((o->nthreads = parse_threads(optarg, o->threads)) < 0)
				return -1;
			break;
		case O_SCALE:
			o->scale = strtod(optarg, &end);
			if (*end || !(o->scale > 0) || o->scale > 1000) {
				log_error("--scale %s: expected a number above 0, at most 1000",
				          optarg);
				return -1;
			}
			break;
		case O_QUICK:
			o->scale = 0.1;
			o->time_scale = 0.25;
			break;
		case O_TOUCH:
			if (strcmp(optarg, "full") && strcmp(optarg, "first-page") &&
			    strcmp(optarg, "none")) {
				log_error("--touch %s: expected full, first-page or none", optarg);
				return -1;
			}
			o->touch = optarg;
			break;
		case O_PACE:
			if (strcmp(optarg, "fast") && strcmp(optarg, "recorded")) {
				log_error("--pace %s: expected fast or recorded", optarg);
				return -1;
			}
			o->pace = optarg;
			break;
		case O_IDLE:
			if (units_parse_duration(optarg, &o->idle_ns) || o->idle_ns < 1000000 ||
			    o->idle_ns > INT64_C(3600) * 1000000000) {
				log_error("--idle %s: expected a duration from 1ms to 1h, e.g. 12s",
				          optarg);
				return -1;
			}
			break;
		case O_SHARD: {
			char err[256];
			if (matrix_shard_parse(optarg, &o->shard, err, sizeof(err))) {
				log_error("%s", err);
				return -1;
			}
			break;
		}
		case 'h':
			session_print_help(usage_head, usage_tail);
			exit(EXIT_OK);
		default:
			cmd_bad_option("run", longopts, SESSION_SHORTOPTS "t:h", argv, optind,
			               optopt);
			return -1;
		}
	}
	return session_opts_check(&o->s) ? -1 : optind;
}

/* "; did you mean 'tile-cache'?" for a preset name with a typo, or "". */
static const char *preset_hint(const char *arg, char *buf, size_t len)
{
	char **paths = NULL;
	int n = 0;
	buf[0] = 0;
	if (strchr(arg, '/') || catalog_list_yaml(catalog_workloads_dir(), &paths, &n))
		return buf;
	struct suggest s;
	suggest_init(&s, arg);
	for (int i = 0; i < n; i++) {
		char *base = strrchr(paths[i], '/');
		base = base ? base + 1 : paths[i];
		base[strlen(base) - 5] = 0; /* ".yaml": catalog_list_yaml's rule */
		suggest_add(&s, base);
	}
	suggest_phrase(&s, buf, len);
	catalog_free_paths(paths, n);
	return buf;
}

/* Loads the workloads named on the command line, or every shipped preset. */
static int load_workloads(char **args, int nargs, const struct run_opts *o, struct workload *w,
                          int *nw)
{
	char **paths = NULL, err[1024], path[4096];
	int n = 0, rc = 0;
	if (nargs == 0 && (rc = catalog_list_yaml(catalog_workloads_dir(), &paths, &n))) {
		log_error("cannot read %s: %s", catalog_workloads_dir(), strerror(-rc));
		return -1;
	}
	int total = nargs ? nargs : n;
	if (total > MAX_WORKLOADS) {
		log_error("at most %d workloads in one run", MAX_WORKLOADS);
		rc = -1;
	}
	for (int i = 0; i < total && !rc; i++) {
		const char *arg = nargs ? args[i] : paths[i];
		if (trace_workload_is_trace(arg)) {
			/* A recorded trace replays as recorded: no scale, no axis. */
			if ((rc = trace_workload_load(arg, &w[i], err, sizeof(err)) ? -1 : 0))
				log_error("%s", err);
		} else if (catalog_find_workload(arg, path, sizeof(path))) {
			char hint[128];
			log_error("no workload '%s': not a file, nor a preset in %s%s", arg,
			          catalog_workloads_dir(), preset_hint(arg, hint, sizeof(hint)));
			rc = -1;
		} else if (workload_load(path, &w[i], err, sizeof(err))) {
			log_error("%s", err);
			rc = -1;
		} else {
			/* The worker scales its own copy the same way; the driver's
			 * copy gives budgets and iteration counts for the figures. */
			workload_scale(&w[i], o->scale, o->time_scale);
			if (o->idle_ns && !workload_set_idle(&w[i], (double)o->idle_ns / 1e9))
				log_info("--idle: %s has no idle phase", w[i].name);
		}
		for (int j = 0; j < i && !rc; j++)
			if (!strcmp(w[i].name, w[j].name)) {
				log_error(
				    "two workloads are named '%s' (%s and %s); names must differ",
				    w[i].name, w[j].path, w[i].path);
				rc = -1;
			}
	}
	catalog_free_paths(paths, n);
	*nw = total;
	return rc;
}

/* A thread override must suit every workload's phases. */
static int check_threads(const struct run_opts *o, const struct workload *w, int nw)
{
	char err[256];
	for (int i = 0; i < nw; i++)
		for (int t = 0; t < o->nthreads; t++)
			if (workload_check_threads(&w[i], o->threads[t], err, sizeof(err))) {
				log_error("--threads %d: %s", o->threads[t], err);
				return -1;
			}
	return 0;
}

/* The expected cost of a cell, for dealing shards: a cell a unit, plus the
 * seconds its idle phases last (the one part of a workload's time known
 * before it runs). */
static double unit_cost(void *ctx, int workload, int threads)
{
	const struct workload *w = ctx;
	(void)threads;
	return 1.0 + workload_idle_seconds(&w[workload]);
}

/* This machine's share: the deal made on a plan of one allocator (the deal
 * does not depend on them), so meta.json can record it before the
 * allocators are known. Returns the units kept, or -1. */
static long deal_shard(struct run_opts *o, const struct workload *w, int nw, const int **axis,
                       const int *naxis, const char **names)
{
	struct plan_cell *units = NULL;
	size_t n = 0;
	if (matrix_build(nw, axis, naxis, 1, o->s.reps, o->s.seed, &units, &n) ||
	    matrix_shard_select(units, &n, names, unit_cost, (void *)w, &o->shard)) {
		free(units);
		log_error("out of memory");
		return -1;
	}
	free(units);
	if (n == 0)
		log_warn("--shard %d/%d: this share has no cell (%zu units for %d shards)",
		         o->shard.index, o->shard.count, o->shard.units_total, o->shard.count);
	return (long)n;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o;
	static struct workload w[MAX_WORKLOADS];
	struct session *s = NULL;
	struct plan_cell *plan = NULL;
	const int *axis[MAX_WORKLOADS];
	const char *names[MAX_WORKLOADS];
	int naxis[MAX_WORKLOADS], nw = 0, code = EXIT_USAGE;
	size_t ncells = 0, per_allocator = 0;

	int first = parse_opts(argc, argv, &o);
	if (first < 0 || load_workloads(argv + first, argc - first, &o, w, &nw) ||
	    check_threads(&o, w, nw))
		goto out;
	for (int i = 0; i < nw; i++) {
		int own =
		    !o.nthreads || trace_workload_is_trace(w[i].path); /* a trace: as recorded */
		axis[i] = own ? w[i].axis : o.threads;
		naxis[i] = own ? w[i].naxis : o.nthreads;
		names[i] = w[i].name;
		per_allocator += (size_t)naxis[i] * (size_t)o.s.reps;
	}
	o.s.scale = o.scale;
	o.s.idle_s = (double)o.idle_ns / 1e9;
	if (o.shard.count) {
		long kept = deal_shard(&o, w, nw, axis, naxis, names);
		if (kept < 0) {
			code = EXIT_IO;
			goto out;
		}
		per_allocator = (size_t)kept;
		o.s.shard = &o.shard;
	}
	if ((code = session_create(&s, &o.s, argc, argv, w, nw, per_allocator)))
		goto out;
	if (matrix_build(nw, axis, naxis, session_nallocators(s), o.s.reps, o.s.seed, &plan,
	                 &ncells)) {
		log_error("out of memory");
		code = EXIT_IO;
		goto out;
	}
	struct matrix_shard again = o.shard;
	if (o.shard.count &&
	    matrix_shard_select(plan, &ncells, names, unit_cost, (void *)w, &again)) {
		log_error("out of memory");
		code = EXIT_IO;
		goto out;
	}
	for (size_t i = 0; i < ncells && !session_stopping(); i++) {
		const struct plan_cell *pc = &plan[i];
		const struct workload *wl = &w[pc->workload];
		char threads[16], scale[32], time_scale[32], idle[32];
		snprintf(threads, sizeof(threads), "%d", pc->threads);
		snprintf(scale, sizeof(scale), "%g", o.scale);
		snprintf(time_scale, sizeof(time_scale), "%g", o.time_scale);
		snprintf(idle, sizeof(idle), "%.9f", (double)o.idle_ns / 1e9);
		char *wargv[16];
		int k = 0;
		wargv[k++] = (char *)catalog_worker_path();
		wargv[k++] = "--threads";
		wargv[k++] = threads;
		wargv[k++] = "--scale";
		wargv[k++] = scale;
		wargv[k++] = "--time-scale";
		wargv[k++] = time_scale;
		wargv[k++] = "--touch";
		wargv[k++] = (char *)(o.touch ? o.touch : "full");
		wargv[k++] = "--pace";
		wargv[k++] = (char *)(o.pace ? o.pace : "fast");
		if (o.idle_ns) {
			wargv[k++] = "--idle";
			wargv[k++] = idle;
		}
		wargv[k++] = (char *)wl->path;
		wargv[k] = NULL;
		/* The default timeout grows with the work, and with the idle
		 * time --idle adds (it can be an hour a phase). */
		double timeout_s =
		    (wl->timeout_s > 0 ? wl->timeout_s : DEFAULT_TIMEOUT_S) * fmax(1.0, o.scale) +
		    workload_idle_seconds(wl);
		struct session_cell sc = {
		    .workload = wl,
		    .name = wl->name,
		    .threads = pc->threads,
		    .allocator = pc->allocator,
		    .rep = pc->rep,
		    .argv = wargv,
		    .timeout_ns = (int64_t)llround(fmin(MAX_TIMEOUT_S, timeout_s) * 1e9),
		};
		int rc = session_run_cell(s, &sc, i, ncells);
		if (rc) /* interrupted, or results can no longer be written */
			break;
	}
	code = session_finish(s);
out:
	session_destroy(s);
	free(plan);
	return code;
}
