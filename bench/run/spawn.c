/* spawn.c - fork, set up and exec a child (see spawn.h).
 *
 * Between fork and exec the child calls only async-signal-safe functions:
 * the driver is single-threaded, but the rule keeps it correct if it ever
 * is not. It reports a failure as {stage, errno} on a close-on-exec pipe,
 * so the parent learns "exec happened" from the pipe's end-of-file and the
 * exact errno otherwise (not an exit status 127 that a program can also
 * return).
 */
#include "bench/run/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

struct report {
	int stage;
	int err;
};

static void fail(int status_fd, enum spawn_stage stage)
{
	struct report rep = {stage, errno};
	ssize_t n = write(status_fd, &rep, sizeof(rep));
	(void)n; /* nothing more to do: the parent sees EOF and a child that died */
	_exit(127);
}

/* An fd to be dup'ed onto 0, 1 or 2 is first moved above 2, so that
 * placing one never closes another, and dup2 onto itself (which would keep
 * close-on-exec) never happens. */
static int above_stdio(int fd) { return fd >= 0 && fd <= 2 ? fcntl(fd, F_DUPFD_CLOEXEC, 3) : fd; }

static void child(const struct spawn_req *r, int status_fd, pid_t parent)
{
	/* SIGKILL when the driver dies; the check after it closes the window
	 * where the driver died before the setting was made. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(127);
	if (r->new_group)
		setpgid(0, 0);
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	for (int sig = 1; sig < NSIG; sig++)
		sigaction(sig, &dfl, NULL); /* SIGKILL, SIGSTOP, glibc's own: EINVAL */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	int out = above_stdio(r->stdout_fd), err = above_stdio(r->stderr_fd), in, null = -1;
	if ((r->stdout_fd >= 0 && out < 0) || (r->stderr_fd >= 0 && err < 0))
		fail(status_fd, SPAWN_STDOUT);
	/* With signals at their defaults, a FIFO without a writer waits here
	 * and the driver's SIGKILL ends the wait. */
	if (!r->stdin_path || strcmp(r->stdin_path, "-")) {
		in = open(r->stdin_path ? r->stdin_path : "/dev/null", O_RDONLY | O_CLOEXEC);
		if (in < 0 || (in = above_stdio(in)) < 0 || dup2(in, STDIN_FILENO) < 0)
			fail(status_fd, SPAWN_STDIN);
	}
	if (out < 0 || err < 0) {
		null = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (null < 0 || (null = above_stdio(null)) < 0)
			fail(status_fd, SPAWN_STDOUT);
	}
	if (dup2(out >= 0 ? out : null, STDOUT_FILENO) < 0 ||
	    dup2(err >= 0 ? err : null, STDERR_FILENO) < 0)
		fail(status_fd, SPAWN_STDOUT);
	execve(r->argv[0], r->argv, r->envp);
	fail(status_fd, SPAWN_EXEC);
}

int spawn_start(const struct spawn_req *r, struct spawn_child *c)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	/* Signals stay blocked across the fork so the driver's handlers never
	 * run in the child before it resets them. */
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid_t parent = getpid(), pid = fork();
	if (pid == 0) {
		close(p[0]);
		child(r, p[1], parent);
	}
	int e = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return -e;
	}
	/* Here too, so kill(-pid) reaches the group from this moment on. */
	if (r->new_group)
		setpgid(pid, pid);
	c->pid = pid;
	c->status_fd = p[0];
	return 0;
}

int spawn_result(struct spawn_child *c, enum spawn_stage *stage)
{
	struct report rep = {0, 0};
	ssize_t n;
	while ((n = read(c->status_fd, &rep, sizeof(rep))) < 0 && errno == EINTR)
		;
	close(c->status_fd);
	c->status_fd = -1;
	if (n == (ssize_t)sizeof(rep)) {
		*stage = (enum spawn_stage)rep.stage;
		return rep.err ? -rep.err : -EIO;
	}
	return 0; /* EOF: the exec closed the pipe (or the child died: waitpid says) */
}
