/* probe_glibc.c - glibc malloc, from mallinfo2() and malloc_info().
 *
 * Figures:
 *   in_use   = bytes in chunks handed out, 16-byte headers included,
 *              plus mmapped chunks: mallinfo2's uordblks + hblkhd. Freed
 *              chunks parked in a thread's tcache still count as in use
 *              (the arena sees them so); chunks in the fastbins count as
 *              free, as mallinfo2 counts them.
 *   system   = what the arenas got from sbrk and mmap and still hold, plus
 *              mmapped chunks: mallinfo2's arena + hblkhd.
 *   resident = -1: glibc does not know which of its pages are resident.
 *   arenas   = arenas created since the start (`<heap nr=` entries of
 *              malloc_info): the main arena, plus one for each other thread
 *              that allocates until arena_max (default 8 x CPUs) exist,
 *              after which threads share them. glibc never destroys an
 *              arena: a thread that exits leaves its arena to the next new
 *              thread, so this never shrinks.
 *
 * Cost: every glibc statistics call (mallinfo2, malloc_info, malloc_stats)
 * walks every free chunk of every arena, each arena under its lock; it is
 * the walk that costs, a cache miss per chunk (measured with
 * tests/bench/glibc_readers.c, CPU time per call on a quiet heap: 25-50 us
 * at 1 thread and 2,200 free chunks, 0.5-1.8 ms at 4 threads and 8,500,
 * 2-13 ms at 16 threads and 33,000, depending on what else the machine
 * ran; the wall time also waits for each arena's lock, whose holder may
 * be waiting for a CPU: 0.4-1 s at 16 threads on 2 CPUs). No cheaper call
 * gives the same figures. So a partial reading (the probe's clock) calls
 * mallinfo2, which walks without formatting a line per bin (from 5x
 * cheaper than malloc_info at 16 arenas on an idle machine to the same on
 * a busy one), and the
 * arena count, which only changes when a thread first allocates, comes
 * from a full reading (on demand, at exit, at least once a second): one
 * malloc_info() pass that gives all four figures.
 *
 * The XML goes to a stream whose write function scans it line by line as
 * it arrives, so no buffer has to hold the whole document however many
 * arenas there are. Its top-level totals give mallinfo2's figures but for
 * one detail: for chunks in the bins it adds the size with the PREV_INUSE
 * flag bit still set (chunksize_nomask), one byte per binned chunk, which
 * is subtracted. The constructor checks the result against mallinfo2()
 * once and falls back to calling mallinfo2 at each reading if a glibc ever
 * prints something else.
 *
 * Allocates: fopencookie's FILE, once, in the constructor (init). The
 * stream's buffer is static (setvbuf), so writing never allocates one.
 */
#include <errno.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "allocators/probe/probe.h"

static int (*malloc_info_fn)(int, FILE *);
static struct mallinfo2 (*mallinfo2_fn)(void);
static FILE *xml;
static char xml_buf[4096];
static bool use_mallinfo2;

/* What the scan of one malloc_info() document found. The last <total>
 * and <system> lines are the document-wide ones (each heap has its own
 * before them). */
static struct {
	char line[160];
	size_t len;
	bool truncated;
	int64_t heaps, fast, rest, rest_count, mmap, system;
	bool complete;
} scan;

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The value of key="123" in s, or -1. */
static int64_t attr(const char *s, const char *key)
{
	const char *p = strstr(s, key);
	if (!p)
		return -1;
	p += strlen(key);
	if (p[0] != '=' || p[1] != '"')
		return -1;
	p += 2;
	int64_t v = 0;
	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (*p - '0');
	return v;
}

static void scan_line(const char *s)
{
	if (starts(s, "<heap nr=")) {
		scan.heaps++;
	} else if (starts(s, "<total type=\"fast\"")) {
		scan.fast = attr(s, "size");
	} else if (starts(s, "<total type=\"rest\"")) {
		scan.rest = attr(s, "size");
		scan.rest_count = attr(s, "count");
	} else if (starts(s, "<total type=\"mmap\"")) {
		scan.mmap = attr(s, "size");
	} else if (starts(s, "<system type=\"current\"")) {
		scan.system = attr(s, "size");
	} else if (starts(s, "</malloc>")) {
		scan.complete = true;
	}
}

static ssize_t scan_write(void *cookie, const char *buf, size_t n)
{
	(void)cookie;
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			scan.line[scan.len] = 0;
			if (!scan.truncated)
				scan_line(scan.line);
			scan.len = 0;
			scan.truncated = false;
		} else if (scan.len < sizeof(scan.line) - 1) {
			scan.line[scan.len++] = buf[i];
		} else {
			scan.truncated = true; /* no line we want is that long */
		}
	}
	return (ssize_t)n;
}

/* One malloc_info() pass; false if the document was not what we expect. */
static bool scan_once(void)
{
	memset(&scan, 0, sizeof(scan));
	scan.fast = scan.rest = scan.rest_count = scan.mmap = scan.system = -1;
	if (malloc_info_fn(0, xml) != 0)
		return false;
	fflush(xml);
	return scan.complete && scan.heaps > 0 && scan.fast >= 0 && scan.rest >= 0 &&
	       scan.rest_count >= scan.heaps && scan.mmap >= 0 && scan.system >= 0;
}

/* rest counts each arena's top chunk (exact size) and every binned chunk
 * (size + PREV_INUSE bit). */
static int64_t scan_in_use(void)
{
	int64_t binned = scan.rest_count - scan.heaps;
	return scan.system - scan.fast - (scan.rest - binned) + scan.mmap;
}

static void glibc_read(struct probe_figures *f, int full)
{
	f->in_use = f->system = f->resident = f->arenas = -1;
	if (!full) {
		/* mallinfo2 walks the same free chunks without formatting a
		 * line per bin: measured 5x cheaper at 16 arenas. */
		struct mallinfo2 mi = mallinfo2_fn();
		f->in_use = (int64_t)(mi.uordblks + mi.hblkhd);
		f->system = (int64_t)(mi.arena + mi.hblkhd);
		f->arenas = PROBE_KEEP;
		return;
	}
	bool ok = scan_once();
	if (ok)
		f->arenas = scan.heaps;
	if (use_mallinfo2) {
		struct mallinfo2 mi = mallinfo2_fn();
		f->in_use = (int64_t)(mi.uordblks + mi.hblkhd);
		f->system = (int64_t)(mi.arena + mi.hblkhd);
	} else if (ok) {
		f->in_use = scan_in_use();
		f->system = scan.system + scan.mmap;
	}
}

static int glibc_init(void)
{
	if (probe_resolve(malloc_info_fn, "malloc_info") ||
	    probe_resolve(mallinfo2_fn, "mallinfo2"))
		return -ENOENT;
	/* The one allocation: glibc mallocs the FILE. */
	xml = fopencookie(NULL, "w", (cookie_io_functions_t){.write = scan_write});
	if (!xml)
		return -errno;
	setvbuf(xml, xml_buf, _IOFBF, sizeof(xml_buf));

	/* Nothing else runs yet (we are before main), so both views must
	 * agree to the byte; two tries in case another library's
	 * constructor started a thread that allocates. */
	for (int tries = 0; tries < 2; tries++) {
		struct mallinfo2 mi = mallinfo2_fn();
		if (scan_once() && scan_in_use() == (int64_t)(mi.uordblks + mi.hblkhd) &&
		    scan.system + scan.mmap == (int64_t)(mi.arena + mi.hblkhd))
			return 0;
	}
	use_mallinfo2 = true;
	return 0;
}

const struct probe_reader probe_glibc = {"glibc", glibc_init, NULL, glibc_read};
