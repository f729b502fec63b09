/* suggest.c - did-you-mean by edit distance (see suggest.h).
 *
 * Optimal string alignment rather than plain Levenshtein: a swap of two
 * letters ("jemlaloc") is the commonest typo and should cost one edit, not
 * two. The threshold grows with the word, so "rn" finds "run" while a long
 * word does not match anything that merely shares its length. Case is
 * ignored because "Glibc" or "TILE-CACHE" is a slip, not another name.
 */
#include "common/suggest.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

size_t suggest_distance(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);
	if (n > SUGGEST_MAX_LEN || m > SUGGEST_MAX_LEN)
		return SIZE_MAX;
	/* Three rows of the dynamic-programming table: the swap looks two
	 * rows back. */
	size_t rows[3][SUGGEST_MAX_LEN + 1];
	size_t *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
	for (size_t j = 0; j <= m; j++)
		prev[j] = j;
	for (size_t i = 1; i <= n; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= m; j++) {
			size_t cost = lower(a[i - 1]) != lower(b[j - 1]);
			size_t best = prev[j - 1] + cost;
			if (prev[j] + 1 < best)
				best = prev[j] + 1;
			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
			    lower(a[i - 2]) == lower(b[j - 1]) && prev2[j - 2] + 1 < best)
				best = prev2[j - 2] + 1;
			cur[j] = best;
		}
		size_t *t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[m];
}

void suggest_init(struct suggest *s, const char *word)
{
	*s = (struct suggest){.word = word, .best_dist = -1};
}

/* How many edits still make a plausible typo of a word of len letters. */
static int threshold(size_t len)
{
	size_t t = len / 3;
	return t < 1 ? 1 : t > 3 ? 3 : (int)t;
}

void suggest_add(struct suggest *s, const char *candidate)
{
	if (!candidate || !*candidate || !strcmp(candidate, s->word))
		return;
	size_t d = suggest_distance(s->word, candidate);
	if (d != SIZE_MAX && (int)d <= threshold(strlen(s->word)) &&
	    (s->best_dist < 0 || (int)d < s->best_dist)) {
		s->best = candidate;
		s->best_dist = (int)d;
	}
	size_t wl = strlen(s->word);
	if (wl >= 3 && strlen(candidate) > wl && !strncmp(candidate, s->word, wl)) {
		s->prefixes++;
		s->prefix_of = candidate;
	}
}

void suggest_add_list(struct suggest *s, const char *const *list)
{
	for (; list && *list; list++)
		suggest_add(s, *list);
}

const char *suggest_best(const struct suggest *s)
{
	/* "stamps-h" means stamps-handoff more than the two edits away stamps. */
	if (s->prefixes == 1 && (!s->best || s->best_dist > 1))
		return s->prefix_of;
	return s->best;
}

const char *suggest_phrase(const struct suggest *s, char *buf, size_t len)
{
	const char *best = suggest_best(s);
	if (len == 0)
		return "";
	if (best)
		snprintf(buf, len, "; did you mean '%s'?", best);
	else
		buf[0] = '\0';
	return buf;
}
