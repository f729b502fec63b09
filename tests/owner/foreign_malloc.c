/* foreign_malloc.c - a library that exports malloc only at a version of
 * its own (malloc@@FOREIGN_1.0, see foreign_version.map): a program built
 * against glibc asks for malloc@GLIBC_2.2.5 and the linker passes this
 * definition over, so the owner check must too. Calling it would abort. */
#include <stdlib.h>

void *malloc(size_t n)
{
	(void)n;
	abort();
}
