/* proctree_impl.h - what proctree.c and proctree_io.c share: the records
 * of the processes followed and of the tree's ticks. Not for other users:
 * proctree.h is the interface.
 */
#ifndef WIMM_PROCTREE_IMPL_H
#define WIMM_PROCTREE_IMPL_H

#include "bench/run/proctree.h"

#define PT_MAX_TASKS 64 /* threads per process whose children are read */
#define PT_MAX_OTHERS 16

struct pt_row {
	int64_t t_ns, rss, shared, pss; /* pss -1 when not read at this tick */
	int64_t in_use, system;         /* its probe's last figures, -1 n/a */
};

struct pt_trow {
	int64_t t_ns;
	int nlive;
	int64_t rss, unshared, pss;
};

struct pt_proc {
	pid_t pid, ppid; /* ppid 0: unknown (found as an orphan) */
	char cmd[256];
	int64_t cmd_ns; /* when cmd was read (0: never) */
	/* Why the probe cannot be in it (static, setuid, LD_PRELOAD gone),
	 * checked while it lives; "" when nothing stands in its way. */
	char no_probe[200];
	int alive, ours, is_root, reaped, gone, status_known;
	int had_children; /* some child was ever seen in its children files */
	int registered;   /* the probe registered it (scoreboard table) */
	/* The file it ran when last looked at (0: not known). */
	uint64_t exe_dev, exe_ino;
	int64_t exe_ns;               /* when (CLOCK_MONOTONIC) */
	int exit_status, term_signal; /* -1: unknown */
	int age;                      /* ticks sampled */
	int64_t first_ns, last_ns;    /* seen first, last seen alive */
	int64_t start_ns, end_ns;     /* from the probe's table; 0 unknown */
	int64_t peak_rss, peak_unshared, peak_pss, vmhwm;
	int64_t cpu_ns; /* its CPU time at exit(), from its probe; -1 unknown */
	/* The largest figures its probe published (-1 n/a), from its slot in
	 * the tree's table (slot -1: not found yet). */
	int64_t in_use, system, arenas;
	int slot;
	char family[16];
	char owner[200];          /* the file that serves its malloc, as it reported */
	int statm, stat, taskdir; /* kept descriptors, -1 once closed */
	unsigned long task_links; /* link count of /proc/PID/task: threads + 2 */
	int ntasks;
	pid_t tids[PT_MAX_TASKS];
	int kids[PT_MAX_TASKS];
	struct pt_row *rows;
	size_t nrows, cap;
};

struct proctree {
	pid_t root;
	int64_t t0;
	const struct scoreboard *sb;
	long page;
	int self_kids; /* the driver's own children file */
	/* The driver's children that are not of the tree (the reaper). */
	pid_t others[PT_MAX_OTHERS];
	int nothers;
	struct pt_proc *p;
	size_t n, cap;
	struct pt_trow *rows;
	size_t nrows, caprows;
	int64_t ticks, disc_ns, samp_ns, ident_ns; /* disc_ns includes ident_ns */
	int64_t peak_rss, peak_unshared, peak_pss;
	char top_rss[128], top_pss[128];
	double top_rss_share, top_pss_share;
	int64_t pss_min_ns, next_pss_ns, pss_reads, pss_cost_ns, first_pss_ns, last_pss_ns;
};

/* proctree.c */
struct pt_proc *proctree_find(struct proctree *pt, pid_t pid);
/* Adds a record (not followed: no files open). NULL when out of memory. */
struct pt_proc *proctree_add(struct proctree *pt, pid_t pid, pid_t ppid, int64_t now);

/* proctree_io.c */
/* The probe's figures of pr at this moment from its slot (found by pid on
 * the way), -1 where it has none. */
void proctree_probe_figures(const struct proctree *pt, struct pt_proc *pr, int64_t *in_use,
                            int64_t *system);
/* Fills pr->no_probe with the reason the probe cannot reach it, if any. */
void proctree_classify(struct pt_proc *pr);
/* Folds the probe's process table into the records. */
void proctree_merge_probe(struct proctree *pt);
void proctree_summarize(const struct proctree *pt, struct proctree_summary *sum);

#endif
