/* spawn.h - start a child that cannot outlive the driver.
 *
 * Every process the driver starts (a cell's worker or program, the worker
 * that identifies an allocator) gets PR_SET_PDEATHSIG(SIGKILL) before its
 * exec, so a driver killed by any signal (SIGKILL, SIGPIPE, SIGUSR1, ...)
 * takes it along. The kernel keeps that setting across execve except for a
 * set-user-ID, set-group-ID or file-capability program, which is why
 * `wimm exec` refuses those (program.h). It fires when the *thread* that
 * forked exits: the driver is single-threaded and forks from main.
 *
 * fork, not posix_spawn: glibc's posix_spawn keeps the parent suspended
 * (CLONE_VFORK) while the child opens its files with every signal blocked,
 * so `--stdin FIFO` with no writer hung the driver beyond its timeout and
 * Ctrl-C. Here the child opens its input itself, killable, and the parent
 * waits for the exec on a pipe, with ppoll, like everything else it waits on.
 */
#ifndef WIMM_SPAWN_H
#define WIMM_SPAWN_H

#include <sys/types.h>

struct spawn_req {
	char *const *argv; /* argv[0] is the file executed */
	char *const *envp;
	/* stdin: NULL = /dev/null, "-" = the driver's own, else a file opened
	 * by the child (a FIFO waits there for its writer, killable). */
	const char *stdin_path;
	int stdout_fd; /* dup'ed to 1 and 2; -1 = /dev/null */
	int stderr_fd;
	int new_group; /* 1: the child leads a process group of its own */
};

/* Why a child did not reach its exec (stage) and with which errno. */
enum spawn_stage { SPAWN_STDIN = 1, SPAWN_STDOUT, SPAWN_EXEC };

struct spawn_child {
	pid_t pid;
	int status_fd; /* readable at exec (EOF) or on failure (a report) */
};

/* Forks the child. Returns 0 (the exec has not happened yet: see
 * spawn_result) or -errno when no process was made. */
int spawn_start(const struct spawn_req *r, struct spawn_child *c);

/* Reads what the child reported once status_fd is readable, and closes
 * it. Returns 0 when the exec happened, or -errno with *stage set. */
int spawn_result(struct spawn_child *c, enum spawn_stage *stage);

#endif
