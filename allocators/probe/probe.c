/* probe.c - libwimm-probe.so: the allocator's own view, read from inside.
 *
 * The driver preloads this library after the allocator (LD_PRELOAD=
 * "<allocator.so> libwimm-probe.so") into every measured child. Its
 * constructor does nothing unless WIMM_SCOREBOARD names a scoreboard; then
 * it writes which library really owns malloc (never the allocator that
 * was asked for) into the scoreboard, picks a reader by it, and starts one
 * thread before main() that publishes the reader's figures in the
 * scoreboard at an adaptive interval, and on demand (probe_loop.c).
 *
 * The thread never calls malloc: it runs inside the process it measures,
 * and an allocation there would change the figures, and under glibc give
 * the thread an arena of its own. Everything it needs is set up in the
 * constructor, before main: symbols resolved, stdio streams opened. What
 * does allocate, once, before main: glibc's FILE for malloc_info
 * (probe_glibc.c), and the thread descriptor's TLS vector that
 * pthread_create callocs in the calling thread. The thread's stack is
 * mmapped by glibc.
 *
 * It also exports the markers a program may call, wimm_phase and
 * wimm_step (probe_marks.c).
 *
 * When the program exits (exit() or a return from main), the destructor
 * stops the thread and takes one last reading with the program's RSS, so
 * the figures at the end are the end's, not those of the last tick.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "common/identify.h"
#include "allocators/probe/probe.h"
#include "common/procself.h"
#include "common/scoreboard.h"

static struct scoreboard *sb;
static const struct probe_reader *reader;
static pthread_t thread;
static pid_t probe_pid; /* a forked child has no probe thread to stop */
static int writer;      /* this process writes the scoreboard's probe figures */
/* This process's own entry in the tree's table (scoreboard.h), in every
 * process the probe is loaded into, writer or not; NULL when full. */
static struct sb_proc *self_slot;

void *probe_symbol(const char *name) { return identify_owner_symbol(name); }

int probe_resolve_(void *fn, size_t size, const char *name)
{
	void *sym = probe_symbol(name);
	if (!sym || size != sizeof(sym))
		return -ENOENT;
	memcpy(fn, &sym, size);
	return 0;
}

/* One writer per scoreboard: a POSIX record lock on the probe's bytes of
 * the memfd. Such a lock belongs to the process, so it survives exec (a
 * shell that execs the measured program hands the probe over) and is not
 * inherited by fork (a child the program forks, or execs from a fork,
 * finds it held and stays quiet, instead of mixing its figures in). It
 * goes away with the process. Returns 1 if this process may write. */
static int claim(void)
{
	const char *s = getenv("WIMM_SCOREBOARD");
	long fd = strtol(s, NULL, 10);
	struct flock fl = {
	    .l_type = F_WRLCK,
	    .l_whence = SEEK_SET,
	    .l_start = (off_t)offsetof(struct scoreboard, probe),
	    .l_len = 1,
	};
	if (fcntl((int)fd, F_SETLK, &fl) == 0)
		return 1;
	/* Held by another live process. Any other failure (a filesystem
	 * without locks) is no reason to give up the probe. */
	return errno != EACCES && errno != EAGAIN;
}

static void publish_family(const char *family, uint64_t interval)
{
	scoreboard_probe_begin(sb);
	memset(sb->probe.family, 0, sizeof(sb->probe.family));
	strncpy(sb->probe.family, family, sizeof(sb->probe.family) - 1);
	atomic_store_explicit(&sb->probe.interval_ns, interval, memory_order_relaxed);
	scoreboard_probe_end(sb);
}

/* The tail first, then the first byte: a reader that sees a non-empty
 * string sees all of it. */
static void copy_text(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);
	if (!n)
		return;
	memcpy(dst + 1, src + 1, n - 1);
	dst[n] = 0;
	atomic_thread_fence(memory_order_release);
	*(volatile char *)dst = src[0];
}

static const struct probe_reader *pick(const char *family)
{
	static const struct probe_reader *const readers[] = {&probe_glibc, &probe_jemalloc,
	                                                     &probe_tcmalloc, &probe_mimalloc};
	for (size_t i = 0; i < sizeof(readers) / sizeof(readers[0]); i++)
		if (!strcmp(readers[i]->family, family))
			return readers[i]->init() == 0 ? readers[i] : NULL;
	return NULL;
}

static int start_thread(void)
{
	/* Signals stay with the program's own threads: a process-directed
	 * signal delivered here would run the program's handler on our
	 * stack, in the middle of a reading. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int err = pthread_create(&thread, NULL, probe_loop_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return -err;
}

static int start_thread(void);

/* A child forked without exec is a process of the tree too: it registers
 * itself, so the driver counts it even when it ends before a tick, and
 * starts a probe thread of its own (threads do not survive fork), which
 * writes only its slot. The allocator's own fork handlers ran before this
 * one (they were registered first, when it initialised), so its locks are
 * usable again. */
static void on_fork_child(void)
{
	if (!sb)
		return;
	struct sb_proc *parent = self_slot;
	self_slot = scoreboard_proc_register(sb, 1);
	/* Same image, same malloc as the parent's. */
	if (parent && self_slot) {
		memcpy(self_slot->family, parent->family, sizeof(self_slot->family));
		memcpy(self_slot->owner, parent->owner, sizeof(self_slot->owner));
		memcpy(self_slot->comm, parent->comm, sizeof(self_slot->comm));
	}
	writer = 0;
	if (!reader || !self_slot || probe_pid != getppid()) {
		reader = NULL; /* no thread to stop at exit either */
		return;
	}
	probe_loop_setup(sb, reader, self_slot, 0);
	probe_pid = getpid();
	if (start_thread())
		reader = NULL;
}

__attribute__((constructor)) static void probe_start(void)
{
	if (scoreboard_attach_env(&sb))
		return;
	self_slot = scoreboard_proc_register(sb, 0);
	pthread_atfork(NULL, NULL, on_fork_child);
	struct alloc_identity id;
	int identified = identify_allocator(&id) == 0;
	char comm[sizeof(self_slot->comm) + 1];
	if (self_slot && procself_read("comm", comm, sizeof(comm)) == 0) {
		comm[strcspn(comm, "\n")] = 0;
		copy_text(self_slot->comm, sizeof(self_slot->comm), comm);
	}
	if (identified && self_slot) {
		/* Each process names its own malloc: one whose environment
		 * lost the allocator shows it here, never merged. */
		copy_text(self_slot->family, sizeof(self_slot->family), id.family);
		copy_text(self_slot->owner, sizeof(self_slot->owner), id.owner);
	}
	if (!claim()) {
		/* Another process of the tree writes the probe's figures; this
		 * one writes its own into its slot only. */
		reader = identified && self_slot ? pick(id.family) : NULL;
		if (!reader)
			return;
		probe_loop_setup(sb, reader, self_slot, 0);
		struct probe_figures warm;
		reader->read(&warm, 1);
		probe_pid = getpid();
		if (start_thread())
			reader = NULL;
		return;
	}
	writer = 1;
	probe_pid = getpid();
	/* A previous image of this process (before an exec) may have died
	 * between begin and end: make the sequence even again. */
	if (atomic_load(&sb->probe.seq) & 1)
		atomic_fetch_add(&sb->probe.seq, 1);

	if (identified) {
		/* A program run by `wimm exec` has no worker to say which
		 * library serves malloc: the probe says it, in the fields the
		 * worker fills with the same identify_allocator(). */
		copy_text(sb->allocator_version, sizeof(sb->allocator_version), id.version);
		copy_text(sb->malloc_family, sizeof(sb->malloc_family), id.family);
		copy_text(sb->malloc_owner, sizeof(sb->malloc_owner), id.owner);
		reader = pick(id.family);
	}
	uint64_t interval = probe_loop_setup(sb, reader, self_slot, 1);
	if (reader) {
		/* One reading here, before main: anything a reader's first
		 * call sets up lazily happens now, not during the workload.
		 * Not published: its cost is start-up, not observation. */
		struct probe_figures warm;
		reader->read(&warm, 1);
	}
	/* Before the thread starts: from then on it is the only writer. */
	publish_family(reader ? reader->family : "none", reader ? interval : 0);
	atomic_store(&sb->probe.active, 1);
	if (reader && start_thread()) {
		reader = NULL;
		publish_family("none", 0);
	}
	probe_marks_setup(sb, reader != NULL);
}

/* Runs from exit(), before stdio is torn down: the thread must not be in
 * the middle of writing to glibc's malloc_info stream when exit flushes
 * and unbuffers every FILE. The wait is bounded: a program that exits
 * while some thread holds an allocator lock for good (exit from a signal
 * handler that interrupted malloc) must still exit; then there is no last
 * reading either, since the thread may still be in one. */
__attribute__((destructor)) static void probe_stop(void)
{
	if (sb && self_slot && atomic_load(&self_slot->pid) == getpid()) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		atomic_store(&self_slot->vmhwm_bytes, procself_vmhwm());
		struct rusage ru;
		if (getrusage(RUSAGE_SELF, &ru) == 0)
			atomic_store(
			    &self_slot->cpu_ns,
			    (int64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000 +
			        (int64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000);
		atomic_store(&self_slot->end_ns, (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
	}
	if (!sb || probe_pid != getpid())
		return;
	int joined = 1;
	probe_marks_stop();
	if (reader)
		joined = probe_loop_stop(thread);
	/* The state at exit, as one reading: a real program run by `wimm
	 * exec` frees before it exits, and the last tick may be long past. */
	if (reader && joined)
		probe_loop_exit_reading();
	reader = NULL;
	if (!writer)
		return;
	probe_marks_exit();
	/* A real program run by `wimm exec` reports its true peak here, as the
	 * worker does for itself: wait4's ru_maxrss also counts pages the
	 * child had from the driver before exec. VmHWM only grows, so the
	 * larger of the two writers' figures is the right one. */
	int64_t hwm = procself_vmhwm();
	if (hwm > atomic_load(&sb->vmhwm_bytes))
		atomic_store(&sb->vmhwm_bytes, hwm);
}
