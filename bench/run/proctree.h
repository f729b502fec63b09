/* proctree.h - follow a program and every process it starts.
 *
 * `wimm exec` measures a process tree, not one process: the runner hands
 * the root's pid to a proctree, which at each tick finds the root's
 * descendants (children of children included, and those that live on
 * after their parent exits), samples each one's RSS and shared pages from
 * /proc/PID/statm, and at a lower rate that adapts to its own cost its PSS
 * from /proc/PID/smaps_rollup. It keeps per process: pid, parent, command
 * line, first and last time seen, exit status where it can know it, peaks
 * and its own series; and per tick the tree's totals by three measures
 * (sum of RSS, RSS minus shared, PSS). The probe's process table in the
 * scoreboard adds those that lived too briefly to be sampled, each
 * process's VmHWM and allocator figures, and tells which processes ran
 * without the probe.
 *
 * How descendants are found (see proctree.c for the costs measured):
 * /proc/PID/task/TID/children of each process followed, read with pread on
 * kept descriptors; the driver is made a child subreaper
 * (PR_SET_CHILD_SUBREAPER) so a process whose parent exits is handed to
 * the driver instead of init, where /proc/self/task/TID/children finds it
 * and the driver can reap it with its exit status.
 */
#ifndef WIMM_PROCTREE_H
#define WIMM_PROCTREE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/scoreboard.h"

/* The tree at one tick: its three totals (bytes; pss -1 when not read at
 * this tick) and how many processes were live. */
struct proctree_totals {
	int nlive;
	int64_t rss, unshared, pss;
};

/* What a run of a tree comes to, for the cell's record. Figures are -1
 * when not known (pss when never read). */
struct proctree_summary {
	int procs;     /* processes known: sampled or registered */
	int unsampled; /* of those, ended before any sample */
	/* Their CPU time, where their probe wrote it at exit(), and of how
	 * many of them. */
	double unsampled_cpu_s;
	int unsampled_cpu_known;
	int no_probe;          /* sampled, but the probe never registered in them */
	int64_t peak_rss;      /* peak of the tree's sum of RSS */
	int64_t peak_unshared; /* peak of the sum of RSS minus shared */
	int64_t peak_pss;      /* peak of the sum of PSS (at the PSS ticks) */
	int64_t pss_reads;     /* PSS sweeps of the whole tree */
	double pss_interval_s; /* mean time between them */
	double pss_cost_s;     /* mean time one sweep took */
	/* The process that held the most at the tree's peak (PSS where it was
	 * read, else the sum of RSS): its label and its share. */
	char top[128];
	double top_share;
	/* Driver CPU time spent, in all: finding the processes at each tick,
	 * reading their RSS, and looking once at each new one (its files
	 * opened, its command line, why the probe may be missing). */
	double discovery_s, sampling_s, identify_s;
	int64_t ticks;
};

struct proctree;

/* Follows the tree rooted at pid (already exec'd), t0_ns being the
 * CLOCK_MONOTONIC origin of the series. sb may be NULL (no probe table).
 * Returns 0 or -errno. */
int proctree_create(struct proctree **out, pid_t root, int64_t t0_ns, const struct scoreboard *sb,
                    int64_t interval_ns);

/* One tick at now_ns: finds new descendants, samples every live one, reads
 * PSS when due. Fills tot. Returns 0 or -ENOMEM. */
int proctree_tick(struct proctree *pt, int64_t now_ns, struct proctree_totals *tot);

/* Processes still alive besides the root (which the runner watches). */
int proctree_live_descendants(const struct proctree *pt);

/* SIGKILL to every process still followed (those that left the root's
 * process group included). */
void proctree_kill(struct proctree *pt);

/* After the root was reaped with status (wait4's): reaps the orphans the
 * driver inherited, closes what is open, merges the probe's table, and
 * fills the summary. */
void proctree_finish(struct proctree *pt, int root_status, struct proctree_summary *sum);

/* Writes DIR/procs.tsv (one line per process), DIR/tree.tsv (the totals
 * per tick) and DIR/<pid>.tsv (each process's series), creating DIR.
 * Returns 0 or -errno. */
int proctree_write(const struct proctree *pt, const char *dir);

/* destroy(NULL) is a no-op. */
void proctree_destroy(struct proctree *pt);

#endif
