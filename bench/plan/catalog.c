/* catalog.c - find shipped files (see catalog.h). */
#include "bench/plan/catalog.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

static const char *env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);
	return v && *v ? v : fallback;
}

/* An installed wimm finds its files relative to its own executable
 * (PREFIX/bin/wimm -> PREFIX/share/wimm, PREFIX/libexec/wimm, ...), so the
 * installed tree can be moved as a whole; a wimm run from the build tree
 * uses the build and source paths that config.h holds. The tree counts as
 * installed when the executable sits in PREFIX/<bindir> and
 * PREFIX/<datadir>/wimm/presets is a directory. */
static const char *installed_prefix(void)
{
	static char prefix[PATH_MAX];
	static int known;
	if (known)
		return prefix[0] ? prefix : NULL;
	known = 1;
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (!slash)
		return NULL;
	*slash = '\0'; /* the executable's directory */
	size_t dlen = strlen(exe), blen = strlen(WIMM_INSTALL_BINDIR);
	if (WIMM_INSTALL_BINDIR[0] == '/' || dlen <= blen + 1 ||
	    strcmp(exe + dlen - blen, WIMM_INSTALL_BINDIR) || exe[dlen - blen - 1] != '/')
		return NULL;
	exe[dlen - blen - 1] = '\0';
	char presets[PATH_MAX];
	struct stat st;
	if (snprintf(presets, sizeof(presets), "%s/%s/presets", exe, WIMM_INSTALL_DATADIR) >=
	        (int)sizeof(presets) ||
	    stat(presets, &st) || !S_ISDIR(st.st_mode))
		return NULL;
	snprintf(prefix, sizeof(prefix), "%s", exe);
	return prefix;
}

/* NAME under an installed tree (REL relative to its prefix, or absolute when
 * the install directory was outside the prefix), else the build-tree path. */
static const char *locate(char *buf, size_t len, const char *rel, const char *name,
                          const char *build_path)
{
	const char *prefix = installed_prefix();
	if (!prefix)
		return build_path;
	if (rel[0] == '/')
		snprintf(buf, len, "%s%s%s", rel, *name ? "/" : "", name);
	else
		snprintf(buf, len, "%s/%s%s%s", prefix, rel, *name ? "/" : "", name);
	return buf;
}

const char *catalog_workloads_dir(void)
{
	static char buf[PATH_MAX];
	return env_or("WIMM_WORKLOADS_DIR", locate(buf, sizeof(buf), WIMM_INSTALL_DATADIR,
	                                           "presets", WIMM_WORKLOADS_DIR));
}
const char *catalog_allocators_dir(void)
{
	static char buf[PATH_MAX];
	return env_or("WIMM_ALLOCATORS_DIR", locate(buf, sizeof(buf), WIMM_INSTALL_DATADIR,
	                                            "allocators", WIMM_ALLOCATORS_DIR));
}
const char *catalog_scripts_dir(void)
{
	static char buf[PATH_MAX];
	return env_or("WIMM_SCRIPTS_DIR",
	              locate(buf, sizeof(buf), WIMM_INSTALL_DATADIR, "scripts", WIMM_SCRIPTS_DIR));
}
const char *catalog_worker_path(void)
{
	static char buf[PATH_MAX];
	return env_or("WIMM_WORKER", locate(buf, sizeof(buf), WIMM_INSTALL_LIBEXECDIR,
	                                    "wimm-worker", WIMM_WORKER_PATH));
}
const char *catalog_probe_path(void)
{
	static char buf[PATH_MAX];
	return env_or("WIMM_PROBE", locate(buf, sizeof(buf), WIMM_INSTALL_LIBDIR,
	                                   "libwimm-probe.so", WIMM_PROBE_PATH));
}

const char *catalog_recorder_path(void)
{
	static char buf[PATH_MAX];
	return env_or("WIMM_RECORDER", locate(buf, sizeof(buf), WIMM_INSTALL_LIBDIR,
	                                      "libwimm-recorder.so", WIMM_RECORDER_PATH));
}

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
