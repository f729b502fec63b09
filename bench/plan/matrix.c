/* matrix.c - build and shuffle the cell list, and deal it into shards
 * (see matrix.h). */
#include "bench/plan/matrix.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* splitmix64: enough for a shuffle, and stable across platforms. */
static uint64_t next(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

int matrix_build(int nworkloads, const int *const *axis, const int *naxis, int nallocators,
                 int reps, uint64_t seed, struct plan_cell **out, size_t *nout)
{
	size_t per_round = 0;
	for (int w = 0; w < nworkloads; w++)
		per_round += (size_t)naxis[w] * (size_t)nallocators;
	struct plan_cell *cells = calloc(per_round * (size_t)reps + 1, sizeof(*cells));
	if (!cells)
		return -ENOMEM;
	size_t n = 0;
	uint64_t state = seed;
	for (int rep = 1; rep <= reps; rep++) {
		size_t first = n;
		for (int w = 0; w < nworkloads; w++)
			for (int t = 0; t < naxis[w]; t++)
				for (int a = 0; a < nallocators; a++)
					cells[n++] = (struct plan_cell){w, axis[w][t], a, rep};
		/* Fisher-Yates within the round. */
		for (size_t i = n - 1; i > first; i--) {
			size_t j = first + (size_t)(next(&state) % (i - first + 1));
			struct plan_cell tmp = cells[i];
			cells[i] = cells[j];
			cells[j] = tmp;
		}
	}
	*out = cells;
	*nout = n;
	return 0;
}

int matrix_shard_parse(const char *arg, struct matrix_shard *sh, char *err, size_t errlen)
{
	const char *slash = strchr(arg, '/');
	size_t kl = slash ? (size_t)(slash - arg) : 0;
	memset(sh, 0, sizeof(*sh));
	/* Digits only, as --seed: "1/3" and nothing else. */
	if (slash && kl >= 1 && kl <= 4 && strspn(arg, "0123456789") == kl &&
	    strlen(slash + 1) >= 1 && strlen(slash + 1) <= 4 &&
	    strspn(slash + 1, "0123456789") == strlen(slash + 1)) {
		sh->index = atoi(arg);
		sh->count = atoi(slash + 1);
		if (sh->index >= 1 && sh->count <= MATRIX_SHARDS_MAX && sh->index <= sh->count)
			return 0;
	}
	snprintf(err, errlen,
	         "--shard %s: expected K/N, this machine's share K of N shards, with 1 <= K <= "
	         "N <= %d (e.g. --shard 2/3)",
	         arg, MATRIX_SHARDS_MAX);
	memset(sh, 0, sizeof(*sh));
	return -EINVAL;
}

struct unit {
	int workload, threads, rep;
	int shard; /* from 0 */
	double cost;
};

static int cmp_key(const struct unit *a, const struct unit *b)
{
	if (a->workload != b->workload)
		return a->workload < b->workload ? -1 : 1;
	if (a->threads != b->threads)
		return a->threads < b->threads ? -1 : 1;
	return (a->rep > b->rep) - (a->rep < b->rep);
}

static int by_key(const void *x, const void *y) { return cmp_key(x, y); }

/* Longest first; equal costs in key order, so the deal is the same on
 * every machine (qsort is not stable, the key makes the order total). */
static int by_cost(const void *x, const void *y)
{
	const struct unit *a = *(const struct unit *const *)x, *b = *(const struct unit *const *)y;
	if (a->cost != b->cost)
		return a->cost > b->cost ? -1 : 1;
	return cmp_key(a, b);
}

static uint64_t fnv(uint64_t h, const void *data, size_t n)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

static uint64_t fnv_str(uint64_t h, const char *s) { return fnv(h, s, strlen(s) + 1); }

static uint64_t fnv_int(uint64_t h, int64_t v)
{
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%lld,", (long long)v);
	return fnv(h, buf, (size_t)n);
}

/* The units of cells, sorted by key and each once. */
static struct unit *units_of(const struct plan_cell *cells, size_t n, size_t *nu)
{
	struct unit *u = malloc((n + 1) * sizeof(*u));
	size_t k = 0;
	if (!u)
		return NULL;
	for (size_t i = 0; i < n; i++)
		u[i] = (struct unit){cells[i].workload, cells[i].threads, cells[i].rep, 0, 0};
	if (n)
		qsort(u, n, sizeof(*u), by_key);
	for (size_t i = 0; i < n; i++)
		if (!k || cmp_key(&u[k - 1], &u[i]))
			u[k++] = u[i];
	*nu = k;
	return u;
}

int matrix_shard_select(struct plan_cell *cells, size_t *n, const char *const *workloads,
                        matrix_cost_fn cost, void *ctx, struct matrix_shard *sh)
{
	size_t nu = 0, kept = 0;
	struct unit *u = units_of(cells, *n, &nu);
	struct unit **order = calloc(nu + 1, sizeof(*order));
	double *load = calloc((size_t)sh->count + 1, sizeof(*load));
	if (!u || !order || !load) {
		free(u);
		free(order);
		free(load);
		return -ENOMEM;
	}
	for (size_t i = 0; i < nu; i++) {
		u[i].cost = cost(ctx, u[i].workload, u[i].threads);
		order[i] = &u[i];
	}
	if (nu)
		qsort(order, nu, sizeof(*order), by_cost);
	for (size_t i = 0; i < nu; i++) {
		int best = 0;
		for (int s = 1; s < sh->count; s++)
			if (load[s] < load[best])
				best = s;
		order[i]->shard = best;
		load[best] += order[i]->cost;
	}
	/* The fingerprint: what runs where, by name, in key order. */
	uint64_t h = fnv_int(0xcbf29ce484222325ULL, sh->count);
	for (size_t i = 0; i < nu; i++) {
		h = fnv_str(h, workloads[u[i].workload]);
		h = fnv_int(h, u[i].threads);
		h = fnv_int(h, u[i].rep);
		h = fnv_int(h, u[i].shard);
	}
	sh->plan = h;
	sh->units_total = nu;
	sh->cost = load[sh->index - 1];
	sh->cost_all = 0;
	for (int s = 0; s < sh->count; s++)
		sh->cost_all += load[s];
	for (size_t i = 0; i < *n; i++) {
		struct unit key = {cells[i].workload, cells[i].threads, cells[i].rep, 0, 0};
		const struct unit *found = bsearch(&key, u, nu, sizeof(*u), by_key);
		if (found && found->shard == sh->index - 1)
			cells[kept++] = cells[i];
	}
	*n = kept;
	free(u);
	free(order);
	free(load);
	return 0;
}
