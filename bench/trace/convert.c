/* convert.c - spool to trace, offline, so recording costs the program
 * nothing but the encoding (see common/trace_spool.h and trace_format.h).
 *
 * The merge (merge() below). Each thread's events are in its own order;
 * across threads only the threads' clock samples order them: an event lies
 * between the sample its thread took before it and the one after
 * (lookahead.c works out both). Of the threads' next events, one that may
 * have happened first and is consistent with the blocks live so far is
 * taken: an allocation needs its address free, a free needs its address
 * live. Addresses are reused, so the free of another thread's block waits
 * while another thread's own next event on that address frees it too.
 * When no thread can go on, the event that surely happened first is
 * forced: a free of an address not live is dropped (counted as unmatched),
 * an allocation at an address still live frees the old block first
 * (counted as lost: its free was never seen). README ("Record once, replay
 * anywhere") gives how often that happens.
 *
 * Blocks get slots as the format says, with one choice left to the writer:
 * a slot freed by another thread is reused only when the thread's own
 * LIFO is empty (it must be named, and the replay waits for it).
 */
#include "bench/trace/convert.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench/trace/livemap.h"
#include "bench/trace/lookahead.h"
#include "bench/trace/spool.h"
#include "common/trace_format.h"
#include "common/trace_read.h"
#include "common/trace_spool.h"
#include "common/trace_write.h"

#define RUN_MAX (64u << 10)
#define MAX_PHASES 16

struct u64vec {
	uint64_t *v;
	size_t n, cap;
};

struct cthread {
	struct look look; /* its next events; allocated while it has any */
	int have, eof;
	const struct spool_event *head; /* look_head(&look) when have */
	int started, exited;
	uint32_t parent; /* TRACE_NO_PARENT or the thread whose SPAWN started it */
	struct u64vec lifo, pool;
	uint64_t fresh, last_free, allocs, emitted_tick, events;
};

struct conv {
	struct spool *sp;
	struct trace_writer *w;
	struct cthread *t;
	uint32_t n;
	struct livemap live;
	uint8_t *run;
	size_t runlen;
	uint32_t runtid;
	uint64_t live_bytes;
	uint64_t start_tick; /* the clock when the recording started */
	char phases[MAX_PHASES][TRACE_NAME_MAX];
	int nphases;
	struct convert_result *res;
};

static int push(struct u64vec *v, uint64_t x)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 64;
		uint64_t *p = realloc(v->v, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		v->v = p;
		v->cap = cap;
	}
	v->v[v->n++] = x;
	return 0;
}

/* Output: one open run at a time, flushed when another thread emits. */
static int flush_run(struct conv *c)
{
	int rc = c->runlen ? trace_writer_run(c->w, c->runtid, c->run, c->runlen) : 0;
	c->runlen = 0;
	return rc;
}

static uint8_t *emit_begin(struct conv *c, uint32_t tid, uint64_t tick, int *rc)
{
	struct cthread *t = &c->t[tid];
	if ((c->runtid != tid || c->runlen > RUN_MAX - 128) && (*rc = flush_run(c)))
		return NULL;
	c->runtid = tid;
	uint8_t *p = c->run + c->runlen;
	if (tick > t->emitted_tick) {
		*p++ = TRACE_OP_TIME;
		p = trace_put_varint(p, tick - t->emitted_tick);
		t->emitted_tick = tick;
		t->events++;
		c->res->events++;
	}
	return p;
}

static void emit_end(struct conv *c, uint32_t tid, uint8_t *p)
{
	c->runlen = (size_t)(p - c->run);
	c->t[tid].events++;
	c->res->events++;
}

/* A new block of thread tid at addr: takes a slot and goes live. With
 * tag (a realloc, whose tag release() wrote), the slot flag goes there. */
static int new_block(struct conv *c, uint32_t tid, uint8_t *tag, int call,
                     const struct spool_event *ev, uintptr_t addr, uint8_t *p)
{
	struct cthread *t = &c->t[tid];
	uint64_t slot;
	int named = 0;
	if (t->lifo.n) {
		slot = t->lifo.v[--t->lifo.n];
	} else if (t->pool.n) {
		slot = t->pool.v[--t->pool.n];
		named = 1;
	} else {
		slot = t->fresh++;
	}
	if (tag)
		*tag |= named ? TRACE_FLAG_SLOT : 0;
	else
		*p++ = (uint8_t)(TRACE_OP_ALLOC | (named ? TRACE_FLAG_SLOT : 0) | (call << 5));
	if (named)
		p = trace_put_varint(p, slot);
	p = trace_put_varint(p, ev->size);
	if (trace_call_aligned(call))
		p = trace_put_varint(p, ev->align);
	emit_end(c, tid, p);
	t->allocs++;
	c->res->allocs++;
	c->live_bytes += ev->size;
	if (c->live_bytes > c->res->peak_live)
		c->res->peak_live = c->live_bytes;
	struct live e = {addr, tid, slot, t->allocs, ev->size};
	return livemap_insert(&c->live, &e);
}

/* Releases the live block e as thread tid: writes the op and the block's
 * name; the slot returns to its owner. */
static uint8_t *release(struct conv *c, uint32_t tid, struct live *e, int own_op, int from_op,
                        uint8_t flags, uint8_t *p)
{
	struct cthread *t = &c->t[tid], *o = &c->t[e->owner];
	if (e->owner == tid) {
		*p++ = (uint8_t)(own_op | flags);
		p = trace_put_varint(p, trace_zigzag((int64_t)(e->slot - t->last_free)));
		t->last_free = e->slot;
		push(&t->lifo, e->slot);
	} else {
		*p++ = (uint8_t)(from_op | flags);
		p = trace_put_varint(p, e->owner);
		p = trace_put_varint(p, e->slot);
		p = trace_put_varint(p, e->seq);
		push(&o->pool, e->slot);
	}
	c->live_bytes -= e->size;
	c->res->frees++;
	livemap_erase(&c->live, e);
	return p;
}

static int phase_index(struct conv *c, const char *name)
{
	for (int i = 0; i < c->nphases; i++)
		if (!strcmp(c->phases[i], name))
			return i;
	if (c->nphases == MAX_PHASES)
		return -1;
	snprintf(c->phases[c->nphases], TRACE_NAME_MAX, "%s", name);
	return c->nphases++;
}

/* Whether thread tid's next event can be taken now: 0 no, 1 yes, 2 yes
 * but it frees a block another thread allocated (see merge()). */
static int consistent(struct conv *c, uint32_t tid, const struct spool_event *ev)
{
	struct live *e;
	switch (ev->op) {
	case SPOOL_START:
		return ev->tid == 0 || c->t[tid].started;
	case SPOOL_ALLOC:
		return !ev->addr || !livemap_find(&c->live, ev->addr);
	case SPOOL_FREE:
		e = livemap_find(&c->live, ev->addr);
		return !e ? 0 : e->owner == tid ? 1 : 2;
	case SPOOL_REALLOC:
		if (!ev->addr2)
			return 1; /* failed: dropped */
		e = livemap_find(&c->live, ev->addr);
		if (!e || (ev->addr2 != ev->addr && livemap_find(&c->live, ev->addr2)))
			return 0;
		return e->owner == tid ? 1 : 2;
	default:
		return 1;
	}
}

/* Takes the event (forced: it was not consistent). */
static int apply(struct conv *c, uint32_t tid, const struct spool_event *ev, int forced)
{
	struct cthread *t = &c->t[tid];
	int rc = 0;
	uint8_t *p;
	struct live *e;
	switch (ev->op) {
	case SPOOL_START:
		t->started = 1;
		if (forced)
			t->parent = TRACE_NO_PARENT; /* its SPAWN was never recorded */
		return 0;
	case SPOOL_ALLOC:
		if (!ev->addr) {
			c->res->failed++;
			return 0;
		}
		if (!(p = emit_begin(c, tid, ev->lo, &rc)))
			return rc;
		if (forced && (e = livemap_find(&c->live, ev->addr))) {
			c->res->lost++;
			p = release(c, tid, e, TRACE_OP_FREE, TRACE_OP_FREE_FROM, 0, p);
			emit_end(c, tid, p);
			p = c->run + c->runlen;
		}
		return new_block(c, tid, NULL, ev->call, ev, ev->addr, p);
	case SPOOL_FREE:
		if (!(e = livemap_find(&c->live, ev->addr))) {
			c->res->unmatched++;
			return 0;
		}
		if (!(p = emit_begin(c, tid, ev->lo, &rc)))
			return rc;
		p = release(c, tid, e, TRACE_OP_FREE, TRACE_OP_FREE_FROM,
		            ev->realloc0 ? TRACE_FLAG_SLOT : 0, p);
		emit_end(c, tid, p);
		return 0;
	case SPOOL_REALLOC:
		if (!ev->addr2) {
			c->res->failed++;
			return 0;
		}
		if (!(p = emit_begin(c, tid, ev->lo, &rc)))
			return rc;
		if (!(e = livemap_find(&c->live, ev->addr))) {
			/* The old block was never seen: a new one, as realloc(NULL). */
			c->res->unmatched++;
			return new_block(c, tid, NULL, TRACE_CALL_REALLOC, ev, ev->addr2, p);
		}
		if (forced && ev->addr2 != ev->addr) {
			struct live *old = livemap_find(&c->live, ev->addr2);
			if (old) {
				c->res->lost++;
				p = release(c, tid, old, TRACE_OP_FREE, TRACE_OP_FREE_FROM, 0, p);
				emit_end(c, tid, p);
				p = c->run + c->runlen;
				e = livemap_find(&c->live, ev->addr);
			}
		}
		uint8_t *tag = p;
		p = release(c, tid, e, TRACE_OP_REALLOC, TRACE_OP_REALLOC_FROM, 0, p);
		c->res->frees--; /* a realloc is one event, counted as an allocation */
		return new_block(c, tid, tag, TRACE_CALL_REALLOC, ev, ev->addr2, p);
	case SPOOL_SPAWN:
		if (ev->tid >= c->n || ev->tid == tid || c->t[ev->tid].started)
			return 0; /* malformed: ignored */
		c->t[ev->tid].started = 1;
		c->t[ev->tid].parent = tid;
		c->t[ev->tid].emitted_tick = ev->lo;
		if (!(p = emit_begin(c, tid, ev->lo, &rc)))
			return rc;
		*p++ = TRACE_OP_SPAWN;
		emit_end(c, tid, trace_put_varint(p, ev->tid));
		return 0;
	case SPOOL_EXIT:
		if (!(p = emit_begin(c, tid, ev->lo, &rc)))
			return rc;
		*p++ = TRACE_OP_EXIT;
		emit_end(c, tid, p);
		t->exited = 1;
		return 0;
	case SPOOL_PHASE: {
		if (phase_index(c, ev->name) < 0)
			return 0; /* beyond the phases a run can show: dropped */
		if (!(p = emit_begin(c, tid, ev->lo, &rc)))
			return rc;
		size_t n = strlen(ev->name);
		*p++ = TRACE_OP_PHASE;
		p = trace_put_varint(p, n);
		memcpy(p, ev->name, n);
		emit_end(c, tid, p + n);
		return 0;
	}
	case SPOOL_STEP:
		if (!(p = emit_begin(c, tid, ev->lo, &rc)))
			return rc;
		*p++ = TRACE_OP_STEP;
		emit_end(c, tid, p);
		return 0;
	}
	return 0;
}

/* Moves thread tid to its next event (pop: past the current one). */
static int advance(struct conv *c, uint32_t tid, int pop)
{
	struct cthread *t = &c->t[tid];
	if (pop)
		look_pop(&t->look);
	if (!t->eof && !t->look.ring && look_init(&t->look))
		return -ENOMEM;
	if (!t->eof)
		look_fill(&t->look, c->sp, tid);
	t->head = t->look.ring ? look_head(&t->look) : NULL;
	/* Events after EXIT (a destructor's free past ours) are dropped. */
	t->have = t->head && !t->exited;
	if (!t->have && t->look.ring) {
		t->eof = 1;
		look_finish(&t->look);
	}
	return 0;
}

/* Whether thread i's free of another thread's block is of the life of
 * the address that is live now: not when another thread's own next event
 * on that address (lookahead.c) frees it too, for one of the two frees
 * belongs to a later life; the owner's included (it frees its block
 * itself, then allocates X again and hands that on), and a third thread's
 * (the owner handed X to it, and this free is of the next life).
 * Linear in the threads; only frees of other threads' blocks ask. */
static int safe_foreign(struct conv *c, uint32_t i)
{
	uintptr_t a = c->t[i].head->addr;
	uint64_t hi = c->t[i].head->hi;
	for (uint32_t j = 0; j < c->n; j++) {
		const struct cthread *o = &c->t[j];
		/* A window that ends before this free may have happened does
		 * not tell: wait (foreign_step decides if all are waiting). */
		if (j != i && o->have &&
		    (look_frees_first(&o->look, a) || !look_covers(&o->look, hi)))
			return 0;
	}
	return 1;
}

/* Takes thread i's next event if it is due by `bound` and consistent; a
 * free of another thread's block only when safe, or with `foreign`.
 * Returns 1 taken, 0 not, or -errno. */
static int take(struct conv *c, uint32_t i, uint64_t bound, int foreign)
{
	struct cthread *t = &c->t[i];
	if (!t->have || (t->head->op != SPOOL_START && t->head->lo > bound))
		return 0;
	int k = consistent(c, i, t->head);
	if (!k || (k == 2 && !foreign && !safe_foreign(c, i)))
		return 0;
	int rc = apply(c, i, t->head, 0);
	return rc ? rc : advance(c, i, 1) ? -ENOMEM : 1;
}

/* One event: of the heads that may come now (lo not past the frontier,
 * consistent, and not a free of another thread's block unless that is
 * safe), the one that may have happened first (smallest lo). Taking the
 * earliest first matters when threads hand blocks around: several frees
 * of one address, by several threads, may all be consistent with the
 * life that is live now, and the earliest is the one that freed it.
 * Returns 1 taken, 0 none, or -errno. */
static int step(struct conv *c, uint64_t frontier)
{
	uint32_t best = UINT32_MAX;
	for (uint32_t i = 0; i < c->n; i++) {
		const struct cthread *t = &c->t[i];
		if (!t->have || (t->head->op != SPOOL_START && t->head->lo > frontier) ||
		    (best != UINT32_MAX && t->head->lo >= c->t[best].head->lo))
			continue;
		int k = consistent(c, i, t->head);
		if (k == 1 || (k == 2 && safe_foreign(c, i)))
			best = i;
	}
	if (best == UINT32_MAX)
		return 0;
	int rc = apply(c, best, c->t[best].head, 0);
	return rc ? rc : advance(c, best, 1) ? -ENOMEM : 1;
}

/* The address thread i's head waits for to be freed, or 0. */
static uintptr_t wanted(struct conv *c, uint32_t i)
{
	const struct spool_event *ev = c->t[i].head;
	if (!c->t[i].have)
		return 0;
	if (ev->op == SPOOL_ALLOC && ev->addr && livemap_find(&c->live, ev->addr))
		return ev->addr;
	if (ev->op == SPOOL_REALLOC && ev->addr2 && ev->addr2 != ev->addr &&
	    livemap_find(&c->live, ev->addr2))
		return ev->addr2;
	return 0;
}

/* One free of another thread's block, once no thread can go on alone:
 * first one that a blocked allocation waits for, else the earliest. */
static int foreign_step(struct conv *c, uint64_t bound)
{
	uint32_t best = UINT32_MAX;
	for (uint32_t i = 0; i < c->n; i++) {
		struct cthread *t = &c->t[i];
		if (!t->have || t->head->lo > bound || consistent(c, i, t->head) != 2)
			continue;
		if (safe_foreign(c, i))
			return take(c, i, bound, 1);
		for (uint32_t j = 0; j < c->n; j++)
			if (j != i && wanted(c, j) == t->head->addr)
				return take(c, i, bound, 1);
		if (best == UINT32_MAX || t->head->lo < c->t[best].head->lo)
			best = i;
	}
	return best == UINT32_MAX ? 0 : take(c, best, bound, 1);
}

/* The order. Each event lies between two clock samples of its thread,
 * [lo, hi]. The head with the smallest hi surely happened by then, so any
 * head whose lo is not later may come first; among those, consistency
 * decides. Addresses are reused, so a consistent free may still belong to
 * a later life of its address (thread A frees X, allocates X again, hands
 * it to B, which frees it, all within one sample): a thread frees another
 * thread's block only when the owner's own next event on that address
 * (lookahead.c) is not a free of it, or when no thread can go on
 * otherwise. When none can, the head with the smallest hi is forced. */
static int merge(struct conv *c)
{
	for (uint32_t i = 0; i < c->n; i++) {
		c->t[i].parent = TRACE_NO_PARENT;
		c->t[i].emitted_tick = c->start_tick;
		if (advance(c, i, 0))
			return -ENOMEM;
	}
	for (;;) {
		uint64_t frontier = UINT64_MAX;
		uint32_t first = UINT32_MAX;
		for (uint32_t i = 0; i < c->n; i++) {
			struct cthread *t = &c->t[i];
			if (!t->have)
				continue;
			if (first == UINT32_MAX)
				first = i;
			/* A START waits for its SPAWN, not for the clock. */
			if (t->head->op != SPOOL_START && t->head->hi < frontier) {
				frontier = t->head->hi;
				first = i;
			}
		}
		if (first == UINT32_MAX)
			return 0;
		int64_t n = step(c, frontier);
		if (!n)
			n = foreign_step(c, frontier);
		if (n < 0)
			return (int)n;
		if (n == 0) {
			int rc = apply(c, first, c->t[first].head, 1);
			if (rc || (rc = advance(c, first, 1)))
				return rc;
		}
	}
}

static int copy_meta(struct conv *c, const char *key)
{
	size_t len;
	const char *v = spool_field(c->sp, key, &len);
	return v ? trace_writer_field(c->w, key, v, len) : 0;
}

static uint64_t meta_u64(struct conv *c, const char *key)
{
	size_t len;
	const char *v = spool_field(c->sp, key, &len);
	char buf[32];
	if (!v || len >= sizeof(buf))
		return 0;
	memcpy(buf, v, len);
	buf[len] = 0;
	return strtoull(buf, NULL, 10);
}

static int write_header(struct conv *c, const char *const *fields)
{
	static const char *const copied[] = {"pid",     "ppid", "image",     "exe",
	                                     "command", "cwd",  "allocator", "tick_ns"};
	struct convert_result *r = c->res;
	int rc = 0;
	for (size_t i = 0; i < sizeof(copied) / sizeof(*copied) && !rc; i++)
		rc = copy_meta(c, copied[i]);
	for (size_t i = 0; fields && fields[i] && !rc; i += 2)
		rc = trace_writer_field(c->w, fields[i], fields[i + 1], strlen(fields[i + 1]));
	uint64_t start = meta_u64(c, "start_ns"), end = meta_u64(c, "end_ns");
	uint64_t maxtick = c->start_tick;
	for (uint32_t i = 0; i < c->n; i++)
		if (c->t[i].emitted_tick > maxtick)
			maxtick = c->t[i].emitted_tick;
	uint64_t duration =
	    end > start ? end - start : (maxtick - c->start_tick) << SPOOL_TICK_SHIFT;
	char phases[MAX_PHASES * TRACE_NAME_MAX];
	size_t plen = 0;
	for (int i = 0; i < c->nphases; i++) {
		size_t n = strlen(c->phases[i]);
		memcpy(phases + plen, c->phases[i], n + 1);
		plen += n + 1;
	}
	rc = rc ? rc
	        : trace_writer_fieldf(c->w, "duration_ns", "%llu", (unsigned long long)duration);
	rc = rc ? rc : trace_writer_fieldf(c->w, "threads", "%u", c->n);
	rc = rc ? rc : trace_writer_fieldf(c->w, "events", "%llu", (unsigned long long)r->events);
	rc = rc ? rc : trace_writer_fieldf(c->w, "allocs", "%llu", (unsigned long long)r->allocs);
	rc = rc ? rc
	        : trace_writer_fieldf(c->w, "peak_live_bytes", "%llu",
	                              (unsigned long long)r->peak_live);
	rc = rc ? rc
	        : trace_writer_fieldf(c->w, "unmatched", "%llu", (unsigned long long)r->unmatched);
	rc = rc ? rc : trace_writer_fieldf(c->w, "complete", "%d", r->complete);
	if (!rc && !r->complete)
		rc = trace_writer_field(c->w, "incomplete", r->incomplete, strlen(r->incomplete));
	if (!rc && plen)
		rc = trace_writer_field(c->w, "phases", phases, plen - 1);
	for (uint32_t i = 0; i < c->n && !rc; i++) {
		uint8_t buf[48], *p = buf;
		struct cthread *t = &c->t[i];
		p = trace_put_varint(p, i);
		p = trace_put_varint(p, t->parent == TRACE_NO_PARENT ? 0 : t->parent + 1ull);
		p = trace_put_varint(p, t->fresh);
		p = trace_put_varint(p, t->events);
		rc = trace_writer_field(c->w, "thread", buf, (size_t)(p - buf));
	}
	return rc;
}

int convert_spool(const char *spool, const char *out, const char *const *fields,
                  struct convert_result *res, char *err, size_t errlen)
{
	struct conv c = {.res = res};
	memset(res, 0, sizeof(*res));
	int rc = spool_open(spool, &c.sp, err, errlen);
	if (rc)
		return rc;
	c.n = spool_nthreads(c.sp);
	if (c.n == 0) {
		snprintf(err, errlen, "%s: the program made no allocation the recorder saw", spool);
		rc = -EINVAL;
		goto out;
	}
	c.t = calloc(c.n, sizeof(*c.t));
	c.run = malloc(RUN_MAX + 256);
	if (!c.t || !c.run || livemap_init(&c.live)) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	c.start_tick = meta_u64(&c, "start_tick");
	if ((rc = trace_writer_open(&c.w, out, 9))) {
		snprintf(err, errlen, "%s: cannot write: %s", out, strerror(-rc));
		goto out;
	}
	if ((rc = merge(&c)) || (rc = flush_run(&c))) {
		snprintf(err, errlen, "%s: cannot write: %s", out, strerror(-rc));
		goto out;
	}
	res->threads = c.n;
	const char *why = spool_field(c.sp, "end", NULL);
	if (spool_problem(c.sp)[0])
		snprintf(res->incomplete, sizeof(res->incomplete), "%s", spool_problem(c.sp));
	else if (!why)
		snprintf(res->incomplete, sizeof(res->incomplete),
		         "the program ended without running its exit (killed by a signal, or "
		         "crashed): each thread's last events, up to 64 KiB not yet written out, "
		         "are missing");
	res->complete = !res->incomplete[0];
	if ((rc = write_header(&c, fields))) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	rc = trace_writer_finish(c.w, res->complete, res->events);
	c.w = NULL;
	struct stat st;
	if (rc)
		snprintf(err, errlen, "%s: cannot write: %s", out, strerror(-rc));
	else if (!stat(out, &st))
		res->bytes = (uint64_t)st.st_size;
out:
	trace_writer_abort(c.w);
	for (uint32_t i = 0; c.t && i < c.n; i++) {
		free(c.t[i].lifo.v);
		free(c.t[i].pool.v);
		look_finish(&c.t[i].look);
	}
	free(c.t);
	livemap_finish(&c.live);
	free(c.run);
	spool_close(c.sp);
	return rc;
}
