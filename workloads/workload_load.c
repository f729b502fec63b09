/* workload_load.c - reads and strictly validates a workload YAML file into
 * struct workload (see workload.h for the format's meaning).
 *
 * Strict on purpose: a typo in a benchmark definition silently measuring
 * the wrong thing costs more than a refused file, so unknown keys, out of
 * range values and phases that could not run (no threads, a live window
 * larger than the machine) are errors with the file position and the fix.
 *
 * Generators are a table: each entry names its keys and a parse function,
 * so a new generator is one entry and one function here plus its code in
 * the worker; the phase loop, key checking and messages are shared.
 */
#include "workloads/workload.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/units.h"
#include "workloads/workload_parse.h"
#include "common/ynode.h"
#define TIMEOUT_MIN 1.0
#define TIMEOUT_MAX (24.0 * 3600)
#define IDLE_MAX 3600.0
#define WEIGHT_MAX 1e9

struct generator_info {
	enum generator gen;
	const char *name;
	const char *const *keys;     /* accepted besides name and generator */
	const char *const *required; /* of those, the ones that must be there */
	bool needs_threads;          /* cannot run with 0 threads */
	workload_parse_fn parse;     /* NULL: the generator takes no parameters */
};

static int parse_churn(struct ynode_doc *d, const struct ynode *map, const struct workload *w,
                       struct phase *p);
static int parse_idle(struct ynode_doc *d, const struct ynode *map, const struct workload *w,
                      struct phase *p);

/* One block per generator, kept out of clang-format's packing. */
/* clang-format off */
static const struct generator_info generators[] = {
	{
		.gen = GEN_CHURN,
		.name = "churn",
		.keys = (const char *const[]){"threads", "ops", "live", "sizes", NULL},
		.required = (const char *const[]){"ops", "live", "sizes", NULL},
		.needs_threads = true,
		.parse = parse_churn,
	},
	{
		/* No threads key: idle runs no allocating threads at all. */
		.gen = GEN_IDLE,
		.name = "idle",
		.keys = (const char *const[]){"duration", NULL},
		.required = (const char *const[]){"duration", NULL},
		.parse = parse_idle,
	},
	{
		/* threads = measurement threads; 0 means detection measures. */
		.gen = GEN_TILE_CACHE,
		.name = "tile-cache",
		.keys = (const char *const[]){"threads", "width", "height", "tile", "budget",
		                              "sources", "objects", "stamps", "work", "keep",
		                              NULL},
		.required = (const char *const[]){"width", "height", "tile", "budget", "sources",
		                                  "objects", "stamps", "work", NULL},
		.parse = workload_parse_tile_cache,
	},
	{
		.gen = GEN_GROW,
		.name = "grow",
		.keys = (const char *const[]){"threads", "iterations", "from", "to", "jitter",
		                              "copy", "keep_per_iteration", "keep_sizes",
		                              "temps_per_iteration", "temp_sizes", NULL},
		.required = (const char *const[]){"iterations", "from", "to", NULL},
		.needs_threads = true,
		.parse = workload_parse_grow,
	},
	{
		.gen = GEN_STAMPS,
		.name = "stamps",
		.keys = (const char *const[]){"threads", "ops", "live", "sizes", "handoff", NULL},
		.required = (const char *const[]){"ops", "live", "sizes", NULL},
		.needs_threads = true,
		.parse = workload_parse_stamps,
	},
	{
		.gen = GEN_LEAK,
		.name = "leak",
		.keys = (const char *const[]){"threads", "iterations", "leak", "leak_sizes",
		                              "ops_per_iteration", "live", "sizes", NULL},
		.required = (const char *const[]){"iterations", "leak", "leak_sizes",
		                                  "ops_per_iteration", "live", "sizes", NULL},
		.needs_threads = true,
		.parse = workload_parse_leak,
	},
	{
		/* Frees from the main thread, as a program's teardown would. */
		.gen = GEN_FREE_ALL,
		.name = "free-all",
		.keys = (const char *const[]){NULL},
		.required = (const char *const[]){NULL},
	},
};
/* clang-format on */
#define NGENERATORS (sizeof(generators) / sizeof(generators[0]))

static const char *const top_keys[] = {"name",    "description", "seed", "threads",
                                       "timeout", "phases",      NULL};
static const char *const top_required[] = {"name", "description", "threads", "phases", NULL};

int workload_check_threads(const struct workload *w, int threads, char *err, size_t errlen)
{
	for (int i = 0; i < w->nphases; i++) {
		const struct phase *p = &w->phases[i];
		if (p->threads)
			continue; /* fixed by the phase: the axis does not apply */
		const struct generator_info *g = NULL;
		for (size_t k = 0; k < NGENERATORS; k++)
			if (generators[k].gen == p->gen)
				g = &generators[k];
		if (g && g->needs_threads && threads == 0) {
			snprintf(err, errlen, "%s: phase '%s' (%s) needs at least one thread",
			         w->name, p->name, g->name);
			return -EINVAL;
		}
		if (p->gen == GEN_STAMPS && p->u.stamps.handoff > 0 && threads < 2) {
			snprintf(err, errlen,
			         "%s: phase '%s' hands blocks to another thread, so it needs at "
			         "least 2 threads",
			         w->name, p->name);
			return -EINVAL;
		}
	}
	return 0;
}

const char *workload_generator_name(enum generator gen)
{
	for (size_t i = 0; i < NGENERATORS; i++)
		if (generators[i].gen == gen)
			return generators[i].name;
	return "unknown";
}

static const struct generator_info *find_generator(const char *name)
{
	for (size_t i = 0; i < NGENERATORS; i++)
		if (strcmp(generators[i].name, name) == 0)
			return &generators[i];
	return NULL;
}

static int max_axis(const struct workload *w)
{
	int m = 0;
	for (int i = 0; i < w->naxis; i++)
		if (w->axis[i] > m)
			m = w->axis[i];
	return m;
}

/* One size class: {min: 16 B, max: 256 B, weight: 70} or {size: 4 KiB}. */
static int parse_size_class(struct ynode_doc *d, const struct ynode *n, const char *what,
                            struct size_class *c)
{
	static const char *const keys[] = {"min", "max", "size", "weight", NULL};
	static const char *const range[] = {"min", "max", NULL};
	char desc[64];
	if (n->kind != YNODE_MAPPING)
		return ynode_fail(d, n,
		                  "%s: expected a mapping like {min: 16 B, max: 256 B} or "
		                  "{size: 4 KiB}, got %s",
		                  what, ynode_describe(n, desc, sizeof(desc)));
	const struct ynode *size = ynode_get(n, "size");
	if (size && (ynode_get(n, "min") || ynode_get(n, "max")))
		return ynode_fail(d, size,
		                  "%s: 'size' cannot be combined with 'min' or 'max'; "
		                  "use size for a fixed size, min and max for a range",
		                  what);
	int r = ynode_check_keys(d, n, what, keys, size ? NULL : range);
	if (r < 0)
		return r;
	c->weight = 1;
	if ((r = ynode_get_size(d, n, "size", 1, SIZE_MAX_BLOCK, &c->min)) < 0 ||
	    (r = ynode_get_size(d, n, "min", 1, SIZE_MAX_BLOCK, &c->min)) < 0 ||
	    (r = ynode_get_size(d, n, "max", 1, SIZE_MAX_BLOCK, &c->max)) < 0 ||
	    (r = ynode_get_real(d, n, "weight", 0, WEIGHT_MAX, &c->weight)) < 0)
		return r;
	if (size)
		c->max = c->min;
	if (c->weight <= 0)
		return ynode_fail(d, ynode_get(n, "weight"),
		                  "key 'weight': expected a number > 0, got '%s'; "
		                  "remove the class instead",
		                  ynode_get(n, "weight")->text);
	if (c->min > c->max) {
		char lo[32], hi[32];
		return ynode_fail(d, ynode_get(n, "min"), "%s: min %s is larger than max %s", what,
		                  units_format_size(c->min, lo, sizeof(lo)),
		                  units_format_size(c->max, hi, sizeof(hi)));
	}
	return 0;
}

uint64_t workload_dist_max(const struct size_dist *dist)
{
	uint64_t largest = 0;
	for (int i = 0; i < dist->n; i++)
		if (dist->classes[i].max > largest)
			largest = dist->classes[i].max;
	return largest;
}

int workload_phase_threads(const struct workload *w, const struct phase *p)
{
	return p->threads ? p->threads : max_axis(w);
}

int workload_parse_sizes(struct ynode_doc *d, const struct ynode *map, const char *key,
                         const struct phase *p, struct size_dist *dist)
{
	const struct ynode *list = NULL;
	int r = ynode_get_list(d, map, key, 1, WORKLOAD_MAX_SIZE_CLASSES, &list);
	if (r < 0)
		return r;
	dist->n = list->n;
	for (int i = 0; i < list->n; i++) {
		char what[96];
		snprintf(what, sizeof(what), "class %d of '%s' in phase '%s'", i + 1, key, p->name);
		r = parse_size_class(d, list->val[i], what, &dist->classes[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

/* A phase that cannot fit in RAM would only measure swapping, or get the
 * worker OOM-killed minutes into a run; refuse it while loading. */
int workload_check_ram(struct ynode_doc *d, const struct ynode *at, const struct phase *p,
                       uint64_t need, const char *why)
{
	long pages = sysconf(_SC_PHYS_PAGES), pagesize = sysconf(_SC_PAGESIZE);
	if (pages <= 0 || pagesize <= 0)
		return 0; /* unknown: nothing to check against */
	uint64_t ram = (uint64_t)pages * (uint64_t)pagesize;
	if (need <= ram)
		return 0;
	char nb[32], rb[32];
	units_format_size(need, nb, sizeof(nb));
	units_format_size(ram, rb, sizeof(rb));
	return ynode_fail(d, at,
	                  "phase '%s' can hold %s (%s), more than this machine's %s of memory; "
	                  "make it smaller",
	                  p->name, nb, why, rb);
}

static int parse_churn(struct ynode_doc *d, const struct ynode *map, const struct workload *w,
                       struct phase *p)
{
	struct churn_params *c = &p->u.churn;
	int r;
	if ((r = ynode_get_count(d, map, "ops", 1, COUNT_MAX_OPS, &c->ops)) < 0 ||
	    (r = ynode_get_count(d, map, "live", 1, COUNT_MAX_LIVE, &c->live)) < 0 ||
	    (r = workload_parse_sizes(d, map, "sizes", p, &c->sizes)) < 0)
		return r;
	/* live <= 1e8, sizes <= 2^30, threads <= 64: the product fits in a
	 * uint64_t (6.9e18 < 1.8e19), so no overflow check is needed. */
	uint64_t largest = workload_dist_max(&c->sizes);
	int threads = workload_phase_threads(w, p);
	char why[128], lb[32];
	snprintf(why, sizeof(why), "%llu blocks x %s x %d threads", (unsigned long long)c->live,
	         units_format_size(largest, lb, sizeof(lb)), threads);
	return workload_check_ram(d, ynode_get(map, "live"), p,
	                          c->live * largest * (uint64_t)threads, why);
}

static int parse_idle(struct ynode_doc *d, const struct ynode *map, const struct workload *w,
                      struct phase *p)
{
	(void)w;
	/* 1 ns stands for "more than 0": a duration can be no shorter. */
	return ynode_get_duration(d, map, "duration", 1e-9, IDLE_MAX, &p->u.idle.duration_s);
}

/* Common keys, then the generator's; each phase accepts only its own. */
static void phase_keys(const struct generator_info *g, const char **known, const char **req)
{
	int k = 0, q = 0;
	known[k++] = req[q++] = "name";
	known[k++] = req[q++] = "generator";
	for (const char *const *s = g->keys; *s; s++)
		known[k++] = *s;
	for (const char *const *s = g->required; *s; s++)
		req[q++] = *s;
	known[k] = req[q] = NULL;
}

/* Every key some phase accepts, without repeats, NULL-terminated. */
static void all_phase_keys(const char **all, size_t size)
{
	size_t k = 0;
	all[k++] = "name";
	all[k++] = "generator";
	for (size_t i = 0; i < NGENERATORS; i++)
		for (const char *const *s = generators[i].keys; *s && k + 1 < size; s++) {
			size_t j = 0;
			while (j < k && strcmp(all[j], *s) != 0)
				j++;
			if (j == k)
				all[k++] = *s;
		}
	all[k] = NULL;
}

static int parse_phase(struct ynode_doc *d, const struct ynode *n, int index,
                       const struct workload *w, struct phase *p)
{
	char what[96], desc[64];
	if (n->kind != YNODE_MAPPING)
		return ynode_fail(d, n,
		                  "phase %d: expected a mapping with keys name, generator "
		                  "and the generator's parameters, got %s",
		                  index, ynode_describe(n, desc, sizeof(desc)));
	int r = ynode_get_name(d, n, "name", p->name, sizeof(p->name));
	if (r < 0)
		return r;
	if (p->name[0])
		snprintf(what, sizeof(what), "phase '%s'", p->name);
	else
		snprintf(what, sizeof(what), "phase %d", index);

	/* Without a generator the phase's keys are unknown: check against all
	 * generators' keys so a typo ("generatr") is named as such. */
	const struct ynode *gnode = ynode_get(n, "generator");
	if (!gnode) {
		const char *all[64];
		all_phase_keys(all, sizeof(all) / sizeof(all[0]));
		return ynode_check_keys(d, n, what, all, (const char *const[]){"generator", NULL});
	}
	const struct generator_info *g = NULL;
	if (gnode->kind == YNODE_SCALAR && strlen(gnode->text) == gnode->len)
		g = find_generator(gnode->text);
	if (!g) {
		char names[128] = "";
		for (size_t i = 0; i < NGENERATORS; i++)
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
			         i ? ", " : "", generators[i].name);
		return ynode_fail(d, gnode, "%s: unknown generator %s; known generators: %s", what,
		                  ynode_describe(gnode, desc, sizeof(desc)), names);
	}
	p->gen = g->gen;

	const char *known[24], *required[24];
	phase_keys(g, known, required);
	if ((r = ynode_check_keys(d, n, what, known, required)) < 0)
		return r;

	int64_t threads = 0;
	if ((r = ynode_get_int(d, n, "threads", 1, WORKLOAD_MAX_THREADS, &threads)) < 0)
		return r;
	p->threads = (int)threads;
	if (g->needs_threads && p->threads == 0) {
		for (int i = 0; i < w->naxis; i++)
			if (w->axis[i] == 0)
				return ynode_fail(d, n,
				                  "%s: %s needs at least one thread; set threads: "
				                  "in the phase or remove 0 from the axis",
				                  what, g->name);
	}
	return g->parse ? g->parse(d, n, w, p) : 0;
}

static int parse_phases(struct ynode_doc *d, const struct ynode *root, struct workload *w)
{
	const struct ynode *list = NULL;
	int r = ynode_get_list(d, root, "phases", 1, WORKLOAD_MAX_PHASES, &list);
	if (r < 0)
		return r;
	for (int i = 0; i < list->n; i++) {
		const struct ynode *n = list->val[i];
		if ((r = parse_phase(d, n, i + 1, w, &w->phases[i])) < 0)
			return r;
		for (int j = 0; j < i; j++)
			if (strcmp(w->phases[j].name, w->phases[i].name) == 0) {
				const struct ynode *first = ynode_get(list->val[j], "name");
				return ynode_fail(d, ynode_get(n, "name"),
				                  "phase name '%s' is used twice (first at %d:%d); "
				                  "phase names must be unique",
				                  w->phases[i].name, first->line, first->col);
			}
		w->nphases = i + 1;
	}
	return 0;
}

/* threads: 4  or  threads: [1, 2, 4, 8] */
static int parse_axis(struct ynode_doc *d, const struct ynode *root, struct workload *w)
{
	const struct ynode *n = ynode_get(root, "threads");
	const struct ynode *const *items = &n;
	int count = 1;
	char desc[64];
	if (n->kind == YNODE_SEQUENCE) {
		items = (const struct ynode *const *)n->val;
		count = n->n;
		if (count < 1 || count > WORKLOAD_MAX_AXIS)
			return ynode_fail(d, n,
			                  "key 'threads': expected 1 to %d thread counts, got %d",
			                  WORKLOAD_MAX_AXIS, count);
	} else if (n->kind != YNODE_SCALAR) {
		return ynode_fail(d, n,
		                  "key 'threads': expected a thread count or a list of them "
		                  "like [1, 4], got %s",
		                  ynode_describe(n, desc, sizeof(desc)));
	}
	for (int i = 0; i < count; i++) {
		int64_t v;
		int r = ynode_as_int(d, items[i], "threads", 0, WORKLOAD_MAX_THREADS, &v);
		if (r < 0)
			return r;
		for (int j = 0; j < i; j++)
			if (w->axis[j] == v)
				return ynode_fail(
				    d, items[i],
				    "key 'threads': %d is listed twice (first at %d:%d)", (int)v,
				    items[j]->line, items[j]->col);
		w->axis[i] = (int)v;
		w->naxis = i + 1;
	}
	return 0;
}

static int parse_description(struct ynode_doc *d, const struct ynode *root, struct workload *w)
{
	int r = ynode_get_str(d, root, "description", w->description, sizeof(w->description));
	if (r < 0)
		return r;
	size_t len = strlen(w->description);
	while (len > 0 && strchr(" \t\n", w->description[len - 1]))
		w->description[--len] = '\0';
	if (len == 0)
		return ynode_fail(d, ynode_get(root, "description"),
		                  "key 'description': expected a sentence or two on what the "
		                  "workload models, got an empty text");
	return 0;
}

static int parse_workload(struct ynode_doc *d, struct workload *w)
{
	const struct ynode *root = ynode_root(d);
	if (root->kind != YNODE_MAPPING)
		return ynode_fail(d, root,
		                  "expected a mapping with keys name, description, threads, "
		                  "phases");
	int r = ynode_check_keys(d, root, "the workload", top_keys, top_required);
	if (r < 0)
		return r;
	int64_t seed = 1;
	double *timeout = &w->timeout_s;
	if ((r = ynode_get_name(d, root, "name", w->name, sizeof(w->name))) < 0 ||
	    (r = parse_description(d, root, w)) < 0 ||
	    (r = ynode_get_int(d, root, "seed", 0, INT64_MAX, &seed)) < 0 ||
	    (r = parse_axis(d, root, w)) < 0 ||
	    (r = ynode_get_duration(d, root, "timeout", TIMEOUT_MIN, TIMEOUT_MAX, timeout)) < 0)
		return r;
	w->seed = (uint64_t)seed;
	return parse_phases(d, root, w);
}

int workload_load(const char *path, struct workload *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (strlen(path) >= sizeof(out->path)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	struct ynode_doc *d;
	int r = ynode_load(path, err, errlen, &d);
	if (r == -ENODATA) {
		snprintf(err, errlen,
		         "%s: empty file; a workload needs at least the keys name, "
		         "description, threads and phases",
		         path);
		return -EINVAL;
	}
	if (r < 0)
		return r;
	snprintf(out->path, sizeof(out->path), "%s", path);
	r = parse_workload(d, out);
	ynode_destroy(d);
	if (r < 0)
		memset(out, 0, sizeof(*out)); /* no half-loaded workload to misuse */
	return r;
}
