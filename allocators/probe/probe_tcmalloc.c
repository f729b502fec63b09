/* probe_tcmalloc.c - gperftools tcmalloc (libtcmalloc and
 * libtcmalloc_minimal), through MallocExtension's C API.
 *
 * Figures:
 *   in_use   = generic.current_allocated_bytes: bytes the program holds,
 *              in their size classes' sizes. Free objects in the thread,
 *              transfer and central caches do not count.
 *   system   = generic.heap_size - tcmalloc.pageheap_unmapped_bytes: what
 *              the page heap holds and has not released. heap_size is
 *              every byte the page heap ever got from the OS (tcmalloc
 *              never unmaps); the "unmapped" part it gave back with
 *              madvise(MADV_DONTNEED) is address space without memory, so
 *              it is left out, as jemalloc's retained bytes are.
 *   resident = generic.total_physical_bytes: tcmalloc's own estimate of
 *              its physical memory, the above plus its metadata. An upper
 *              bound: pages obtained but never touched count as well.
 *   arenas   = thread caches alive ("Thread heaps in use" in the stats
 *              text): one per thread that has allocated and not exited,
 *              plus one tcmalloc makes while it starts up and keeps (2
 *              with the main thread alone, 6 with 4 allocating threads).
 *              Threads that exit give theirs back: this goes up and down.
 *              The probe thread never allocates, so it has none.
 *
 * Nothing here allocates: the properties are computed under tcmalloc's
 * page heap lock, and the stats text is printed into a static buffer
 * smaller than 10000 bytes, which keeps it to the short summary (a larger
 * buffer gets the per-size-class tables, which cost more).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "allocators/probe/probe.h"

static int (*get_property)(const char *, size_t *);
static void (*get_stats)(char *, int);
static char stats_text[8192];

static int64_t property(const char *name)
{
	size_t v;
	return get_property(name, &v) ? (int64_t)v : -1;
}

/* The number on the line that ends with what, e.g.
 * "MALLOC:              6              Thread heaps in use". */
static int64_t stats_number(const char *text, const char *what)
{
	const char *hit = strstr(text, what);
	if (!hit)
		return -1;
	const char *p = hit;
	while (p > text && p[-1] != '\n')
		p--;
	p += strcspn(p, "0123456789");
	if (p >= hit)
		return -1;
	int64_t v = 0;
	for (; *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (*p - '0');
	return v;
}

static void tcmalloc_read(struct probe_figures *f, int full)
{
	(void)full; /* every figure is cheap: 9 us for the properties, 26 for the text */
	int64_t heap = property("generic.heap_size");
	int64_t unmapped = property("tcmalloc.pageheap_unmapped_bytes");
	f->in_use = property("generic.current_allocated_bytes");
	f->system = heap >= 0 && unmapped >= 0 ? heap - unmapped : -1;
	f->resident = property("generic.total_physical_bytes");
	stats_text[0] = 0;
	get_stats(stats_text, (int)sizeof(stats_text));
	stats_text[sizeof(stats_text) - 1] = 0;
	f->arenas = stats_number(stats_text, "Thread heaps in use");
}

static int tcmalloc_init(void)
{
	if (probe_resolve(get_property, "MallocExtension_GetNumericProperty") ||
	    probe_resolve(get_stats, "MallocExtension_GetStats"))
		return -ENOENT;
	return 0;
}

const struct probe_reader probe_tcmalloc = {"tcmalloc", tcmalloc_init, NULL, tcmalloc_read};
