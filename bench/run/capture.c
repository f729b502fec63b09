/* capture.c - a child's stream through a pipe into a capped file (see
 * capture.h). */
#include "bench/run/capture.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/units.h"

/* Larger than the default 64 KiB, so a chatty child wakes the driver less
 * often; the system's limit (pipe-max-size, 1 MiB by default) may refuse
 * it, which only costs wake-ups. */
#define PIPE_SIZE (1 << 20)
#define CHUNK (64 * 1024)

static uint64_t head_size(const struct capture *c) { return c->cap / 2; }
static uint64_t tail_size(const struct capture *c) { return c->cap - c->cap / 2; }

int capture_init(struct capture *c, const char *path, uint64_t cap)
{
	int p[2];
	memset(c, 0, sizeof(*c));
	c->fd = c->child_fd = c->out = c->ring = -1;
	c->cap = cap < CAPTURE_MIN_CAP ? CAPTURE_MIN_CAP : cap;
	c->path = path;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	c->fd = p[0];
	c->child_fd = p[1];
	fcntl(c->fd, F_SETFL, O_NONBLOCK);
	fcntl(c->fd, F_SETPIPE_SZ, PIPE_SIZE);
	if (path && (c->out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		int e = -errno;
		capture_close(c);
		return e;
	}
	return 0;
}

void capture_handed_over(struct capture *c)
{
	if (c->child_fd >= 0)
		close(c->child_fd);
	c->child_fd = -1;
}

static void note_error(struct capture *c, int err)
{
	if (!c->err)
		c->err = err ? err : -EIO;
}

static void write_all(struct capture *c, int fd, const char *p, size_t n, off_t at)
{
	while (n && !c->err) {
		ssize_t w = at >= 0 ? pwrite(fd, p, n, at) : write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			note_error(c, w < 0 ? -errno : -EIO);
			return;
		}
		p += w;
		n -= (size_t)w;
		if (at >= 0)
			at += w;
	}
}

/* The ring lives beside the kept file, unlinked: no name to clean up
 * after a crash, and no driver memory whatever the cap. */
static int open_ring(struct capture *c)
{
	char dir[4096], tmp[4200];
	snprintf(dir, sizeof(dir), "%s", c->path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	else
		snprintf(dir, sizeof(dir), ".");
	c->ring = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (c->ring >= 0)
		return 0;
	snprintf(tmp, sizeof(tmp), "%s.tail.XXXXXX", c->path);
	c->ring = mkostemp(tmp, O_CLOEXEC);
	if (c->ring < 0)
		return -errno;
	unlink(tmp);
	return 0;
}

static void keep(struct capture *c, const char *p, size_t n)
{
	uint64_t head = head_size(c), tail = tail_size(c);
	if (c->out < 0 || c->err) {
		c->total += n;
		return;
	}
	if (c->total < head) {
		size_t k = head - c->total < n ? (size_t)(head - c->total) : n;
		write_all(c, c->out, p, k, -1);
		c->total += k;
		p += k;
		n -= k;
	}
	if (!n)
		return;
	if (n > tail) { /* only its last tail bytes can stay */
		c->total += n - tail;
		p += n - tail;
		n = (size_t)tail;
	}
	if (c->ring < 0) {
		int e = open_ring(c);
		if (e) {
			note_error(c, e);
			c->total += n;
			return;
		}
	}
	uint64_t pos = (c->total - head) % tail;
	size_t first = tail - pos < n ? (size_t)(tail - pos) : n;
	write_all(c, c->ring, p, first, (off_t)pos);
	write_all(c, c->ring, p + first, n - first, 0);
	c->total += n;
}

static void remember(struct capture *c, const char *p, size_t n)
{
	size_t room = sizeof(c->recent);
	if (n >= room) {
		memcpy(c->recent, p + n - room, room);
		c->nrecent = room;
		return;
	}
	if (c->nrecent + n > room) {
		size_t drop = c->nrecent + n - room;
		memmove(c->recent, c->recent + drop, c->nrecent - drop);
		c->nrecent -= drop;
	}
	memcpy(c->recent + c->nrecent, p, n);
	c->nrecent += n;
}

int capture_read(struct capture *c)
{
	char buf[CHUNK];
	/* At most 16 chunks a call, so a child writing without pause cannot
	 * keep the driver from its next sample. */
	for (int i = 0; i < 16 && c->fd >= 0; i++) {
		ssize_t n = read(c->fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0) {
			close(c->fd);
			c->fd = -1;
			return 1;
		}
		remember(c, buf, (size_t)n);
		keep(c, buf, (size_t)n);
	}
	return c->fd < 0;
}

/* Appends the ring to the kept file, oldest byte first. */
static void copy_ring(struct capture *c)
{
	uint64_t head = head_size(c), tail = tail_size(c), over = c->total - head;
	uint64_t len = over < tail ? over : tail, start = over < tail ? 0 : over % tail;
	char buf[CHUNK];
	for (uint64_t done = 0; done < len && !c->err;) {
		uint64_t at = (start + done) % tail;
		size_t want = sizeof(buf);
		if (want > len - done)
			want = (size_t)(len - done);
		if (want > tail - at)
			want = (size_t)(tail - at);
		ssize_t n = pread(c->ring, buf, want, (off_t)at);
		if (n <= 0) {
			note_error(c, n < 0 ? -errno : -EIO);
			return;
		}
		write_all(c, c->out, buf, (size_t)n, -1);
		done += (uint64_t)n;
	}
}

int capture_finish(struct capture *c, uint64_t *dropped)
{
	while (c->fd >= 0) {
		uint64_t before = c->total;
		if (capture_read(c) == 0 && c->total == before)
			break; /* nothing more now; a grandchild may still hold it */
	}
	*dropped = c->total > c->cap ? c->total - c->cap : 0;
	if (c->out >= 0 && !c->err && c->total > head_size(c)) {
		if (*dropped) {
			char line[256], a[32], b[32], cap[32];
			int n = snprintf(
			    line, sizeof(line),
			    "\n[wimm: %llu bytes dropped here: over the cap of %s (--output-cap), "
			    "the first %s and the last %s are kept]\n",
			    (unsigned long long)*dropped,
			    units_format_size(c->cap, cap, sizeof(cap)),
			    units_format_size(head_size(c), a, sizeof(a)),
			    units_format_size(tail_size(c), b, sizeof(b)));
			write_all(c, c->out, line, (size_t)n, -1);
		}
		copy_ring(c);
	}
	if (c->out >= 0 && close(c->out) < 0 && errno != EINTR)
		note_error(c, -errno);
	c->out = -1;
	return c->err;
}

void capture_last_line(const struct capture *c, char *out, size_t len)
{
	size_t n = c->nrecent;
	while (n > 0 && (c->recent[n - 1] == '\n' || c->recent[n - 1] == '\r'))
		n--;
	size_t from = n;
	while (from > 0 && c->recent[from - 1] != '\n')
		from--;
	size_t k = n - from < len - 1 ? n - from : len - 1;
	memcpy(out, c->recent + from, k);
	out[k] = 0;
}

void capture_close(struct capture *c)
{
	if (c->fd >= 0)
		close(c->fd);
	capture_handed_over(c);
	if (c->out >= 0)
		close(c->out);
	if (c->ring >= 0)
		close(c->ring);
	c->fd = c->out = c->ring = -1;
}
