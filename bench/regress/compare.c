/* compare.c - regression verdicts between two runs (see compare.h).
 *
 * The rules in one place: memory_verdict and ratio_verdict. Everything else
 * is matching cells, checking that the runs were made on the same testbed,
 * and counting. The options are compare_opts.c's, the output
 * compare_out.c's.
 */
#include "bench/regress/compare.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "bench/regress/mannwhitney.h"
#include "bench/results/stats.h"

int compare_columns(const int **ids)
{
	static int cols[COMPARE_MAX_METRICS], n = -1;
	if (n < 0) {
		n = 0;
		for (int i = 0; i < METRIC_N && n < COMPARE_MAX_METRICS; i++)
			if (metrics[i].judge != MJ_NONE)
				cols[n++] = i;
	}
	*ids = cols;
	return n;
}

int compare_column(const char *ckey)
{
	const int *ids;
	int n = compare_columns(&ids);
	for (int c = 0; c < n; c++)
		if (!strcmp(metrics[ids[c]].ckey, ckey))
			return c;
	return -1;
}

const struct metric *compare_metric(int c)
{
	const int *ids;
	compare_columns(&ids);
	return &metrics[ids[c]];
}

int compare_ncolumns(void)
{
	const int *ids;
	return compare_columns(&ids);
}

const char *compare_mark_name(enum compare_mark m)
{
	static const char *const names[] = {
	    [COMPARE_SAME] = "same",
	    [COMPARE_WORSE] = "worse",
	    [COMPARE_BETTER] = "better",
	    [COMPARE_NEW] = "new",
	    [COMPARE_MISSING] = "missing",
	    [COMPARE_NA] = "n/a",
	    [COMPARE_INCONCLUSIVE] = "inconclusive",
	    [COMPARE_FAILED] = "failed",
	    [COMPARE_REFERENCE] = "reference",
	};
	return names[m];
}

/* ---- verdicts ---- */

__attribute__((format(printf, 2, 3))) static void note(struct compare_verdict *v, const char *fmt,
                                                       ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v->note, sizeof(v->note), fmt, ap);
	va_end(ap);
}

/* Beyond the threshold and the floor: +1 worse, -1 better, 0 neither. */
static int beyond(double base, double now, double threshold, double floor)
{
	if (now > base * (1 + threshold) && now - base > floor)
		return 1;
	if (now < base * (1 - threshold) && base - now > floor)
		return -1;
	return 0;
}

/* (max - min) / median of a sample, 0 with fewer than two values. */
static double relative_spread(const double *v, size_t n)
{
	double med = stats_median(v, n);
	if (n < 2 || !(med > 0))
		return 0;
	return (stats_max(v, n) - stats_min(v, n)) / med;
}

/* Whether a change in direction dir stands out of the scatter of the two
 * samples (see compare.h). Writes p when a test ran, and why in v->note
 * when it does not. */
static int stands_out(const double *b, size_t nb, const double *n, size_t nn, int dir,
                      const struct compare_opts *o, struct compare_verdict *v)
{
	if ((int)nb >= o->min_reps && (int)nn >= o->min_reps) {
		struct mannwhitney_result mw;
		if (mannwhitney_test(b, nb, n, nn, &mw))
			return 0;
		v->p = mw.p;
		if (mw.p < o->alpha)
			return 1;
		note(v, "beyond the threshold, not significant (p = %.2g)", mw.p);
		return 0;
	}
	if (nb >= 2 || nn >= 2) {
		/* Too few for a test: the side(s) with repetitions show how far
		 * the figure wanders, and the change must clear that. */
		double spread = fmax(relative_spread(b, nb), relative_spread(n, nn));
		int apart = dir > 0 ? stats_min(n, nn) > stats_max(b, nb)
		                    : stats_max(n, nn) < stats_min(b, nb);
		if (apart && fabs(v->change) > spread)
			return 1;
		note(v, "beyond the threshold, within the repetitions' scatter (%.0f%%)",
		     spread * 100);
		return 0;
	}
	/* One repetition a side shows no scatter: the threshold decides. */
	note(v, "one repetition a side: judged on the threshold alone");
	return 1;
}

/* Both sides' values of column m for a memory verdict, or the ratios to
 * the reference for a ratio one; *nb and *nn say how many. Returns 0 or
 * -ENOMEM (b and n are then NULL). */
static int sides(const struct rundir *base, const struct rundir_group *gb, const struct rundir *now,
                 const struct rundir_group *gn, int m, double **b, double **n, size_t *nb,
                 size_t *nn)
{
	const int *ids;
	compare_columns(&ids);
	*b = malloc((gb->ncells + 1) * sizeof(**b));
	*n = malloc((gn->ncells + 1) * sizeof(**n));
	if (!*b || !*n) {
		free(*b);
		free(*n);
		*b = *n = NULL;
		return -ENOMEM;
	}
	if (compare_metric(m)->judge == MJ_REF_RATIO) {
		*nb = rundir_ref_ratios(base, gb, ids[m], *b);
		*nn = rundir_ref_ratios(now, gn, ids[m], *n);
	} else {
		*nb = rundir_values(base, gb, ids[m], *b);
		*nn = rundir_values(now, gn, ids[m], *n);
	}
	return 0;
}

static void memory_verdict(const double *b, size_t nb, const double *n, size_t nn, int metric,
                           const struct compare_opts *o, struct compare_verdict *v)
{
	v->nbase = (int)nb;
	v->nnew = (int)nn;
	v->base = stats_median(b, nb);
	v->now = stats_median(n, nn);
	if (isnan(v->base) || isnan(v->now)) {
		v->mark = COMPARE_NA;
		v->unjudged = !isnan(v->base);
		note(v, "%s",
		     isnan(v->base) && isnan(v->now) ? "n/a"
		     : isnan(v->base)                ? "n/a in BASE"
		                                     : "n/a in NEW");
		return;
	}
	v->change = v->base > 0 ? v->now / v->base - 1 : (v->now > 0 ? INFINITY : 0);
	int dir = beyond(v->base, v->now, o->threshold[metric], o->floor[metric]);
	v->mark = COMPARE_SAME;
	if (dir && stands_out(b, nb, n, nn, dir, o, v))
		v->mark = dir > 0 ? COMPARE_WORSE : COMPARE_BETTER;
}

/* A figure that moves with the machine's speed, as a ratio to the
 * reference allocator's in the same run and repetition. */
static void ratio_verdict(const double *b, size_t nb, const double *n, size_t nn, int metric,
                          const char *allocator, const struct compare_opts *o,
                          struct compare_verdict *v)
{
	if (!strcmp(allocator, RUNDIR_REFERENCE)) {
		v->mark = COMPARE_REFERENCE;
		v->base = v->now = 1;
		note(v, "the other allocators' figure is a ratio to this one");
		return;
	}
	v->nbase = (int)nb;
	v->nnew = (int)nn;
	v->base = stats_median(b, nb);
	v->now = stats_median(n, nn);
	if (!nb || !nn) {
		v->mark = COMPARE_NA;
		v->unjudged = nb > 0;
		note(v, "no %s cell of the same repetitions in %s", RUNDIR_REFERENCE,
		     !nb && !nn ? "either run"
		     : !nb      ? "BASE"
		                : "NEW");
		return;
	}
	v->change = v->now / v->base - 1;
	if ((int)nb < o->min_reps || (int)nn < o->min_reps) {
		v->mark = COMPARE_INCONCLUSIVE;
		note(v, "%zu vs %zu reps (%d a side needed)", nb, nn, o->min_reps);
		return;
	}
	struct mannwhitney_result mw;
	v->mark = COMPARE_SAME;
	if (mannwhitney_test(b, nb, n, nn, &mw))
		return;
	v->p = mw.p;
	int dir = beyond(v->base, v->now, o->threshold[metric], 0);
	if (dir && mw.p < o->alpha)
		v->mark = dir > 0 ? COMPARE_WORSE : COMPARE_BETTER;
	else if (dir)
		note(v, "beyond the threshold, not significant (p = %.2g)", mw.p);
	else if (mw.p < o->alpha)
		note(v, "significant (p = %.2g) but within the threshold", mw.p);
}

static void init_verdicts(struct compare_cell *c, enum compare_mark mark, const char *why)
{
	for (int m = 0; m < COMPARE_MAX_METRICS; m++) {
		c->v[m] = (struct compare_verdict){
		    .mark = mark, .base = NAN, .now = NAN, .change = NAN, .p = NAN};
		snprintf(c->v[m].note, sizeof(c->v[m].note), "%s", why);
	}
}

static void compare_cell(const struct rundir *base, const struct rundir_group *gb,
                         const struct rundir *now, const struct rundir_group *gn,
                         const struct compare_opts *o, struct compare_cell *c)
{
	c->base_ops = gb->m[METRIC_ops].median;
	c->new_ops = gn->m[METRIC_ops].median;
	if (!c->new_ok && c->base_ok) {
		init_verdicts(c, COMPARE_FAILED, "every repetition failed in NEW");
		return;
	}
	if (!c->base_ok) {
		init_verdicts(c, COMPARE_NA,
		              c->new_ok ? "every repetition failed in BASE"
		                        : "failed in both runs");
		return;
	}
	init_verdicts(c, COMPARE_NA, "");
	for (int m = 0; m < compare_ncolumns(); m++) {
		double *b, *n;
		size_t nb, nn;
		if (sides(base, gb, now, gn, m, &b, &n, &nb, &nn)) {
			note(&c->v[m], "out of memory");
			continue;
		}
		if (compare_metric(m)->judge == MJ_REF_RATIO)
			ratio_verdict(b, nb, n, nn, m, c->allocator, o, &c->v[m]);
		else
			memory_verdict(b, nb, n, nn, m, o, &c->v[m]);
		free(b);
		free(n);
	}
}

/* ---- matching and context ---- */

static const char *map_to_base(const struct compare_opts *o, const char *now_name)
{
	for (int i = 0; i < o->nmap; i++)
		if (!strcmp(o->map[i].now, now_name))
			return o->map[i].base;
	return now_name;
}

__attribute__((format(printf, 2, 3))) static void mismatch(struct compare_report *r,
                                                           const char *fmt, ...)
{
	if (r->nmismatch == COMPARE_MAX_NOTES)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->mismatch[r->nmismatch++], sizeof(r->mismatch[0]), fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 2, 3))) static void warning(struct compare_report *r, const char *fmt,
                                                          ...)
{
	if (r->nwarning == COMPARE_MAX_NOTES)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->warning[r->nwarning++], sizeof(r->warning[0]), fmt, ap);
	va_end(ap);
}

/* A version from meta.json, else the one the cells reported. */
static const char *version_of(const struct rundir *d, const char *alloc)
{
	int a = rundir_alloc_index(d, alloc);
	if (a >= 0 && d->allocs[a].version[0])
		return d->allocs[a].version;
	for (size_t i = 0; a >= 0 && i < d->ngroups; i++)
		if (d->groups[i].alloc == a && d->groups[i].allocator_version[0])
			return d->groups[i].allocator_version;
	return NULL;
}

static const char *alloc_name(const struct rundir *d, const struct rundir_group *g)
{
	return d->allocs[g->alloc].name;
}

static void check_context(struct compare_report *r)
{
	const struct rundir *b = r->base, *n = r->now;
	if (!b->has_meta || !n->has_meta) {
		warning(r,
		        "%s has no meta.json beside it: its testbed (CPUs, kernel, allocator "
		        "versions) is not checked",
		        !b->has_meta ? "BASE" : "NEW");
		return;
	}
	if (strcmp(b->machine, n->machine))
		mismatch(r, "machine differs: %s in BASE, %s in NEW", b->machine, n->machine);
	if (b->cpus_online != n->cpus_online)
		mismatch(r, "CPU count differs: %ld in BASE, %ld in NEW", b->cpus_online,
		         n->cpus_online);
	else if (b->cpus_allowed != n->cpus_allowed)
		mismatch(r, "CPUs allowed to the run differ: %ld in BASE, %ld in NEW",
		         b->cpus_allowed, n->cpus_allowed);
	if (strcmp(b->kernel_release, n->kernel_release))
		mismatch(r, "kernel differs: %s in BASE, %s in NEW", b->kernel_release,
		         n->kernel_release);
	if (!isnan(b->scale) && !isnan(n->scale) && b->scale != n->scale)
		mismatch(r, "scale differs: %g in BASE, %g in NEW", b->scale, n->scale);
	/* Every allocator that both runs used under the same name. */
	for (size_t i = 0; i < n->ngroups; i++) {
		const char *name = alloc_name(n, &n->groups[i]);
		int seen = 0;
		for (size_t j = 0; j < i && !seen; j++)
			seen = n->groups[j].alloc == n->groups[i].alloc;
		if (seen || strcmp(map_to_base(&r->opts, name), name))
			continue;
		const char *vb = version_of(b, name), *vn = version_of(n, name);
		if (vb && vn && strcmp(vb, vn))
			mismatch(r, "%s version differs: %s in BASE, %s in NEW", name, vb, vn);
	}
}

static int cmp_cell(const void *a, const void *b)
{
	const struct compare_cell *x = a, *y = b;
	int c = strcmp(x->workload, y->workload);
	if (c)
		return c;
	if (x->threads != y->threads)
		return x->threads < y->threads ? -1 : 1;
	c = strcmp(x->allocator, y->allocator);
	return c ? c : y->in_new - x->in_new; /* under --map, NEW's cell first */
}

static int has_workload(const struct rundir *d, const char *workload)
{
	for (size_t i = 0; i < d->ngroups; i++)
		if (!strcmp(d->groups[i].workload, workload))
			return 1;
	return 0;
}

/* Adds a workload to the comma list of absent ones, once. */
static void note_absent(struct compare_report *r, const char *workload)
{
	size_t len = strlen(r->absent), wl = strlen(workload);
	for (const char *p = r->absent; *p;) {
		size_t n = strcspn(p, ",");
		if (n == wl && !strncmp(p, workload, wl))
			return;
		p += n;
		p += strspn(p, ", ");
	}
	snprintf(r->absent + len, sizeof(r->absent) - len, "%s%s", len ? ", " : "", workload);
}

static void count(struct compare_report *r, const struct compare_cell *c)
{
	int worse = 0, better = 0, inconclusive = 0;
	if (!c->in_base) {
		r->nnew++;
		return;
	}
	if (!c->in_new) {
		r->nmissing++;
		return;
	}
	r->ncompared++;
	for (int m = 0; m < compare_ncolumns(); m++) {
		worse |= c->v[m].mark == COMPARE_WORSE || c->v[m].mark == COMPARE_FAILED;
		better |= c->v[m].mark == COMPARE_BETTER;
		inconclusive |= c->v[m].mark == COMPARE_INCONCLUSIVE;
	}
	r->nworse += worse;
	r->nbetter += better && !worse;
	r->ninconclusive += inconclusive;
	/* A figure BASE had that NEW lacks could hide a regression. */
	for (int m = 0; m < compare_ncolumns(); m++)
		r->nunjudged += c->v[m].mark == COMPARE_NA && c->v[m].unjudged;
}

int compare_runs(const struct rundir *base, const struct rundir *now, const struct compare_opts *o,
                 struct compare_report **out)
{
	struct compare_report *r = calloc(1, sizeof(*r));
	*out = NULL;
	if (!r || !(r->cells = calloc(base->ngroups + now->ngroups + 1, sizeof(*r->cells)))) {
		free(r);
		return -ENOMEM;
	}
	r->base = base;
	r->now = now;
	r->opts = *o;
	check_context(r);

	for (size_t i = 0; i < now->ngroups; i++) {
		const struct rundir_group *gn = &now->groups[i];
		const char *bname = map_to_base(o, alloc_name(now, gn));
		const struct rundir_group *gb =
		    rundir_group_named(base, gn->workload, gn->threads, bname);
		struct compare_cell *c = &r->cells[r->ncells++];
		snprintf(c->workload, sizeof(c->workload), "%s", gn->workload);
		snprintf(c->allocator, sizeof(c->allocator), "%s", alloc_name(now, gn));
		snprintf(c->base_allocator, sizeof(c->base_allocator), "%s", bname);
		c->threads = gn->threads;
		c->in_new = 1;
		c->new_ok = gn->reps_ok;
		c->new_failed = gn->reps_failed;
		c->base_ops = c->new_ops = NAN;
		if (!gb) {
			init_verdicts(c, COMPARE_NEW, "not in BASE");
			continue;
		}
		c->in_base = 1;
		c->base_ok = gb->reps_ok;
		c->base_failed = gb->reps_failed;
		compare_cell(base, gb, now, gn, o, c);
	}
	for (size_t i = 0; i < base->ngroups; i++) {
		const struct rundir_group *gb = &base->groups[i];
		int matched = 0;
		for (size_t j = 0; j < now->ngroups && !matched; j++) {
			const struct rundir_group *gn = &now->groups[j];
			matched =
			    gn->threads == gb->threads && !strcmp(gn->workload, gb->workload) &&
			    !strcmp(map_to_base(o, alloc_name(now, gn)), alloc_name(base, gb));
		}
		if (matched)
			continue;
		if (!has_workload(now, gb->workload)) {
			note_absent(r, gb->workload);
			r->nabsent_cells++;
			continue;
		}
		struct compare_cell *c = &r->cells[r->ncells++];
		snprintf(c->workload, sizeof(c->workload), "%s", gb->workload);
		snprintf(c->allocator, sizeof(c->allocator), "%s", alloc_name(base, gb));
		snprintf(c->base_allocator, sizeof(c->base_allocator), "%s", alloc_name(base, gb));
		c->threads = gb->threads;
		c->in_base = 1;
		c->base_ok = gb->reps_ok;
		c->base_failed = gb->reps_failed;
		c->base_ops = c->new_ops = NAN;
		init_verdicts(c, COMPARE_MISSING, "not in NEW");
	}
	qsort(r->cells, r->ncells, sizeof(*r->cells), cmp_cell);
	const char *warned = NULL; /* one warning per workload: cells are sorted */
	for (size_t i = 0; i < r->ncells; i++) {
		const struct compare_cell *c = &r->cells[i];
		count(r, c);
		if (c->in_base && c->in_new && !isnan(c->base_ops) && !isnan(c->new_ops) &&
		    c->base_ops != c->new_ops && !(warned && !strcmp(warned, c->workload))) {
			warned = c->workload;
			warning(r,
			        "%s: the work differs (%.0f operations in BASE, %.0f in NEW, "
			        "%s): another scale, seed or workload file, so its figures are "
			        "not like for like",
			        c->workload, c->base_ops, c->new_ops, c->allocator);
		}
	}
	*out = r;
	return 0;
}

void compare_report_destroy(struct compare_report *r)
{
	if (!r)
		return;
	free(r->cells);
	free(r);
}

void compare_incomplete(const struct compare_report *r, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = '\0';
#define ADD(...)                                                                                   \
	do {                                                                                       \
		if (n < len)                                                                       \
			n += (size_t)snprintf(buf + n, len - n, "%s", n ? "; " : "");              \
		if (n < len)                                                                       \
			n += (size_t)snprintf(buf + n, len - n, __VA_ARGS__);                      \
	} while (0)
	if (!r->now->complete)
		ADD("NEW was interrupted (not every cell ran)");
	if (r->nmissing + r->nabsent_cells)
		ADD("%d cell%s BASE has %s not in NEW", r->nmissing + r->nabsent_cells,
		    r->nmissing + r->nabsent_cells == 1 ? "" : "s",
		    r->nmissing + r->nabsent_cells == 1 ? "is" : "are");
	if (r->nunjudged)
		ADD("%d figure%s BASE has %s n/a in NEW", r->nunjudged,
		    r->nunjudged == 1 ? "" : "s", r->nunjudged == 1 ? "is" : "are");
#undef ADD
}

int compare_exit_code(const struct compare_report *r)
{
	char why[256];
	if (r->nmismatch && !r->opts.force)
		return COMPARE_EXIT_NOT_COMPARABLE;
	if (r->nworse)
		return COMPARE_EXIT_WORSE;
	if (r->ncompared == 0)
		return COMPARE_EXIT_INCOMPLETE;
	compare_incomplete(r, why, sizeof(why));
	return why[0] && !r->opts.partial ? COMPARE_EXIT_INCOMPLETE : COMPARE_EXIT_OK;
}
