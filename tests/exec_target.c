/* exec_target.c - a small real program for `wimm exec` tests: holds
 * 32 MiB in 4 KiB blocks for 300 ms, frees them, prints a line on stdout
 * and one on stderr, and exits with the status given as argv[1] (default 0). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BLOCKS 8192
#define BLOCK 4096

int main(int argc, char **argv)
{
	static char *blocks[BLOCKS];
	for (int i = 0; i < BLOCKS; i++) {
		blocks[i] = malloc(BLOCK);
		if (!blocks[i])
			return 3;
		memset(blocks[i], i & 0xff, BLOCK);
	}
	usleep(300000);
	long sum = 0;
	for (int i = 0; i < BLOCKS; i++) {
		sum += blocks[i][i % BLOCK];
		free(blocks[i]);
	}
	printf("exec_target: checksum %ld\n", sum);
	fprintf(stderr, "exec_target: done\n");
	return argc > 1 ? atoi(argv[1]) : 0;
}
