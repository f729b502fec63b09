/* limits.h - limits and rules that several programs and modules share.
 *
 * A name (workload, phase, allocator, run id) is 1 to WIMM_NAME_MAX - 1
 * characters from [A-Za-z0-9_.-]: the YAML loader, the command line and
 * every reader of files wimm wrote apply this one rule, so a name is
 * always safe as a file name, a shell word and a gnuplot string, whoever
 * wrote the file it came from.
 */
#ifndef WIMM_LIMITS_H
#define WIMM_LIMITS_H

#include <stdbool.h>
#include <stddef.h>

/* Buffer size of a name, its terminator included. */
#define WIMM_NAME_MAX 48
/* Phases of a workload, and of its series: the worker marks a "start"
 * phase before the first one (workload.h, series.h, scoreboard.h). */
#define WIMM_MAX_PHASES 16
#define WIMM_SERIES_PHASES (WIMM_MAX_PHASES + 1)
/* Threads of a cell: each has its own slot in the scoreboard. */
#define WIMM_MAX_THREADS 64

/* Names are copied into fixed buffers of the scoreboard (a phase's name)
 * and of every record: one size for all, small enough to print whole. */
_Static_assert(WIMM_NAME_MAX >= 16 && WIMM_NAME_MAX <= 256, "a name fits a line of text");
_Static_assert(WIMM_SERIES_PHASES == WIMM_MAX_PHASES + 1, "a series adds the start phase");

/* Buffer size of a testbed id ("<machine>-<CPUs>cpu-<kernel release>"). */
#define WIMM_TESTBED_MAX 128
_Static_assert(WIMM_TESTBED_MAX > WIMM_NAME_MAX, "a testbed holds a machine and a kernel");

static inline bool limits_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-';
}

/* 1 to size - 1 name characters, and nothing else. */
static inline bool limits_word_ok(const char *s, size_t size)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (n + 1 >= size || !limits_name_char(s[n]))
			return false;
	return n > 0;
}

static inline bool limits_name_ok(const char *s) { return limits_word_ok(s, WIMM_NAME_MAX); }

/* A testbed names files (baseline/<testbed>.json, history/<testbed>.csv):
 * name characters, not starting with a dot (so never "." or ".."). */
static inline bool limits_testbed_ok(const char *s)
{
	return s[0] != '.' && limits_word_ok(s, WIMM_TESTBED_MAX);
}

#endif
