/* suggest.h - "did you mean ...?" for a word that names nothing known:
 * an allocator, a preset, a command, an option, a YAML key.
 *
 *   struct suggest s;
 *   suggest_init(&s, "jemallc");
 *   suggest_add(&s, "glibc"); suggest_add(&s, "jemalloc"); ...
 *   log_error("unknown allocator '%s'%s", word, suggest_phrase(&s, buf, sizeof(buf)));
 *   -> "unknown allocator 'jemallc'; did you mean 'jemalloc'?"
 *
 * Candidates are offered one by one, so any list (a NULL-terminated array,
 * the allocators loaded, the presets in a directory) feeds it without a copy.
 */
#ifndef WIMM_SUGGEST_H
#define WIMM_SUGGEST_H

#include <stddef.h>

/* Words longer than this get no suggestion (paths, pasted text). */
#define SUGGEST_MAX_LEN 64

struct suggest {
	const char *word;
	const char *best; /* the closest candidate so far, or NULL */
	int best_dist;
	const char *prefix_of; /* the one candidate word is a prefix of, or NULL */
	int prefixes;          /* how many candidates word is a prefix of */
};

/* Edit distance between a and b: insertions, deletions, substitutions and
 * swaps of two neighbours cost 1 each (optimal string alignment), letters
 * compared without case. SIZE_MAX when either is longer than
 * SUGGEST_MAX_LEN. */
size_t suggest_distance(const char *a, const char *b);

void suggest_init(struct suggest *s, const char *word);

/* Offers a candidate; it must outlive s. */
void suggest_add(struct suggest *s, const char *candidate);

/* Offers every string of a NULL-terminated list. */
void suggest_add_list(struct suggest *s, const char *const *list);

/* The candidate to suggest, or NULL: the only candidate the word (3
 * letters or more) is a prefix of, unless another is one edit away; else
 * the closest one within a third of the word's length (at least 1, at most
 * 3 edits; the first offered wins a tie). Never the word itself. */
const char *suggest_best(const struct suggest *s);

/* "; did you mean 'X'?" for the best candidate, or "" when there is none.
 * Returns buf. */
const char *suggest_phrase(const struct suggest *s, char *buf, size_t len);

#endif
