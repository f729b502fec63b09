/* owner_target.c - a program for the malloc owner tests, built several ways
 * (non-PIE with lazy and immediate binding, PIE, with a malloc of its own):
 * it takes malloc's address, as Debian's python3 does, which makes the
 * non-PIE build's PLT stub the canonical address of malloc, allocates
 * through that pointer and directly, and prints which object the owner
 * check says serves malloc (identify_allocator), then exits 0.
 *
 *   owner_target          print the owner
 *   owner_target hold MS  also hold 8 MiB for MS milliseconds (wimm exec) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/identify.h"

/* Taken by address: the linker must give malloc one canonical address. */
void *(*volatile malloc_ptr)(size_t) = malloc;

int main(int argc, char **argv)
{
	struct alloc_identity id;
	enum { BLOCKS = 2048, BLOCK = 4096 };
	static char *blocks[BLOCKS];
	for (int i = 0; i < BLOCKS; i++) {
		blocks[i] = i % 2 ? malloc_ptr(BLOCK) : malloc(BLOCK);
		if (!blocks[i])
			return 3;
		memset(blocks[i], i & 0xff, BLOCK);
	}
	if (argc > 2 && !strcmp(argv[1], "hold"))
		usleep((useconds_t)atoi(argv[2]) * 1000);
	for (int i = 0; i < BLOCKS; i++)
		free(blocks[i]);
	if (identify_allocator(&id))
		return 2;
	printf("%s\t%s\n", id.owner, id.family);
	return 0;
}
