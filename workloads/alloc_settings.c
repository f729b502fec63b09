/* alloc_settings.c - the serving allocator's own configuration (see
 * alloc_settings.h). Read with jemalloc's mallctl, only when jemalloc is
 * the allocator that serves malloc: a mallctl found elsewhere would
 * describe an allocator that is not the one measured. */
#include "workloads/alloc_settings.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "common/identify.h"

typedef int (*mallctl_fn)(const char *, void *, size_t *, void *, size_t);

static void add(char *buf, size_t len, const char *fmt_key, long long v)
{
	size_t o = strlen(buf);
	if (o < len)
		snprintf(buf + o, len - o, "%s%s=%lld", o ? " " : "", fmt_key, v);
}

char *alloc_settings_read(char *buf, size_t len)
{
	struct alloc_identity id;
	union {
		void *p;
		mallctl_fn fn;
	} mallctl = {NULL};
	if (len)
		buf[0] = 0;
	if (identify_allocator(&id) || strcmp(id.family, "jemalloc"))
		return buf;
	mallctl.p = dlsym(RTLD_DEFAULT, "mallctl");
	if (!mallctl.fn)
		return buf;
	static const char *const decays[] = {"dirty_decay_ms", "muzzy_decay_ms"};
	for (size_t i = 0; i < 2; i++) {
		char key[32];
		ssize_t v;
		size_t sz = sizeof(v);
		snprintf(key, sizeof(key), "opt.%s", decays[i]);
		if (mallctl.fn(key, &v, &sz, NULL, 0) == 0)
			add(buf, len, decays[i], (long long)v);
	}
	/* "background_thread" is whether it runs now; "opt.background_thread"
	 * only whether it was asked for (a build without the thread ignores
	 * it). */
	bool bg;
	size_t sz = sizeof(bg);
	if (mallctl.fn("background_thread", &bg, &sz, NULL, 0) == 0 ||
	    (sz = sizeof(bg), mallctl.fn("opt.background_thread", &bg, &sz, NULL, 0) == 0)) {
		size_t o = strlen(buf);
		if (o < len)
			snprintf(buf + o, len - o, "%sbackground_thread=%s", o ? " " : "",
			         bg ? "true" : "false");
	}
	return buf;
}
