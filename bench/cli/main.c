/* main.c - wimm: where is my memory? Dispatches the subcommands. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bench/cli/cmd.h"
#include "config.h"
#include "common/log.h"
#include "common/suggest.h"

static const char usage_text[] =
    "usage: wimm COMMAND [options]\n"
    "Runs allocation workloads under several allocators and shows where the\n"
    "memory goes: RSS over time against the heap the program really holds.\n"
    "\n"
    "commands:\n"
    "  run [WORKLOAD ...]     run workloads under each allocator (default: all presets)\n"
    "  exec -- COMMAND ...    run a real program under each allocator\n"
    "  list                   allocators found (library, version) and shipped workloads\n"
    "  validate FILE ...      check workload files (--allocator for allocator files)\n"
    "  help workloads         the workload format: every key, value and generator\n"
    "  describe [GENERATOR]   one generator and its keys (without one: the list)\n"
    "  compare BASE NEW       regressions of a run against another or a baseline\n"
    "  baseline update [RUN]  make the run the baseline of its testbed\n"
    "  plot [RUN_DIR]         figures and report of a run again (--history: over runs)\n"
    "  merge RUN_DIR ...      put the shards of a run (run --shard K/N) back together\n"
    "  record -- COMMAND ...  record a program's allocations into a trace (.wtrace)\n"
    "  trace info FILE        what a trace holds (sizes, lifetimes, peak, threads)\n"
    "\n"
    "  wimm COMMAND --help    options of a command\n"
    "  wimm --version\n"
    "\n"
    "exit codes: 0 ok, 1 some cells failed, 2 bad usage or input (nothing ran),\n"
    "3 something asked for could not be written (results, latest, history, stdout),\n"
    "130 interrupted (finished cells kept).\n"
    "compare: 0 no regression, 1 a regression, 2 bad usage or input, 3 not comparable\n"
    "or an output not written, 4 incomplete (what NEW lacks was not judged).\n";

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
    {"run", cmd_run},           {"exec", cmd_exec},       {"list", cmd_list},
    {"validate", cmd_validate}, {"compare", cmd_compare}, {"baseline", cmd_baseline},
    {"plot", cmd_plot},         {"record", cmd_record},   {"trace", cmd_trace},
    {"describe", cmd_describe}, {"merge", cmd_merge},
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* Everything a command printed on stdout is what the user asked for: a
 * stdout that cannot take it (a full disk, /dev/full, a closed pipe) is a
 * failure to write, exit 3, with the reason, whatever the command said. */
static int finish_stdout(int code)
{
	errno = 0;
	if (fflush(stdout) == 0 && !ferror(stdout))
		return code;
	/* A command that already failed to write (run's table) said why. */
	if (code != EXIT_IO)
		log_error("cannot write to standard output: %s", strerror(errno ? errno : EIO));
	return EXIT_IO;
}

static int dispatch(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "help") && argc > 2)
		return cmd_help(argc - 1, argv + 1);
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		fputs(usage_text, stdout);
		return EXIT_OK;
	}
	if (!strcmp(cmd, "--version")) {
		printf("wimm %s\n", WIMM_VERSION);
		return EXIT_OK;
	}
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(cmd, commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	char list[256] = "", hint[96];
	struct suggest s;
	suggest_init(&s, cmd);
	for (size_t i = 0; i < NCOMMANDS; i++) {
		suggest_add(&s, commands[i].name);
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "",
		         commands[i].name);
	}
	log_error("unknown command '%s'%s commands are %s (see wimm --help)", cmd,
	          suggest_best(&s) ? suggest_phrase(&s, hint, sizeof(hint)) : ";", list);
	return EXIT_USAGE;
}

int main(int argc, char **argv) { return finish_stdout(dispatch(argc, argv)); }
