/* log.c - stderr logging with printf-format checking (see log.h). */
#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static enum log_level max_level = LOG_INFO;

void log_set_level(enum log_level level) { max_level = level; }

static int use_colour(void)
{
	static int cached = -1;
	if (cached < 0)
		cached = isatty(STDERR_FILENO) && getenv("NO_COLOR") == NULL;
	return cached;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *const names[] = {"error", "warning", "note", "debug"};
	static const char *const colours[] = {"\033[1;31m", "\033[1;33m", "", "\033[2m"};
	if (level > max_level)
		return;
	va_list ap;
	va_start(ap, fmt);
	int colour = use_colour() && colours[level][0];
	fprintf(stderr, "wimm: %s%s:%s ", colour ? colours[level] : "", names[level],
	        colour ? "\033[0m" : "");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}
