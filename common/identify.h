/* identify.h - which allocator really serves malloc in this process.
 *
 * Decided the way the dynamic linker binds a reference to malloc: the first
 * loaded object, in search order (executable, preloads, needed libraries),
 * whose own dynamic symbol table defines malloc at a version the program's
 * reference (libc's default malloc version) binds to. Not by the address of
 * the symbol: a non-PIE executable that takes &malloc (Debian's python3)
 * makes its PLT stub the canonical address, and dladdr would name the
 * executable while the preloaded allocator serves every call.
 */
#ifndef WIMM_IDENTIFY_H
#define WIMM_IDENTIFY_H

#include <stddef.h>

struct alloc_identity {
	char owner[512];  /* file of the object that defines the malloc we call */
	char family[16];  /* glibc, jemalloc, tcmalloc, mimalloc or unknown */
	char version[64]; /* as the allocator reports it, "" if it cannot say */
};

/* Fills id. Calls the allocator's own version API only when the object that
 * serves malloc defines it too (a preloaded allocator leaves glibc's copies
 * visible). Calls no malloc itself. Returns 0, or -ENOENT when no loaded
 * object defines malloc (a static executable). */
int identify_allocator(struct alloc_identity *id);

/* The address of NAME as defined by the object that serves malloc, or NULL
 * when that object does not define it (or defines it as an IFUNC, whose
 * address is not the function's). For the probe's readers: glibc's
 * mallinfo2 stays visible under a preloaded allocator and answers zeros. */
void *identify_owner_symbol(const char *name);

/* The file name of the object that defines NAME first in search order, into
 * buf (the executable's own path for the executable); 0 or -ENOENT. For
 * tests and diagnostics. */
int identify_definer(const char *name, char *buf, size_t len);

#endif
