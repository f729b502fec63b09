/* abort_alloc.c - an "allocator" that aborts as soon as it is loaded, for
 * the fault tests: its cells must fail with that reason while the others
 * go on. */
#include <stdlib.h>

__attribute__((constructor)) static void give_up(void) { abort(); }

/* A malloc of its own, so it looks like an allocator to the loader. */
void *malloc(size_t n)
{
	(void)n;
	abort();
}
