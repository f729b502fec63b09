/* log.h - the one logging entry point of the driver and the worker.
 *
 * Progress and warnings go to stderr; data (tables, file paths) goes to
 * stdout from the callers. Colour only when stderr is a TTY and NO_COLOR is
 * unset, so CI logs stay plain.
 */
#ifndef WIMM_LOG_H
#define WIMM_LOG_H

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* fn (NULL: none) is called before each message is printed: a live
 * progress line clears itself there, so the message gets a line of its own. */
void log_set_interrupt(void (*fn)(void));

/* Prints "wimm: error: ..." (or warning/note) with a trailing newline. */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* Whether fd is a terminal that takes colour and redrawing: not a pipe
 * or file, not with NO_COLOR set (https://no-color.org), not TERM=dumb.
 * The one rule for the log, the progress line and compare's marks. */
int log_colour_ok(int fd);

#endif
