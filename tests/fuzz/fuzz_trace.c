/* fuzz_trace.c - libFuzzer target for the trace reader (common/trace_read.c,
 * trace_walk.c) and `wimm trace info` (bench/trace/info.c). Built with
 * -Dfuzz=true, run by `scripts/fuzz.sh SECONDS trace`.
 *
 * Two kinds of input, by the first byte:
 *  - even: the rest is a whole .wtrace file, read through a memfd as a
 *    real file would be (preamble, header, frame headers, zstd frames);
 *  - odd: the rest describes a trace that the writer compresses properly
 *    (threads, their parents and slot counts, then runs of raw event
 *    bytes), so the mutations reach the event decoder and the walk's
 *    checks instead of dying at a zstd checksum.
 * The target aborts when the reader breaks its contract: a failure must
 * come with a message naming the file; a success must have a consistent
 * header.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench/trace/info.h"
#include "common/trace_read.h"
#include "common/trace_write.h"

#define REQUIRE(cond)                                                                              \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_trace: contract broken: %s (%s:%d)\n", #cond,        \
			        __FILE__, __LINE__);                                               \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static int fd = -1;
static char path[64], dir[64], built[128];
static FILE *devnull;

static void check(const char *p)
{
	struct trace_stats st;
	char err[1024] = "";
	int rc = info_collect(p, &st, err, sizeof(err));
	if (rc) {
		REQUIRE(rc == -EINVAL || rc == -ENOMEM || rc == -ENOENT || rc == -EIO);
		REQUIRE(strstr(err, p) == err); /* names the file first */
		REQUIRE(strstr(err, "byte") || rc != -EINVAL);
		return;
	}
	REQUIRE(st.threads >= 1);
	REQUIRE(st.blocks_end <= st.allocs);
	REQUIRE(st.peak_live >= st.live_end);
	REQUIRE(info_print(p, &st, 0, devnull) == 0);
	REQUIRE(info_print(p, &st, 1, devnull) == 0);
}

static void whole_file(const uint8_t *data, size_t size)
{
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	check(path);
}

/* byte: nthreads (1-4); per thread: parent + 1 (0-4), nslots; then runs:
 * tid, length, bytes. The header's event count is the next byte: a walk
 * that gets to the end compares it. */
static void built_trace(const uint8_t *d, size_t n)
{
	if (n < 4)
		return;
	struct trace_writer *w;
	if (trace_writer_open(&w, built, 1))
		abort();
	uint32_t nt = (uint32_t)(d[0] % 4) + 1;
	size_t at = 1;
	trace_writer_fieldf(w, "tick_ns", "1024");
	trace_writer_fieldf(w, "threads", "%u", nt);
	trace_writer_fieldf(w, "complete", "1");
	trace_writer_field(w, "phases", "work\0idle", 9);
	uint64_t events = 0;
	for (uint32_t i = 0; i < nt && at + 2 <= n; i++, at += 2) {
		uint8_t buf[32], *p = buf;
		p = trace_put_varint(p, i);
		p = trace_put_varint(p, d[at] % (nt + 1));
		p = trace_put_varint(p, d[at + 1]);
		p = trace_put_varint(p, 4096);
		trace_writer_field(w, "thread", buf, (size_t)(p - buf));
	}
	if (at < n)
		events = d[at++];
	trace_writer_fieldf(w, "events", "%llu", (unsigned long long)events);
	while (at + 2 <= n) {
		uint32_t tid = d[at] % nt;
		size_t len = d[at + 1];
		at += 2;
		if (len > n - at)
			len = n - at;
		if (len && trace_writer_run(w, tid, d + at, len))
			abort();
		at += len;
	}
	if (trace_writer_finish(w, 1, events))
		return;
	check(built);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (fd < 0) {
		fd = memfd_create("fuzz.wtrace", 0);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		snprintf(dir, sizeof(dir), "/tmp/wimm-fuzz-XXXXXX");
		if (fd < 0 || !mkdtemp(dir))
			abort();
		snprintf(built, sizeof(built), "%s/t.wtrace", dir);
		devnull = fopen("/dev/null", "w");
	}
	if (size < 1)
		return 0;
	if (data[0] & 1)
		built_trace(data + 1, size - 1);
	else
		whole_file(data + 1, size - 1);
	return 0;
}
