/* proctree.c - find, sample and account for every process of a tree (see
 * proctree.h).
 *
 * Why these choices:
 * - Discovery by /proc/PID/task/TID/children, read with pread on a kept
 *   descriptor per thread: the kernel lists exactly the children of that
 *   thread, so walking from the root finds the tree and nothing else. A
 *   scan of /proc reading every process's PPid costs about 20 ms with
 *   ~160 processes on this machine, a hundred times one tick of a
 *   50-process tree; a process group or session would miss a child that
 *   calls setsid() or setpgid(). Measured with scripts/bench-proctree.sh:
 *   one children read costs about what one statm read costs.
 * - The thread list of each process is read again only when its thread
 *   count changes (the link count of /proc/PID/task, one fstat on a kept
 *   descriptor, every THREADS_TICKS ticks; listing the directory costs
 *   twice a statm read). A child forked by a thread started since is
 *   found up to THREADS_TICKS ticks late. A thread
 *   that ends hands its children to another thread of the process, which
 *   is read already; a thread started as another ends, between two ticks,
 *   is found at the next change of the count.
 * - A process that has had no child over its first LEAF_AFTER ticks (most
 *   of a tree: the workers, the helpers) is looked into every LEAF_TICKS
 *   ticks, not every tick: in a tree of 50 processes, 49 of them leaves,
 *   reading every children file at every tick cost 1.3 times the statm
 *   reads (driver CPU time, scripts/proctree_cost.py). A child such a
 *   process starts is found up to LEAF_TICKS ticks late; one that ends
 *   sooner is still counted by the probe's table.
 * - The driver is a child subreaper: an orphan comes to the driver, not to
 *   init, so it is still found (in the driver's own children list) and
 *   the driver collects its exit status. The driver's children other than
 *   the root when the tree is created (the reaper) are not of the tree;
 *   any that comes later is.
 * - A kept descriptor on /proc/PID/... refers to that process, not to the
 *   number: once the process is reaped, reads fail (ESRCH), so a pid the
 *   kernel hands out again is never mistaken for the one followed.
 * - PSS (smaps_rollup) walks every mapping: 0.7 ms at 258 MiB, 25 ms at
 *   4 GiB. It is read for the whole tree at once, at an interval of 50
 *   times the CPU time the last sweep took (at most 2% of a CPU), and
 *   never more often than every 10 ticks (nor than every 100 ms). CPU
 *   time, not wall time: on a busy machine the wall time of a sweep is
 *   mostly waiting for a CPU, which costs the measured tree nothing.
 */
#include "bench/run/proctree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/run/proctree_impl.h"
#include "common/clock.h"
#include "common/text.h"

#define THREADS_TICKS 4
#define LEAF_AFTER 8 /* ticks without a child before a process counts as a leaf */
#define LEAF_TICKS 4
#define PSS_COST_FACTOR 50
#define PSS_MIN_NS INT64_C(100000000)
#define PSS_MAX_NS INT64_C(10000000000)
/* Command lines are read again on these first ticks of a process's life:
 * a shell's child found before its exec names the program after it. */
#define CMD_REREAD_TICKS 4

static int64_t mono_ns(void) { return clock_ns(CLOCK_MONOTONIC); }

/* The driver's own costs are CPU time: on a busy machine, wall time is
 * mostly waiting for a CPU. */
static int64_t cpu_ns(void) { return clock_ns(CLOCK_THREAD_CPUTIME_ID); }

static int open_proc(pid_t pid, const char *name)
{
	char path[96];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	return open(path, O_RDONLY | O_CLOEXEC);
}

/* The exit code the kernel shows for a zombie (field 52 of stat), or -1
 * once the process is reaped (or not a zombie). */
static int zombie_status(int statfd)
{
	char buf[2048];
	ssize_t n = pread(statfd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || p[2] != 'Z')
		return -1;
	/* Field 52 is the last one. */
	char *last = strrchr(p, ' ');
	if (!last)
		return -1;
	if (last[1] == '\n' || last[1] == 0) { /* a trailing space */
		*last = 0;
		last = strrchr(p, ' ');
		if (!last)
			return -1;
	}
	return (int)strtol(last + 1, NULL, 10);
}

/* Reads its command line into pr->cmd (NULs as spaces, cleaned), and when
 * it was read; keeps what it had when unreadable (gone, or a zombie). */
static void read_cmdline(struct pt_proc *pr)
{
	char buf[1024];
	int fd = open_proc(pr->pid, "cmdline");
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return;
	for (ssize_t i = 0; i < n; i++)
		if (!buf[i])
			buf[i] = ' ';
	while (n > 0 && buf[n - 1] == ' ')
		n--;
	buf[n] = 0;
	text_clean(pr->cmd, sizeof(pr->cmd), buf, TEXT_ONE_LINE);
	pr->cmd_ns = mono_ns();
	/* And the file it runs, with when it was seen (proctree_merge_probe
	 * compares it with what the probe registered, and when). */
	char exe[64];
	struct stat st;
	snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)pr->pid);
	if (stat(exe, &st) == 0) {
		/* A new program (or the first look): why the probe may not be
		 * in it is asked again. */
		int changed =
		    pr->exe_ino != (uint64_t)st.st_ino || pr->exe_dev != (uint64_t)st.st_dev;
		pr->exe_dev = (uint64_t)st.st_dev;
		pr->exe_ino = (uint64_t)st.st_ino;
		pr->exe_ns = pr->cmd_ns;
		if (changed)
			proctree_classify(pr);
	}
}

/* Reads a children file into pids (at most max). Returns how many, or -1
 * when the thread is gone. */
static int read_children(int fd, pid_t *pids, int max)
{
	char buf[4096];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		return -1;
	buf[n] = 0;
	int k = 0;
	for (char *p = buf, *end; k < max; p = end) {
		long v = strtol(p, &end, 10);
		if (end == p)
			break;
		if (v > 0)
			pids[k++] = (pid_t)v;
	}
	return k;
}

/* Opens a children file for every thread of pid not yet in pr->tids. */
static void refresh_tasks(struct pt_proc *pr)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pr->pid);
	DIR *d = opendir(path);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		pid_t tid = (pid_t)strtol(de->d_name, NULL, 10);
		if (tid <= 0)
			continue;
		int known = 0;
		for (int i = 0; i < pr->ntasks && !known; i++)
			known = pr->tids[i] == tid;
		if (known || pr->ntasks == PT_MAX_TASKS)
			continue;
		char name[64];
		snprintf(name, sizeof(name), "task/%d/children", (int)tid);
		int fd = open_proc(pr->pid, name);
		if (fd < 0)
			continue;
		pr->tids[pr->ntasks] = tid;
		pr->kids[pr->ntasks++] = fd;
	}
	closedir(d);
}

static void close_proc(struct pt_proc *pr)
{
	for (int i = 0; i < pr->ntasks; i++)
		close(pr->kids[i]);
	pr->ntasks = 0;
	if (pr->statm >= 0)
		close(pr->statm);
	if (pr->stat >= 0)
		close(pr->stat);
	if (pr->taskdir >= 0)
		close(pr->taskdir);
	pr->statm = pr->stat = pr->taskdir = -1;
}

struct pt_proc *proctree_find(struct proctree *pt, pid_t pid)
{
	for (size_t i = 0; i < pt->n; i++)
		if (pt->p[i].pid == pid)
			return &pt->p[i];
	return NULL;
}

struct pt_proc *proctree_add(struct proctree *pt, pid_t pid, pid_t ppid, int64_t now)
{
	if (pt->n == pt->cap) {
		size_t cap = pt->cap ? pt->cap * 2 : 16;
		struct pt_proc *p = realloc(pt->p, cap * sizeof(*p));
		if (!p)
			return NULL;
		pt->p = p;
		pt->cap = cap;
	}
	struct pt_proc *pr = &pt->p[pt->n++];
	memset(pr, 0, sizeof(*pr));
	pr->pid = pid;
	pr->ppid = ppid;
	pr->first_ns = pr->last_ns = now;
	pr->exit_status = pr->term_signal = -1;
	pr->peak_rss = pr->peak_unshared = pr->peak_pss = pr->vmhwm = pr->cpu_ns = -1;
	pr->in_use = pr->system = pr->arenas = -1;
	pr->slot = -1;
	pr->statm = pr->stat = pr->taskdir = -1;
	return pr;
}

/* Whether the process's thread count changed since the last look. */
static int threads_changed(struct pt_proc *pr)
{
	struct stat st;
	if (pr->taskdir < 0 || fstat(pr->taskdir, &st))
		return 0;
	int changed = st.st_nlink != pr->task_links;
	pr->task_links = st.st_nlink;
	return changed;
}

/* Starts following pid: its files, its threads, its command line. */
static void follow(struct proctree *pt, pid_t pid, pid_t ppid, int ours, int64_t now)
{
	struct pt_proc *pr = proctree_add(pt, pid, ppid, now);
	if (!pr)
		return;
	pr->ours = ours;
	pr->statm = open_proc(pid, "statm");
	pr->stat = open_proc(pid, "stat");
	pr->taskdir = open_proc(pid, "task");
	read_cmdline(pr);
	if (pr->statm < 0) {
		close_proc(pr); /* ended before we could look at it */
		return;
	}
	pr->alive = 1;
	threads_changed(pr);
	refresh_tasks(pr);
}

int proctree_create(struct proctree **out, pid_t root, int64_t t0_ns, const struct scoreboard *sb,
                    int64_t interval_ns)
{
	struct proctree *pt = calloc(1, sizeof(*pt));
	if (!pt)
		return -ENOMEM;
	pt->root = root;
	pt->t0 = t0_ns;
	pt->sb = sb;
	pt->page = sysconf(_SC_PAGESIZE);
	pt->peak_rss = pt->peak_unshared = pt->peak_pss = -1;
	int64_t every = interval_ns > 0 ? 10 * interval_ns : PSS_MIN_NS;
	pt->pss_min_ns = every > PSS_MIN_NS ? every : PSS_MIN_NS;
	/* Orphans of the tree come to us (see the top of the file). */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	/* The kernel hands orphans to the subreaper's thread-group leader
	 * while it lives: the driver's main thread. */
	char name[64];
	snprintf(name, sizeof(name), "task/%d/children", (int)getpid());
	pt->self_kids = open_proc(getpid(), name);
	pid_t kids[PT_MAX_OTHERS];
	int k = pt->self_kids >= 0 ? read_children(pt->self_kids, kids, PT_MAX_OTHERS) : 0;
	for (int j = 0; j < k; j++)
		if (kids[j] != root)
			pt->others[pt->nothers++] = kids[j];
	follow(pt, root, getpid(), 1, t0_ns);
	if (!pt->n) {
		proctree_destroy(pt);
		return -ENOMEM;
	}
	/* The runner waits for the root itself, with its rusage. */
	pt->p[0].is_root = 1;
	*out = pt;
	return 0;
}

static void discover(struct proctree *pt, int64_t now)
{
	pid_t kids[512];
	/* pt->n grows as we go: a child found is looked into in the same
	 * pass. */
	for (size_t i = 0; i < pt->n; i++) {
		struct pt_proc *pr = &pt->p[i];
		if (!pr->alive)
			continue;
		if (pt->ticks % THREADS_TICKS == 0 && threads_changed(pr))
			refresh_tasks(pr);
		/* Who it is, again on its first ticks: a shell's child found
		 * before its exec is named after it. */
		if (pr->age < CMD_REREAD_TICKS) {
			int64_t t0 = cpu_ns();
			read_cmdline(pr);
			pt->ident_ns += cpu_ns() - t0;
		}
		/* A leaf for a while (no child ever seen) is looked into every
		 * LEAF_TICKS ticks, spread by its pid: see the top of the file. */
		if (!pr->had_children && pr->age > LEAF_AFTER &&
		    (pt->ticks + pr->pid) % LEAF_TICKS != 0)
			continue;
		for (int t = 0; t < pr->ntasks; t++) {
			int k = read_children(pr->kids[t], kids, 512);
			if (k > 0)
				pr->had_children = 1;
			pid_t parent = pr->pid;
			for (int j = 0; j < k; j++)
				if (!proctree_find(pt, kids[j])) {
					int64_t t0 = cpu_ns();
					follow(pt, kids[j], parent, 0, now);
					pt->ident_ns += cpu_ns() - t0;
				}
			pr = &pt->p[i]; /* follow() may have moved the array */
		}
	}
	/* Orphans handed to the driver. */
	int k = pt->self_kids >= 0 ? read_children(pt->self_kids, kids, 512) : 0;
	for (int j = 0; j < k; j++) {
		struct pt_proc *pr = proctree_find(pt, kids[j]);
		if (pr) {
			pr->ours = 1;
			continue;
		}
		int other = 0;
		for (int o = 0; o < pt->nothers && !other; o++)
			other = pt->others[o] == kids[j];
		if (!other) {
			int64_t t0 = cpu_ns();
			follow(pt, kids[j], 0, 1, now);
			pt->ident_ns += cpu_ns() - t0;
		}
	}
}

/* The process has ended: its exit status where the kernel still shows it
 * (a zombie) or where it is the driver's to collect. */
static void ended(struct pt_proc *pr)
{
	pr->alive = 0;
	if (pr->stat >= 0) {
		int code = zombie_status(pr->stat);
		if (code >= 0) {
			pr->exit_status = WIFEXITED(code) ? WEXITSTATUS(code) : -1;
			pr->term_signal = WIFSIGNALED(code) ? WTERMSIG(code) : -1;
			pr->status_known = 1;
		}
	}
	int status;
	if (pr->ours && !pr->is_root && waitpid(pr->pid, &status, WNOHANG) == pr->pid) {
		pr->reaped = 1;
		pr->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		pr->term_signal = WIFSIGNALED(status) ? WTERMSIG(status) : -1;
		pr->status_known = 1;
	}
	close_proc(pr);
}

static int grow_rows(void **rows, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	size_t c = *cap ? *cap * 2 : 256;
	void *r = realloc(*rows, c * size);
	if (!r)
		return -ENOMEM;
	*rows = r;
	*cap = c;
	return 0;
}

/* Opened at each reading: an open smaps_rollup keeps the memory map of
 * the moment it was opened, so after an exec it would read the old one. */
static int64_t read_pss(pid_t pid)
{
	char buf[4096];
	int fd = open_proc(pid, "smaps_rollup");
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	const char *p = strstr(buf, "\nPss:");
	return p ? strtoll(p + 5, NULL, 10) * 1024 : -1;
}

static void label(const struct pt_proc *pr, char *out, size_t len)
{
	snprintf(out, len, "%.80s (pid %d)", pr->cmd[0] ? pr->cmd : "?", (int)pr->pid);
}

/* PSS of every live process, one sweep; rows[] of this tick get it. */
static void sweep_pss(struct proctree *pt, int64_t now, struct proctree_totals *tot)
{
	int64_t t0 = mono_ns(), c0 = cpu_ns(), sum = 0, best = -1;
	const struct pt_proc *top = NULL;
	for (size_t i = 0; i < pt->n; i++) {
		struct pt_proc *pr = &pt->p[i];
		if (!pr->alive || !pr->nrows || pr->rows[pr->nrows - 1].t_ns != now)
			continue;
		int64_t pss = read_pss(pr->pid);
		if (pss < 0)
			continue;
		pr->rows[pr->nrows - 1].pss = pss;
		if (pss > pr->peak_pss)
			pr->peak_pss = pss;
		sum += pss;
		if (pss > best) {
			best = pss;
			top = pr;
		}
		/* A cheap moment to see whether it has exec'd since. */
		read_cmdline(pr);
	}
	int64_t cost = mono_ns() - t0, cpu = cpu_ns() - c0;
	tot->pss = sum;
	if (pt->pss_reads == 0)
		pt->first_pss_ns = now;
	pt->last_pss_ns = now;
	pt->pss_reads++;
	pt->pss_cost_ns += cost;
	if (sum > pt->peak_pss && top) {
		pt->peak_pss = sum;
		label(top, pt->top_pss, sizeof(pt->top_pss));
		pt->top_pss_share = (double)best / (double)sum;
	}
	int64_t next = cpu * PSS_COST_FACTOR;
	next = next < pt->pss_min_ns ? pt->pss_min_ns : next > PSS_MAX_NS ? PSS_MAX_NS : next;
	pt->next_pss_ns = now + next;
}

int proctree_tick(struct proctree *pt, int64_t now, struct proctree_totals *tot)
{
	int64_t t0 = cpu_ns();
	discover(pt, now);
	int64_t t1 = cpu_ns();
	*tot = (struct proctree_totals){.pss = -1};
	int64_t best = -1;
	const struct pt_proc *top = NULL;
	for (size_t i = 0; i < pt->n; i++) {
		struct pt_proc *pr = &pt->p[i];
		if (!pr->alive)
			continue;
		char buf[256];
		ssize_t n = pread(pr->statm, buf, sizeof(buf) - 1, 0);
		long long size, resident = 0, shared = 0;
		if (n > 0) {
			buf[n] = 0;
			if (sscanf(buf, "%lld %lld %lld", &size, &resident, &shared) != 3)
				resident = 0;
		}
		/* A zombie's statm reads as zeros, a reaped one's fails. */
		if (resident <= 0) {
			ended(pr);
			continue;
		}
		if (grow_rows((void **)&pr->rows, &pr->cap, pr->nrows, sizeof(*pr->rows)))
			return -ENOMEM;
		int64_t rss = resident * pt->page, sh = shared * pt->page;
		struct pt_row *row = &pr->rows[pr->nrows++];
		*row = (struct pt_row){.t_ns = now, .rss = rss, .shared = sh, .pss = -1};
		proctree_probe_figures(pt, pr, &row->in_use, &row->system);
		pr->last_ns = now;
		if (rss > pr->peak_rss)
			pr->peak_rss = rss;
		if (rss - sh > pr->peak_unshared)
			pr->peak_unshared = rss - sh;
		pr->age++;
		tot->nlive++;
		tot->rss += rss;
		tot->unshared += rss - sh;
		if (rss > best) {
			best = rss;
			top = pr;
		}
	}
	/* Sampling's cost is the statm reads; PSS is timed on its own, and
	 * so is the one-off look at each new process (files opened, command
	 * line, why the probe may be missing). */
	pt->disc_ns += t1 - t0;
	pt->samp_ns += cpu_ns() - t1;
	if (tot->nlive && now >= pt->next_pss_ns)
		sweep_pss(pt, now, tot);
	pt->ticks++;
	if (!tot->nlive)
		return 0;
	if (tot->rss > pt->peak_rss && top) {
		pt->peak_rss = tot->rss;
		label(top, pt->top_rss, sizeof(pt->top_rss));
		pt->top_rss_share = (double)best / (double)tot->rss;
	}
	if (tot->unshared > pt->peak_unshared)
		pt->peak_unshared = tot->unshared;
	if (grow_rows((void **)&pt->rows, &pt->caprows, pt->nrows, sizeof(*pt->rows)))
		return -ENOMEM;
	pt->rows[pt->nrows++] = (struct pt_trow){.t_ns = now,
	                                         .nlive = tot->nlive,
	                                         .rss = tot->rss,
	                                         .unshared = tot->unshared,
	                                         .pss = tot->pss};
	return 0;
}

int proctree_live_descendants(const struct proctree *pt)
{
	int n = 0;
	for (size_t i = 0; i < pt->n; i++)
		n += pt->p[i].alive && pt->p[i].pid != pt->root;
	return n;
}

void proctree_kill(struct proctree *pt)
{
	for (size_t i = 0; i < pt->n; i++)
		if (pt->p[i].alive)
			kill(pt->p[i].pid, SIGKILL);
}

/* Collects every process of the tree that is now the driver's child: those
 * killed, and the children they leave behind (handed to us as they die).
 * Bounded: a process in uninterruptible sleep is left to the kernel. */
static void reap_all(struct proctree *pt)
{
	for (int round = 0; round < 200; round++) {
		int waiting = 0;
		for (size_t i = 0; i < pt->n; i++) {
			struct pt_proc *pr = &pt->p[i];
			if (pr->is_root || pr->reaped || pr->gone)
				continue;
			int status;
			pid_t w = waitpid(pr->pid, &status, WNOHANG);
			if (w == pr->pid) {
				pr->reaped = 1;
				if (!pr->status_known) {
					pr->exit_status =
					    WIFEXITED(status) ? WEXITSTATUS(status) : -1;
					pr->term_signal =
					    WIFSIGNALED(status) ? WTERMSIG(status) : -1;
					pr->status_known = 1;
				}
				continue;
			}
			/* Not (or not yet) ours: gone once /proc no longer has
			 * it; a zombie whose parent was killed comes to us. */
			char path[64];
			snprintf(path, sizeof(path), "/proc/%d", (int)pr->pid);
			if (access(path, F_OK) != 0)
				pr->gone = 1;
			else
				waiting++;
		}
		if (!waiting)
			return;
		struct timespec ts = {0, 5000000};
		nanosleep(&ts, NULL);
	}
}

void proctree_finish(struct proctree *pt, int root_status, struct proctree_summary *sum)
{
	struct pt_proc *root = proctree_find(pt, pt->root);
	if (root) {
		root->is_root = 1;
		root->exit_status = WIFEXITED(root_status) ? WEXITSTATUS(root_status) : -1;
		root->term_signal = WIFSIGNALED(root_status) ? WTERMSIG(root_status) : -1;
		root->status_known = 1;
	}
	for (size_t i = 0; i < pt->n; i++)
		if (pt->p[i].alive)
			ended(&pt->p[i]);
	reap_all(pt);
	/* Back to what the driver was: its other children (gnuplot, later
	 * cells' trees) are not this tree's. */
	prctl(PR_SET_CHILD_SUBREAPER, 0);
	proctree_merge_probe(pt);
	proctree_summarize(pt, sum);
}

void proctree_destroy(struct proctree *pt)
{
	if (!pt)
		return;
	for (size_t i = 0; i < pt->n; i++) {
		close_proc(&pt->p[i]);
		free(pt->p[i].rows);
	}
	if (pt->self_kids >= 0)
		close(pt->self_kids);
	free(pt->p);
	free(pt->rows);
	free(pt);
}
