/* identify.c - find the allocator that owns malloc and ask its version. */
#include "common/identify.h"

#include <dlfcn.h>
#include <errno.h>
#include <gnu/libc-version.h>
#include <stdio.h>
#include <string.h>

/* dlsym returns an object pointer; POSIX guarantees function pointers
 * survive the round trip, and the callers go through a union to convert it
 * without a -Wpedantic warning. */
static void *symbol(const char *name) { return dlsym(RTLD_DEFAULT, name); }

static int same_library(void *a, void *b)
{
	Dl_info ia, ib;
	if (!a || !b || !dladdr(a, &ia) || !dladdr(b, &ib))
		return 0;
	return ia.dli_fbase == ib.dli_fbase;
}

static void jemalloc_version(char *buf, size_t len)
{
	union {
		void *p;
		int (*fn)(const char *, void *, size_t *, void *, size_t);
	} mallctl = {symbol("mallctl")};
	const char *v = NULL;
	size_t sz = sizeof(v);
	/* "5.3.0-0-g54eaed1d..." : the release is what tells builds apart. */
	if (mallctl.fn && mallctl.fn("version", &v, &sz, NULL, 0) == 0 && v)
		snprintf(buf, len, "%.*s", (int)strcspn(v, "-"), v);
}

static void tcmalloc_version(char *buf, size_t len)
{
	union {
		void *p;
		const char *(*fn)(int *, int *, const char **);
	} tc_version = {symbol("tc_version")};
	int major = 0, minor = 0;
	const char *patch = NULL;
	if (tc_version.fn) {
		tc_version.fn(&major, &minor, &patch);
		snprintf(buf, len, "%d.%d%s", major, minor, patch ? patch : "");
	}
}

static void mimalloc_version(char *buf, size_t len)
{
	union {
		void *p;
		int (*fn)(void);
	} mi_version = {symbol("mi_version")};
	if (mi_version.fn) {
		int v = mi_version.fn(); /* 209 means 2.0.9 */
		snprintf(buf, len, "%d.%d.%d", v / 100, v / 10 % 10, v % 10);
	}
}

int identify_allocator(struct alloc_identity *id)
{
	void *m = symbol("malloc");
	Dl_info info;
	memset(id, 0, sizeof(*id));
	if (!m || !dladdr(m, &info) || !info.dli_fname)
		return -ENOENT;
	snprintf(id->owner, sizeof(id->owner), "%s", info.dli_fname);

	if (same_library(m, symbol("mallctl"))) {
		strcpy(id->family, "jemalloc");
		jemalloc_version(id->version, sizeof(id->version));
	} else if (same_library(m, symbol("tc_version"))) {
		strcpy(id->family, "tcmalloc");
		tcmalloc_version(id->version, sizeof(id->version));
	} else if (same_library(m, symbol("mi_version"))) {
		strcpy(id->family, "mimalloc");
		mimalloc_version(id->version, sizeof(id->version));
	} else if (same_library(m, symbol("gnu_get_libc_version"))) {
		strcpy(id->family, "glibc");
		snprintf(id->version, sizeof(id->version), "%s", gnu_get_libc_version());
	} else {
		strcpy(id->family, "unknown");
	}
	return 0;
}
