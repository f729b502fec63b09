/* trace_spool.h - what the recorder writes while the program runs: a spool
 * file per process image, turned into a .wtrace by `wimm record` when the
 * program has ended (bench/trace/convert.c).
 *
 * The spool is cheap to write from a hot path, not compact: each thread
 * encodes its events into its own chunk of the file with addresses
 * (delta-encoded against its previous address). Matching frees to allocations, naming blocks by slots
 * and compressing happen afterwards, offline, where they cost the program
 * nothing.
 *
 *   spool   := chunk*, each SPOOL_CHUNK bytes; the first holds only the
 *              magic "WIMMSPL1"; the others: u32 tid + 1 (0: never used),
 *              u32 len, len bytes (the recorder maps chunks of the file and
 *              stores len after each event, so a killed program's events
 *              are all there)
 *   tid SPOOL_META: fields as in the trace header (trace_format.h): the
 *              first record ("pid", "ppid", "exe", "command", "tick_ns",
 *              "allocator", ...), and at the end "end" = exit | _exit | exec
 *   other tids: that thread's events, in its order:
 *     ALLOC     op 1, call in bits 5-7: varint size, [varint alignment],
 *               varint zigzag(address - previous address)
 *     FREE      op 2: varint zigzag(address - previous); flag 0x10 realloc(p, 0)
 *     REALLOC   op 3: varint zigzag(old - previous), varint size,
 *               varint zigzag(new - old) + 1, or 0: it failed (old kept),
 *               varint ticks the call took (the free half happened at the
 *               thread's tick, the allocation half that much later)
 *     TIME      op 6: varint ticks the thread's clock moved since its last
 *               TIME (the first: since 0). A thread samples the clock every
 *               32 events: before a free, after an allocation, so a TIME
 *               just before an ALLOC was read after it, any other after
 *               the events before it
 *     SPAWN     op 7: varint tid of the thread it started
 *     EXIT      op 8
 *     PHASE     op 9: varint len, name;  STEP op 10
 *     START     op 11: varint parent tid + 1 (0: not started by a recorded
 *               pthread_create), the first event of every thread
 * A failed allocation is recorded with address 0 and dropped offline.
 */
#ifndef WIMM_TRACE_SPOOL_H
#define WIMM_TRACE_SPOOL_H

#define SPOOL_MAGIC "WIMMSPL1"
#define SPOOL_MAGIC_LEN 8
#define SPOOL_META 0xfffffffeu
#define SPOOL_CHUNK (1u << 20)
#define SPOOL_GROW (64u << 20) /* the file grows this much at a time (sparse) */
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
#define SPOOL_ENV_DIR "WIMM_RECORD_DIR"       /* where spools go */
#define SPOOL_ENV_DRIVER "WIMM_RECORD_DRIVER" /* pid of wimm record */
#define SPOOL_ENV_CHILDREN "WIMM_RECORD_CHILDREN" /* "record" or "none" */

#endif
