/* cmd_trace.c - `wimm trace info FILE [--json]`: what a recorded trace
 * holds. The whole file is read and checked; a bad one is an error naming
 * the byte offset and what was expected there.
 */
#include <stdio.h>
#include <string.h>

#include "bench/cli/cmd.h"
#include "bench/trace/info.h"
#include "common/log.h"

static const char usage_text[] =
    "usage: wimm trace info [--json] FILE.wtrace\n"
    "Prints what a trace from `wimm record` holds: the command and host, duration,\n"
    "threads, events by call, the peak live heap and when, a size histogram, a\n"
    "lifetime histogram, the share of blocks freed by another thread, reallocs\n"
    "that grow and shrink. Reads and checks the whole file.\n"
    "\n"
    "  --json      the same as one JSON object\n"
    "  -h, --help  this help\n"
    "\n"
    "Exit: 0 ok, 2 bad usage or a file that is not a valid trace (the error names\n"
    "the byte offset and what was expected).\n";

int cmd_trace(int argc, char **argv)
{
	int json = 0;
	const char *path = NULL;
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage_text, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	if (strcmp(argv[1], "info")) {
		log_error("unknown trace command '%s'; expected info (see wimm trace --help)",
		          argv[1]);
		return EXIT_USAGE;
	}
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage_text, stdout);
			return EXIT_OK;
		} else if (argv[i][0] == '-' || path) {
			log_error("unexpected argument '%s'; see wimm trace --help", argv[i]);
			return EXIT_USAGE;
		} else {
			path = argv[i];
		}
	}
	if (!path) {
		log_error("no trace given: wimm trace info FILE.wtrace");
		return EXIT_USAGE;
	}
	struct trace_stats st;
	char err[1024];
	if (info_collect(path, &st, err, sizeof(err))) {
		log_error("%s", err);
		return EXIT_USAGE;
	}
	if (info_print(path, &st, json, stdout)) {
		log_error("%s: cannot read it again", path);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}
