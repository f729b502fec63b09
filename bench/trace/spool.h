/* spool.h - reading a recorder's spool (common/trace_spool.h): its META
 * fields and, per thread, its events in order, with each event's tick.
 */
#ifndef WIMM_SPOOL_H
#define WIMM_SPOOL_H

#include <stddef.h>
#include <stdint.h>

/* One raw event, addresses resolved. */
struct spool_event {
	int op; /* enum spool_op */
	int call;
	int realloc0;
	uint64_t size, align;
	uintptr_t addr;       /* ALLOC: the block; FREE: the block; REALLOC: old */
	uintptr_t addr2;      /* REALLOC: new, 0 when it failed */
	uint64_t tick;        /* the thread's clock at the event (a realloc: its start) */
	uint64_t tick_end;    /* a realloc: when it returned; else tick */
	uint64_t tick_before; /* the clock before the TIME just before it */
	int sampled;          /* a TIME just before it (an ALLOC: read after it) */
	uint64_t lo, hi;      /* it happened within [lo, hi] (set by lookahead.c) */
	uint32_t tid;         /* SPAWN: the child; START: parent + 1 */
	char name[48];        /* PHASE */
};

struct spool;

/* Opens and indexes a spool. Returns 0, or -EINVAL / -errno with a
 * message "PATH: byte N: ..." in err. */
int spool_open(const char *path, struct spool **out, char *err, size_t errlen);
void spool_close(struct spool *s);

/* META fields (first record, then later ones such as "end"), last wins. */
const char *spool_field(const struct spool *s, const char *key, size_t *len);

/* Thread ids run from 0 to spool_nthreads() - 1 (some may have no events). */
uint32_t spool_nthreads(const struct spool *s);

/* The next event of thread tid. Returns 1, 0 at the end of its events, or
 * -1 on a malformed event (the rest of the thread is dropped; the reason is
 * in spool_problem()). */
int spool_next(struct spool *s, uint32_t tid, struct spool_event *ev);

/* What was wrong with the spool, "" when nothing: a record cut off at the
 * end (the program was killed while writing), a malformed event. */
const char *spool_problem(const struct spool *s);

#endif
