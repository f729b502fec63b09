/* catalog.c - find shipped files (see catalog.h). */
#include "bench/plan/catalog.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"

static const char *env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);
	return v && *v ? v : fallback;
}

const char *catalog_workloads_dir(void) { return env_or("WIMM_WORKLOADS_DIR", WIMM_WORKLOADS_DIR); }
const char *catalog_allocators_dir(void)
{
	return env_or("WIMM_ALLOCATORS_DIR", WIMM_ALLOCATORS_DIR);
}
const char *catalog_worker_path(void) { return env_or("WIMM_WORKER", WIMM_WORKER_PATH); }
const char *catalog_probe_path(void) { return env_or("WIMM_PROBE", WIMM_PROBE_PATH); }

/* By name without ".yaml", so glibc.yaml sorts before glibc-arena1.yaml. */
static int cmp_str(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	size_t nx = strlen(x) - 5, ny = strlen(y) - 5;
	int c = strncmp(x, y, nx < ny ? nx : ny);
	return c ? c : (nx > ny) - (nx < ny);
}

int catalog_list_yaml(const char *dir, char ***out, int *nout)
{
	DIR *d = opendir(dir);
	char **paths = NULL;
	int n = 0, cap = 0;
	struct dirent *e;
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 6 || strcmp(e->d_name + len - 5, ".yaml") || e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			char **grown = realloc(paths, sizeof(*paths) * (size_t)cap);
			if (!grown)
				goto nomem;
			paths = grown;
		}
		if (asprintf(&paths[n], "%s/%s", dir, e->d_name) < 0)
			goto nomem;
		n++;
	}
	closedir(d);
	qsort(paths, (size_t)n, sizeof(*paths), cmp_str);
	*out = paths;
	*nout = n;
	return 0;
nomem:
	closedir(d);
	catalog_free_paths(paths, n);
	return -ENOMEM;
}

void catalog_free_paths(char **paths, int n)
{
	for (int i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

int catalog_find_workload(const char *arg, char *path, size_t len)
{
	struct stat st;
	if (strchr(arg, '/') || strstr(arg, ".yaml")) {
		snprintf(path, len, "%s", arg);
		return stat(path, &st) == 0 ? 0 : -errno;
	}
	snprintf(path, len, "%s/%s.yaml", catalog_workloads_dir(), arg);
	return stat(path, &st) == 0 ? 0 : -ENOENT;
}

int catalog_load_allocators(struct allocator **out, int *nout, char *err, size_t errlen)
{
	char **paths;
	int n, rc = catalog_list_yaml(catalog_allocators_dir(), &paths, &n);
	if (rc) {
		snprintf(err, errlen, "cannot read allocator directory %s: %s",
		         catalog_allocators_dir(), strerror(-rc));
		return rc;
	}
	struct allocator *all = calloc((size_t)n + 1, sizeof(*all));
	if (!all) {
		catalog_free_paths(paths, n);
		return -ENOMEM;
	}
	for (int i = 0; i < n && !rc; i++)
		rc = allocator_load(paths[i], &all[i], err, errlen);
	catalog_free_paths(paths, n);
	if (rc) {
		free(all);
		return rc;
	}
	*out = all;
	*nout = n;
	return 0;
}
