/* test_runner.c - the runner with children that crash, hang, fail, use
 * memory, and one whose allocator is missing.
 * argv[1]: the `child` helper; argv[2]: a small workload for the worker
 * (the worker is found through WIMM_WORKER). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/plan/allocator.h"
#include "bench/plan/catalog.h"
#include "bench/run/childenv.h"
#include "bench/run/capture.h"
#include "bench/run/runner.h"
#include "bench/run/unforked.h"
#include "common/text.h"
#include "tap.h"

extern char **environ;
static const char *child_path, *workload_path;

#define MS INT64_C(1000000)

/* The rows the runner hands on, as a sampler would take them (their
 * times; the count goes on past the array). */
struct rows {
	size_t n;
	double t[8192];
};

static void keep_row(void *ctx, const struct sample *row)
{
	struct rows *r = ctx;
	if (r->n < sizeof(r->t) / sizeof(r->t[0]))
		r->t[r->n] = row->t_s;
	r->n++;
}

static int run_cell(struct runner_cell *c, struct rows *s, struct runner_outcome *o)
{
	s->n = 0;
	c->on_sample = keep_row;
	c->on_sample_ctx = s;
	return runner_run(c, o);
}

static int run(char **argv, double timeout, struct runner_outcome *o, struct rows *s)
{
	struct runner_cell c = {.argv = argv,
	                        .envp = environ,
	                        .timeout_ns = (int64_t)(timeout * 1e9),
	                        .interval_ns = 5 * MS};
	return run_cell(&c, s, o);
}

TEST(crash_is_reported_with_signal_and_stderr)
{
	struct runner_outcome o;
	struct rows s;
	char *argv[] = {(char *)child_path, "crash", NULL};
	expect_int(run(argv, 10, &o, &s), 0);
	expect(o.started && !o.exited, "started, did not exit normally");
	expect_int(o.term_signal, SIGSEGV);
	expect_str(o.stderr_tail, "about to crash");
}

TEST(hang_is_killed_at_timeout)
{
	struct runner_outcome o;
	struct rows s;
	char *argv[] = {(char *)child_path, "hang", NULL};
	expect_int(run(argv, 0.3, &o, &s), 0);
	expect(o.timed_out, "timed out");
	expect_int(o.term_signal, SIGKILL);
	expect(o.wall_s >= 0.3 && o.wall_s < 5, "killed soon after 0.3 s (wall %.3f s)", o.wall_s);
}

TEST(exit_status_is_kept)
{
	struct runner_outcome o;
	struct rows s;
	char *argv[] = {(char *)child_path, "exit", "3", NULL};
	expect_int(run(argv, 10, &o, &s), 0);
	expect(o.exited, "exited");
	expect_int(o.exit_status, 3);
	expect_str(o.stderr_tail, "exiting with 3");
}

TEST(rss_is_sampled_from_outside)
{
	struct runner_outcome o;
	struct rows s;
	char *argv[] = {(char *)child_path, "alloc", "64", NULL};
	expect_int(run(argv, 10, &o, &s), 0);
	expect_int(o.exit_status, 0);
	expect(s.n >= 10, "at least 10 samples in 200+ ms at 5 ms (got %zu)", s.n);
	expect(o.sampled_peak_rss >= 64 << 20, "sampled peak %lld >= 64 MiB",
	       (long long)o.sampled_peak_rss);
	expect(o.ru.ru_maxrss * 1024L >= 64L << 20, "ru_maxrss %ld KiB >= 64 MiB", o.ru.ru_maxrss);
	expect_int(o.samples, (int64_t)s.n);
	int increasing = 1;
	for (size_t i = 1; i < s.n && i < 8192; i++)
		increasing &= s.t[i] > s.t[i - 1];
	expect(increasing, "sample times increase");
	/* Every tick due is a sample or a missed tick: none is lost unsaid. */
	double due = o.wall_s / 0.005;
	expect((double)(o.samples + o.ticks_missed) >= due - 2 &&
	           (double)(o.samples + o.ticks_missed) <= due + 2,
	       "%lld samples + %lld missed ticks = %.0f ticks of 5 ms in %.3f s",
	       (long long)o.samples, (long long)o.ticks_missed, due, o.wall_s);
}

TEST(missing_program_is_not_started)
{
	struct runner_outcome o;
	struct rows s;
	char *argv[] = {"/nonexistent/program", NULL};
	expect_int(run(argv, 10, &o, &s), 0);
	expect(!o.started, "not started");
	expect(strstr(o.reason, "cannot start") != NULL, "reason: %s", o.reason);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static char tmpdir[64];

static const char *tmp(const char *name)
{
	static char path[4][128];
	static int k;
	if (!tmpdir[0]) {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/wimm-runner-XXXXXX");
		if (!mkdtemp(tmpdir))
			abort();
	}
	char *p = path[k++ % 4];
	snprintf(p, sizeof(path[0]), "%s/%s", tmpdir, name);
	return p;
}

static long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) ? -1 : (long)st.st_size;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = malloc(1 << 22);
	*len = buf ? fread(buf, 1, (1 << 22) - 1, f) : 0;
	if (buf)
		buf[*len] = 0;
	fclose(f);
	return buf;
}

/* A FIFO nobody writes to: the child waits in open(), and the timeout
 * still ends the cell at once (posix_spawn waited there unkillably). */
TEST(stdin_fifo_without_writer_times_out)
{
	const char *fifo = tmp("fifo");
	unlink(fifo);
	expect_int(mkfifo(fifo, 0600), 0);
	char *argv[] = {"/bin/cat", NULL};
	struct runner_cell c = {.argv = argv,
	                        .envp = environ,
	                        .timeout_ns = 300 * MS,
	                        .interval_ns = 5 * MS,
	                        .stdin_path = fifo};
	struct runner_outcome o;
	struct rows s;
	double t0 = now();
	expect_int(run_cell(&c, &s, &o), 0);
	double took = now() - t0;
	expect(o.timed_out && o.before_exec, "timed out before its exec");
	expect(took < 3, "ended %.2f s after it started (timeout 0.3 s)", took);
	expect(strstr(o.reason, "still opening its input") && strstr(o.reason, fifo), "reason: %s",
	       o.reason);
	expect_int(s.n, 0); /* no sample of the driver's copy before the exec */
}

static volatile sig_atomic_t stop_flag;
static void on_alarm(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* The same wait ended by a stop (SIGINT/SIGTERM/SIGHUP in the driver). */
TEST(stdin_fifo_without_writer_stops)
{
	const char *fifo = tmp("fifo2");
	unlink(fifo);
	expect_int(mkfifo(fifo, 0600), 0);
	char *argv[] = {"/bin/cat", NULL};
	stop_flag = 0;
	struct runner_cell c = {.argv = argv,
	                        .envp = environ,
	                        .timeout_ns = 60000 * MS,
	                        .interval_ns = 0, /* no ticks: only the signal wakes it */
	                        .stdin_path = fifo,
	                        .stop = &stop_flag};
	struct sigaction sa = {.sa_handler = on_alarm};
	sigaction(SIGALRM, &sa, NULL);
	struct runner_outcome o;
	struct rows s;
	double t0 = now();
	alarm(1);
	expect_int(run_cell(&c, &s, &o), 0);
	double took = now() - t0;
	expect(o.interrupted, "interrupted");
	expect(took < 5, "ended %.2f s after it started, 1 s after the stop", took);
}

/* With a writer, the input arrives as it would from a shell redirection. */
TEST(stdin_fifo_with_writer)
{
	const char *fifo = tmp("fifo3"), *out = tmp("fifo3.out"), *err = tmp("fifo3.err");
	unlink(fifo);
	expect_int(mkfifo(fifo, 0600), 0);
	pid_t writer = fork();
	if (writer == 0) {
		usleep(200000);
		int fd = open(fifo, O_WRONLY);
		ssize_t n = write(fd, "through the fifo\n", 17);
		_exit(n == 17 ? 0 : 1);
	}
	char *argv[] = {"/bin/cat", NULL};
	struct runner_cell c = {.argv = argv,
	                        .envp = environ,
	                        .timeout_ns = 10000 * MS,
	                        .interval_ns = 5 * MS,
	                        .stdin_path = fifo,
	                        .stdout_path = out,
	                        .stderr_path = err};
	struct runner_outcome o;
	struct rows s;
	expect_int(run_cell(&c, &s, &o), 0);
	waitpid(writer, NULL, 0);
	size_t len = 0;
	char *got = slurp(out, &len);
	expect(o.exited && o.exit_status == 0, "cat exited 0");
	expect(got && !strcmp(got, "through the fifo\n"), "stdout: %s", got ? got : "(none)");
	free(got);
}

/* Checks that a capped file holds the first and the last half of the
 * numbered lines `child spew` writes, and the line between them. */
static void expect_head_and_tail(const char *path, long total, long cap)
{
	size_t len = 0;
	char *got = slurp(path, &len);
	if (!expect(got != NULL, "%s written", path))
		return;
	char *mark = strstr(got, "\n[wimm: ");
	char *after = mark ? strchr(mark + 1, '\n') : NULL;
	expect(mark && after, "a line says what was dropped");
	if (!mark || !after)
		goto out;
	long head = cap / 2, tail = cap - cap / 2;
	after++;
	expect((long)(mark - got) == head, "head is %ld bytes (got %ld)", head, (long)(mark - got));
	expect((long)(len - (size_t)(after - got)) == tail, "tail is %ld bytes (got %ld)", tail,
	       (long)(len - (size_t)(after - got)));
	char want[64];
	snprintf(want, sizeof(want), "[wimm: %ld bytes dropped here", total - cap);
	expect(!strncmp(mark + 1, want, strlen(want)), "marker: %.60s", mark + 1);
	/* Byte i of the stream is byte i % 9 of line i / 9. */
	int head_ok = 1, tail_ok = 1;
	for (long i = 0; i < head; i++) {
		char line[16];
		snprintf(line, sizeof(line), "%08ld\n", i / 9);
		head_ok &= got[i] == line[i % 9];
	}
	for (long i = 0; i < tail; i++) {
		long at = total - tail + i;
		char line[16];
		snprintf(line, sizeof(line), "%08ld\n", at / 9);
		tail_ok &= after[i] == line[at % 9];
	}
	expect(head_ok, "the head is the stream's first %ld bytes", head);
	expect(tail_ok, "the tail is the stream's last %ld bytes, in order", tail);
out:
	free(got);
}

TEST(output_is_capped_head_and_tail)
{
	const char *out = tmp("spew.out"), *err = tmp("spew.err");
	const long total = 5000003, cap = 64 * 1024;
	char bytes[32];
	snprintf(bytes, sizeof(bytes), "%ld", total);
	char *argv[] = {(char *)child_path, "spew", bytes, NULL};
	struct runner_cell c = {.argv = argv,
	                        .envp = environ,
	                        .timeout_ns = 30000 * MS,
	                        .interval_ns = 5 * MS,
	                        .stdout_path = out,
	                        .stderr_path = err,
	                        .output_cap = (uint64_t)cap};
	struct runner_outcome o;
	struct rows s;
	expect_int(run_cell(&c, &s, &o), 0);
	expect(o.exited && o.exit_status == 0, "spew exited 0 (status %d)", o.exit_status);
	expect_int(o.stdout_bytes, total);
	expect_int(o.stdout_dropped, total - cap);
	expect(file_size(out) < cap + 200, "the file is %ld bytes, the cap %ld", file_size(out),
	       cap);
	expect_head_and_tail(out, total, cap);
	expect_int(o.stderr_dropped, 0);

	/* stderr the same, and its last line still reaches the outcome. */
	char *argv2[] = {(char *)child_path, "spew", bytes, "err", NULL};
	c.argv = argv2;
	expect_int(run_cell(&c, &s, &o), 0);
	expect_int(o.stderr_dropped, total - cap);
	expect_head_and_tail(err, total, cap);
	char last[16];
	snprintf(last, sizeof(last), "%08ld", (total - 1) / 9);
	last[(total % 9) ? (total % 9) : 8] = 0;
	expect_str(o.stderr_tail, last);
}

TEST(output_under_the_cap_is_whole)
{
	const char *out = tmp("small.out"), *err = tmp("small.err");
	char *argv[] = {(char *)child_path, "spew", "65536", NULL};
	struct runner_cell c = {.argv = argv,
	                        .envp = environ,
	                        .timeout_ns = 30000 * MS,
	                        .stdout_path = out,
	                        .stderr_path = err,
	                        .output_cap = 65536};
	struct runner_outcome o;
	struct rows s;
	expect_int(run_cell(&c, &s, &o), 0);
	expect_int(o.stdout_dropped, 0);
	expect_int(file_size(out), 65536);
	size_t len;
	char *got = slurp(out, &len);
	expect(got && !strstr(got, "[wimm:"), "no marker when nothing was dropped");
	free(got);
}

/* Invalid UTF-8 and escape sequences from the child never reach the
 * outcome as they are. */
TEST(stderr_tail_is_cleaned)
{
	struct runner_outcome o;
	struct rows s;
	char *argv[] = {(char *)child_path, "garbage", NULL};
	expect_int(run(argv, 10, &o, &s), 0);
	expect_int(o.exit_status, 1);
	expect(text_is_clean(o.stderr_tail, TEXT_ONE_LINE), "clean: %s", o.stderr_tail);
	expect(!strchr(o.stderr_tail, '\x1b'), "no ESC left");
	expect(strstr(o.stderr_tail, "bad ") && strstr(o.stderr_tail, "red"),
	       "the text around is kept: %s", o.stderr_tail);
}

/* A program that cannot be executed is reported with the exec's errno. */
TEST(exec_failure_has_its_errno)
{
	const char *path = tmp("not-executable");
	FILE *f = fopen(path, "w");
	fputs("data\n", f);
	fclose(f);
	chmod(path, 0644);
	struct runner_outcome o;
	struct rows s;
	char *argv[] = {(char *)path, NULL};
	expect_int(run(argv, 10, &o, &s), 0);
	expect(!o.started, "not started");
	expect(strstr(o.reason, "cannot start") && strstr(o.reason, strerror(EACCES)), "reason: %s",
	       o.reason);
}

/* What the child started is killed with it at the timeout. */
TEST(timeout_kills_the_group)
{
	struct runner_outcome o;
	struct rows s;
	char *argv[] = {(char *)child_path, "forkhang", "wimm-test-group-token", NULL};
	expect_int(run(argv, 0.3, &o, &s), 0);
	expect(o.timed_out, "timed out");
	usleep(100000);
	/* The bracket keeps the shell running pgrep from matching itself. */
	int left = system("pgrep -f 'wimm-test-group-toke[n]' >/dev/null");
	expect(left != 0, "no process of the group is left (pgrep status %d)", left);
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
	                        .timeout_ns = 30000 * MS,
	                        .interval_ns = 10 * MS,
	                        .sb = sb,
	                        .expected_owner = a.path};
	struct runner_outcome o;
	struct rows s;
	expect_int(run_cell(&c, &s, &o), 0);
	expect(o.wrong_owner, "wrong owner detected");
	expect(strstr(o.reason, "libc.so") && strstr(o.reason, "libghost"), "reason: %s", o.reason);
	childenv_free(env);
	scoreboard_unmap(sb);
}

/* What the driver keeps per cell is not mapped in a forked child at all
 * (fork skips it): the child's read of it faults. */
TEST(unforked_memory_is_not_forked)
{
	struct unforked b = {0};
	expect_int(unforked_reserve(&b, 1000), 0);
	expect_int(unforked_append(&b, "hello", 6), 0);
	expect(b.cap >= 1000 && ((char *)b.p)[b.cap - 1] == 0, "zeroed, %zu bytes", b.cap);
	expect_int(unforked_reserve(&b, 8 << 20), 0);
	expect(b.cap >= (8u << 20) && !strcmp(b.p, "hello"), "grown to %zu, contents kept", b.cap);
	expect_int(unforked_append(&b, "world", 6), 6);
	pid_t pid = fork();
	if (pid == 0) {
		volatile char c = ((volatile char *)b.p)[6];
		_exit(c == 'w' ? 0 : 1);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	/* SIGSEGV; under a sanitizer, its report and exit status instead. */
	expect(!(WIFEXITED(status) && WEXITSTATUS(status) == 0),
	       "the child cannot read it (status 0x%x)", status);
	expect(!strcmp((char *)b.p + 6, "world"), "the driver still can");
	unforked_free(&b);
	expect(b.p == NULL && b.cap == 0, "freed");
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
	    TAP(unforked_memory_is_not_forked),
	    TAP(stdin_fifo_without_writer_times_out),
	    TAP(stdin_fifo_without_writer_stops),
	    TAP(stdin_fifo_with_writer),
	    TAP(output_is_capped_head_and_tail),
	    TAP(output_under_the_cap_is_whole),
	    TAP(stderr_tail_is_cleaned),
	    TAP(exec_failure_has_its_errno),
	    TAP(timeout_kills_the_group),
	    {0},
	});
}
