/* progcheck.h - whether `wimm record` can record a program at all. */
#ifndef WIMM_PROGCHECK_H
#define WIMM_PROGCHECK_H

#include <stddef.h>

/* Returns 0 when a preloaded library can see path's allocations, or
 * -errno with the reason in why (static executable, set-user-ID, not an
 * executable). */
int progcheck(const char *path, char *why, size_t len);

#endif
