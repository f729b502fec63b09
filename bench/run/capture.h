/* capture.h - one output stream of a child, read through a pipe, kept in
 * a file up to a cap, and its last line.
 *
 * `wimm exec -- yes` wrote 1.3 GB into output/ in half a second when the
 * child wrote to the file itself. Now the driver reads the stream as it
 * comes (the child blocks on a full pipe rather than fill the disk) and
 * keeps the first half of the cap and the last half: the head goes to the
 * file as it arrives; past it, bytes go round a ring of the tail's size in
 * an unlinked scratch file (so the driver's memory stays flat whatever the
 * cap), and at the end a line saying how many bytes were dropped and the
 * tail in order are appended.
 */
#ifndef WIMM_CAPTURE_H
#define WIMM_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

/* The default cap of each stream (`wimm exec --output-cap`). */
#define CAPTURE_DEFAULT_CAP (UINT64_C(4) << 20)
#define CAPTURE_MIN_CAP (UINT64_C(4) << 10)

struct capture {
	int fd;       /* read end (non-blocking), -1 once at its end */
	int child_fd; /* write end for the child, -1 once handed over */
	int out;      /* the kept file, -1 when only the last line is wanted */
	int ring;     /* scratch file of the tail, -1 until the head is full */
	const char *path;
	uint64_t cap, total;
	int err;           /* first -errno of the kept file, 0 */
	char recent[1024]; /* the last bytes seen, for the last line */
	size_t nrecent;
};

/* Makes the pipe; path (may be NULL) is created or truncated to keep up to
 * cap bytes. Returns 0 or -errno. */
int capture_init(struct capture *c, const char *path, uint64_t cap);

/* Closes the child's end in the driver once the child has it. */
void capture_handed_over(struct capture *c);

/* Reads what is there without blocking. Returns 1 at the stream's end,
 * else 0. */
int capture_read(struct capture *c);

/* Reads what is left without waiting (a grandchild may hold the pipe open
 * for ever) and completes the file. Returns 0 or -errno; *dropped is the
 * number of bytes left out. */
int capture_finish(struct capture *c, uint64_t *dropped);

/* The last non-empty line seen, as raw bytes (sanitize before showing). */
void capture_last_line(const struct capture *c, char *out, size_t len);

/* Frees everything; safe after a failed init. */
void capture_close(struct capture *c);

#endif
