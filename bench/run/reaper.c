/* reaper.c - kill the running cell's group when the driver dies (see
 * reaper.h).
 *
 * The protocol is one pid_t per write (atomic on a pipe, being far below
 * PIPE_BUF): the group to kill, or 0. The driver writes 0 only after it has
 * killed the group itself, so a group id the reaper holds is never one the
 * kernel has handed to another process meanwhile: a process group's id
 * cannot be reused while any member lives.
 */
#include "bench/run/reaper.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int to_reaper = -1;
static pid_t reaper_pid;

static void reap_loop(int from_driver)
{
	pid_t group = 0, next;
	ssize_t n;
	for (;;) {
		n = read(from_driver, &next, sizeof(next));
		if (n == (ssize_t)sizeof(next))
			group = next;
		else if (n == 0 || (n < 0 && errno != EINTR))
			break; /* the driver is gone, or has stopped us */
	}
	if (group > 0)
		kill(-group, SIGKILL);
	_exit(0);
}

int reaper_start(void)
{
	int p[2];
	if (to_reaper >= 0)
		return 0;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid_t pid = fork();
	if (pid == 0) {
		/* Ignored here, so a Ctrl-C or a hang-up of the terminal, which
		 * reaches the driver's whole group, leaves the decision to the
		 * driver; SIGKILL still ends the reaper. */
		static const int ignored[] = {SIGINT,  SIGTERM, SIGHUP,  SIGQUIT, SIGPIPE,
		                              SIGUSR1, SIGUSR2, SIGTSTP, SIGTTIN, SIGTTOU};
		struct sigaction ign = {.sa_handler = SIG_IGN};
		for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
			sigaction(ignored[i], &ign, NULL);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		prctl(PR_SET_NAME, "wimm-reaper");
		/* Holds none of the driver's files open (a pipe the driver's
		 * caller reads to its end, say), only the end it reads. */
		int null = open("/dev/null", O_RDWR);
		for (int fd = 0; fd <= 2 && null >= 0; fd++)
			dup2(null, fd);
		int from_driver = fcntl(p[0], F_DUPFD_CLOEXEC, 3);
		if (from_driver < 0)
			_exit(0);
		for (int fd = 3; fd < from_driver; fd++)
			close(fd);
		if (syscall(SYS_close_range, from_driver + 1, ~0U, 0) < 0)
			for (int fd = from_driver + 1; fd < 1024; fd++)
				close(fd);
		reap_loop(from_driver);
	}
	int e = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(p[0]);
	if (pid < 0) {
		close(p[1]);
		return -e;
	}
	to_reaper = p[1];
	reaper_pid = pid;
	return 0;
}

void reaper_watch(pid_t pgid)
{
	if (to_reaper < 0)
		return;
	ssize_t n;
	while ((n = write(to_reaper, &pgid, sizeof(pgid))) < 0 && errno == EINTR)
		;
}

void reaper_stop(void)
{
	if (to_reaper < 0)
		return;
	close(to_reaper);
	to_reaper = -1;
	while (waitpid(reaper_pid, NULL, 0) < 0 && errno == EINTR)
		;
	reaper_pid = 0;
}
