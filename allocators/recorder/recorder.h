/* recorder.h - internals of libwimm-recorder.so shared by its two files:
 * recorder.c (the interposed functions and the hot path) and recorder_io.c
 * (start-up, the spool file and its chunks, exit, exec and fork).
 */
#ifndef WIMM_RECORDER_H
#define WIMM_RECORDER_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "common/trace_spool.h"

#define REC_SLACK 64         /* room for the largest event at the end of a chunk */
#define REC_MAX_THREADS 65536
#define REC_SAMPLE 32 /* the clock is read every REC_SAMPLE events */

/* One recorded thread. Only its own thread encodes, into a chunk of the
 * spool file mapped shared (common/trace_spool.h), and it stores the
 * chunk's length after every event: what is in the file survives however
 * the process ends. */
struct rthread {
	uint8_t *pos;   /* next free byte */
	uint8_t *limit; /* the chunk's end - REC_SLACK */
	uint8_t *buf;   /* the chunk's data; NULL: no chunk yet */
	_Atomic uint32_t *len; /* the chunk header's length field */
	uintptr_t last;     /* previous address, for deltas */
	uint64_t clock;     /* ticks at the thread's last TIME event */
	uint32_t countdown; /* events until the clock is read again */
	int busy;           /* inside the recorder: nested calls pass through */
	uint32_t tid;
	uint32_t parent; /* tid + 1 of the pthread_create caller, 0 none */
	int dtor_rounds;
	void *(*start)(void *);
	void *arg;
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

/* Gives t a new chunk of the spool (its owner calls this when the current
 * one is full, or at its first event). NULL buf when the spool is full. */
void rec_next_chunk(struct rthread *t);

/* Static memory for dlsym's own allocations during start-up: calls that
 * arrive before the real functions are known. Never freed. */
void *rec_early_alloc(size_t n);
int rec_is_early(const void *p);

#endif
