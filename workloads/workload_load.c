/* workload_load.c - reads and strictly validates a workload YAML file into
 * struct workload (see workload.h for the format's meaning).
 *
 * Strict on purpose: a typo in a benchmark definition silently measuring
 * the wrong thing costs more than a refused file, so unknown keys, out of
 * range values and phases that could not run (no threads, more memory than
 * the machine has) are errors with the file position and the fix.
 *
 * Every mapping is read through a key table (keys.h): the workload's, a
 * phase's, a role's and a queue's here, each generator's in its own file.
 * `wimm help workloads` prints the same tables.
 */
#include "workloads/workload.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/units.h"
#include "common/ynode.h"
#include "workloads/generators/gen.h"
#include "workloads/keys.h"

#define TIMEOUT_MIN 1.0
#define TIMEOUT_MAX (24.0 * 3600)
/* The memory check refuses a phase whose expected heap plus this many
 * standard deviations is more than the machine's memory: the chance that
 * a window of random sizes holds more is below one in a billion. */
#define MEMORY_SIGMAS 6

const struct key_def workload_keys[] = {
    {"name", KEY_NAME, KEY_REQUIRED, offsetof(struct workload, name), 0, 0, NULL, NULL,
     "the workload's name in results: letters, digits, '.', '_', '-'", NULL},
    {"description", KEY_CUSTOM, KEY_REQUIRED, 0, 0, 0, NULL, NULL,
     "what it mimics and what to look at: a sentence or two (up to 2047 characters)", "text"},
    {"seed", KEY_CUSTOM, 0, 0, 0, 0, "1", NULL,
     "the same seed gives the same operations under every allocator", "integer >= 0"},
    {"threads", KEY_CUSTOM, KEY_REQUIRED, 0, 0, 0, NULL, NULL,
     "the thread axis: each cell runs at one of these counts; a role without threads: runs "
     "at it",
     "0 .. 64, or a list like [1, 4]"},
    {"timeout", KEY_DURATION, 0, offsetof(struct workload, timeout_s), TIMEOUT_MIN, TIMEOUT_MAX,
     NULL, NULL, "per-cell timeout (default: the driver's, 300 s)", NULL},
    {"phases", KEY_CUSTOM, KEY_REQUIRED, 0, 0, 0, NULL, NULL,
     "run one after the other; each has a generator, or roles that run together",
     "list of 1 .. 16 phases"},
    {0},
};

const struct key_def workload_phase_keys[] = {
    {"name", KEY_NAME, KEY_REQUIRED, 0, 0, 0, NULL, NULL, "unique within the workload", NULL},
    {"generator", KEY_CUSTOM, 0, 0, 0, 0, NULL, NULL,
     "a phase of one role: the generator, with its keys beside it (wimm describe GENERATOR)",
     "generator name"},
    {"threads", KEY_INT, 0, 0, 1, WORKLOAD_MAX_THREADS, NULL, NULL,
     "with generator: a fixed thread count instead of the axis", NULL},
    {"roles", KEY_CUSTOM, 0, 0, 0, 0, NULL, NULL,
     "instead of generator: groups of threads running at the same time, each its own "
     "generator",
     "list of 1 .. 8 roles"},
    {"queues", KEY_CUSTOM, 0, 0, 0, 0, NULL, NULL,
     "with roles: the queues that carry blocks from one role to another", "list of 1 .. 8 queues"},
    {0},
};

const struct key_def workload_role_keys[] = {
    {"name", KEY_NAME, KEY_REQUIRED, 0, 0, 0, NULL, NULL, "unique within the phase", NULL},
    {"generator", KEY_CUSTOM, KEY_REQUIRED, 0, 0, 0, NULL, NULL,
     "what its threads do; its keys go beside it", "generator name"},
    {"threads", KEY_INT, 0, 0, 1, WORKLOAD_MAX_THREADS, NULL, NULL,
     "a fixed thread count instead of the axis (all roles of a phase: at most 64)", NULL},
    {0},
};

const struct key_def workload_queue_keys[] = {
    {"name", KEY_NAME, KEY_REQUIRED, offsetof(struct queue_def, name), 0, 0, NULL, NULL,
     "how roles name it (queue:, fill_from:)", NULL},
    {"capacity", KEY_COUNT, 0, offsetof(struct queue_def, capacity), 1, 1e9, NULL, NULL,
     "batches it holds before producers wait (a bounded queue); absent: unbounded", NULL},
    {"batch", KEY_COUNT, 0, offsetof(struct queue_def, batch), 1, 1e6, "1", NULL,
     "blocks a producer gathers before it pushes them as one batch", NULL},
    {"order", KEY_CHOICE, 0, offsetof(struct queue_def, order), 0, 0, "fifo",
     (const char *const[]){"fifo", "lifo", NULL},
     "which batch a consumer gets: the oldest, or the newest (a stack)", NULL},
    {"carrier", KEY_BOOL, 0, offsetof(struct queue_def, carrier), 0, 0, "false", NULL,
     "each batch travels in a malloc'd array of its pointers, made by the producer and "
     "freed by the consumer",
     NULL},
    {0},
};

/* Names of a table's keys, NULL-terminated, into out (room for n). */
static void key_names(const struct key_def *keys, const char **out, size_t n)
{
	size_t k = 0;
	for (; keys->name && k + 1 < n; keys++)
		out[k++] = keys->name;
	out[k] = NULL;
}

static int axis_min(const struct workload *w)
{
	int m = WORKLOAD_MAX_THREADS;
	for (int i = 0; i < w->naxis; i++)
		if (w->axis[i] < m)
			m = w->axis[i];
	return m;
}

static int axis_max(const struct workload *w)
{
	int m = 0;
	for (int i = 0; i < w->naxis; i++)
		if (w->axis[i] > m)
			m = w->axis[i];
	return m;
}

/* The phase's memory estimate, summed over its roles. */
struct estimate {
	double mean, var, largest;
	const struct ynode *at; /* where to point: the largest role's key */
	char why[400];
};

static const struct gen_def *parse_generator(struct keys_ctx *c, const struct ynode *gnode)
{
	char names[256] = "", desc[64];
	const struct gen_def *g = NULL;
	if (gnode->kind == YNODE_SCALAR && strlen(gnode->text) == gnode->len)
		g = gen_find(gnode->text);
	if (g)
		return g;
	size_t n;
	const struct gen_def *const *all = gen_all(&n);
	for (size_t i = 0; i < n; i++)
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
		         i ? ", " : "", all[i]->name);
	ynode_fail(c->d, gnode, "%s: unknown generator %s; known generators: %s", c->what,
	           ynode_describe(gnode, desc, sizeof(desc)), names);
	return NULL;
}

/* The generator's keys of one role (a phase's own mapping, for a phase
 * written with generator:), its thread rules and its check. */
static int parse_role_body(struct keys_ctx *c, const struct ynode *map, struct role *role,
                           const char *where, struct estimate *est)
{
	const struct gen_def *g = role->gen;
	const char *common[] = {"name", "generator", "threads", NULL};
	if (g->threads != GEN_THREADED)
		common[2] = NULL; /* idle, free-all, prefill: no thread count to give */
	const char *required[] = {"name", "generator", NULL};
	int r = keys_check(c, map, common, required, g->keys);
	int64_t threads = 0;
	if (r < 0 ||
	    (r = ynode_get_int(c->d, map, "threads", 1, WORKLOAD_MAX_THREADS, &threads)) < 0)
		return r;
	role->threads = g->threads == GEN_ONE_THREAD ? 1 : (int)threads;
	role->min_threads = g->threads == GEN_THREADED ? g->min_threads : 0;
	if (g->params_size > sizeof(role->params))
		return ynode_fail(c->d, map, "%s: generator %s's parameters do not fit (a bug)",
		                  c->what, g->name);
	memset(role->params, 0, sizeof(role->params));
	if ((r = keys_parse(c, map, g->keys, role->params)) < 0)
		return r;
	const struct workload *w = c->w;
	int fewest = role->threads ? role->threads : axis_min(w);
	if (g->threads == GEN_THREADED && g->min_threads > 0 && fewest == 0)
		return ynode_fail(c->d, map,
		                  "%s: %s needs at least one thread; set threads: in the %s or "
		                  "remove 0 from the axis",
		                  c->what, g->name, where);
	struct gen_check gc = {
	    .k = c,
	    .map = map,
	    .role = role,
	    .params = role->params,
	    .min_threads = fewest,
	    .max_threads = role->threads ? role->threads : axis_max(w),
	};
	if (g->check && (r = g->check(&gc)) < 0)
		return r;
	if (role->min_threads > fewest)
		return ynode_fail(c->d, map,
		                  "%s: needs at least %d threads (%s), but can run at %d", c->what,
		                  role->min_threads,
		                  role->min_threads_why ? role->min_threads_why : g->name, fewest);
	est->mean += gc.mean_bytes;
	est->var += gc.var_bytes;
	if (gc.why[0]) {
		size_t n = strlen(est->why);
		snprintf(est->why + n, sizeof(est->why) - n, "%s%s", n ? "; " : "", gc.why);
	}
	if (gc.mean_bytes >= est->largest) {
		est->largest = gc.mean_bytes;
		est->at = map;
	}
	return 0;
}

/* A phase that cannot fit in RAM would only measure swapping, or get the
 * worker OOM-killed minutes into a run; refuse it while loading. The
 * estimate is the heap the phase is expected to hold, not the worst case:
 * a mix with a rare 32 KiB record is not 16384 records of 32 KiB. */
static int check_memory(struct ynode_doc *d, const struct phase *p, const struct estimate *e)
{
	long pages = sysconf(_SC_PHYS_PAGES), pagesize = sysconf(_SC_PAGESIZE);
	if (pages <= 0 || pagesize <= 0 || !e->at)
		return 0; /* unknown: nothing to check against */
	double ram = (double)pages * (double)pagesize;
	double bound = e->mean + MEMORY_SIGMAS * sqrt(e->var);
	if (bound <= ram)
		return 0;
	char mb[32], bb[32], rb[32];
	return ynode_fail(d, e->at,
	                  "phase '%s' is expected to hold %s (%s; up to %s with %d standard "
	                  "deviations for chance), more than this machine's %s of memory; make "
	                  "it smaller",
	                  p->name,
	                  units_format_size((uint64_t)fmin(e->mean, 1.8e19), mb, sizeof(mb)),
	                  e->why, units_format_size((uint64_t)fmin(bound, 1.8e19), bb, sizeof(bb)),
	                  MEMORY_SIGMAS, units_format_size((uint64_t)ram, rb, sizeof(rb)));
}

static int parse_queues(struct keys_ctx *c, const struct ynode *map, struct phase *p)
{
	const struct ynode *list = NULL;
	int r = ynode_get_list(c->d, map, "queues", 1, WORKLOAD_MAX_QUEUES, &list);
	for (int i = 0; r == 0 && list && i < list->n; i++) {
		const struct ynode *n = list->val[i];
		char what[128];
		snprintf(what, sizeof(what), "queue %d of phase '%s'", i + 1, p->name);
		struct keys_ctx qc = *c;
		qc.what = what;
		struct queue_def *q = &p->queues[i];
		if ((r = keys_check(&qc, n, NULL, NULL, workload_queue_keys)) < 0 ||
		    (r = keys_parse(&qc, n, workload_queue_keys, q)) < 0)
			return r;
		for (int j = 0; j < i; j++)
			if (strcmp(p->queues[j].name, q->name) == 0)
				return ynode_fail(c->d, ynode_get(n, "name"),
				                  "queue name '%s' is used twice in phase '%s'",
				                  q->name, p->name);
		p->nqueues = i + 1;
	}
	return r;
}

/* How the roles of a phase use its queues, from their key tables. */
static int check_queue_use(struct keys_ctx *c, const struct ynode *map, const struct phase *p)
{
	for (int q = 0; q < p->nqueues; q++) {
		unsigned uses = 0;
		for (int i = 0; i < p->nroles; i++) {
			const struct role *r = &p->roles[i];
			for (const struct key_def *k = r->gen->keys; k->name; k++)
				if (k->type == KEY_QUEUE &&
				    *(const int *)(r->params + k->offset) == q)
					uses |= k->flags;
		}
		const char *name = p->queues[q].name, *fix = NULL;
		if (!(uses & KEY_PUSH))
			fix = "no role puts blocks into it (produce, prefill)";
		else if (!(uses & (KEY_POP | KEY_FILL)))
			fix = "no role takes blocks from it (consume, churn's fill_from)";
		else if ((uses & KEY_FILL) && ((uses & KEY_POP) || !(uses & KEY_DEMAND)))
			fix =
			    "roles that fill their window from it (fill_from) take only what they "
			    "asked for, so only prefill may feed it and nothing else may take from "
			    "it";
		else if ((uses & KEY_DEMAND) && !(uses & KEY_FILL))
			fix = "prefill feeds the roles that fill their window from it (fill_from), "
			      "and "
			      "none does";
		if (fix)
			return ynode_fail(c->d, ynode_get(map, "queues"),
			                  "phase '%s', queue '%s': %s", p->name, name, fix);
	}
	return 0;
}

static int parse_roles(struct keys_ctx *c, const struct ynode *map, struct phase *p,
                       struct estimate *est)
{
	const struct ynode *list = NULL;
	const char *common[] = {"name", "roles", "queues", NULL};
	const char *required[] = {"name", "roles", NULL};
	int r = ynode_check_keys(c->d, map, c->what, common, required);
	if (r < 0 || (r = parse_queues(c, map, p)) < 0 ||
	    (r = ynode_get_list(c->d, map, "roles", 1, WORKLOAD_MAX_ROLES, &list)) < 0)
		return r;
	for (int i = 0; i < list->n; i++) {
		const struct ynode *n = list->val[i];
		struct role *role = &p->roles[i];
		char what[128], desc[64];
		snprintf(what, sizeof(what), "role %d of phase '%s'", i + 1, p->name);
		struct keys_ctx rc = *c;
		rc.what = what;
		if (n->kind != YNODE_MAPPING)
			return ynode_fail(
			    c->d, n,
			    "%s: expected a mapping with keys name, generator and the "
			    "generator's keys, got %s",
			    what, ynode_describe(n, desc, sizeof(desc)));
		if ((r = ynode_get_name(c->d, n, "name", role->name, sizeof(role->name))) < 0)
			return r;
		if (role->name[0])
			snprintf(what, sizeof(what), "role '%s' of phase '%s'", role->name,
			         p->name);
		const struct ynode *gnode = ynode_get(n, "generator");
		if (!gnode)
			return ynode_fail(c->d, n, "%s is missing required key 'generator'", what);
		if (!(role->gen = parse_generator(&rc, gnode)))
			return -EINVAL;
		if (role->gen->threads == GEN_MAIN_THREAD)
			return ynode_fail(
			    c->d, gnode,
			    "%s: %s runs alone in the worker's main thread; make it a "
			    "phase of its own",
			    what, role->gen->name);
		for (int j = 0; j < i; j++)
			if (strcmp(p->roles[j].name, role->name) == 0)
				return ynode_fail(c->d, ynode_get(n, "name"),
				                  "role name '%s' is used twice in phase '%s'",
				                  role->name, p->name);
		if ((r = parse_role_body(&rc, n, role, "role", est)) < 0)
			return r;
		p->nroles = i + 1;
	}
	return check_queue_use(c, map, p);
}

/* Threads of the phase at the axis' largest count, against the slots. */
static int check_phase_threads(struct keys_ctx *c, const struct ynode *n, const struct phase *p)
{
	int total = 0;
	for (int i = 0; i < p->nroles; i++) {
		const struct role *r = &p->roles[i];
		if (r->gen->threads != GEN_MAIN_THREAD)
			total += (r->threads ? r->threads : axis_max(c->w)) + r->gen->extra_threads;
	}
	if (total <= WORKLOAD_MAX_THREADS)
		return 0;
	return ynode_fail(c->d, n,
	                  "phase '%s' runs %d threads at the axis' largest count (%d); a phase "
	                  "runs at most %d",
	                  p->name, total, axis_max(c->w), WORKLOAD_MAX_THREADS);
}

static int parse_phase(struct keys_ctx *c, const struct ynode *n, int index, struct phase *p)
{
	char what[96], desc[64];
	if (n->kind != YNODE_MAPPING)
		return ynode_fail(c->d, n,
		                  "phase %d: expected a mapping with keys name, generator and the "
		                  "generator's parameters (or name and roles), got %s",
		                  index, ynode_describe(n, desc, sizeof(desc)));
	int r = ynode_get_name(c->d, n, "name", p->name, sizeof(p->name));
	if (r < 0)
		return r;
	if (p->name[0])
		snprintf(what, sizeof(what), "phase '%s'", p->name);
	else
		snprintf(what, sizeof(what), "phase %d", index);
	struct keys_ctx pc = *c;
	pc.what = what;
	pc.phase = p;
	struct estimate est = {.why = ""};

	if (ynode_get(n, "roles")) {
		if ((r = parse_roles(&pc, n, p, &est)) < 0)
			return r;
	} else {
		/* Without a generator the phase's keys are unknown: check against
		 * all generators' keys so a typo ("generatr") is named as such. */
		const struct ynode *gnode = ynode_get(n, "generator");
		if (!gnode) {
			const char *all[256];
			size_t k = 0, ng;
			const struct gen_def *const *gens = gen_all(&ng);
			key_names(workload_phase_keys, all, 16);
			while (all[k])
				k++;
			for (size_t i = 0; i < ng; i++)
				for (const struct key_def *kd = gens[i]->keys; kd->name && k < 255;
				     kd++) {
					size_t j = 0;
					while (j < k && strcmp(all[j], kd->name) != 0)
						j++;
					if (j == k)
						all[k++] = kd->name;
				}
			all[k] = NULL;
			return ynode_check_keys(c->d, n, what, all,
			                        (const char *const[]){"name", "generator", NULL});
		}
		struct role *role = &p->roles[0];
		snprintf(role->name, sizeof(role->name), "%s", p->name);
		if (!(role->gen = parse_generator(&pc, gnode)))
			return -EINVAL;
		p->nroles = 1;
		if ((r = parse_role_body(&pc, n, role, "phase", &est)) < 0)
			return r;
	}
	if ((r = check_phase_threads(&pc, n, p)) < 0)
		return r;
	return check_memory(c->d, p, &est);
}

static int parse_phases(struct keys_ctx *c, const struct ynode *root)
{
	struct workload *w = c->w;
	const struct ynode *list = NULL;
	int r = ynode_get_list(c->d, root, "phases", 1, WORKLOAD_MAX_PHASES, &list);
	if (r < 0)
		return r;
	for (int i = 0; i < list->n; i++) {
		const struct ynode *n = list->val[i];
		if ((r = parse_phase(c, n, i + 1, &w->phases[i])) < 0)
			return r;
		for (int j = 0; j < i; j++)
			if (strcmp(w->phases[j].name, w->phases[i].name) == 0) {
				const struct ynode *first = ynode_get(list->val[j], "name");
				return ynode_fail(c->d, ynode_get(n, "name"),
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
	struct keys_ctx c = {.d = d, .w = w, .what = "the workload"};
	if (root->kind != YNODE_MAPPING)
		return ynode_fail(d, root,
		                  "expected a mapping with keys name, description, threads, "
		                  "phases");
	int r = keys_check(&c, root, NULL, NULL, workload_keys);
	if (r < 0)
		return r;
	int64_t seed = 1;
	if ((r = keys_parse(&c, root, workload_keys, w)) < 0 ||
	    (r = parse_description(d, root, w)) < 0 ||
	    (r = ynode_get_int(d, root, "seed", 0, INT64_MAX, &seed)) < 0 ||
	    (r = parse_axis(d, root, w)) < 0)
		return r;
	w->seed = (uint64_t)seed;
	return parse_phases(&c, root);
}

int workload_load(const char *path, struct workload *out, char *err, size_t errlen)
{
	/* The pool is large and used from its start: only what parts use is
	 * ever written, so loading touches kilobytes, not the whole struct. */
	const size_t head = offsetof(struct workload, pool);
	memset(out, 0, head);
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
		memset(out, 0, head); /* no half-loaded workload to misuse */
	return r;
}
