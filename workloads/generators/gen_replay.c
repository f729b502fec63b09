/* gen_replay.c - replays a .wtrace in the worker (see replay.h).
 *
 * Memory: everything the replay keeps for itself (thread records, slot
 * tables, the readers' buffers and decompressors) is mmapped, so the
 * allocator under test holds only the program's blocks; slot tables are
 * sized from the header (the most blocks each thread held at once), and
 * each thread streams the file through its own reader, decompressing only
 * the frames that hold its runs: a trace larger than memory streams.
 *
 * Waiting: a thread that must wait for another (a free of its block, a
 * slot it frees) spins briefly, then yields, then sleeps 50 us at a time:
 * on a 2-core machine with more replay threads than cores, spinning would
 * take the CPU from the thread being waited for. The trace was checked
 * first (trace_walk), and every wait is on an event earlier in the file's
 * order, so waits end; a thread that fails sets `stop`, and every wait
 * ends with it.
 *
 * Counting: each thread adds to a scoreboard slot of its own, taken when
 * it starts and given back when it ends (a slot's count goes on with the
 * next thread that takes it), so 64 threads may run at once however many
 * the program started over its life.
 */
#include "workloads/generators/replay.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "common/trace_read.h"
#include "common/trace_walk.h"

#define PAGE 4096

struct rslot {
	_Atomic(void *) ptr;
	uint64_t size;
};

struct rthread {
	_Alignas(64) _Atomic uint64_t allocs_done; /* others wait on it */
	struct rslot *slots;
	uint64_t nslots;
	struct replay *rp;
	uint32_t tid;
	pthread_t th;
	int started;
	uint64_t clock0; /* the clock of the thread that started it, then */
	uint64_t events, ops;
};

struct replay {
	const char *path;
	const struct replay_opts *o;
	const struct trace_header *h; /* of the checking reader, kept open */
	struct scoreboard *sb;
	struct rthread *t;
	_Atomic int stop;
	_Atomic uint64_t slot_used; /* scoreboard slots in use, a bit each */
	pthread_mutex_t lock;
	pthread_cond_t done_cond;
	int running;
	uint64_t start_ns;
};

static void *(*volatile touch_fn)(void *, int, size_t) = memset;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *map(size_t bytes)
{
	void *p = mmap(NULL, bytes ? bytes : 1, PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static int fail(struct replay *rp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct replay *rp, const char *fmt, ...)
{
	if (!atomic_exchange(&rp->stop, 1)) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(rp->sb->error, sizeof(rp->sb->error), fmt, ap);
		va_end(ap);
	}
	return -EIO;
}

/* Backs off while waiting: spin, then yield, then sleep 50 us at a time.
 * Returns -1 when the replay stops (a thread failed), else 0. */
static int pause_for(struct replay *rp, unsigned spin)
{
	if (atomic_load_explicit(&rp->stop, memory_order_relaxed))
		return -1;
	if (spin >= 256)
		nanosleep(&(struct timespec){0, 50000}, NULL);
	else if (spin >= 64)
		sched_yield();
	return 0;
}

/* Waits until *v >= want (acquire). 0, or -1 when the replay stops. */
static int wait_count(struct replay *rp, _Atomic uint64_t *v, uint64_t want)
{
	for (unsigned spin = 0; atomic_load_explicit(v, memory_order_acquire) < want; spin++)
		if (pause_for(rp, spin))
			return -1;
	return 0;
}

/* Waits until the slot is empty (acquire). 0, or -1 when the replay stops. */
static int wait_empty(struct replay *rp, struct rslot *s)
{
	for (unsigned spin = 0; atomic_load_explicit(&s->ptr, memory_order_acquire); spin++)
		if (pause_for(rp, spin))
			return -1;
	return 0;
}

static void touch(const struct replay *rp, char *p, uint64_t from, uint64_t size)
{
	if (size <= from)
		return;
	uint64_t n = size - from;
	if (rp->o->touch == REPLAY_TOUCH_NONE)
		return;
	if (rp->o->touch == REPLAY_TOUCH_FIRST_PAGE && n > PAGE)
		n = PAGE;
	touch_fn(p + from, 0x5a, n);
}

static void *call(int c, uint64_t size, uint64_t align)
{
	void *p = NULL;
	switch (c) {
	case TRACE_CALL_MALLOC:
		return malloc(size);
	case TRACE_CALL_CALLOC:
		return calloc(1, size);
	case TRACE_CALL_MEMALIGN:
		return memalign(align, size);
	case TRACE_CALL_POSIX_MEMALIGN:
		return posix_memalign(&p, align < sizeof(void *) ? sizeof(void *) : align, size)
		           ? NULL
		           : p;
	case TRACE_CALL_ALIGNED_ALLOC:
		return aligned_alloc(align, (size + align - 1) / align * align);
	case TRACE_CALL_VALLOC:
		return valloc(size);
	case TRACE_CALL_PVALLOC:
		return pvalloc(size);
	default:
		return realloc(NULL, size);
	}
}

static int take_sb_slot(struct replay *rp)
{
	for (;;) {
		uint64_t used = atomic_load(&rp->slot_used);
		if (used == UINT64_MAX)
			return -1;
		int i = __builtin_ctzll(~used);
		if (atomic_compare_exchange_weak(&rp->slot_used, &used, used | (1ull << i)))
			return i;
	}
}

static void give_sb_slot(struct replay *rp, int i)
{
	atomic_fetch_and(&rp->slot_used, ~(1ull << i));
}

static int spawn(struct replay *rp, uint32_t tid, uint64_t clock);

/* The block an event frees: own slot, or another thread's after waiting
 * for its allocation. */
static struct rslot *old_block(struct replay *rp, struct rthread *t, const struct trace_event *ev)
{
	if (ev->owner == t->tid)
		return &t->slots[ev->slot];
	struct rthread *o = &rp->t[ev->owner];
	if (wait_count(rp, &o->allocs_done, ev->seq))
		return NULL;
	return &o->slots[ev->slot];
}

static int new_block(struct replay *rp, struct rthread *t, const struct trace_event *ev, void *p,
                     uint64_t touched_from)
{
	struct rslot *s = &t->slots[ev->new_slot];
	if (!p)
		return fail(rp, "thread %u: %s of %llu bytes failed", t->tid,
		            ev->call == TRACE_CALL_REALLOC ? "realloc" : "an allocation",
		            (unsigned long long)ev->size);
	touch(rp, p, touched_from, ev->size);
	s->size = ev->size;
	atomic_store_explicit(&s->ptr, p, memory_order_relaxed);
	atomic_store_explicit(&t->allocs_done,
	                      atomic_load_explicit(&t->allocs_done, memory_order_relaxed) + 1,
	                      memory_order_release);
	return 0;
}

static void pace(struct replay *rp, uint64_t clock)
{
	uint64_t target = rp->start_ns + clock * rp->h->tick_ns;
	if (now_ns() < target) {
		struct timespec ts = {(time_t)(target / 1000000000ull),
		                      (long)(target % 1000000000ull)};
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	}
}

/* One event of thread t. Returns 0, 1 at EXIT, or -errno. */
static int step(struct replay *rp, struct rthread *t, struct sb_slot *sl,
                const struct trace_event *ev, uint64_t *clock)
{
	struct rslot *s;
	void *p;
	switch (ev->op) {
	case TRACE_OP_ALLOC:
		if (ev->named && wait_empty(rp, &t->slots[ev->new_slot]))
			return -EINTR;
		p = call(ev->call, ev->size, ev->align);
		scoreboard_add(sl, (int64_t)ev->size);
		t->ops++;
		return new_block(rp, t, ev, p, 0);
	case TRACE_OP_FREE:
	case TRACE_OP_FREE_FROM:
		if (!(s = old_block(rp, t, ev)))
			return -EINTR;
		/* realloc(p, 0) is replayed as free(p): allocators disagree on
		 * whether it frees, and the recording saw a free. */
		free(atomic_load_explicit(&s->ptr, memory_order_relaxed));
		scoreboard_add(sl, -(int64_t)s->size);
		atomic_store_explicit(&s->ptr, NULL, memory_order_release);
		t->ops++;
		return 0;
	case TRACE_OP_REALLOC:
	case TRACE_OP_REALLOC_FROM: {
		if (!(s = old_block(rp, t, ev)))
			return -EINTR;
		if (ev->named && wait_empty(rp, &t->slots[ev->new_slot]))
			return -EINTR;
		uint64_t old = s->size;
		p = realloc(atomic_load_explicit(&s->ptr, memory_order_relaxed), ev->size);
		if (p) {
			/* The old slot empties before the new one fills: they may
			 * be the same slot. */
			atomic_store_explicit(&s->ptr, NULL, memory_order_release);
			scoreboard_add(sl, (int64_t)ev->size - (int64_t)old);
		}
		t->ops++;
		return new_block(rp, t, ev, p, old);
	}
	case TRACE_OP_TIME:
		*clock += ev->ticks;
		if (rp->o->pace == REPLAY_PACE_RECORDED)
			pace(rp, *clock);
		return 0;
	case TRACE_OP_SPAWN:
		return spawn(rp, ev->child, *clock);
	case TRACE_OP_EXIT:
		return 1;
	case TRACE_OP_PHASE:
		for (int i = 0; i < rp->h->nphases; i++)
			if (strlen(rp->h->phases[i]) == ev->namelen &&
			    !memcmp(rp->h->phases[i], ev->name, ev->namelen) &&
			    i + 1 < SCOREBOARD_PHASES) {
				int old = atomic_load(&rp->sb->phase);
				uint64_t now = now_ns();
				if (old > 0 && old < SCOREBOARD_PHASES)
					atomic_store(&rp->sb->checkpoints[old].end_ns,
					             (int64_t)now);
				atomic_store(&rp->sb->checkpoints[i + 1].start_ns, (int64_t)now);
				atomic_store(&rp->sb->phase, i + 1);
			}
		return 0;
	case TRACE_OP_STEP:
		scoreboard_step(sl);
		return 0;
	}
	return 0;
}

static int replay_thread(struct replay *rp, struct rthread *t, struct sb_slot *sl)
{
	struct trace_reader *r;
	struct trace_tstate ts;
	char err[768];
	int rc = trace_open(rp->path, &r, err, sizeof(err));
	if (rc)
		return fail(rp, "thread %u: %s", t->tid, err);
	if (trace_tstate_init(&ts, t->nslots)) {
		trace_close(r);
		return fail(rp, "thread %u: cannot map %llu slots", t->tid,
		            (unsigned long long)t->nslots);
	}
	uint64_t clock = t->clock0;
	struct trace_frame f;
	int done = 0;
	while (!done && (rc = trace_next_frame(r, t->tid, &f)) == 1 &&
	       f.kind == TRACE_FRAME_EVENTS) {
		const uint8_t *p = f.data, *end = f.data + f.len, *run;
		uint32_t tid;
		size_t len;
		while (!done && trace_next_run(&p, end, &tid, &run, &len) == 1) {
			if (tid != t->tid)
				continue;
			const uint8_t *q = run, *qend = run + len;
			while (q < qend) {
				struct trace_event ev;
				const char *e = trace_decode(&ts, t->tid, rp->h, &q, qend, &ev);
				if (e) {
					rc = fail(rp,
					          "thread %u: %s (the trace changed since it was "
					          "checked?)",
					          t->tid, e);
					goto out;
				}
				int s = step(rp, t, sl, &ev, &clock);
				t->events++;
				if (s < 0) {
					rc = s;
					goto out;
				}
				if (s == 1) {
					done = 1;
					break;
				}
			}
		}
	}
	if (rc < 0)
		fail(rp, "thread %u: %s", t->tid, trace_error(r));
	else
		rc = 0;
out:
	trace_tstate_finish(&ts);
	trace_close(r);
	return rc < 0 ? rc : 0;
}

static void *thread_main(void *arg)
{
	struct rthread *t = arg;
	struct replay *rp = t->rp;
	int slot = take_sb_slot(rp);
	if (slot < 0)
		fail(rp,
		     "more than %d threads alive at once; the replay counts the heap in %d "
		     "scoreboard slots",
		     SCOREBOARD_SLOTS, SCOREBOARD_SLOTS);
	else {
		replay_thread(rp, t, &rp->sb->slots[slot]);
		give_sb_slot(rp, slot);
	}
	pthread_mutex_lock(&rp->lock);
	rp->running--;
	pthread_cond_signal(&rp->done_cond);
	pthread_mutex_unlock(&rp->lock);
	return NULL;
}

static int spawn(struct replay *rp, uint32_t tid, uint64_t clock)
{
	struct rthread *t = &rp->t[tid];
	t->clock0 = clock;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_mutex_lock(&rp->lock);
	rp->running++;
	pthread_mutex_unlock(&rp->lock);
	t->started = 1;
	int err = pthread_create(&t->th, &attr, thread_main, t);
	pthread_attr_destroy(&attr);
	if (err) {
		pthread_mutex_lock(&rp->lock);
		rp->running--;
		pthread_mutex_unlock(&rp->lock);
		return fail(rp, "cannot start replay thread %u: %s", tid, strerror(err));
	}
	return 0;
}

int replay_parse_touch(const char *s, enum replay_touch *out)
{
	if (!strcmp(s, "full"))
		*out = REPLAY_TOUCH_FULL;
	else if (!strcmp(s, "first-page"))
		*out = REPLAY_TOUCH_FIRST_PAGE;
	else if (!strcmp(s, "none"))
		*out = REPLAY_TOUCH_NONE;
	else
		return -EINVAL;
	return 0;
}

int replay_parse_pace(const char *s, enum replay_pace *out)
{
	if (!strcmp(s, "fast"))
		*out = REPLAY_PACE_FAST;
	else if (!strcmp(s, "recorded"))
		*out = REPLAY_PACE_RECORDED;
	else
		return -EINVAL;
	return 0;
}

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int replay_run(const char *path, const struct replay_opts *o, struct scoreboard *sb,
               struct replay_result *res)
{
	struct trace_reader *r;
	struct trace_walk_totals tot;
	char err[768];
	memset(res, 0, sizeof(*res));
	int rc = trace_open(path, &r, err, sizeof(err));
	if (rc) {
		snprintf(sb->error, sizeof(sb->error), "%.500s", err);
		return rc;
	}
	if ((rc = trace_walk(r, NULL, NULL, &tot))) {
		snprintf(sb->error, sizeof(sb->error), "%s", trace_error(r));
		trace_close(r);
		return rc;
	}
	/* The header stays valid while r is open; its frame buffers go, so
	 * they do not count in the replay's RSS. */
	trace_drop_frames(r);
	struct replay rp = {.path = path, .o = o, .h = trace_header(r), .sb = sb};
	uint32_t n = rp.h->nthreads;
	pthread_mutex_init(&rp.lock, NULL);
	pthread_cond_init(&rp.done_cond, NULL);
	rp.t = map(n * sizeof(*rp.t));
	if (!rp.t) {
		snprintf(sb->error, sizeof(sb->error), "cannot map %u thread records", n);
		trace_close(r);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < n && !rc; i++) {
		struct rthread *t = &rp.t[i];
		t->rp = &rp;
		t->tid = i;
		t->nslots = rp.h->threads[i].nslots;
		if (!(t->slots = map(t->nslots * sizeof(*t->slots)))) {
			snprintf(sb->error, sizeof(sb->error), "cannot map %llu slots of thread %u",
			         (unsigned long long)t->nslots, i);
			rc = -ENOMEM;
		}
	}
	/* Phase 0 "start", then the trace's, or one "replay" phase when the
	 * program marked none (trace_workload.c names them the same way). */
	sb->nphases =
	    1 + (rp.h->nphases < SCOREBOARD_PHASES - 1 ? rp.h->nphases : SCOREBOARD_PHASES - 1);
	snprintf(sb->phase_names[0], sizeof(sb->phase_names[0]), "start");
	for (int i = 1; i < sb->nphases; i++)
		snprintf(sb->phase_names[i], sizeof(sb->phase_names[i]), "%s", rp.h->phases[i - 1]);
	if (!rp.h->nphases) {
		sb->nphases = 2;
		snprintf(sb->phase_names[1], sizeof(sb->phase_names[1]), "replay");
	}
	double c0 = cpu_s();
	scoreboard_heap_sync(sb, 1); /* no replay thread runs yet */
	rp.start_ns = now_ns();
	if (!rp.h->nphases) {
		atomic_store(&sb->checkpoints[1].start_ns, (int64_t)rp.start_ns);
		atomic_store(&sb->phase, 1);
	}
	/* The first thread nobody started is the program's main thread: it
	 * runs on the worker's, because allocators treat the main thread
	 * apart (tcmalloc held 91 MB for the growing buffers on the main
	 * thread and 68 MB on another). The others start at once. */
	uint32_t main_tid = UINT32_MAX;
	for (uint32_t i = 0; i < n && !rc; i++) {
		if (rp.h->threads[i].parent != TRACE_NO_PARENT)
			continue;
		if (main_tid == UINT32_MAX)
			main_tid = i;
		else
			rc = spawn(&rp, i, 0);
	}
	if (main_tid != UINT32_MAX && !rc) {
		pthread_mutex_lock(&rp.lock);
		rp.running++;
		pthread_mutex_unlock(&rp.lock);
		rp.t[main_tid].started = 1;
		thread_main(&rp.t[main_tid]);
	}
	pthread_mutex_lock(&rp.lock);
	while (rp.running)
		pthread_cond_wait(&rp.done_cond, &rp.lock);
	pthread_mutex_unlock(&rp.lock);
	res->wall_s = (double)(now_ns() - rp.start_ns) / 1e9;
	res->cpu_s = cpu_s() - c0;
	int ph = atomic_load(&sb->phase);
	if (ph > 0 && ph < SCOREBOARD_PHASES)
		atomic_store(&sb->checkpoints[ph].end_ns, (int64_t)now_ns());
	/* The replay's own peak, tracked as the generators' are, and the
	 * peak in the trace's merged order (exact): the larger stands. */
	int started = 0;
	for (uint32_t i = 0; i < n; i++)
		started += rp.t[i].started;
	scoreboard_peak_end(sb, ph, started);
	if ((int64_t)tot.peak_live > atomic_load(&sb->peak_heap_bytes)) {
		atomic_store(&sb->peak_heap_bytes, (int64_t)tot.peak_live);
		atomic_store(&sb->peak_heap_error_bytes, 0);
	}
	for (uint32_t i = 0; i < n; i++) {
		res->events += rp.t[i].events;
		res->ops += rp.t[i].ops;
		res->threads += (uint32_t)rp.t[i].started;
		if (rp.t[i].slots)
			munmap(rp.t[i].slots, rp.t[i].nslots * sizeof(*rp.t[i].slots));
	}
	res->peak_live_bytes = tot.peak_live;
	if (!rc && atomic_load(&rp.stop))
		rc = -EIO;
	munmap(rp.t, n * sizeof(*rp.t));
	trace_close(r);
	return rc;
}
