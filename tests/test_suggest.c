/* test_suggest.c - did-you-mean: the distance, the threshold, ties, prefixes. */
#include <stdint.h>

#include "common/suggest.h"
#include "tap.h"

static const char *best_of(const char *word, const char *const *list)
{
	static struct suggest s;
	suggest_init(&s, word);
	suggest_add_list(&s, list);
	return suggest_best(&s);
}

static void expect_best(const char *word, const char *const *list, const char *want)
{
	const char *got = best_of(word, list);
	expect(want ? got && !strcmp(got, want) : !got, "'%s' suggests %s (got %s)", word,
	       want ? want : "nothing", got ? got : "nothing");
}

TEST(distance)
{
	expect_int(suggest_distance("", ""), 0);
	expect_int(suggest_distance("abc", ""), 3);
	expect_int(suggest_distance("jemallc", "jemalloc"), 1);  /* a letter dropped */
	expect_int(suggest_distance("jemlaloc", "jemalloc"), 1); /* two swapped */
	expect_int(suggest_distance("tcmallox", "tcmalloc"), 1); /* one replaced */
	expect_int(suggest_distance("GLIBC", "glibc"), 0);       /* case is a slip */
	expect_int(suggest_distance("kitten", "sitting"), 3);
	expect_int(suggest_distance("ca", "abc"), 3); /* OSA: no edit after a swap */
	char longer[SUGGEST_MAX_LEN + 2];
	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = 0;
	expect(suggest_distance(longer, "a") == SIZE_MAX, "a word past the limit is not compared");
}

TEST(choices)
{
	static const char *const allocs[] = {
	    "glibc",       "glibc-arena1", "glibc-mmap-fixed", "jemalloc",
	    "jemalloc-bg", "mimalloc",     "tcmalloc",         NULL};
	static const char *const presets[] = {"churn",  "leak",       "manifest", "stamps-handoff",
	                                      "stamps", "tile-cache", NULL};
	static const char *const commands[] = {"run",     "exec",     "list", "validate",
	                                       "compare", "baseline", "plot", NULL};
	expect_best("jemallc", allocs, "jemalloc");
	expect_best("Jemalloc", allocs, "jemalloc");
	expect_best("tcmaloc", allocs, "tcmalloc");
	expect_best("glibc-arena", allocs, "glibc-arena1");
	expect_best("tile-cach", presets, "tile-cache");
	expect_best("stamp", presets, "stamps");
	expect_best("rn", commands, "run");
	expect_best("exce", commands, "exec");
	expect_best("compair", commands, "compare");
	expect_best("hoard", allocs, NULL); /* nothing close */
	expect_best("xyzzy", commands, NULL);
	expect_best("glibc", allocs, NULL); /* the word itself is not a suggestion */
	/* The only candidate that starts with the word, when none is close. */
	expect_best("mani", presets, "manifest");
	expect_best("stamps-h", presets, "stamps-handoff");
	/* A tie goes to the first offered. */
	static const char *const tie[] = {"ab", "ac", NULL};
	expect_best("aa", tie, "ab");
}

TEST(phrase)
{
	static const char *const keys[] = {"name", "generator", "threads", NULL};
	struct suggest s;
	char buf[64];
	suggest_init(&s, "gnerator");
	suggest_add_list(&s, keys);
	expect_str(suggest_phrase(&s, buf, sizeof(buf)), "; did you mean 'generator'?");
	suggest_init(&s, "colour");
	suggest_add_list(&s, keys);
	expect_str(suggest_phrase(&s, buf, sizeof(buf)), "");
	char small[8];
	suggest_init(&s, "nme");
	suggest_add_list(&s, keys);
	expect_str(suggest_phrase(&s, small, sizeof(small)), "; did y");
}

int main(void)
{
	return tap_run((struct tap_test[]){
	    TAP(distance),
	    TAP(choices),
	    TAP(phrase),
	    {0},
	});
}
