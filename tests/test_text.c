/* test_text.c - text_clean: what a child writes, made safe for JSON and
 * terminals, on the byte sequences that broke them. */
#include "common/text.h"

#include <stdio.h>
#include <string.h>

#include "tap.h"

/* Messages show the bytes in hex: the inputs would upset the TAP stream. */
static const char *hex(const char *s, char *buf, size_t len)
{
	size_t o = 0;
	for (; *s && o + 3 < len; s++)
		o += (size_t)snprintf(buf + o, len - o, "%02x", (unsigned char)*s);
	buf[o] = 0;
	return buf;
}

static void clean(const char *in, int flags, const char *want)
{
	char out[256], a[256], b[256], c[256];
	text_clean(out, sizeof(out), in, flags);
	expect(!strcmp(out, want), "clean(%s) == %s (got %s)", hex(in, a, sizeof(a)),
	       hex(want, b, sizeof(b)), hex(out, c, sizeof(c)));
	expect(text_is_clean(out, flags), "the result is clean: %s", hex(out, a, sizeof(a)));
}

#define R "\xef\xbf\xbd" /* U+FFFD */

TEST(valid_text_is_kept)
{
	clean("plain ASCII, 100%", 0, "plain ASCII, 100%");
	clean("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x98", 0,
	      "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x98");
	clean("two\nlines\tand a tab", 0, "two\nlines\tand a tab");
	clean("", 0, "");
	expect(text_is_clean("caf\xc3\xa9", TEXT_ONE_LINE), "valid UTF-8 is clean");
}

TEST(invalid_utf8_is_replaced)
{
	clean("\xff", 0, R);
	clean("a\xfe\xff"
	      "b",
	      0, "a" R R "b");
	clean("\xc3", 0, R);                   /* cut before its continuation */
	clean("\xe2\x82", 0, R R);             /* cut in the middle */
	clean("\xc0\xaf", 0, R R);             /* overlong '/' */
	clean("\xe0\x80\xaf", 0, R R R);       /* overlong, 3 bytes */
	clean("\xed\xa0\x80", 0, R R R);       /* a UTF-16 surrogate */
	clean("\xf4\x90\x80\x80", 0, R R R R); /* past U+10FFFF */
	clean("\x80 lone", 0, R " lone");
	expect(!text_is_clean("a\xff", 0), "invalid UTF-8 is not clean");
}

TEST(escapes_and_controls_are_replaced)
{
	clean("\x1b[31mred\x1b[0m", 0, R "[31mred" R "[0m");
	clean("\x1b]0;title\x07", 0, R "]0;title" R);
	clean("a\rb", 0, "a" R "b"); /* a carriage return rewrites the line */
	clean("del\x7f", 0, "del" R);
	clean("c1 \xc2\x9b"
	      "2J",
	      0, "c1 " R "2J"); /* U+009B, the 8-bit CSI */
	clean("\xe2\x80\xae"
	      "evil",
	      0, R "evil");               /* right-to-left override */
	clean("\xe2\x81\xa6x", 0, R "x"); /* U+2066, an isolate */
	expect(!text_is_clean("\x1b[0m", 0), "an escape is not clean");
}

TEST(one_line)
{
	clean("a\nb\tc\rd", TEXT_ONE_LINE, "a b c d");
	expect(!text_is_clean("a\nb", TEXT_ONE_LINE), "a newline is not one line");
}

TEST(cut_at_a_character)
{
	char out[6];
	/* "é" is 2 bytes: 4 of them fit with the NUL, not a fifth half one. */
	text_clean(out, sizeof(out), "\xc3\xa9\xc3\xa9\xc3\xa9", 0);
	expect(!strcmp(out, "\xc3\xa9\xc3\xa9"), "cut between characters (got %zu bytes)",
	       strlen(out));
	text_clean(out, sizeof(out), "ab\xff\xff", 0);
	expect(!strcmp(out, "ab" R), "a replacement that does not fit is left out");
	char same[32] = "in \xff place \x1b";
	text_clean(same, sizeof(same), same, 0);
	expect(!strcmp(same, "in " R " place " R), "in place, growing");
}

TEST(bounded_field)
{
	/* A fixed field with no NUL (another process filled it): only its
	 * bytes are read. */
	const char field[4] = {'a', 'b', 'c', 'd'};
	char out[16];
	text_clean_n(out, sizeof(out), field, sizeof(field), 0);
	expect(!strcmp(out, "abcd"), "read 4 bytes, no more (got %s)", out);
}

int main(void)
{
	return tap_run((struct tap_test[]){
	    TAP(valid_text_is_kept),
	    TAP(invalid_utf8_is_replaced),
	    TAP(escapes_and_controls_are_replaced),
	    TAP(one_line),
	    TAP(cut_at_a_character),
	    TAP(bounded_field),
	    {0},
	});
}
