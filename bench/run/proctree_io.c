/* proctree_io.c - a followed tree's records: why a process has no probe,
 * what the probe's table adds, the summary, and the files.
 *
 * Files (in the directory the caller names, one per cell):
 *   procs.tsv   one line per process: pid, ppid, when it was first and
 *               last seen (seconds from the root's exec), its exit status
 *               and signal where known, peaks (RSS, RSS minus shared, PSS,
 *               VmHWM at exit), samples, the probe's view, its command.
 *   tree.tsv    per tick: live processes and the three totals.
 *   <pid>.tsv   per tick for that process: rss, shared, pss, and its
 *               allocator's in-use and system bytes (from its probe).
 *   stack.tsv   per tick, the RSS of the largest processes stacked (each
 *               column the running sum up to that process, "others" the
 *               rest, so its last is the sum of RSS), then RSS minus shared
 *               and PSS: what the tree figure draws (scripts/tree.gp).
 * Every number n/a is written empty, as in the cell's series.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/run/program.h"
#include "bench/run/proctree_impl.h"
#include "common/fsutil.h"
#include "common/text.h"

/* Whether /proc/PID/environ names LD_PRELOAD: 1 yes, 0 no, -1 unreadable. */
static int has_preload(pid_t pid)
{
	char path[64], buf[65536];
	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(buf + i) + 1)
		if (!strncmp(buf + i, "LD_PRELOAD=", 11))
			return 1;
	return 0;
}

void proctree_classify(struct pt_proc *pr)
{
	char exe[64], err[sizeof(pr->no_probe)];
	struct program prog;
	snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)pr->pid);
	/* The checks `wimm exec` makes of its own command, on what the
	 * process runs now; only the reasons the probe cannot be loaded count
	 * (an unreadable exe of a process that just ended says nothing). */
	if (program_find(exe, &prog, err, sizeof(err)) != 0) {
		const char *why =
		    strstr(err, "statically linked") ? "a static executable"
		    : strstr(err, "set-user-ID")     ? "set-user-ID: the loader ignores LD_PRELOAD"
		    : strstr(err, "set-group-ID")    ? "set-group-ID: the loader ignores LD_PRELOAD"
		    : strstr(err, "capabilities")
		        ? "file capabilities: the loader ignores LD_PRELOAD"
		        : NULL;
		if (why)
			snprintf(pr->no_probe, sizeof(pr->no_probe), "%s", why);
		return;
	}
	if (has_preload(pr->pid) == 0)
		snprintf(pr->no_probe, sizeof(pr->no_probe),
		         "LD_PRELOAD was removed from its environment");
	else
		pr->no_probe[0] = 0;
}

static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

/* A consistent copy of a slot's figures (its writer's sequence lock);
 * -1s when it never settles. */
static void slot_read(const struct sb_proc *s, int64_t *in_use, int64_t *system, int64_t *arenas)
{
	for (int tries = 0; tries < 100; tries++) {
		uint64_t seq = atomic_load(&s->seq);
		if (seq & 1)
			continue;
		*in_use = atomic_load(&s->in_use_bytes);
		*system = atomic_load(&s->system_bytes);
		*arenas = atomic_load(&s->arenas);
		if (atomic_load(&s->seq) == seq)
			return;
	}
	*in_use = *system = *arenas = -1;
}

void proctree_probe_figures(const struct proctree *pt, struct pt_proc *pr, int64_t *in_use,
                            int64_t *system)
{
	*in_use = *system = -1;
	const struct scoreboard *sb = pt->sb;
	if (!sb)
		return;
	uint32_t n = atomic_load(&sb->nprocs);
	n = n > SCOREBOARD_PROCS ? SCOREBOARD_PROCS : n;
	/* The latest registration of the pid: an exec'd image after its
	 * fork. Looked for again only while the table grows. */
	if (pr->slot < 0 || (uint32_t)pr->slot + 1 < n)
		for (uint32_t i = pr->slot < 0 ? 0 : (uint32_t)pr->slot + 1; i < n; i++)
			if (atomic_load_explicit(&sb->procs[i].pid, memory_order_acquire) ==
			    pr->pid)
				pr->slot = (int)i;
	if (pr->slot < 0)
		return;
	int64_t arenas;
	slot_read(&sb->procs[pr->slot], in_use, system, &arenas);
	if (*in_use > pr->in_use)
		pr->in_use = *in_use;
	if (*system > pr->system)
		pr->system = *system;
	if (arenas > pr->arenas)
		pr->arenas = arenas;
}

void proctree_merge_probe(struct proctree *pt)
{
	const struct scoreboard *sb = pt->sb;
	if (!sb)
		return;
	uint32_t n = atomic_load(&sb->nprocs);
	if (n > SCOREBOARD_PROCS)
		n = SCOREBOARD_PROCS;
	for (uint32_t i = 0; i < n; i++) {
		const struct sb_proc *s = &sb->procs[i];
		pid_t pid = atomic_load_explicit(&s->pid, memory_order_acquire);
		if (pid <= 0)
			continue;
		struct pt_proc *pr = proctree_find(pt, pid);
		if (!pr) {
			/* Registered, never seen: ended between two ticks. */
			pr = proctree_add(pt, pid, s->ppid, atomic_load(&s->start_ns));
			if (!pr)
				return;
			pr->gone = 1;
		}
		/* Never read, or read before the exec this slot registered: the
		 * name the program gave itself is the better one. */
		int64_t start = atomic_load(&s->start_ns);
		if (!pr->cmd[0] || (!atomic_load(&s->forked) && start > pr->cmd_ns)) {
			char comm[sizeof(s->comm) + 1];
			text_clean_n(comm, sizeof(comm), s->comm, sizeof(s->comm), TEXT_ONE_LINE);
			if (comm[0])
				snprintf(pr->cmd, sizeof(pr->cmd), "[%s]", comm);
		}
		/* Registered by its fork, then seen running another program
		 * that never registered: the probe is not in what it ran. */
		pr->registered =
		    !(pr->exe_ino && s->exe_ino && atomic_load(&s->start_ns) < pr->exe_ns &&
		      (s->exe_ino != pr->exe_ino || s->exe_dev != pr->exe_dev));
		if (!pr->ppid)
			pr->ppid = s->ppid;
		int64_t end = atomic_load(&s->end_ns);
		if (start > 0 && (!pr->start_ns || start < pr->start_ns))
			pr->start_ns = start;
		pr->end_ns = max64(pr->end_ns, end);
		pr->vmhwm = max64(pr->vmhwm, atomic_load(&s->vmhwm_bytes));
		pr->cpu_ns = max64(pr->cpu_ns, atomic_load(&s->cpu_ns));
		/* Its exit reading counts among its peaks. */
		int64_t in_use, system, arenas;
		slot_read(s, &in_use, &system, &arenas);
		pr->in_use = max64(pr->in_use, in_use);
		pr->system = max64(pr->system, system);
		pr->arenas = max64(pr->arenas, arenas);
		/* The exec'd image's malloc (the last registration) wins. */
		if (!atomic_load(&s->forked) || pr->family[0] == 0) {
			text_clean_n(pr->family, sizeof(pr->family), s->family, sizeof(s->family),
			             TEXT_ONE_LINE);
			text_clean_n(pr->owner, sizeof(pr->owner), s->owner, sizeof(s->owner),
			             TEXT_ONE_LINE);
		}
	}
	/* Without a single registration the probe was not loaded at all
	 * (--no-probe): nobody is singled out. */
	if (!atomic_load(&sb->nprocs))
		for (size_t i = 0; i < pt->n; i++)
			pt->p[i].no_probe[0] = 0;
}

void proctree_summarize(const struct proctree *pt, struct proctree_summary *sum)
{
	memset(sum, 0, sizeof(*sum));
	int any_registered = 0;
	for (size_t i = 0; i < pt->n; i++)
		any_registered |= pt->p[i].registered;
	for (size_t i = 0; i < pt->n; i++) {
		const struct pt_proc *pr = &pt->p[i];
		sum->procs++;
		if (!pr->nrows) {
			sum->unsampled++;
			if (pr->cpu_ns >= 0) {
				sum->unsampled_cpu_s += (double)pr->cpu_ns / 1e9;
				sum->unsampled_cpu_known++;
			}
		} else if (any_registered && !pr->registered)
			sum->no_probe++;
	}
	sum->peak_rss = pt->peak_rss;
	sum->peak_unshared = pt->peak_unshared;
	sum->peak_pss = pt->pss_reads ? pt->peak_pss : -1;
	sum->pss_reads = pt->pss_reads;
	sum->pss_interval_s = pt->pss_reads > 1 ? (double)(pt->last_pss_ns - pt->first_pss_ns) /
	                                              1e9 / (double)(pt->pss_reads - 1)
	                                        : -1;
	sum->pss_cost_s =
	    pt->pss_reads ? (double)pt->pss_cost_ns / 1e9 / (double)pt->pss_reads : -1;
	const char *top = pt->pss_reads ? pt->top_pss : pt->top_rss;
	snprintf(sum->top, sizeof(sum->top), "%s", top);
	sum->top_share = pt->pss_reads ? pt->top_pss_share : pt->top_rss_share;
	sum->discovery_s = (double)(pt->disc_ns - pt->ident_ns) / 1e9;
	sum->identify_s = (double)pt->ident_ns / 1e9;
	sum->sampling_s = (double)pt->samp_ns / 1e9;
	sum->ticks = pt->ticks;
}

/* An integer, or nothing for n/a. */
static void num(FILE *f, int64_t v, const char *sep)
{
	if (v >= 0)
		fprintf(f, "%lld", (long long)v);
	fputs(sep, f);
}

static void secs(FILE *f, const struct proctree *pt, int64_t ns, const char *sep)
{
	if (ns > 0)
		fprintf(f, "%.4f", (double)(ns - pt->t0) / 1e9);
	fputs(sep, f);
}

/* Writes the text made by fill() to dir/name, whole. */
static int write_file(const char *dir, const char *name, const struct proctree *pt,
                      const struct pt_proc *pr,
                      void (*fill)(FILE *, const struct proctree *, const struct pt_proc *))
{
	char path[4200], *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;
	fill(f, pt, pr);
	if (fclose(f)) {
		free(text);
		return -ENOMEM;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int rc = fsutil_write(path, text, len);
	free(text);
	return rc;
}

static void fill_procs(FILE *f, const struct proctree *pt, const struct pt_proc *unused)
{
	(void)unused;
	fputs("pid\tppid\tfirst_seen_s\tlast_seen_s\tstart_s\tend_s\texit_status\tterm_signal"
	      "\tpeak_rss_bytes\tpeak_unshared_bytes\tpeak_pss_bytes\tvmhwm_bytes\tcpu_s\tsamples"
	      "\tprobe\tmalloc_owner\tpeak_alloc_in_use_bytes\tpeak_alloc_system_bytes\tarenas"
	      "\tno_probe"
	      "\tcommand\n",
	      f);
	for (size_t i = 0; i < pt->n; i++) {
		const struct pt_proc *pr = &pt->p[i];
		fprintf(f, "%d\t", (int)pr->pid);
		num(f, pr->ppid ? pr->ppid : -1, "\t");
		secs(f, pt, pr->nrows ? pr->rows[0].t_ns : 0, "\t");
		secs(f, pt, pr->nrows ? pr->rows[pr->nrows - 1].t_ns : 0, "\t");
		secs(f, pt, pr->start_ns, "\t");
		secs(f, pt, pr->end_ns, "\t");
		num(f, pr->status_known ? pr->exit_status : -1, "\t");
		num(f, pr->status_known ? pr->term_signal : -1, "\t");
		num(f, max64(pr->peak_rss, pr->vmhwm), "\t");
		num(f, pr->peak_unshared, "\t");
		num(f, pr->peak_pss, "\t");
		num(f, pr->vmhwm, "\t");
		if (pr->cpu_ns >= 0)
			fprintf(f, "%.6f", (double)pr->cpu_ns / 1e9);
		fputc('\t', f);
		fprintf(f, "%zu\t%s\t%s\t", pr->nrows,
		        pr->registered ? (pr->family[0] ? pr->family : "unknown") : "",
		        pr->registered ? pr->owner : "");
		num(f, pr->in_use, "\t");
		num(f, pr->system, "\t");
		num(f, pr->arenas, "\t");
		fprintf(f, "%s\t%s\n", pr->registered ? "" : pr->no_probe, pr->cmd);
	}
}

static void fill_tree(FILE *f, const struct proctree *pt, const struct pt_proc *unused)
{
	(void)unused;
	fputs("t_s\tprocs\trss_sum_bytes\tunshared_sum_bytes\tpss_sum_bytes\n", f);
	for (size_t i = 0; i < pt->nrows; i++) {
		const struct pt_trow *r = &pt->rows[i];
		fprintf(f, "%.4f\t%d\t%lld\t%lld\t", (double)(r->t_ns - pt->t0) / 1e9, r->nlive,
		        (long long)r->rss, (long long)r->unshared);
		num(f, r->pss, "\n");
	}
}

static void fill_proc(FILE *f, const struct proctree *pt, const struct pt_proc *pr)
{
	fputs("t_s\trss_bytes\tshared_bytes\tpss_bytes\talloc_in_use_bytes\talloc_system_bytes\n",
	      f);
	for (size_t i = 0; i < pr->nrows; i++) {
		const struct pt_row *r = &pr->rows[i];
		fprintf(f, "%.4f\t%lld\t%lld\t", (double)(r->t_ns - pt->t0) / 1e9,
		        (long long)r->rss, (long long)r->shared);
		num(f, r->pss, "\t");
		num(f, r->in_use, "\t");
		num(f, r->system, "\n");
	}
}

#define STACK_NAMED 6 /* processes named in the stack; the rest are "others" */

/* A short label: the program's and its first argument's base names. */
static void short_label(const struct pt_proc *pr, char *out, size_t len)
{
	char cmd[sizeof(pr->cmd)], *argv[2] = {NULL, NULL};
	snprintf(cmd, sizeof(cmd), "%s", pr->cmd);
	char *save = NULL;
	argv[0] = strtok_r(cmd, " ", &save);
	argv[1] = argv[0] ? strtok_r(NULL, " ", &save) : NULL;
	const char *a = argv[0] ? argv[0] : "?", *b = argv[1] ? argv[1] : "";
	const char *sa = strrchr(a, '/'), *sb = strrchr(b, '/');
	snprintf(out, len, "%.24s%s%.24s (%d)", sa ? sa + 1 : a, *b ? " " : "", sb ? sb + 1 : b,
	         (int)pr->pid);
}

static void fill_stack(FILE *f, const struct proctree *pt, const struct pt_proc *unused)
{
	(void)unused;
	/* The largest by peak RSS, in the order of their start. */
	size_t named[STACK_NAMED], k = 0;
	for (size_t i = 0; i < pt->n; i++) {
		if (!pt->p[i].nrows)
			continue;
		if (k < STACK_NAMED) {
			named[k++] = i;
			continue;
		}
		size_t least = 0;
		for (size_t j = 1; j < k; j++)
			if (pt->p[named[j]].peak_rss < pt->p[named[least]].peak_rss)
				least = j;
		if (pt->p[i].peak_rss > pt->p[named[least]].peak_rss) {
			memmove(&named[least], &named[least + 1],
			        (k - least - 1) * sizeof(named[0]));
			named[k - 1] = i;
		}
	}
	fputs("t_s", f);
	for (size_t j = 0; j < k; j++) {
		char label[80];
		short_label(&pt->p[named[j]], label, sizeof(label));
		fprintf(f, "\t%s", label);
	}
	fputs("\tothers\tunshared_sum_bytes\tpss_sum_bytes\n", f);
	size_t *at = calloc(pt->n ? pt->n : 1, sizeof(*at)); /* each one's next row */
	if (!at)
		return;
	for (size_t r = 0; r < pt->nrows; r++) {
		const struct pt_trow *tr = &pt->rows[r];
		int64_t mine[STACK_NAMED] = {0}, sum = 0;
		for (size_t i = 0; i < pt->n; i++) {
			const struct pt_proc *pr = &pt->p[i];
			while (at[i] < pr->nrows && pr->rows[at[i]].t_ns < tr->t_ns)
				at[i]++;
			if (at[i] >= pr->nrows || pr->rows[at[i]].t_ns != tr->t_ns)
				continue;
			for (size_t j = 0; j < k; j++)
				if (named[j] == i)
					mine[j] = pr->rows[at[i]].rss;
		}
		fprintf(f, "%.4f", (double)(tr->t_ns - pt->t0) / 1e9);
		for (size_t j = 0; j < k; j++) {
			sum += mine[j];
			fprintf(f, "\t%lld", (long long)sum);
		}
		fprintf(f, "\t%lld\t%lld\t", (long long)tr->rss, (long long)tr->unshared);
		num(f, tr->pss, "\n");
	}
	free(at);
}

int proctree_write(const struct proctree *pt, const char *dir)
{
	int rc = fsutil_mkdirs(dir);
	if (!rc)
		rc = write_file(dir, "procs.tsv", pt, NULL, fill_procs);
	if (!rc)
		rc = write_file(dir, "tree.tsv", pt, NULL, fill_tree);
	if (!rc)
		rc = write_file(dir, "stack.tsv", pt, NULL, fill_stack);
	for (size_t i = 0; i < pt->n && !rc; i++) {
		char name[32];
		if (!pt->p[i].nrows)
			continue;
		snprintf(name, sizeof(name), "%d.tsv", (int)pt->p[i].pid);
		rc = write_file(dir, name, pt, &pt->p[i], fill_proc);
	}
	return rc;
}
