/* test_runner.c - the runner with children that crash, hang, fail, use
 * memory, and one whose allocator is missing.
 * argv[1]: the `child` helper; argv[2]: a small workload for the worker
 * (the worker is found through WIMM_WORKER). */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/plan/allocator.h"
#include "bench/plan/catalog.h"
#include "bench/run/childenv.h"
#include "bench/run/runner.h"
#include "tap.h"

extern char **environ;
static const char *child_path, *workload_path;

static int run(char **argv, double timeout, struct runner_outcome *o, struct series *s)
{
	struct runner_cell c = {
	    .argv = argv, .envp = environ, .timeout_s = timeout, .interval_s = 0.005};
	series_init(s);
	return runner_run(&c, s, o);
}

TEST(crash_is_reported_with_signal_and_stderr)
{
	struct runner_outcome o;
	struct series s;
	char *argv[] = {(char *)child_path, "crash", NULL};
	expect_int(run(argv, 10, &o, &s), 0);
	expect(o.started && !o.exited, "started, did not exit normally");
	expect_int(o.term_signal, SIGSEGV);
	expect_str(o.stderr_tail, "about to crash");
	series_finish(&s);
}

TEST(hang_is_killed_at_timeout)
{
	struct runner_outcome o;
	struct series s;
	char *argv[] = {(char *)child_path, "hang", NULL};
	expect_int(run(argv, 0.3, &o, &s), 0);
	expect(o.timed_out, "timed out");
	expect_int(o.term_signal, SIGKILL);
	expect(o.wall_s >= 0.3 && o.wall_s < 5, "killed soon after 0.3 s (wall %.3f s)", o.wall_s);
	series_finish(&s);
}

TEST(exit_status_is_kept)
{
	struct runner_outcome o;
	struct series s;
	char *argv[] = {(char *)child_path, "exit", "3", NULL};
	expect_int(run(argv, 10, &o, &s), 0);
	expect(o.exited, "exited");
	expect_int(o.exit_status, 3);
	expect_str(o.stderr_tail, "exiting with 3");
	series_finish(&s);
}

TEST(rss_is_sampled_from_outside)
{
	struct runner_outcome o;
	struct series s;
	char *argv[] = {(char *)child_path, "alloc", "64", NULL};
	expect_int(run(argv, 10, &o, &s), 0);
	expect_int(o.exit_status, 0);
	expect(s.n >= 10, "at least 10 samples in 200+ ms at 5 ms (got %zu)", s.n);
	expect(o.sampled_peak_rss >= 64 << 20, "sampled peak %lld >= 64 MiB",
	       (long long)o.sampled_peak_rss);
	expect(o.ru.ru_maxrss * 1024L >= 64L << 20, "ru_maxrss %ld KiB >= 64 MiB", o.ru.ru_maxrss);
	int increasing = 1;
	for (size_t i = 1; i < s.n; i++)
		increasing &= s.rows[i].t_s > s.rows[i - 1].t_s;
	expect(increasing, "sample times increase");
	series_finish(&s);
}

TEST(missing_program_is_not_started)
{
	struct runner_outcome o;
	struct series s;
	char *argv[] = {"/nonexistent/program", NULL};
	expect_int(run(argv, 10, &o, &s), 0);
	expect(!o.started, "not started");
	expect(strstr(o.reason, "cannot start") != NULL, "reason: %s", o.reason);
	series_finish(&s);
}

TEST(missing_allocator)
{
	struct allocator a;
	char err[256], owner[512], version[64];
	const char *why = tap_no_preload();
	if (why) {
		tap_skip(why);
		return;
	}
	expect_int(allocator_from_arg("ghost=/nonexistent/libghost.so", &a, err, sizeof(err)), 0);
	expect(allocator_resolve(&a) < 0, "resolve fails for a missing library");

	/* Preloaded anyway, the dynamic linker ignores it and glibc serves
	 * malloc: the runner must catch that and say so. */
	snprintf(a.path, sizeof(a.path), "/nonexistent/libghost.so");
	expect_int(childenv_identify(&a, owner, sizeof(owner), version, sizeof(version)), -EPROTO);
	expect(strstr(owner, "libc.so") != NULL, "identify names the real owner: %s", owner);

	struct scoreboard *sb;
	int fd;
	char **env;
	expect_int(scoreboard_create(&sb, &fd), 0);
	expect_int(childenv_build(&a, fd, NULL, &env), 0);
	char *argv[] = {(char *)catalog_worker_path(), (char *)workload_path, NULL};
	struct runner_cell c = {.argv = argv,
	                        .envp = env,
	                        .timeout_s = 30,
	                        .interval_s = 0.01,
	                        .sb = sb,
	                        .expected_owner = a.path};
	struct runner_outcome o;
	struct series s;
	series_init(&s);
	expect_int(runner_run(&c, &s, &o), 0);
	expect(o.wrong_owner, "wrong owner detected");
	expect(strstr(o.reason, "libc.so") && strstr(o.reason, "libghost"), "reason: %s", o.reason);
	series_finish(&s);
	childenv_free(env);
	scoreboard_unmap(sb);
}

TEST(perturb_is_removed_from_child_env)
{
	char **env;
	struct allocator a = {
	    .name = "x", .nenv = 1, .env = {"GLIBC_TUNABLES=glibc.malloc.arena_max=1"}};
	setenv("MALLOC_PERTURB_", "165", 1);
	setenv("GLIBC_TUNABLES", "inherited", 1);
	expect_int(childenv_build(&a, 9, NULL, &env), 0);
	int perturb = 0, tunables = 0, sb = 0;
	for (char **e = env; *e; e++) {
		perturb += !strncmp(*e, "MALLOC_PERTURB_=", 16);
		tunables += !strcmp(*e, "GLIBC_TUNABLES=glibc.malloc.arena_max=1");
		tunables += 100 * !strcmp(*e, "GLIBC_TUNABLES=inherited");
		sb += !strcmp(*e, "WIMM_SCOREBOARD=9");
	}
	expect_int(perturb, 0);
	expect_int(tunables, 1);
	expect_int(sb, 1);
	childenv_free(env);
	unsetenv("GLIBC_TUNABLES");
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: test_runner CHILD WORKLOAD.yaml\n");
		return 2;
	}
	child_path = argv[1];
	workload_path = argv[2];
	return tap_run((struct tap_test[]){
	    TAP(crash_is_reported_with_signal_and_stderr),
	    TAP(hang_is_killed_at_timeout),
	    TAP(exit_status_is_kept),
	    TAP(rss_is_sampled_from_outside),
	    TAP(missing_program_is_not_started),
	    TAP(missing_allocator),
	    TAP(perturb_is_removed_from_child_env),
	    {0},
	});
}
