/* trace_spool.h - what the recorder writes while the program runs: a spool
 * file per process image, turned into a .wtrace by `wimm record` when the
 * program has ended (bench/trace/convert.c).
 *
 * The spool is cheap to write from a hot path, not compact: each thread
 * encodes its events into its own buffer with addresses (delta-encoded
 * against its previous address) and appends the buffer with one write(2)
 * when it is full. Matching frees to allocations, naming blocks by slots
 * and compressing happen afterwards, offline, where they cost the program
 * nothing.
 *
 *   spool   := magic[8] = "WIMMSPL1", record*
 *   record  := u32 tid, u32 len, len bytes
 *   tid SPOOL_META: fields as in the trace header (trace_format.h): the
 *              first record ("pid", "ppid", "exe", "command", "tick_ns",
 *              "allocator", ...), and at the end "end" = exit | _exit | exec
 *   other tids: that thread's events, in its order. Numbers are prefix
 *   varints (spool_put below: the count of trailing one bits of the first
 *   byte says how many more bytes follow, so the hot path encodes with one
 *   unaligned store and no loop). Each event starts with head = payload << 4
 *   | op:
 *     ALLOC     op 1, payload size << 3 | call; [alignment], zigzag(address -
 *               the thread's previous address)
 *     FREE      op 2, payload zigzag(address - previous) << 1 | realloc(p, 0)
 *     REALLOC   op 3, payload zigzag(old - previous); size; zigzag(new - old)
 *               + 1, or 0: it failed (old kept); ticks the call took (the
 *               free half happened at the thread's clock, the allocation
 *               half that much later)
 *     TIME      op 6, payload: ticks the thread's clock moved since its last
 *               TIME (the first: since 0). A thread samples the clock every
 *               16 events: before a free, after an allocation, so a TIME
 *               just before an ALLOC was read after it, any other after
 *               the events before it
 *     SPAWN     op 7, payload: tid of the thread it started
 *     EXIT      op 8
 *     PHASE     op 9, payload: length; the name
 *     STEP      op 10
 *     START     op 11, payload: parent tid + 1 (0: not started by a
 *               recorded pthread_create), the first event of every thread
 * A failed allocation is recorded with address 0 and dropped offline.
 */
#ifndef WIMM_TRACE_SPOOL_H
#define WIMM_TRACE_SPOOL_H

#include <stdint.h>
#include <string.h>

#define SPOOL_MAGIC "WIMMSPL1"
#define SPOOL_MAGIC_LEN 8
#define SPOOL_META 0xffffffffu
#define SPOOL_RECORD_MAX (4u << 20)
#define SPOOL_TICK_SHIFT 10 /* the recorder's clock: CLOCK_MONOTONIC ns >> 10 (1.024 us) */

enum spool_op {
	SPOOL_ALLOC = 1,
	SPOOL_FREE = 2,
	SPOOL_REALLOC = 3,
	SPOOL_TIME = 6,
	SPOOL_SPAWN = 7,
	SPOOL_EXIT = 8,
	SPOOL_PHASE = 9,
	SPOOL_STEP = 10,
	SPOOL_START = 11,
};

/* Environment of a recorded program, set by `wimm record`. */
#define SPOOL_ENV_DIR "WIMM_RECORD_DIR"           /* where spools go */
#define SPOOL_ENV_DRIVER "WIMM_RECORD_DRIVER"     /* pid of wimm record */
#define SPOOL_ENV_CHILDREN "WIMM_RECORD_CHILDREN" /* "record" or "none" */

#define SPOOL_SIZE_MAX ((1ull << 49) - 1) /* sizes above are recorded as this */

/* Prefix varint: v in n bytes (1-8) as (v << n) | (n - 1 one bits), or
 * 0xff and 8 raw bytes. Writes up to 9 bytes at p (room for 16: it stores
 * 8 bytes at once). Returns the new end. */
static inline uint8_t *spool_put(uint8_t *p, uint64_t v)
{
	static const uint8_t len[65] = {1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 3, 3,
	                                3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5,
	                                5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 8,
	                                8, 8, 8, 8, 8, 8, 9, 9, 9, 9, 9, 9, 9, 9};
	unsigned n = len[64 - __builtin_clzll(v | 1)];
	if (__builtin_expect(n <= 8, 1)) {
		uint64_t w = (v << n) | ((1ull << (n - 1)) - 1);
		memcpy(p, &w, 8);
		return p + n;
	}
	*p = 0xff;
	memcpy(p + 1, &v, 8);
	return p + 9;
}

/* Decodes one from [*p, end). Returns 0, or -1 when it runs past end. */
static inline int spool_get(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	if (*p >= end)
		return -1;
	unsigned n = (unsigned)__builtin_ctz(~(unsigned)**p) + 1;
	if (n > (unsigned)(end - *p))
		return -1;
	if (n == 9) {
		memcpy(v, *p + 1, 8);
	} else {
		uint64_t w = 0;
		memcpy(&w, *p, n);
		*v = n == 8 ? w >> 8 : (w >> n) & ((1ull << (7 * n)) - 1);
	}
	*p += n;
	return 0;
}

#endif
