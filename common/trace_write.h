/* trace_write.h - writing a .wtrace file (format: trace_format.h).
 *
 * The header carries counts known only at the end (threads, events, the
 * peak), so frames go to a scratch file beside the output first; finishing
 * writes the preamble and header to a temporary name, appends the frames
 * and the trailer, and renames it into place: a reader never sees half a
 * trace, and a failed conversion leaves none.
 */
#ifndef WIMM_TRACE_WRITE_H
#define WIMM_TRACE_WRITE_H

#include <stddef.h>
#include <stdint.h>

struct trace_writer;

/* Starts a trace to be written at path. Returns 0 or -errno. */
int trace_writer_open(struct trace_writer **out, const char *path, int level);

/* Adds a header field (any bytes). Fields may be added until finish.
 * Returns 0 or -ENOMEM. */
int trace_writer_field(struct trace_writer *w, const char *key, const void *val, size_t len);
int trace_writer_fieldf(struct trace_writer *w, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Appends one run of a thread's encoded events (a whole number of events).
 * Returns 0 or -errno. */
int trace_writer_run(struct trace_writer *w, uint32_t tid, const uint8_t *events, size_t len);

/* Writes the file (trailer fields: complete, events) and frees w.
 * Returns 0 or -errno; on failure nothing is left at path. */
int trace_writer_finish(struct trace_writer *w, int complete, uint64_t events);

/* Drops everything; NULL is a no-op. */
void trace_writer_abort(struct trace_writer *w);

#endif
