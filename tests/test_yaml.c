/* test_yaml.c - the workload and allocator loaders on fixture files.
 *
 * Usage: test_yaml FIXTURES_DIR. Every file in FIXTURES_DIR/good loads as
 * a workload and every file in FIXTURES_DIR/allocators as an allocator.
 * Every file in FIXTURES_DIR/bad fails; its first line says how:
 *   # expect: SUBSTRING        the message has it and starts FILE:LINE:COL:
 *   # expect-nopos: SUBSTRING  the same, for files with no position to give
 * Files named alloc-*.yaml are loaded as allocators, the rest as workloads.
 * A new bad case is therefore one file, with no change here.
 * FIXTURES_DIR/crashes holds inputs that cannot carry that line (an empty
 * file, UTF-16, bytes found by tests/fuzz): each must fail cleanly both as
 * a workload and as an allocator.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/plan/allocator.h"
#include "tap.h"
#include "workloads/keys.h"
#include "workloads/workload.h"
#include "common/ynode.h"

static const char *fixtures;
static char err[2048];
static char tmpdir[512];

static void write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (f) {
		fwrite(data, 1, len, f);
		fclose(f);
	}
}

/* Calls fn(path, name) for each *.yaml of FIXTURES/sub in name order. */
static int each_yaml(const char *sub, void (*fn)(const char *path, const char *name))
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/%s", fixtures, sub);
	struct dirent **list;
	int n = scandir(dir, &list, NULL, alphasort);
	if (n < 0) {
		expect(0, "cannot list %s: %s", dir, strerror(errno));
		return 0;
	}
	int count = 0;
	for (int i = 0; i < n; i++) {
		const char *name = list[i]->d_name;
		size_t len = strlen(name);
		if (len > 5 && strcmp(name + len - 5, ".yaml") == 0) {
			char path[PATH_MAX + 256];
			snprintf(path, sizeof(path), "%s/%s", dir, name);
			fn(path, name);
			count++;
		}
		free(list[i]);
	}
	free(list);
	return count;
}

static void path_of(char *buf, size_t len, const char *sub, const char *name)
{
	snprintf(buf, len, "%s/%s/%s", fixtures, sub, name);
}

static void load_good(const char *path, const char *name)
{
	static struct workload w;
	int r = workload_load(path, &w, err, sizeof(err));
	expect(r == 0, "%s loads (r=%d: %s)", name, r, r ? err : "");
	expect_str(w.path, r == 0 ? path : "");
}

TEST(good_files)
{
	int n = each_yaml("good", load_good);
	expect(n >= 3, "found %d good fixtures", n);
}

/* A role's parameter through the generator's table; an absent key gives
 * a value no test expects. */
static uint64_t u64(const struct role *r, const char *key)
{
	uint64_t v = UINT64_MAX;
	workload_param_u64(r, key, &v);
	return v;
}

static double real(const struct role *r, const char *key)
{
	double v = -1;
	workload_param_real(r, key, &v);
	return v;
}

static int flag(const struct role *r, const char *key)
{
	bool v = false;
	return workload_param_bool(r, key, &v) == 0 ? v : -1;
}

/* Part i of a distribution parameter. */
static const struct dist_part *part(const struct workload *w, const struct role *r, const char *key,
                                    uint32_t i)
{
	static const struct dist_part none = {.lo = UINT64_MAX};
	const struct dist *d = workload_param_dist(r, key);
	return d && i < d->n ? &w->pool[d->first + i] : &none;
}

static uint32_t parts(const struct role *r, const char *key)
{
	const struct dist *d = workload_param_dist(r, key);
	return d ? d->n : UINT32_MAX;
}

TEST(churn_fields)
{
	static struct workload w;
	char path[PATH_MAX];
	path_of(path, sizeof(path), "good", "churn.yaml");
	int r = workload_load(path, &w, err, sizeof(err));
	if (!expect(r == 0, "churn.yaml loads (%s)", r ? err : ""))
		return;
	expect_str(w.name, "churn");
	/* Compared without printing: a newline in a TAP line would break it. */
	expect(strcmp(w.description,
	              "Per-thread short-lived blocks: each thread keeps a window "
	              "of live blocks\nand replaces the oldest one per operation.") == 0,
	       "description kept as written, final newline dropped");
	expect_int(w.seed, 42);
	expect_int(w.naxis, 2);
	expect_int(w.axis[0], 1);
	expect_int(w.axis[1], 4);
	expect(w.timeout_s == 120.0, "timeout 120 s (got %g)", w.timeout_s);
	expect_int(w.nphases, 2);
	const struct phase *p = &w.phases[0];
	const struct role *c = &p->roles[0];
	expect_str(p->name, "work");
	expect_int(p->nroles, 1);
	expect_str(c->name, "work");
	expect_str(workload_role_generator(c), "churn");
	expect_int(c->threads, 2);
	expect_int(u64(c, "ops"), 5000000);
	expect_int(u64(c, "live"), 16384);
	expect_int(parts(c, "sizes"), 2);
	expect_int(part(&w, c, "sizes", 0)->lo, 16);
	expect_int(part(&w, c, "sizes", 0)->hi, 256);
	expect(part(&w, c, "sizes", 0)->cum == 70.0, "weight 70 (got %g)",
	       part(&w, c, "sizes", 0)->cum);
	expect_int(part(&w, c, "sizes", 1)->lo, 4096);
	expect_int(part(&w, c, "sizes", 1)->hi, 4096);
	expect(part(&w, c, "sizes", 1)->cum == 71.0, "default weight 1 (cumulative 71, got %g)",
	       part(&w, c, "sizes", 1)->cum);
	const struct dist *d = workload_param_dist(c, "sizes");
	/* 70 x mean(16..256) + 1 x 4096, over 71. */
	expect(fabs(d->mean - (70 * 136.0 + 4096) / 71) < 1e-9, "mean size %g", d->mean);
	const struct touch *t = workload_param_touch(c, "touch");
	expect(t && t->mode == TOUCH_FULL && t->passes == 1, "touch defaults to full");
	const struct calls *k = workload_param_calls(c, "calls");
	expect(k && k->only_malloc, "calls default to malloc");
	int victim = -1;
	expect(workload_param_int(c, "victim", &victim) == 0 && victim == 0, "victim fifo");
	p = &w.phases[1];
	expect_str(p->name, "rest");
	expect_str(workload_role_generator(&p->roles[0]), "idle");
	expect_int(workload_phase_kind(p), WORKLOAD_PHASE_IDLE);
	expect_int(p->roles[0].threads, 0);
	expect(real(&p->roles[0], "duration") == 2.0, "idle 2 s (got %g)",
	       real(&p->roles[0], "duration"));
}

TEST(defaults_and_styles)
{
	static struct workload w;
	char path[PATH_MAX];
	path_of(path, sizeof(path), "good", "minimal.yaml");
	int r = workload_load(path, &w, err, sizeof(err));
	if (expect(r == 0, "minimal.yaml loads (%s)", r ? err : "")) {
		expect_int(w.seed, 1);
		expect(w.timeout_s == 0, "no timeout given (got %g)", w.timeout_s);
		expect_int(w.naxis, 1);
		expect_int(w.axis[0], 1);
		expect_int(w.phases[0].roles[0].threads, 0);
		expect_int(part(&w, &w.phases[0].roles[0], "sizes", 0)->lo, 64);
	}
	path_of(path, sizeof(path), "good", "styles.yaml");
	r = workload_load(path, &w, err, sizeof(err));
	if (expect(r == 0, "styles.yaml loads (%s)", r ? err : "")) {
		expect_str(w.name, "styles_v1.2-x");
		expect_str(w.description, "Quoted \"text\"");
		expect(w.seed == INT64_MAX, "largest seed (got %llu)", (unsigned long long)w.seed);
		expect(w.timeout_s == 86400.0, "timeout 24 h (got %g)", w.timeout_s);
		expect_int(w.axis[0], 64);
		expect_int(u64(&w.phases[0].roles[0], "ops"), 1000000000000LL);
		expect_int(part(&w, &w.phases[0].roles[0], "sizes", 1)->lo, 1536);
		expect(real(&w.phases[1].roles[0], "duration") == 3600.0, "idle 60 min");
	}
	path_of(path, sizeof(path), "good", "idle-baseline.yaml");
	r = workload_load(path, &w, err, sizeof(err));
	if (expect(r == 0, "idle-baseline.yaml loads (%s)", r ? err : "")) {
		/* Folded: one line, and the final newline is YAML's, not the text's. */
		expect_str(w.description, "What the process costs doing nothing: the baseline RSS "
		                          "every other workload is compared with.");
		expect_int(w.axis[0], 0);
	}
}

/* grow, stamps, leak and free-all: fields, defaults, and what --scale
 * changes (iterations and ops, never sizes). */
TEST(seed_generator_fields)
{
	static struct workload w;
	char path[PATH_MAX];
	path_of(path, sizeof(path), "good", "grow.yaml");
	int r = workload_load(path, &w, err, sizeof(err));
	if (expect(r == 0, "grow.yaml loads (%s)", r ? err : "")) {
		const struct role *g = &w.phases[0].roles[0];
		expect_str(workload_role_generator(g), "grow");
		expect_int(u64(g, "iterations"), 1500);
		expect_int(u64(g, "from"), 100 * 1024);
		expect_int(u64(g, "to"), 32 * 1024 * 1024);
		expect(real(g, "jitter") == 0.5, "jitter 0.5 (got %g)", real(g, "jitter"));
		expect_int(flag(g, "copy"), 0);
		expect_int(u64(g, "keep_per_iteration"), 100);
		expect_int(parts(g, "keep_sizes"), 1);
		expect_int(part(&w, g, "keep_sizes", 0)->hi, 255);
		expect_int(u64(g, "temps_per_iteration"), 20);
		expect_int(parts(g, "temp_sizes"), 2);
		expect_int(part(&w, g, "temp_sizes", 1)->lo, 64 * 1024);
		expect_str(workload_role_generator(&w.phases[1].roles[0]), "free-all");
		expect_int(workload_phase_kind(&w.phases[1]), WORKLOAD_PHASE_FREE_ALL);
		workload_scale(&w, 0.5, 1.0);
		expect_int(u64(g, "iterations"), 750);
		expect_int(u64(g, "to"), 32 * 1024 * 1024);
	}
	path_of(path, sizeof(path), "good", "grow-defaults.yaml");
	r = workload_load(path, &w, err, sizeof(err));
	if (expect(r == 0, "grow-defaults.yaml loads (%s)", r ? err : "")) {
		const struct role *g = &w.phases[0].roles[0];
		expect(real(g, "jitter") == 0.25, "default jitter 0.25 (got %g)",
		       real(g, "jitter"));
		expect_int(flag(g, "copy"), 1);
		expect_int(flag(g, "realloc"), 0);
		expect_int(u64(g, "keep_per_iteration"), 0);
		expect_int(parts(g, "keep_sizes"), 0);
		expect_int(u64(g, "temps_per_iteration"), 0);
	}
	path_of(path, sizeof(path), "good", "stamps.yaml");
	r = workload_load(path, &w, err, sizeof(err));
	if (expect(r == 0, "stamps.yaml loads (%s)", r ? err : "")) {
		const struct role *s = &w.phases[0].roles[0];
		expect_str(workload_role_generator(s), "stamps");
		expect_int(u64(s, "ops"), 1000000);
		expect_int(u64(s, "live"), 16384);
		expect_int(parts(s, "sizes"), 2);
		expect(real(s, "handoff") == 0, "default handoff 0 (got %g)", real(s, "handoff"));
		s = &w.phases[1].roles[0];
		expect_int(s->threads, 2);
		expect(real(s, "handoff") == 0.5, "handoff 0.5 (got %g)", real(s, "handoff"));
		expect_int(part(&w, s, "sizes", 0)->lo, 1024);
		workload_scale(&w, 2.0, 1.0);
		expect_int(u64(s, "ops"), 4000000);
	}
	path_of(path, sizeof(path), "good", "leak.yaml");
	r = workload_load(path, &w, err, sizeof(err));
	if (expect(r == 0, "leak.yaml loads (%s)", r ? err : "")) {
		const struct role *l = &w.phases[0].roles[0];
		expect_str(workload_role_generator(l), "leak");
		expect_int(u64(l, "iterations"), 4000);
		expect_int(u64(l, "leak"), 16 * 1024);
		expect_int(workload_phase_leak(&w.phases[0]), 16 * 1024);
		expect_int(workload_phase_leak(&w.phases[1]), 0);
		expect_int(parts(l, "leak_sizes"), 2);
		expect(part(&w, l, "leak_sizes", 0)->cum == 3.0, "weight 3 (got %g)",
		       part(&w, l, "leak_sizes", 0)->cum);
		expect_int(u64(l, "ops_per_iteration"), 0);
		expect_int(u64(l, "live"), 4096);
		expect_int(part(&w, l, "sizes", 0)->hi, 1024);
		workload_scale(&w, 0.1, 1.0);
		expect_int(u64(l, "iterations"), 400);
		expect_int(u64(l, "leak"), 16 * 1024);
	}
}

/* Roles, queues, and what the new value types hold. */
TEST(language_fields)
{
	static struct workload w;
	char path[PATH_MAX];
	path_of(path, sizeof(path), "good", "roles.yaml");
	int r = workload_load(path, &w, err, sizeof(err));
	if (expect(r == 0, "roles.yaml loads (%s)", r ? err : "")) {
		const struct phase *p = &w.phases[0];
		expect_int(p->nroles, 2);
		expect_int(p->nqueues, 1);
		const struct queue_def *q = &p->queues[0];
		expect_str(q->name, "jobs");
		expect_int(q->capacity, 100);
		expect_int(q->batch, 4096);
		expect_int(q->order, QUEUE_LIFO);
		expect(q->carrier, "carrier: true");
		const struct role *prod = &p->roles[0], *cons = &p->roles[1];
		expect_str(prod->name, "producers");
		expect_str(workload_role_generator(prod), "produce");
		expect_int(prod->threads, 0);
		expect_int(cons->threads, 1);
		expect(real(prod, "duration") == 2.0, "duration 2 s (got %g)",
		       real(prod, "duration"));
		expect(real(prod, "rate") == 500000.0, "rate 500K/s (got %g)", real(prod, "rate"));
		expect_int(u64(prod, "ops"), 0);
		int queue = -2;
		expect(workload_param_int(prod, "queue", &queue) == 0 && queue == 0,
		       "queue index 0");
		const struct touch *t = workload_param_touch(prod, "touch");
		expect(t->mode == TOUCH_FRACTION && t->fraction == 0.5 && t->passes == 3,
		       "touch {write: 0.5, passes: 3}");
		const struct calls *c = workload_param_calls(prod, "calls");
		expect(!c->only_malloc && c->total == 5 && c->alignment == 4096,
		       "calls: 5 weights, alignment 4 KiB (total %g, alignment %llu)", c->total,
		       (unsigned long long)c->alignment);
		expect(c->cum[CALL_MALLOC] == 3 && c->cum[CALL_CALLOC] == 4 &&
		           c->cum[CALL_REALLOC] == 4 && c->cum[CALL_POSIX_MEMALIGN] == 5,
		       "cumulative call weights 3, 4, 4, 4, 5");
		t = workload_param_touch(cons, "touch");
		expect(t->mode == TOUCH_BYTES && t->bytes == 1, "touch: first is one byte");

		p = &w.phases[1];
		const struct role *main_role = &p->roles[0], *workers = &p->roles[1];
		expect_int(main_role->threads, 1); /* prefill: always one */
		expect(real(main_role, "warmup") == 4.0, "warmup 4");
		expect_int(flag(main_role, "shuffle"), 0);
		expect_int(workload_param_touch(main_role, "touch")->mode, TOUCH_NONE);
		expect_int(u64(workers, "generation"), 500000);
		int victim = -1, fill = -2;
		workload_param_int(workers, "victim", &victim);
		workload_param_int(workers, "fill_from", &fill);
		expect_int(victim, 2);
		expect_int(fill, 0);
		t = workload_param_touch(workers, "touch");
		expect(t->mode == TOUCH_BYTES && t->bytes == 2 && t->revisit == 2,
		       "touch 2 B, revisit 2");
		/* --scale: counts of work and the generation scale, the queue does not. */
		workload_scale(&w, 0.1, 1.0);
		expect_int(u64(workers, "ops"), 1000000);
		expect_int(u64(workers, "generation"), 50000);
		expect(real(prod, "duration") == 0.2, "duration scaled to 0.2 s (got %g)",
		       real(prod, "duration"));
		expect_int(w.phases[0].queues[0].capacity, 100);
		char e[256];
		expect_int(workload_check_threads(&w, 1, e, sizeof(e)), 0);
		expect_int(workload_check_threads(&w, 64, e, sizeof(e)), -EINVAL);
		expect(strstr(e, "would run 65 threads at 64") != NULL, "65 threads refused: %s",
		       e);
	}

	path_of(path, sizeof(path), "good", "distributions.yaml");
	r = workload_load(path, &w, err, sizeof(err));
	if (expect(r == 0, "distributions.yaml loads (%s)", r ? err : "")) {
		const struct role *mix = &w.phases[0].roles[0];
		const struct dist *d = workload_param_dist(mix, "sizes");
		/* 7 parts, then the histogram's 4 lines (the 0-weight one is dropped). */
		expect_int(d->n, 11);
		expect_int(d->lo, 1); /* the exponential part starts at 1 */
		expect_int(d->hi, 1 << 20);
		expect_int(part(&w, mix, "sizes", 0)->lo, 24);
		expect(part(&w, mix, "sizes", 1)->cum == 3.0,
		       "{size: 4 KiB, weight: 2} after 24 B");
		expect_int(part(&w, mix, "sizes", 3)->shape, DIST_POWER);
		expect(part(&w, mix, "sizes", 3)->param == -1.0f, "log-uniform is x^-1");
		expect(part(&w, mix, "sizes", 4)->param == -2.0f, "inverse-square is x^-2");
		expect(part(&w, mix, "sizes", 5)->param == -1.5f, "power-law exponent -1.5");
		const struct dist_part *e = part(&w, mix, "sizes", 6);
		expect(e->shape == DIST_EXPONENTIAL && e->lo == 1 && e->hi == 1 + 20 * 200,
		       "exponential: min 1, max min + 20 means (got %llu)",
		       (unsigned long long)e->hi);
		/* The histogram weighs 10 in all, shared 100:50:25:5 between its lines. */
		const struct dist_part *h0 = part(&w, mix, "sizes", 7),
		                       *h3 = part(&w, mix, "sizes", 10);
		expect_int(h0->lo, 16);
		expect_int(h3->lo, 4096);
		expect(fabs((h3->cum - part(&w, mix, "sizes", 6)->cum) - 10) < 1e-9,
		       "the histogram's lines weigh 10 together");
		expect(fabs((h0->cum - part(&w, mix, "sizes", 6)->cum) - 10 * 100.0 / 180) < 1e-9,
		       "its first line 100 of 180");
		const struct role *aging = &w.phases[1].roles[0];
		const struct dist *l = workload_param_dist(aging, "lifetime");
		expect_int(l->n, 2);
		expect(fabs(workload_param_dist(aging, "sizes")->mean - 35.5) < 2,
		       "inverse-square 4 B .. 32 KiB: mean about 36 (got %g)",
		       workload_param_dist(aging, "sizes")->mean);
	}
}

/* The pool of distribution parts is shared by the whole workload: one
 * histogram line more than it holds is refused, naming the limit. */
TEST(pool_limit)
{
	static struct workload w;
	char path[PATH_MAX + 32], hist[PATH_MAX + 32];
	snprintf(hist, sizeof(hist), "%s/many.tsv", tmpdir);
	FILE *f = fopen(hist, "w");
	if (!expect(f != NULL, "write %s", hist))
		return;
	for (int i = 1; i <= WORKLOAD_POOL_PARTS + 1; i++)
		fprintf(f, "%d 1\n", i);
	fclose(f);
	static const char yaml[] = "name: w\ndescription: d\nthreads: 1\nphases:\n"
	                           "  - name: work\n    generator: churn\n    ops: 10\n"
	                           "    live: 10\n    sizes: {histogram: many.tsv}\n";
	snprintf(path, sizeof(path), "%s/many.yaml", tmpdir);
	write_file(path, yaml, sizeof(yaml) - 1);
	expect_int(workload_load(path, &w, err, sizeof(err)), -EINVAL);
	expect(
	    strstr(err, ":9:24: the workload's distributions have more than 16384 parts in all") !=
	        NULL,
	    "16385 histogram lines: %s", err);
	unlink(hist);
	unlink(path);
}

/* KEY_FILE, for generators that read a file (a trace replay): a name
 * beside the workload, never outside its folder. */
TEST(file_keys)
{
	static const char yaml[] = "trace: run-1.trace\nup: ../secret\nabs: /etc/passwd\n";
	static struct workload w;
	char *path = w.path; /* tmpdir is short: it fits */
	snprintf(path, sizeof(w.path), "%.500s/files.yaml", tmpdir);
	write_file(path, yaml, sizeof(yaml) - 1);
	struct ynode_doc *d;
	if (!expect(ynode_load(path, err, sizeof(err), &d) == 0, "files.yaml loads (%s)", err))
		return;
	struct keys_ctx c = {.d = d, .w = &w, .what = "the test"};
	struct {
		char file[KEYS_FILE_MAX];
	} v;
	const struct key_def trace[] = {{"trace", KEY_FILE, 0, 0, 0, 0, NULL, NULL, "", NULL}, {0}};
	expect_int(keys_parse(&c, ynode_root(d), trace, &v), 0);
	expect_str(v.file, "run-1.trace");
	char full[PATH_MAX + 64], want[PATH_MAX + 64];
	workload_file_path(&w, v.file, full, sizeof(full));
	snprintf(want, sizeof(want), "%s/run-1.trace", tmpdir);
	expect_str(full, want);
	const struct key_def up[] = {{"up", KEY_FILE, 0, 0, 0, 0, NULL, NULL, "", NULL}, {0}};
	expect_int(keys_parse(&c, ynode_root(d), up, &v), -EINVAL);
	expect(strstr(err,
	              ":2:5: key 'up': expected a file name relative to the workload's folder, "
	              "without '..', got '../secret'") != NULL,
	       "'..' refused: %s", err);
	const struct key_def abs[] = {{"abs", KEY_FILE, 0, 0, 0, 0, NULL, NULL, "", NULL}, {0}};
	expect_int(keys_parse(&c, ynode_root(d), abs, &v), -EINVAL);
	expect(strstr(err, "got '/etc/passwd'") != NULL, "an absolute path refused: %s", err);
	ynode_destroy(d);
	unlink(path);
}

static void load_good_allocator(const char *path, const char *name)
{
	struct allocator a;
	int r = allocator_load(path, &a, err, sizeof(err));
	expect(r == 0, "%s loads (r=%d: %s)", name, r, r ? err : "");
	expect_str(a.source, r == 0 ? path : "");
}

TEST(allocator_files)
{
	int n = each_yaml("allocators", load_good_allocator);
	expect(n >= 2, "found %d allocator fixtures", n);

	struct allocator a;
	char path[PATH_MAX];
	path_of(path, sizeof(path), "allocators", "tuned.yaml");
	int r = allocator_load(path, &a, err, sizeof(err));
	if (expect(r == 0, "tuned.yaml loads (%s)", r ? err : "")) {
		expect_str(a.name, "glibc-arena2");
		expect_str(a.library, "");
		expect_int(a.nenv, 3);
		expect_str(a.env[0], "MALLOC_ARENA_MAX=2");
		expect_str(a.env[1], "GLIBC_TUNABLES=glibc.malloc.trim_threshold=131072");
		expect_str(a.env[2], "_EMPTY=");
		expect_str(a.colour, "#FF7F0E");
		expect_str(a.note, "glibc with two arenas, against per-thread arena growth");
		expect_int(allocator_resolve(&a), 0);
		expect_str(a.path, "");
	}
	path_of(path, sizeof(path), "allocators", "system.yaml");
	r = allocator_load(path, &a, err, sizeof(err));
	if (expect(r == 0, "system.yaml loads (%s)", r ? err : "")) {
		expect_str(a.name, "glibc");
		expect_str(a.library, ""); /* "library: ~" is no library, not a file named ~ */
		expect_str(a.colour, "#1f77b4");
		expect_str(a.note, "the system allocator (ptmalloc2)");
	}
	path_of(path, sizeof(path), "allocators", "libc.yaml");
	r = allocator_load(path, &a, err, sizeof(err));
	if (expect(r == 0, "libc.yaml loads (%s)", r ? err : "")) {
		expect_str(a.library, "libc.so.6");
		expect_int(a.nenv, 0);
		expect_str(a.colour, "");
		expect_int(allocator_resolve(&a), 0);
		expect(a.path[0] == '/', "libc.so.6 resolved to %s", a.path);
	}
}

/* The fixture's first line: "# expect: S" or "# expect-nopos: S". */
static int read_expect(const char *path, char *want, size_t len, int *nopos)
{
	FILE *f = fopen(path, "rb");
	char line[1024] = "";
	if (!f)
		return -errno;
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	const char *p;
	if ((p = strstr(line, "# expect: ")) == line) {
		*nopos = 0;
		p += strlen("# expect: ");
	} else if ((p = strstr(line, "# expect-nopos: ")) == line) {
		*nopos = 1;
		p += strlen("# expect-nopos: ");
	} else {
		return -EINVAL;
	}
	snprintf(want, len, "%s", p);
	return 0;
}

/* "PATH:LINE:COL: " with LINE and COL positive. */
static int has_position(const char *msg, const char *path)
{
	size_t n = strlen(path);
	if (strncmp(msg, path, n) != 0 || msg[n] != ':')
		return 0;
	char *end;
	long line = strtol(msg + n + 1, &end, 10);
	if (line < 1 || *end != ':')
		return 0;
	long col = strtol(end + 1, &end, 10);
	return col >= 1 && end[0] == ':' && end[1] == ' ';
}

static void load_bad(const char *path, const char *name)
{
	char want[1024];
	int nopos = 0;
	if (!expect(read_expect(path, want, sizeof(want), &nopos) == 0,
	            "%s starts with '# expect: ...'", name))
		return;
	int r;
	err[0] = '\0';
	if (strncmp(name, "alloc-", 6) == 0) {
		struct allocator a;
		r = allocator_load(path, &a, err, sizeof(err));
		expect(r != 0 || a.name[0] == '\0', "%s: nothing left filled", name);
	} else {
		static struct workload w;
		r = workload_load(path, &w, err, sizeof(err));
		expect(r != 0 || w.name[0] == '\0', "%s: nothing left filled", name);
	}
	expect(r == -EINVAL, "%s fails with -EINVAL (r=%d)", name, r);
	expect(strstr(err, want) != NULL, "%s: message has \"%s\" (got \"%s\")", name, want, err);
	if (nopos) {
		char prefix[PATH_MAX + 4];
		snprintf(prefix, sizeof(prefix), "%s: ", path);
		expect(strncmp(err, prefix, strlen(prefix)) == 0, "%s: starts with the path", name);
	} else {
		expect(has_position(err, path), "%s: starts with path:line:col: (got \"%s\")", name,
		       err);
	}
}

TEST(bad_files)
{
	int n = each_yaml("bad", load_bad);
	expect(n >= 30, "found %d bad fixtures", n);
}

/* A clean failure: -EINVAL, a message that starts with the path, and
 * nothing filled in. */
static void load_crash(const char *path, const char *name)
{
	static struct workload w;
	struct allocator a;
	size_t n = strlen(path);
	err[0] = '\0';
	int r = workload_load(path, &w, err, sizeof(err));
	expect(r == -EINVAL && w.name[0] == '\0', "%s as a workload: -EINVAL (r=%d)", name, r);
	expect(strncmp(err, path, n) == 0 && err[n] == ':' && strlen(err) > n + 2,
	       "%s as a workload: message names the file (got \"%s\")", name, err);
	err[0] = '\0';
	r = allocator_load(path, &a, err, sizeof(err));
	expect(r == -EINVAL && a.name[0] == '\0', "%s as an allocator: -EINVAL (r=%d)", name, r);
	expect(strncmp(err, path, n) == 0 && err[n] == ':' && strlen(err) > n + 2,
	       "%s as an allocator: message names the file (got \"%s\")", name, err);
}

TEST(crash_files)
{
	int n = each_yaml("crashes", load_crash);
	expect(n >= 5, "found %d crash fixtures", n);
}

/* Exact messages, so positions are checked and not only their form. */
TEST(exact_positions)
{
	static const struct {
		const char *file, *msg;
	} cases[] = {
	    {"duplicate-key.yaml", "9:5: duplicate key 'ops' (first at 8:5)"},
	    {"unknown-phase-key.yaml",
	     "8:5: unknown key 'opz' in phase 'work'; did you mean 'ops'? known keys: name, "
	     "generator, threads, ops, duration, rate, live, sizes, victim, lifetime, touch, "
	     "calls, "
	     "generation, fill_from"},
	    {"threads-duplicate.yaml", "4:17: key 'threads': 4 is listed twice (first at 4:14)"},
	    {"missing-phases.yaml", "2:1: the workload is missing required key 'phases'"},
	    {"idle-no-duration.yaml", "12:5: phase 'rest' is missing required key 'duration'"},
	    {"tab-indent.yaml", "7:1: YAML syntax error: found a tab character that violates "
	                        "indentation (while scanning a plain scalar); indent YAML with "
	                        "spaces, not tabs"},
	    {"binary.yaml", "3:14: YAML syntax error: invalid leading UTF-8 octet (byte 0xff)"},
	    {"top-list.yaml", "2:1: expected a mapping with keys name, description, threads, "
	                      "phases"},
	    {"billion-laughs.yaml", "2:7: anchors and aliases are not supported"},
	    {"two-documents.yaml", "13:1: a second YAML document; a file holds exactly one"},
	    {"deep-nesting.yaml", "12:39: nesting deeper than 32 levels is not supported"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		static struct workload w;
		char path[PATH_MAX], want[PATH_MAX + 512];
		path_of(path, sizeof(path), "bad", cases[i].file);
		snprintf(want, sizeof(want), "%s:%s", path, cases[i].msg);
		workload_load(path, &w, err, sizeof(err));
		expect(strcmp(err, want) == 0, "%s: \"%s\" (got \"%s\")", cases[i].file, want, err);
	}
}

/* Files that cannot be fixtures: empty, too large, missing, a directory. */
TEST(unreadable_files)
{
	static struct workload w;
	char path[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/empty.yaml", tmpdir);
	write_file(path, "", 0);
	expect_int(workload_load(path, &w, err, sizeof(err)), -EINVAL);
	expect(strstr(err, ": empty file; a workload needs") != NULL, "empty: %s", err);

	snprintf(path, sizeof(path), "%s/doc-only.yaml", tmpdir);
	write_file(path, "---\n...\n", 8);
	expect_int(workload_load(path, &w, err, sizeof(err)), -EINVAL);
	expect(strstr(err, ": empty file;") != NULL, "document without content: %s", err);

	snprintf(path, sizeof(path), "%s/big.yaml", tmpdir);
	size_t big = 1024 * 1024 + 1;
	char *data = malloc(big);
	if (data) {
		memset(data, '#', big);
		write_file(path, data, big);
		free(data);
	}
	expect_int(workload_load(path, &w, err, sizeof(err)), -EFBIG);
	expect(strstr(err, "file is over the 1 MiB limit") != NULL, "too big: %s", err);

	snprintf(path, sizeof(path), "%s/missing.yaml", tmpdir);
	expect_int(workload_load(path, &w, err, sizeof(err)), -ENOENT);
	expect(strstr(err, "cannot open: ") != NULL, "missing: %s", err);

	expect_int(workload_load(tmpdir, &w, err, sizeof(err)), -EISDIR);

	struct allocator a;
	snprintf(path, sizeof(path), "%s/empty.yaml", tmpdir);
	expect_int(allocator_load(path, &a, err, sizeof(err)), -EINVAL);
	expect(strstr(err, "empty file; an allocator needs") != NULL, "empty allocator: %s", err);
}

/* Files just under the 1 MiB limit: tens of thousands of keys in one
 * mapping (the duplicate check sorts, it does not compare all pairs), a
 * 1 MiB scalar, 65,536 list items. Each fails cleanly. */
TEST(large_files)
{
	static struct workload w;
	char path[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/large.yaml", tmpdir);
	size_t cap = YNODE_MAX_FILE, n = 0;
	char *data = malloc(cap);
	if (!expect(data != NULL, "1 MiB buffer"))
		return;
	int keys = 0;
	for (; n + 64 < cap; keys++) /* room for the longest line and the repeat */
		n += (size_t)snprintf(data + n, cap - n, "a-rather-long-key-%d: 1\n", keys);
	n += (size_t)snprintf(data + n, cap - n, "a-rather-long-key-0: 2\n");
	write_file(path, data, n);
	expect_int(workload_load(path, &w, err, sizeof(err)), -EINVAL);
	expect(strstr(err, ": duplicate key 'a-rather-long-key-0' (first at 1:1)") != NULL,
	       "%d keys: %s", keys, err);

	n = (size_t)snprintf(data, cap,
	                     "name: w\nthreads: 1\nphases: [{name: a, generator: "
	                     "free-all}]\ndescription: ");
	memset(data + n, 'x', cap - n - 1);
	data[cap - 1] = '\n';
	write_file(path, data, cap);
	expect_int(workload_load(path, &w, err, sizeof(err)), -EINVAL);
	expect(strstr(err, "key 'description': expected at most 2047 characters") != NULL,
	       "1 MiB scalar: %.200s", err);

	for (n = 0; n + 16 <= cap; n += 16)
		memcpy(data + n, "- list item 16b\n", 16);
	write_file(path, data, n);
	expect_int(workload_load(path, &w, err, sizeof(err)), -EINVAL);
	expect(strstr(err, ":1:1: expected a mapping") != NULL, "%zu list items: %s", n / 16, err);
	struct allocator a;
	expect_int(allocator_load(path, &a, err, sizeof(err)), -EINVAL);
	free(data);
	unlink(path);
}

/* The getters the loaders do not use yet, and edges of those they do. */
TEST(ynode_getters)
{
	static const char yaml[] = "t: yes\nf: false\nb: maybe\nr: 0.5\nnan: .nan\n"
	                           "inf: 1e999\nbig: 9223372036854775808\nneg: -3\n"
	                           "hex: 0x10\nnul: ~\nq: \"~\"\nm: {a: 1}\nl: [1, 2, 3]\n";
	char path[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/getters.yaml", tmpdir);
	write_file(path, yaml, sizeof(yaml) - 1);
	struct ynode_doc *d;
	if (!expect(ynode_load(path, err, sizeof(err), &d) == 0, "getters.yaml loads (%s)", err))
		return;
	const struct ynode *root = ynode_root(d), *node = NULL;
	bool b = false;
	expect(ynode_get_bool(d, root, "t", &b) == 0 && b, "yes is true");
	expect(ynode_get_bool(d, root, "f", &b) == 0 && !b, "false is false");
	expect_int(ynode_get_bool(d, root, "b", &b), -EINVAL);
	expect(strstr(err, ":3:4: key 'b': expected true or false, got 'maybe'") != NULL,
	       "bool message: %s", err);
	expect(ynode_get_bool(d, root, "absent", &b) == 0 && !b, "absent bool left alone");
	double x = 0;
	expect(ynode_get_real(d, root, "r", 0, 1, &x) == 0 && x == 0.5, "0.5 (got %g)", x);
	expect_int(ynode_get_real(d, root, "r", 0.6, 1, &x), -EINVAL);
	expect_int(ynode_get_real(d, root, "nan", 0, 1e300, &x), -EINVAL);
	expect_int(ynode_get_real(d, root, "inf", 0, 1e300, &x), -EINVAL);
	int64_t i = 0;
	expect(ynode_get_int(d, root, "neg", -5, 5, &i) == 0 && i == -3, "-3 (got %lld)",
	       (long long)i);
	expect_int(ynode_get_int(d, root, "big", INT64_MIN, INT64_MAX, &i), -EINVAL);
	expect_int(ynode_get_int(d, root, "hex", 0, 100, &i), -EINVAL);
	expect_int(ynode_get_int(d, root, "m", 0, 100, &i), -EINVAL);
	expect(strstr(err, "key 'm': expected an integer from 0 to 100, got a mapping") != NULL,
	       "mapping for int: %s", err);
	char s[8] = "x";
	expect(ynode_get_str(d, root, "nul", s, sizeof(s)) == 0 && s[0] == '\0', "~ is empty");
	expect(ynode_get_str(d, root, "q", s, sizeof(s)) == 0 && strcmp(s, "~") == 0,
	       "quoted ~ is text (got %s)", s);
	expect_int(ynode_get_list(d, root, "l", 1, 2, &node), -EINVAL);
	expect(strstr(err, "key 'l': expected a list of 1 to 2 items, got 3") != NULL, "%s", err);
	expect(ynode_get_list(d, root, "l", 1, 3, &node) == 0 && node && node->n == 3, "list");
	expect_int(ynode_get_map(d, root, "l", &node), -EINVAL);
	expect(ynode_get_map(d, root, "m", &node) == 0 && node->kind == YNODE_MAPPING, "map");
	expect_str(ynode_path(d), path);
	ynode_destroy(d);
	ynode_destroy(NULL);
	unlink(path);
}

TEST(from_arg)
{
	struct allocator a;
	expect_int(allocator_from_arg("je=/usr/lib/libjemalloc.so.2", &a, err, sizeof(err)), 0);
	expect_str(a.name, "je");
	expect_str(a.library, "/usr/lib/libjemalloc.so.2");
	expect_str(a.source, "--allocator");
	expect_int(a.nenv, 0);
	expect_int(allocator_from_arg("mi-2.1=libmimalloc.so.2", &a, err, sizeof(err)), 0);
	expect_str(a.library, "libmimalloc.so.2");

	expect_int(allocator_from_arg("jemalloc", &a, err, sizeof(err)), -EINVAL);
	expect(strstr(err, "expected NAME=/path/to/lib.so") != NULL, "no '=': %s", err);
	expect_int(allocator_from_arg("je malloc=/x.so", &a, err, sizeof(err)), -EINVAL);
	expect(strstr(err, "the name before '='") != NULL, "bad name: %s", err);
	expect_int(allocator_from_arg("=/x.so", &a, err, sizeof(err)), -EINVAL);
	expect(strstr(err, "the name before '='") != NULL, "empty name: %s", err);
	expect_int(allocator_from_arg("je=", &a, err, sizeof(err)), -EINVAL);
	expect(strstr(err, "empty library path") != NULL, "empty path: %s", err);
	expect_str(a.name, "");
}

TEST(resolve)
{
	struct allocator a = {0};
	snprintf(a.library, sizeof(a.library), "libc.so.6");
	expect_int(allocator_resolve(&a), 0);
	struct stat st;
	expect(a.path[0] == '/' && stat(a.path, &st) == 0 && S_ISREG(st.st_mode),
	       "libc.so.6 -> %s, a regular file", a.path);

	snprintf(a.library, sizeof(a.library), "libdoesnotexist.so.9");
	expect_int(allocator_resolve(&a), -ENOENT);
	expect_str(a.path, "");

	snprintf(a.library, sizeof(a.library), "/nonexistent/libx.so");
	expect_int(allocator_resolve(&a), -ENOENT);
	snprintf(a.library, sizeof(a.library), "%s", tmpdir);
	expect_int(allocator_resolve(&a), -ENOENT); /* a directory is not a library */

	/* LD_LIBRARY_PATH comes first, and the result is canonical. */
	char lib[PATH_MAX + 32], real[PATH_MAX];
	snprintf(lib, sizeof(lib), "%s/libwimmfake.so.1", tmpdir);
	write_file(lib, "x", 1);
	char llp[PATH_MAX + 64];
	snprintf(llp, sizeof(llp), "/nonexistent::%s/.", tmpdir);
	setenv("LD_LIBRARY_PATH", llp, 1);
	snprintf(a.library, sizeof(a.library), "libwimmfake.so.1");
	expect_int(allocator_resolve(&a), 0);
	expect_str(a.path, realpath(lib, real) ? real : "?");
	unsetenv("LD_LIBRARY_PATH");
	expect_int(allocator_resolve(&a), -ENOENT);

	snprintf(a.library, sizeof(a.library), "%s/./libwimmfake.so.1", tmpdir);
	expect_int(allocator_resolve(&a), 0);
	expect_str(a.path, real);
	unlink(lib);

	a.library[0] = '\0';
	expect_int(allocator_resolve(&a), 0);
	expect_str(a.path, "");
}

static void cleanup(void)
{
	static const char *const files[] = {"empty.yaml", "doc-only.yaml", "big.yaml", NULL};
	for (const char *const *f = files; *f; f++) {
		char path[PATH_MAX + 32];
		snprintf(path, sizeof(path), "%s/%s", tmpdir, *f);
		unlink(path);
	}
	rmdir(tmpdir);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s FIXTURES_DIR\n", argv[0]);
		return 2;
	}
	fixtures = argv[1];
	const char *t = getenv("TMPDIR");
	snprintf(tmpdir, sizeof(tmpdir), "%s/wimm-test-yaml.XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 2;
	}
	int r = tap_run((struct tap_test[]){
	    TAP(good_files),
	    TAP(churn_fields),
	    TAP(defaults_and_styles),
	    TAP(seed_generator_fields),
	    TAP(language_fields),
	    TAP(pool_limit),
	    TAP(file_keys),
	    TAP(allocator_files),
	    TAP(bad_files),
	    TAP(crash_files),
	    TAP(exact_positions),
	    TAP(unreadable_files),
	    TAP(large_files),
	    TAP(ynode_getters),
	    TAP(from_arg),
	    TAP(resolve),
	    {0},
	});
	cleanup();
	return r;
}
