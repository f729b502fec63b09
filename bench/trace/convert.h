/* convert.h - a recorder spool turned into a .wtrace: threads merged into
 * one order, frees matched to their allocations, blocks named by slots,
 * frames compressed (see convert.c for how).
 */
#ifndef WIMM_CONVERT_H
#define WIMM_CONVERT_H

#include <stddef.h>
#include <stdint.h>

struct convert_result {
	uint64_t events, allocs, frees, threads;
	uint64_t unmatched; /* frees of blocks never seen allocated: dropped */
	uint64_t lost;      /* blocks whose free was never recorded, found when
	                       their address came back: freed at that point */
	uint64_t failed;    /* allocations that returned NULL: dropped */
	uint64_t peak_live, bytes;
	int complete;
	char incomplete[512]; /* why not, when not */
};

/* Extra header fields the driver knows: NULL-terminated key, value pairs. */
int convert_spool(const char *spool, const char *out, const char *const *fields,
                  struct convert_result *res, char *err, size_t errlen);

#endif
