/* test_scoreboard.c - the shared scoreboard: sums, negative slots, sharing
 * across fork and attach through the environment. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
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

int main(void)
{
	return tap_run((struct tap_test[]){
	    TAP(create_and_sum),
	    TAP(slots_do_not_share_cache_lines),
	    TAP(shared_with_child_through_env),
	    TAP(attach_without_env),
	    {0},
	});
}
