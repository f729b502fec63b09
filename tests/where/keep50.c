/* keep50.c - a program for `wimm exec` (tests/where_exec.py): four threads
 * each keep 1 MiB buffers, 50 MiB in all, written through, then free every
 * one, and do that for ROUNDS rounds. In the first round a 64-byte block
 * allocated after each buffer, kept until exit, stands for the long-lived
 * small objects real programs interleave: it sits between the buffers, so
 * glibc can neither merge the freed buffers into its arenas' tops nor
 * shrink them, and keeps the 50 MiB resident to the end. (The 1 MiB block
 * main frees first raises glibc's dynamic mmap threshold above 1 MiB, as
 * any program's first large free does, so the buffers come from the
 * arenas, not from mmap.) With a fixed mmap threshold every buffer is
 * mapped and unmapped instead: nothing is held at the end, at the cost of a
 * page fault per page per round.
 *
 * Then it idles for half a second, as a server does between requests: the
 * memory it holds then is what a user sees in top.
 *
 * usage: keep50 [ROUNDS]   (default 10)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define THREADS 4
#define BUFFERS 50 /* of 1 MiB, over the four threads */
#define MIB (1024 * 1024)

static int rounds = 10;

static void *work(void *arg)
{
	int id = (int)(long)arg, n = BUFFERS / THREADS + (id < BUFFERS % THREADS);
	char *buf[BUFFERS];
	void *pins[BUFFERS];
	for (int r = 0; r < rounds; r++) {
		for (int i = 0; i < n; i++) {
			if (!(buf[i] = malloc(MIB)))
				abort();
			memset(buf[i], r + i, MIB);
			if (r == 0 && !(pins[i] = malloc(64)))
				abort();
		}
		for (int i = 0; i < n; i++)
			free(buf[i]);
	}
	/* The small blocks live as long as the program, as a real program's
	 * long-lived objects do. */
	return pins[0];
}

int main(int argc, char **argv)
{
	pthread_t t[THREADS];
	if (argc > 1)
		rounds = atoi(argv[1]);
	void *volatile first = malloc(MIB); /* volatile: the pair is not elided */
	free(first);
	for (long i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, work, (void *)i))
			return 1;
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	nanosleep(&(struct timespec){.tv_nsec = 500000000}, NULL);
	printf("done: %d rounds of %d MiB in %d threads\n", rounds, BUFFERS, THREADS);
	return 0;
}
