/* cmd.h - the driver's subcommands. Each returns the process exit code:
 * 0 success, 1 some cells failed, 2 bad usage or input (nothing ran),
 * 3 results could not be written, 130 interrupted (finished cells kept). */
#ifndef WIMM_CMD_H
#define WIMM_CMD_H

enum exit_code {
	EXIT_OK = 0,
	EXIT_CELLS_FAILED = 1,
	EXIT_USAGE = 2,
	EXIT_IO = 3,
	EXIT_INTERRUPTED = 130,
};

int cmd_run(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_help(int argc, char **argv);     /* help workloads */
int cmd_describe(int argc, char **argv); /* describe [GENERATOR] */
int cmd_compare(int argc, char **argv);  /* own exit codes: see its --help */
int cmd_baseline(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_record(int argc, char **argv); /* the program's exit status: see its --help */
int cmd_trace(int argc, char **argv);
int cmd_merge(int argc, char **argv); /* merge RUN_DIR... */

/* Says what is wrong with the option getopt_long just refused (it returned
 * '?'; index is optind, short_opt is optopt): unknown (with the closest
 * long option), missing its value, or an ambiguous abbreviation. Commands
 * set opterr = 0 so that getopt says nothing itself. */
struct option;
void cmd_bad_option(const char *cmd, const struct option *longopts, const char *shortopts,
                    char *const *argv, int index, int short_opt);

/* Shared by run and exec: the allocators a command works with. */
struct allocator;
struct sweep;
#define ALLOC_CHOICE_MAX 64 /* allocators in one run, sweep variants included */
struct alloc_choice {
	struct allocator *all; /* shipped files, --allocator ones, then any made */
	int nall, capall;
	int nshipped, nextra; /* all[0..nshipped) shipped, then nextra --allocator */
	int *chosen;          /* indices into all, in run order */
	int nchosen;
	char (*version)[64]; /* per entry of all, filled when it is checked */
};

/* Loads the shipped allocators and adds extra ("NAME=/path.so" strings).
 * Returns 0 or prints an error and returns -EINVAL. */
int alloc_choice_load(struct alloc_choice *c, char **extra, int nextra);
/* Selects by the -a arguments (lists[0..nlists), each a comma list of
 * names, `all`, allocator files, and an inline variant "NAME:VAR=value
 * ..." that takes the rest of its argument) or, with none, the base
 * allocators; every extra one is added, then nsweeps sweeps make variants
 * of each allocator chosen (placed after it). Resolves and identifies
 * each; one that cannot run is skipped with a note unless it was named,
 * which is an error. Returns 0 or -EINVAL (error printed). */
int alloc_choice_select(struct alloc_choice *c, const char *const *lists, int nlists,
                        const struct sweep *sweeps, int nsweeps);
void alloc_choice_finish(struct alloc_choice *c);

#endif
