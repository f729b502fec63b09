/* advice.c - from a symptom to a fix (see report.h): for each allocator
 * that shows a symptom, the fix this run measured with its gain and cost,
 * or, when none was measured, the command that would measure the likely
 * ones.
 *
 * The symptoms, each judged on the group medians of one thread count:
 *   - RSS well above the heap during the work (at its end or at the
 *     peaks, whichever is higher), unless most of what lies above the heap
 *     never came from malloc (the RSS split's finding says so, and no
 *     allocator setting would change it);
 *   - memory held after the program freed it (at the end of the idle);
 *   - a cache that never returns memory (all of its peak held);
 *   - many arenas, said with the first one when both show.
 * A fix is a variant of the same allocator (an allocator file's variant_of,
 * -a NAME:..., a --sweep value) that ran the same block: the one with the
 * lowest figure of the symptom, when that is at least a tenth lower. Its
 * cost is its CPU time against the allocator's own. Nothing is said about
 * a fix that did not run except as a suggestion: the command to run.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench/report/report.h"
#include "common/units.h"

#define RSS_OVER_HEAP 1.5  /* "well above" */
#define SOME_OVER_HEAP 1.2 /* what many arenas must cost to be a symptom */
#define HELD 0.5           /* of the peak, after the idle */
#define ALL_HELD 0.995
#define HELD_FLOOR (2 * 1048576.0) /* less is not worth a fix */
#define MANY_ARENAS 4
#define BETTER 0.9 /* a fix lowers the figure by a tenth at least */

typedef char sentence[REPORT_SENTENCE_MAX];

enum symptom { SY_RSS_OVER_HEAP, SY_HELD, SY_CACHE, SY_ARENAS, SY_N };

/* Whether a symptom is about memory during the work (judged, and fixed,
 * by peak RSS), not after it. */
static bool during_work(enum symptom sy) { return sy == SY_RSS_OVER_HEAP || sy == SY_ARENAS; }

/* The likely fixes, by the allocator a symptom shows under: the sweep that
 * tests them and what they do, in words. */
struct remedy {
	const char *root;
	enum symptom sy;
	int arenas; /* 1: only with several arenas, -1: only with one, 0: either */
	const char *sweep, *what;
};

static const struct remedy remedies[] = {
    {"glibc", SY_RSS_OVER_HEAP, 1, "GLIBC_TUNABLES=glibc.malloc.arena_max={1,2,4}",
     "fewer arenas, so memory one thread frees is reused by the others"},
    /* One arena: large blocks that glibc's growing mmap threshold keeps
     * in the heap, between smaller ones that pin it (git-cinnabar). */
    {"glibc", SY_RSS_OVER_HEAP, -1, "GLIBC_TUNABLES=glibc.malloc.mmap_threshold={131072,1048576}",
     "a fixed mmap threshold, so large blocks are mapped and unmapped on their own"},
    {"glibc", SY_HELD, 0, "GLIBC_TUNABLES=glibc.malloc.mmap_threshold={131072,1048576}",
     "a fixed mmap threshold, so large blocks go back to the kernel when freed"},
    {"glibc", SY_CACHE, 0, "GLIBC_TUNABLES=glibc.malloc.mmap_threshold={131072,1048576}",
     "a fixed mmap threshold, so large blocks go back to the kernel when freed"},
    {"jemalloc", SY_RSS_OVER_HEAP, 1, "MALLOC_CONF=narenas:{1,2,4}", "fewer arenas"},
    {"glibc", SY_ARENAS, 0, "GLIBC_TUNABLES=glibc.malloc.arena_max={1,2,4}",
     "fewer arenas, so memory one thread frees is reused by the others"},
    {"jemalloc", SY_ARENAS, 0, "MALLOC_CONF=narenas:{1,2,4}", "fewer arenas"},
    {"jemalloc", SY_RSS_OVER_HEAP, -1, "MALLOC_CONF=dirty_decay_ms:{0,1000}",
     "a shorter decay, so freed pages go back to the kernel during the work too"},
    {"jemalloc", SY_HELD, 0, "MALLOC_CONF=dirty_decay_ms:{0,1000}",
     "a shorter decay of dirty pages (0: purged when freed)"},
    {"jemalloc", SY_CACHE, 0, "MALLOC_CONF=dirty_decay_ms:{0,1000}",
     "a shorter decay of dirty pages (0: purged when freed)"},
    {"tcmalloc", SY_RSS_OVER_HEAP, 0, "TCMALLOC_MAX_TOTAL_THREAD_CACHE_BYTES={4194304,16777216}",
     "smaller thread caches"},
    {"tcmalloc", SY_HELD, 0, "TCMALLOC_AGGRESSIVE_DECOMMIT={true}",
     "free spans returned to the kernel at once"},
    {"tcmalloc", SY_CACHE, 0, "TCMALLOC_AGGRESSIVE_DECOMMIT={true}",
     "free spans returned to the kernel at once"},
    {"mimalloc", SY_HELD, 0, "MIMALLOC_RESET_DELAY={0,10}", "freed pages reset sooner"},
    {"mimalloc", SY_CACHE, 0, "MIMALLOC_RESET_DELAY={0,10}", "freed pages reset sooner"},
};

/* The figure a symptom is judged on, lower is better. RSS over the heap
 * during the work: at its end or at the peaks, whichever is higher (the
 * end of a phase may catch a moment when the freed memory was reused). */
static int symptom_metric(const struct rundir *rv, const char *w, int t, int a, enum symptom sy)
{
	if (!during_work(sy))
		return METRIC_idle_end_rss_bytes;
	double end = rundir_median(rv, w, t, a, METRIC_work_end_rss_over_heap);
	double peak = rundir_median(rv, w, t, a, METRIC_blowup);
	return isfinite(end) && !(peak > end) ? METRIC_work_end_rss_over_heap : METRIC_blowup;
}

static double med(const struct rundir *rv, const char *w, int t, int a, int m)
{
	double v = rundir_median(rv, w, t, a, m);
	return isfinite(v) ? v : NAN;
}

/* Whether, at the instant the RSS-over-heap figure m was taken, more of
 * RSS came from outside malloc (pymalloc's arenas, thread stacks, direct
 * mmap) than the allocator held unused: then the excess is not the
 * allocator's to fix. False when the run has no split. */
static bool mostly_foreign(const struct rundir *rv, const char *w, int t, int a, int m)
{
	bool end = m == METRIC_work_end_rss_over_heap;
	double foreign = med(
	    rv, w, t, a, end ? METRIC_work_end_part_foreign_bytes : METRIC_peak_part_foreign_bytes);
	double unused = med(
	    rv, w, t, a, end ? METRIC_work_end_part_unused_bytes : METRIC_peak_part_unused_bytes);
	return foreign > unused;
}

static bool shows(const struct rundir *rv, const char *w, int t, int a, enum symptom sy)
{
	double held = med(rv, w, t, a, METRIC_idle_end_over_peak);
	double rss = med(rv, w, t, a, METRIC_idle_end_rss_bytes);
	switch (sy) {
	case SY_RSS_OVER_HEAP: {
		int m = symptom_metric(rv, w, t, a, sy);
		return med(rv, w, t, a, m) >= RSS_OVER_HEAP && !mostly_foreign(rv, w, t, a, m);
	}
	case SY_HELD:
		return held >= HELD && held < ALL_HELD && rss >= HELD_FLOOR;
	case SY_CACHE:
		return held >= ALL_HELD && rss >= HELD_FLOOR;
	case SY_ARENAS: {
		/* More arenas than the workload's threads, as glibc and jemalloc
		 * count them, with RSS above the heap but short of the first
		 * symptom (which names the arenas itself). */
		double arenas = med(rv, w, t, a, METRIC_arenas);
		double ratio = med(rv, w, t, a, symptom_metric(rv, w, t, a, sy));
		const char *root = rundir_root_name(rv, a);
		return (!strcmp(root, "glibc") || !strcmp(root, "jemalloc")) &&
		       arenas >= MANY_ARENAS && (t < 0 || arenas > t + 1) &&
		       ratio >= SOME_OVER_HEAP && ratio < RSS_OVER_HEAP;
	}
	case SY_N:
		break;
	}
	return false;
}

/* "glibc-arena_max-1 (arena_max=1)", or the name alone. */
static void fix_name(const struct rundir *rv, int v, char *buf, size_t len)
{
	const struct rundir_alloc *ra = &rv->allocs[v];
	int n = report_cat(buf, len, 0, "%s", ra->name);
	for (int i = 0; i < ra->nsweep && i < rv->nsweeps && n > 0 && (size_t)n < len; i++)
		n = report_cat(buf, len, n, "%s%s=%s%s", i ? ", " : " (", rv->sweeps[i].label,
		               ra->sweep[i], i == ra->nsweep - 1 ? ")" : "");
}

/* The variant of a's allocator with the lowest figure m on block (w, t),
 * -1 when none ran it. */
static int best_variant(const struct rundir *rv, const char *w, int t, int a, int m, int *nran)
{
	int best = -1;
	*nran = 0;
	for (int v = 0; v < rv->nallocs; v++) {
		double x = med(rv, w, t, v, m);
		if (v == a || strcmp(rundir_root_name(rv, v), rundir_root_name(rv, a)) || isnan(x))
			continue;
		/* A sweep value of a setting the allocator does not read is no
		 * variant of it, whatever its figures. */
		bool reaches = rv->allocs[v].nsweep == 0;
		for (int k = 0; k < rv->allocs[v].nsweep && k < rv->nsweeps; k++)
			reaches |= report_sweep_applies(rv, v, &rv->sweeps[k]);
		if (!reaches)
			continue;
		++*nran;
		if (best < 0 || x < med(rv, w, t, best, m))
			best = v;
	}
	return best;
}

static const char *s_threads(int t) { return t == 1 ? "" : "s"; }

/* "glibc with 4 threads" or "glibc". */
static void who(const struct rundir *rv, int a, int t, char *buf, size_t len)
{
	if (t < 0)
		snprintf(buf, len, "%s", rv->allocs[a].name);
	else
		snprintf(buf, len, "%s with %d thread%s", rv->allocs[a].name, t, s_threads(t));
}

static int symptom_words(const struct rundir *rv, const char *w, int t, int a, enum symptom sy,
                         char *out, size_t len)
{
	char whom[96], b[32];
	double arenas = med(rv, w, t, a, METRIC_arenas);
	int m = symptom_metric(rv, w, t, a, sy);
	who(rv, a, t, whom, sizeof(whom));
	if (sy == SY_RSS_OVER_HEAP) {
		int n =
		    snprintf(out, len,
		             m == METRIC_work_end_rss_over_heap
		                 ? "Symptom: under %s, RSS was %.2fx the heap the program still "
		                   "held at the end of the work"
		                 : "Symptom: under %s, peak RSS was %.2fx the peak heap",
		             whom, med(rv, w, t, a, m));
		/* Arenas as glibc and jemalloc count them; tcmalloc's figure is
		 * its thread caches. */
		const char *root = rundir_root_name(rv, a);
		if (arenas >= MANY_ARENAS && (!strcmp(root, "glibc") || !strcmp(root, "jemalloc")))
			n = report_cat(out, len, n, ", over %.0f arenas", arenas);
		return report_cat(out, len, n, ": memory freed but not reused.");
	}
	if (sy == SY_ARENAS)
		return report_cat(
		    out, len, 0,
		    "Symptom: under %s, %.0f arenas, more than the threads, and %s %.2fx "
		    "%s: each arena keeps the memory freed into it.",
		    whom, arenas,
		    m == METRIC_work_end_rss_over_heap ? "RSS at the end of the work" : "peak RSS",
		    med(rv, w, t, a, m),
		    m == METRIC_work_end_rss_over_heap ? "the heap" : "the peak heap");
	metrics_format(MU_BYTES, med(rv, w, t, a, METRIC_idle_end_rss_bytes), b, sizeof(b));
	if (sy == SY_CACHE)
		return report_cat(
		    out, len, 0,
		    "Symptom: under %s, all of the peak stayed resident after the program "
		    "freed its memory (%s at the end of the idle): a cache that does not "
		    "return memory.",
		    whom, b);
	int n =
	    report_cat(out, len, 0,
	               "Symptom: under %s, %.0f%% of the peak (%s) was still resident at the end "
	               "of the idle, after the program freed its memory",
	               whom, 100 * med(rv, w, t, a, METRIC_idle_end_over_peak), b);
	n += report_decay_reason(rv, w, t, a, out + n, len - (size_t)n);
	return report_cat(out, len, n, ".");
}

/* "at 1.05x its CPU time (372 ms against 355 ms)". */
static int cost_words(const struct rundir *rv, const char *w, int t, int a, int v, char *out,
                      size_t len)
{
	double ca = med(rv, w, t, a, METRIC_cpu_s), cv = med(rv, w, t, v, METRIC_cpu_s);
	char x[32], y[32];
	if (isnan(ca) || isnan(cv) || ca <= 0)
		return report_cat(out, len, 0, " (its CPU time is n/a)");
	units_format_duration(cv, x, sizeof(x));
	units_format_duration(ca, y, sizeof(y));
	return report_cat(out, len, 0, " at %.2fx %s's CPU time (%s against %s%s)", cv / ca,
	                  rv->allocs[a].name, x, y,
	                  rv->reps > 1 ? ", medians" : "; one run each: a single time is noisy");
}

/* The figure a fix is judged on, lower is better: what the user pays.
 * RSS over the heap is fixed when peak RSS falls (the heap of a real
 * program moves with its timing, and the ratio with it); memory held
 * after the idle when less is held. */
static int fix_metric(enum symptom sy)
{
	return during_work(sy) ? METRIC_peak_rss_bytes : METRIC_idle_end_rss_bytes;
}

static int gain_words(const struct rundir *rv, const char *w, int t, int a, int v, enum symptom sy,
                      char *out, size_t len)
{
	char x[32], y[32], name[160];
	int m = fix_metric(sy), r = symptom_metric(rv, w, t, a, sy);
	double fa = med(rv, w, t, a, m), fv = med(rv, w, t, v, m);
	fix_name(rv, v, name, sizeof(name));
	if (!during_work(sy))
		return report_cat(out, len, 0, "%s held %s instead of %s after the idle", name,
		                  metrics_format(MU_BYTES, fv, x, sizeof(x)),
		                  metrics_format(MU_BYTES, fa, y, sizeof(y)));
	int n = report_cat(out, len, 0, "%s peaked at %s instead of %s", name,
	                   metrics_format(MU_BYTES, fv, x, sizeof(x)),
	                   metrics_format(MU_BYTES, fa, y, sizeof(y)));
	double ra = med(rv, w, t, a, r), rv_ = med(rv, w, t, v, r);
	if (!isnan(ra) && !isnan(rv_))
		n = report_cat(out, len, n, " (%s %.2fx instead of %.2fx)",
		               r == METRIC_work_end_rss_over_heap
		                   ? "RSS / heap at the end of the work"
		                   : "peak RSS / peak heap",
		               rv_, ra);
	return n;
}

/* Whether the run already swept what remedy r sweeps. */
static bool swept(const struct rundir *rv, const struct remedy *r)
{
	for (int k = 0; k < rv->nsweeps; k++)
		if (!strcmp(rv->sweeps[k].argument, r->sweep))
			return true;
	return false;
}

static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* How the run's workload w is named on a command line: the preset's name,
 * else its file quoted; "" when it cannot be said safely. */
static void workload_arg(const struct rundir *rv, const char *w, char *buf, size_t len)
{
	const struct rundir_workload *rw = NULL;
	buf[0] = '\0';
	for (int i = 0; i < rv->nworkloads; i++)
		rw = strcmp(rv->workloads[i].name, w) ? rw : &rv->workloads[i];
	if (!rw || !rw->path[0] || !printable(rw->path))
		return;
	const char *slash = strrchr(rw->path, '/');
	size_t dir = slash ? (size_t)(slash - rw->path) : 0;
	if (dir >= 8 && !strncmp(slash - 8, "/presets", 8))
		snprintf(buf, len, "%s", w);
	else if (!strchr(rw->path, '\''))
		snprintf(buf, len, "'%s'", rw->path);
}

/* The command that tests the likely fix: this workload at this thread
 * count (or this program), the allocator and a sweep. */
static int suggestion(const struct rundir *rv, const char *w, int t, int a, enum symptom sy,
                      int nran, char *out, size_t len)
{
	const struct remedy *r = NULL;
	const char *root = rundir_root_name(rv, a);
	char cmd[1600], arg[1100], sweep[160];
	double arenas = med(rv, w, t, a, METRIC_arenas);
	/* Fewer arenas help only where threads share the work: with one
	 * thread of the workload's, the remedy for one arena. */
	int several = t == 1 ? -1 : isnan(arenas) ? 0 : arenas >= 2 ? 1 : -1;
	/* The remedy for this symptom and arena count first, then the
	 * allocator's other one for it; never a sweep the run already made. */
	for (int pass = 0; pass < 2 && !r; pass++)
		for (size_t i = 0; i < sizeof(remedies) / sizeof(remedies[0]) && !r; i++)
			if (!strcmp(remedies[i].root, root) && remedies[i].sy == sy &&
			    (pass || !remedies[i].arenas || !several ||
			     remedies[i].arenas == several) &&
			    !swept(rv, &remedies[i]))
				r = &remedies[i];
	if (r)
		snprintf(sweep, sizeof(sweep), " --sweep '%s'", r->sweep);
	else { /* no tunable known: the other allocators */
		static const char *const base[] = {"glibc", "jemalloc", "tcmalloc", "mimalloc"};
		size_t used = 0;
		sweep[0] = '\0';
		for (int i = 0; i < 4; i++)
			if (strcmp(base[i], root) && used < sizeof(sweep))
				used += (size_t)snprintf(sweep + used, sizeof(sweep) - used, ",%s",
				                         base[i]);
	}
	const char *lead = nran ? ";" : " No fix for it ran;";
	if (rv->is_exec) {
		/* The program's own command line, as the run recorded it quoted. */
		const char *dd = strstr(rv->command_line, " -- ");
		if (!dd || !printable(dd))
			return report_cat(out, len, 0, "%s", nran ? "." : " No fix for it ran.");
		snprintf(cmd, sizeof(cmd), "exec -a %s%s -- %s", root, sweep, dd + 4);
	} else {
		workload_arg(rv, w, arg, sizeof(arg));
		if (!arg[0])
			return report_cat(out, len, 0, "%s", nran ? "." : " No fix for it ran.");
		int n = snprintf(cmd, sizeof(cmd), "run %s -t %d -a %s%s", arg, t, root, sweep);
		/* As small as the run was: --quick also shortens the idles. */
		if (strstr(rv->command_line, " --quick") && (size_t)n < sizeof(cmd))
			snprintf(cmd + n, sizeof(cmd) - (size_t)n, " --quick");
		else if (isfinite(rv->scale) && rv->scale != 1 && (size_t)n < sizeof(cmd))
			snprintf(cmd + n, sizeof(cmd) - (size_t)n, " --scale %g", rv->scale);
	}
	bool decay = !during_work(sy) && !strcmp(root, "jemalloc") && !rv->is_exec;
#define SUGGESTION "%s a suggestion, not measured: %s%s%s, run `wimm %s%s`."
	const char *what = r ? r->what : "",
	           *how = r ? ". To measure it" : "to compare the other allocators";
	const char *idle = decay ? " --idle 12s" : "";
	/* A command cut short would mislead: too long a program's command
	 * line, and only what to add is said. */
	if ((size_t)snprintf(NULL, 0, SUGGESTION, lead, r ? "the likely fix is " : "", what, how,
	                     cmd, idle) >= len)
		return report_cat(
		    out, len, 0,
		    "%s a suggestion, not measured: %s%s%s, run this command again with "
		    "`-a %s%s`.",
		    lead, r ? "the likely fix is " : "", what, how, root, sweep);
	return report_cat(out, len, 0, SUGGESTION, lead, r ? "the likely fix is " : "", what, how,
	                  cmd, idle);
#undef SUGGESTION
}

static int advise(const struct rundir *rv, const char *w, int t, int a, enum symptom sy, char *out)
{
	size_t len = REPORT_SENTENCE_MAX;
	int m = fix_metric(sy), nran = 0;
	int n = symptom_words(rv, w, t, a, sy, out, len);
	int v = best_variant(rv, w, t, a, m, &nran);
	double fa = med(rv, w, t, a, m);
	if (v >= 0 && med(rv, w, t, v, m) <= fa * BETTER) {
		n = report_cat(out, len, n, " Measured fix: ");
		n += gain_words(rv, w, t, a, v, sy, out + n, len - (size_t)n);
		n += cost_words(rv, w, t, a, v, out + n, len - (size_t)n);
		snprintf(out + n, len - (size_t)n, ".");
		return 1;
	}
	if (nran)
		n = report_cat(
		    out, len, n,
		    " None of the %d variant%s of %s this run measured lowered its %s by a "
		    "tenth",
		    nran, nran == 1 ? "" : "s", rundir_root_name(rv, a),
		    during_work(sy) ? "peak RSS" : "RSS after the idle");
	suggestion(rv, w, t, a, sy, nran, out + n, len - (size_t)n);
	return 1;
}

int report_advice(const struct rundir *rv, const char *w, char (*out)[REPORT_SENTENCE_MAX], int max)
{
	int n = 0;
	for (int a = 0; a < rv->nallocs && n < max; a++) {
		/* Advice is about what the user runs: a variant is judged only
		 * when the allocator it comes from did not run. */
		if (rv->allocs[a].variant_of[0] &&
		    rundir_alloc_index(rv, rv->allocs[a].variant_of) >= 0)
			continue;
		for (int sy = 0; sy < SY_N && n < max; sy++) {
			/* The thread count where it shows most. */
			int bt = 0;
			double worst = NAN;
			for (size_t i = 0; i < rv->nblocks; i++) {
				const struct rundir_block *b = &rv->blocks[i];
				if (strcmp(b->workload, w) || !shows(rv, w, b->threads, a, sy))
					continue;
				double x = med(rv, w, b->threads, a,
				               symptom_metric(rv, w, b->threads, a, sy));
				if (isnan(worst) || x > worst) {
					worst = x;
					bt = b->threads;
				}
			}
			if (!isnan(worst))
				n += advise(rv, w, bt, a, sy, out[n]);
		}
	}
	return n;
}
