/* probe_jemalloc.c - jemalloc 5, through mallctl.
 *
 * Figures (after writing "epoch", which merges the per-arena counters):
 *   in_use   = stats.allocated - stats.arenas.<all>.tcache_bytes: bytes
 *              in allocations the program holds, in their size classes'
 *              sizes. stats.allocated alone also counts the small objects
 *              parked in thread caches (freed by the program, or filled in
 *              ahead in batches), which come and go by hundreds at a time:
 *              a Python loop leaking one 800 B block per step read as 245
 *              to 1,291 B per step over windows of 200 steps, and 600 B
 *              per step in a fit over 2,000, where the difference read a
 *              steady 891-911 B (the 896 B size class, and 8 B of the
 *              program's list). Without tcache_bytes (before jemalloc 5.1)
 *              it is stats.allocated.
 *   system   = stats.mapped: bytes in extents jemalloc has mapped and not
 *              purged (pages backing allocations, dirty and muzzy pages it
 *              keeps for reuse, metadata). Not active + retained: active
 *              leaves out the dirty pages, which are exactly the memory
 *              jemalloc holds without the program using it (purged after
 *              dirty_decay_ms, by the background thread if enabled, else
 *              only when later allocator calls get round to it); retained
 *              is address space whose pages were purged or never touched,
 *              no memory. Measured: 100 MiB freed leaves mapped at
 *              106 MiB and 100 MiB dirty until purged. (The manual's
 *              "does not include inactive extents" is from jemalloc 4.)
 *   resident = stats.resident: jemalloc's upper bound on its resident
 *              pages (metadata, active and dirty pages; demand-zero pages
 *              never touched are counted anyway).
 *   arenas   = arenas that have served the program: automatic arenas
 *              (arenas.narenas is their fixed maximum, 4 x CPUs, plus one
 *              for huge allocations; not a count) with at least one small
 *              or large allocation (stats.arenas.<i>.{small,large}.nmalloc
 *              > 0; ENOENT for arenas never created). jemalloc creates an
 *              arena when a thread first allocates and finds every
 *              existing arena in use by another thread, up to the maximum,
 *              then shares; arenas are never destroyed, so this only grows.
 *              "Served an allocation" rather than arena.<i>.initialized:
 *              the probe thread's own arena (below) exists but is never
 *              allocated from, and would count one too many.
 *
 * The probe thread: jemalloc binds every thread that calls mallctl to an
 * arena (its tcache set-up calls arena_choose), and creates a new arena for
 * it when all existing ones have a thread. Left there, the probe would hold
 * one of the automatic arenas, and the program's threads would start
 * sharing arenas one thread earlier than without it. So the probe thread
 * moves its binding to arena 0 (thread.arena) at once: the arena it was
 * given is left with no thread and is exactly the one the program's next
 * new thread takes, as if it had been created for that thread. (Only
 * jemalloc's internal-metadata binding stays, shifting which arena holds
 * each later thread's metadata by one.)
 *
 * Names are translated to MIBs once in init; a reading only calls
 * mallctlbymib, which formats no strings and does not allocate. The probe
 * thread's tsd and tcache come from jemalloc's internal metadata allocator
 * (counted in stats.metadata, not in stats.allocated).
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "allocators/probe/probe.h"

typedef int (*mallctl_fn)(const char *, void *, size_t *, void *, size_t);
typedef int (*nametomib_fn)(const char *, size_t *, size_t *);
typedef int (*bymib_fn)(const size_t *, size_t, void *, size_t *, void *, size_t);

static mallctl_fn mallctl;
static nametomib_fn nametomib;
static bymib_fn bymib;

struct mib {
	size_t v[6];
	size_t len;
};
static struct mib epoch, allocated, mapped, resident, narenas, small_nmalloc, large_nmalloc;
static struct mib tcache_bytes; /* len 0: not in this jemalloc */

static int lookup(const char *name, struct mib *m)
{
	m->len = sizeof(m->v) / sizeof(m->v[0]);
	return nametomib(name, m->v, &m->len) ? -ENOENT : 0;
}

static int64_t get_size(const struct mib *m)
{
	size_t v, sz = sizeof(v);
	return bymib(m->v, m->len, &v, &sz, NULL, 0) ? -1 : (int64_t)v;
}

/* mib with its arena index (the third component of stats.arenas.<i>.*)
 * set to i; -1 for ENOENT (an arena never created). */
static int64_t arena_u64(const struct mib *m, unsigned i)
{
	struct mib at = *m;
	uint64_t v;
	size_t sz = sizeof(v);
	at.v[2] = i;
	return bymib(at.v, at.len, &v, &sz, NULL, 0) ? -1 : (int64_t)v;
}

static int64_t count_arenas(void)
{
	unsigned n;
	size_t sz = sizeof(n);
	if (bymib(narenas.v, narenas.len, &n, &sz, NULL, 0))
		return -1;
	int64_t count = 0;
	for (unsigned i = 0; i < n; i++)
		if (arena_u64(&small_nmalloc, i) > 0 || arena_u64(&large_nmalloc, i) > 0)
			count++;
	return count;
}

static void jemalloc_thread_start(void)
{
	unsigned zero = 0;
	mallctl("thread.arena", NULL, NULL, &zero, sizeof(zero));
}

static void jemalloc_read(struct probe_figures *f, int full)
{
	uint64_t e = 1;
	size_t sz = sizeof(e);
	f->in_use = f->system = f->resident = f->arenas = -1;
	if (bymib(epoch.v, epoch.len, &e, &sz, &e, sizeof(e)))
		return;
	f->in_use = get_size(&allocated);
	int64_t cached = tcache_bytes.len ? get_size(&tcache_bytes) : 0;
	if (f->in_use >= 0 && cached > 0 && cached <= f->in_use)
		f->in_use -= cached;
	f->system = get_size(&mapped);
	f->resident = get_size(&resident);
	/* Two mallctls per possible arena: only at full readings. */
	f->arenas = full ? count_arenas() : PROBE_KEEP;
}

static int jemalloc_init(void)
{
	if (probe_resolve(mallctl, "mallctl") || probe_resolve(nametomib, "mallctlnametomib") ||
	    probe_resolve(bymib, "mallctlbymib"))
		return -ENOENT;
	/* Without --enable-stats every stats.* name is missing. */
	bool stats = false;
	size_t sz = sizeof(stats);
	if (mallctl("config.stats", &stats, &sz, NULL, 0) || !stats)
		return -ENOENT;
	if (lookup("epoch", &epoch) || lookup("stats.allocated", &allocated) ||
	    lookup("stats.mapped", &mapped) || lookup("stats.resident", &resident) ||
	    lookup("arenas.narenas", &narenas) ||
	    lookup("stats.arenas.0.small.nmalloc", &small_nmalloc) ||
	    lookup("stats.arenas.0.large.nmalloc", &large_nmalloc))
		return -ENOENT;
	/* 4096 is MALLCTL_ARENAS_ALL: the arenas merged. */
	if (lookup("stats.arenas.4096.tcache_bytes", &tcache_bytes))
		tcache_bytes.len = 0;
	return 0;
}

const struct probe_reader probe_jemalloc = {"jemalloc", jemalloc_init, jemalloc_thread_start,
                                            jemalloc_read};
