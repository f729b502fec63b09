/* lookahead.h - a thread's next events read ahead from the spool, with an
 * index of the addresses they touch, so the merge (convert.c) can ask
 * "does this thread free X itself before it allocates X again?" in O(1).
 */
#ifndef WIMM_LOOKAHEAD_H
#define WIMM_LOOKAHEAD_H

#include <stddef.h>
#include <stdint.h>

#include "bench/trace/spool.h"

#define LOOK_EVENTS 16384             /* events read ahead, at most */
#define LOOK_TICKS 256                /* and no further than this many ticks past the head */
#define LOOK_UNKNOWN (UINT64_MAX / 4) /* hi of a thread's last events: any time later */

struct look_slot {
	uintptr_t key; /* 0: empty */
	uint64_t first, last;
};

struct look {
	struct spool_event *ring;
	uint64_t (*link)[2]; /* next event on the same address (addr, addr2) */
	uint64_t head, tail; /* absolute event numbers */
	uint64_t pending;    /* first event whose hi is not known yet */
	int eof;
	struct look_slot *map;
	size_t cap, n;
};

int look_init(struct look *l);
void look_finish(struct look *l);

/* Reads ahead from thread tid of sp. Returns 0 or -ENOMEM. */
int look_fill(struct look *l, struct spool *sp, uint32_t tid);

/* The next event, or NULL when the thread has none left. Its lo and hi
 * are set: lo, the thread's last clock sample taken before it; hi, the
 * first taken after it (LOOK_UNKNOWN when none was). */
const struct spool_event *look_head(const struct look *l);

/* Drops the head (then call look_fill). */
void look_pop(struct look *l);

/* 1 when the first event on addr in the window releases it (a free of it,
 * or a realloc of it), 0 when it allocates it or none touches it. */
int look_frees_first(const struct look *l, uintptr_t addr);

/* 1 when the window holds every event of the thread that may have happened
 * by tick t (it reaches past t, or the thread has no more). */
int look_covers(const struct look *l, uint64_t t);

#endif
