/* results_int.h - what the files of the results module share inside it:
 * the run directory's state (results.c), meta.json (results_meta.c) and
 * summary.json (results_summary.c). Nothing outside bench/results/results*.c
 * includes it; results.h is the interface.
 */
#ifndef WIMM_RESULTS_INT_H
#define WIMM_RESULTS_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench/results/results.h"
#include "bench/results/strmap.h"
#include "bench/run/unforked.h"

/* One (workload, threads, allocator): the unit repetitions aggregate over. */
struct results_group {
	char workload[sizeof(((struct cell_record *)0)->workload)];
	int64_t threads;
	char allocator[sizeof(((struct cell_record *)0)->allocator)];
};

struct results {
	char root[PATH_MAX];
	char dir[PATH_MAX]; /* root/runs/<id> */
	char id[32];
	/* Every cell recorded, in order: its record, its group, and its entry
	 * of summary.json as text (one line, NUL-terminated, at json_at[i] in
	 * text), made once when it is added. Records and texts are kept out of
	 * the children the driver forks (unforked.h): a run of thousands of
	 * cells forks each as cheaply as the first. */
	struct unforked recs_mem, json_at_mem, text;
	struct cell_record *recs; /* recs_mem.p */
	size_t *json_at;          /* json_at_mem.p */
	size_t *group_of;
	size_t ncells, capcells;
	struct results_group *groups;
	size_t ngroups, capgroups;
	struct strmap group_map;
	int csv_fd;      /* cells.csv, appended to; -1 when it cannot be */
	bool csv_failed; /* an append failed: rewritten whole at the end */
	bool finished;
	int cells_not_run;
	int latest_rc; /* -errno when latest could not be pointed at this run */
	/* summary.json's last rewrite: when, and what it cost (its rate is
	 * bounded by that cost, see results.c). */
	int64_t summary_at_ns;   /* CLOCK_MONOTONIC */
	int64_t summary_cpu_ns;  /* the driver's CPU time then */
	int64_t summary_cost_ns; /* the CPU time it took */
};

/* meta.json of a run started at `started` (results_meta.c). NULL when out
 * of memory. */
struct json_object *results_meta_build(const char *run_id, const struct run_info *info,
                                       const char *started);

/* A cell's entry of summary.json, one line of JSON (malloc'ed), with its
 * phases and series path ("" = none). NULL when out of memory. */
char *results_cell_json(const struct cell_record *c, const struct phase_stats *phases,
                        const char *series);

/* The whole summary.json text (malloc'ed, *len bytes): the cells' entries
 * and every group's median, min and max. NULL when out of memory. */
char *results_summary_text(const struct results *r, size_t *len);

#endif
