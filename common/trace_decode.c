/* trace_decode.c - one thread's events decoded, its slot LIFO kept as the
 * writer kept it (trace_format.h). Used by the walk, `trace info` and each
 * replay thread; what one thread's stream cannot show (a slot that should
 * be full or empty) is trace_walk.c's to check. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "common/trace_read.h"

int trace_tstate_init(struct trace_tstate *ts, uint64_t nslots)
{
	memset(ts, 0, sizeof(*ts));
	ts->nslots = nslots;
	if (!nslots)
		return 0;
	if (nslots > SIZE_MAX / 16)
		return -ENOMEM;
	void *p = mmap(NULL, nslots * sizeof(uint64_t), PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -ENOMEM;
	ts->lifo = p;
	return 0;
}

void trace_tstate_finish(struct trace_tstate *ts)
{
	if (ts->lifo)
		munmap(ts->lifo, ts->nslots * sizeof(uint64_t));
	ts->lifo = NULL;
}

/* The slot a new block of this thread takes (see trace_format.h). */
static const char *take_slot(struct trace_tstate *ts, int named, const uint8_t **p,
                             const uint8_t *end, uint64_t *slot)
{
	if (named) {
		if (trace_get_varint(p, end, slot))
			return "a named slot is cut off";
		if (*slot >= ts->fresh)
			return "an allocation names a slot never used before; expected a slot "
			       "another thread freed";
		return NULL;
	}
	if (ts->nlifo) {
		*slot = ts->lifo[--ts->nlifo];
		return NULL;
	}
	if (ts->fresh >= ts->nslots)
		return "more live blocks than the thread's slot count in the header";
	*slot = ts->fresh++;
	return NULL;
}

static const char *own_slot(struct trace_tstate *ts, const uint8_t **p, const uint8_t *end,
                            uint64_t *slot)
{
	uint64_t z;
	if (trace_get_varint(p, end, &z))
		return "a free's slot is cut off";
	int64_t s = (int64_t)ts->last_free + trace_unzigzag(z);
	if (s < 0 || (uint64_t)s >= ts->fresh)
		return "a free names a slot the thread never used";
	if (ts->nlifo >= ts->nslots)
		return "more frees than slots";
	ts->last_free = (uint64_t)s;
	*slot = (uint64_t)s;
	return NULL;
}

static const char *from_slot(const struct trace_header *h, uint32_t tid, const uint8_t **p,
                             const uint8_t *end, struct trace_event *ev)
{
	uint64_t owner;
	if (trace_get_varint(p, end, &owner) || trace_get_varint(p, end, &ev->slot) ||
	    trace_get_varint(p, end, &ev->seq))
		return "a free of another thread's block is cut off";
	if (owner >= h->nthreads || owner == tid)
		return "a free names an owner thread that does not exist (or itself)";
	if (ev->slot >= h->threads[owner].nslots)
		return "a free names a slot beyond its owner's slot count";
	if (ev->seq == 0)
		return "a free names allocation 0 of its owner; expected 1 or more";
	ev->owner = (uint32_t)owner;
	return NULL;
}

static const char *new_block(struct trace_tstate *ts, uint8_t tag, int call, const uint8_t **p,
                             const uint8_t *end, struct trace_event *ev)
{
	const char *e;
	ev->call = call;
	ev->named = !!(tag & TRACE_FLAG_SLOT);
	if ((e = take_slot(ts, ev->named, p, end, &ev->new_slot)))
		return e;
	if (trace_get_varint(p, end, &ev->size))
		return "an allocation's size is cut off";
	ev->align = 0;
	if (trace_call_aligned(call)) {
		if (trace_get_varint(p, end, &ev->align))
			return "an alignment is cut off";
		if (ev->align == 0 || (ev->align & (ev->align - 1)) || ev->align > (1ull << 30))
			return "an alignment that is not a power of two up to 1 GiB";
	}
	ts->allocs++;
	return NULL;
}

const char *trace_decode(struct trace_tstate *ts, uint32_t tid, const struct trace_header *h,
                         const uint8_t **p, const uint8_t *end, struct trace_event *ev)
{
	const uint8_t *start = *p;
	const char *e = NULL;
	uint8_t tag = *(*p)++;
	ev->op = tag & 0x0f;
	ev->realloc0 = 0;
	ev->owner = tid;
	switch (ev->op) {
	case TRACE_OP_ALLOC:
		e = new_block(ts, tag, tag >> 5, p, end, ev);
		break;
	case TRACE_OP_FREE:
		if (tag & ~(0x0f | TRACE_FLAG_SLOT)) {
			e = "unknown flags on a free";
			break;
		}
		ev->realloc0 = !!(tag & TRACE_FLAG_SLOT);
		if (!(e = own_slot(ts, p, end, &ev->slot)))
			ts->lifo[ts->nlifo++] = ev->slot;
		break;
	case TRACE_OP_FREE_FROM:
		if (tag & ~(0x0f | TRACE_FLAG_SLOT)) {
			e = "unknown flags on a free";
			break;
		}
		ev->realloc0 = !!(tag & TRACE_FLAG_SLOT);
		e = from_slot(h, tid, p, end, ev);
		break;
	case TRACE_OP_REALLOC:
		if (tag & 0xe0) {
			e = "unknown flags on a realloc";
			break;
		}
		if (!(e = own_slot(ts, p, end, &ev->slot))) {
			ts->lifo[ts->nlifo++] = ev->slot;
			e = new_block(ts, tag, TRACE_CALL_REALLOC, p, end, ev);
		}
		break;
	case TRACE_OP_REALLOC_FROM:
		if (tag & 0xe0) {
			e = "unknown flags on a realloc";
			break;
		}
		if (!(e = from_slot(h, tid, p, end, ev)))
			e = new_block(ts, tag, TRACE_CALL_REALLOC, p, end, ev);
		break;
	case TRACE_OP_TIME:
		if (trace_get_varint(p, end, &ev->ticks))
			e = "a time step is cut off";
		break;
	case TRACE_OP_SPAWN: {
		uint64_t child = 0;
		if (trace_get_varint(p, end, &child) || child >= h->nthreads || child == tid ||
		    h->threads[child].parent != tid)
			e = "a thread start names a thread whose parent (in the header) is another";
		ev->child = (uint32_t)child;
		break;
	}
	case TRACE_OP_EXIT:
	case TRACE_OP_STEP:
		break;
	case TRACE_OP_PHASE: {
		uint64_t n;
		if (trace_get_varint(p, end, &n) || n == 0 || n >= TRACE_NAME_MAX ||
		    n > (uint64_t)(end - *p)) {
			e = "a phase name is cut off or longer than 47 bytes";
			break;
		}
		ev->name = (const char *)*p;
		ev->namelen = (size_t)n;
		*p += n;
		break;
	}
	default:
		e = "an unknown event type";
	}
	if ((tag & 0xf0) && (ev->op >= TRACE_OP_TIME))
		e = "flags on an event that takes none";
	if (e)
		*p = start;
	return e;
}
