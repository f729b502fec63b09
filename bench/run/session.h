/* session.h - what `wimm run` and `wimm exec` share: the options common to
 * both, the allocators, the probe, the results directory, running one cell
 * and recording it, and the end of the run (table, exit code).
 */
#ifndef WIMM_SESSION_H
#define WIMM_SESSION_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

#include "bench/plan/allocator.h"
#include "bench/plan/matrix.h"
#include "bench/plan/sweep.h"
#include "workloads/workload.h"

#define SESSION_MAX_EXTRA 16
#define SESSION_MAX_ALISTS 16 /* -a options */

struct session_opts {
	const char *alists[SESSION_MAX_ALISTS]; /* each -a; none = the base allocators */
	int nalists;
	char *extra[SESSION_MAX_EXTRA]; /* --allocator NAME=PATH */
	int nextra;
	int reps;
	int64_t interval_ns; /* 0 = --no-sample */
	int64_t timeout_ns;  /* 0 = the caller's default */
	const char *out;
	uint64_t seed;
	int no_probe;
	double scale;                   /* --scale, recorded in meta.json (run only) */
	int64_t mem_guard_bytes;        /* 0 = the default share of MemAvailable */
	double mem_guard_share;         /* that share, or what --mem-guard N% gave */
	int mem_guard_given;            /* --mem-guard was on the command line */
	struct sweep sweeps[SWEEP_MAX]; /* --sweep, in order */
	int nsweeps;
	double idle_s; /* --idle (run only), recorded in meta.json; 0 = the workloads' own */
	const struct matrix_shard *shard; /* --shard (run only), for meta.json; NULL = none */
};

/* Option codes of the shared long options (above any short option). */
enum {
	SESSION_O_ALLOCATOR = 256,
	SESSION_O_INTERVAL,
	SESSION_O_TIMEOUT,
	SESSION_O_OUT,
	SESSION_O_SEED,
	SESSION_O_NO_PROBE,
	SESSION_O_MEM_GUARD,
	SESSION_O_NO_SAMPLE,
	SESSION_O_SWEEP,
	SESSION_O_FIRST_FREE, /* commands number their own options from here */
};

/* getopt_long entries for the shared options (-a, -r and the long ones
 * above), to be copied at the start of a command's own table. */
#define SESSION_LONGOPTS                                                                           \
	{"allocators", required_argument, NULL, 'a'},                                              \
	    {"allocator", required_argument, NULL, SESSION_O_ALLOCATOR},                           \
	    {"reps", required_argument, NULL, 'r'},                                                \
	    {"interval", required_argument, NULL, SESSION_O_INTERVAL},                             \
	    {"timeout", required_argument, NULL, SESSION_O_TIMEOUT},                               \
	    {"out", required_argument, NULL, SESSION_O_OUT},                                       \
	    {"seed", required_argument, NULL, SESSION_O_SEED},                                     \
	    {"no-probe", no_argument, NULL, SESSION_O_NO_PROBE},                                   \
	    {"mem-guard", required_argument, NULL, SESSION_O_MEM_GUARD},                           \
	    {"no-sample", no_argument, NULL, SESSION_O_NO_SAMPLE},                                 \
	{                                                                                          \
		"sweep", required_argument, NULL, SESSION_O_SWEEP                                  \
	}
#define SESSION_SHORTOPTS "a:r:"

/* Prints a command's --help: its own head, the shared options, its tail. */
void session_print_help(const char *head, const char *tail);

void session_opts_init(struct session_opts *o);

/* Handles one shared option. Returns 1 when it was one (and valid), 0 when
 * it is not a shared option, -1 on a bad value (the error is printed). */
int session_opt(struct session_opts *o, int code, const char *arg);

/* Checks the shared options together, once all are read (--no-sample
 * with --mem-guard). Returns 0 or -1 (the error is printed). */
int session_opts_check(const struct session_opts *o);

/* One cell to run. */
struct session_cell {
	const struct workload *workload; /* NULL for a real program */
	const char *name;                /* workload name */
	int threads;                     /* -1 when it does not apply */
	int allocator;                   /* index among the chosen allocators */
	int rep;
	char *const *argv;
	int64_t timeout_ns;
	const char *stdin_path; /* see runner_cell */
	int save_output;        /* keep stdout/stderr under output/ */
	uint64_t output_cap;    /* per stream; 0 = the default (runner_cell) */
	int follow_tree;        /* follow the processes it starts (runner_cell) */
};

struct session;

/* Chooses and checks the allocators, checks the probe, creates the results
 * directory, installs the SIGINT/SIGTERM/SIGHUP handlers and starts the
 * reaper (reaper.h). ncells is the number
 * of cells planned. Returns 0, or an exit code (cmd.h) after printing why. */
int session_create(struct session **out, const struct session_opts *o, int argc, char **argv,
                   const struct workload *workloads, int nworkloads, size_t ncells);

int session_nallocators(const struct session *s);
const struct allocator *session_allocator(const struct session *s, int i);

/* 1 once SIGINT, SIGTERM or SIGHUP arrived. */
int session_stopping(void);

/* Runs and records one cell. Returns 0 when recorded (failed or not),
 * 1 when interrupted (not recorded), -errno when results could not be
 * written or the cell could not be prepared. */
int session_run_cell(struct session *s, const struct session_cell *c, size_t index, size_t total);

/* Finishes the results, prints the tables and findings, and
 * returns the exit code of the run. */
int session_finish(struct session *s);

/* destroy(NULL) is a no-op. */
void session_destroy(struct session *s);

#endif
