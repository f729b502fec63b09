/* cmd_run.c - `wimm run`: the workload x threads x allocator x rep matrix.
 *
 * Each cell runs in its own wimm-worker process with the allocator
 * preloaded; the driver samples it from outside (runner.c) and writes the
 * cell's files before the next cell starts, so an interrupted run keeps
 * everything it finished.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "catalog.h"
#include "cell.h"
#include "childenv.h"
#include "cmd.h"
#include "log.h"
#include "matrix.h"
#include "phases.h"
#include "results.h"
#include "runner.h"
#include "scoreboard.h"
#include "table.h"
#include "units.h"

#define MAX_WORKLOADS 64
#define MAX_EXTRA 16
#define DEFAULT_TIMEOUT_S 300.0

struct run_opts {
	const char *allocators; /* -a list, NULL = defaults */
	char *extra[MAX_EXTRA]; /* --allocator NAME=PATH */
	int nextra;
	int threads[WORKLOAD_MAX_AXIS]; /* -t override */
	int nthreads;
	int reps;
	double interval_s;
	double timeout_s; /* 0 = the workload's, else the default */
	const char *out;
	double scale, time_scale;
	uint64_t seed;
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static const char usage_text[] =
	"usage: wimm run [WORKLOAD ...] [options]\n"
	"Runs each workload under each allocator, each cell in its own process, and\n"
	"records memory over time. WORKLOAD is a preset name (`wimm list`) or a YAML\n"
	"file; without one, every shipped preset runs.\n"
	"\n"
	"  -a, --allocators LIST   comma-separated names, or `all` (default: the base\n"
	"                          allocators that are installed; variants on request)\n"
	"      --allocator N=PATH  also run the allocator library PATH under name N\n"
	"  -t, --threads LIST      thread counts, replacing each workload's axis\n"
	"  -r, --reps N            repetitions of every cell (default 1)\n"
	"      --interval DUR      sampling interval (default 10ms)\n"
	"      --timeout DUR       per-cell timeout (default: the workload's, else 300s)\n"
	"      --out DIR           results root (default ./results)\n"
	"      --scale F           multiply the workloads' work by F\n"
	"      --quick             a fast smoke run: --scale 0.1, idle phases x0.25\n"
	"      --seed N            seed of the cell order (default: from the clock)\n"
	"  -h, --help              this help\n"
	"\n"
	"Writes OUT/runs/<id>/{meta.json,cells.csv,summary.json,series/} and prints a\n"
	"table on stdout. Exit: 0 all cells ok, 1 some cells failed, 2 bad usage or\n"
	"input (nothing ran), 3 results could not be written, 130 interrupted.\n";

static int parse_list(const char *s, int *out, int max, int lo, int hi)
{
	int n = 0;
	const char *p = s;
	while (*p) {
		char *end;
		long v = strtol(p, &end, 10);
		if (end == p || v < lo || v > hi || n == max || (*end && *end != ','))
			return -1;
		out[n++] = (int)v;
		p = *end ? end + 1 : end;
	}
	return n;
}

static int parse_opts(int argc, char **argv, struct run_opts *o)
{
	enum { O_ALLOCATOR = 256, O_INTERVAL, O_TIMEOUT, O_OUT, O_SCALE, O_QUICK, O_SEED };
	static const struct option longopts[] = {
		{"allocators", required_argument, NULL, 'a'},
		{"allocator", required_argument, NULL, O_ALLOCATOR},
		{"threads", required_argument, NULL, 't'},
		{"reps", required_argument, NULL, 'r'},
		{"interval", required_argument, NULL, O_INTERVAL},
		{"timeout", required_argument, NULL, O_TIMEOUT},
		{"out", required_argument, NULL, O_OUT},
		{"scale", required_argument, NULL, O_SCALE},
		{"quick", no_argument, NULL, O_QUICK},
		{"seed", required_argument, NULL, O_SEED},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	*o = (struct run_opts){.reps = 1, .interval_s = 0.010, .out = "results",
			       .scale = 1.0, .time_scale = 1.0};
	o->seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	optind = 1;
	opterr = 0;
	int c;
	char *end;
	while ((c = getopt_long(argc, argv, "a:t:r:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			o->allocators = optarg;
			break;
		case O_ALLOCATOR:
			if (o->nextra == MAX_EXTRA) {
				log_error("at most %d --allocator options", MAX_EXTRA);
				return -1;
			}
			o->extra[o->nextra++] = optarg;
			break;
		case 't':
			o->nthreads = parse_list(optarg, o->threads, WORKLOAD_MAX_AXIS, 0,
						 WORKLOAD_MAX_THREADS);
			if (o->nthreads <= 0) {
				log_error("--threads %s: expected a comma list of 0..%d, e.g. 1,4",
					  optarg, WORKLOAD_MAX_THREADS);
				return -1;
			}
			break;
		case 'r':
			o->reps = (int)strtol(optarg, &end, 10);
			if (*end || o->reps < 1 || o->reps > 1000) {
				log_error("--reps %s: expected a whole number from 1 to 1000", optarg);
				return -1;
			}
			break;
		case O_INTERVAL:
			if (units_parse_duration(optarg, &o->interval_s) || o->interval_s < 100e-6 ||
			    o->interval_s > 10) {
				log_error("--interval %s: expected a duration from 100us to 10s, "
					  "e.g. 10ms",
					  optarg);
				return -1;
			}
			break;
		case O_TIMEOUT:
			if (units_parse_duration(optarg, &o->timeout_s) || o->timeout_s < 0.1) {
				log_error("--timeout %s: expected a duration of at least 100ms, "
					  "e.g. 5min",
					  optarg);
				return -1;
			}
			break;
		case O_OUT:
			o->out = optarg;
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
		case O_SEED:
			o->seed = strtoull(optarg, &end, 10);
			if (*end || !*optarg) {
				log_error("--seed %s: expected a whole number", optarg);
				return -1;
			}
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(EXIT_OK);
		default:
			log_error("unknown or incomplete option '%s'; see `wimm run --help`",
				  argv[optind - 1]);
			return -1;
		}
	}
	return optind;
}

/* Loads the workloads named on the command line, or every shipped preset. */
static int load_workloads(char **args, int nargs, double scale, double time_scale,
			  struct workload *w, int *nw)
{
	char **paths = NULL, err[1024], path[4096];
	int n = 0, rc = 0;
	if (nargs == 0) {
		if ((rc = catalog_list_yaml(catalog_workloads_dir(), &paths, &n))) {
			log_error("cannot read %s: %s", catalog_workloads_dir(), strerror(-rc));
			return -1;
		}
	}
	int total = nargs ? nargs : n;
	if (total > MAX_WORKLOADS) {
		log_error("at most %d workloads in one run", MAX_WORKLOADS);
		rc = -1;
	}
	for (int i = 0; i < total && !rc; i++) {
		const char *arg = nargs ? args[i] : paths[i];
		if (catalog_find_workload(arg, path, sizeof(path))) {
			log_error("no workload '%s': not a file, nor a preset in %s", arg,
				  catalog_workloads_dir());
			rc = -1;
		} else if (workload_load(path, &w[i], err, sizeof(err))) {
			log_error("%s", err);
			rc = -1;
		} else {
			/* The worker scales its own copy the same way; the driver's
			 * copy gives budgets and iteration counts for the figures. */
			workload_scale(&w[i], scale, time_scale);
		}
		for (int j = 0; j < i && !rc; j++)
			if (!strcmp(w[i].name, w[j].name)) {
				log_error("two workloads are named '%s' (%s and %s); names must differ",
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
	for (int i = 0; i < nw; i++)
		for (int p = 0; p < w[i].nphases; p++)
			for (int t = 0; t < o->nthreads; t++)
				if (o->threads[t] == 0 && w[i].phases[p].gen != GEN_IDLE &&
				    !w[i].phases[p].threads) {
					log_error("--threads 0: phase '%s' of %s needs at least one "
						  "thread",
						  w[i].phases[p].name, w[i].name);
					return -1;
				}
	return 0;
}

struct run {
	const struct run_opts *o;
	const struct workload *workloads;
	struct alloc_choice *alloc;
	struct results *results;
	struct cell_record *cells; /* finished, in run order */
	size_t ncells;
	int failed;
};

static void describe_failure(const struct runner_outcome *o, const struct scoreboard *sb,
			     double timeout_s, char *buf, size_t len)
{
	const char *detail = sb && sb->error[0] ? sb->error : o->stderr_tail;
	if (!o->started || o->wrong_owner)
		snprintf(buf, len, "%s", o->reason);
	else if (o->timed_out)
		snprintf(buf, len, "timed out after %.0f s", timeout_s);
	else if (o->term_signal)
		snprintf(buf, len, "killed by signal %d (%s)%s%.180s", o->term_signal,
			 strsignal(o->term_signal), detail[0] ? ": " : "", detail);
	else if (o->exit_status)
		snprintf(buf, len, "exit status %d%s%.200s", o->exit_status, detail[0] ? ": " : "",
			 detail);
	else
		snprintf(buf, len, "the worker exited before finishing its phases");
}

static void fill_record(struct cell_record *c, const struct runner_outcome *o,
			const struct scoreboard *sb, const struct series *s)
{
	const double us = 1e-6;
	c->wall_s = o->wall_s;
	c->user_s = (double)o->ru.ru_utime.tv_sec + (double)o->ru.ru_utime.tv_usec * us;
	c->sys_s = (double)o->ru.ru_stime.tv_sec + (double)o->ru.ru_stime.tv_usec * us;
	c->maxrss_bytes = (int64_t)o->ru.ru_maxrss * 1024;
	c->peak_rss_bytes = sb->vmhwm_bytes > 0 ? sb->vmhwm_bytes : c->maxrss_bytes;
	c->sampled_peak_rss_bytes = o->sampled_peak_rss;
	int64_t heap = o->sampled_peak_heap, cp = sb->checkpoint_peak_bytes;
	c->peak_heap_bytes = cp > heap ? cp : heap;
	c->final_rss_bytes = o->final_rss;
	c->blowup = c->peak_heap_bytes > 0
			    ? (double)c->peak_rss_bytes / (double)c->peak_heap_bytes
			    : NAN;
	c->minflt = o->ru.ru_minflt;
	c->majflt = o->ru.ru_majflt;
	c->ops = (int64_t)scoreboard_ops(sb);
	c->extra_ops = (int64_t)scoreboard_extra_ops(sb);
	c->samples = (int64_t)s->n;
	c->exit_status = o->exited ? o->exit_status : -1;
	c->term_signal = o->term_signal ? o->term_signal : -1;
	snprintf(c->malloc_owner, sizeof(c->malloc_owner), "%s", sb->malloc_owner);
	snprintf(c->allocator_version, sizeof(c->allocator_version), "%s", sb->allocator_version);
}

/* Runs one cell. Returns 0 when recorded, 1 when interrupted (not
 * recorded), -errno when its results could not be written. */
static int run_cell(struct run *r, const struct plan_cell *pc, size_t index, size_t total)
{
	const struct workload *w = &r->workloads[pc->workload];
	const struct allocator *a = &r->alloc->all[r->alloc->chosen[pc->allocator]];
	struct scoreboard *sb = NULL;
	struct series s;
	struct runner_outcome o;
	char **env = NULL, threads[16], scale[32], time_scale[32];
	int sb_fd = -1, rc;

	series_init(&s);
	if ((rc = scoreboard_create(&sb, &sb_fd)) || (rc = childenv_build(a, sb_fd, &env))) {
		log_error("cannot prepare cell %s/%s: %s", w->name, a->name, strerror(-rc));
		goto out;
	}
	snprintf(threads, sizeof(threads), "%d", pc->threads);
	snprintf(scale, sizeof(scale), "%g", r->o->scale);
	snprintf(time_scale, sizeof(time_scale), "%g", r->o->time_scale);
	char *argv[] = {(char *)catalog_worker_path(), "--threads", threads, "--scale", scale,
			"--time-scale", time_scale, (char *)w->path, NULL};
	double timeout = r->o->timeout_s > 0 ? r->o->timeout_s
			 : w->timeout_s > 0  ? w->timeout_s * fmax(1.0, r->o->scale)
					     : DEFAULT_TIMEOUT_S * fmax(1.0, r->o->scale);
	struct runner_cell rc_cell = {
		.argv = argv,
		.envp = env,
		.timeout_s = timeout,
		.interval_s = r->o->interval_s,
		.sb = sb,
		.expected_owner = childenv_expected_owner(a),
		.stop = &stop_requested,
	};
	log_info("[%zu/%zu] %s, %d thread%s, %s, rep %d", index + 1, total, w->name, pc->threads,
		 pc->threads == 1 ? "" : "s", a->name, pc->rep);
	if ((rc = runner_run(&rc_cell, &s, &o))) {
		log_error("cannot observe cell %s/%s: %s", w->name, a->name, strerror(-rc));
		goto out;
	}
	if (o.interrupted) {
		rc = 1;
		goto out;
	}

	struct cell_record *c = &r->cells[r->ncells];
	cell_record_init(c);
	snprintf(c->workload, sizeof(c->workload), "%s", w->name);
	snprintf(c->allocator, sizeof(c->allocator), "%s", a->name);
	c->threads = pc->threads;
	c->rep = pc->rep;
	c->order = (int64_t)index + 1;
	fill_record(c, &o, sb, &s);
	int ok = o.started && !o.wrong_owner && !o.timed_out && o.exited && o.exit_status == 0 &&
		 atomic_load(&sb->state) == SB_DONE;
	snprintf(c->status, sizeof(c->status), "%s", ok ? "ok" : "failed");
	if (!ok) {
		describe_failure(&o, sb, timeout, c->reason, sizeof(c->reason));
		r->failed++;
		log_warn("%s, %d threads, %s, rep %d failed: %s", w->name, pc->threads, a->name,
			 pc->rep, c->reason);
	}
	struct phase_stats ps;
	phases_compute(&s, w, &ps);
	phases_fill_cell(&ps, w, c);
	r->ncells++;
	rc = results_add_cell(r->results, c, &s, &ps); /* logs its own errors */
out:
	childenv_free(env);
	scoreboard_unmap(sb);
	if (sb_fd >= 0)
		close(sb_fd);
	series_finish(&s);
	return rc;
}

static void print_table(const struct run *r, int nw)
{
	const char *wnames[MAX_WORKLOADS];
	const char **anames = calloc((size_t)r->alloc->nchosen + 1, sizeof(*anames));
	if (!anames)
		return;
	for (int i = 0; i < nw; i++)
		wnames[i] = r->workloads[i].name;
	for (int i = 0; i < r->alloc->nchosen; i++)
		anames[i] = r->alloc->all[r->alloc->chosen[i]].name;
	struct table_axes axes = {wnames, nw, anames, r->alloc->nchosen};
	table_print(stdout, &axes, r->cells, r->ncells);
	free(anames);
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o;
	struct alloc_choice alloc = {0};
	static struct workload w[MAX_WORKLOADS];
	struct plan_cell *plan = NULL;
	struct run r = {.o = &o, .workloads = w, .alloc = &alloc};
	const int *axis[MAX_WORKLOADS];
	int naxis[MAX_WORKLOADS], nw = 0, code = EXIT_USAGE;
	size_t ncells = 0, done = 0;
	char err[1024];

	int first = parse_opts(argc, argv, &o);
	if (first < 0)
		goto out;
	if (load_workloads(argv + first, argc - first, o.scale, o.time_scale, w, &nw) || check_threads(&o, w, nw))
		goto out;
	if (alloc_choice_load(&alloc, o.extra, o.nextra) ||
	    alloc_choice_select(&alloc, o.allocators, o.nextra))
		goto out;
	childenv_warn_inherited();
	for (int i = 0; i < nw; i++) {
		axis[i] = o.nthreads ? o.threads : w[i].axis;
		naxis[i] = o.nthreads ? o.nthreads : w[i].naxis;
	}
	if (matrix_build(nw, axis, naxis, alloc.nchosen, o.reps, o.seed, &plan, &ncells) ||
	    !(r.cells = calloc(ncells + 1, sizeof(*r.cells)))) {
		log_error("out of memory");
		goto out;
	}

	const char **versions = calloc((size_t)alloc.nchosen + 1, sizeof(*versions));
	struct allocator *chosen = calloc((size_t)alloc.nchosen + 1, sizeof(*chosen));
	if (!versions || !chosen) {
		free(versions);
		free(chosen);
		goto out;
	}
	for (int i = 0; i < alloc.nchosen; i++) {
		chosen[i] = alloc.all[alloc.chosen[i]];
		versions[i] = alloc.version[alloc.chosen[i]];
	}
	struct run_info info = {
		.argc = argc, .argv = argv, .seed = o.seed, .interval_s = o.interval_s,
		.timeout_s = o.timeout_s, .reps = o.reps, .scale = o.scale,
		.allocators = chosen, .allocator_versions = versions, .nallocators = alloc.nchosen,
		.workloads = w, .nworkloads = nw, .env_removed = childenv_removed,
	};
	int rc = results_create(o.out, &info, &r.results, err, sizeof(err));
	free(versions);
	free(chosen);
	if (rc) {
		log_error("%s", err);
		code = EXIT_IO;
		goto out;
	}
	log_info("%zu cells: %d workload%s x threads x %d allocator%s x %d rep%s -> %s", ncells,
		 nw, nw == 1 ? "" : "s", alloc.nchosen, alloc.nchosen == 1 ? "" : "s", o.reps,
		 o.reps == 1 ? "" : "s", results_dir(r.results));

	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	code = EXIT_OK;
	for (; done < ncells && !stop_requested; done++) {
		rc = run_cell(&r, &plan[done], done, ncells);
		if (rc == 1)
			break;
		if (rc < 0) {
			code = EXIT_IO;
			break;
		}
	}
	size_t not_run = ncells - r.ncells;
	if (results_finish(r.results, (int)not_run))
		code = EXIT_IO;
	print_table(&r, nw);
	printf("results: %s\n", results_dir(r.results));
	if (stop_requested) {
		log_warn("interrupted: %zu of %zu cells not run; finished cells are kept in %s",
			 not_run, ncells, results_dir(r.results));
		code = EXIT_INTERRUPTED;
	} else if (code == EXIT_OK && r.failed) {
		log_warn("%d of %zu cells failed; see the reason column of cells.csv", r.failed,
			 ncells);
		code = EXIT_CELLS_FAILED;
	}
out:
	results_destroy(r.results);
	free(r.cells);
	free(plan);
	alloc_choice_finish(&alloc);
	return code;
}
