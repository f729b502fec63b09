/* test_trace.c - the trace format: varints, writer and reader round trip,
 * the walk's checks on event-level faults (each must be refused with the
 * frame, byte and reason), and the replay's ordering across threads.
 *
 *   test_trace FIXTURES_DIR
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/scoreboard.h"
#include "common/trace_read.h"
#include "common/trace_walk.h"
#include "common/trace_write.h"
#include "tests/tap.h"
#include "workloads/generators/replay.h"

static char dir[64] = "/tmp/wimm-test-trace-XXXXXX";
static const char *fixtures;

/* A trace under construction: per-thread event bytes, flushed as runs in
 * the order the test says. */
struct build {
	struct trace_writer *w;
	char path[128];
	uint8_t ev[4096];
	size_t len;
	uint64_t events;
};

static void b_open(struct build *b, const char *name, uint32_t nthreads, const uint64_t *slots,
                   const uint32_t *parent_plus1, const uint64_t *events, uint64_t total)
{
	snprintf(b->path, sizeof(b->path), "%s/%s.wtrace", dir, name);
	b->len = 0;
	b->events = 0;
	if (trace_writer_open(&b->w, b->path, 3))
		abort();
	trace_writer_fieldf(b->w, "tick_ns", "1024");
	trace_writer_fieldf(b->w, "threads", "%u", nthreads);
	trace_writer_fieldf(b->w, "events", "%llu", (unsigned long long)total);
	trace_writer_fieldf(b->w, "complete", "1");
	trace_writer_field(b->w, "phases", "work", 4);
	for (uint32_t i = 0; i < nthreads; i++) {
		uint8_t buf[48], *p = buf;
		p = trace_put_varint(p, i);
		p = trace_put_varint(p, parent_plus1[i]);
		p = trace_put_varint(p, slots[i]);
		p = trace_put_varint(p, events[i]);
		trace_writer_field(b->w, "thread", buf, (size_t)(p - buf));
	}
}

/* Appends raw bytes of events (a whole number of them, n events). */
static void b_ev(struct build *b, int n, const uint8_t *bytes, size_t len)
{
	memcpy(b->ev + b->len, bytes, len);
	b->len += len;
	b->events += (uint64_t)n;
}

static void b_run(struct build *b, uint32_t tid)
{
	if (trace_writer_run(b->w, tid, b->ev, b->len))
		abort();
	b->len = 0;
}

static void b_close(struct build *b)
{
	if (trace_writer_finish(b->w, 1, b->events))
		abort();
}

#define EV(b, n, ...)                                                                              \
	do {                                                                                       \
		const uint8_t bytes_[] = {__VA_ARGS__};                                            \
		b_ev(b, n, bytes_, sizeof(bytes_));                                                \
	} while (0)

enum {
	ALLOC = TRACE_OP_ALLOC,
	FREE = TRACE_OP_FREE,
	FROM = TRACE_OP_FREE_FROM,
	REALLOC = TRACE_OP_REALLOC,
	TIME = TRACE_OP_TIME,
	SPAWN = TRACE_OP_SPAWN,
	EXIT = TRACE_OP_EXIT,
	PHASE = TRACE_OP_PHASE,
};

/* Walks path; returns the reader's error ("" when it walked cleanly). */
static const char *walk(const char *path, struct trace_walk_totals *tot)
{
	static char msg[1024];
	struct trace_reader *r;
	msg[0] = 0;
	if (trace_open(path, &r, msg, sizeof(msg)))
		return msg;
	if (trace_walk(r, NULL, NULL, tot))
		snprintf(msg, sizeof(msg), "%s", trace_error(r));
	trace_close(r);
	return msg;
}

TEST(varint)
{
	static const uint64_t values[] = {0,     1,     127,        128,       300,
	                                  16383, 16384, UINT32_MAX, UINT64_MAX};
	for (size_t i = 0; i < sizeof(values) / sizeof(*values); i++) {
		uint8_t buf[16];
		const uint8_t *p = buf;
		uint64_t got = 0;
		uint8_t *end = trace_put_varint(buf, values[i]);
		expect(!trace_get_varint(&p, end, &got) && got == values[i] && p == end,
		       "varint %llu round trip (%d bytes)", (unsigned long long)values[i],
		       (int)(end - buf));
		p = buf;
		expect(trace_get_varint(&p, end - 1, &got) == -1,
		       "varint %llu cut short is refused", (unsigned long long)values[i]);
	}
	for (int64_t v = -3; v <= 3; v++)
		expect(trace_unzigzag(trace_zigzag(v)) == v, "zigzag %lld", (long long)v);
	const uint8_t eleven[11] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1};
	const uint8_t *p = eleven;
	uint64_t got;
	expect(trace_get_varint(&p, eleven + 11, &got) == -1, "an 11-byte varint is refused");
}

/* Thread 0 starts thread 1, allocates two blocks and hands the first to
 * thread 1, which frees it; thread 0 reallocs the second and frees it. */
static void two_threads(struct build *b, const char *name, int bad)
{
	const uint64_t slots[] = {2, 1};
	const uint32_t parents[] = {0, 1};
	const uint64_t events[] = {7, 5};
	b_open(b, name, 2, slots, parents, events, 12);
	EV(b, 1, PHASE, 4, 'w', 'o', 'r', 'k');
	EV(b, 1, SPAWN, 1);
	EV(b, 1, ALLOC, 100);                             /* slot 0, 100 B */
	EV(b, 1, ALLOC | TRACE_CALL_CALLOC << 5, 200, 1); /* slot 1, 200 B */
	b_run(b, 0);
	EV(b, 1, TIME, 5);
	EV(b, 1, FROM, 0, 0, bad == 1 ? 2 : 1); /* thread 0's slot 0, its allocation 1 */
	b_run(b, 1);
	EV(b, 1, REALLOC, 2, 0x90, 0x03); /* own slot 1 (zigzag 2: +1 from 0), to 400 B */
	EV(b, 1, FREE, bad == 2 ? 4 : 0); /* slot 1 again (delta 0) */
	EV(b, 1, TIME, 1);
	b_run(b, 0);
	EV(b, 1, ALLOC, 64); /* thread 1's slot 0 */
	EV(b, 1, FREE, 0);
	b_run(b, 1);
	EV(b, 1, EXIT);
	b_run(b, bad == 3 ? 0 : 1);
	b_close(b);
}

TEST(round_trip)
{
	struct build b;
	struct trace_walk_totals tot;
	two_threads(&b, "ok", 0);
	const char *e = walk(b.path, &tot);
	expect(!e[0], "a hand-built two-thread trace walks cleanly (%s)", e);
	expect_int(tot.events, 12);
	expect_int(tot.allocs, 4);
	expect_int(tot.frees, 4);
	expect_int(tot.peak_live, 400); /* the realloc's 400 B, thread 1 freed the 100 B */
	expect_int(tot.live_end, 0);
	struct trace_reader *r;
	char err[512];
	expect(!trace_open(b.path, &r, err, sizeof(err)), "reopens");
	const struct trace_header *h = trace_header(r);
	expect_int(h->nthreads, 2);
	expect_int(h->threads[1].parent, 0);
	expect_int(h->threads[0].parent, TRACE_NO_PARENT);
	expect(h->nphases == 1 && !strcmp(h->phases[0], "work"), "the phase list is read");
	size_t len;
	const char *v = trace_field(r, "tick_ns", &len);
	expect(v && len == 4 && !memcmp(v, "1024", 4), "a header field by name");
	trace_close(r);
}

TEST(event_faults)
{
	static const struct {
		int bad;
		const char *name, *want;
	} cases[] = {
	    {1, "wrong-seq", "names an allocation the slot does not hold"},
	    {2, "free-empty", "a free names a slot the thread never used"},
	    {3, "exit-wrong-thread", "has 8 events; the header says 7"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct build b;
		struct trace_walk_totals tot;
		two_threads(&b, cases[i].name, cases[i].bad);
		const char *e = walk(b.path, &tot);
		expect(strstr(e, cases[i].want) && strstr(e, "frame at byte") && strstr(e, b.path),
		       "%s: refused with the frame, byte and reason (%s)", cases[i].name, e);
	}
}

/* Single-thread traces with one bad event after a good allocation. */
TEST(single_faults)
{
	static const struct {
		const char *name;
		uint8_t bytes[8];
		size_t len;
		const char *want;
	} cases[] = {
	    {"unknown-op", {0x0f}, 1, "an unknown event type"},
	    {"flags-on-time", {TIME | 0x20, 1}, 2, "flags on an event that takes none"},
	    {"slot-beyond",
	     {ALLOC, 10, ALLOC, 10},
	     4,
	     "more live blocks than the thread's slot count"},
	    {"named-unused", {ALLOC | TRACE_FLAG_SLOT, 5, 10}, 3, "names a slot never used"},
	    {"align-not-pow2", {ALLOC | TRACE_CALL_MEMALIGN << 5, 10, 3}, 3, "power of two"},
	    {"free-cut", {FREE}, 1, "cut off"},
	    {"from-self", {FROM, 0, 0, 1}, 4, "does not exist (or itself)"},
	    {"spawn-nobody", {SPAWN, 3}, 2, "parent (in the header) is another"},
	    {"phase-long", {PHASE, 60, 'x'}, 3, "phase name"},
	    {"double-free", {FREE, 0, FREE, 0}, 4, "holds no block"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct build b;
		struct trace_walk_totals tot;
		const uint64_t slots[] = {2};
		const uint32_t parents[] = {0};
		const uint64_t events[] = {9};
		b_open(&b, cases[i].name, 1, slots, parents, events, 9);
		EV(&b, 1, ALLOC, 10);
		b_ev(&b, 1, cases[i].bytes, cases[i].len);
		b_run(&b, 0);
		b_close(&b);
		const char *e = walk(b.path, &tot);
		expect(strstr(e, cases[i].want) != NULL, "%s: refused (%s)", cases[i].name, e);
	}
}

TEST(count_and_order_faults)
{
	struct build b;
	struct trace_walk_totals tot;
	const uint64_t slots[] = {1, 1};
	const uint32_t parents[] = {0, 1};
	const uint64_t events[] = {2, 1};
	/* Thread 1 runs before thread 0 started it. */
	b_open(&b, "before-spawn", 2, slots, parents, events, 3);
	EV(&b, 1, ALLOC, 10);
	b_run(&b, 1);
	EV(&b, 1, SPAWN, 1);
	EV(&b, 1, ALLOC, 10);
	b_run(&b, 0);
	b_close(&b);
	const char *e = walk(b.path, &tot);
	expect(strstr(e, "runs before its parent started it") != NULL, "before-spawn: %s", e);
	/* The header's event count is not what the file holds. */
	const uint64_t one[] = {1}, ev5[] = {5};
	const uint32_t none[] = {0};
	b_open(&b, "count", 1, one, none, ev5, 5);
	EV(&b, 1, ALLOC, 10);
	b_run(&b, 0);
	b_close(&b);
	e = walk(b.path, &tot);
	expect(strstr(e, "has 1 events; the header says 5") != NULL, "count: %s", e);
	/* A cycle: each thread frees the other's block before it exists. No
	 * file order satisfies it, so the walk refuses it and no replay can
	 * wait forever on it. */
	const uint64_t ev2[] = {3, 2};
	b_open(&b, "cycle", 2, slots, parents, ev2, 5);
	EV(&b, 1, SPAWN, 1);
	EV(&b, 1, FROM, 1, 0, 1);
	b_run(&b, 0);
	b_close(&b);
	e = walk(b.path, &tot);
	expect(strstr(e, "holds no block") != NULL, "cycle: %s", e);
}

static struct scoreboard *private_scoreboard(void)
{
	struct scoreboard *sb =
	    mmap(NULL, sizeof(*sb), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (sb == MAP_FAILED)
		abort();
	scoreboard_init(sb);
	return sb;
}

/* Producer/consumer: thread 0 allocates N blocks, thread 1 frees each.
 * The consumer's run comes first in the file only where the producer's
 * allocations do, so a replay where it ran ahead would free garbage:
 * every free must wait for its allocation. */
TEST(replay_cross_thread)
{
	enum { N = 2000 };
	struct build b;
	const uint64_t slots[] = {N, 1};
	const uint32_t parents[] = {0, 1};
	const uint64_t events[] = {N + 1, N + 1};
	b_open(&b, "handoff", 2, slots, parents, events, 2 * N + 2);
	EV(&b, 1, SPAWN, 1);
	b_run(&b, 0);
	for (int k = 0; k < N; k += 100) {
		for (int i = k; i < k + 100; i++)
			EV(&b, 1, ALLOC, 0x80 | (i % 100), 0x01); /* 128 + i%100 bytes */
		b_run(&b, 0);
		for (int i = k; i < k + 100; i++) {
			uint8_t buf[16], *p = buf;
			*p++ = FROM;
			p = trace_put_varint(p, 0);
			p = trace_put_varint(p, (uint64_t)i);
			p = trace_put_varint(p, (uint64_t)i + 1);
			b_ev(&b, 1, buf, (size_t)(p - buf));
		}
		b_run(&b, 1);
	}
	EV(&b, 1, EXIT);
	b_run(&b, 1);
	b_close(&b);
	struct trace_walk_totals tot;
	const char *e = walk(b.path, &tot);
	expect(!e[0], "the handoff trace walks (%s)", e);
	struct scoreboard *sb = private_scoreboard();
	struct replay_opts o = {REPLAY_TOUCH_FULL, REPLAY_PACE_FAST};
	struct replay_result res;
	int rc = replay_run(b.path, &o, sb, &res);
	expect(rc == 0, "replays (%s)", sb->error);
	expect_int(res.ops, 2 * N);
	expect_int(res.threads, 2);
	expect_int(scoreboard_live_bytes(sb), 0);
	expect_int(scoreboard_ops(sb), 2 * N);
	/* The larger of the peak in recorded order and the replay's own. */
	expect(atomic_load(&sb->peak_heap_bytes) >= (int64_t)tot.peak_live,
	       "peak heap %lld >= the recorded peak %llu",
	       (long long)atomic_load(&sb->peak_heap_bytes), (unsigned long long)tot.peak_live);
	expect(sb->nphases == 2 && !strcmp(sb->phase_names[1], "work"),
	       "the trace's phases name the scoreboard's");
	munmap(sb, sizeof(*sb));
}

TEST(replay_refuses_bad)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/bad/no-trailer.wtrace", fixtures);
	struct scoreboard *sb = private_scoreboard();
	struct replay_opts o = {REPLAY_TOUCH_FULL, REPLAY_PACE_FAST};
	struct replay_result res;
	int rc = replay_run(path, &o, sb, &res);
	expect(rc == -EINVAL && strstr(sb->error, "byte") && strstr(sb->error, "trailer"),
	       "a truncated trace is refused before anything runs (%s)", sb->error);
	expect_int(scoreboard_ops(sb), 0);
	munmap(sb, sizeof(*sb));
}

TEST(good_fixture)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/good/churn-2t.wtrace", fixtures);
	struct trace_walk_totals tot;
	const char *e = walk(path, &tot);
	expect(!e[0], "the recorded fixture walks (%s)", e);
	expect(tot.allocs > 0 && tot.frees > 0, "it has allocations and frees");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: test_trace FIXTURES_DIR\n");
		return 2;
	}
	fixtures = argv[1];
	if (!mkdtemp(dir))
		return 2;
	int rc = tap_run((struct tap_test[]){TAP(varint),
	                                     TAP(round_trip),
	                                     TAP(event_faults),
	                                     TAP(single_faults),
	                                     TAP(count_and_order_faults),
	                                     TAP(replay_cross_thread),
	                                     TAP(replay_refuses_bad),
	                                     TAP(good_fixture),
	                                     {0}});
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd)) {
	}
	return rc;
}
