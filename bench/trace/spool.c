/* spool.c - indexes a spool file once (where each thread's records are),
 * then decodes each thread's events on demand, one record in memory per
 * thread, so converting a spool larger than memory streams.
 */
#include "bench/trace/spool.h"

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/trace_format.h"
#include "common/trace_spool.h"

struct chunk {
	uint64_t off;
	uint32_t len;
};

struct sthread {
	struct chunk *chunks;
	size_t nchunks, capchunks, next;
	uint8_t *buf;
	size_t len, pos;
	uintptr_t last;
	uint64_t tick;
	int broken;
};

struct spool {
	int fd;
	char path[4096];
	uint8_t *meta;
	size_t metalen;
	struct sthread *t;
	uint32_t nthreads;
	char problem[512];
};

static int fail(char *err, size_t errlen, const char *path, uint64_t at, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int fail(char *err, size_t errlen, const char *path, uint64_t at, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(err, errlen, "%s: byte %llu: ", path, (unsigned long long)at);
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < errlen)
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int read_at(int fd, void *buf, size_t len, uint64_t off)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = pread(fd, (char *)buf + got, len - got, (off_t)(off + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		got += (size_t)n;
	}
	return 0;
}

static int add_chunk(struct spool *s, uint32_t tid, uint64_t off, uint32_t len)
{
	if (tid >= s->nthreads) {
		struct sthread *t = realloc(s->t, (tid + 1) * sizeof(*t));
		if (!t)
			return -ENOMEM;
		memset(t + s->nthreads, 0, (tid + 1 - s->nthreads) * sizeof(*t));
		s->t = t;
		s->nthreads = tid + 1;
	}
	struct sthread *t = &s->t[tid];
	if (t->nchunks == t->capchunks) {
		size_t cap = t->capchunks ? t->capchunks * 2 : 16;
		struct chunk *c = realloc(t->chunks, cap * sizeof(*c));
		if (!c)
			return -ENOMEM;
		t->chunks = c;
		t->capchunks = cap;
	}
	t->chunks[t->nchunks++] = (struct chunk){off, len};
	return 0;
}

static int add_meta(struct spool *s, const uint8_t *data, uint32_t len)
{
	uint8_t *m = realloc(s->meta, s->metalen + len);
	if (!m)
		return -ENOMEM;
	memcpy(m + s->metalen, data, len);
	s->meta = m;
	s->metalen += len;
	return 0;
}

int spool_open(const char *path, struct spool **out, char *err, size_t errlen)
{
	struct spool *s = calloc(1, sizeof(*s));
	int rc;
	*out = NULL;
	if (!s)
		return -ENOMEM;
	snprintf(s->path, sizeof(s->path), "%s", path);
	s->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (s->fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(s);
		return rc;
	}
	off_t size = lseek(s->fd, 0, SEEK_END);
	uint8_t magic[SPOOL_MAGIC_LEN];
	if (size < SPOOL_MAGIC_LEN || read_at(s->fd, magic, sizeof(magic), 0) ||
	    memcmp(magic, SPOOL_MAGIC, SPOOL_MAGIC_LEN)) {
		rc = fail(err, errlen, path, 0, "not a recorder spool (expected \"%s\")",
		          SPOOL_MAGIC);
		goto out;
	}
	uint64_t off = SPOOL_MAGIC_LEN;
	while (off < (uint64_t)size) {
		uint8_t head[8];
		if (off + 8 > (uint64_t)size || read_at(s->fd, head, 8, off)) {
			snprintf(s->problem, sizeof(s->problem),
			         "the spool ends inside a record header at byte %llu",
			         (unsigned long long)off);
			break;
		}
		uint32_t tid = trace_get_u32(head), len = trace_get_u32(head + 4);
		if (len > SPOOL_RECORD_MAX || (tid != SPOOL_META && tid >= TRACE_MAX_THREADS)) {
			snprintf(
			    s->problem, sizeof(s->problem),
			    "a malformed record at byte %llu (thread %u, %u bytes); the rest is "
			    "dropped",
			    (unsigned long long)off, tid, len);
			break;
		}
		if (off + 8 + len > (uint64_t)size) {
			snprintf(
			    s->problem, sizeof(s->problem),
			    "the spool ends inside a record at byte %llu (the program was killed "
			    "while writing it)",
			    (unsigned long long)off);
			break;
		}
		if (tid == SPOOL_META) {
			uint8_t buf[SPOOL_RECORD_MAX < 65536 ? SPOOL_RECORD_MAX : 65536];
			if (len > sizeof(buf) || read_at(s->fd, buf, len, off + 8) ||
			    add_meta(s, buf, len)) {
				rc = fail(err, errlen, path, off, "cannot read a META record");
				goto out;
			}
		} else if ((rc = add_chunk(s, tid, off + 8, len))) {
			snprintf(err, errlen, "%s: out of memory", path);
			goto out;
		}
		off += 8 + (uint64_t)len;
	}
	*out = s;
	return 0;
out:
	spool_close(s);
	return rc;
}

void spool_close(struct spool *s)
{
	if (!s)
		return;
	for (uint32_t i = 0; i < s->nthreads; i++) {
		free(s->t[i].chunks);
		free(s->t[i].buf);
	}
	free(s->t);
	free(s->meta);
	if (s->fd >= 0)
		close(s->fd);
	free(s);
}

const char *spool_field(const struct spool *s, const char *key, size_t *len)
{
	const uint8_t *p = s->meta, *end = s->meta + s->metalen, *found = NULL;
	size_t klen = strlen(key), flen = 0;
	while (p < end) {
		uint64_t kl, vl;
		if (trace_get_varint(&p, end, &kl) || kl > (uint64_t)(end - p))
			break;
		const uint8_t *k = p;
		p += kl;
		if (trace_get_varint(&p, end, &vl) || vl > (uint64_t)(end - p))
			break;
		if (kl == klen && !memcmp(k, key, klen)) {
			found = p;
			flen = (size_t)vl;
		}
		p += vl;
	}
	if (len)
		*len = flen;
	return (const char *)found;
}

uint32_t spool_nthreads(const struct spool *s) { return s->nthreads; }

const char *spool_problem(const struct spool *s) { return s->problem; }

static int load(struct spool *s, struct sthread *t)
{
	while (t->pos >= t->len) {
		if (t->next >= t->nchunks)
			return 0;
		struct chunk c = t->chunks[t->next++];
		uint8_t *b = realloc(t->buf, c.len ? c.len : 1);
		if (!b || read_at(s->fd, b, c.len, c.off)) {
			free(b == t->buf ? NULL : b);
			return -1;
		}
		t->buf = b;
		t->len = c.len;
		t->pos = 0;
	}
	return 1;
}

static int broken(struct spool *s, uint32_t tid, struct sthread *t, const char *what)
{
	if (!s->problem[0])
		snprintf(s->problem, sizeof(s->problem),
		         "thread %u: %s; the rest of its events are dropped", tid, what);
	t->broken = 1;
	return -1;
}

int spool_next(struct spool *s, uint32_t tid, struct spool_event *ev)
{
	if (tid >= s->nthreads)
		return 0;
	struct sthread *t = &s->t[tid];
	int sampled = 0;
	uint64_t before = t->tick;
	for (;;) {
		if (t->broken)
			return 0;
		int rc = load(s, t);
		if (rc <= 0)
			return rc < 0 ? broken(s, tid, t, "a record cannot be read") : 0;
		/* Events never span records: each is a whole buffer's worth. */
		const uint8_t *p = t->buf + t->pos, *end = t->buf + t->len;
		uint64_t head, a = 0, b = 0, c = 0;
		if (spool_get(&p, end, &head))
			return broken(s, tid, t, "an event is cut off");
		uint64_t pay = head >> 4;
		memset(ev, 0, offsetof(struct spool_event, name));
		ev->op = (int)(head & 0x0f);
		switch (ev->op) {
		case SPOOL_ALLOC:
			ev->size = pay >> 3;
			ev->call = (int)(pay & 7);
			if ((trace_call_aligned(ev->call) && spool_get(&p, end, &ev->align)) ||
			    spool_get(&p, end, &a))
				return broken(s, tid, t, "an allocation is cut off");
			t->last += (uintptr_t)trace_unzigzag(a);
			ev->addr = t->last;
			break;
		case SPOOL_FREE:
			t->last += (uintptr_t)trace_unzigzag(pay >> 1);
			ev->addr = t->last;
			ev->realloc0 = (int)(pay & 1);
			break;
		case SPOOL_REALLOC:
			if (spool_get(&p, end, &ev->size) || spool_get(&p, end, &b) ||
			    spool_get(&p, end, &c))
				return broken(s, tid, t, "a realloc is cut off");
			ev->tick_end = t->tick + c;
			t->last += (uintptr_t)trace_unzigzag(pay);
			ev->addr = t->last;
			if (b) {
				t->last += (uintptr_t)trace_unzigzag(b - 1);
				ev->addr2 = t->last;
			}
			break;
		case SPOOL_TIME:
			if (!sampled)
				before = t->tick;
			t->tick += pay;
			sampled = 1;
			t->pos = (size_t)(p - t->buf);
			continue; /* folded into the next event's tick */
		case SPOOL_SPAWN:
		case SPOOL_START:
			if (pay > TRACE_MAX_THREADS)
				return broken(s, tid, t, "a thread event is malformed");
			ev->tid = (uint32_t)pay;
			break;
		case SPOOL_PHASE:
			if (pay == 0 || pay >= sizeof(ev->name) || pay > (uint64_t)(end - p))
				return broken(s, tid, t, "a phase name is malformed");
			memcpy(ev->name, p, pay);
			ev->name[pay] = 0;
			p += pay;
			break;
		case SPOOL_EXIT:
		case SPOOL_STEP:
			break;
		default:
			return broken(s, tid, t, "an unknown event type");
		}
		ev->tick = t->tick;
		ev->tick_before = before;
		ev->sampled = sampled;
		if (ev->op != SPOOL_REALLOC)
			ev->tick_end = t->tick;
		t->tick = ev->tick_end; /* a realloc read the clock after it too */
		t->pos = (size_t)(p - t->buf);
		return 1;
	}
}
