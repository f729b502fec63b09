/* unforked.c - see unforked.h. */
#include "bench/run/unforked.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define FIRST_CAP ((size_t)1 << 20)

int unforked_reserve(struct unforked *b, size_t bytes)
{
	if (bytes <= b->cap)
		return 0;
	size_t page = (size_t)sysconf(_SC_PAGESIZE), cap = b->cap ? b->cap : FIRST_CAP;
	while (cap < bytes) {
		if (cap > SIZE_MAX / 2)
			return -ENOMEM;
		cap *= 2;
	}
	cap = (cap + page - 1) / page * page;
	void *p = b->p
	              ? mremap(b->p, b->cap, cap, MREMAP_MAYMOVE)
	              : mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -ENOMEM;
	/* Again after a move: the whole mapping, however it was made. */
	madvise(p, cap, MADV_DONTFORK);
	b->p = p;
	b->cap = cap;
	return 0;
}

long unforked_append(struct unforked *b, const void *data, size_t n)
{
	if (b->len > SIZE_MAX - n || unforked_reserve(b, b->len + n) < 0)
		return -1;
	memcpy((char *)b->p + b->len, data, n);
	b->len += n;
	return (long)(b->len - n);
}

void unforked_free(struct unforked *b)
{
	if (b->p)
		munmap(b->p, b->cap);
	memset(b, 0, sizeof(*b));
}
