/* identify.h - which allocator really serves malloc in this process. */
#ifndef WIMM_IDENTIFY_H
#define WIMM_IDENTIFY_H

#include <stddef.h>

struct alloc_identity {
	char owner[512];  /* file of the library that defines the malloc we call */
	char family[16];  /* glibc, jemalloc, tcmalloc, mimalloc or unknown */
	char version[64]; /* as the allocator reports it, "" if it cannot say */
};

/* Fills id by dladdr() on malloc, never by what was asked for. Calls the
 * allocator's own version API only when that symbol lives in the same
 * library as malloc (a preloaded allocator leaves glibc's copies visible).
 * Returns 0 or -ENOENT when malloc's owner cannot be found. */
int identify_allocator(struct alloc_identity *id);

#endif
