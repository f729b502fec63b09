/* session.c - one run of cells, shared by `wimm run` and `wimm exec`.
 *
 * Each cell runs in its own process with its allocator preloaded (and the
 * probe after it); the runner samples it from outside, and the cell's files
 * are written before the next one starts, so an interrupted run keeps
 * everything it finished.
 */
#include "bench/run/session.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench/plan/catalog.h"
#include "bench/results/cell.h"
#include "bench/run/childenv.h"
#include "bench/run/progress.h"
#include "bench/run/reaper.h"
#include "bench/cli/cmd.h"
#include "bench/regress/history.h"
#include "common/fsutil.h"
#include "common/log.h"
#include "bench/results/phases.h"
#include "bench/report/report.h"
#include "bench/results/results.h"
#include "bench/run/runner.h"
#include "bench/run/unforked.h"
#include "common/scoreboard.h"
#include "common/text.h"
#include "common/units.h"

struct session {
	struct session_opts o;
	struct alloc_choice alloc;
	const char *probe; /* the probe library, or NULL */
	struct results *results;
	struct cell_record *cells; /* finished, in run order (cells_mem) */
	struct unforked cells_mem;
	size_t ncells, planned;
	int failed;
	int write_failed; /* some result file could not be written */
	struct progress *progress;
};

#define NS_PER_MS INT64_C(1000000)
#define NS_PER_S INT64_C(1000000000)
/* A cell's timeout at most: far beyond any run, far below where a
 * deadline in nanoseconds would overflow. */
#define TIMEOUT_MAX_NS (INT64_C(525600) * 60 * NS_PER_S)

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

int session_stopping(void) { return stop_requested; }

static const char opts_help[] =
    "  -a, --allocators LIST   names, `all`, allocator files (paths) or a variant\n"
    "                          NAME:VAR=value[ VAR=value...] (taking the rest of its\n"
    "                          -a); repeatable (default: the installed base ones)\n"
    "      --allocator N=PATH  also run the allocator library PATH under name N\n"
    "      --sweep 'VAR=..{A,B}..'  a variant of each allocator per value; several\n"
    "                          multiply (see wimm(1), VARIANTS AND SWEEPS)\n"
    "  -r, --reps N            repetitions of every cell (default 1)\n"
    "      --interval DUR      sampling interval (default 10ms)\n"
    "      --out DIR           results root (default ./results)\n"
    "      --seed N            seed of the cell order, 0 to 2^64-1 (default: from\n"
    "                          the clock)\n"
    "      --no-probe          do not preload the probe (no allocator figures)\n"
    "      --no-sample         no time series, only wait4's figures (to measure\n"
    "                          what sampling costs); no memory guard either\n"
    "      --mem-guard SIZE|N%  kill a cell whose RSS passes SIZE, or N% of the\n"
    "                          memory available at start (default 80%)\n";

void session_print_help(const char *head, const char *tail)
{
	fputs(head, stdout);
	fputs(opts_help, stdout);
	fputs(tail, stdout);
}

void session_opts_init(struct session_opts *o)
{
	*o = (struct session_opts){.reps = 1,
	                           .interval_ns = 10 * NS_PER_MS,
	                           .out = "results",
	                           .mem_guard_share = 0.8,
	                           .scale = 1.0};
	o->seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
}

int session_opt(struct session_opts *o, int code, const char *arg)
{
	char *end;
	switch (code) {
	case 'a':
		if (o->nalists == SESSION_MAX_ALISTS) {
			log_error(
			    "at most %d -a options; give several allocators in one, separated "
			    "by commas",
			    SESSION_MAX_ALISTS);
			return -1;
		}
		o->alists[o->nalists++] = arg;
		return 1;
	case SESSION_O_SWEEP: {
		char err[2048];
		if (o->nsweeps == SWEEP_MAX) {
			log_error("at most %d --sweep options", SWEEP_MAX);
			return -1;
		}
		if (sweep_parse(arg, &o->sweeps[o->nsweeps], err, sizeof(err))) {
			log_error("%s", err);
			return -1;
		}
		for (int i = 0; i < o->nsweeps; i++)
			if (!strcmp(o->sweeps[i].variable, o->sweeps[o->nsweeps].variable) &&
			    !strcmp(o->sweeps[i].setting, o->sweeps[o->nsweeps].setting)) {
				log_error("--sweep '%s': %s is swept twice; give its values in one "
				          "{...}",
				          arg, o->sweeps[i].setting);
				return -1;
			}
		o->nsweeps++;
		return 1;
	}
	case SESSION_O_ALLOCATOR:
		if (o->nextra == SESSION_MAX_EXTRA) {
			log_error("at most %d --allocator options", SESSION_MAX_EXTRA);
			return -1;
		}
		o->extra[o->nextra++] = (char *)arg;
		return 1;
	case 'r':
		o->reps = (int)strtol(arg, &end, 10);
		if (*end || o->reps < 1 || o->reps > 1000) {
			log_error("--reps %s: expected a whole number from 1 to 1000", arg);
			return -1;
		}
		return 1;
	case SESSION_O_INTERVAL:
		if (units_parse_duration(arg, &o->interval_ns) || o->interval_ns < 100000 ||
		    o->interval_ns > 10 * NS_PER_S) {
			log_error("--interval %s: expected a duration from 100us to 10s, e.g. 10ms",
			          arg);
			return -1;
		}
		return 1;
	case SESSION_O_TIMEOUT:
		if (units_parse_duration(arg, &o->timeout_ns) || o->timeout_ns < 100 * NS_PER_MS ||
		    o->timeout_ns > TIMEOUT_MAX_NS) {
			log_error("--timeout %s: expected a duration from 100ms to 525600min (a "
			          "year), e.g. 5min",
			          arg);
			return -1;
		}
		return 1;
	case SESSION_O_OUT:
		if (!*arg) {
			log_error("--out '': expected a directory, e.g. --out results");
			return -1;
		}
		o->out = arg;
		return 1;
	case SESSION_O_SEED:
		/* Digits only: strtoull would take "-1" as 2^64-1 and clamp what
		 * does not fit, so the seed recorded would not be the one given. */
		errno = 0;
		o->seed = strtoull(arg, &end, 10);
		if (!*arg || strspn(arg, "0123456789") != strlen(arg) || errno == ERANGE) {
			log_error("--seed %s: expected a whole number from 0 to %llu", arg,
			          (unsigned long long)UINT64_MAX);
			return -1;
		}
		return 1;
	case SESSION_O_NO_PROBE:
		o->no_probe = 1;
		return 1;
	case SESSION_O_NO_SAMPLE:
		o->interval_ns = 0;
		return 1;
	case SESSION_O_MEM_GUARD: {
		size_t n = strlen(arg);
		uint64_t bytes;
		o->mem_guard_given = 1;
		if (n > 1 && arg[n - 1] == '%') {
			double pct = strtod(arg, &end);
			if (end == arg + n - 1 && pct > 0 && pct <= 100) {
				o->mem_guard_share = pct / 100;
				o->mem_guard_bytes = 0;
				return 1;
			}
		} else if (units_parse_size(arg, &bytes) == 0 && bytes >= (1u << 20) &&
		           bytes <= INT64_MAX) {
			o->mem_guard_bytes = (int64_t)bytes;
			return 1;
		}
		log_error("--mem-guard %s: expected a size of at least 1 MiB (e.g. 8 GiB) or a "
		          "share of the available memory (e.g. 50%%)",
		          arg);
		return -1;
	}
	}
	return 0;
}

int session_opts_check(const struct session_opts *o)
{
	/* The guard acts on a sample; without samples it would be dropped
	 * without a word, and the run would go on unguarded. */
	if (o->mem_guard_given && o->interval_ns == 0) {
		log_error("--mem-guard needs sampling, which --no-sample turns off; drop one of "
		          "them");
		return -1;
	}
	return 0;
}

/* MemAvailable from /proc/meminfo in bytes, or -1. */
static int64_t mem_available(void)
{
	char line[256];
	long long kib = -1;
	FILE *f = fopen("/proc/meminfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %lld kB", &kib) == 1)
			break;
	fclose(f);
	return kib < 0 ? -1 : (int64_t)kib * 1024;
}

/* meta.json records the chosen allocators with the versions they report. */
static int create_results(struct session *s, int argc, char **argv,
                          const struct workload *workloads, int nworkloads)
{
	int n = s->alloc.nchosen, rc = -ENOMEM;
	const char **versions = calloc((size_t)n + 1, sizeof(*versions));
	struct allocator *chosen = calloc((size_t)n + 1, sizeof(*chosen));
	char err[1024];
	if (versions && chosen) {
		for (int i = 0; i < n; i++) {
			chosen[i] = s->alloc.all[s->alloc.chosen[i]];
			versions[i] = s->alloc.version[s->alloc.chosen[i]];
		}
		struct run_info info = {
		    .argc = argc,
		    .argv = argv,
		    .seed = s->o.seed,
		    .interval_s = (double)s->o.interval_ns / 1e9,
		    .timeout_s = (double)s->o.timeout_ns / 1e9,
		    .reps = s->o.reps,
		    .scale = s->o.scale,
		    .allocators = chosen,
		    .allocator_versions = versions,
		    .nallocators = n,
		    .workloads = workloads,
		    .nworkloads = nworkloads,
		    .env_removed = childenv_removed,
		    .probe = s->probe,
		    .mem_guard_bytes = s->o.mem_guard_bytes,
		    .sweeps = s->o.sweeps,
		    .nsweeps = s->o.nsweeps,
		    .idle_s = s->o.idle_s,
		    .shard = s->o.shard,
		};
		rc = results_create(s->o.out, &info, &s->results, err, sizeof(err));
		if (rc)
			log_error("%s", err);
	} else {
		log_error("out of memory");
	}
	free(versions);
	free(chosen);
	return rc;
}

int session_create(struct session **out, const struct session_opts *o, int argc, char **argv,
                   const struct workload *workloads, int nworkloads, size_t ncells)
{
	struct session *s = calloc(1, sizeof(*s));
	if (!s) {
		log_error("out of memory");
		return EXIT_IO;
	}
	*out = s;
	s->o = *o;
	s->planned = ncells;
	if (!s->o.mem_guard_bytes && s->o.interval_ns) {
		/* A share of what is free now, so a runaway cell is killed while
		 * the machine (and the driver) still have room. */
		int64_t avail = mem_available();
		s->o.mem_guard_bytes =
		    avail > 0 ? (int64_t)((double)avail * s->o.mem_guard_share) : 0;
	}
	if (alloc_choice_load(&s->alloc, s->o.extra, s->o.nextra) ||
	    alloc_choice_select(&s->alloc, s->o.alists, s->o.nalists, s->o.sweeps, s->o.nsweeps))
		return EXIT_USAGE;
	childenv_warn_inherited();
	if (!s->o.no_probe && childenv_asan_build()) {
		log_info("this wimm is an ASan build, which cannot preload the probe: running "
		         "without it (no allocator figures)");
		s->o.no_probe = 1;
	}
	if (!s->o.no_probe) {
		s->probe = catalog_probe_path();
		if (access(s->probe, R_OK)) {
			log_error("the probe library %s is missing (%s); build wimm again, or run "
			          "with --no-probe",
			          s->probe, strerror(errno));
			return EXIT_USAGE;
		}
		const char *why = allocator_preload_problem(s->probe);
		if (why) {
			log_error("the probe library %s cannot be preloaded: %s; install wimm "
			          "under such a path, or run with --no-probe",
			          s->probe, why);
			return EXIT_USAGE;
		}
	}
	/* One record per planned cell for each allocator chosen. */
	s->planned *= (size_t)s->alloc.nchosen;
	/* Out of the children's way (unforked.h); zeroed, as calloc's. */
	if (unforked_reserve(&s->cells_mem, (s->planned + 1) * sizeof(*s->cells)) == 0)
		s->cells = s->cells_mem.p;
	if (!s->cells) {
		log_error("out of memory");
		return EXIT_IO;
	}
	if (create_results(s, argc, argv, workloads, nworkloads))
		return EXIT_IO;
	log_info("%zu cell%s -> %s", s->planned, s->planned == 1 ? "" : "s",
	         results_dir(s->results));
	if (progress_create(&s->progress, s->planned, progress_live())) {
		log_error("out of memory");
		return EXIT_IO;
	}
	/* A closed terminal or a dropped SSH session (SIGHUP) is a stop like
	 * Ctrl-C: the cell is killed and finished cells are kept. */
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	int rc = reaper_start();
	if (rc)
		log_warn("cannot start the process that ends a cell's processes if wimm is "
		         "killed (%s); a killed wimm may leave them running",
		         strerror(-rc));
	return 0;
}

int session_nallocators(const struct session *s) { return s->alloc.nchosen; }

const struct allocator *session_allocator(const struct session *s, int i)
{
	return &s->alloc.all[s->alloc.chosen[i]];
}

static void describe_failure(const struct runner_outcome *o, const struct scoreboard *sb,
                             int64_t timeout_ns, int64_t guard_bytes, char *buf, size_t len)
{
	/* The worker's own message, read once and bounded: the child may be
	 * writing it as we read. */
	char error[sizeof(sb->error)] = "", guard[32];
	if (sb)
		text_clean_n(error, sizeof(error), sb->error, sizeof(sb->error), TEXT_ONE_LINE);
	const char *detail = error[0] ? error : o->stderr_tail;
	if (!o->started || o->wrong_owner)
		snprintf(buf, len, "%s", o->reason);
	else if (o->over_guard)
		snprintf(buf, len, "killed: its RSS passed the memory guard of %s (--mem-guard)",
		         units_format_size((uint64_t)guard_bytes, guard, sizeof(guard)));
	else if (o->timed_out)
		snprintf(buf, len, "timed out after %s%s%.200s",
		         units_format_duration((double)timeout_ns / 1e9, guard, sizeof(guard)),
		         o->before_exec && o->reason[0] ? ": " : "",
		         o->before_exec ? o->reason : "");
	else if (o->term_signal)
		snprintf(buf, len, "killed by signal %d (%s)%s%.180s", o->term_signal,
		         strsignal(o->term_signal), detail[0] ? ": " : "", detail);
	else if (o->exit_status)
		snprintf(buf, len, "exit status %d%s%.200s", o->exit_status, detail[0] ? ": " : "",
		         detail);
	else
		snprintf(buf, len, "the worker exited before finishing its phases");
}

/* What the child wrote reaches summary.json, cells.csv and the terminal:
 * every text field is made valid UTF-8 without control characters or
 * escape sequences (a cut in the middle of a character included). */
static void clean_record(struct cell_record *c)
{
#define CLEAN_S(name, size, doc) text_clean(c->name, sizeof(c->name), c->name, TEXT_ONE_LINE);
#define CLEAN_NONE(name, ...)
	CELL_FIELDS(CLEAN_S, CLEAN_NONE)
#undef CLEAN_S
#undef CLEAN_NONE
}

static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

/* The child's exact readings: each phase's checkpoint and the one at exit.
 * Figures wimm saw as surely as its samples, so every peak and maximum
 * below takes them in. */
static const struct sb_snapshot *snapshot_of(const struct scoreboard *sb, int i)
{
	return i < SCOREBOARD_PHASES ? &sb->checkpoints[i].at : &sb->exit;
}

/* Where RSS was at the sampled peak and at the end (split.h), and what the
 * allocator held then: its heap and unused parts, or the part that holds
 * both where it does not count its in-use bytes. */
static void fill_parts(struct cell_record *c, const struct runner_outcome *o)
{
	struct split_parts p;
	if (o->at_peak.rss_bytes > 0) {
		series_row_parts(&o->at_peak, &p);
		PHASES_SET_PARTS(c, peak, &p);
	}
	if (o->at_end.rss_bytes <= 0)
		return;
	series_row_parts(&o->at_end, &p);
	PHASES_SET_PARTS(c, end, &p);
	if (p.heap >= 0 && p.unused >= 0)
		c->end_held_bytes = p.heap + p.unused;
	else if (p.heap < 0 && p.foreign >= 0)
		c->end_held_bytes = p.unsplit;
}

static void fill_record(struct cell_record *c, const struct runner_outcome *o,
                        const struct scoreboard *sb, int worker)
{
	const double us = 1e-6;
	c->wall_s = o->wall_s;
	c->user_s = (double)o->ru.ru_utime.tv_sec + (double)o->ru.ru_utime.tv_usec * us;
	c->sys_s = (double)o->ru.ru_stime.tv_sec + (double)o->ru.ru_stime.tv_usec * us;
	c->maxrss_bytes = (int64_t)o->ru.ru_maxrss * 1024;
	c->sampled_peak_rss_bytes = o->sampled_peak_rss;
	c->final_rss_bytes = o->final_rss;
	c->minflt = o->ru.ru_minflt;
	c->majflt = o->ru.ru_majflt;
	c->sampled_peak_alloc_in_use_bytes = o->peak_alloc_in_use;
	c->sampled_peak_alloc_system_bytes = o->peak_alloc_system;
	c->arenas = o->max_arenas;
	/* The true peak RSS: VmHWM, which the kernel keeps from counters it
	 * updates per CPU in batches, so a sample read at another moment can
	 * exceed it slightly (README); never below any RSS wimm saw. Not
	 * ru_maxrss, which also counts the driver's pages from before exec. */
	int64_t rss =
	    atomic_load(&sb->vmhwm_bytes) > 0 ? atomic_load(&sb->vmhwm_bytes) : c->maxrss_bytes;
	rss = max64(rss, o->sampled_peak_rss);
	for (int i = 0; i <= SCOREBOARD_PHASES; i++) {
		const struct sb_snapshot *at = snapshot_of(sb, i);
		rss = max64(rss, atomic_load(&at->rss_bytes));
		c->sampled_peak_alloc_in_use_bytes =
		    max64(c->sampled_peak_alloc_in_use_bytes, atomic_load(&at->alloc_in_use_bytes));
		c->sampled_peak_alloc_system_bytes =
		    max64(c->sampled_peak_alloc_system_bytes, atomic_load(&at->alloc_system_bytes));
		c->arenas = max64(c->arenas, atomic_load(&at->arenas));
	}
	c->peak_rss_bytes = rss;
	fill_parts(c, o);
	/* A worker tracks its peak heap where it happens (exact, or within
	 * the error it states); a real program's heap is the allocator's
	 * in-use figure, known only where the probe read it (n/a without). */
	if (worker && atomic_load(&sb->peak_heap_bytes) >= 0) {
		c->peak_heap_bytes = max64(atomic_load(&sb->peak_heap_bytes), o->sampled_peak_heap);
		c->peak_heap_error_bytes = atomic_load(&sb->peak_heap_error_bytes);
	} else {
		c->peak_heap_bytes =
		    worker ? o->sampled_peak_heap : c->sampled_peak_alloc_in_use_bytes;
	}
	c->blowup =
	    c->peak_heap_bytes > 0 ? (double)c->peak_rss_bytes / (double)c->peak_heap_bytes : NAN;
	if (o->probe.active) {
		snprintf(c->probe, sizeof(c->probe), "%s", sb->probe.family);
		c->probe_reads = (int64_t)o->probe.reads;
		if (o->probe.reads) {
			c->probe_cost_mean_us =
			    (double)o->probe.cost_ns_total / 1e3 / (double)o->probe.reads;
			c->probe_cost_max_us = (double)o->probe.cost_ns_max / 1e3;
			c->probe_cpu_mean_us =
			    (double)o->probe.cpu_ns_total / 1e3 / (double)o->probe.reads;
		}
	}
	/* A real program's calls are not counted: n/a, not 0. */
	c->ops = worker ? (int64_t)scoreboard_ops(sb) : -1;
	c->extra_ops = worker ? (int64_t)scoreboard_extra_ops(sb) : -1;
	c->samples = o->samples;
	c->ticks_missed = o->ticks_missed;
	c->exit_status = o->exited ? o->exit_status : -1;
	c->term_signal = o->term_signal ? o->term_signal : -1;
	snprintf(c->malloc_owner, sizeof(c->malloc_owner), "%s", sb->malloc_owner);
	snprintf(c->allocator_version, sizeof(c->allocator_version), "%s", sb->allocator_version);
}

/* A worker must also have finished its phases; a real program only has
 * to exit 0. */
static int cell_ok(const struct session_cell *sc, const struct runner_outcome *o,
                   const struct scoreboard *sb)
{
	if (!o->started || o->wrong_owner || o->timed_out || o->over_guard || !o->exited ||
	    o->exit_status)
		return 0;
	return !sc->workload || atomic_load(&sb->state) == SB_DONE;
}

/* Where each sample goes as it is taken: the series file, the running
 * phase figures, and the live line (RSS and the phase's name, which the
 * runner took cleaned from the scoreboard). Nothing else keeps it. */
struct tick_ctx {
	struct progress *progress;
	struct series_writer *series; /* NULL: none could be opened */
	struct phases_acc *phases;
	const struct series_phases *names;
};

static void on_tick(void *ctx, const struct sample *row)
{
	const struct tick_ctx *t = ctx;
	if (t->series)
		series_writer_add(t->series, row, t->names);
	phases_acc_add(t->phases, row);
	if (progress_due(t->progress, row->t_s))
		progress_sample(
		    t->progress, row->t_s, row->rss_bytes,
		    row->phase >= 0 && row->phase < t->names->n ? t->names->names[row->phase] : "");
}

/* output/<name>-<allocator>-r<rep>.stdout and .stderr for a real program. */
static int output_paths(struct session *s, const struct session_cell *sc, const char *alloc,
                        char *out, char *err, size_t len)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/output", results_dir(s->results));
	int rc = fsutil_mkdirs(dir);
	if (rc)
		return rc;
	snprintf(out, len, "%s/%s-%s-r%d.stdout", dir, sc->name, alloc, sc->rep);
	snprintf(err, len, "%s/%s-%s-r%d.stderr", dir, sc->name, alloc, sc->rep);
	return 0;
}

/* A followed tree's figures into the cell (n/a when the program started no
 * other process: the tree is the process) and its files under
 * procs/<name>-<allocator>-r<rep>/. Returns 0 or -1 (logged). */
static int record_tree(struct session *s, const struct session_cell *sc, const char *alloc,
                       const struct runner_outcome *o, struct cell_record *c)
{
	const struct proctree_summary *t = &o->tree_sum;
	if (!o->tree || t->procs <= 1)
		return 0;
	c->procs = t->procs;
	c->procs_unsampled = t->unsampled;
	c->procs_unsampled_cpu_s = t->unsampled_cpu_known ? t->unsampled_cpu_s : NAN;
	c->procs_no_probe = t->no_probe;
	c->tree_peak_rss_sum_bytes = t->peak_rss;
	c->tree_peak_unshared_bytes = t->peak_unshared;
	c->tree_peak_pss_bytes = t->peak_pss;
	c->pss_interval_s = t->pss_interval_s >= 0 ? t->pss_interval_s : NAN;
	if (t->ticks > 0) {
		c->tree_discovery_us = t->discovery_s * 1e6 / (double)t->ticks;
		c->tree_sampling_us = t->sampling_s * 1e6 / (double)t->ticks;
	}
	c->tree_identify_us = t->identify_s * 1e6 / (double)t->procs;
	c->pss_cost_us = t->pss_cost_s >= 0 ? t->pss_cost_s * 1e6 : NAN;
	snprintf(c->top_process, sizeof(c->top_process), "%s", t->top);
	c->top_process_share = t->top[0] ? t->top_share : NAN;
	char dir[4200];
	snprintf(dir, sizeof(dir), "%s/procs/%s-%s-r%d", results_dir(s->results), sc->name, alloc,
	         sc->rep);
	int rc = proctree_write(o->tree, dir);
	if (rc) {
		log_error("cannot write the process tree of %s, %s, rep %d under %s: %s", sc->name,
		          alloc, sc->rep, dir, strerror(-rc));
		return -1;
	}
	return 0;
}

/* Says what the output cap left out, and fails the cell's results when
 * its output could not be written. Returns 0 or -1. */
static int note_output(const struct session_cell *sc, const struct allocator *a,
                       const struct runner_outcome *o, const char *out_path, const char *err_path)
{
	const struct {
		const char *name, *path;
		uint64_t total, dropped;
	} streams[] = {{"stdout", out_path, o->stdout_bytes, o->stdout_dropped},
	               {"stderr", err_path, o->stderr_bytes, o->stderr_dropped}};
	if (!sc->save_output)
		return 0;
	for (size_t i = 0; i < 2; i++) {
		char total[32], kept[32];
		if (streams[i].dropped)
			log_warn("%s, %s, rep %d: its %s was %s, over the cap: %s (its head and "
			         "tail) kept in %s; --output-cap SIZE keeps more",
			         sc->name, a->name, sc->rep, streams[i].name,
			         units_format_size(streams[i].total, total, sizeof(total)),
			         units_format_size(streams[i].total - streams[i].dropped, kept,
			                           sizeof(kept)),
			         streams[i].path);
	}
	if (o->output_error) {
		log_error("cannot write the output of %s, %s, rep %d under %s: %s", sc->name,
		          a->name, sc->rep, out_path, strerror(-o->output_error));
		return -1;
	}
	return 0;
}

int session_run_cell(struct session *s, const struct session_cell *sc, size_t index, size_t total)
{
	const struct allocator *a = session_allocator(s, sc->allocator);
	struct scoreboard *sb = NULL;
	struct series_writer *series = NULL;
	struct phases_acc acc;
	struct runner_outcome o = {.tree = NULL};
	char **env = NULL, out_path[4200], err_path[4200];
	int sb_fd = -1, rc;

	static const struct workload none = {.nphases = 0};
	const struct workload *w = sc->workload ? sc->workload : &none;
	phases_acc_init(&acc, w);
	if ((rc = scoreboard_create(&sb, &sb_fd)) ||
	    (rc = childenv_build(a, sb_fd, s->probe, &env)) ||
	    (sc->save_output &&
	     (rc = output_paths(s, sc, a->name, out_path, err_path, sizeof(out_path))))) {
		log_error("cannot prepare cell %s/%s: %s", sc->name, a->name, strerror(-rc));
		goto out;
	}
	int64_t timeout = s->o.timeout_ns > 0 ? s->o.timeout_ns : sc->timeout_ns;
	struct runner_cell rcell = {
	    .argv = sc->argv,
	    .envp = env,
	    .timeout_ns = timeout,
	    .interval_ns = s->o.interval_ns,
	    .sb = sb,
	    .heap_from_scoreboard = sc->workload != NULL,
	    .expected_owner = childenv_expected_owner(a),
	    .stop = &stop_requested,
	    .mem_guard_bytes = s->o.mem_guard_bytes,
	    .stdin_path = sc->stdin_path,
	    .stdout_path = sc->save_output ? out_path : NULL,
	    .stderr_path = sc->save_output ? err_path : NULL,
	    .output_cap = sc->output_cap,
	    .follow_tree = sc->follow_tree,
	};
	char label[256];
	if (sc->threads >= 0)
		snprintf(label, sizeof(label), "%s, %d thread%s, %s, rep %d", sc->name, sc->threads,
		         sc->threads == 1 ? "" : "s", a->name, sc->rep);
	else
		snprintf(label, sizeof(label), "%s, %s, rep %d", sc->name, a->name, sc->rep);
	(void)total; /* the session planned the total itself */
	progress_cell(s->progress, index, label);
	/* The record's names first: they name the series file. */
	struct cell_record *c = &s->cells[s->ncells];
	cell_record_init(c);
	snprintf(c->workload, sizeof(c->workload), "%s", sc->name);
	snprintf(c->allocator, sizeof(c->allocator), "%s", a->name);
	c->threads = sc->threads;
	c->rep = sc->rep;
	c->order = (int64_t)index + 1;
	/* A series that cannot be opened is logged; the cell runs without. */
	if (s->o.interval_ns && results_series_open(s->results, c, s->o.interval_ns, &series) < 0)
		s->write_failed = 1;
	struct tick_ctx tick = {s->progress, series, &acc, &o.phases};
	rcell.on_sample = on_tick;
	rcell.on_sample_ctx = &tick;
	if ((rc = runner_run(&rcell, &o))) {
		log_error("cannot observe cell %s/%s: %s", sc->name, a->name, strerror(-rc));
		goto out;
	}
	if (o.interrupted) {
		rc = 1;
		goto out;
	}
	if (note_output(sc, a, &o, out_path, err_path))
		s->write_failed = 1;

	fill_record(c, &o, sb, sc->workload != NULL);
	if (record_tree(s, sc, a->name, &o, c))
		s->write_failed = 1;
	int ok = cell_ok(sc, &o, sb);
	snprintf(c->status, sizeof(c->status), "%s", ok ? "ok" : "failed");
	if (!ok)
		describe_failure(&o, sc->workload ? sb : NULL, timeout, s->o.mem_guard_bytes,
		                 c->reason, sizeof(c->reason));
	clean_record(c);
	if (!ok) {
		s->failed++;
		log_warn("%s, %s, rep %d failed: %s", sc->name, a->name, sc->rep, c->reason);
	}
	struct phase_stats ps;
	struct phase_snapshot snaps[SERIES_MAX_PHASES];
	for (int i = 0; i < SERIES_MAX_PHASES && i < SCOREBOARD_PHASES; i++) {
		const struct sb_snapshot *at = &sb->checkpoints[i].at;
		snaps[i].heap_bytes = atomic_load(&at->heap_bytes);
		snaps[i].rss_bytes = atomic_load(&at->rss_bytes);
		snaps[i].file_bytes = atomic_load(&at->file_bytes);
		snaps[i].alloc_resident_bytes = atomic_load(&at->alloc_resident_bytes);
		snaps[i].alloc_in_use_bytes = atomic_load(&at->alloc_in_use_bytes);
		snaps[i].alloc_system_bytes = atomic_load(&at->alloc_system_bytes);
		snaps[i].arenas = atomic_load(&at->arenas);
		int64_t start = atomic_load(&sb->checkpoints[i].start_ns);
		int64_t end = atomic_load(&sb->checkpoints[i].end_ns);
		snaps[i].duration_s =
		    start > 0 && end >= start ? (double)(end - start) * 1e-9 : NAN;
	}
	if (acc.oom)
		log_warn("%s, %s, rep %d: out of memory keeping the points of a leak fit; its "
		         "growth figures are left out",
		         sc->name, a->name, sc->rep);
	phases_compute(&acc, &o.phases, w, snaps, &ps);
	phases_fill_cell(&ps, w, c);
	s->ncells++;
	rc = results_add_cell(s->results, c, series, &ps); /* logs its own errors */
	series = NULL;                                     /* consumed */
	if (rc < 0)
		s->write_failed = 1;
out:
	proctree_destroy(o.tree);
	childenv_free(env);
	scoreboard_unmap(sb);
	if (sb_fd >= 0)
		close(sb_fd);
	/* An interrupted or unobserved cell leaves no half series. */
	series_writer_abort(series);
	phases_acc_finish(&acc);
	return rc;
}

int session_finish(struct session *s)
{
	int code = EXIT_OK;
	size_t not_run = s->planned - s->ncells;
	/* The live line goes before the table reaches the same terminal. */
	progress_finish(s->progress, s->ncells);
	if (results_finish(s->results, (int)not_run) || s->write_failed)
		code = EXIT_IO;
	/* For `wimm plot --history`. The history is kept because the user
	 * asked for it (README, "History"): a run that could not add to it has
	 * not written what it should, exit 3. An interrupted run is left out
	 * by design (1). */
	if (history_append(s->o.out, results_dir(s->results)) < 0) {
		log_error("the run could not be added to the history (see above); its results "
		          "are whole in %s",
		          results_dir(s->results));
		code = EXIT_IO;
	}
	/* Figures, report.md and report.html, read back from the files just
	 * written, then the tables and findings on stdout. Without gnuplot the
	 * reports are still written (a warning); a report that cannot be
	 * written at all (a full disk) is results not written: exit 3. After
	 * ^C the user wants the prompt back: the tables only; `wimm plot DIR`
	 * draws the rest later. */
	if (report_finish(results_dir(s->results), !stop_requested, stdout) < 0)
		code = EXIT_IO;
	printf("results: %s\n", results_dir(s->results));
	/* The table is what the user asked to see: stdout on a full disk (or
	 * /dev/full) is a failure to write it, not a silent success. */
	if (fflush(stdout) == EOF || ferror(stdout)) {
		log_error("cannot write the table to standard output: %s", strerror(errno));
		code = EXIT_IO;
	}
	if (stop_requested) {
		log_warn("interrupted: %zu of %zu cells not run; finished cells are kept in %s",
		         not_run, s->planned, results_dir(s->results));
		return EXIT_INTERRUPTED;
	}
	if (code == EXIT_OK && not_run)
		code = EXIT_IO; /* a cell could not be prepared or written */
	if (code == EXIT_OK && s->failed) {
		log_warn("%d of %zu cells failed; see the reason column of cells.csv", s->failed,
		         s->planned);
		code = EXIT_CELLS_FAILED;
	}
	return code;
}

void session_destroy(struct session *s)
{
	reaper_stop();
	if (!s)
		return;
	results_destroy(s->results);
	progress_destroy(s->progress);
	unforked_free(&s->cells_mem);
	alloc_choice_finish(&s->alloc);
	free(s);
}
