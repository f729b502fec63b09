/* text.h - text from outside made safe to print and to store.
 *
 * What a child writes (its stderr, strings it puts in the scoreboard)
 * reaches summary.json, cells.csv and the terminal. Invalid UTF-8 made
 * summary.json invalid JSON, and escape sequences (ANSI colours, OSC
 * window titles, cursor moves) were printed raw to the user's terminal.
 * Cleaned text is valid UTF-8 with no control character but (optionally)
 * newline and tab, so it is safe in JSON, CSV (quoted), TSV (one line)
 * and on a terminal.
 */
#ifndef WIMM_TEXT_H
#define WIMM_TEXT_H

#include <stddef.h>

enum text_flags {
	TEXT_ONE_LINE = 1, /* newline, carriage return and tab become spaces */
};

/* Copies src into dst (len bytes, always NUL-terminated when len > 0):
 * valid UTF-8 is kept; each byte of an invalid sequence, each control
 * character (C0 but newline and tab, DEL, C1) and each bidirectional
 * override (U+202A-U+202E, U+2066-U+2069, which reorder what a terminal
 * shows) becomes U+FFFD. Cut at a character boundary when dst is too small.
 * dst and src may be the same buffer. Returns dst. */
char *text_clean(char *dst, size_t len, const char *src, int flags);

/* The same for a fixed-size field that another process may write at the
 * same time (the scoreboard): at most srclen bytes are read, once, and no
 * terminating NUL is needed. */
char *text_clean_n(char *dst, size_t len, const volatile char *src, size_t srclen, int flags);

/* 1 when s would come out of text_clean unchanged. */
int text_is_clean(const char *s, int flags);

#endif
