/* fuzz_yaml.c - libFuzzer target for the YAML loaders (workload_load and
 * allocator_load, on common/ynode.c and libyaml). Built with -Dfuzz=true and
 * run by scripts/fuzz.sh.
 *
 * The loaders take a path, so each input is written to a memfd and loaded
 * through /proc/self/fd/N: no file system traffic, and the same code path
 * as a real file (fopen, the size limit, the reader). Every input is loaded
 * both as a workload and as an allocator, and as the argument of
 * --allocator NAME=/path.so.
 *
 * Besides what the sanitizers catch (overflows, leaks, undefined
 * behaviour), the target aborts when a loader breaks its contract, so
 * libFuzzer reports that as a crash too: a failure must come with a
 * message that names the file, leave nothing filled in, and return one of
 * the documented codes; a success must be a workload the worker can run
 * (phases, thread axis, size classes within their limits).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench/plan/allocator.h"
#include "workloads/generators/gen.h"
#include "workloads/keys.h"
#include "workloads/workload.h"
#include "common/ynode.h"

#define FUZZ_NAME "fuzz_yaml"
#include "tests/fuzz/require.h"

static int fd = -1;
static char path[64];

/* A valid workload and a valid allocator, one value per line after ": ".
 * Random bytes rarely make a well-formed document, so the second half of
 * each run puts the input into one of these values instead: the unit
 * parsers, range checks and worst-case arithmetic get inputs that reach
 * them. */
static const char *const template[] = {
    "name: t",
    "description: d",
    "seed: 1",
    "threads: [1, 2]",
    "timeout: 10 min",
    "phases:",
    "  - name: c",
    "    generator: churn",
    "    ops: 1000",
    "    live: 100",
    "    sizes: [{min: 16 B, max: 256 B, weight: 70}, {size: 4 KiB}]",
    "  - name: t",
    "    generator: tile-cache",
    "    threads: 1",
    "    width: 1024",
    "    height: 1024",
    "    tile: 256",
    "    budget: 1 MiB",
    "    sources: 4",
    "    objects: [{min: 64 B, max: 512 B}]",
    "    stamps: [{min: 1 KiB, max: 4 KiB}]",
    "    work: 2",
    "    keep: true",
    "  - name: g",
    "    generator: grow",
    "    iterations: 10",
    "    from: 1 KiB",
    "    to: 1 MiB",
    "    jitter: 0.25",
    "    copy: true",
    "    keep_per_iteration: 2",
    "    keep_sizes: [{min: 16 B, max: 64 B}]",
    "    temps_per_iteration: 2",
    "    temp_sizes: [{size: 1 KiB}]",
    "  - name: s",
    "    generator: stamps",
    "    threads: 2",
    "    ops: 1000",
    "    live: 100",
    "    sizes: [{min: 16 B, max: 256 B}]",
    "    handoff: 0.5",
    "  - name: l",
    "    generator: leak",
    "    iterations: 10",
    "    leak: 1 KiB",
    "    leak_sizes: [{size: 64 B}]",
    "    ops_per_iteration: 10",
    "    live: 10",
    "    sizes: [{size: 32 B}]",
    "  - name: r",
    "    queues:",
    "      - {name: q, capacity: 4, batch: 8, order: lifo, carrier: true}",
    "      - {name: h}",
    "    roles:",
    "      - name: p",
    "        generator: produce",
    "        queue: q",
    "        ops: 100",
    "        rate: 1M/s",
    "        sizes: [{shape: inverse-square, min: 4 B, max: 32 KiB}, 64 B]",
    "        touch: {write: 0.5, passes: 2}",
    "        calls: {malloc: 3, calloc: 1, aligned_alloc: 1, alignment: 64 B}",
    "      - name: c",
    "        generator: consume",
    "        queue: q",
    "        threads: 1",
    "      - name: m",
    "        generator: prefill",
    "        queue: h",
    "        sizes: {shape: power-law, exponent: -1.5, min: 8 B, max: 1 KiB}",
    "        warmup: 4",
    "      - name: w",
    "        generator: churn",
    "        fill_from: h",
    "        live: 10",
    "        duration: 10 ms",
    "        victim: random",
    "        generation: 50",
    "        touch: {write: 2 B, revisit: 1}",
    "        calls: {malloc: 1, realloc: 1}",
    "        sizes: {min: 8 B, max: 999 B}",
    "      - name: l",
    "        generator: churn",
    "        ops: 100",
    "        lifetime: {shape: exponential, mean: 20}",
    "        sizes: {shape: log-uniform, min: 16 B, max: 4 KiB}",
    "  - name: f",
    "    generator: free-all",
    "  - name: i",
    "    generator: idle",
    "    duration: 10 ms",
    NULL,
};
static const char *const alloc_template[] = {
    "name: a",
    "variant_of: glibc",
    "library: libc.so.6",
    "colour: \"#17becf\"",
    "note: one line",
    "environment:",
    "  GLIBC_TUNABLES: glibc.malloc.arena_max=1",
    "  MALLOC_CONF: background_thread:true",
    NULL,
};

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fd = memfd_create("fuzz.yaml", MFD_CLOEXEC);
	if (fd < 0) {
		perror("fuzz_yaml: memfd_create");
		exit(1);
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

	/* The templates must load as they are, or the second half of each
	 * run would only ever test an error path. */
	static char doc[8192], err[1024];
	static struct workload w;
	static struct allocator a;
	size_t n = 0;
	for (const char *const *l = template; *l; l++)
		n += (size_t)snprintf(doc + n, sizeof(doc) - n, "%s\n", *l);
	if (ftruncate(fd, 0) || pwrite(fd, doc, n, 0) != (ssize_t)n ||
	    workload_load(path, &w, err, sizeof(err))) {
		fprintf(stderr, "fuzz_yaml: the workload template does not load: %s\n", err);
		exit(1);
	}
	n = 0;
	for (const char *const *l = alloc_template; *l; l++)
		n += (size_t)snprintf(doc + n, sizeof(doc) - n, "%s\n", *l);
	if (ftruncate(fd, 0) || pwrite(fd, doc, n, 0) != (ssize_t)n ||
	    allocator_load(path, &a, err, sizeof(err))) {
		fprintf(stderr, "fuzz_yaml: the allocator template does not load: %s\n", err);
		exit(1);
	}
	return 0;
}

/* A failure names the file: "PATH: ..." or "PATH:LINE:COL: ...". */
static void check_error(const char *err, size_t errlen)
{
	size_t n = strlen(path);
	REQUIRE(memchr(err, '\0', errlen) != NULL);
	REQUIRE(strncmp(err, path, n) == 0 && err[n] == ':');
	REQUIRE(strlen(err) > n + 2);
}

static void check_dist(const struct workload *w, const struct dist *d)
{
	REQUIRE(d->n <= WORKLOAD_POOL_PARTS && d->first + d->n <= w->npool);
	REQUIRE(d->n == 0 || (d->total > 0 && d->lo >= 1 && d->lo <= d->hi));
	double prev = 0;
	for (uint32_t i = 0; i < d->n; i++) {
		const struct dist_part *p = &w->pool[d->first + i];
		REQUIRE(p->lo >= 1 && p->lo <= p->hi);
		REQUIRE(p->cum > prev);
		prev = p->cum;
	}
}

/* A role's parameters, generator by generator, through its key table. */
static void check_role(const struct workload *w, const struct phase *p, const struct role *r)
{
	REQUIRE(r->name[0] && r->gen);
	REQUIRE(strcmp(workload_role_generator(r), r->gen->name) == 0);
	REQUIRE(r->threads >= 0 && r->threads <= WORKLOAD_MAX_THREADS);
	REQUIRE(r->gen->params_size <= sizeof(r->params));
	for (const struct key_def *k = r->gen->keys; k->name; k++) {
		int q;
		if (k->type == KEY_SIZES || k->type == KEY_LIFETIMES)
			check_dist(w, workload_param_dist(r, k->name));
		if (k->type == KEY_QUEUE && workload_param_int(r, k->name, &q) == 0)
			REQUIRE(q >= -1 && q < p->nqueues &&
			        (q >= 0 || !(k->flags & KEY_REQUIRED)));
		if (k->type == KEY_TOUCH)
			REQUIRE(workload_param_touch(r, k->name)->passes >= 1);
		if (k->type == KEY_CALLS) {
			const struct calls *c = workload_param_calls(r, k->name);
			REQUIRE(c->total > 0 && c->alignment >= 8 &&
			        (c->alignment & (c->alignment - 1)) == 0);
		}
	}
}

static void check_workload(const struct workload *w)
{
	REQUIRE(w->name[0] && w->description[0]);
	REQUIRE(strcmp(w->path, path) == 0);
	REQUIRE(w->naxis >= 1 && w->naxis <= WORKLOAD_MAX_AXIS);
	for (int i = 0; i < w->naxis; i++)
		REQUIRE(w->axis[i] >= 0 && w->axis[i] <= WORKLOAD_MAX_THREADS);
	REQUIRE(w->nphases >= 1 && w->nphases <= WORKLOAD_MAX_PHASES);
	REQUIRE(w->npool <= WORKLOAD_POOL_PARTS);
	for (int i = 0; i < w->nphases; i++) {
		const struct phase *p = &w->phases[i];
		REQUIRE(p->name[0]);
		REQUIRE(p->nroles >= 1 && p->nroles <= WORKLOAD_MAX_ROLES);
		REQUIRE(p->nqueues >= 0 && p->nqueues <= WORKLOAD_MAX_QUEUES);
		for (int j = 0; j < i; j++)
			REQUIRE(strcmp(w->phases[j].name, p->name) != 0);
		for (int j = 0; j < p->nroles; j++)
			check_role(w, p, &p->roles[j]);
		for (int j = 0; j < p->nqueues; j++)
			REQUIRE(p->queues[j].name[0] && p->queues[j].batch >= 1);
	}
	/* What the driver does next with a loaded workload. */
	char err[1024];
	for (int i = 0; i < w->naxis; i++)
		REQUIRE(workload_check_threads(w, w->axis[i], err, sizeof(err)) == 0);
	for (int t = 0; t <= 2; t++)
		if (workload_check_threads(w, t, err, sizeof(err)) != 0)
			REQUIRE(err[0]);
	static struct workload scaled;
	static const double scales[] = {0.1, 4.0};
	for (size_t i = 0; i < sizeof(scales) / sizeof(scales[0]); i++) {
		scaled = *w;
		workload_scale(&scaled, scales[i], 0.25);
		(void)workload_budget(&scaled);
		for (int p = 0; p < scaled.nphases; p++)
			(void)workload_phase_leak(&scaled.phases[p]);
	}
}

static void check_allocator(const struct allocator *a)
{
	REQUIRE(a->name[0]);
	REQUIRE(strcmp(a->source, path) == 0);
	REQUIRE(a->nenv >= 0 && a->nenv <= ALLOCATOR_MAX_ENV);
	for (int i = 0; i < a->nenv; i++)
		REQUIRE(strchr(a->env[i], '=') != NULL && strncmp(a->env[i], "LD_PRELOAD=", 11));
	REQUIRE(a->colour[0] == '\0' || (strlen(a->colour) == 7 && a->colour[0] == '#'));
	REQUIRE(strchr(a->note, '\n') == NULL);
	/* What the driver does next: find the library (read-only lookups). */
	static struct allocator copy;
	copy = *a;
	int r = allocator_resolve(&copy);
	REQUIRE(r == 0 || r == -ENOENT);
	REQUIRE(r == 0 ? (copy.library[0] ? copy.path[0] == '/' : copy.path[0] == '\0')
	               : copy.path[0] == '\0');
}

/* The input as a command-line argument: NAME=/path/lib.so. */
static void check_arg(const uint8_t *data, size_t size)
{
	static char arg[8192 + 1], err[1024];
	static struct allocator a;
	size_t n = size < sizeof(arg) - 1 ? size : sizeof(arg) - 1;
	memcpy(arg, data, n);
	arg[n] = '\0';
	err[0] = '\0';
	int r = allocator_from_arg(arg, &a, err, sizeof(err));
	REQUIRE(r == 0 || r == -EINVAL);
	if (r == 0)
		REQUIRE(a.name[0] && a.library[0] && strchr(arg, '='));
	else
		REQUIRE(strncmp(err, "--allocator ", 12) == 0);
}

/* Writes the template with the value of line `pick` (among those with a
 * value) replaced by the input: double-quoted with escapes, or as it is
 * (newlines made spaces) when `plain`. */
static size_t fill_template(const char *const *lines, unsigned pick, bool plain,
                            const uint8_t *data, size_t size, char *out, size_t cap)
{
	unsigned nvalues = 0;
	for (const char *const *l = lines; *l; l++)
		nvalues += strstr(*l, ": ") != NULL;
	pick %= nvalues;
	size_t o = 0;
	for (const char *const *l = lines; *l; l++) {
		const char *colon = strstr(*l, ": ");
		if (!colon || pick--) {
			o += (size_t)snprintf(out + o, cap - o, "%s\n", *l);
			continue;
		}
		o += (size_t)snprintf(out + o, cap - o, "%.*s", (int)(colon + 2 - *l), *l);
		if (!plain)
			out[o++] = '"';
		for (size_t i = 0; i < size && o + 8 < cap; i++) {
			unsigned c = data[i];
			if (plain)
				out[o++] = c == '\n' || c == '\r' ? ' ' : (char)c;
			else if (c == '"' || c == '\\')
				o += (size_t)snprintf(out + o, cap - o, "\\%c", c);
			else if (c < 0x20 || c >= 0x7f)
				o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
			else
				out[o++] = (char)c;
		}
		if (!plain)
			out[o++] = '"';
		out[o++] = '\n';
		out[o] = '\0';
	}
	return o;
}

/* Loads the bytes as a workload and as an allocator, checking both. */
static void load_both(const void *data, size_t size)
{
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size) {
		perror("fuzz_yaml: writing the memfd");
		exit(1);
	}
	static char err[2048];
	static struct workload w;
	memset(err, 0x55, sizeof(err)); /* a message must be written, not left over */
	err[sizeof(err) - 1] = '\0';
	int r = workload_load(path, &w, err, sizeof(err));
	REQUIRE(r == 0 || r == -EINVAL || r == -EFBIG);
	if (r == 0) {
		check_workload(&w);
	} else {
		check_error(err, sizeof(err));
		REQUIRE(w.name[0] == '\0' && w.nphases == 0);
	}

	static struct allocator a;
	memset(err, 0x55, sizeof(err));
	err[sizeof(err) - 1] = '\0';
	r = allocator_load(path, &a, err, sizeof(err));
	REQUIRE(r == 0 || r == -EINVAL || r == -EFBIG);
	if (r == 0) {
		check_allocator(&a);
	} else {
		check_error(err, sizeof(err));
		REQUIRE(a.name[0] == '\0');
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	load_both(data, size);
	check_arg(data, size);
	if (size > 0) {
		/* 8 KiB of input escapes to at most 32 KiB, plus the template. */
		static char doc[40 * 1024];
		const char *const *t = data[0] & 0x40 ? alloc_template : template;
		size_t n = fill_template(t, data[0] & 0x3f, data[0] & 0x80, data + 1, size - 1, doc,
		                         sizeof(doc));
		load_both(doc, n);
	}
	return 0;
}
