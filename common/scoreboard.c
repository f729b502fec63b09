/* scoreboard.c - create, attach and read the shared scoreboard.
 *
 * memfd rather than a file or SysV segment: nothing to clean up after a
 * crash, and the child finds it by fd number through the environment.
 */
#include "common/scoreboard.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"

void scoreboard_init(struct scoreboard *sb)
{
	sb->magic = SCOREBOARD_MAGIC;
	sb->version = SCOREBOARD_VERSION;
	sb->nphases = 1;
	strcpy(sb->phase_names[0], "start");
	atomic_store(&sb->probe.in_use_bytes, -1);
	atomic_store(&sb->probe.system_bytes, -1);
	atomic_store(&sb->probe.resident_bytes, -1);
	atomic_store(&sb->probe.arenas, -1);
	atomic_store(&sb->probe.request_index, -1);
	atomic_store(&sb->probe.progress, -1);
	struct sb_snapshot *snaps[SCOREBOARD_PHASES + 1];
	for (int i = 0; i < SCOREBOARD_PHASES; i++) {
		snaps[i] = &sb->checkpoints[i].at;
		atomic_store(&sb->checkpoints[i].peak_heap_bytes, -1);
		atomic_store(&sb->checkpoints[i].peak_heap_error_bytes, -1);
	}
	snaps[SCOREBOARD_PHASES] = &sb->exit;
	for (int i = 0; i <= SCOREBOARD_PHASES; i++) {
		atomic_store(&snaps[i]->heap_bytes, -1);
		atomic_store(&snaps[i]->rss_bytes, -1);
		atomic_store(&snaps[i]->file_bytes, -1);
		atomic_store(&snaps[i]->alloc_in_use_bytes, -1);
		atomic_store(&snaps[i]->alloc_system_bytes, -1);
		atomic_store(&snaps[i]->alloc_resident_bytes, -1);
		atomic_store(&snaps[i]->arenas, -1);
	}
	atomic_store(&sb->peak_heap_bytes, -1);
	atomic_store(&sb->peak_heap_error_bytes, -1);
	atomic_store(&sb->vmhwm_bytes, -1);
	for (int i = 0; i < SCOREBOARD_SLOTS; i++)
		sb->slots[i].index = i;
	for (int i = 0; i < SCOREBOARD_PROCS; i++) {
		struct sb_proc *p = &sb->procs[i];
		atomic_store(&p->vmhwm_bytes, -1);
		atomic_store(&p->cpu_ns, -1);
		atomic_store(&p->in_use_bytes, -1);
		atomic_store(&p->system_bytes, -1);
		atomic_store(&p->arenas, -1);
	}
}

int scoreboard_create(struct scoreboard **out, int *out_fd)
{
	int fd = memfd_create("wimm-scoreboard", MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	/* Sealed at its size, with the offset at the end: a write(2) to the
	 * fd would have to grow the file and fails with EPERM, so a program
	 * that writes to every fd it finds cannot corrupt the mapping. */
	if (ftruncate(fd, sizeof(struct scoreboard)) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) < 0 ||
	    lseek(fd, 0, SEEK_END) < 0) {
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
	scoreboard_init(p);
	*out = p;
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
		out->cpu_ns_total = atomic_load_explicit(&p->cpu_ns_total, memory_order_relaxed);
		out->sync_reads = atomic_load_explicit(&p->sync_reads, memory_order_relaxed);
		out->interval_ns = atomic_load_explicit(&p->interval_ns, memory_order_relaxed);
		out->progress = atomic_load_explicit(&p->progress, memory_order_relaxed);
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

void scoreboard_flush_(struct sb_slot *slot, int64_t live)
{
	struct scoreboard *sb = (struct scoreboard *)((char *)(slot - slot->index) -
	                                              offsetof(struct scoreboard, slots));
	int64_t moved = live - slot->flushed_bytes;
	slot->flushed_bytes = live;
	int64_t total =
	    atomic_fetch_add_explicit(&sb->heap.total, moved, memory_order_relaxed) + moved;
	int64_t peak = atomic_load_explicit(&sb->heap.total_peak, memory_order_relaxed);
	while (total > peak &&
	       !atomic_compare_exchange_weak_explicit(&sb->heap.total_peak, &peak, total,
	                                              memory_order_relaxed, memory_order_relaxed))
		;
}

int64_t scoreboard_heap_sync(struct scoreboard *sb, int reset)
{
	int64_t sum = 0;
	for (int i = 0; i < SCOREBOARD_SLOTS; i++) {
		struct sb_slot *s = &sb->slots[i];
		int64_t live = atomic_load_explicit(&s->live_bytes, memory_order_relaxed);
		s->flushed_bytes = live;
		if (reset)
			atomic_store_explicit(&s->peak_bytes, live, memory_order_relaxed);
		sum += live;
	}
	atomic_store(&sb->heap.total, sum);
	if (reset || sum > atomic_load(&sb->heap.total_peak))
		atomic_store(&sb->heap.total_peak, sum);
	if (reset || sum > atomic_load(&sb->heap.exact_max))
		atomic_store(&sb->heap.exact_max, sum);
	return sum;
}

void scoreboard_peak_end(struct scoreboard *sb, int i, int nthreads)
{
	scoreboard_heap_sync(sb, 0);
	int64_t slots_peak = 0;
	for (int k = 0; k < SCOREBOARD_SLOTS; k++)
		slots_peak += atomic_load(&sb->slots[k].peak_bytes);
	int64_t peak = slots_peak, err = 0;
	if (nthreads > 1) {
		int64_t g = atomic_load(&sb->heap.total_peak), b = SCOREBOARD_FLUSH_BYTES;
		int64_t lo = g - (nthreads - 1) * b, hi = g + nthreads * b;
		int64_t exact = atomic_load(&sb->heap.exact_max);
		if (lo < exact)
			lo = exact;
		if (hi > slots_peak)
			hi = slots_peak;
		peak = g < lo ? lo : g > hi ? hi : g;
		err = hi - peak > peak - lo ? hi - peak : peak - lo;
	}
	if (i >= 0 && i < SCOREBOARD_PHASES) {
		atomic_store(&sb->checkpoints[i].peak_heap_bytes, peak);
		atomic_store(&sb->checkpoints[i].peak_heap_error_bytes, err);
	}
	if (peak > atomic_load(&sb->peak_heap_bytes)) {
		atomic_store(&sb->peak_heap_bytes, peak);
		atomic_store(&sb->peak_heap_error_bytes, err);
	}
}

void scoreboard_futex_wait(_Atomic uint32_t *word, uint32_t val, int64_t timeout_ns)
{
	struct timespec ts, *tp = NULL;
	if (timeout_ns >= 0) {
		ts.tv_sec = (time_t)(timeout_ns / 1000000000);
		ts.tv_nsec = (long)(timeout_ns % 1000000000);
		tp = &ts;
	}
	syscall(SYS_futex, word, FUTEX_WAIT, val, tp, NULL, 0);
}

void scoreboard_futex_wake(_Atomic uint32_t *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

static int64_t mono_ns(void) { return clock_ns(CLOCK_MONOTONIC); }

int scoreboard_probe_request(struct scoreboard *sb, int index, int64_t timeout_ns)
{
	struct sb_probe *p = &sb->probe;
	if (index < 0 || index >= SCOREBOARD_PHASES)
		return -EINVAL;
	if (!atomic_load(&p->active) || !strcmp(p->family, "none") || !p->family[0])
		return -ENODEV;
	atomic_store(&p->request_index, index);
	/* The index is stored before the number the probe acts on. */
	uint32_t want = atomic_fetch_add(&p->request, 1) + 1;
	scoreboard_futex_wake(&p->request);
	int64_t deadline = mono_ns() + timeout_ns;
	for (;;) {
		uint32_t served = atomic_load(&p->served);
		if ((int32_t)(served - want) >= 0)
			return 0;
		int64_t left = deadline - mono_ns();
		if (left <= 0) {
			/* Withdraw the request unless the probe has taken it (it
			 * swaps the index for -1 as it starts): a reading that
			 * has started is waited for, however long it takes, so
			 * that no answer lands after the caller moved on. */
			if (atomic_exchange(&p->request_index, -1) >= 0)
				return -ETIMEDOUT;
			left = -1;
		}
		scoreboard_futex_wait(&p->served, served, left);
	}
}

struct sb_proc *scoreboard_proc_register(struct scoreboard *sb, int forked)
{
	uint32_t i = atomic_fetch_add(&sb->nprocs, 1);
	if (i >= SCOREBOARD_PROCS)
		return NULL;
	struct sb_proc *p = &sb->procs[i];
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	p->ppid = (int32_t)getppid();
	struct stat st;
	if (stat("/proc/self/exe", &st) == 0) {
		p->exe_dev = (uint64_t)st.st_dev;
		p->exe_ino = (uint64_t)st.st_ino;
	}
	atomic_store(&p->forked, forked);
	atomic_store(&p->start_ns, (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
	atomic_store_explicit(&p->pid, (int32_t)getpid(), memory_order_release);
	return p;
}
