/* test_split.c - RSS split into parts (bench/run/split.h): each case of
 * what the figures at hand allow, the carry between probe readings, and
 * the rule that the parts add up to RSS exactly, over a million random
 * instants and over a series built row by row as the sampler builds it.
 */
#include <stdint.h>

#include "bench/run/series.h"
#include "bench/run/split.h"
#include "tap.h"

#define MiB (INT64_C(1) << 20)

static struct split_parts parts(int64_t rss, int64_t file, int64_t heap, int64_t system,
                                int64_t resident)
{
	struct split_in in = {rss, file, heap, system, resident, -1, -1, 0};
	struct split_parts p;
	expect_int(split_compute(&in, &p), 0);
	expect_int(split_sum(&p), rss);
	return p;
}

/* glibc after freeing: it keeps what it got, the heap is small. */
TEST(all_known)
{
	struct split_parts p = parts(100 * MiB, 4 * MiB, 10 * MiB, 80 * MiB, -1);
	expect_int(p.file, 4 * MiB);
	expect_int(p.heap, 10 * MiB);
	expect_int(p.unused, 70 * MiB);
	expect_int(p.foreign, 16 * MiB);
	expect_int(p.unsplit, 0);
	expect_int(p.untouched, 0);
	expect(split_unsplit_words(&p) == NULL, "every part known");
}

/* The resident figure wins over the system one where there is one. */
TEST(resident_preferred)
{
	struct split_parts p = parts(100 * MiB, 0, 10 * MiB, 90 * MiB, 30 * MiB);
	expect_int(p.unused, 20 * MiB);
	expect_int(p.foreign, 70 * MiB);
}

/* The allocator says it holds more than the anonymous RSS (pages it got
 * and never touched): held is capped, nothing is "not from malloc". */
TEST(held_capped)
{
	struct split_parts p = parts(50 * MiB, 2 * MiB, 10 * MiB, 90 * MiB, -1);
	expect_int(p.heap, 10 * MiB);
	expect_int(p.unused, 38 * MiB);
	expect_int(p.foreign, 0);
}

/* A heap larger than what is resident (sqlite3's lazily touched cache):
 * the excess is never touched, beside RSS, not in it. */
TEST(untouched)
{
	struct split_parts p = parts(50 * MiB, 2 * MiB, 60 * MiB, 70 * MiB, -1);
	expect_int(p.heap, 48 * MiB);
	expect_int(p.unused, 0);
	expect_int(p.untouched, 12 * MiB);
}

/* mimalloc under `wimm exec`: no in-use figure, so heap and unused are
 * one part; what is beyond what it holds is still not from malloc. */
TEST(no_in_use)
{
	struct split_parts p = parts(100 * MiB, 4 * MiB, -1, 30 * MiB, -1);
	expect_int(p.heap, -1);
	expect_int(p.unused, -1);
	expect_int(p.unsplit, 30 * MiB);
	expect_int(p.foreign, 66 * MiB);
	expect(split_unsplit_words(&p) != NULL, "says what cannot be separated");
}

/* --no-probe: the worker's heap, and the rest of the anonymous RSS. */
TEST(no_allocator_figures)
{
	struct split_parts p = parts(100 * MiB, 4 * MiB, 30 * MiB, -1, -1);
	expect_int(p.heap, 30 * MiB);
	expect_int(p.unused, -1);
	expect_int(p.foreign, -1);
	expect_int(p.unsplit, 66 * MiB);
	p = parts(100 * MiB, 4 * MiB, -1, -1, -1);
	expect_int(p.unsplit, 96 * MiB);
}

/* The snapshot's way: every figure of one instant, nothing carried. */
TEST(snapshot)
{
	struct split_in in = {.rss = 40 * MiB,
	                      .file = 2 * MiB,
	                      .heap = 12 * MiB,
	                      .system = 30 * MiB,
	                      .resident = -1,
	                      .heap_at_system = -1,
	                      .anon_at_system = -1};
	struct split_parts p;
	split_compute(&in, &p);
	expect_int(p.unused, 18 * MiB);
	expect_int(p.foreign, 8 * MiB);
	expect_int(p.unsplit, 0);
}

/* A file count above RSS (never from statm, but a reader may be wrong):
 * the file part is all of RSS. An unknown RSS splits nothing. */
TEST(odd_inputs)
{
	struct split_parts p = parts(10 * MiB, 20 * MiB, 1 * MiB, 5 * MiB, -1);
	expect_int(p.file, 10 * MiB);
	expect_int(p.heap, 0);
	expect_int(p.untouched, 1 * MiB);
	struct split_in in = {-1, 0, 0, 0, 0, -1, -1, 0};
	expect(split_compute(&in, &p) < 0, "no RSS, no split");
}

/* Between readings, held rises with the heap and never falls. */
TEST(carry)
{
	struct split_carry c;
	struct split_parts p;
	split_carry_init(&c);
	/* reading 1: heap 10, held 20 */
	struct split_in in = {100 * MiB, 0, 10 * MiB, 20 * MiB, -1, -1, -1, 0};
	split_carry_update(&c, 1, &in);
	split_compute(&in, &p);
	expect_int(p.unused, 10 * MiB);
	/* same reading, heap now 40: held follows to 50 */
	in.heap = 40 * MiB;
	split_carry_update(&c, 1, &in);
	split_compute(&in, &p);
	expect_int(p.heap, 40 * MiB);
	expect_int(p.unused, 10 * MiB);
	expect_int(p.untouched, 0);
	/* heap falls to 5: held stays at 20 */
	in.heap = 5 * MiB;
	split_carry_update(&c, 1, &in);
	split_compute(&in, &p);
	expect_int(p.unused, 15 * MiB);
	/* RSS grows by 30 while the heap stays: not separable until the
	 * next reading says whose it is */
	in.rss = 130 * MiB;
	split_carry_update(&c, 1, &in);
	split_compute(&in, &p);
	expect_int(p.unsplit, 30 * MiB);
	expect_int(p.foreign, 80 * MiB);
	expect_int(split_sum(&p), 130 * MiB);
	expect(split_unsplit_words(&p) != NULL, "the lag is named");
	/* a new reading replaces the carried figures */
	in.system = 8 * MiB;
	in.rss = 100 * MiB;
	split_carry_update(&c, 2, &in);
	split_compute(&in, &p);
	expect_int(p.unused, 3 * MiB);
	expect_int(p.foreign, 92 * MiB);
	expect_int(p.unsplit, 0);
}

/* Under `wimm exec` the heap is the in-use figure of the same reading: a
 * rise of RSS between readings is not separable, not "not from malloc". */
TEST(carry_exec)
{
	struct split_carry c;
	struct split_parts p;
	split_carry_init(&c);
	struct split_in in = {50 * MiB, 2 * MiB, 30 * MiB, 40 * MiB, -1, -1, -1, 0};
	split_carry_update(&c, 7, &in);
	split_compute(&in, &p);
	expect_int(p.foreign, 8 * MiB);
	in.rss = 70 * MiB;
	split_carry_update(&c, 7, &in);
	split_compute(&in, &p);
	expect_int(p.heap, 30 * MiB);
	expect_int(p.unused, 10 * MiB);
	expect_int(p.foreign, 8 * MiB);
	expect_int(p.unsplit, 20 * MiB);
	/* RSS falls below the (older) heap: given back, not untouched */
	in.heap_from_reading = 1;
	in.rss = 20 * MiB;
	split_carry_update(&c, 7, &in);
	split_compute(&in, &p);
	expect_int(p.untouched, 0);
	expect_int(split_sum(&p), 20 * MiB);
}

static uint64_t rng = 0x9e3779b97f4a7c15u;
static int64_t rnd(int64_t max)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (int64_t)(rng % (uint64_t)(max + 1));
}

/* Any figure n/a (-1) or any size: the parts are >= 0 where known and add
 * up to RSS exactly. */
TEST(sum_random)
{
	int bad = 0, negative = 0;
	struct split_carry c;
	split_carry_init(&c);
	for (int i = 0; i < 1000000; i++) {
		struct split_in in = {rnd(1 << 30),
		                      rnd(3) ? rnd(1 << 28) : -1,
		                      rnd(3) ? rnd(1 << 30) : -1,
		                      rnd(3) ? rnd(1 << 30) : -1,
		                      rnd(1) ? rnd(1 << 30) : -1,
		                      -1,
		                      -1,
		                      0};
		split_carry_update(&c, rnd(2) ? rnd(5) : -1, &in);
		struct split_parts p;
		split_compute(&in, &p);
		bad += split_sum(&p) != in.rss;
		negative += p.file < -1 || p.heap < -1 || p.unused < -1 || p.foreign < -1 ||
		            p.unsplit < 0 || p.untouched < -1;
	}
	expect_int(bad, 0);
	expect_int(negative, 0);
}

/* As the sampler takes rows: each row's part columns add up to its
 * rss_bytes. */
TEST(series_rows)
{
	struct split_carry carry;
	split_carry_init(&carry);
	int bad = 0;
	for (int i = 0; i < 10000; i++) {
		struct sample r = {.t_s = i * 0.01,
		                   .rss_bytes = rnd(1 << 30),
		                   .rss_file_bytes = rnd(1 << 26),
		                   .heap_bytes = rnd(1 << 30),
		                   .alloc_system_bytes = rnd(4) ? rnd(1 << 30) : -1,
		                   .alloc_resident_bytes = -1,
		                   .probe_reads = i / 10};
		series_fill_parts(&carry, &r);
		int64_t sum = 0, v[] = {r.rss_file_bytes, r.part_heap_bytes, r.part_unused_bytes,
		                        r.part_foreign_bytes, r.part_unsplit_bytes};
		for (int k = 0; k < 5; k++)
			sum += v[k] > 0 ? v[k] : 0;
		bad += sum != r.rss_bytes;
	}
	expect_int(bad, 0);
}

int main(void)
{
	return tap_run((struct tap_test[]){
	    TAP(all_known),
	    TAP(resident_preferred),
	    TAP(held_capped),
	    TAP(untouched),
	    TAP(no_in_use),
	    TAP(no_allocator_figures),
	    TAP(snapshot),
	    TAP(odd_inputs),
	    TAP(carry),
	    TAP(carry_exec),
	    TAP(sum_random),
	    TAP(series_rows),
	    {0},
	});
}
