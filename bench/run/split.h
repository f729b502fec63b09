/* split.h - where is my memory: RSS split into parts that add up to it.
 *
 * The one definition of the parts, used for every sample of a series, for
 * the worker's exact snapshots and for the figures, tables and findings
 * built from them. From one sample's columns, all read together:
 *
 *   file     file-backed and shared pages (code, libraries, the
 *            scoreboard): statm's "shared" count, read in the same pread
 *            as RSS, so exact at the sample. anon = RSS - file.
 *   held     what the allocator holds from the OS and is resident: its
 *            resident figure where it has one (jemalloc, tcmalloc), else
 *            its system figure (glibc: every page it holds that it once
 *            handed out; mimalloc: committed), capped at anon.
 *   heap     the program's live heap (the worker's count, or the
 *            allocator's in-use figure under `wimm exec`), capped at held.
 *   unused   held - heap: held by the allocator but not in use (free
 *            chunks, caches, dirty pages, its per-block overhead).
 *   foreign  anon - held: anonymous memory that never came from malloc
 *            (thread stacks, direct mmap, pymalloc's arenas, other
 *            allocators inside the program).
 *   unsplit  anonymous memory the figures at hand cannot split: without
 *            the allocator's figures, anon - heap (unused and foreign
 *            together); without an in-use figure (mimalloc under `wimm
 *            exec`), held itself (heap and unused together); and, between
 *            probe readings, the growth of anon since the last reading
 *            that the heap's growth does not explain (it may be the
 *            allocator's or not: the next reading tells).
 *   untouched the heap beyond held: allocated but never touched, so not
 *            resident and not part of RSS (memray's "lazily allocated").
 *            A heap figure as old as the probe's reading (`wimm exec`)
 *            counts only what already exceeded anon at that reading: RSS
 *            that fell since is memory given back, not memory untouched.
 *
 * file + heap + unused + foreign + unsplit == RSS exactly, at every
 * sample (a part that is n/a counts 0); untouched is beside RSS, not in it.
 *
 * The allocator's figures come from the probe, which reads less often than
 * the driver samples: a sample carries the probe's last reading. Between
 * readings, held is the last reading's figure raised by whatever the live
 * heap grew since that reading (growth has to be backed by memory the
 * allocator holds), never lowered (a freed block stays held until the
 * allocator's next trim or purge, which the next reading shows); anon's
 * growth beyond that is not separable until the next reading, rather than
 * guessed to be the allocator's or not. So the file part, RSS and the
 * worker's heap are exact at each sample; held, unused, foreign and
 * unsplit are good to one probe interval (sampled), and exact at the
 * worker's snapshots and at exit, where all figures are one instant. Under
 * `wimm exec` the heap is the allocator's in-use figure, from the same
 * reading as held: it is carried unchanged.
 */
#ifndef WIMM_SPLIT_H
#define WIMM_SPLIT_H

#include <stdint.h>

/* One instant's columns (-1 = n/a). */
struct split_in {
	int64_t rss, file;      /* statm resident and shared, bytes */
	int64_t heap;           /* live heap: the worker's, or the allocator's in-use */
	int64_t system;         /* the allocator's held-from-the-OS figure */
	int64_t resident;       /* of that, resident, where it knows */
	int64_t heap_at_system; /* heap when system/resident were read; -1: now */
	int64_t anon_at_system; /* rss - file then; -1: now */
	/* 1: heap is the allocator's in-use figure of the same reading as
	 * system (`wimm exec`), so it is as old as that reading. */
	int heap_from_reading;
};

/* The parts (-1 = n/a). */
struct split_parts {
	int64_t file, heap, unused, foreign, unsplit, untouched;
};

/* Computes the parts of one instant (see above). Returns 0, or -EINVAL
 * when rss is not known (every part n/a then). */
int split_compute(const struct split_in *in, struct split_parts *out);

/* The carry of the allocator's figures from one probe reading to the
 * following samples (split_carry_update). */
struct split_carry {
	int64_t reads;     /* the probe's reading count last seen; -1 none */
	int64_t heap_read; /* live heap at the first sample that saw it */
	int64_t anon_read; /* and its anonymous RSS */
};

/* A carry with no reading seen. */
void split_carry_init(struct split_carry *c);

/* Fills in->heap_at_system and anon_at_system for a sample whose probe
 * reading count is reads (-1: no probe): the heap and anonymous RSS when
 * the driver first saw that reading. */
void split_carry_update(struct split_carry *c, int64_t reads, struct split_in *in);

/* The sum the parts add up to: file + heap + unused + foreign + unsplit,
 * n/a parts counted 0. Equal to in->rss whenever split_compute returned 0. */
int64_t split_sum(const struct split_parts *p);

/* Which parts the figures could not separate, in words, for the report
 * ("the live heap and what the allocator holds unused"), or NULL when
 * every part is known. */
const char *split_unsplit_words(const struct split_parts *p);

#endif
