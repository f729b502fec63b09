/* info.h - what a trace holds, from one checked walk (`wimm trace info`). */
#ifndef WIMM_TRACE_INFO_H
#define WIMM_TRACE_INFO_H

#include <stdint.h>
#include <stdio.h>

#include "common/trace_format.h"

#define INFO_SIZE_BUCKETS 28 /* <= 8 B, <= 16 B, ... , <= 512 MiB, more */
#define INFO_LIFE_BUCKETS 7  /* < 1 ms, < 10 ms, < 100 ms, < 1 s, < 10 s, more, never freed */

struct trace_stats {
	uint64_t calls[TRACE_NCALLS]; /* blocks made, by function */
	uint64_t frees, frees_other_thread, realloc_zero;
	uint64_t realloc_grow, realloc_shrink, realloc_same; /* of a live block */
	uint64_t peak_live, peak_at_ns, live_end, blocks_end;
	uint64_t events, allocs, phases_seen, steps;
	uint64_t duration_ns, tick_ns;
	uint32_t threads, threads_spawned;
	uint64_t size_count[INFO_SIZE_BUCKETS], size_bytes[INFO_SIZE_BUCKETS];
	uint64_t life[INFO_LIFE_BUCKETS];
};

/* Walks the trace at path. Returns 0, or -errno / -EINVAL with the reader's
 * message (byte offset, what was expected) in err. */
int info_collect(const char *path, struct trace_stats *st, char *err, size_t errlen);

/* Prints the figures with the header's context, as text or JSON. Returns 0
 * or -errno (the trace is read again for its header). */
int info_print(const char *path, const struct trace_stats *st, int json, FILE *out);

#endif
