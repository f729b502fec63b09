/* cmd_exec.c - `wimm exec`: a real program under each allocator.
 *
 * The same cells, sampling and results as `wimm run`, with the user's
 * command in place of the worker. There is no scoreboard count of the heap
 * in a real program, so its heap is what the allocator reports in use (from
 * the probe); its stdout and stderr are kept per cell under output/.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/cli/cmd.h"
#include "common/log.h"
#include "bench/plan/matrix.h"
#include "bench/run/session.h"

#define DEFAULT_TIMEOUT_S 3600.0

static const char usage_head[] =
    "usage: wimm exec [options] -- COMMAND [ARGS ...]\n"
    "Runs COMMAND under each allocator, each run in its own process, and records\n"
    "its memory over time as `wimm run` does. Its heap is the allocator's in-use\n"
    "bytes (from the probe). Only the process started is measured: children it\n"
    "starts inherit the allocator but are not sampled.\n"
    "\n"
    "      --name NAME         name of the workload in the results (default: the\n"
    "                          command's file name)\n"
    "      --stdin FILE        feed FILE to every run (`-` passes wimm's own stdin,\n"
    "                          for a single run); default: no input (/dev/null)\n"
    "      --timeout DUR       per-run timeout (default 1h)\n";
static const char usage_tail[] =
    "  -h, --help              this help\n"
    "\n"
    "Writes OUT/runs/<id>/ like `wimm run`, plus output/<run>.stdout and .stderr.\n"
    "A run that exits non-zero is a failed cell; its exit status is recorded.\n"
    "Exit: 0 all runs ok, 1 some failed, 2 bad usage, 3 results could not be\n"
    "written, 130 interrupted.\n";

struct exec_opts {
	struct session_opts s;
	char name[WORKLOAD_NAME_MAX];
	const char *stdin_path;
};

static int parse_opts(int argc, char **argv, struct exec_opts *o)
{
	enum { O_NAME = SESSION_O_FIRST_FREE, O_STDIN };
	static const struct option longopts[] = {
	    SESSION_LONGOPTS,
	    {"name", required_argument, NULL, O_NAME},
	    {"stdin", required_argument, NULL, O_STDIN},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	memset(o, 0, sizeof(*o));
	session_opts_init(&o->s);
	optind = 1;
	opterr = 0;
	int c;
	/* '+': stop at the command, whose own options are not ours. */
	while ((c = getopt_long(argc, argv, "+" SESSION_SHORTOPTS "h", longopts, NULL)) != -1) {
		int shared = session_opt(&o->s, c, optarg);
		if (shared < 0)
			return -1;
		if (shared)
			continue;
		switch (c) {
		case O_NAME:
			if (!*optarg || strlen(optarg) >= sizeof(o->name) ||
			    strspn(optarg, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			                   "0123456789._-") != strlen(optarg)) {
				log_error("--name %s: expected 1 to %zu letters, digits, '.', '_' "
				          "or '-'",
				          optarg, sizeof(o->name) - 1);
				return -1;
			}
			strcpy(o->name, optarg);
			break;
		case O_STDIN:
			if (strcmp(optarg, "-") && access(optarg, R_OK)) {
				log_error("--stdin %s: %s", optarg, strerror(errno));
				return -1;
			}
			o->stdin_path = optarg;
			break;
		case 'h':
			session_print_help(usage_head, usage_tail);
			exit(EXIT_OK);
		default:
			log_error("unknown or incomplete option '%s'; see `wimm exec --help`",
			          argv[optind - 1]);
			return -1;
		}
	}
	return optind;
}

/* posix_spawn takes a path: look COMMAND up in PATH now, so a typo is an
 * error before anything runs rather than a failed cell per allocator. */
static int find_command(const char *cmd, char *out, size_t len)
{
	if (strchr(cmd, '/')) {
		snprintf(out, len, "%s", cmd);
		return access(out, X_OK) ? -errno : 0;
	}
	const char *path = getenv("PATH");
	char copy[8192];
	snprintf(copy, sizeof(copy), "%s", path && *path ? path : "/usr/bin:/bin");
	char *save = NULL;
	for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		struct stat st;
		snprintf(out, len, "%s/%s", *dir ? dir : ".", cmd);
		if (stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, X_OK) == 0)
			return 0;
	}
	return -ENOENT;
}

/* The workload name: --name, else the command's file name with anything
 * outside [A-Za-z0-9._-] made '_'. */
static void derive_name(const char *cmd, char *name, size_t len)
{
	const char *base = strrchr(cmd, '/');
	snprintf(name, len, "%s", base ? base + 1 : cmd);
	for (char *p = name; *p; p++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-",
		            *p))
			*p = '_';
}

int cmd_exec(int argc, char **argv)
{
	struct exec_opts o;
	struct session *s = NULL;
	struct plan_cell *plan = NULL;
	char command[PATH_MAX];
	int code = EXIT_USAGE;
	size_t ncells = 0;

	int first = parse_opts(argc, argv, &o);
	if (first < 0)
		goto out;
	if (first >= argc) {
		log_error("no command: give it after --, e.g. wimm exec -- ./myprog input");
		goto out;
	}
	int rc = find_command(argv[first], command, sizeof(command));
	if (rc) {
		log_error("cannot run '%s': %s", argv[first], strerror(-rc));
		goto out;
	}
	if (!o.name[0])
		derive_name(argv[first], o.name, sizeof(o.name));
	if (o.stdin_path && !strcmp(o.stdin_path, "-") && o.s.reps > 1) {
		log_error("--stdin - gives wimm's input to one run only; use --stdin FILE with -r");
		goto out;
	}

	/* One "workload" at no particular thread count. */
	static const int no_threads[] = {-1};
	const int *axis[] = {no_threads};
	int naxis[] = {1};
	if ((code = session_create(&s, &o.s, argc, argv, NULL, 0, (size_t)o.s.reps)))
		goto out;
	if (o.stdin_path && !strcmp(o.stdin_path, "-") && session_nallocators(s) > 1) {
		log_error("--stdin - gives wimm's input to one run only; use --stdin FILE");
		code = EXIT_USAGE;
		goto out;
	}
	if (matrix_build(1, axis, naxis, session_nallocators(s), o.s.reps, o.s.seed, &plan,
	                 &ncells)) {
		log_error("out of memory");
		code = EXIT_IO;
		goto out;
	}
	argv[first] = command;
	for (size_t i = 0; i < ncells && !session_stopping(); i++) {
		struct session_cell sc = {
		    .name = o.name,
		    .threads = -1,
		    .allocator = plan[i].allocator,
		    .rep = plan[i].rep,
		    .argv = argv + first,
		    .timeout_s = DEFAULT_TIMEOUT_S,
		    .stdin_path = o.stdin_path,
		    .save_output = 1,
		};
		if (session_run_cell(s, &sc, i, ncells))
			break;
	}
	const char *names[] = {o.name};
	code = session_finish(s, names, 1);
out:
	session_destroy(s);
	free(plan);
	return code;
}
