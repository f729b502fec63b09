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
#include "bench/plan/matrix.h"
#include "bench/run/capture.h"
#include "bench/run/program.h"
#include "bench/run/session.h"
#include "common/log.h"
#include "common/units.h"

#define DEFAULT_TIMEOUT_NS (INT64_C(3600) * 1000000000)

static const char usage_head[] =
    "usage: wimm exec [options] -- COMMAND [ARGS ...]\n"
    "Runs COMMAND under each allocator, each run in its own process, and records\n"
    "its memory over time as `wimm run` does. Its heap is the allocator's in-use\n"
    "bytes (from the probe). Every process it starts is followed and sampled too,\n"
    "to the end of the last one (see README, \"Process trees\").\n"
    "\n"
    "      --name NAME         name of the workload in the results (default: the\n"
    "                          command's file name)\n"
    "      --stdin FILE        feed FILE to every run (`-` passes wimm's own stdin,\n"
    "                          for a single run); default: no input (/dev/null)\n"
    "      --timeout DUR       per-run timeout (default 1h)\n"
    "      --output-cap SIZE   keep at most SIZE of each run's stdout and of its\n"
    "                          stderr: the first and the last half (default 4 MiB)\n"
    "      --root-only         measure only the process started; the run ends when\n"
    "                          it exits (its children are killed)\n";
static const char usage_tail[] =
    "  -h, --help              this help\n"
    "\n"
    "Writes OUT/runs/<id>/ like `wimm run`, plus output/<run>.stdout and .stderr.\n"
    "A run that exits non-zero is a failed cell; its exit status is recorded.\n"
    "COMMAND is checked before anything runs: a static or set-user-ID program is\n"
    "refused (LD_PRELOAD cannot reach its malloc); a file without #! runs with sh.\n"
    "Exit: 0 all runs ok, 1 some failed, 2 bad usage or a command that cannot\n"
    "run, 3 results could not be written, 130 interrupted.\n";

struct exec_opts {
	struct session_opts s;
	char name[WORKLOAD_NAME_MAX];
	const char *stdin_path;
	uint64_t output_cap;
	int root_only;
};

/* --stdin: any file that can be read, a FIFO included (the run waits for
 * its writer, and --timeout and Ctrl-C still end the wait); not a
 * directory; and "-" only when it is not the terminal, which a run in its
 * own process group could not read (it would be stopped, SIGTTIN). */
static int check_stdin(const char *path)
{
	struct stat st;
	if (!strcmp(path, "-")) {
		if (isatty(STDIN_FILENO)) {
			log_error(
			    "--stdin -: wimm's input is the terminal, which a run cannot read "
			    "(it runs in a process group of its own); pipe the input in, or "
			    "give --stdin FILE");
			return -1;
		}
		return 0;
	}
	if (stat(path, &st) || access(path, R_OK)) {
		log_error("--stdin %s: %s", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		log_error("--stdin %s: is a directory; give a file to read", path);
		return -1;
	}
	if (S_ISSOCK(st.st_mode)) {
		log_error("--stdin %s: is a socket, which cannot be opened as a file", path);
		return -1;
	}
	return 0;
}

static int parse_opts(int argc, char **argv, struct exec_opts *o)
{
	enum { O_NAME = SESSION_O_FIRST_FREE, O_STDIN, O_OUTPUT_CAP, O_ROOT_ONLY };
	static const struct option longopts[] = {
	    SESSION_LONGOPTS,
	    {"name", required_argument, NULL, O_NAME},
	    {"stdin", required_argument, NULL, O_STDIN},
	    {"output-cap", required_argument, NULL, O_OUTPUT_CAP},
	    {"root-only", no_argument, NULL, O_ROOT_ONLY},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	memset(o, 0, sizeof(*o));
	session_opts_init(&o->s);
	o->output_cap = CAPTURE_DEFAULT_CAP;
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
			if (check_stdin(optarg))
				return -1;
			o->stdin_path = optarg;
			break;
		case O_OUTPUT_CAP:
			if (units_parse_size(optarg, &o->output_cap) ||
			    o->output_cap < CAPTURE_MIN_CAP ||
			    o->output_cap > (UINT64_C(1) << 40)) {
				log_error(
				    "--output-cap %s: expected a size from 4 KiB to 1 TiB, e.g. "
				    "64 MiB",
				    optarg);
				return -1;
			}
			break;
		case O_ROOT_ONLY:
			o->root_only = 1;
			break;
		case 'h':
			session_print_help(usage_head, usage_tail);
			exit(EXIT_OK);
		default:
			cmd_bad_option("exec", longopts, SESSION_SHORTOPTS "h", argv, optind,
			               optopt);
			return -1;
		}
	}
	return session_opts_check(&o->s) ? -1 : optind;
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
	struct program prog;
	char why[1024], **cargv = NULL;
	int code = EXIT_USAGE;
	size_t ncells = 0;

	int first = parse_opts(argc, argv, &o);
	if (first < 0)
		goto out;
	if (first >= argc) {
		log_error("no command: give it after --, e.g. wimm exec -- ./myprog input");
		goto out;
	}
	/* Once, before anything runs: a command that cannot start (or that no
	 * allocator can reach) is exit 2, like a missing allocator. */
	if (program_find(argv[first], &prog, why, sizeof(why))) {
		log_error("%s", why);
		goto out;
	}
	/* execvp's rule: a file the kernel cannot run is a shell script. */
	cargv = calloc((size_t)(argc - first) + 2, sizeof(*cargv));
	if (!cargv) {
		log_error("out of memory");
		code = EXIT_IO;
		goto out;
	}
	if (prog.via_sh)
		log_info("%s has no #! line: running it with /bin/sh, as execvp and shells do",
		         prog.path);
	int k = 0;
	if (prog.via_sh)
		cargv[k++] = "/bin/sh";
	cargv[k++] = prog.path;
	for (int i = first + 1; i < argc; i++)
		cargv[k++] = argv[i];
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
	for (size_t i = 0; i < ncells && !session_stopping(); i++) {
		struct session_cell sc = {
		    .name = o.name,
		    .threads = -1,
		    .allocator = plan[i].allocator,
		    .rep = plan[i].rep,
		    .argv = cargv,
		    .timeout_ns = DEFAULT_TIMEOUT_NS,
		    .stdin_path = o.stdin_path,
		    .save_output = 1,
		    .output_cap = o.output_cap,
		    .follow_tree = !o.root_only,
		};
		if (session_run_cell(s, &sc, i, ncells))
			break;
	}
	code = session_finish(s);
out:
	session_destroy(s);
	free(plan);
	free(cargv);
	return code;
}
