/* scoreboard.c - create, attach and read the shared scoreboard.
 *
 * memfd rather than a file or SysV segment: nothing to clean up after a
 * crash, and the child finds it by fd number through the environment.
 */
#include "scoreboard.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int scoreboard_create(struct scoreboard **out, int *out_fd)
{
	int fd = memfd_create("wimm-scoreboard", 0);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, sizeof(struct scoreboard)) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	void *p = mmap(NULL, sizeof(struct scoreboard), PROT_READ | PROT_WRITE, MAP_SHARED,
		       fd, 0);
	if (p == MAP_FAILED) {
		int err = -errno;
		close(fd);
		return err;
	}
	struct scoreboard *sb = p;
	sb->magic = SCOREBOARD_MAGIC;
	sb->version = SCOREBOARD_VERSION;
	sb->nphases = 1;
	strcpy(sb->phase_names[0], "start");
	*out = sb;
	*out_fd = fd;
	return 0;
}

int scoreboard_attach_env(struct scoreboard **out)
{
	const char *s = getenv("WIMM_SCOREBOARD");
	if (!s || !*s)
		return -ENOENT;
	char *end;
	long fd = strtol(s, &end, 10);
	if (*end || fd < 0 || fd > INT_MAX)
		return -EINVAL;
	void *p = mmap(NULL, sizeof(struct scoreboard), PROT_READ | PROT_WRITE, MAP_SHARED,
		       (int)fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	struct scoreboard *sb = p;
	if (sb->magic != SCOREBOARD_MAGIC || sb->version != SCOREBOARD_VERSION) {
		munmap(p, sizeof(struct scoreboard));
		return -EPROTO;
	}
	/* The worker's own children (none today) must not write into it. */
	close((int)fd);
	*out = sb;
	return 0;
}

void scoreboard_unmap(struct scoreboard *sb)
{
	if (sb)
		munmap(sb, sizeof(*sb));
}

int64_t scoreboard_live_bytes(const struct scoreboard *sb)
{
	int64_t sum = 0;
	for (int i = 0; i < SCOREBOARD_SLOTS; i++)
		sum += atomic_load_explicit(&sb->slots[i].live_bytes, memory_order_relaxed);
	return sum;
}

uint64_t scoreboard_ops(const struct scoreboard *sb)
{
	uint64_t sum = 0;
	for (int i = 0; i < SCOREBOARD_SLOTS; i++)
		sum += atomic_load_explicit(&sb->slots[i].ops, memory_order_relaxed);
	return sum;
}

uint64_t scoreboard_extra_ops(const struct scoreboard *sb)
{
	uint64_t sum = 0;
	for (int i = 0; i < SCOREBOARD_SLOTS; i++)
		sum += atomic_load_explicit(&sb->slots[i].extra_ops, memory_order_relaxed);
	return sum;
}
