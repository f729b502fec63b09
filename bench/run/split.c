/* split.c - RSS split into parts that add up to it (see split.h). */
#include "bench/run/split.h"

#include <errno.h>
#include <stddef.h>

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

int split_compute(const struct split_in *in, struct split_parts *out)
{
	*out = (struct split_parts){-1, -1, -1, -1, -1, -1};
	if (in->rss < 0)
		return -EINVAL;
	/* statm's shared count is never above its resident count; if a
	 * reader ever gave one, the file part is all of RSS, not more. */
	out->file = in->file >= 0 ? min64(in->file, in->rss) : 0;
	int64_t anon = in->rss - out->file;
	int64_t held = -1;
	if (in->system >= 0) {
		held = in->resident >= 0 ? in->resident : in->system;
		/* Carried from an older reading: the heap's growth since it
		 * is memory the allocator holds now. */
		if (in->heap >= 0 && in->heap_at_system >= 0)
			held += max64(0, in->heap - in->heap_at_system);
		held = min64(held, anon);
	}
	/* anon's growth since the reading that the heap's does not explain:
	 * the allocator's or not, the next reading will tell. */
	int64_t lag = 0;
	if (held >= 0 && in->anon_at_system >= 0) {
		int64_t grown = anon - in->anon_at_system;
		if (in->heap >= 0 && in->heap_at_system >= 0)
			grown -= max64(0, in->heap - in->heap_at_system);
		lag = min64(max64(0, grown), anon - held);
	}
	if (held >= 0 && in->heap >= 0) {
		out->heap = min64(in->heap, held);
		out->unused = held - out->heap;
		out->foreign = anon - held - lag;
		out->unsplit = lag;
		out->untouched = in->heap - out->heap;
		if (in->heap_from_reading && in->anon_at_system >= 0)
			out->untouched =
			    min64(out->untouched, max64(0, in->heap - in->anon_at_system));
	} else if (held >= 0) {
		out->unsplit = held + lag; /* heap and unused together */
		out->foreign = anon - held - lag;
	} else if (in->heap >= 0) {
		out->heap = min64(in->heap, anon);
		out->unsplit = anon - out->heap; /* unused and foreign together */
		out->untouched = in->heap - out->heap;
	} else {
		out->unsplit = anon;
	}
	return 0;
}

void split_carry_init(struct split_carry *c) { *c = (struct split_carry){-1, -1, -1}; }

void split_carry_update(struct split_carry *c, int64_t reads, struct split_in *in)
{
	int64_t anon = in->rss >= 0 ? in->rss - (in->file > 0 ? min64(in->file, in->rss) : 0) : -1;
	if (reads < 0) {
		in->heap_at_system = in->anon_at_system = -1;
		return;
	}
	if (reads != c->reads) {
		c->reads = reads;
		c->heap_read = in->heap;
		c->anon_read = anon;
	}
	in->heap_at_system = c->heap_read;
	in->anon_at_system = c->anon_read;
}

int64_t split_sum(const struct split_parts *p)
{
	const int64_t v[] = {p->file, p->heap, p->unused, p->foreign, p->unsplit};
	int64_t sum = 0;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		sum += v[i] > 0 ? v[i] : 0;
	return sum;
}

const char *split_unsplit_words(const struct split_parts *p)
{
	if (p->unsplit <= 0)
		return NULL;
	if (p->heap >= 0 && p->unused >= 0 && p->foreign >= 0)
		return "what anonymous memory grew since the allocator's last reading beyond "
		       "the heap's growth";
	if (p->foreign >= 0)
		return "the live heap and what the allocator holds unused (it does not count "
		       "its in-use bytes)";
	if (p->heap >= 0)
		return "what the allocator holds unused and memory not from malloc (no "
		       "allocator figures)";
	return "the whole anonymous memory (neither heap nor allocator figures)";
}
