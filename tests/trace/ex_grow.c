/* ex_grow.c - an example program to record: git-cinnabar's growing
 * manifest buffers in small. Each iteration allocates a buffer whose size
 * grows geometrically from 100 KiB to MAX_MIB with +-25% jitter (so sizes
 * go up and down), fills it while the previous one is still alive, frees
 * the previous one; and keeps 100 small blocks and makes 20 temporaries.
 *
 *   ex_grow [ITERATIONS [MAX_MIB]]   (default 300 16)
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "include/wimm.h"

int main(int argc, char **argv)
{
	int iters = argc > 1 ? atoi(argv[1]) : 300;
	double max = (argc > 2 ? atof(argv[2]) : 16.0) * 1048576.0, min = 100.0 * 1024;
	if (iters < 2 || max < min) {
		fprintf(stderr, "usage: ex_grow [ITERATIONS [MAX_MIB]]\n");
		return 2;
	}
	void **keep = malloc((size_t)iters * 100 * sizeof(void *));
	char *prev = NULL;
	uint64_t seed = 7;
	wimm_phase("grow");
	for (int it = 0; it < iters; it++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		double jitter = 1.0 + 0.5 * ((double)(seed >> 11) / 9007199254740992.0 - 0.5);
		size_t size = (size_t)(min * pow(max / min, (double)it / (iters - 1)) * jitter);
		char *buf = malloc(size);
		if (prev)
			memcpy(buf, prev, size / 2);
		memset(buf + size / 2, 2, size - size / 2);
		free(prev);
		prev = buf;
		for (int k = 0; k < 100; k++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			keep[it * 100 + k] = malloc(16 + (seed >> 56));
			memset(keep[it * 100 + k], 3, 16);
		}
		for (int k = 0; k < 20; k++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			size_t n = 32 + (seed >> 50) % 16352;
			char *t = malloc(n);
			memset(t, 4, n);
			free(t);
		}
		wimm_step();
	}
	wimm_phase("free");
	free(prev);
	for (int i = 0; i < iters * 100; i++)
		free(keep[i]);
	free(keep);
	return 0;
}
