/* trace_read.h - reading a .wtrace file as a stream (format: trace_format.h).
 *
 * Every byte is untrusted: each failure says which byte offset of the file
 * (and, inside a frame, which byte of its content) held what, and what was
 * expected. Nothing the reader holds comes from malloc: it is used inside
 * the worker, where malloc is the allocator being measured, so buffers and
 * the decompressor's memory are mmapped.
 */
#ifndef WIMM_TRACE_READ_H
#define WIMM_TRACE_READ_H

#include <stddef.h>
#include <stdint.h>

#include "common/trace_format.h"

#define TRACE_NO_PARENT UINT32_MAX

struct trace_thread {
	uint32_t parent; /* TRACE_NO_PARENT, or the tid that spawned it */
	uint64_t nslots; /* slots its allocations use */
	uint64_t nevents;
};

/* The header, parsed and checked. */
struct trace_header {
	uint32_t version;
	uint64_t tick_ns, duration_ns, nevents, nallocs, peak_live_bytes, unmatched;
	int complete;
	uint32_t nthreads;
	struct trace_thread *threads; /* nthreads entries */
	int nphases;
	char (*phases)[TRACE_NAME_MAX];
};

struct trace_frame {
	int kind;             /* enum trace_frame_kind */
	uint64_t offset;      /* of its first byte in the file */
	const uint32_t *tids; /* threads with a run in it */
	uint32_t ntids;
	const uint8_t *data; /* decompressed content */
	size_t len;
};

struct trace_reader;

/* Opens and checks the preamble and header. Returns 0, or -EINVAL (a bad
 * file) / -errno with "PATH: byte N: what; expected what" in err. */
int trace_open(const char *path, struct trace_reader **out, char *err, size_t errlen);
void trace_close(struct trace_reader *r); /* NULL is a no-op */

const struct trace_header *trace_header(const struct trace_reader *r);

/* A header field's raw value and length, or NULL when absent. */
const char *trace_field(const struct trace_reader *r, const char *key, size_t *len);

/* The next frame. With only >= 0, frames without a run of that thread are
 * skipped unread. Returns 1 with f filled (valid until the next call), 0
 * after the trailer, or -EINVAL with the error in the reader's buffer
 * (trace_error). A file that ends without a trailer is an error. */
int trace_next_frame(struct trace_reader *r, int64_t only, struct trace_frame *f);

/* Frees the frame buffers and the decompressor; the header stays. For a
 * reader kept open only for its header (the replay's). */
void trace_drop_frames(struct trace_reader *r);

/* The message of the last failure ("PATH: byte N: ..."). */
const char *trace_error(const struct trace_reader *r);

/* Formats an error about byte `at` of the file into the reader's error
 * buffer ("PATH: byte N: ...") and returns -EINVAL. */
int trace_reader_fail(struct trace_reader *r, uint64_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Formats an error about byte `at` of frame f's content into the reader's
 * error buffer and returns -EINVAL. */
int trace_frame_fail(struct trace_reader *r, const struct trace_frame *f, size_t at,
                     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Splits frame content into runs: at *p (moved past the run), returns 1
 * with the run's thread and bytes, 0 at the end of the content, or -1 when
 * the run header is malformed or its bytes run past end. */
int trace_next_run(const uint8_t **p, const uint8_t *end, uint32_t *tid, const uint8_t **run,
                   size_t *len);

/* Decoding state of one thread: its slot LIFO (see trace_format.h). */
struct trace_tstate {
	uint64_t nslots, fresh, last_free, allocs;
	uint64_t *lifo; /* nslots entries, mmapped */
	uint64_t nlifo;
};

/* One decoded event. For frees and reallocs, owner/slot/seq name the old
 * block (owner is the decoding thread for FREE and REALLOC); for allocs
 * and reallocs, new_slot is the slot the new block takes. */
struct trace_event {
	int op, call, realloc0, named;
	uint32_t owner;
	uint64_t slot, seq, new_slot, size, align, ticks;
	uint32_t child;
	const char *name; /* PHASE: not NUL-terminated */
	size_t namelen;
};

/* init/finish: the caller owns ts; finish(NULL-initialised) is safe. */
int trace_tstate_init(struct trace_tstate *ts, uint64_t nslots);
void trace_tstate_finish(struct trace_tstate *ts);

/* Decodes one event of thread `tid` at *p. Returns NULL, or a static
 * string saying what was wrong (*p left at the bad event). Checks what one
 * thread's stream can show: slots within the owner's table, threads that
 * exist, alignments that are powers of two; whether a slot is full or empty
 * is the caller's to check (trace_walk does). */
const char *trace_decode(struct trace_tstate *ts, uint32_t tid, const struct trace_header *h,
                         const uint8_t **p, const uint8_t *end, struct trace_event *ev);

#endif
