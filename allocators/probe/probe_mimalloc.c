/* probe_mimalloc.c - mimalloc 2.0, through mi_process_info().
 *
 * Figures:
 *   in_use   = -1: a release build of mimalloc does not count the bytes
 *              the program holds (its "malloc" statistics are compiled
 *              out; mi_heap_visit_blocks sees only the calling thread's
 *              heap and walks every block).
 *   system   = current_commit: memory mimalloc has committed from the OS
 *              and not decommitted or reset, across all threads (the OS
 *              statistics are kept process-wide).
 *   resident = -1: mi_process_info's current_rss is the commit figure
 *              again on Linux, not a measurement.
 *   arenas   = -1: mimalloc has a heap per thread but no count of them
 *              that holds up (its "threads" statistic goes negative once
 *              threads exit). n/a rather than an invented figure.
 *
 * mi_process_info reads counters and getrusage(); it allocates nothing
 * and costs about 0.3 us.
 */
#include <errno.h>
#include <stddef.h>

#include "allocators/probe/probe.h"

static void (*process_info)(size_t *, size_t *, size_t *, size_t *, size_t *, size_t *, size_t *,
                            size_t *);

static void mimalloc_read(struct probe_figures *f, int full)
{
	(void)full;
	size_t elapsed, user, sys, rss, peak_rss, commit, peak_commit, faults;
	process_info(&elapsed, &user, &sys, &rss, &peak_rss, &commit, &peak_commit, &faults);
	f->in_use = -1;
	f->system = (int64_t)commit;
	f->resident = -1;
	f->arenas = -1;
}

static int mimalloc_init(void)
{
	return probe_resolve(process_info, "mi_process_info") ? -ENOENT : 0;
}

const struct probe_reader probe_mimalloc = {"mimalloc", mimalloc_init, NULL, mimalloc_read};
