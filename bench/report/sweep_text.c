/* sweep_text.c - the finding of a sweep (see report.h): for each
 * allocator the sweep started from, the value with the lowest peak RSS
 * against the allocator without the setting, and its CPU time.
 *
 * Memory is peak RSS, what a user's limit is set against; time is CPU
 * time, steadier than wall time on a shared machine. A value is only
 * "best" when it is at least 5% below the allocator without the setting:
 * below that, the sentence says no value helped.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench/report/report.h"
#include "common/units.h"

#define NOTICEABLE 0.95

static double med(const struct rundir *rv, const char *w, int t, int a, int m)
{
	double v = rundir_median(rv, w, t, a, m);
	return isfinite(v) ? v : NAN;
}

/* Whether allocator v is on the line of allocator `from` on sweep s: made
 * from it with the same values of the other sweeps as `like`. */
static bool on_line(const struct rundir *rv, int v, int like, int s)
{
	const struct rundir_alloc *a = &rv->allocs[v], *b = &rv->allocs[like];
	if (a->nsweep <= s || strcmp(a->derived_from, b->derived_from))
		return false;
	for (int k = 0; k < a->nsweep; k++)
		if (k != s && strcmp(a->sweep[k], b->sweep[k]))
			return false;
	return true;
}

/* The sentence of the line that allocator first starts, on sweep s. */
static int line_sentence(const struct rundir *rv, const char *w, int t, int s, int first, char *out,
                         size_t len)
{
	const struct rundir_sweep *sw = &rv->sweeps[s];
	const char *from = rv->allocs[first].derived_from;
	int base = rundir_alloc_index(rv, from), best = -1, n;
	double bv = base >= 0 ? med(rv, w, t, base, METRIC_peak_rss_bytes) : NAN;
	char thr[32] = "", x[32], y[32], list[400] = "", lname[160];
	size_t used = 0;
	if (t >= 0)
		snprintf(thr, sizeof(thr), " with %d thread%s", t, t == 1 ? "" : "s");
	/* The other sweeps' values, held along the line. */
	char held[160] = "";
	n = 0;
	for (int k = 0; k < rv->allocs[first].nsweep; k++)
		if (k != s)
			n = report_cat(held, sizeof(held), n, "%s%s=%s", n ? ", " : " (",
			               rv->sweeps[k].label, rv->allocs[first].sweep[k]);
	if (n)
		report_cat(held, sizeof(held), n, " held)");
	const char *without = n ? "without the settings" : "without the setting";
	snprintf(lname, sizeof(lname), "%s", from);
	for (int i = 0; i < sw->nvalues; i++)
		for (int v = 0; v < rv->nallocs; v++) {
			double pv = med(rv, w, t, v, METRIC_peak_rss_bytes);
			if (!on_line(rv, v, first, s) ||
			    strcmp(rv->allocs[v].sweep[s], sw->values[i]) || isnan(pv))
				continue;
			if (best < 0 || pv < med(rv, w, t, best, METRIC_peak_rss_bytes))
				best = v;
			if (used < sizeof(list))
				used += (size_t)snprintf(
				    list + used, sizeof(list) - used, "%s%s: %s", used ? ", " : "",
				    sw->values[i], metrics_format(MU_BYTES, pv, x, sizeof(x)));
		}
	if (best < 0)
		return 0;
	double pb = med(rv, w, t, best, METRIC_peak_rss_bytes);
	if (!isnan(bv) && pb > bv * NOTICEABLE)
		return report_cat(out, len, 0,
		                  "Sweeping %s%s%s, no value lowered %s's peak RSS by 5%% or more "
		                  "from its %s %s (%s %s).",
		                  sw->label, thr, held, lname,
		                  metrics_format(MU_BYTES, bv, x, sizeof(x)), without, sw->label,
		                  list) > 0;
	n = report_cat(out, len, 0, "Sweeping %s%s%s, %s's peak RSS was lowest at %s=%s: %s",
	               sw->label, thr, held, lname, sw->label, rv->allocs[best].sweep[s],
	               metrics_format(MU_BYTES, pb, x, sizeof(x)));
	if (!isnan(bv))
		n = report_cat(out, len, n, " against %s %s",
		               metrics_format(MU_BYTES, bv, y, sizeof(y)), without);
	double cb = med(rv, w, t, best, METRIC_cpu_s);
	double c0 = base >= 0 ? med(rv, w, t, base, METRIC_cpu_s) : NAN;
	if (!isnan(cb) && !isnan(c0) && c0 > 0)
		n = report_cat(out, len, n, ", at %.2fx its CPU time (%s against %s%s);", cb / c0,
		               units_format_duration(cb, x, sizeof(x)),
		               units_format_duration(c0, y, sizeof(y)),
		               rv->reps > 1 ? ", medians" : "; one run each");
	else if (!isnan(cb))
		n = report_cat(out, len, n, ", in %s of CPU time;",
		               units_format_duration(cb, x, sizeof(x)));
	report_cat(out, len, n, "%s peak RSS by %s: %s.", isnan(cb) ? ";" : "", sw->label, list);
	return 1;
}

bool report_sweep_applies(const struct rundir *rv, int a, const struct rundir_sweep *sw)
{
	static const struct {
		const char *prefix, *root;
	} owners[] = {{"glibc.malloc.", "glibc"},
	              {"MALLOC_CONF", "jemalloc"},
	              {"TCMALLOC_", "tcmalloc"},
	              {"MIMALLOC_", "mimalloc"}};
	const char *root = rundir_root_name(rv, a);
	for (size_t i = 0; i < sizeof(owners) / sizeof(owners[0]); i++) {
		size_t k = strlen(owners[i].prefix);
		if (!strncmp(sw->setting, owners[i].prefix, k) ||
		    !strncmp(sw->variable, owners[i].prefix, k))
			return !strcmp(root, owners[i].root);
	}
	return true;
}

int report_sweep_findings(const struct rundir *rv, const char *w, int t,
                          char (*out)[REPORT_SENTENCE_MAX], int max)
{
	int n = 0;
	for (int s = 0; s < rv->nsweeps && n < max; s++)
		for (int a = 0; a < rv->nallocs && n < max; a++) {
			/* A setting the allocator does not read is no finding (its
			 * figure still shows the noise of it). */
			bool first = rv->allocs[a].nsweep > s && rv->allocs[a].derived_from[0] &&
			             report_sweep_applies(rv, a, &rv->sweeps[s]);
			for (int b = 0; b < a && first; b++)
				first = !on_line(rv, b, a, s);
			if (first && line_sentence(rv, w, t, s, a, out[n], REPORT_SENTENCE_MAX))
				n++;
		}
	return n;
}
