/* trace_read.c - the .wtrace reader: preamble, header, frames, runs and
 * events, each checked before it is used (format: trace_format.h).
 *
 * Buffers come from mmap, and zstd gets mmap-backed memory functions
 * (ZSTD_createDCtx_advanced), because the worker replays a trace with the
 * allocator under test serving malloc: the reader's own memory must not
 * show up in what it measures.
 */
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_createDCtx_advanced, ZSTD_customMem */
#include "common/trace_read.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zstd.h>

struct field {
	size_t key, keylen, val, vallen; /* offsets into hdr */
};

struct trace_reader {
	int fd;
	char path[512];
	uint64_t pos; /* file offset of the next frame */
	uint8_t *hdr;
	size_t hdrlen, hdrcap;
	struct field *fields;
	size_t nfields, fieldscap;
	struct trace_header h;
	size_t threadscap, phasescap;
	uint8_t *stored, *raw;
	size_t storedcap, rawcap;
	uint32_t *tids;
	size_t tidscap;
	ZSTD_DCtx *dctx;
	int done;
	char err[768];
};

/* mmap-backed memory: the size lives in a 64-byte prefix (zstd wants
 * its memory aligned). */
static void *map_alloc(void *opaque, size_t size)
{
	(void)opaque;
	void *p = mmap(NULL, size + 64, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	*(size_t *)p = size + 64;
	return (char *)p + 64;
}

static void map_free(void *opaque, void *addr)
{
	(void)opaque;
	if (addr)
		munmap((char *)addr - 64, *(size_t *)((char *)addr - 64));
}

/* Grows *buf (mmapped, *cap bytes) to at least need bytes, keeping its
 * content. Returns 0 or -ENOMEM. */
static int reserve(void *bufp, size_t *cap, size_t need)
{
	void **buf = bufp;
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap : 4096;
	while (n < need)
		n *= 2;
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -ENOMEM;
	if (*buf) {
		memcpy(p, *buf, *cap);
		munmap(*buf, *cap);
	}
	*buf = p;
	*cap = n;
	return 0;
}

static void release(void *bufp, size_t *cap)
{
	void **buf = bufp;
	if (*buf)
		munmap(*buf, *cap);
	*buf = NULL;
	*cap = 0;
}

#define fail trace_reader_fail

int trace_reader_fail(struct trace_reader *r, uint64_t at, const char *fmt, ...)
{
	va_list ap;
	int n =
	    snprintf(r->err, sizeof(r->err), "%s: byte %llu: ", r->path, (unsigned long long)at);
	va_start(ap, fmt);
	vsnprintf(r->err + n, sizeof(r->err) - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int trace_frame_fail(struct trace_reader *r, const struct trace_frame *f, size_t at,
                     const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(r->err, sizeof(r->err),
	                 "%s: frame at byte %llu, byte %zu of its content: ", r->path,
	                 (unsigned long long)f->offset, at);
	va_start(ap, fmt);
	vsnprintf(r->err + n, sizeof(r->err) - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

const char *trace_error(const struct trace_reader *r) { return r->err; }

/* Reads exactly len bytes at off. Returns 0, or -EINVAL naming what was
 * expected there when the file ends first. */
static int read_at(struct trace_reader *r, void *buf, size_t len, uint64_t off, const char *what)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = pread(r->fd, (char *)buf + got, len - got, (off_t)(off + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail(r, off + got, "cannot read: %s", strerror(errno));
		if (n == 0)
			return fail(
			    r, off + got,
			    "the file ends here (truncated?); expected %zu more bytes of %s",
			    len - got, what);
		got += (size_t)n;
	}
	return 0;
}

const char *trace_field(const struct trace_reader *r, const char *key, size_t *len)
{
	size_t klen = strlen(key);
	for (size_t i = 0; i < r->nfields; i++) {
		const struct field *f = &r->fields[i];
		if (f->keylen == klen && !memcmp(r->hdr + f->key, key, klen)) {
			if (len)
				*len = f->vallen;
			return (const char *)r->hdr + f->val;
		}
	}
	return NULL;
}

/* Untrusted bytes for an error message: printable ASCII as is, the rest
 * as \xNN, at most 40 bytes (a terminal never gets an escape sequence). */
static const char *shown(const char *s, size_t n, char *buf, size_t len)
{
	size_t o = 0;
	for (size_t i = 0; i < n && i < 40 && o + 5 < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '\\')
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
	}
	if (n > 40 && o + 4 < len)
		o += (size_t)snprintf(buf + o, len - o, "...");
	buf[o] = 0;
	return buf;
}

static int parse_fields(struct trace_reader *r)
{
	const uint8_t *p = r->hdr, *end = r->hdr + r->hdrlen;
	while (p < end) {
		uint64_t at = TRACE_PREAMBLE_LEN + (uint64_t)(p - r->hdr);
		uint64_t klen, vlen;
		if (trace_get_varint(&p, end, &klen) || klen == 0 || klen > 64 ||
		    klen > (uint64_t)(end - p))
			return fail(r, at,
			            "bad header field name length; expected 1-64 bytes within "
			            "the header");
		size_t key = (size_t)(p - r->hdr);
		p += klen;
		if (trace_get_varint(&p, end, &vlen) || vlen > (uint64_t)(end - p)) {
			char name[256];
			return fail(r, at,
			            "header field '%s': its value runs past the header's end",
			            shown((const char *)r->hdr + key, klen, name, sizeof(name)));
		}
		if (reserve(&r->fields, &r->fieldscap, (r->nfields + 1) * sizeof(struct field)))
			return fail(r, at, "out of memory");
		r->fields[r->nfields++] = (struct field){key, klen, (size_t)(p - r->hdr), vlen};
		p += vlen;
	}
	return 0;
}

/* A decimal field: required or not; ok when absent and not required. */
static int field_u64(struct trace_reader *r, const char *key, int required, uint64_t *out)
{
	size_t len;
	const char *v = trace_field(r, key, &len);
	if (!v)
		return required ? fail(r, 8, "the header has no '%s' field; expected one", key) : 0;
	uint64_t x = 0;
	if (len == 0 || len > 19)
		goto bad;
	for (size_t i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			goto bad;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	*out = x;
	return 0;
bad:;
	char text[256];
	return fail(r, TRACE_PREAMBLE_LEN + (uint64_t)((const uint8_t *)v - r->hdr),
	            "header field '%s' is '%s'; expected a decimal number", key,
	            shown(v, len, text, sizeof(text)));
}

static int parse_threads(struct trace_reader *r)
{
	struct trace_header *h = &r->h;
	uint64_t n = 0;
	int rc = field_u64(r, "threads", 1, &n);
	if (rc)
		return rc;
	if (n == 0 || n > TRACE_MAX_THREADS)
		return fail(r, 8, "header says %llu threads; expected 1 to %d",
		            (unsigned long long)n, TRACE_MAX_THREADS);
	if (reserve(&h->threads, &r->threadscap, n * sizeof(*h->threads)))
		return fail(r, 8, "out of memory");
	h->nthreads = (uint32_t)n;
	uint32_t seen = 0;
	for (size_t i = 0; i < r->nfields; i++) {
		const struct field *f = &r->fields[i];
		if (f->keylen != 6 || memcmp(r->hdr + f->key, "thread", 6))
			continue;
		uint64_t at = TRACE_PREAMBLE_LEN + f->val;
		const uint8_t *p = r->hdr + f->val, *end = p + f->vallen;
		uint64_t tid, parent, nslots, nevents;
		if (trace_get_varint(&p, end, &tid) || trace_get_varint(&p, end, &parent) ||
		    trace_get_varint(&p, end, &nslots) || trace_get_varint(&p, end, &nevents) ||
		    p != end)
			return fail(r, at,
			            "bad 'thread' field; expected four varints (tid, parent + 1, "
			            "slots, events)");
		if (tid != seen)
			return fail(r, at,
			            "'thread' field for tid %llu; expected tid %u (in order)",
			            (unsigned long long)tid, seen);
		if (seen >= n)
			return fail(r, at,
			            "more 'thread' fields than the %llu threads the header says",
			            (unsigned long long)n);
		if (parent > n || parent == tid + 1)
			return fail(r, at,
			            "thread %u has parent %lld; expected none or another thread",
			            seen, (long long)parent - 1);
		if (nslots > nevents)
			return fail(r, at,
			            "thread %u: %llu slots for %llu events; expected no more "
			            "slots than events",
			            seen, (unsigned long long)nslots, (unsigned long long)nevents);
		h->threads[seen].parent = parent ? (uint32_t)(parent - 1) : TRACE_NO_PARENT;
		h->threads[seen].nslots = nslots;
		h->threads[seen].nevents = nevents;
		seen++;
	}
	if (seen != n)
		return fail(r, 8, "header says %llu threads but has %u 'thread' fields",
		            (unsigned long long)n, seen);
	return 0;
}

static int parse_phases(struct trace_reader *r)
{
	struct trace_header *h = &r->h;
	size_t len;
	const char *v = trace_field(r, "phases", &len);
	if (!v || len == 0)
		return 0;
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && v[i])
			continue;
		size_t n = i - start;
		uint64_t at = TRACE_PREAMBLE_LEN + (uint64_t)((const uint8_t *)v + start - r->hdr);
		if (n == 0 || n >= TRACE_NAME_MAX)
			return fail(r, at, "a phase name of %zu bytes; expected 1 to %d", n,
			            TRACE_NAME_MAX - 1);
		for (size_t k = start; k < i; k++)
			if ((unsigned char)v[k] < 0x20 || v[k] == 0x7f)
				return fail(r, at, "a phase name with a control character");
		if (reserve(&h->phases, &r->phasescap, (size_t)(h->nphases + 1) * TRACE_NAME_MAX))
			return fail(r, at, "out of memory");
		memcpy(h->phases[h->nphases], v + start, n);
		h->phases[h->nphases][n] = 0;
		h->nphases++;
		start = i + 1;
	}
	return 0;
}

static int parse_header(struct trace_reader *r)
{
	struct trace_header *h = &r->h;
	int rc;
	uint64_t complete = 0;
	if ((rc = parse_fields(r)) || (rc = field_u64(r, "tick_ns", 1, &h->tick_ns)) ||
	    (rc = field_u64(r, "duration_ns", 0, &h->duration_ns)) ||
	    (rc = field_u64(r, "events", 1, &h->nevents)) ||
	    (rc = field_u64(r, "allocs", 0, &h->nallocs)) ||
	    (rc = field_u64(r, "peak_live_bytes", 0, &h->peak_live_bytes)) ||
	    (rc = field_u64(r, "unmatched", 0, &h->unmatched)) ||
	    (rc = field_u64(r, "complete", 1, &complete)) || (rc = parse_threads(r)) ||
	    (rc = parse_phases(r)))
		return rc;
	if (h->tick_ns == 0)
		return fail(r, 8, "header field 'tick_ns' is 0; expected the clock's tick in ns");
	if (complete > 1)
		return fail(r, 8, "header field 'complete' is %llu; expected 0 or 1",
		            (unsigned long long)complete);
	h->complete = (int)complete;
	return 0;
}

int trace_open(const char *path, struct trace_reader **out, char *err, size_t errlen)
{
	static const ZSTD_customMem mem = {map_alloc, map_free, NULL};
	struct trace_reader *r = map_alloc(NULL, sizeof(*r));
	int rc;
	*out = NULL;
	if (!r) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	memset(r, 0, sizeof(*r));
	snprintf(r->path, sizeof(r->path), "%s", path);
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		map_free(NULL, r);
		return rc;
	}
	uint8_t pre[TRACE_PREAMBLE_LEN];
	if ((rc = read_at(r, pre, sizeof(pre), 0, "the preamble (magic, version, header length)")))
		goto out;
	if (memcmp(pre, TRACE_MAGIC, TRACE_MAGIC_LEN)) {
		rc = fail(r, 0,
		          "not a wimm trace: expected the magic bytes \\x89WTRACE\\n "
		          "(a file written by `wimm record`)");
		goto out;
	}
	r->h.version = trace_get_u32(pre + 8);
	if (r->h.version > TRACE_VERSION) {
		rc = fail(r, 8,
		          "format version %u is newer than this wimm reads (version %d); "
		          "read it with a newer wimm",
		          r->h.version, TRACE_VERSION);
		goto out;
	}
	if (r->h.version == 0) {
		rc = fail(r, 8, "format version 0; expected %d", TRACE_VERSION);
		goto out;
	}
	uint32_t hlen = trace_get_u32(pre + 12);
	if (hlen > TRACE_HEADER_MAX) {
		rc = fail(r, 12, "header length %u; expected at most %u", hlen, TRACE_HEADER_MAX);
		goto out;
	}
	if (reserve(&r->hdr, &r->hdrcap, hlen + 1)) {
		rc = fail(r, 12, "out of memory for a header of %u bytes", hlen);
		goto out;
	}
	r->hdrlen = hlen;
	if ((rc = read_at(r, r->hdr, hlen, TRACE_PREAMBLE_LEN, "the header")) ||
	    (rc = parse_header(r)))
		goto out;
	r->pos = TRACE_PREAMBLE_LEN + (uint64_t)hlen;
	r->dctx = ZSTD_createDCtx_advanced(mem);
	if (!r->dctx) {
		rc = fail(r, r->pos, "out of memory for the decompressor");
		goto out;
	}
	*out = r;
	return 0;
out:
	snprintf(err, errlen, "%s", r->err);
	trace_close(r);
	return rc;
}

void trace_close(struct trace_reader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	ZSTD_freeDCtx(r->dctx);
	release(&r->hdr, &r->hdrcap);
	release(&r->fields, &r->fieldscap);
	release(&r->h.threads, &r->threadscap);
	release(&r->h.phases, &r->phasescap);
	release(&r->stored, &r->storedcap);
	release(&r->raw, &r->rawcap);
	release(&r->tids, &r->tidscap);
	map_free(NULL, r);
}

const struct trace_header *trace_header(const struct trace_reader *r) { return &r->h; }

void trace_drop_frames(struct trace_reader *r)
{
	release(&r->stored, &r->storedcap);
	release(&r->raw, &r->rawcap);
	ZSTD_freeDCtx(r->dctx);
	r->dctx = NULL;
	r->done = 1; /* no more frames from this reader */
}

static int listed(const uint32_t *tids, uint32_t n, uint32_t tid)
{
	for (uint32_t i = 0; i < n; i++)
		if (tids[i] == tid)
			return 1;
	return 0;
}

int trace_next_frame(struct trace_reader *r, int64_t only, struct trace_frame *f)
{
	for (;;) {
		if (r->done)
			return 0;
		uint64_t at = r->pos;
		uint8_t head[TRACE_FRAME_HEAD];
		int rc = read_at(r, head, sizeof(head), at, "a frame header or the trailer");
		if (rc)
			return rc;
		if (head[0] != TRACE_FRAME_MARK)
			return fail(r, at,
			            "0x%02x; expected a frame mark (0xf5): the file is corrupt",
			            head[0]);
		if (head[1] > TRACE_FRAME_TRAILER)
			return fail(r, at + 1, "frame kind %u; expected 0 (events) or 1 (trailer)",
			            head[1]);
		uint32_t ntids = (uint32_t)head[2] | (uint32_t)head[3] << 8;
		uint32_t stored = trace_get_u32(head + 4), rawlen = trace_get_u32(head + 8);
		if (ntids > r->h.nthreads)
			return fail(r, at + 2, "frame lists %u threads; the trace has %u", ntids,
			            r->h.nthreads);
		if (rawlen > TRACE_FRAME_RAW_MAX)
			return fail(r, at + 8, "frame content of %u bytes; expected at most %u",
			            rawlen, TRACE_FRAME_RAW_MAX);
		if (stored > ZSTD_compressBound(rawlen) || stored == 0)
			return fail(r, at + 4,
			            "%u compressed bytes for %u bytes of content; expected "
			            "1 to %zu",
			            stored, rawlen, ZSTD_compressBound(rawlen));
		if (ntids && reserve(&r->tids, &r->tidscap, ntids * 4u))
			return fail(r, at, "out of memory");
		if (ntids && (rc = read_at(r, r->tids, ntids * 4u, at + TRACE_FRAME_HEAD,
		                           "the frame's thread list")))
			return rc;
		for (uint32_t i = 0; i < ntids; i++) {
			/* read_at filled raw bytes; make them host order. */
			r->tids[i] = trace_get_u32((const uint8_t *)&r->tids[i]);
			if (r->tids[i] >= r->h.nthreads || (i && r->tids[i] <= r->tids[i - 1]))
				return fail(
				    r, at + TRACE_FRAME_HEAD + 4 * i,
				    "thread %u in the frame's list; expected increasing thread "
				    "ids below %u",
				    r->tids[i], r->h.nthreads);
		}
		uint64_t data = at + TRACE_FRAME_HEAD + 4ull * ntids;
		r->pos = data + stored;
		if (head[1] == TRACE_FRAME_EVENTS && only >= 0 &&
		    !listed(r->tids, ntids, (uint32_t)only))
			continue;
		if (reserve(&r->stored, &r->storedcap, stored) ||
		    reserve(&r->raw, &r->rawcap, rawlen + 1))
			return fail(r, at, "out of memory");
		if ((rc = read_at(r, r->stored, stored, data, "compressed frame content")))
			return rc;
		unsigned long long csize = ZSTD_getFrameContentSize(r->stored, stored);
		if (csize != rawlen || ZSTD_findFrameCompressedSize(r->stored, stored) != stored)
			return fail(r, data,
			            "not one zstd frame of %u bytes in %u bytes: the frame is "
			            "corrupt",
			            rawlen, stored);
		size_t n = ZSTD_decompressDCtx(r->dctx, r->raw, rawlen, r->stored, stored);
		if (ZSTD_isError(n) || n != rawlen)
			return fail(r, data,
			            "the compressed content does not decode (%s): the frame "
			            "is corrupt",
			            ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short");
		*f = (struct trace_frame){head[1], at, r->tids, ntids, r->raw, rawlen};
		if (head[1] == TRACE_FRAME_TRAILER) {
			uint8_t extra;
			if (pread(r->fd, &extra, 1, (off_t)r->pos) == 1)
				return fail(r, r->pos,
				            "bytes after the trailer; expected the end of the "
				            "file (two files joined?)");
			r->done = 1;
		}
		return 1;
	}
}

int trace_next_run(const uint8_t **p, const uint8_t *end, uint32_t *tid, const uint8_t **run,
                   size_t *len)
{
	if (*p >= end)
		return 0;
	const uint8_t *q = *p;
	uint64_t t, n;
	if (trace_get_varint(&q, end, &t) || trace_get_varint(&q, end, &n) ||
	    t >= TRACE_MAX_THREADS || n > (uint64_t)(end - q))
		return -1;
	*tid = (uint32_t)t;
	*run = q;
	*len = (size_t)n;
	*p = q + n;
	return 1;
}
