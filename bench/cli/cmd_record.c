/* cmd_record.c - `wimm record`: run a program once with the recorder
 * preloaded, then turn its spool into a .wtrace.
 *
 * The program runs as the user would run it: stdin, stdout and stderr are
 * its own, its exit status is ours (128 + N when a signal N killed it), and
 * Ctrl-C goes to it (wimm ignores SIGINT and SIGQUIT while it runs, as
 * time(1) does), after which what was recorded is still converted, marked
 * incomplete. The spool goes to a hidden directory beside the output and is
 * removed once converted (kept with --keep-spool, or when converting fails).
 *
 * Files: FILE for the process started; with --children record, each other
 * process it starts that runs a program gets STEM.PID.wtrace beside it
 * (STEM is FILE without ".wtrace"); every trace names its pid and parent.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/cli/cmd.h"
#include "bench/plan/allocator.h"
#include "bench/plan/catalog.h"
#include "bench/run/childenv.h"
#include "bench/trace/convert.h"
#include "bench/run/program.h"
#include "common/log.h"
#include "common/trace_spool.h"
#include "common/units.h"
#include "config.h"

static const char usage_text[] =
    "usage: wimm record [-o FILE] [-a ALLOC] [options] -- COMMAND [ARGS ...]\n"
    "Runs COMMAND once with a recorder preloaded and writes every malloc, calloc,\n"
    "realloc, free and aligned allocation it makes (thread, time, size, which\n"
    "block), thread starts and ends, and wimm_phase/wimm_step markers, to a trace\n"
    "that `wimm run FILE.wtrace` replays under any allocator.\n"
    "\n"
    "  -o, --output FILE       the trace (default: COMMAND's name + .wtrace)\n"
    "  -a, --allocator NAME    record under this allocator (a name from `wimm list`,\n"
    "                          or NAME=/path/lib.so); default: the system malloc\n"
    "      --children MODE     processes COMMAND starts: none (default: not recorded,\n"
    "                          listed in the trace) or record (each program it\n"
    "                          starts gets STEM.PID.wtrace)\n"
    "      --keep-spool        keep the raw recording beside the trace\n"
    "      --from-spool DIR    convert a kept raw recording again (no COMMAND)\n"
    "  -h, --help              this help\n"
    "\n"
    "COMMAND's output and exit status pass through. Exit: COMMAND's status, 2 bad\n"
    "usage or a program that cannot be recorded (static, set-user-ID), 3 the\n"
    "trace could not be written.\n";

struct record_opts {
	const char *out;
	const char *alloc;
	int children;
	int keep;
	const char *from;
};

static int parse(int argc, char **argv, struct record_opts *o)
{
	static const struct option longopts[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"allocator", required_argument, NULL, 'a'},
	    {"children", required_argument, NULL, 'c'},
	    {"keep-spool", no_argument, NULL, 'k'},
	    {"from-spool", required_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	memset(o, 0, sizeof(*o));
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "+o:a:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->out = optarg;
			break;
		case 'a':
			o->alloc = optarg;
			break;
		case 'c':
			if (!strcmp(optarg, "record") || !strcmp(optarg, "none")) {
				o->children = !strcmp(optarg, "record");
				break;
			}
			log_error("--children %s: expected none or record", optarg);
			return -1;
		case 'k':
			o->keep = 1;
			break;
		case 'f':
			o->from = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(EXIT_OK);
		default:
			cmd_bad_option("record", longopts, "+o:a:h", argv, optind, optopt);
			return -1;
		}
	}
	return optind;
}

/* The allocator: a shipped name or NAME=/path. Returns 0 or -1 (printed). */
static int find_allocator(const char *arg, struct allocator *out)
{
	char err[1024];
	if (strchr(arg, '=')) {
		if (allocator_from_arg(arg, out, err, sizeof(err))) {
			log_error("-a %s: %s", arg, err);
			return -1;
		}
	} else {
		struct alloc_choice c;
		int found = -1;
		if (alloc_choice_load(&c, NULL, 0))
			return -1;
		for (int i = 0; i < c.nall; i++)
			if (!strcmp(c.all[i].name, arg))
				found = i;
		if (found < 0) {
			log_error("-a %s: no such allocator; see `wimm list`", arg);
			alloc_choice_finish(&c);
			return -1;
		}
		*out = c.all[found];
		alloc_choice_finish(&c);
	}
	if (allocator_resolve(out)) {
		log_error("-a %s: %s not found", arg, out->library);
		return -1;
	}
	return 0;
}

static const char *recorder_path(void) { return catalog_recorder_path(); }

/* The child's environment: the measured-child rules (childenv), then the
 * recorder first in LD_PRELOAD so its malloc is the one bound, the
 * allocator after it, and where the spool goes. */
static char **child_env(const struct allocator *a, const char *dir, int children)
{
	char **base = NULL;
	if (childenv_build(a, -1, NULL, &base))
		return NULL;
	size_t n = 0;
	while (base[n])
		n++;
	char **env = calloc(n + 5, sizeof(*env));
	if (!env) {
		childenv_free(base);
		return NULL;
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (!strncmp(base[i], "LD_PRELOAD=", 11))
			free(base[i]);
		else
			env[k++] = base[i];
	}
	free(base);
	const char *lib = a && a->path[0] ? a->path : "";
	if (asprintf(&env[k++], "LD_PRELOAD=%s%s%s", recorder_path(), lib[0] ? " " : "", lib) < 0 ||
	    asprintf(&env[k++], "%s=%s", SPOOL_ENV_DIR, dir) < 0 ||
	    asprintf(&env[k++], "%s=%d", SPOOL_ENV_DRIVER, (int)getpid()) < 0 ||
	    asprintf(&env[k++], "%s=%s", SPOOL_ENV_CHILDREN, children ? "record" : "none") < 0) {
		childenv_free(env);
		return NULL;
	}
	return env;
}

/* Spool files and child notes in dir. */
struct spools {
	char **names;
	int n;
};

static int by_name(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	int px = atoi(x), py = atoi(y);
	if (px != py)
		return px < py ? -1 : 1;
	return atoi(strchr(x, '-') + 1) - atoi(strchr(y, '-') + 1);
}

static void list_dir(const char *dir, const char *suffix, struct spools *s)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	s->names = NULL;
	s->n = 0;
	while (d && (e = readdir(d))) {
		size_t len = strlen(e->d_name), sl = strlen(suffix);
		if (len <= sl || strcmp(e->d_name + len - sl, suffix) || !strchr(e->d_name, '-'))
			continue;
		char **grown = realloc(s->names, (size_t)(s->n + 1) * sizeof(char *));
		if (!grown)
			break;
		s->names = grown;
		s->names[s->n++] = strdup(e->d_name);
	}
	if (d)
		closedir(d);
	if (s->n)
		qsort(s->names, (size_t)s->n, sizeof(char *), by_name);
}

static void free_list(struct spools *s)
{
	for (int i = 0; i < s->n; i++)
		free(s->names[i]);
	free(s->names);
}

/* "not recorded: PID EXE (fork|exec), ..." from the notes children left. */
static void children_note(const char *dir, char *out, size_t len, int *count)
{
	struct spools notes;
	list_dir(dir, ".child", &notes);
	size_t used = 0;
	out[0] = 0;
	*count = 0;
	for (int i = 0; i < notes.n; i++) {
		char path[2 * PATH_MAX], line[PATH_MAX + 64] = "";
		snprintf(path, sizeof(path), "%s/%s", dir, notes.names[i]);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		int pid = 0, ppid = 0;
		char how[16] = "", exe[PATH_MAX] = "";
		if (fgets(line, sizeof(line), f) &&
		    sscanf(line, "%d\t%d\t%15[^\t]\t%4095[^\n]", &pid, &ppid, how, exe) >= 3) {
			int n = snprintf(out + used, len - used, "%s%d %s (%s, parent %d)",
			                 used ? ", " : "not recorded: ", pid, exe, how, ppid);
			if (n > 0 && used + (size_t)n < len)
				used += (size_t)n;
			(*count)++;
		}
		fclose(f);
	}
	free_list(&notes);
	if (!*count)
		snprintf(out, len, "none started");
}

static void host_fields(char *host, size_t hl, char *kernel, size_t kl, char *when, size_t wl)
{
	struct utsname u;
	if (uname(&u) == 0) {
		snprintf(host, hl, "%s %s", u.nodename, u.machine);
		snprintf(kernel, kl, "%s %s", u.sysname, u.release);
	}
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(when, wl, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void report(const char *path, const struct convert_result *r, const char *children)
{
	char size[32];
	units_format_size(r->bytes, size, sizeof(size));
	log_info("recorded %llu events (%llu allocations) of %llu threads into %s: %s, %.2f "
	         "bytes/event",
	         (unsigned long long)r->events, (unsigned long long)r->allocs,
	         (unsigned long long)r->threads, path, size,
	         r->events ? (double)r->bytes / (double)r->events : 0.0);
	if (r->unmatched || r->lost || r->failed)
		log_warn(
		    "%s: %llu frees of blocks never seen allocated (dropped), %llu blocks whose "
		    "free was never seen, %llu failed allocations",
		    path, (unsigned long long)r->unmatched, (unsigned long long)r->lost,
		    (unsigned long long)r->failed);
	if (!r->complete)
		log_warn("%s is incomplete: %s", path, r->incomplete);
	if (strcmp(children, "none started"))
		log_info("child processes: %s", children);
}

/* Converts every spool in dir: the last image of the started process to
 * out, other processes' to STEM.PID.wtrace. Returns 0 or -1 (printed). */
static int convert_all(const char *dir, const char *out, pid_t root, const char *command,
                       const char *alloc_name, const char *exit_how)
{
	struct spools sp;
	char host[512] = "", kernel[256] = "", when[64] = "", children[8192];
	int nchildren, rc = 0, main_found = 0;
	host_fields(host, sizeof(host), kernel, sizeof(kernel), when, sizeof(when));
	children_note(dir, children, sizeof(children), &nchildren);
	list_dir(dir, ".spool", &sp);
	/* The last image of the root: earlier ones exec'd into it. */
	int last_root = -1;
	for (int i = 0; i < sp.n; i++)
		if (atoi(sp.names[i]) == (int)root)
			last_root = i;
	for (int i = 0; i < sp.n; i++) {
		int pid = atoi(sp.names[i]);
		if (pid == (int)root && i != last_root)
			continue; /* an image that exec'd: its process goes on in the last */
		char path[2 * PATH_MAX], target[PATH_MAX + 32], err[1024];
		snprintf(path, sizeof(path), "%s/%s", dir, sp.names[i]);
		if (i == last_root) {
			snprintf(target, sizeof(target), "%s", out);
			main_found = 1;
		} else {
			size_t n = strlen(out);
			int stem = n > 7 && !strcmp(out + n - 7, ".wtrace") ? (int)n - 7 : (int)n;
			snprintf(target, sizeof(target), "%.*s.%d.wtrace", stem, out, pid);
		}
		const char *fields[] = {"wimm",     WIMM_VERSION, "host",           host,
		                        "kernel",   kernel,       "started_utc",    when,
		                        "children", children,     "recorded_under", alloc_name,
		                        "exit",     exit_how,     "command_given",  command,
		                        NULL};
		struct convert_result r;
		if (convert_spool(path, target, fields, &r, err, sizeof(err))) {
			log_error("%s", err);
			rc = -1;
			continue;
		}
		report(target, &r, i == last_root ? children : "none started");
	}
	if (!main_found && !rc) {
		log_error("the program left no recording: was the recorder loaded? (a program "
		          "that clears LD_PRELOAD, or one that runs nothing, records nothing)");
		rc = -1;
	}
	free_list(&sp);
	return rc;
}

static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

/* The spool directory says which process was started, and how it ended,
 * so a kept recording converts again the same way. */
static void write_root(const char *dir, pid_t pid, const char *alloc, const char *exit_how,
                       const char *given)
{
	char path[PATH_MAX + 8];
	snprintf(path, sizeof(path), "%s/root", dir);
	FILE *f = fopen(path, "w");
	if (f) {
		fprintf(f, "%d\n%s\n%s\n%s\n", (int)pid, alloc, exit_how, given);
		fclose(f);
	}
}

static int from_spool(const struct record_opts *o)
{
	char path[PATH_MAX + 8], line[4][4096] = {"", "", "", ""};
	snprintf(path, sizeof(path), "%s/root", o->from);
	FILE *f = fopen(path, "r");
	if (!f) {
		log_error("%s: not a kept recording (no 'root' file): %s", o->from,
		          strerror(errno));
		return EXIT_USAGE;
	}
	for (int i = 0; i < 4 && fgets(line[i], sizeof(line[i]), f); i++)
		line[i][strcspn(line[i], "\n")] = 0;
	fclose(f);
	if (!o->out) {
		log_error("--from-spool needs -o FILE");
		return EXIT_USAGE;
	}
	return convert_all(o->from, o->out, (pid_t)atoi(line[0]), line[3], line[1], line[2])
	           ? EXIT_IO
	           : EXIT_OK;
}

int cmd_record(int argc, char **argv)
{
	struct record_opts o;
	struct allocator alloc = {0};
	char command[PATH_MAX], why[1024], out[PATH_MAX], dir[PATH_MAX];
	int first = parse(argc, argv, &o);
	if (first < 0)
		return EXIT_USAGE;
	if (o.from)
		return from_spool(&o);
	if (first >= argc) {
		log_error("no command: give it after --, e.g. wimm record -- ./myprog input");
		return EXIT_USAGE;
	}
	/* The checks of `wimm exec`: a program the recorder cannot be
	 * preloaded into (static, set-user-ID, ...) is refused with why. */
	struct program prog;
	if (program_find(argv[first], &prog, why, sizeof(why))) {
		log_error("cannot record: %s", why);
		return EXIT_USAGE;
	}
	snprintf(command, sizeof(command), "%s", prog.path);
	if (o.alloc && find_allocator(o.alloc, &alloc))
		return EXIT_USAGE;
	if (access(recorder_path(), R_OK)) {
		log_error("the recorder %s is missing: build wimm (ninja -C build)",
		          recorder_path());
		return EXIT_USAGE;
	}
	if (o.out) {
		snprintf(out, sizeof(out), "%s", o.out);
	} else {
		const char *base = strrchr(argv[first], '/');
		snprintf(out, sizeof(out), "%s.wtrace", base ? base + 1 : argv[first]);
	}
	/* The spool beside the output: the same file system, and a trace of
	 * gigabytes does not fill /tmp. */
	char *slash = strrchr(out, '/');
	snprintf(dir, sizeof(dir), "%.*s.wimm-record-XXXXXX", slash ? (int)(slash - out + 1) : 0,
	         out);
	if (!mkdtemp(dir)) {
		log_error("cannot create a spool directory beside %s: %s", out, strerror(errno));
		return EXIT_IO;
	}
	char **env = child_env(o.alloc ? &alloc : NULL, dir, o.children);
	if (!env) {
		log_error("out of memory");
		rmdir(dir);
		return EXIT_IO;
	}
	char given[4096] = "";
	size_t used = 0;
	for (int i = first; i < argc && used < sizeof(given) - 1; i++) {
		int n = snprintf(given + used, sizeof(given) - used, "%s%s", i > first ? " " : "",
		                 argv[i]);
		used += n > 0 ? (size_t)n : 0;
	}

	struct sigaction ign = {.sa_handler = SIG_IGN}, old_int, old_quit;
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	pid_t pid = fork();
	if (pid == 0) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGQUIT, &old_quit, NULL);
		/* execvp's rule, as exec has it: no ELF header nor #! is sh
		 * (argv[first - 1] is ours: "--" or an option). */
		if (prog.via_sh) {
			argv[first - 1] = "/bin/sh";
			argv[first] = command;
			execve("/bin/sh", argv + first - 1, env);
		} else {
			execve(command, argv + first, env);
		}
		fprintf(stderr, "wimm: error: cannot run %s: %s\n", command, strerror(errno));
		_exit(127);
	}
	childenv_free(env);
	int status = 0, code;
	if (pid < 0) {
		log_error("cannot start %s: %s", command, strerror(errno));
		remove_dir(dir);
		return EXIT_IO;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	char exit_how[64];
	if (WIFSIGNALED(status)) {
		code = 128 + WTERMSIG(status);
		snprintf(exit_how, sizeof(exit_how), "killed by signal %d", WTERMSIG(status));
	} else {
		code = WEXITSTATUS(status);
		snprintf(exit_how, sizeof(exit_how), "exit status %d", code);
	}
	write_root(dir, pid, o.alloc ? alloc.name : "system", exit_how, given);
	int rc = convert_all(dir, out, pid, given, o.alloc ? alloc.name : "system", exit_how);
	if (rc || o.keep)
		log_info("the raw recording is kept in %s", dir);
	else
		remove_dir(dir);
	return rc ? EXIT_IO : code;
}
