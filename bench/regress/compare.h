/* compare.h - regression verdicts between two runs (`wimm compare`).
 *
 * Cells are matched by workload, threads and allocator. Each figure the
 * metric table gives a .judge gets one mark per matched cell:
 *
 *   MJ_MEMORY (peak RSS, RSS / heap, RSS at the end of idle): medians over the
 *     repetitions that succeeded. Worse when NEW > BASE * (1 + threshold) and
 *     NEW - BASE > floor (better: the mirror image), and the change stands out
 *     of the repetitions' own scatter: with at least min_reps repetitions a
 *     side a Mann-Whitney test must agree (p < alpha); otherwise, when
 *     either side has two or more, every NEW repetition must lie beyond
 *     every BASE one and the change must exceed the spread (max - min over
 *     the median) of either side (so a 9-rep baseline also guards a 1-rep
 *     run); one repetition a side shows no scatter and is judged on the
 *     threshold alone.
 *     Multi-threaded cells move by 5-25% from run to run on a 2-core machine
 *     (scheduling decides which arena or cache a block lands in), so
 *     single-repetition runs can flag noise there; FINDINGS and README give
 *     the figures.
 *   MJ_REF_RATIO (time, CPU time per operation): the ratio of the figure to
 *     glibc's in the same run and repetition, so that a machine that is
 *     slower for the whole run moves nothing.
 *     Worse when the median ratio rises by more than the threshold and a
 *     two-sided Mann-Whitney test over the ratios gives p < alpha; with fewer
 *     than min_reps ratios on a side it is inconclusive, never a pass or a
 *     fail. glibc's own ratio is 1 by definition: marked as the reference.
 */
#ifndef WIMM_COMPARE_H
#define WIMM_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "bench/results/rundir.h"

/* The figures compare judges: those with a .judge in the metric table, in
 * its order. compare_columns gives their metric ids; a verdict array has
 * one entry per column. */
#define COMPARE_MAX_METRICS 16
int compare_columns(const int **ids);
/* The metric of column c, and how many columns there are. */
const struct metric *compare_metric(int c);
int compare_ncolumns(void);
/* The column of a --threshold key ("peak_rss", "time"), or -1. */
int compare_column(const char *ckey);

enum compare_mark {
	COMPARE_SAME, /* no significant change */
	COMPARE_WORSE,
	COMPARE_BETTER,
	COMPARE_NEW,          /* the cell is only in NEW */
	COMPARE_MISSING,      /* the cell is only in BASE */
	COMPARE_NA,           /* the figure does not exist on a side (note says) */
	COMPARE_INCONCLUSIVE, /* too few repetitions to test */
	COMPARE_FAILED,       /* every repetition failed in NEW, not in BASE */
	COMPARE_REFERENCE,    /* glibc's time: the yardstick of the others */
};

/* "same", "worse", "better", "new", "missing", "n/a", "inconclusive",
 * "failed", "reference": the JSON spelling of a mark. */
const char *compare_mark_name(enum compare_mark m);

struct compare_verdict {
	enum compare_mark mark;
	double base, now; /* medians (time: of the ratios to glibc); NaN = n/a */
	double change;    /* now / base - 1, NaN unless both exist */
	double p;         /* Mann-Whitney p-value, NaN when no test ran */
	int nbase, nnew;  /* repetitions (time: ratios) that entered */
	char note[96];    /* why: "n/a in BASE", "1 vs 1 reps (9 needed)", ... */
	int unjudged;     /* n/a because NEW lacks what BASE has */
};

struct compare_cell {
	char workload[WIMM_NAME_MAX];
	int threads;                        /* -1: none */
	char allocator[WIMM_NAME_MAX];      /* NEW's name (BASE's when missing) */
	char base_allocator[WIMM_NAME_MAX]; /* differs under --map */
	int in_base, in_new;
	int base_ok, base_failed, new_ok, new_failed;
	double base_ops, new_ops; /* medians; differing ops mean different work */
	struct compare_verdict v[COMPARE_MAX_METRICS]; /* by column */
};

#define COMPARE_MAX_MAP 16
#define COMPARE_MAX_NOTES 16

struct compare_opts {
	double threshold[COMPARE_MAX_METRICS]; /* by column */
	double floor[COMPARE_MAX_METRICS];
	double alpha; /* default 0.01 */
	int min_reps; /* default 9 */
	int force;    /* compare across testbeds */
	int partial;  /* NEW may lack what BASE has (see compare_exit_code) */
	struct {
		char base[WIMM_NAME_MAX], now[WIMM_NAME_MAX];
	} map[COMPARE_MAX_MAP];
	int nmap;
};

/* The defaults above. */
void compare_opts_init(struct compare_opts *o);

/* --threshold "rss=5%,time=25%": keys are the columns' keys, `rss` (the
 * memory ones in bytes), `memory` (every memory one) and `all`; values are
 * percentages. --floor "peak_rss=2MiB,blowup=0.05": sizes for byte
 * metrics, plain numbers for ratios; ratios to glibc have none. --map
 * "OLD=NEW".
 * Each returns 0 or -EINVAL with a message in err. */
int compare_parse_thresholds(struct compare_opts *o, const char *spec, char *err, size_t errlen);
int compare_parse_floors(struct compare_opts *o, const char *spec, char *err, size_t errlen);
int compare_parse_map(struct compare_opts *o, const char *spec, char *err, size_t errlen);
/* Every --map names an allocator of its run. Returns 0 or -EINVAL. */
int compare_check_map(const struct compare_opts *o, const struct rundir *base,
                      const struct rundir *now, char *err, size_t errlen);

struct compare_report {
	const struct rundir *base, *now;
	struct compare_opts opts;
	struct compare_cell *cells; /* sorted by workload, threads, allocator */
	size_t ncells;
	/* Why the runs are not comparable ("CPU count differs: 2 in BASE, 4 in
	 * NEW"); with opts.force they are warnings. */
	char mismatch[COMPARE_MAX_NOTES][192];
	int nmismatch;
	/* Other things the reader must know (no meta.json, different work). */
	char warning[COMPARE_MAX_NOTES][256];
	int nwarning;
	/* Workloads BASE has and NEW did not run at all: not compared, and not
	 * listed cell by cell (a run of one preset against a full baseline). */
	char absent[512];
	int nabsent_cells;
	/* Cells with at least one mark of the kind; worse includes failed. */
	int ncompared, nworse, nbetter, nnew, nmissing, ninconclusive;
	/* Figures BASE has that NEW has not (n/a only in NEW, or no glibc
	 * cell in NEW to measure time against): what could not be judged. */
	int nunjudged;
};

/* Compares NEW against BASE. Returns 0 or -ENOMEM. */
int compare_runs(const struct rundir *base, const struct rundir *now, const struct compare_opts *o,
                 struct compare_report **out);
void compare_report_destroy(struct compare_report *r);

/* Exit codes of `wimm compare`. */
#define COMPARE_EXIT_OK 0
#define COMPARE_EXIT_WORSE 1
#define COMPARE_EXIT_NOT_COMPARABLE 3
#define COMPARE_EXIT_INCOMPLETE 4

/* The exit code: 3 when not comparable (and not forced); 1 when a metric
 * is worse or a cell failed; 4 when nothing was compared, or, unless
 * opts.partial, when NEW is incomplete (interrupted), lacks cells BASE has
 * (compare_incomplete says which), or lacks a figure BASE has: what cannot
 * be judged must not pass; else 0. */
int compare_exit_code(const struct compare_report *r);

/* Why NEW is incomplete, one clause ("NEW was interrupted", "2 cells BASE
 * has are not in NEW", ...) joined by "; ", or "" when it is not. */
void compare_incomplete(const struct compare_report *r, char *buf, size_t len);

/* Output (compare_out.c). Text: the table, then the regressions and
 * improvements with their figures, then a one-line count. */
/* colour: WORSE and FAILED in red, better in green (a terminal's stdout,
 * log_colour_ok). */
void compare_print_text(FILE *f, const struct compare_report *r, bool colour);
void compare_print_markdown(FILE *f, const struct compare_report *r);
/* Every verdict; NULL when out of memory. */
struct json_object *compare_json(const struct compare_report *r);
/* NEW's figures in github-action-benchmark's customSmallerIsBetter format:
 * [{"name", "unit", "value", "extra"}]. NULL when out of memory. */
struct json_object *compare_gab(const struct compare_report *r);

#endif
