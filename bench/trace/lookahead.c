/* lookahead.c - see lookahead.h. The window is a ring of events; each
 * address in it has a chain through the events touching it (first, last,
 * and a link per event), kept in an open-addressing map. */
#include "bench/trace/lookahead.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/trace_spool.h"

#define NONE UINT64_MAX
#define MASK (LOOK_EVENTS - 1)

_Static_assert((LOOK_EVENTS & MASK) == 0, "LOOK_EVENTS must be a power of two");

static size_t hash(uintptr_t a, size_t cap)
{
	return (size_t)(((uint64_t)a >> 4) * 0x9e3779b97f4a7c15ull >> 20) & (cap - 1);
}

static struct look_slot *find(const struct look *l, uintptr_t a)
{
	for (size_t i = hash(a, l->cap);; i = (i + 1) & (l->cap - 1)) {
		if (l->map[i].key == a)
			return &l->map[i];
		if (!l->map[i].key)
			return NULL;
	}
}

static void erase(struct look *l, struct look_slot *e)
{
	size_t i = (size_t)(e - l->map), j = i;
	for (;;) {
		j = (j + 1) & (l->cap - 1);
		if (!l->map[j].key)
			break;
		size_t h = hash(l->map[j].key, l->cap);
		if ((j > i && (h <= i || h > j)) || (j < i && h <= i && h > j)) {
			l->map[i] = l->map[j];
			i = j;
		}
	}
	l->map[i].key = 0;
	l->n--;
}

static void insert(struct look *l, uintptr_t a, uint64_t k)
{
	size_t i = hash(a, l->cap);
	while (l->map[i].key)
		i = (i + 1) & (l->cap - 1);
	l->map[i] = (struct look_slot){a, k, k};
	l->n++;
}

int look_init(struct look *l)
{
	memset(l, 0, sizeof(*l));
	/* At most two addresses per event: the map never gets past half full. */
	l->cap = 4 * LOOK_EVENTS;
	l->ring = malloc(LOOK_EVENTS * sizeof(*l->ring));
	l->link = malloc(LOOK_EVENTS * sizeof(*l->link));
	l->map = calloc(l->cap, sizeof(*l->map));
	return l->ring && l->link && l->map ? 0 : -ENOMEM;
}

void look_finish(struct look *l)
{
	free(l->ring);
	free(l->link);
	free(l->map);
	memset(l, 0, sizeof(*l));
}

/* The addresses an event touches (0 when none). */
static void addrs(const struct spool_event *ev, uintptr_t a[2])
{
	a[0] = a[1] = 0;
	if (ev->op == SPOOL_ALLOC || ev->op == SPOOL_FREE || ev->op == SPOOL_REALLOC)
		a[0] = ev->addr;
	if (ev->op == SPOOL_REALLOC && ev->addr2 != ev->addr)
		a[1] = ev->addr2;
}

static void link_in(struct look *l, uint64_t k)
{
	uintptr_t a[2];
	addrs(&l->ring[k & MASK], a);
	l->link[k & MASK][0] = l->link[k & MASK][1] = NONE;
	for (int s = 0; s < 2; s++) {
		if (!a[s])
			continue;
		struct look_slot *e = find(l, a[s]);
		if (!e) {
			insert(l, a[s], k);
			continue;
		}
		const struct spool_event *prev = &l->ring[e->last & MASK];
		l->link[e->last & MASK][prev->addr == a[s] ? 0 : 1] = k;
		e->last = k;
	}
}

/* Every event after the last sample gets hi = a sample read after it. */
static void settle(struct look *l, uint64_t upto, uint64_t hi)
{
	for (; l->pending < upto; l->pending++)
		l->ring[l->pending & MASK].hi = hi;
}

/* lo and hi from where the thread read its clock (common/trace_spool.h):
 * before a free, after an allocation, both around a realloc. */
static void bounds(struct look *l, struct spool_event *ev)
{
	if (ev->sampled || ev->op == SPOOL_REALLOC)
		settle(l, l->tail, ev->tick);
	ev->lo = ev->tick;
	ev->hi = LOOK_UNKNOWN;
	if (ev->op == SPOOL_ALLOC && ev->sampled) {
		ev->lo = ev->tick_before;
		ev->hi = ev->tick;
	} else if (ev->op == SPOOL_REALLOC) {
		ev->hi = ev->tick_end;
	} else {
		return; /* hi: the next sample */
	}
	if (l->pending == l->tail)
		l->pending++;
}

int look_fill(struct look *l, struct spool *sp, uint32_t tid)
{
	while (!l->eof && l->tail - l->head < LOOK_EVENTS) {
		if (l->tail > l->head && l->pending > l->head) {
			const struct spool_event *h = &l->ring[l->head & MASK];
			const struct spool_event *t = &l->ring[(l->tail - 1) & MASK];
			if (t->lo > h->lo + LOOK_TICKS)
				break;
		}
		struct spool_event *ev = &l->ring[l->tail & MASK];
		if (spool_next(sp, tid, ev) != 1) {
			l->eof = 1;
			settle(l, l->tail, LOOK_UNKNOWN);
			break;
		}
		bounds(l, ev);
		link_in(l, l->tail);
		l->tail++;
	}
	if (l->tail - l->head == LOOK_EVENTS)
		settle(l, l->head + 1, LOOK_UNKNOWN); /* cannot read further: assume late */
	return 0;
}

const struct spool_event *look_head(const struct look *l)
{
	return l->head < l->tail ? &l->ring[l->head & MASK] : NULL;
}

void look_pop(struct look *l)
{
	uint64_t k = l->head;
	uintptr_t a[2];
	addrs(&l->ring[k & MASK], a);
	for (int s = 0; s < 2; s++) {
		if (!a[s])
			continue;
		struct look_slot *e = find(l, a[s]);
		uint64_t next = l->link[k & MASK][s];
		if (next == NONE)
			erase(l, e);
		else
			e->first = next;
	}
	l->head++;
}

int look_frees_first(const struct look *l, uintptr_t addr)
{
	const struct look_slot *e = find(l, addr);
	if (!e)
		return 0;
	const struct spool_event *ev = &l->ring[e->first & MASK];
	return (ev->op == SPOOL_FREE || ev->op == SPOOL_REALLOC) && ev->addr == addr;
}

int look_covers(const struct look *l, uint64_t t)
{
	return l->eof || (l->tail > l->head && l->ring[(l->tail - 1) & MASK].lo > t);
}
