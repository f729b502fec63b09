/* glibc_readers.c - what each way of reading glibc's malloc statistics
 * costs, for choosing the probe's glibc reader (scripts/overhead.py).
 *
 *   glibc_readers THREADS OPS MODE INTERVAL_MS
 *     MODE: none | mallinfo2 | malloc_info
 *
 * THREADS threads each churn a ring of 16384 blocks OPS times (sizes as the
 * stamps preset: 70% 16-256 B, 25% 256 B-4 KiB, 5% 4-64 KiB, every byte
 * written), while a reader thread calls MODE every INTERVAL_MS, as the
 * probe would. Then, with every block still live and the threads parked,
 * each candidate is timed 20 times on the quiet heap. Prints one line:
 *   threads T mode M wall S cpu S reads N read_cpu_us U read_wall_us U
 *   quiet_mallinfo2_us U quiet_malloc_info_us U arenas A free_chunks F
 * read_cpu_us is the reader thread's CPU time per call (what it takes from
 * the workload), read_wall_us its wall time (also waiting for arena locks
 * whose holders wait for a CPU).
 */
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RING 16384

static int mode; /* 0 none, 1 mallinfo2, 2 malloc_info */
static long ops;
static int interval_ms;
static _Atomic int done;
static pthread_barrier_t parked, release;
static FILE *sink;
static char sink_buf[4096];
static long reads;
static double read_cpu, read_wall;

static double clock_s(clockid_t c)
{
	struct timespec t;
	clock_gettime(c, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Counts `<heap nr=` and the document's free chunk total as they pass. */
static long heaps, chunks;
static ssize_t scan(void *cookie, const char *buf, size_t n)
{
	(void)cookie;
	const char *p = buf, *end = buf + n;
	while ((p = memchr(p, '<', (size_t)(end - p)))) {
		if ((size_t)(end - p) > 9 && !strncmp(p, "<heap nr=", 9))
			heaps++;
		if ((size_t)(end - p) > 27 && !strncmp(p, "<total type=\"rest\" count=\"", 26))
			chunks = atol(p + 26);
		p++;
	}
	return (ssize_t)n;
}

static void call(int m)
{
	if (m == 1) {
		struct mallinfo2 mi = mallinfo2();
		(void)mi;
	} else if (m == 2) {
		malloc_info(0, sink);
		fflush(sink);
	}
}

static void *worker(void *arg)
{
	uint64_t s = (uintptr_t)arg * 0x9e3779b97f4a7c15ULL + 1;
	void **ring = calloc(RING, sizeof(*ring));
	for (long i = 0; i < ops; i++) {
		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		unsigned x = (unsigned)(s % 100);
		size_t size = x < 70 ? 16 + s % 241 : x < 95 ? 256 + s % 3841 : 4096 + s % 61441;
		long k = i % RING;
		free(ring[k]);
		ring[k] = malloc(size);
		memset(ring[k], 1, size);
	}
	pthread_barrier_wait(&parked); /* the quiet measurement runs now */
	pthread_barrier_wait(&release);
	for (int k = 0; k < RING; k++)
		free(ring[k]);
	free(ring);
	return NULL;
}

static void *reader(void *arg)
{
	(void)arg;
	while (!done) {
		double w = clock_s(CLOCK_MONOTONIC), c = clock_s(CLOCK_THREAD_CPUTIME_ID);
		if (mode) {
			call(mode);
			read_cpu += clock_s(CLOCK_THREAD_CPUTIME_ID) - c;
			read_wall += clock_s(CLOCK_MONOTONIC) - w;
			reads++;
		}
		double left = interval_ms * 1e-3 - (clock_s(CLOCK_MONOTONIC) - w);
		if (left > 0)
			usleep((useconds_t)(left * 1e6));
	}
	return NULL;
}

static double quiet(int m)
{
	double c = clock_s(CLOCK_THREAD_CPUTIME_ID);
	for (int i = 0; i < 20; i++)
		call(m);
	return (clock_s(CLOCK_THREAD_CPUTIME_ID) - c) / 20 * 1e6;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: glibc_readers THREADS OPS none|mallinfo2|malloc_info "
		                "INTERVAL_MS\n");
		return 2;
	}
	int n = atoi(argv[1]);
	ops = atol(argv[2]);
	mode = !strcmp(argv[3], "mallinfo2") ? 1 : !strcmp(argv[3], "malloc_info") ? 2 : 0;
	interval_ms = atoi(argv[4]);
	if (n < 1 || n > 256 || ops < 1 || interval_ms < 1)
		return 2;
	sink = fopencookie(NULL, "w", (cookie_io_functions_t){.write = scan});
	setvbuf(sink, sink_buf, _IOFBF, sizeof(sink_buf));
	pthread_barrier_init(&parked, NULL, (unsigned)n + 1);
	pthread_barrier_init(&release, NULL, (unsigned)n + 1);
	pthread_t *t = calloc((size_t)n, sizeof(*t)), r;
	pthread_create(&r, NULL, reader, NULL);
	double w0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	for (int i = 0; i < n; i++)
		pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)(i + 1));
	pthread_barrier_wait(&parked);
	double wall = clock_s(CLOCK_MONOTONIC) - w0, cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
	done = 1;
	pthread_join(r, NULL);
	double q1 = quiet(1), q2 = quiet(2);
	heaps = 0;
	call(2);
	pthread_barrier_wait(&release);
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	printf("threads %d mode %s wall %.3f cpu %.3f reads %ld read_cpu_us %.0f read_wall_us %.0f "
	       "quiet_mallinfo2_us %.0f quiet_malloc_info_us %.0f arenas %ld free_chunks %ld\n",
	       n, argv[3], wall, cpu, reads, reads ? read_cpu / (double)reads * 1e6 : 0,
	       reads ? read_wall / (double)reads * 1e6 : 0, q1, q2, heaps, chunks);
	free(t);
	return 0;
}
