/* recorder.c - libwimm-recorder.so: every malloc-family call of a program,
 * recorded into a spool (common/trace_spool.h) by `wimm record`.
 *
 * Preloaded first, before the allocator being recorded under, so its
 * functions are the ones the program (and libc's own callers) bind to;
 * each calls the next library's function, found with dlsym(RTLD_NEXT).
 *
 * The hot path takes no lock, calls no malloc and makes no syscall: the
 * thread's record is one initial-exec TLS pointer; the event is encoded
 * into the thread's own 64 KiB buffer (mmapped, reused, so it stays in the
 * CPU's cache), and only a full buffer is written out, with one write(2).
 * (Chunks of the spool file mapped shared were tried, so a SIGKILL would
 * lose nothing: the page faults on fresh file pages made recording 5x
 * slower than the bare program on the benchmark; a killed program loses
 * at most each thread's last 64 KiB.) Time: because reading a clock per event
 * costs more than the rest of the recording (CLOCK_MONOTONIC_COARSE made
 * recording 2.4x slower in a prototype), each thread reads the clock every REC_SAMPLE events and
 * writes a TIME event when it moved. A free samples before the real free and an allocation after
 * the real allocation, a realloc both before and after: so every event lies between two samples of
 * its thread, and a block freed by one thread and handed out again to another is never put in the
 * wrong order by the offline merge (bench/trace/convert.c). (A global tick bumped by a timer thread
 * was tried first: on a loaded machine the timer thread waits for a CPU for milliseconds, and ticks
 * that long leave thousands of frees ambiguous.)
 *
 * `busy` is set while a thread is inside the recorder: a call that arrives
 * then (the allocator calling malloc itself, a signal handler, the
 * recorder's own start-up) goes straight to the allocator, unrecorded.
 */
#include "allocators/recorder/recorder.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "common/trace_format.h"

#define EXPORT __attribute__((visibility("default")))

__thread struct rthread *rec_tls;

static inline uint8_t *maybe_sample(struct rthread *t, uint8_t *w)
{
	if (__builtin_expect(--t->countdown == 0, 0)) {
		t->countdown = REC_SAMPLE;
		w = sample(t, w);
	}
	return w;
}

/* Opens an event: sets busy, samples the clock now and then. */
static inline uint8_t *begin(struct rthread *t)
{
	t->busy = 1;
	return maybe_sample(t, t->pos);
}

/* zigzag(p - the thread's previous address), and p becomes the previous. */
static inline uint64_t delta(struct rthread *t, const void *p)
{
	uintptr_t a = (uintptr_t)p;
	uint64_t z = trace_zigzag((int64_t)(a - t->last));
	t->last = a;
	return z;
}

static inline uint64_t clamp(size_t n) { return n < SPOOL_SIZE_MAX ? n : SPOOL_SIZE_MAX; }

static void record_alloc(struct rthread *t, int call, size_t size, size_t align, void *p)
{
	uint8_t *w = maybe_sample(t, t->pos);
	w = spool_put(w, (clamp(size) << 3 | (uint64_t)call) << 4 | SPOOL_ALLOC);
	if (trace_call_aligned(call))
		w = spool_put(w, align);
	w = spool_put(w, delta(t, p));
	end(t, w);
}

EXPORT void *malloc(size_t n)
{
	struct rthread *t = self();
	if (!t)
		return rec_malloc ? rec_malloc(n) : rec_early_alloc(n);
	t->busy = 1;
	void *p = rec_malloc(n);
	/* Inlined record_alloc: this is the call that dominates. */
	uint8_t *w = maybe_sample(t, t->pos);
	w = spool_put(w, clamp(n) << 7 | SPOOL_ALLOC);
	w = spool_put(w, delta(t, p));
	end(t, w);
	return p;
}

EXPORT void free(void *p)
{
	if (!p || ((uintptr_t)p - (uintptr_t)rec_early < sizeof(rec_early)))
		return; /* NULL, or dlsym's memory from the start-up arena */
	struct rthread *t = self();
	if (!t) {
		rec_free(p);
		return;
	}
	uint8_t *w = begin(t);
	w = spool_put(w, delta(t, p) << 5 | SPOOL_FREE);
	rec_free(p);
	end(t, w);
}

EXPORT void *calloc(size_t n, size_t size)
{
	struct rthread *t = self();
	if (!t)
		return rec_calloc ? rec_calloc(n, size) : rec_early_alloc(n * size);
	t->busy = 1;
	void *p = rec_calloc(n, size);
	size_t total;
	if (__builtin_mul_overflow(n, size, &total))
		total = SIZE_MAX;
	record_alloc(t, TRACE_CALL_CALLOC, total, 0, p);
	return p;
}

EXPORT void *realloc(void *p, size_t n)
{
	if (p && (uintptr_t)p - (uintptr_t)rec_early < sizeof(rec_early)) {
		/* dlsym's memory: move it to the real allocator, unrecorded. */
		void *q = rec_malloc(n);
		if (q)
			memcpy(q, p, n < 64 ? n : 64);
		return q;
	}
	struct rthread *t = self();
	if (!t)
		return rec_realloc(p, n);
	if (!p) {
		t->busy = 1;
		void *q = rec_realloc(NULL, n);
		record_alloc(t, TRACE_CALL_REALLOC, n, 0, q);
		return q;
	}
	t->busy = 1;
	uint8_t *w = sample(t, t->pos);
	uintptr_t old = (uintptr_t)p;
	void *q = rec_realloc(p, n);
	if (n == 0 && !q) {
		/* glibc's realloc(p, 0) frees p. */
		w = spool_put(w, (delta(t, p) << 1 | 1) << 4 | SPOOL_FREE);
	} else {
		w = spool_put(w, delta(t, p) << 4 | SPOOL_REALLOC);
		w = spool_put(w, clamp(n));
		w = spool_put(w, q ? trace_zigzag((int64_t)((uintptr_t)q - old)) + 1 : 0);
		if (q)
			t->last = (uintptr_t)q;
		/* Ticks the call took: its free half happened after the sample
		 * before it, its allocation half before the one after. */
		uint64_t now = ticks();
		w = spool_put(w, now - t->clock);
		t->clock = now;
	}
	end(t, w);
	return q;
}

/* glibc's own reallocarray may call its realloc internally, past ours. */
EXPORT void *reallocarray(void *p, size_t n, size_t size)
{
	size_t total;
	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, total);
}

EXPORT void *memalign(size_t align, size_t n)
{
	struct rthread *t = self();
	if (!t)
		return rec_memalign(align, n);
	t->busy = 1;
	void *p = rec_memalign(align, n);
	record_alloc(t, TRACE_CALL_MEMALIGN, n, align, p);
	return p;
}

EXPORT void *aligned_alloc(size_t align, size_t n)
{
	struct rthread *t = self();
	if (!t)
		return rec_aligned_alloc(align, n);
	t->busy = 1;
	void *p = rec_aligned_alloc(align, n);
	record_alloc(t, TRACE_CALL_ALIGNED_ALLOC, n, align, p);
	return p;
}

EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
	struct rthread *t = self();
	if (!t)
		return rec_posix_memalign(out, align, n);
	t->busy = 1;
	int rc = rec_posix_memalign(out, align, n);
	/* On failure *out is untouched: record a failed allocation. */
	record_alloc(t, TRACE_CALL_POSIX_MEMALIGN, n, align, rc ? NULL : *out);
	return rc;
}

EXPORT void *valloc(size_t n)
{
	struct rthread *t = self();
	if (!t)
		return rec_valloc(n);
	t->busy = 1;
	void *p = rec_valloc(n);
	record_alloc(t, TRACE_CALL_VALLOC, n, 0, p);
	return p;
}

EXPORT void *pvalloc(size_t n)
{
	struct rthread *t = self();
	if (!t)
		return rec_pvalloc(n);
	t->busy = 1;
	void *p = rec_pvalloc(n);
	record_alloc(t, TRACE_CALL_PVALLOC, n, 0, p);
	return p;
}

/* Phase and step markers (common to whatever wimm preloads): a program
 * finds them with dlsym(RTLD_DEFAULT, "wimm_phase"). */
EXPORT void wimm_phase(const char *name)
{
	struct rthread *t = self();
	size_t n = name ? strnlen(name, TRACE_NAME_MAX - 1) : 0;
	if (!t || n == 0)
		return;
	uint8_t *w = begin(t);
	w = spool_put(w, (uint64_t)n << 4 | SPOOL_PHASE);
	memcpy(w, name, n);
	end(t, w + n);
}

EXPORT void wimm_step(void)
{
	struct rthread *t = self();
	if (!t)
		return;
	uint8_t *w = begin(t);
	*w++ = SPOOL_STEP << 1; /* a one-byte prefix varint */
	end(t, w);
}

/* Threads: the parent records SPAWN before the child exists, and the
 * child starts with START naming its parent, so the replay starts each
 * thread from the thread that started it, at that point. */
static int (*real_create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

static void *trampoline(void *arg)
{
	struct rthread *t = arg;
	rec_thread_adopt(t);
	return t->start(t->arg);
}

EXPORT int pthread_create(pthread_t *th, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
	struct rthread *t = self();
	if (!real_create) {
		/* dlsym before any thread exists: no race on the pointer. */
		int (*f)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
		*(void **)&f = rec_dlsym_next("pthread_create");
		real_create = f;
		if (!real_create)
			return EAGAIN;
	}
	struct rthread *child = t ? rec_thread_new(t->tid + 1) : NULL;
	if (!child)
		return real_create(th, attr, fn, arg);
	child->start = fn;
	child->arg = arg;
	uint8_t *w = begin(t);
	w = spool_put(w, (uint64_t)child->tid << 4 | SPOOL_SPAWN);
	end(t, w);
	int rc = real_create(th, attr, trampoline, child);
	if (rc)
		rec_thread_abandon(child);
	return rc;
}
