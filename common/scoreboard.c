/* scoreboard.c - create, attach and read the shared scoreboard.
 *
 * memfd rather than a file or SysV segment: nothing to clean up after a
 * crash, and the child finds it by fd number through the environment.
 */
#include "common/scoreboard.h"

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
	void *p = mmap(NULL, sizeof(struct scoreboard), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
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
	atomic_store(&sb->probe.in_use_bytes, -1);
	atomic_store(&sb->probe.system_bytes, -1);
	atomic_store(&sb->probe.resident_bytes, -1);
	atomic_store(&sb->probe.arenas, -1);
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
	void *p =
	    mmap(NULL, sizeof(struct scoreboard), PROT_READ | PROT_WRITE, MAP_SHARED, (int)fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	struct scoreboard *sb = p;
	if (sb->magic != SCOREBOARD_MAGIC || sb->version != SCOREBOARD_VERSION) {
		munmap(p, sizeof(struct scoreboard));
		return -EPROTO;
	}
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

void scoreboard_probe_begin(struct scoreboard *sb)
{
	atomic_fetch_add_explicit(&sb->probe.seq, 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
}

void scoreboard_probe_end(struct scoreboard *sb)
{
	atomic_fetch_add_explicit(&sb->probe.seq, 1, memory_order_release);
}

void scoreboard_probe_read(const struct scoreboard *sb, struct sb_probe_reading *out)
{
	const struct sb_probe *p = &sb->probe;
	/* A reading takes microseconds; a few retries always find a quiet
	 * moment. If the probe died mid-write, the last copy is returned. */
	for (int tries = 0; tries < 1000; tries++) {
		uint64_t before = atomic_load_explicit(&p->seq, memory_order_acquire);
		out->active = atomic_load_explicit(&p->active, memory_order_relaxed);
		out->in_use_bytes = atomic_load_explicit(&p->in_use_bytes, memory_order_relaxed);
		out->system_bytes = atomic_load_explicit(&p->system_bytes, memory_order_relaxed);
		out->resident_bytes =
		    atomic_load_explicit(&p->resident_bytes, memory_order_relaxed);
		out->arenas = atomic_load_explicit(&p->arenas, memory_order_relaxed);
		out->reads = atomic_load_explicit(&p->reads, memory_order_relaxed);
		out->cost_ns_total = atomic_load_explicit(&p->cost_ns_total, memory_order_relaxed);
		out->cost_ns_max = atomic_load_explicit(&p->cost_ns_max, memory_order_relaxed);
		out->interval_ns = atomic_load_explicit(&p->interval_ns, memory_order_relaxed);
		atomic_thread_fence(memory_order_acquire);
		if (!(before & 1) && atomic_load_explicit(&p->seq, memory_order_relaxed) == before)
			return;
	}
}

uint64_t scoreboard_progress(const struct scoreboard *sb)
{
	uint64_t sum = 0;
	for (int i = 0; i < SCOREBOARD_SLOTS; i++)
		sum += atomic_load_explicit(&sb->slots[i].progress, memory_order_relaxed);
	return sum;
}
