/* childenv.c - child environments and allocator identification. */
#include "bench/run/childenv.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
#include "common/identify.h"
#include "common/log.h"
#include "common/scoreboard.h"

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
	/* Where this process's C library is, as the owner check finds objects
	 * (not dladdr: in a non-PIE build the address would be a stub inside
	 * wimm itself), rather than a guessed path. */
	if (!libc[0])
		identify_definer("gnu_get_libc_version", libc, sizeof(libc));
	return libc;
}

/* Waits for the worker to exit, for IDENTIFY_TIMEOUT_MS at most: an
 * allocator that deadlocks at start must not hang `wimm list` or a run.
 * Polls with WNOHANG (a pidfd would do, but valgrind 3.19 has none);
 * the worker answers in milliseconds. Returns 0 or -ETIMEDOUT. */
#define IDENTIFY_TIMEOUT_MS 10000
static int wait_exit(pid_t pid, int *status)
{
	for (int waited = 0; waited < IDENTIFY_TIMEOUT_MS; waited++) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid || (r < 0 && errno != EINTR))
			return 0;
		struct timespec ms = {0, 1000000};
		nanosleep(&ms, NULL);
	}
	return -ETIMEDOUT;
}

/* Runs `wimm-worker FLAG` under a with a scoreboard of its own, where the
 * worker writes its answer: never its stdout, where a preloaded library
 * may print whatever it likes, nor any fd (the scoreboard's memfd is
 * sealed against write(2)). The child's output goes to /dev/null. Returns
 * 0 with *out mapped (unmap it) when it exited 0 having answered, -ECHILD
 * when it died or failed, -ETIMEDOUT (killed) or -errno. */
static int ask_worker(const struct allocator *a, const char *flag, struct scoreboard **out)
{
	char **env = NULL;
	struct scoreboard *sb = NULL;
	int sb_fd = -1, rc;
	char *argv[] = {(char *)catalog_worker_path(), (char *)flag, NULL};
	struct spawn_child ch;
	enum spawn_stage stage;

	*out = NULL;
	if ((rc = scoreboard_create(&sb, &sb_fd)) || (rc = childenv_build(a, sb_fd, NULL, &env)))
		goto out;
	/* Through spawn.h, so it dies with the driver, and in a group of its
	 * own, so an allocator that hangs at start is killed with its threads. */
	struct spawn_req req = {
	    .argv = argv, .envp = env, .stdout_fd = -1, .stderr_fd = -1, .new_group = 1};
	if ((rc = spawn_start(&req, &ch)))
		goto out;
	int status = 0;
	if ((rc = spawn_result(&ch, &stage))) {
		while (waitpid(ch.pid, NULL, 0) < 0 && errno == EINTR)
			;
		goto out;
	}
	if ((rc = wait_exit(ch.pid, &status))) {
		kill(-ch.pid, SIGKILL);
		while (waitpid(ch.pid, NULL, 0) < 0 && errno == EINTR)
			;
		goto out;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) || atomic_load(&sb->state) != SB_DONE) {
		rc = -ECHILD;
		goto out;
	}
	*out = sb;
	sb = NULL;
out:
	scoreboard_unmap(sb);
	if (sb_fd >= 0)
		close(sb_fd);
	childenv_free(env);
	return rc;
}

/* A text field the child wrote, whole: NUL-terminated inside its buffer. */
static int whole(const char *field, size_t size) { return memchr(field, 0, size) != NULL; }

int childenv_identify(const struct allocator *a, char *owner, size_t owner_len, char *version,
                      size_t version_len)
{
	struct scoreboard *sb;
	owner[0] = version[0] = 0;
	int rc = ask_worker(a, "--identify", &sb);
	if (rc)
		return rc;
	if (!whole(sb->malloc_owner, sizeof(sb->malloc_owner)) || !sb->malloc_owner[0] ||
	    !whole(sb->allocator_version, sizeof(sb->allocator_version))) {
		scoreboard_unmap(sb);
		return -ECHILD;
	}
	snprintf(owner, owner_len, "%s", sb->malloc_owner);
	snprintf(version, version_len, "%s", sb->allocator_version);
	scoreboard_unmap(sb);
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
	struct scoreboard *sb;
	out[0] = 0;
	int rc = ask_worker(a, "--settings", &sb);
	if (rc)
		return rc;
	const char *got = sb->allocator_settings;
	if (!whole(got, sizeof(sb->allocator_settings)) || !settings_ok(got) || strlen(got) >= len)
		rc = -EPROTO;
	else
		snprintf(out, len, "%s", got);
	scoreboard_unmap(sb);
	return rc;
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
