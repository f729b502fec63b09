/* pairs.c - the recording benchmark's program: THREADS threads (4), each
 * making PAIRS (5 M) malloc/free pairs of small blocks (16-256 B) through a
 * window of 64 live blocks, so the frees are not of the block just made.
 * Nothing else: the recorder's cost is as large a share as it can be.
 *
 *   pairs [THREADS [PAIRS]]
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static long pairs = 5000000;

static void *run(void *arg)
{
	uint64_t s = 0x9e3779b97f4a7c15ull * ((uint64_t)(uintptr_t)arg + 1);
	void *win[64] = {0};
	for (long i = 0; i < pairs; i++) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		unsigned k = (unsigned)(i & 63);
		free(win[k]);
		win[k] = malloc(16 + (s & 0xf0));
		*(volatile char *)win[k] = 1;
	}
	for (int k = 0; k < 64; k++)
		free(win[k]);
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 4;
	if (argc > 2)
		pairs = atol(argv[2]);
	if (n < 1 || n > 64 || pairs < 1) {
		fprintf(stderr, "usage: pairs [THREADS [PAIRS]]\n");
		return 2;
	}
	pthread_t th[64];
	for (int i = 0; i < n; i++)
		pthread_create(&th[i], NULL, run, (void *)(uintptr_t)i);
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	return 0;
}
