/* log.c - stderr logging with printf-format checking (see log.h).
 *
 * Messages quote what others wrote (a child's last line of stderr, names
 * from files): every message is cleaned (text.h) before it is printed, so
 * an escape sequence reaches the terminal as U+FFFD, never as a command. */
#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/text.h"

/* The most verbose level printed: debug messages are for the code's
 * readers, who enable them here. */
static const enum log_level max_level = LOG_INFO;
static void (*interrupt)(void);

void log_set_interrupt(void (*fn)(void)) { interrupt = fn; }

int log_colour_ok(int fd)
{
	const char *term = getenv("TERM");
	return isatty(fd) && getenv("NO_COLOR") == NULL && !(term && !strcmp(term, "dumb"));
}

static int use_colour(void)
{
	static int cached = -1;
	if (cached < 0)
		cached = log_colour_ok(STDERR_FILENO);
	return cached;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *const names[] = {"error", "warning", "note", "debug"};
	static const char *const colours[] = {"\033[1;31m", "\033[1;33m", "", "\033[2m"};
	if (level > max_level)
		return;
	char small[1024], *msg = small;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(small) && (msg = malloc((size_t)n + 1))) {
		va_start(ap, fmt);
		vsnprintf(msg, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	if (!msg)
		msg = small; /* out of memory: the message cut at 1 KiB */
	/* Three bytes out for one in at worst (U+FFFD). */
	size_t room = 3 * (n > 0 ? (size_t)n : 0) + 1;
	char *clean = malloc(room);
	int colour = use_colour() && colours[level][0];
	const char *shown = clean ? text_clean(clean, room, msg, 0)
	                          : text_clean(msg, strlen(msg) + 1, msg, 0); /* cut if it grows */
	if (interrupt)
		interrupt();
	fprintf(stderr, "wimm: %s%s:%s %s\n", colour ? colours[level] : "", names[level],
	        colour ? "\033[0m" : "", shown);
	free(clean);
	if (msg != small)
		free(msg);
}
