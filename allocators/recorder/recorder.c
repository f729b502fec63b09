/* recorder.c - libwimm-recorder.so: every malloc-family call of a program,
 * recorded into a spool (common/trace_spool.h) by `wimm record`.
 *
 * Preloaded first, before the allocator being recorded under, so its
 * functions are the ones the program (and libc's own callers) bind to;
 * each calls the next library's function, found with dlsym(RTLD_NEXT).
 *
 * The hot path takes no lock, calls no malloc and makes no syscall: the
 * thread's record is one initial-exec TLS pointer; the event is encoded
 * into the thread's own 1 MiB chunk of the spool file, mapped shared, and
 * its length stored in the chunk's header, so a program killed with
 * SIGKILL still leaves every event it made in the page cache; only a full
 * chunk costs system calls (unmap it, map the next). Time: because reading a clock per event
 * costs more than the rest of the recording (CLOCK_MONOTONIC_COARSE made
 * recording 2.4x slower in a prototype), each thread reads the clock every REC_SAMPLE events and writes
 * a TIME event when it moved. A free samples before the real free and an
 * allocation after the real allocation, a realloc both before and after:
 * so every event lies between two samples of its thread, and a block freed
 * by one thread and handed out again to another is never put in the wrong
 * order by the offline merge (bench/trace/convert.c). (A global tick
 * bumped by a timer thread was tried first: on a loaded machine the timer
 * thread waits for a CPU for milliseconds, and ticks that long leave
 * thousands of frees ambiguous.)
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
#define LIKELY(x) __builtin_expect(!!(x), 1)

__thread struct rthread *rec_tls;

static inline struct rthread *self(void)
{
	struct rthread *t = rec_tls;
	if (LIKELY(t && !t->busy))
		return t;
	t = rec_thread_slow();
	return t->busy ? NULL : t;
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
		*w++ = SPOOL_TIME;
		w = trace_put_varint(w, now - t->clock);
		t->clock = now;
	}
	return w;
}

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

static inline uint8_t *put_addr(struct rthread *t, uint8_t *w, const void *p)
{
	uintptr_t a = (uintptr_t)p;
	w = trace_put_varint(w, trace_zigzag((int64_t)(a - t->last)));
	t->last = a;
	return w;
}

/* Closes an event: its bytes count once the chunk's length says so. */
static inline void end(struct rthread *t, uint8_t *w)
{
	t->pos = w;
	atomic_store_explicit(t->len, (uint32_t)(w - t->buf), memory_order_relaxed);
	if (w >= t->limit)
		rec_next_chunk(t);
	t->busy = 0;
}

static void record_alloc(struct rthread *t, int call, size_t size, size_t align, void *p)
{
	uint8_t *w = maybe_sample(t, t->pos);
	*w++ = (uint8_t)(SPOOL_ALLOC | call << 5);
	w = trace_put_varint(w, size);
	if (trace_call_aligned(call))
		w = trace_put_varint(w, align);
	w = put_addr(t, w, p);
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
	*w++ = SPOOL_ALLOC;
	w = trace_put_varint(w, n);
	w = put_addr(t, w, p);
	end(t, w);
	return p;
}

EXPORT void free(void *p)
{
	if (!p || rec_is_early(p))
		return;
	struct rthread *t = self();
	if (!t) {
		rec_free(p);
		return;
	}
	uint8_t *w = begin(t);
	*w++ = SPOOL_FREE;
	w = put_addr(t, w, p);
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
	if (rec_is_early(p)) {
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
		*w++ = SPOOL_FREE | TRACE_FLAG_SLOT;
		w = put_addr(t, w, p);
	} else {
		*w++ = SPOOL_REALLOC;
		w = put_addr(t, w, p);
		w = trace_put_varint(w, n);
		w = trace_put_varint(w, q ? trace_zigzag((int64_t)((uintptr_t)q - old)) + 1 : 0);
		if (q)
			t->last = (uintptr_t)q;
		/* Ticks the call took: its free half happened after the sample
		 * before it, its allocation half before the one after. */
		uint64_t now = ticks();
		w = trace_put_varint(w, now - t->clock);
		t->clock = now;
	}
	end(t, w);
	return q;
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
	*w++ = SPOOL_PHASE;
	w = trace_put_varint(w, n);
	memcpy(w, name, n);
	end(t, w + n);
}

EXPORT void wimm_step(void)
{
	struct rthread *t = self();
	if (!t)
		return;
	uint8_t *w = begin(t);
	*w++ = SPOOL_STEP;
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

EXPORT int pthread_create(pthread_t *th, const pthread_attr_t *attr, void *(*fn)(void *),
                          void *arg)
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
	*w++ = SPOOL_SPAWN;
	w = trace_put_varint(w, child->tid);
	end(t, w);
	int rc = real_create(th, attr, trampoline, child);
	if (rc)
		rec_thread_abandon(child);
	return rc;
}
