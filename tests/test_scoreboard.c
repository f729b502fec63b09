/* test_scoreboard.c - the shared scoreboard: sums, negative slots, sharing
 * across fork and attach through the environment, a memfd that writes
 * cannot corrupt, the peak heap where it happens (exact for one slot,
 * within the stated bound for several), and readings on demand. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/scoreboard.h"
#include "tap.h"

TEST(create_and_sum)
{
	struct scoreboard *sb;
	int fd;
	expect_int(scoreboard_create(&sb, &fd), 0);
	expect_str(sb->phase_names[0], "start");
	scoreboard_add(&sb->slots[0], 4096);
	scoreboard_add(&sb->slots[0], 100);
	/* A block freed by another thread lands in that thread's slot. */
	scoreboard_add(&sb->slots[3], -100);
	expect_int(scoreboard_live_bytes(sb), 4096);
	expect_int(scoreboard_ops(sb), 3);
	scoreboard_unmap(sb);
	close(fd);
}

TEST(slots_do_not_share_cache_lines)
{
	expect(sizeof(struct sb_slot) % 64 == 0, "slot size %zu is a multiple of 64",
	       sizeof(struct sb_slot));
}

TEST(shared_with_child_through_env)
{
	struct scoreboard *sb;
	int fd;
	char num[16];
	expect_int(scoreboard_create(&sb, &fd), 0);
	snprintf(num, sizeof(num), "%d", fd);
	setenv("WIMM_SCOREBOARD", num, 1);
	pid_t pid = fork();
	if (pid == 0) {
		struct scoreboard *child;
		if (scoreboard_attach_env(&child))
			_exit(1);
		scoreboard_add(&child->slots[1], 12345);
		atomic_store(&child->phase, 2);
		_exit(0);
	}
	int status;
	waitpid(pid, &status, 0);
	expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child attached and wrote");
	expect_int(scoreboard_live_bytes(sb), 12345);
	expect_int(atomic_load(&sb->phase), 2);
	scoreboard_unmap(sb);
	close(fd);
}

TEST(attach_without_env)
{
	struct scoreboard *sb;
	unsetenv("WIMM_SCOREBOARD");
	expect_int(scoreboard_attach_env(&sb), -ENOENT);
	setenv("WIMM_SCOREBOARD", "banana", 1);
	expect_int(scoreboard_attach_env(&sb), -EINVAL);
}

TEST(writes_to_the_fd_cannot_corrupt_it)
{
	struct scoreboard *sb;
	int fd;
	expect_int(scoreboard_create(&sb, &fd), 0);
	/* A program that writes junk to every fd it has. */
	ssize_t n = write(fd, "junk\tjunk\n", 10);
	expect(n < 0 && errno == EPERM, "write(2) to the scoreboard fails (%zd, %s)", n,
	       strerror(errno));
	expect(sb->magic == SCOREBOARD_MAGIC && sb->version == SCOREBOARD_VERSION,
	       "the mapping is intact");
	expect(ftruncate(fd, 0) < 0, "it cannot be shrunk");
	scoreboard_unmap(sb);
	close(fd);
}

TEST(one_slot_peak_is_exact)
{
	struct scoreboard *sb;
	int fd;
	expect_int(scoreboard_create(&sb, &fd), 0);
	scoreboard_add(&sb->slots[2], 5000); /* another thread's, before the phase */
	scoreboard_heap_sync(sb, 1);
	struct sb_slot *s = &sb->slots[0];
	int64_t sizes[] = {100, 200, -250, 50, 4000, -4000, 10};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		scoreboard_add(s, sizes[i]);
	expect_int(atomic_load(&s->peak_bytes), 4100);
	expect_int(atomic_load(&sb->slots[2].peak_bytes), 5000);
	/* A new phase starts its peaks from the live bytes. */
	scoreboard_heap_sync(sb, 1);
	expect_int(atomic_load(&s->peak_bytes), 110);
	expect_int(atomic_load(&sb->heap.total), 5110);
	scoreboard_unmap(sb);
	close(fd);
}

/* Random interleaved changes on n slots (from one thread: the arithmetic is
 * what is checked here, the scoreboard does not care who calls): the
 * running total stays within n x FLUSH of the exact sum at every step, and
 * its peak within the engine's bounds of the exact peak. */
TEST(total_stays_within_the_bound)
{
	struct scoreboard *sb;
	int fd;
	const int n = 4;
	const int64_t b = SCOREBOARD_FLUSH_BYTES;
	expect_int(scoreboard_create(&sb, &fd), 0);
	scoreboard_heap_sync(sb, 1);
	uint64_t x = 88172645463325252ULL;
	int64_t live[4] = {0}, sum = 0, peak = 0, worst = 0;
	for (int i = 0; i < 200000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		int k = (int)(x % (uint64_t)n);
		/* mostly small blocks, sometimes a large one; never below 0 */
		int64_t size = (int64_t)(x >> 8) % ((x & 0xf0) ? 4096 : 1 << 20);
		int64_t d = (x & 0x100) || live[k] < size ? size : -size;
		live[k] += d;
		sum += d;
		scoreboard_add(&sb->slots[k], d);
		if (sum > peak)
			peak = sum;
		int64_t off = atomic_load(&sb->heap.total) - sum;
		if (off < 0)
			off = -off;
		if (off > worst)
			worst = off;
	}
	expect(worst < n * b, "the total is never %d x FLUSH from the sum (worst %lld)", n,
	       (long long)worst);
	int64_t g = atomic_load(&sb->heap.total_peak);
	expect(g - (n - 1) * b <= peak && peak < g + n * b, "exact peak %lld within [%lld, %lld)",
	       (long long)peak, (long long)(g - (n - 1) * b), (long long)(g + n * b));
	expect_int(scoreboard_heap_sync(sb, 0), sum);
	scoreboard_unmap(sb);
	close(fd);
}

/* A stand-in for the probe thread: answers one request as probe_loop.c
 * does. */
static void *answer_once(void *arg)
{
	struct scoreboard *sb = arg;
	uint32_t served = atomic_load(&sb->probe.served), req;
	while ((req = atomic_load(&sb->probe.request)) == served)
		scoreboard_futex_wait(&sb->probe.request, req, 100000000);
	int32_t i = atomic_exchange(&sb->probe.request_index, -1);
	atomic_store(&sb->checkpoints[i].at.alloc_in_use_bytes, 4242);
	atomic_store(&sb->probe.served, req);
	scoreboard_futex_wake(&sb->probe.served);
	return NULL;
}

TEST(readings_on_demand)
{
	struct scoreboard *sb;
	int fd;
	expect_int(scoreboard_create(&sb, &fd), 0);
	expect_int(scoreboard_probe_request(sb, 1, 1000000), -ENODEV);
	atomic_store(&sb->probe.active, 1);
	strcpy(sb->probe.family, "glibc");
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	expect_int(scoreboard_probe_request(sb, 1, 50000000), -ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double waited = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
	expect(waited >= 0.05 && waited < 1,
	       "a probe that does not answer is given up on after "
	       "the timeout (%.3f s)",
	       waited);
	/* The unanswered request stays unanswered: the next one is what
	 * counts (the probe answers the latest). */
	atomic_store(&sb->probe.served, atomic_load(&sb->probe.request));
	pthread_t t;
	pthread_create(&t, NULL, answer_once, sb);
	expect_int(scoreboard_probe_request(sb, 3, 2000000000), 0);
	pthread_join(t, NULL);
	expect_int(atomic_load(&sb->checkpoints[3].at.alloc_in_use_bytes), 4242);
	expect_int(scoreboard_probe_request(sb, SCOREBOARD_PHASES, 1000), -EINVAL);
	scoreboard_unmap(sb);
	close(fd);
}

/* Each process of a tree claims its own slot; a full table still counts. */
TEST(process_table)
{
	struct scoreboard *sb;
	int fd;
	expect_int(scoreboard_create(&sb, &fd), 0);
	struct sb_proc *me = scoreboard_proc_register(sb, 0);
	expect(me && me->pid == getpid() && me->ppid == getppid() && me->start_ns > 0,
	       "the caller's slot: pid %d ppid %d", me ? (int)me->pid : -1,
	       me ? (int)me->ppid : -1);
	expect(me && me->exe_ino != 0, "the file it runs is recorded");
	expect_int(me ? me->vmhwm_bytes : 0, -1);
	pid_t child = fork();
	if (child == 0)
		_exit(scoreboard_proc_register(sb, 1) ? 0 : 1);
	int status;
	waitpid(child, &status, 0);
	expect_int(atomic_load(&sb->nprocs), 2);
	expect(sb->procs[1].pid == child && sb->procs[1].ppid == getpid() && sb->procs[1].forked,
	       "the child's own slot, marked forked");
	expect_int(me ? me->pid : 0, getpid());
	int missing = 0;
	while (atomic_load(&sb->nprocs) < SCOREBOARD_PROCS)
		missing += scoreboard_proc_register(sb, 0) == NULL;
	expect_int(missing, 0);
	expect(scoreboard_proc_register(sb, 0) == NULL, "none once the table is full");
	expect_int(atomic_load(&sb->nprocs), SCOREBOARD_PROCS + 1);
	scoreboard_unmap(sb);
	close(fd);
}

int main(void)
{
	return tap_run((struct tap_test[]){
	    TAP(create_and_sum),
	    TAP(slots_do_not_share_cache_lines),
	    TAP(shared_with_child_through_env),
	    TAP(attach_without_env),
	    TAP(writes_to_the_fd_cannot_corrupt_it),
	    TAP(one_slot_peak_is_exact),
	    TAP(total_stays_within_the_bound),
	    TAP(readings_on_demand),
	    TAP(process_table),
	    {0},
	});
}
