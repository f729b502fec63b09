/* trace_walk.c - checks a trace as one schedule and reports every event
 * with the block it released (see trace_walk.h). Its tables come from mmap
 * for the same reason as the reader's: the worker walks a trace before it
 * replays it, with the allocator under test serving malloc.
 */
#include "common/trace_walk.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

struct slot {
	uint64_t size1; /* size + 1; 0 when the slot is empty (mmap gives zeros) */
	uint64_t seq;   /* the owner's allocation count when it was made */
	uint64_t t_alloc;
};

struct wthread {
	struct trace_tstate ts;
	struct slot *slots;
	uint64_t now, events;
	int started, exited;
};

static void *map(size_t bytes)
{
	if (!bytes)
		return NULL;
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

struct walk {
	struct trace_reader *r;
	const struct trace_header *h;
	struct wthread *t;
	struct trace_walk_totals tot;
	trace_walk_fn fn;
	void *ctx;
};

static int fill(struct walk *w, struct wthread *t, uint64_t slot, uint64_t size)
{
	struct slot *s = &t->slots[slot];
	if (s->size1)
		return -1;
	s->size1 = size + 1;
	s->seq = t->ts.allocs;
	s->t_alloc = t->now;
	w->tot.live_end += size;
	w->tot.allocs++;
	return 0;
}

/* Empties the slot an event frees, checking it holds the block named. */
static const char *empty(struct walk *w, uint32_t tid, const struct trace_event *ev,
                         struct trace_walk_block *b)
{
	struct wthread *o = &w->t[ev->owner];
	struct slot *s = &o->slots[ev->slot];
	if (!s->size1)
		return "a free of a slot that holds no block";
	if (ev->owner != tid && s->seq != ev->seq)
		return "a free of another thread's block names an allocation the slot does not "
		       "hold";
	*b = (struct trace_walk_block){s->size1 - 1, s->t_alloc, ev->owner};
	w->tot.live_end -= b->size;
	w->tot.frees++;
	s->size1 = 0;
	return NULL;
}

static int step(struct walk *w, const struct trace_frame *f, uint32_t tid, const uint8_t *base,
                const uint8_t **p, const uint8_t *end)
{
	struct wthread *t = &w->t[tid];
	struct trace_event ev;
	struct trace_walk_block b, *freed = NULL;
	size_t at = (size_t)(*p - base);
	const char *e = trace_decode(&t->ts, tid, w->h, p, end, &ev);
	if (e)
		return trace_frame_fail(w->r, f, at, "thread %u: %s", tid, e);
	switch (ev.op) {
	case TRACE_OP_FREE:
	case TRACE_OP_FREE_FROM:
	case TRACE_OP_REALLOC:
	case TRACE_OP_REALLOC_FROM:
		if ((e = empty(w, tid, &ev, &b)))
			return trace_frame_fail(w->r, f, at, "thread %u: %s", tid, e);
		freed = &b;
		break;
	case TRACE_OP_TIME:
		t->now += ev.ticks;
		if (t->now > w->tot.end_ticks)
			w->tot.end_ticks = t->now;
		break;
	case TRACE_OP_SPAWN:
		if (w->t[ev.child].started)
			return trace_frame_fail(w->r, f, at, "thread %u starts thread %u twice",
			                        tid, ev.child);
		w->t[ev.child].started = 1;
		w->t[ev.child].now = t->now;
		break;
	case TRACE_OP_EXIT:
		t->exited = 1;
		break;
	}
	if ((ev.op == TRACE_OP_ALLOC || ev.op == TRACE_OP_REALLOC ||
	     ev.op == TRACE_OP_REALLOC_FROM) &&
	    fill(w, t, ev.new_slot, ev.size))
		return trace_frame_fail(
		    w->r, f, at, "thread %u: an allocation into slot %llu, which holds a block",
		    tid, (unsigned long long)ev.new_slot);
	if (w->tot.live_end > w->tot.peak_live) {
		w->tot.peak_live = w->tot.live_end;
		w->tot.peak_at_ticks = t->now;
	}
	t->events++;
	w->tot.events++;
	if (w->fn && w->fn(w->ctx, tid, &ev, t->now, freed, w->tot.live_end))
		return trace_frame_fail(w->r, f, at, "stopped");
	return 0;
}

static int walk_frame(struct walk *w, const struct trace_frame *f)
{
	const uint8_t *p = f->data, *end = f->data + f->len;
	uint32_t tid;
	const uint8_t *run;
	size_t len;
	int rc;
	while ((rc = trace_next_run(&p, end, &tid, &run, &len)) == 1) {
		size_t at = (size_t)(run - f->data);
		if (tid >= w->h->nthreads)
			return trace_frame_fail(w->r, f, at, "a run of thread %u; the trace has %u",
			                        tid, w->h->nthreads);
		struct wthread *t = &w->t[tid];
		if (!t->started)
			return trace_frame_fail(w->r, f, at,
			                        "thread %u runs before its parent started it", tid);
		if (t->exited)
			return trace_frame_fail(w->r, f, at, "thread %u runs after it ended", tid);
		int is_listed = 0;
		for (uint32_t i = 0; i < f->ntids; i++)
			is_listed |= f->tids[i] == tid;
		if (!is_listed)
			return trace_frame_fail(
			    w->r, f, at, "a run of thread %u, which the frame does not list", tid);
		const uint8_t *q = run, *qend = run + len;
		while (q < qend) {
			if ((rc = step(w, f, tid, f->data, &q, qend)))
				return rc;
			if (t->exited && q < qend)
				return trace_frame_fail(w->r, f, (size_t)(q - f->data),
				                        "thread %u has events after it ended", tid);
		}
	}
	if (rc < 0)
		return trace_frame_fail(w->r, f, (size_t)(p - f->data),
		                        "a run header (thread, length) that is malformed or runs "
		                        "past the frame");
	return 0;
}

static int check_end(struct walk *w, const struct trace_frame *f)
{
	for (uint32_t i = 0; i < w->h->nthreads; i++)
		if (w->t[i].events != w->h->threads[i].nevents)
			return trace_frame_fail(w->r, f, 0,
			                        "thread %u has %llu events; the header says %llu",
			                        i, (unsigned long long)w->t[i].events,
			                        (unsigned long long)w->h->threads[i].nevents);
	if (w->tot.events != w->h->nevents)
		return trace_frame_fail(w->r, f, 0, "%llu events; the header says %llu",
		                        (unsigned long long)w->tot.events,
		                        (unsigned long long)w->h->nevents);
	return 0;
}

int trace_walk(struct trace_reader *r, trace_walk_fn fn, void *ctx, struct trace_walk_totals *out)
{
	struct walk w = {.r = r, .h = trace_header(r), .fn = fn, .ctx = ctx};
	uint32_t n = w.h->nthreads;
	int rc = 0;
	memset(out, 0, sizeof(*out));
	w.t = map(n * sizeof(*w.t));
	if (!w.t)
		return trace_reader_fail(r, 8, "out of memory for %u threads", n);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t ns = w.h->threads[i].nslots;
		if (ns > (1ull << 40) / sizeof(struct slot) || trace_tstate_init(&w.t[i].ts, ns) ||
		    (ns && !(w.t[i].slots = map(ns * sizeof(struct slot))))) {
			rc = trace_reader_fail(
			    r, 8,
			    "cannot map the tables for thread %u's %llu slots (the "
			    "header's count; is it corrupt?)",
			    i, (unsigned long long)ns);
			goto out;
		}
		w.t[i].started = w.h->threads[i].parent == TRACE_NO_PARENT;
	}
	struct trace_frame f;
	while ((rc = trace_next_frame(r, -1, &f)) == 1) {
		if (f.kind == TRACE_FRAME_TRAILER)
			rc = check_end(&w, &f);
		else
			rc = walk_frame(&w, &f);
		if (rc)
			break;
	}
	*out = w.tot;
out:
	for (uint32_t i = 0; i < n; i++) {
		if (w.t[i].slots)
			munmap(w.t[i].slots, w.t[i].ts.nslots * sizeof(struct slot));
		trace_tstate_finish(&w.t[i].ts);
	}
	munmap(w.t, n * sizeof(*w.t));
	return rc;
}
