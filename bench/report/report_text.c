/* report_text.c - what the report says in words and tables, computed from
 * the group medians of summary.json.
 *
 * Each sentence is built only from figures the run has, with the names and
 * numbers filled in: a workload with a budget gets the budget sentence, one
 * with an idle phase the give-back sentence, and so on. Nothing is canned:
 * "glibc peaked at 2.06x the 128.0 MiB budget" is said because glibc's
 * median peak over budget was 2.06, and the best allocator at the same
 * thread count is named beside it.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench/report/report.h"
#include "bench/report/where.h"
#include "common/units.h"

/* Beyond these, an allocator gave most of its peak back, or kept it. */
#define GAVE_BACK 0.25
#define KEPT 0.75

typedef char sentence[REPORT_SENTENCE_MAX];

static const char *s_thread(int t) { return t == 1 ? "" : "s"; }

static char *size_str(double v, char *buf, size_t len)
{
	return metrics_format(MU_BYTES, v, buf, len);
}

/* " with 4 threads", or nothing for a real program. */
static void with_threads(int t, char *buf, size_t len)
{
	if (t < 0)
		buf[0] = '\0';
	else
		snprintf(buf, len, " with %d thread%s", t, s_thread(t));
}

static double med(const struct rundir *rv, const char *w, int t, int a, int m)
{
	double v = rundir_median(rv, w, t, a, m);
	return isfinite(v) ? v : NAN;
}

/* The thread counts workload w ran at, ascending (from the blocks). */
static int threads_of(const struct rundir *rv, const char *w, int *out, int max)
{
	int n = 0;
	for (size_t i = 0; i < rv->nblocks && n < max; i++)
		if (!strcmp(rv->blocks[i].workload, w))
			out[n++] = rv->blocks[i].threads;
	return n;
}

/* The largest (sign 1) or smallest (sign -1) median of m at thread count t
 * (any thread count when t is INT_MIN's stand-in, -2); sets *ta and *tt. */
static double extreme(const struct rundir *rv, const char *w, int t, int m, int sign, int *ta,
                      int *tt)
{
	int ts[64], nt = threads_of(rv, w, ts, 64);
	double best = NAN;
	for (int k = 0; k < nt; k++) {
		if (t != -2 && ts[k] != t)
			continue;
		for (int a = 0; a < rv->nallocs; a++) {
			double v = med(rv, w, ts[k], a, m);
			if (isnan(v))
				continue;
			if (isnan(best) || (sign > 0 ? v > best : v < best)) {
				best = v;
				*ta = a;
				*tt = ts[k];
			}
		}
	}
	return best;
}

static double budget_of(const struct rundir *rv, const char *w)
{
	for (size_t i = 0; i < rv->ngroups; i++)
		if (!strcmp(rv->groups[i].workload, w) && rv->groups[i].budget_bytes > 0)
			return rv->groups[i].budget_bytes;
	return NAN;
}

/* The reference allocator's figure too, when it is neither the worst nor
 * the best named: readers compare with the default. fmt takes the name
 * and the value. Returns the length written. */
static int ref_clause(const struct rundir *rv, const char *w, int t, int m, int wa, int ba,
                      const char *fmt, char *out, size_t len)
{
	double v = rv->ref >= 0 ? med(rv, w, t, rv->ref, m) : NAN;
	if (rv->ref < 0 || rv->ref == wa || rv->ref == ba || isnan(v))
		return 0;
	int n = snprintf(out, len, fmt, rv->allocs[rv->ref].name, v);
	return n < (int)len ? n : (int)len - 1;
}

/* "glibc peaked at 2.06x the 128.0 MiB budget with 1 thread; tcmalloc
 * stayed at 1.11x." and how the thread count changes it. */
static int budget_sentence(const struct rundir *rv, const char *w, char *out)
{
	int wa = -1, wt = 0, ba = -1, bt = 0, ts[64], nt = threads_of(rv, w, ts, 64);
	char b[32], thr[48];
	double worst = extreme(rv, w, -2, METRIC_peak_rss_over_budget, 1, &wa, &wt);
	if (isnan(worst))
		return 0;
	size_str(budget_of(rv, w), b, sizeof(b));
	with_threads(wt, thr, sizeof(thr));
	if (worst < 1.2) {
		snprintf(out, REPORT_SENTENCE_MAX,
		         "Every allocator stayed within 1.2x of the %s budget; the highest peak "
		         "was %s's, %.2fx%s.",
		         b, rv->allocs[wa].name, worst, thr);
		return 1;
	}
	double best = extreme(rv, w, wt, METRIC_peak_rss_over_budget, -1, &ba, &bt);
	int n = snprintf(out, REPORT_SENTENCE_MAX, "%s peaked at %.2fx the %s budget%s",
	                 rv->allocs[wa].name, worst, b, thr);
	n += ref_clause(rv, w, wt, METRIC_peak_rss_over_budget, wa, ba, " and %s at %.2fx", out + n,
	                REPORT_SENTENCE_MAX - (size_t)n);
	if (ba != wa)
		n += snprintf(out + n, REPORT_SENTENCE_MAX - (size_t)n, "; %s %s at %.2fx",
		              rv->allocs[ba].name, best < 1.2 ? "stayed" : "peaked", best);
	/* The thread count where the worst allocator did best, when it
	 * makes a difference: the phenomenon needs threads. */
	double low = NAN;
	int lt = 0;
	for (int k = 0; k < nt; k++) {
		double v = med(rv, w, ts[k], wa, METRIC_peak_rss_over_budget);
		if (!isnan(v) && (isnan(low) || v < low)) {
			low = v;
			lt = ts[k];
		}
	}
	if (!isnan(low) && lt != wt && low * 1.25 < worst)
		snprintf(out + n, REPORT_SENTENCE_MAX - (size_t)n,
		         "; with %d thread%s, %s itself peaked at %.2fx.", lt, s_thread(lt),
		         rv->allocs[wa].name, low);
	else
		snprintf(out + n, REPORT_SENTENCE_MAX - (size_t)n, ".");
	return 1;
}

/* RSS against the heap: at the end of the work when the run has that
 * exact snapshot (what the program still held), else at the peaks. */
static int heap_sentence(const struct rundir *rv, const char *w, char *out)
{
	int wa = -1, wt = 0, ba = -1, bt = 0, n;
	int m = METRIC_work_end_rss_over_heap;
	double worst = extreme(rv, w, -2, m, 1, &wa, &wt);
	char thr[48];
	if (isnan(worst)) {
		m = METRIC_blowup;
		worst = extreme(rv, w, -2, m, 1, &wa, &wt);
	}
	if (isnan(worst))
		return 0;
	double best = extreme(rv, w, wt, m, -1, &ba, &bt);
	with_threads(wt, thr, sizeof(thr));
	if (m == METRIC_work_end_rss_over_heap)
		n = snprintf(out, REPORT_SENTENCE_MAX,
		             "At the end of the work%s, %s's RSS was %.2fx the heap the program "
		             "still held",
		             thr, rv->allocs[wa].name, worst);
	else
		n = snprintf(out, REPORT_SENTENCE_MAX, "%s's peak RSS was %.2fx the peak heap%s",
		             rv->allocs[wa].name, worst, thr);
	if (ba != wa)
		n += snprintf(out + n, REPORT_SENTENCE_MAX - (size_t)n, "; %s's was %.2fx",
		              rv->allocs[ba].name, best);
	n += ref_clause(rv, w, wt, m, wa, ba, ", %s's %.2fx", out + n,
	                REPORT_SENTENCE_MAX - (size_t)n);
	snprintf(out + n, REPORT_SENTENCE_MAX - (size_t)n, ".");
	return 1;
}

/* The idle phase's length, from the reference allocator's cell. */
static double idle_seconds(const struct rundir *rv, const char *w, int t)
{
	for (int a = 0; a < rv->nallocs; a++) {
		const struct rundir_cell *c =
		    rundir_representative(rv, w, t, (a + rv->ref) % rv->nallocs);
		for (int i = c ? c->nphases - 1 : -1; i >= 0; i--)
			if (!strncmp(c->phases[i].name, "idle", 4) && !isnan(c->phases[i].start_s))
				return c->phases[i].end_s - c->phases[i].start_s;
	}
	return NAN;
}

int report_cat(char *out, size_t len, int n, const char *fmt, ...)
{
	if (len == 0)
		return 0;
	if (n < 0 || (size_t)n >= len)
		return (int)len - 1;
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(out + n, len - (size_t)n, fmt, ap);
	va_end(ap);
	if (k < 0)
		return n;
	return (size_t)n + (size_t)k >= len ? (int)len - 1 : n + k;
}

int report_decay_reason(const struct rundir *rv, const char *w, int t, int a, char *out, size_t len)
{
	char decay[RUNDIR_VALUE_MAX], bg[RUNDIR_VALUE_MAX], d[32], i[32];
	double idle = idle_seconds(rv, w, t);
	if (!rundir_setting(rv, a, "dirty_decay_ms", decay) || !isfinite(idle) || len == 0)
		return 0;
	char *end;
	double ms = strtod(decay, &end);
	bool slow = !*end && ms > idle * 1000,
	     off = rundir_setting(rv, a, "background_thread", bg) && !strcmp(bg, "false");
	if (*end || ms == 0 || (!slow && !off))
		return 0;
	units_format_duration(ms / 1000, d, sizeof(d));
	units_format_duration(idle, i, sizeof(i));
	int n = 0;
	if (slow && off)
		n = snprintf(
		    out, len,
		    ": its dirty pages decay over dirty_decay_ms=%s (%s), longer than the %s "
		    "idle, and with background_thread=false it purges only when the program "
		    "calls it again",
		    decay, d, i);
	else if (slow)
		n = snprintf(
		    out, len,
		    ": its dirty pages decay over dirty_decay_ms=%s (%s), longer than the %s "
		    "idle",
		    decay, d, i);
	else
		n = snprintf(
		    out, len,
		    ": with background_thread=false it purges its dirty pages (decay %s) only "
		    "when the program calls it again, not while it idles",
		    d);
	return n < (int)len ? n : (int)len - 1;
}

static void join_names(const struct rundir *rv, const int *idx, int n, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
		                         i == 0       ? ""
		                         : i == n - 1 ? " and "
		                                      : ", ",
		                         rv->allocs[idx[i]].name);
}

/* Who gave the memory back after freeing it, who kept it, and who kept
 * part of it. */
static int idle_sentence(const struct rundir *rv, const char *w, int t, char *out)
{
	int gave[64], kept[64], part[64], ng = 0, nk = 0, np = 0;
	double gave_max = 0, kept_min = 1, gave_rss_max = 0, kept_rss_min = INFINITY;
	char names[512], a[32], b[32], thr[48], idle[48] = "";
	for (int k = 0; k < rv->nallocs && k < 64; k++) {
		double r = med(rv, w, t, k, METRIC_idle_end_over_peak);
		double rss = med(rv, w, t, k, METRIC_idle_end_rss_bytes);
		if (isnan(r) || isnan(rss))
			continue;
		if (r <= GAVE_BACK) {
			gave[ng++] = k;
			gave_max = fmax(gave_max, r);
			gave_rss_max = fmax(gave_rss_max, rss);
		} else if (r >= KEPT) {
			kept[nk++] = k;
			kept_min = fmin(kept_min, r);
			kept_rss_min = fmin(kept_rss_min, rss);
		} else {
			part[np++] = k;
		}
	}
	if (ng + nk + np == 0)
		return 0;
	double secs = idle_seconds(rv, w, t);
	if (isfinite(secs))
		snprintf(idle, sizeof(idle), " for %s", units_format_duration(secs, a, sizeof(a)));
	with_threads(t, thr, sizeof(thr));
	int n = snprintf(out, REPORT_SENTENCE_MAX,
	                 "After the program freed its memory and idled%s%s", idle, thr);
	const char *sep = ", ";
	if (ng) {
		join_names(rv, gave, ng, names, sizeof(names));
		n += snprintf(out + n, REPORT_SENTENCE_MAX - (size_t)n,
		              "%s%s gave most of it back (down to %.0f%% of %s peak or less, %s or "
		              "less)",
		              sep, names, ceil(gave_max * 100), ng == 1 ? "its" : "their",
		              size_str(gave_rss_max, b, sizeof(b)));
		sep = "; ";
	}
	if (nk && kept_min >= 0.995) {
		join_names(rv, kept, nk, names, sizeof(names));
		n += snprintf(out + n, REPORT_SENTENCE_MAX - (size_t)n,
		              "%s%s kept all of it (%s or more)", sep, names,
		              size_str(kept_rss_min, b, sizeof(b)));
		sep = "; ";
	} else if (nk) {
		join_names(rv, kept, nk, names, sizeof(names));
		n += snprintf(out + n, REPORT_SENTENCE_MAX - (size_t)n,
		              "%s%s kept %.0f%% of %s peak or more (%s or more)", sep, names,
		              floor(kept_min * 100), nk == 1 ? "its" : "their",
		              size_str(kept_rss_min, b, sizeof(b)));
		sep = "; ";
	}
	for (int i = 0; i < np && n < REPORT_SENTENCE_MAX; i++) {
		n += snprintf(
		    out + n, REPORT_SENTENCE_MAX - (size_t)n, "%s%s kept %.0f%% (%s)", sep,
		    rv->allocs[part[i]].name,
		    100 * med(rv, w, t, part[i], METRIC_idle_end_over_peak),
		    size_str(med(rv, w, t, part[i], METRIC_idle_end_rss_bytes), b, sizeof(b)));
		sep = "; ";
	}
	if (n < REPORT_SENTENCE_MAX)
		n += snprintf(out + n, REPORT_SENTENCE_MAX - (size_t)n, ".");
	/* Why, when the allocator's own setting says it: for two at most, and
	 * only whole. */
	for (int i = 0, said = 0; i < nk + np && said < 2; i++) {
		int k = i < nk ? kept[i] : part[i - nk];
		char why[320], more[REPORT_SENTENCE_MAX];
		if (!report_decay_reason(rv, w, t, k, why, sizeof(why)))
			continue;
		int m = snprintf(more, sizeof(more), " %s kept it%s.", rv->allocs[k].name, why);
		if (n + m >= REPORT_SENTENCE_MAX)
			break;
		memcpy(out + n, more, (size_t)m + 1);
		n += m;
		said++;
	}
	return 1;
}

/* Growth per iteration (a leak phase's, or per step a program marks): the
 * heap's range over the allocators, with the 95% interval and the
 * iterations that tell it from none (of the allocator that grew most),
 * then RSS's. A heap whose interval holds 0 did not grow measurably. */
static int leak_sentence(const struct rundir *rv, const char *w, char *out)
{
	int ha = -1, ht = 0, sa = -1, st = 0, la = -1, lt = 0, xa = -1, xt = 0;
	char h[32], s[32], ci[32], lo[32], hi[32];
	double heap = extreme(rv, w, -2, METRIC_leak_heap_per_iter_bytes, 1, &ha, &ht);
	double low = extreme(rv, w, -2, METRIC_leak_heap_per_iter_bytes, -1, &sa, &st);
	double rlo = extreme(rv, w, -2, METRIC_leak_rss_per_iter_bytes, -1, &la, &lt);
	double rhi = extreme(rv, w, -2, METRIC_leak_rss_per_iter_bytes, 1, &xa, &xt);
	if (isnan(heap) && isnan(rlo))
		return 0;
	int n = 0;
	if (!isnan(heap)) {
		double half = med(rv, w, ht, ha, METRIC_leak_heap_ci95_bytes);
		double tell = med(rv, w, ht, ha, METRIC_leak_iters_to_tell);
		size_str(heap, h, sizeof(h));
		size_str(half, ci, sizeof(ci));
		if (!isnan(half) && fabs(heap) <= half && fabs(low) <= half)
			n = snprintf(out, REPORT_SENTENCE_MAX,
			             "The heap did not grow measurably per iteration (%s, 95%% "
			             "interval +-%s)",
			             h, ci);
		else if (sa != ha && low != heap)
			n = snprintf(out, REPORT_SENTENCE_MAX,
			             "The heap grew by %s (%s) to %s (%s) per iteration",
			             size_str(low, s, sizeof(s)), rv->allocs[sa].name, h,
			             rv->allocs[ha].name);
		else
			n = snprintf(out, REPORT_SENTENCE_MAX, "The heap grew by %s per iteration",
			             h);
		if (!isnan(half) && !(fabs(heap) <= half) && n < REPORT_SENTENCE_MAX)
			n += snprintf(out + n, REPORT_SENTENCE_MAX - (size_t)n,
			              " (95%% interval +-%s%s", ci, isnan(tell) ? ")" : "; ");
		if (!isnan(half) && !(fabs(heap) <= half) && !isnan(tell) &&
		    n < REPORT_SENTENCE_MAX)
			n += snprintf(out + n, REPORT_SENTENCE_MAX - (size_t)n,
			              "about %.0f iterations tell it from none)", tell);
	} else {
		/* No in-use figure (mimalloc), or fewer than 5 readings of it
		 * in the steps' middle 80% (the probe reads every 100 ms). */
		n = snprintf(out, REPORT_SENTENCE_MAX,
		             "The heap's growth per iteration is n/a (no in-use figure from the "
		             "allocator, or fewer than 5 readings of it)");
	}
	if (n >= REPORT_SENTENCE_MAX)
		return 1;
	if (!isnan(rlo) && la != xa)
		snprintf(out + n, REPORT_SENTENCE_MAX - (size_t)n,
		         "; RSS grew by %s (%s) to %s (%s) per iteration.",
		         size_str(rlo, lo, sizeof(lo)), rv->allocs[la].name,
		         size_str(rhi, hi, sizeof(hi)), rv->allocs[xa].name);
	else if (!isnan(rlo))
		snprintf(out + n, REPORT_SENTENCE_MAX - (size_t)n,
		         "; RSS grew by %s per iteration.", size_str(rlo, lo, sizeof(lo)));
	else
		snprintf(out + n, REPORT_SENTENCE_MAX - (size_t)n, ".");
	return 1;
}

static int wall_sentence(const struct rundir *rv, const char *w, int t, char *out)
{
	int fa = -1, ft = 0, sa = -1, st = 0;
	char thr[48], fs[32], ss[32];
	double fast = extreme(rv, w, t, METRIC_wall_s, -1, &fa, &ft);
	double slow = extreme(rv, w, t, METRIC_wall_s, 1, &sa, &st);
	if (isnan(fast) || fa == sa)
		return 0;
	with_threads(t, thr, sizeof(thr));
	units_format_duration(fast, fs, sizeof(fs));
	units_format_duration(slow, ss, sizeof(ss));
	const char *noisy = rv->reps > 1 ? "" : " (one run each: a single time is noisy)";
	if (slow / fast < 1.05)
		snprintf(out, REPORT_SENTENCE_MAX,
		         "Wall times%s were within 5%% of each other (%s to %s)%s.", thr, fs, ss,
		         noisy);
	else
		snprintf(out, REPORT_SENTENCE_MAX,
		         "%s was fastest%s (%s%s) and %s slowest (%s, %.2fx)%s.",
		         rv->allocs[fa].name, thr, fs, rv->reps > 1 ? ", median" : "",
		         rv->allocs[sa].name, ss, slow / fast, noisy);
	return 1;
}

static int arena_sentence(const struct rundir *rv, const char *w, int t, char *out)
{
	int n = 0, listed = 0;
	char thr[48];
	with_threads(t, thr, sizeof(thr));
	n = snprintf(out, REPORT_SENTENCE_MAX, "Arenas%s:", thr);
	for (int a = 0; a < rv->nallocs && n < REPORT_SENTENCE_MAX; a++) {
		double v = med(rv, w, t, a, METRIC_arenas);
		if (!rundir_group(rv, w, t, a))
			continue;
		if (isnan(v))
			n += snprintf(out + n, REPORT_SENTENCE_MAX - (size_t)n, "%s %s n/a",
			              listed ? "," : "", rv->allocs[a].name);
		else
			n += snprintf(out + n, REPORT_SENTENCE_MAX - (size_t)n, "%s %s %.0f",
			              listed ? "," : "", rv->allocs[a].name, v);
		listed += !isnan(v);
	}
	if (n < REPORT_SENTENCE_MAX)
		snprintf(out + n, REPORT_SENTENCE_MAX - (size_t)n,
		         " (each allocator counts its own kind; see the README).");
	return listed > 0;
}

static int failure_sentence(const struct rundir *rv, const char *w, char *out)
{
	int n = 0, count = 0;
	for (size_t i = 0; i < rv->ncells && n < REPORT_SENTENCE_MAX - 1; i++) {
		const struct rundir_cell *c = &rv->cells[i];
		char thr[48];
		if (c->ok || strcmp(c->workload, w))
			continue;
		with_threads(c->threads, thr, sizeof(thr));
		if (count == 3) {
			n += snprintf(out + n, REPORT_SENTENCE_MAX - (size_t)n, "; and more");
			break;
		}
		n += snprintf(out + n, REPORT_SENTENCE_MAX - (size_t)n, "%s%s%s, rep %d: %.140s",
		              count ? "; " : "Failed: ", rv->allocs[c->alloc].name, thr, c->rep,
		              c->reason[0] ? c->reason : "no reason recorded");
		count++;
	}
	if (count && n < REPORT_SENTENCE_MAX - 1)
		snprintf(out + n, REPORT_SENTENCE_MAX - (size_t)n, ".");
	return count > 0;
}

/* A process tree's largest process at its peak, per allocator (the first
 * repetition that has one): what `wimm exec` of a program that starts
 * others is about. */
static int tree_sentence(const struct rundir *rv, const char *w, char *out)
{
	int n = 0, listed = 0;
	for (int a = 0; a < rv->nallocs && n < REPORT_SENTENCE_MAX - 1; a++)
		for (size_t i = 0; i < rv->ncells; i++) {
			const struct rundir_cell *c = &rv->cells[i];
			double share = c->v[METRIC_top_process_share];
			double pss = c->v[METRIC_tree_peak_pss_bytes];
			double rss = c->v[METRIC_tree_peak_rss_sum_bytes];
			char p[32], r[32];
			if (c->alloc != a || strcmp(c->workload, w) || !c->top_process[0] ||
			    isnan(share))
				continue;
			n += snprintf(
			    out + n, REPORT_SENTENCE_MAX - (size_t)n,
			    "%s%s: %.100s held %.0f%% of the tree's peak %s (%s; sum of RSS "
			    "%s)",
			    listed ? "; " : "Process tree: under ", rv->allocs[a].name,
			    c->top_process, share * 100, isnan(pss) ? "RSS" : "PSS",
			    size_str(isnan(pss) ? rss : pss, p, sizeof(p)),
			    size_str(rss, r, sizeof(r)));
			listed++;
			break;
		}
	if (listed && n < REPORT_SENTENCE_MAX - 1)
		snprintf(out + n, REPORT_SENTENCE_MAX - (size_t)n, ".");
	return listed > 0;
}

int report_findings(const struct rundir *rv, const char *w, sentence *out, int max)
{
	int ts[64], nt = threads_of(rv, w, ts, 64), n = 0;
	int focus = nt ? ts[nt - 1] : -1, fa = -1, ft;
	static const int lead[] = {METRIC_peak_rss_over_budget, METRIC_work_end_rss_over_heap,
	                           METRIC_blowup};
	sentence s;
	if (nt == 0 || max <= 0)
		return 0;
	/* The thread count the first sentence is about is the one the others
	 * speak of too, so the paragraph tells one story. */
	for (int i = 0; i < 3; i++)
		if (!isnan(extreme(rv, w, -2, lead[i], 1, &fa, &ft))) {
			focus = ft;
			break;
		}
	if (budget_sentence(rv, w, s) || heap_sentence(rv, w, s))
		memcpy(out[n++], s, sizeof(s));
	/* Where the memory was: the part that dominates, named. */
	if (n < max)
		n += where_findings(rv, w, out + n, max - n);
	if (n < max && leak_sentence(rv, w, s))
		memcpy(out[n++], s, sizeof(s));
	if (n < max && idle_sentence(rv, w, focus, s))
		memcpy(out[n++], s, sizeof(s));
	if (n < max && wall_sentence(rv, w, focus, s))
		memcpy(out[n++], s, sizeof(s));
	if (n < max && focus > 1 && arena_sentence(rv, w, focus, s))
		memcpy(out[n++], s, sizeof(s));
	if (n < max && tree_sentence(rv, w, s))
		memcpy(out[n++], s, sizeof(s));
	if (n < max)
		n += report_sweep_findings(rv, w, focus, out + n, max - n);
	if (n < max && failure_sentence(rv, w, s))
		memcpy(out[n++], s, sizeof(s));
	return n;
}

/* ---- figures ---- */

static int file_exists(const struct rundir *rv, const char *name, const char *ext)
{
	char path[PATH_MAX];
	struct stat st;
	if (snprintf(path, sizeof(path), "%s/plots/%s.%s", rv->dir, name, ext) >= (int)sizeof(path))
		return 0;
	return stat(path, &st) == 0 && st.st_size > 0;
}

int report_figure_state(const struct rundir *rv, const char *name)
{
	if (file_exists(rv, name, "png") && file_exists(rv, name, "svg"))
		return 2;
	return file_exists(rv, name, "vars") ? 1 : 0;
}
