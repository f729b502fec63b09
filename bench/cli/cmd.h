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
int cmd_compare(int argc, char **argv); /* own exit codes: see its --help */
int cmd_baseline(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_record(int argc, char **argv); /* the program's exit status: see its --help */
int cmd_trace(int argc, char **argv);

/* Shared by run and list: the allocators a command works with. */
struct allocator;
struct alloc_choice {
	struct allocator *all; /* shipped files, then --allocator ones */
	int nall;
	int *chosen; /* indices into all, in run order */
	int nchosen;
	char (*version)[64]; /* per entry of all, filled by alloc_choice_check */
};

/* Loads the shipped allocators and adds extra ("NAME=/path.so" strings).
 * Returns 0 or prints an error and returns -EINVAL. */
int alloc_choice_load(struct alloc_choice *c, char **extra, int nextra);
/* Selects by a comma list ("all", names) or, when list is NULL, the base
 * allocators plus every extra one. Resolves and identifies each; one that
 * cannot run is skipped with a note unless it was named, which is an error.
 * Returns 0 or -EINVAL (error printed). */
int alloc_choice_select(struct alloc_choice *c, const char *list, int nextra);
void alloc_choice_finish(struct alloc_choice *c);

#endif
