/* trace_walk.h - a trace read front to back as one schedule, every event
 * checked against the state of the blocks.
 *
 * The file order is a valid schedule of the whole program (trace_format.h),
 * so walking it finds everything a replay could trip on: a free of an
 * empty slot, a free naming the wrong allocation, a slot filled twice, a
 * thread running before it was started or after it ended, counts that
 * differ from the header's. A trace that walks cleanly replays without
 * waiting forever: every wait of a replay is on an event earlier in this
 * order. `wimm trace info` takes its figures from the same walk.
 */
#ifndef WIMM_TRACE_WALK_H
#define WIMM_TRACE_WALK_H

#include <stdint.h>

#include "common/trace_read.h"

/* What a free (or realloc) released. */
struct trace_walk_block {
	uint64_t size;
	uint64_t t_alloc; /* ticks, the allocating thread's clock */
	uint32_t owner;   /* allocating thread */
};

/* Called for every event in file order; `now` is the thread's clock in
 * ticks; `freed` is set for FREE, FREE_FROM, REALLOC, REALLOC_FROM.
 * `live` is the live heap after the event. Return 0 to go on. */
typedef int (*trace_walk_fn)(void *ctx, uint32_t tid, const struct trace_event *ev, uint64_t now,
                             const struct trace_walk_block *freed, uint64_t live);

struct trace_walk_totals {
	uint64_t events, allocs, frees;
	uint64_t live_end, peak_live, peak_at_ticks; /* peak of the live heap in file order */
	uint64_t end_ticks;                          /* the largest thread clock */
};

/* Walks r (just opened) to its trailer. fn may be NULL. Returns 0, or
 * -EINVAL with the reader's error naming the frame, byte and what was
 * wrong (also when the slot tables cannot be mapped). */
int trace_walk(struct trace_reader *r, trace_walk_fn fn, void *ctx, struct trace_walk_totals *out);

#endif
