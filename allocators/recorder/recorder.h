/* recorder.h - internals of libwimm-recorder.so shared by its two files:
 * recorder.c (the interposed functions and the hot path) and recorder_io.c
 * (start-up, the clock, the spool file, flushing, exit, exec and fork).
 */
#ifndef WIMM_RECORDER_H
#define WIMM_RECORDER_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <time.h>

#include "common/trace_format.h"
#include "common/trace_spool.h"

#define REC_BUF (64u << 10)    /* per-thread buffer: small enough to stay in cache */
#define REC_EARLY (256u << 10) /* the start-up arena for dlsym */
#define REC_SLACK 128          /* room for the largest event (and a TIME) at the end */
#define REC_MAX_THREADS 65536
#define REC_SAMPLE 16 /* the clock is read every REC_SAMPLE events */

/* One recorded thread. Only its own thread encodes into buf; the flush
 * lock lets the exit path write out what other threads have buffered. */
struct rthread {
	uint8_t *pos;       /* next free byte; published with release stores */
	uint8_t *limit;     /* buf + REC_BUF - REC_SLACK */
	uintptr_t last;     /* previous address, for deltas */
	uint64_t clock;     /* ticks at the thread's last TIME event */
	uint32_t countdown; /* events until the clock is read again */
	int busy;           /* inside the recorder: nested calls pass through */
	uint32_t tid;
	uint32_t parent; /* tid + 1 of the pthread_create caller, 0 none */
	int dtor_rounds;
	_Atomic int flush_lock;
	uint8_t *flushed; /* buf .. pos already written out */
	void *(*start)(void *);
	void *arg;
	uint8_t buf[];
};

extern struct rthread rec_passive; /* busy forever: calls pass through */

/* Real functions of the next library (the allocator), filled at start. */
extern void *(*rec_malloc)(size_t);
extern void *(*rec_calloc)(size_t, size_t);
extern void *(*rec_realloc)(void *, size_t);
extern void (*rec_free)(void *);
extern void *(*rec_memalign)(size_t, size_t);
extern int (*rec_posix_memalign)(void **, size_t, size_t);
extern void *(*rec_aligned_alloc)(size_t, size_t);
extern void *(*rec_valloc)(size_t);
extern void *(*rec_pvalloc)(size_t);

/* The calling thread's record, or &rec_passive (not recording, nested,
 * not yet started). Slow path of every interposed call. */
struct rthread *rec_thread_slow(void);

/* A new thread's record, made by the pthread_create wrapper in the parent
 * so the parent can record SPAWN before the child runs. NULL when not
 * recording or out of threads. */
struct rthread *rec_thread_new(uint32_t parent_tid_plus1);

/* Makes t the calling thread's record (in the child of pthread_create)
 * and records its START. */
void rec_thread_adopt(struct rthread *t);

/* Drops a record whose thread was never created. */
void rec_thread_abandon(struct rthread *t);

/* dlsym(RTLD_NEXT, name), with dlsym's own allocations served early. */
void *rec_dlsym_next(const char *name);

extern __thread struct rthread *rec_tls __attribute__((tls_model("initial-exec")));

/* Writes out t's buffer (its owner calls this when full). */
void rec_flush(struct rthread *t);

/* Static memory for dlsym's own allocations during start-up: calls that
 * arrive before the real functions are known. Never freed. */
void *rec_early_alloc(size_t n);
extern char rec_early[REC_EARLY];

/* Hot-path helpers shared by recorder.c and recorder_wait.c. */
#define LIKELY(x) __builtin_expect(!!(x), 1)

/* The calling thread's record, or NULL when the call must pass through
 * (not recording, nested, this thread's first call while starting). */
static inline struct rthread *self(void)
{
	struct rthread *t = rec_tls;
	if (__builtin_expect(!t, 0))
		t = rec_thread_slow();
	return LIKELY(!t->busy) ? t : NULL;
}

static inline uint64_t ticks(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec) >> SPOOL_TICK_SHIFT;
}

/* Reads the clock and writes a TIME event if it moved. */
static inline uint8_t *sample(struct rthread *t, uint8_t *w)
{
	uint64_t now = ticks();
	if (now != t->clock) {
		w = spool_put(w, (now - t->clock) << 4 | SPOOL_TIME);
		t->clock = now;
	}
	return w;
}

/* Closes an event: publishes it (the exit path may write it out from
 * another thread) and flushes a full buffer. */
static inline void end(struct rthread *t, uint8_t *w)
{
	__atomic_store_n(&t->pos, w, __ATOMIC_RELEASE);
	if (w >= t->limit)
		rec_flush(t);
	t->busy = 0;
}

#endif
