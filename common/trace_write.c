/* trace_write.c - frames compressed with zstd into a scratch file, then
 * preamble, header, frames and trailer into the trace (trace_write.h).
 * Runs in the driver, so it uses malloc freely.
 */
#include "common/trace_write.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "common/trace_format.h"

struct trace_writer {
	char path[4096], body[4200], tmp[4200];
	int bodyfd;
	ZSTD_CCtx *cctx;
	uint8_t *hdr; /* encoded fields */
	size_t hdrlen, hdrcap;
	uint8_t *raw; /* the frame being filled */
	size_t rawlen, rawcap;
	uint32_t tids[TRACE_MAX_THREADS];
	uint32_t ntids;
	uint8_t *out;
	size_t outcap;
	uint64_t bytes;
};

static int grow(uint8_t **buf, size_t *cap, size_t need)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap : 4096;
	while (n < need)
		n *= 2;
	uint8_t *p = realloc(*buf, n);
	if (!p)
		return -ENOMEM;
	*buf = p;
	*cap = n;
	return 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int trace_writer_open(struct trace_writer **out, const char *path, int level)
{
	struct trace_writer *w = calloc(1, sizeof(*w));
	*out = NULL;
	if (!w)
		return -ENOMEM;
	snprintf(w->path, sizeof(w->path), "%s", path);
	snprintf(w->body, sizeof(w->body), "%s.frames.tmp", path);
	snprintf(w->tmp, sizeof(w->tmp), "%s.tmp", path);
	w->bodyfd = open(w->body, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	w->cctx = ZSTD_createCCtx();
	if (w->bodyfd < 0 || !w->cctx) {
		int rc = w->bodyfd < 0 ? -errno : -ENOMEM;
		trace_writer_abort(w);
		return rc;
	}
	ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, level);
	ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 1);
	ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_contentSizeFlag, 1);
	*out = w;
	return 0;
}

int trace_writer_field(struct trace_writer *w, const char *key, const void *val, size_t len)
{
	size_t klen = strlen(key);
	if (grow(&w->hdr, &w->hdrcap, w->hdrlen + klen + len + 20))
		return -ENOMEM;
	uint8_t *p = trace_put_varint(w->hdr + w->hdrlen, klen);
	memcpy(p, key, klen);
	p = trace_put_varint(p + klen, len);
	memcpy(p, val, len);
	w->hdrlen = (size_t)(p + len - w->hdr);
	return 0;
}

int trace_writer_fieldf(struct trace_writer *w, const char *key, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	return trace_writer_field(w, key, buf,
	                          (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* Compresses one frame of `kind` from raw[0..len) into the scratch file
 * (or fd at the end, for the trailer). */
static int put_frame(struct trace_writer *w, int fd, int kind, const uint8_t *raw, size_t len,
                     const uint32_t *tids, uint32_t ntids)
{
	size_t bound = ZSTD_compressBound(len);
	if (grow(&w->out, &w->outcap, TRACE_FRAME_HEAD + 4 * (size_t)ntids + bound))
		return -ENOMEM;
	uint8_t *head = w->out;
	uint8_t *data = head + TRACE_FRAME_HEAD + 4 * (size_t)ntids;
	size_t n = ZSTD_compress2(w->cctx, data, bound, raw, len);
	if (ZSTD_isError(n))
		return -EIO;
	head[0] = TRACE_FRAME_MARK;
	head[1] = (uint8_t)kind;
	head[2] = (uint8_t)ntids;
	head[3] = (uint8_t)(ntids >> 8);
	trace_put_u32(head + 4, (uint32_t)n);
	trace_put_u32(head + 8, (uint32_t)len);
	trace_put_u32(head + 12, 0);
	for (uint32_t i = 0; i < ntids; i++)
		trace_put_u32(head + TRACE_FRAME_HEAD + 4 * i, tids[i]);
	size_t total = (size_t)(data - head) + n;
	w->bytes += total;
	return write_all(fd, head, total);
}

static int flush_frame(struct trace_writer *w)
{
	if (!w->rawlen)
		return 0;
	int rc = put_frame(w, w->bodyfd, TRACE_FRAME_EVENTS, w->raw, w->rawlen, w->tids, w->ntids);
	w->rawlen = 0;
	w->ntids = 0;
	return rc;
}

static void add_tid(struct trace_writer *w, uint32_t tid)
{
	uint32_t i = w->ntids;
	while (i > 0 && w->tids[i - 1] > tid)
		i--;
	if (i > 0 && w->tids[i - 1] == tid)
		return;
	memmove(w->tids + i + 1, w->tids + i, (w->ntids - i) * sizeof(uint32_t));
	w->tids[i] = tid;
	w->ntids++;
}

int trace_writer_run(struct trace_writer *w, uint32_t tid, const uint8_t *events, size_t len)
{
	if (!len)
		return 0;
	if (len + 20 > TRACE_FRAME_RAW_MAX || tid >= TRACE_MAX_THREADS)
		return -EINVAL;
	int rc;
	if (w->rawlen + len + 20 > TRACE_FRAME_TARGET && (rc = flush_frame(w)))
		return rc;
	if (grow(&w->raw, &w->rawcap, w->rawlen + len + 20))
		return -ENOMEM;
	uint8_t *p = trace_put_varint(w->raw + w->rawlen, tid);
	p = trace_put_varint(p, len);
	memcpy(p, events, len);
	w->rawlen = (size_t)(p + len - w->raw);
	add_tid(w, tid);
	return 0;
}

static int copy_body(int from, int to)
{
	if (lseek(from, 0, SEEK_SET) < 0)
		return -errno;
	char buf[1 << 16];
	for (;;) {
		ssize_t n = read(from, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		int rc = write_all(to, buf, (size_t)n);
		if (rc)
			return rc;
	}
}

int trace_writer_finish(struct trace_writer *w, int complete, uint64_t events)
{
	int rc = flush_frame(w), fd = -1;
	if (rc)
		goto out;
	fd = open(w->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	uint8_t pre[TRACE_PREAMBLE_LEN];
	memcpy(pre, TRACE_MAGIC, TRACE_MAGIC_LEN);
	trace_put_u32(pre + 8, TRACE_VERSION);
	trace_put_u32(pre + 12, (uint32_t)w->hdrlen);
	if ((rc = write_all(fd, pre, sizeof(pre))) || (rc = write_all(fd, w->hdr, w->hdrlen)) ||
	    (rc = copy_body(w->bodyfd, fd)))
		goto out;
	/* The trailer: the same field encoding as the header. */
	w->hdrlen = 0;
	char num[32];
	int n = snprintf(num, sizeof(num), "%llu", (unsigned long long)events);
	if ((rc = trace_writer_field(w, "complete", complete ? "1" : "0", 1)) ||
	    (rc = trace_writer_field(w, "events", num, (size_t)n)) ||
	    (rc = put_frame(w, fd, TRACE_FRAME_TRAILER, w->hdr, w->hdrlen, NULL, 0)))
		goto out;
	if (fsync(fd) || close(fd)) {
		fd = -1;
		rc = -errno;
		goto out;
	}
	fd = -1;
	if (rename(w->tmp, w->path))
		rc = -errno;
out:
	if (fd >= 0)
		close(fd);
	if (rc)
		unlink(w->tmp);
	trace_writer_abort(w);
	return rc;
}

void trace_writer_abort(struct trace_writer *w)
{
	if (!w)
		return;
	if (w->bodyfd >= 0) {
		close(w->bodyfd);
		unlink(w->body);
	}
	ZSTD_freeCCtx(w->cctx);
	free(w->hdr);
	free(w->raw);
	free(w->out);
	free(w);
}
