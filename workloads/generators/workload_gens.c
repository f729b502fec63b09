/* workload_gens.c - YAML parsers for the seed generators: grow, stamps and
 * leak (see workload.h for what their parameters mean).
 *
 * As strict as the churn parser: counts and sizes are range-checked with
 * their units, options that only make sense together are refused apart
 * (sizes of blocks that are never allocated, a handoff with nobody to hand
 * to), and every phase's worst case is checked against this machine's RAM
 * while loading, not discovered by the OOM killer minutes into a run.
 */
#include <stdio.h>

#include "common/units.h"
#include "workloads/workload_parse.h"
#include "common/ynode.h"

#define JITTER_MAX 0.9 /* above it a buffer could shrink to almost nothing */
/* Smallest inbox of a stamps thread, in blocks; the same constant as in
 * workloads/generators/gen_stamps.c, which makes it max(this, live). */
#define STAMPS_INBOX_MIN UINT64_C(65536)

/* Worst cases multiply user counts (up to 1e12) by sizes (up to 1 GiB):
 * saturate instead of wrapping so a huge phase is refused, not accepted. */
static uint64_t mul_sat(uint64_t a, uint64_t b)
{
	return a && b > UINT64_MAX / a ? UINT64_MAX : a * b;
}

static uint64_t add_sat(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

/* Optional companions: `count` blocks per iteration drawn from `sizes`. The
 * sizes are required when the count is above 0, and refused when it is 0:
 * sizes that are never drawn are most likely a forgotten count. */
static int parse_per_iteration(struct ynode_doc *d, const struct ynode *map, const char *count_key,
                               const char *sizes_key, const struct phase *p, uint64_t *count,
                               struct size_dist *dist)
{
	int r;
	*count = 0;
	dist->n = 0;
	if ((r = ynode_get_count(d, map, count_key, 0, COUNT_MAX_LIVE, count)) < 0)
		return r;
	const struct ynode *sizes = ynode_get(map, sizes_key);
	if (*count > 0 && !sizes)
		return ynode_fail(d, ynode_get(map, count_key),
		                  "phase '%s': %s is %llu but %s is missing; add %s (a list of "
		                  "size classes like [{min: 16 B, max: 256 B}])",
		                  p->name, count_key, (unsigned long long)*count, sizes_key,
		                  sizes_key);
	if (*count == 0 && sizes)
		return ynode_fail(d, sizes,
		                  "phase '%s': %s is given but %s is 0 (the default), so no such "
		                  "block is ever allocated; set %s or remove %s",
		                  p->name, sizes_key, count_key, count_key, sizes_key);
	return sizes ? workload_parse_sizes(d, map, sizes_key, p, dist) : 0;
}

int workload_parse_grow(struct ynode_doc *d, const struct ynode *map, const struct workload *w,
                        struct phase *p)
{
	struct grow_params *g = &p->u.grow;
	int r;
	g->jitter = 0.25;
	g->copy = true;
	if ((r = ynode_get_count(d, map, "iterations", 1, COUNT_MAX_OPS, &g->iterations)) < 0 ||
	    (r = ynode_get_size(d, map, "from", 1, SIZE_MAX_BLOCK, &g->from)) < 0 ||
	    (r = ynode_get_size(d, map, "to", 1, SIZE_MAX_BLOCK, &g->to)) < 0 ||
	    (r = ynode_get_real(d, map, "jitter", 0, JITTER_MAX, &g->jitter)) < 0 ||
	    (r = ynode_get_bool(d, map, "copy", &g->copy)) < 0 ||
	    (r = parse_per_iteration(d, map, "keep_per_iteration", "keep_sizes", p,
	                             &g->keep_per_iter, &g->keep_sizes)) < 0 ||
	    (r = parse_per_iteration(d, map, "temps_per_iteration", "temp_sizes", p,
	                             &g->temps_per_iter, &g->temp_sizes)) < 0)
		return r;
	if (g->from > g->to) {
		char fb[32], tb[32];
		return ynode_fail(d, ynode_get(map, "from"),
		                  "phase '%s': from %s is larger than to %s; buffers grow from "
		                  "'from' to 'to' (jitter makes them go up and down)",
		                  p->name, units_format_size(g->from, fb, sizeof(fb)),
		                  units_format_size(g->to, tb, sizeof(tb)));
	}

	/* Per thread at worst: two buffers at the jittered maximum (copy mode),
	 * every long-lived block of the phase, one iteration's temporaries. */
	uint64_t biggest = (uint64_t)((double)g->to * (1 + g->jitter)) + 1;
	uint64_t keep_max = workload_dist_max(&g->keep_sizes);
	uint64_t temp_max = workload_dist_max(&g->temp_sizes);
	uint64_t kept = mul_sat(mul_sat(g->iterations, g->keep_per_iter), keep_max);
	uint64_t need = mul_sat(biggest, g->copy ? 2 : 1);
	need = add_sat(need, kept);
	need = add_sat(need, mul_sat(g->temps_per_iter, temp_max));
	int threads = workload_phase_threads(w, p);
	char why[160], bb[32], kb[32];
	snprintf(why, sizeof(why), "%s buffer%s + %s of long-lived blocks, x %d threads",
	         units_format_size(biggest, bb, sizeof(bb)), g->copy ? "s x 2" : "",
	         units_format_size(kept, kb, sizeof(kb)), threads);
	return workload_check_ram(d, ynode_get(map, "to"), p, mul_sat(need, (uint64_t)threads),
	                          why);
}

/* The fewest threads the phase can run at: its own count, else the axis. */
static int min_threads(const struct workload *w, const struct phase *p)
{
	if (p->threads)
		return p->threads;
	int m = WORKLOAD_MAX_THREADS;
	for (int i = 0; i < w->naxis; i++)
		if (w->axis[i] < m)
			m = w->axis[i];
	return m;
}

int workload_parse_stamps(struct ynode_doc *d, const struct ynode *map, const struct workload *w,
                          struct phase *p)
{
	struct stamps_params *s = &p->u.stamps;
	int r;
	s->handoff = 0;
	if ((r = ynode_get_count(d, map, "ops", 1, COUNT_MAX_OPS, &s->ops)) < 0 ||
	    (r = ynode_get_count(d, map, "live", 1, COUNT_MAX_LIVE, &s->live)) < 0 ||
	    (r = workload_parse_sizes(d, map, "sizes", p, &s->sizes)) < 0 ||
	    (r = ynode_get_real(d, map, "handoff", 0, 1, &s->handoff)) < 0)
		return r;
	int fewest = min_threads(w, p);
	if (s->handoff > 0 && fewest < 2) {
		char fix[96];
		if (p->threads)
			snprintf(fix, sizeof(fix), "set the phase's threads to 2 or more");
		else
			snprintf(fix, sizeof(fix),
			         "remove %d from the axis or set threads: 2 or more in the phase",
			         fewest);
		return ynode_fail(
		    d, ynode_get(map, "handoff"),
		    "phase '%s': handoff %g needs at least 2 threads (a handed-off "
		    "block is freed by the next thread), but the phase can run at %d; "
		    "%s, or set handoff: 0",
		    p->name, s->handoff, fewest, fix);
	}

	/* Handed-off blocks wait in the next thread's inbox, still allocated,
	 * and an inbox holds max(live, STAMPS_INBOX_MIN) of them. */
	uint64_t largest = workload_dist_max(&s->sizes);
	int threads = workload_phase_threads(w, p);
	uint64_t inbox = s->live > STAMPS_INBOX_MIN ? s->live : STAMPS_INBOX_MIN;
	uint64_t blocks = s->handoff > 0 ? s->live + inbox : s->live;
	char why[128], lb[32];
	snprintf(why, sizeof(why), "%llu blocks%s x %s x %d threads", (unsigned long long)blocks,
	         s->handoff > 0 ? " with inboxes" : "", units_format_size(largest, lb, sizeof(lb)),
	         threads);
	return workload_check_ram(d, ynode_get(map, "live"), p,
	                          mul_sat(mul_sat(blocks, largest), (uint64_t)threads), why);
}

int workload_parse_leak(struct ynode_doc *d, const struct ynode *map, const struct workload *w,
                        struct phase *p)
{
	struct leak_params *l = &p->u.leak;
	int r;
	if ((r = ynode_get_count(d, map, "iterations", 1, COUNT_MAX_OPS, &l->iterations)) < 0 ||
	    (r = ynode_get_size(d, map, "leak", 1, SIZE_MAX_BLOCK, &l->leak)) < 0 ||
	    (r = workload_parse_sizes(d, map, "leak_sizes", p, &l->leak_sizes)) < 0 ||
	    (r = ynode_get_count(d, map, "ops_per_iteration", 0, COUNT_MAX_OPS, &l->ops_per_iter)) <
	        0 ||
	    (r = ynode_get_count(d, map, "live", 1, COUNT_MAX_LIVE, &l->live)) < 0 ||
	    (r = workload_parse_sizes(d, map, "sizes", p, &l->sizes)) < 0)
		return r;

	/* The leak is the point: all of it stays, on top of the churn window. */
	uint64_t leaked = mul_sat(l->iterations, l->leak);
	uint64_t window = mul_sat(l->live, workload_dist_max(&l->sizes));
	int threads = workload_phase_threads(w, p);
	char why[160], lb[32], wb[32];
	snprintf(why, sizeof(why), "%s leaked + a %s window, x %d threads",
	         units_format_size(leaked, lb, sizeof(lb)),
	         units_format_size(window, wb, sizeof(wb)), threads);
	return workload_check_ram(d, ynode_get(map, "iterations"), p,
	                          mul_sat(add_sat(leaked, window), (uint64_t)threads), why);
}
