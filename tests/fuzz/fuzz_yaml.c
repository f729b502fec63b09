/* fuzz_yaml.c - libFuzzer target for the YAML loaders (workload_load and
 * allocator_load, on bench/ynode.c and libyaml). Built with -Dfuzz=true and
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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "allocator.h"
#include "workload.h"
#include "ynode.h"

static int fd = -1;
static char path[64];

/* Reports which contract was broken, then aborts (a libFuzzer crash). */
#define REQUIRE(cond)                                                                              \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_yaml: contract broken: %s (%s:%d)\n", #cond,         \
			        __FILE__, __LINE__);                                               \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

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
	return 0;
}

/* A failure names the file: "PATH: ..." or "PATH:LINE:COL: ...". */
static void check_error(int r, const char *err, size_t errlen)
{
	size_t n = strlen(path);
	REQUIRE(memchr(err, '\0', errlen) != NULL);
	REQUIRE(strncmp(err, path, n) == 0 && err[n] == ':');
	REQUIRE(strlen(err) > n + 2);
	(void)r;
}

static void check_dist(const struct size_dist *d)
{
	REQUIRE(d->n >= 0 && d->n <= WORKLOAD_MAX_SIZE_CLASSES);
	for (int i = 0; i < d->n; i++) {
		const struct size_class *c = &d->classes[i];
		REQUIRE(c->min >= 1 && c->min <= c->max);
		REQUIRE(c->weight > 0);
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
	for (int i = 0; i < w->nphases; i++) {
		const struct phase *p = &w->phases[i];
		REQUIRE(p->name[0]);
		REQUIRE(p->threads >= 0 && p->threads <= WORKLOAD_MAX_THREADS);
		for (int j = 0; j < i; j++)
			REQUIRE(strcmp(w->phases[j].name, p->name) != 0);
		REQUIRE(strcmp(workload_generator_name(p->gen), "unknown") != 0);
		switch (p->gen) {
		case GEN_CHURN:
			REQUIRE(p->u.churn.ops > 0 && p->u.churn.live > 0);
			REQUIRE(p->u.churn.sizes.n >= 1);
			check_dist(&p->u.churn.sizes);
			break;
		case GEN_IDLE:
			REQUIRE(p->u.idle.duration_s > 0);
			break;
		case GEN_TILE_CACHE:
			REQUIRE(p->u.tile.tile > 0 && p->u.tile.width % p->u.tile.tile == 0 &&
			        p->u.tile.height % p->u.tile.tile == 0);
			REQUIRE(p->u.tile.budget >= p->u.tile.tile * p->u.tile.tile * 4);
			check_dist(&p->u.tile.objects);
			check_dist(&p->u.tile.stamps);
			break;
		case GEN_GROW:
			REQUIRE(p->u.grow.from <= p->u.grow.to);
			check_dist(&p->u.grow.keep_sizes);
			check_dist(&p->u.grow.temp_sizes);
			break;
		case GEN_STAMPS:
			REQUIRE(p->u.stamps.handoff >= 0 && p->u.stamps.handoff <= 1);
			check_dist(&p->u.stamps.sizes);
			break;
		case GEN_LEAK:
			check_dist(&p->u.leak.leak_sizes);
			check_dist(&p->u.leak.sizes);
			break;
		case GEN_FREE_ALL:
			break;
		default:
			REQUIRE(!"unknown generator");
		}
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
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
		check_error(r, err, sizeof(err));
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
		check_error(r, err, sizeof(err));
		REQUIRE(a.name[0] == '\0');
	}
	check_arg(data, size);
	return 0;
}
