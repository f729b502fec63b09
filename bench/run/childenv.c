/* childenv.c - child environments and allocator identification. */
#include "bench/run/childenv.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <gnu/libc-version.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/plan/catalog.h"
#include "bench/run/spawn.h"
#include "common/fsutil.h"
#include "common/log.h"

extern char **environ;

const char childenv_removed[] = "MALLOC_PERTURB_ LD_PRELOAD WIMM_SCOREBOARD";

static int removed(const char *entry, const struct allocator *a)
{
	static const char *const drop[] = {"MALLOC_PERTURB_=", "LD_PRELOAD=", "WIMM_SCOREBOARD="};
	for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++)
		if (!strncmp(entry, drop[i], strlen(drop[i])))
			return 1;
	/* The allocator's own setting wins over an inherited one. */
	for (int i = 0; a && i < a->nenv; i++) {
		size_t n = strcspn(a->env[i], "=") + 1;
		if (!strncmp(entry, a->env[i], n))
			return 1;
	}
	return 0;
}

int childenv_build(const struct allocator *a, int sb_fd, const char *probe, char ***out)
{
	size_t n = 0, cap = 0;
	for (char **e = environ; *e; e++)
		cap++;
	cap += (size_t)(a ? a->nenv : 0) + 3;
	char **env = calloc(cap, sizeof(*env));
	if (!env)
		return -ENOMEM;
	for (char **e = environ; *e; e++)
		if (!removed(*e, a) && !(env[n++] = strdup(*e)))
			goto nomem;
	for (int i = 0; a && i < a->nenv; i++)
		if (!(env[n++] = strdup(a->env[i])))
			goto nomem;
	/* The allocator first, so it owns malloc; the probe after it. */
	const char *lib = a && a->path[0] ? a->path : "";
	if ((lib[0] || probe) && asprintf(&env[n++], "LD_PRELOAD=%s%s%s", lib,
	                                  lib[0] && probe ? " " : "", probe ? probe : "") < 0)
		goto nomem;
	if (sb_fd >= 0 && asprintf(&env[n++], "WIMM_SCOREBOARD=%d", sb_fd) < 0)
		goto nomem;
	*out = env;
	return 0;
nomem:
	env[n - 1] = NULL;
	childenv_free(env);
	return -ENOMEM;
}

void childenv_free(char **envp)
{
	if (!envp)
		return;
	for (char **e = envp; *e; e++)
		free(*e);
	free(envp);
}

/* __SANITIZE_ADDRESS__ is gcc's; clang has __has_feature. */
#if defined(__SANITIZE_ADDRESS__)
#define ASAN_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN_BUILD 1
#endif
#endif
#ifndef ASAN_BUILD
#define ASAN_BUILD 0
#endif

int childenv_asan_build(void) { return ASAN_BUILD; }

const char *childenv_expected_owner(const struct allocator *a)
{
	static char libc[PATH_MAX];
	if (a->path[0])
		return a->path;
	if (ASAN_BUILD)
		return NULL; /* libasan.so, or the executable with a static runtime */
	if (!libc[0]) {
		/* Ask the dynamic linker where this process's C library is,
		 * rather than guessing a path. */
		Dl_info info;
		union {
			const char *(*fn)(void);
			void *p;
		} sym = {.fn = gnu_get_libc_version};
		if (dladdr(sym.p, &info) && info.dli_fname)
			snprintf(libc, sizeof(libc), "%s", info.dli_fname);
	}
	return libc;
}

/* Reads the worker's answer, for IDENTIFY_TIMEOUT_MS at most: an
 * allocator that deadlocks at start must not hang `wimm list` or a run. */
#define IDENTIFY_TIMEOUT_MS 10000
static int read_answer(int fd, char *buf, size_t len, size_t *got)
{
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		long left = IDENTIFY_TIMEOUT_MS -
		            ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		ssize_t n = read(fd, buf + *got, len - 1 - *got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || (*got += (size_t)n) == len - 1)
			return 0;
	}
}

/* Runs `wimm-worker FLAG` under a and reads what it prints on stdout into
 * buf. Returns 0 when it exited 0, -ECHILD when it died or failed,
 * -ETIMEDOUT (killed) or -errno. */
static int ask_worker(const struct allocator *a, const char *flag, char *buf, size_t len)
{
	char **env = NULL;
	int pipefd[2] = {-1, -1}, rc;
	char *argv[] = {(char *)catalog_worker_path(), (char *)flag, NULL};
	struct spawn_child ch;
	enum spawn_stage stage;

	buf[0] = 0;
	if ((rc = childenv_build(a, -1, NULL, &env)))
		return rc;
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		rc = -errno;
		goto out;
	}
	/* Through spawn.h, so it dies with the driver, and in a group of its
	 * own, so an allocator that hangs at start is killed with its threads. */
	struct spawn_req req = {
	    .argv = argv, .envp = env, .stdout_fd = pipefd[1], .stderr_fd = -1, .new_group = 1};
	rc = spawn_start(&req, &ch);
	close(pipefd[1]);
	if (rc)
		goto out;
	if ((rc = spawn_result(&ch, &stage))) {
		while (waitpid(ch.pid, NULL, 0) < 0 && errno == EINTR)
			;
		goto out;
	}
	size_t got = 0;
	int status = 0;
	rc = read_answer(pipefd[0], buf, len, &got);
	buf[got] = 0;
	if (rc)
		kill(-ch.pid, SIGKILL);
	while (waitpid(ch.pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!rc && (!WIFEXITED(status) || WEXITSTATUS(status)))
		rc = -ECHILD;
out:
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	childenv_free(env);
	return rc;
}

int childenv_identify(const struct allocator *a, char *owner, size_t owner_len, char *version,
                      size_t version_len)
{
	char buf[1024];
	owner[0] = version[0] = 0;
	int rc = ask_worker(a, "--identify", buf, sizeof(buf));
	if (rc)
		return rc;
	/* Output: OWNER \t FAMILY \t VERSION \n */
	char *tab1 = strchr(buf, '\t'), *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
	if (!tab2)
		return -ECHILD;
	*tab1 = 0;
	buf[strcspn(buf, "\n")] = 0;
	tab2[strcspn(tab2, "\n")] = 0;
	snprintf(owner, owner_len, "%s", buf);
	snprintf(version, version_len, "%s", tab2 + 1);
	const char *want = childenv_expected_owner(a);
	return !want || fsutil_same_file(owner, want) ? 0 : -EPROTO;
}

/* A settings word: key=value of [a-z0-9_] and a value of [-a-z0-9]. */
static int settings_ok(const char *s)
{
	for (const char *w = s; *w; w += strspn(w, " ")) {
		size_t k = strspn(w, "abcdefghijklmnopqrstuvwxyz0123456789_");
		if (!k || w[k] != '=')
			return 0;
		size_t v = strspn(w + k + 1, "-abcdefghijklmnopqrstuvwxyz0123456789");
		if (!v || (w[k + 1 + v] && w[k + 1 + v] != ' '))
			return 0;
		w += k + 1 + v;
	}
	return 1;
}

int childenv_settings(const struct allocator *a, char *out, size_t len)
{
	char buf[1024];
	out[0] = 0;
	int rc = ask_worker(a, "--settings", buf, sizeof(buf));
	if (rc)
		return rc;
	/* The worker's line among whatever a preloaded library printed. */
	for (char *line = buf; line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (strncmp(line, "wimm-settings\t", 14))
			continue;
		line += 14;
		line[strcspn(line, "\n")] = 0;
		if (!settings_ok(line) || strlen(line) >= len)
			return -EPROTO;
		snprintf(out, len, "%s", line);
		return 0;
	}
	return -EPROTO;
}

void childenv_warn_inherited(void)
{
	static const char *const vars[] = {"GLIBC_TUNABLES",         "MALLOC_CONF",
	                                   "MALLOC_ARENA_MAX",       "MALLOC_MMAP_THRESHOLD_",
	                                   "MALLOC_TRIM_THRESHOLD_", "TCMALLOC_RELEASE_RATE",
	                                   "MIMALLOC_VERBOSE"};
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		if (getenv(vars[i]))
			log_warn("%s is set in your environment and reaches every cell", vars[i]);
}
