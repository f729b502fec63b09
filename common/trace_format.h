/* trace_format.h - the .wtrace file format, version 1: one process's
 * allocations, recorded by `wimm record`, read by `wimm trace info` and
 * replayed by the worker.
 *
 * All integers are little-endian; "varint" is LEB128 (7 bits a byte, low
 * first, at most 10 bytes); "zigzag" maps signed to unsigned (0,-1,1,-2..).
 *
 *   file    := preamble header frame* trailer
 *   preamble:= magic[8] = "\x89WTRACE\n", u32 version, u32 header_len
 *   header  := header_len bytes of fields: varint key_len, key,
 *              varint value_len, value (keys below; unknown keys are kept
 *              and ignored, so a reader of version 1 reads any version 1)
 *   frame   := u8 0xF5, u8 kind (0 events, 1 trailer), u16 ntids,
 *              u32 stored_len, u32 raw_len, u32 tid[ntids] (sorted: the
 *              threads with a run in the frame, so a replay thread skips
 *              the others' frames without decompressing them),
 *              stored_len bytes: one zstd frame (content size and checksum
 *              set) of raw_len bytes
 *   events frame content := run*,  run := varint tid, varint nbytes, event*
 *   trailer frame content := header-style fields ("complete", "events")
 *
 * A run is a stretch of one thread's events; runs are in the order the
 * recording was merged in (a total order that respects every thread's own
 * order and every free-after-allocation across threads), so reading the
 * file front to back is one valid schedule of the whole program.
 *
 * Blocks are named by slots, not addresses: each thread owns a table of
 * slots (header field "thread": nslots), and every allocation it makes
 * takes one. A thread's allocation takes, unless the event names a slot,
 * the slot its own last free released (a LIFO of slots its own frees
 * released) or, when that is empty, the next never-used slot; the decoder
 * keeps the same LIFO. A free of another thread's block names that thread,
 * the slot and the owner's allocation count at the time (so a replay waits
 * until the owner got that far); a slot freed by another thread is reused
 * only by an event naming it (a replay waits until it is empty).
 *
 * Events (first byte: op in the low 4 bits, flags above):
 *   ALLOC      flags: 0x10 slot named, bits 5-7 call (enum trace_call);
 *              [varint slot] varint size [varint alignment]
 *   FREE       own block: varint zigzag(slot - previous own-free slot);
 *              flag 0x10: was realloc(p, 0)
 *   FREE_FROM  another thread's block: varint owner, varint slot,
 *              varint owner's allocation count
 *   REALLOC    own block: varint zigzag(slot - previous own-free slot),
 *              then the new block as ALLOC's (flag 0x10, [slot], size)
 *   REALLOC_FROM another thread's block: as FREE_FROM, then as ALLOC's
 *   TIME       varint ticks since this thread's previous TIME (tick_ns)
 *   SPAWN      varint tid: this thread started that one (pthread_create)
 *   EXIT       the thread ended
 *   PHASE      varint len, name (wimm_phase)
 *   STEP       (wimm_step)
 *
 * Header fields (text unless said): "wimm" recorder version, "command"
 * (arguments, NUL-separated), "exe", "cwd", "host", "kernel", "started_utc",
 * "allocator" (the library that served malloc), "pid", "ppid", "tick_ns",
 * "duration_ns", "threads", "events", "allocs", "peak_live_bytes"
 * (decimal text), "complete" ("1", or "0" and "incomplete" says why),
 * "children" (what happened to child processes: "none started", or
 * "not recorded: PID EXE, ..."), "unmatched" (frees of blocks the recording
 * never saw allocated, dropped), "phases" (NUL-separated names), and one
 * "thread" per thread: varints tid, parent + 1 (0 none), nslots, events.
 */
#ifndef WIMM_TRACE_FORMAT_H
#define WIMM_TRACE_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define TRACE_MAGIC "\x89WTRACE\n"
#define TRACE_MAGIC_LEN 8
#define TRACE_VERSION 1
#define TRACE_PREAMBLE_LEN 16
#define TRACE_FRAME_MARK 0xF5
#define TRACE_FRAME_HEAD 16
#define TRACE_HEADER_MAX (16u << 20)   /* header bytes a reader accepts */
#define TRACE_FRAME_RAW_MAX (8u << 20) /* decompressed bytes of a frame */
#define TRACE_FRAME_TARGET                                                                         \
	(64u << 10) /* what the writer aims for: each replay thread                                \
	             * holds one frame, in the measured process */
#define TRACE_MAX_THREADS 65536
#define TRACE_NAME_MAX 48 /* phase names, as the scoreboard's */

enum trace_frame_kind { TRACE_FRAME_EVENTS = 0, TRACE_FRAME_TRAILER = 1 };

enum trace_op {
	TRACE_OP_ALLOC = 1,
	TRACE_OP_FREE = 2,
	TRACE_OP_FREE_FROM = 3,
	TRACE_OP_REALLOC = 4,
	TRACE_OP_REALLOC_FROM = 5,
	TRACE_OP_TIME = 6,
	TRACE_OP_SPAWN = 7,
	TRACE_OP_EXIT = 8,
	TRACE_OP_PHASE = 9,
	TRACE_OP_STEP = 10,
};

#define TRACE_FLAG_SLOT 0x10 /* ALLOC/REALLOC: slot named; FREE: was realloc(p, 0) */

/* Which function made a block; replayed with the same one. */
enum trace_call {
	TRACE_CALL_MALLOC = 0,
	TRACE_CALL_CALLOC = 1,
	TRACE_CALL_MEMALIGN = 2,
	TRACE_CALL_POSIX_MEMALIGN = 3,
	TRACE_CALL_ALIGNED_ALLOC = 4,
	TRACE_CALL_VALLOC = 5,
	TRACE_CALL_PVALLOC = 6,
	TRACE_CALL_REALLOC = 7, /* realloc(NULL, n) */
	TRACE_NCALLS = 8,
};

static inline int trace_call_aligned(int call)
{
	return call == TRACE_CALL_MEMALIGN || call == TRACE_CALL_POSIX_MEMALIGN ||
	       call == TRACE_CALL_ALIGNED_ALLOC;
}

/* Encoders: write at p (room for 10 bytes), return the new end. */
static inline uint8_t *trace_put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

static inline uint64_t trace_zigzag(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }
static inline int64_t trace_unzigzag(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }

/* Decodes a varint from [*p, end). Returns 0, or -1 when it runs past end
 * or is longer than 10 bytes (*p is left where it failed). */
static inline int trace_get_varint(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
	const uint8_t *q = *p;
	uint64_t v = 0;
	for (int shift = 0; shift < 70; shift += 7) {
		if (q >= end)
			return -1;
		uint8_t b = *q++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*p = q;
			*out = v;
			return 0;
		}
	}
	return -1;
}

static inline void trace_put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline uint32_t trace_get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

#endif
