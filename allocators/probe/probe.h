/* probe.h - internal interface between libwimm-probe.so and its readers.
 *
 * One reader per allocator family. The probe picks the reader by the
 * library that really owns malloc (identify_allocator), calls init once in
 * its constructor, before main, and read from its own thread at each tick.
 * read must never call malloc, nor anything that might (no stdio with a
 * lazily allocated buffer, no dlsym, no %f formatting): it runs inside the
 * process it measures. init may allocate; it says so where it does.
 * Figures a reader does not have are -1 (shown as n/a, never as 0).
 */
#ifndef WIMM_PROBE_H
#define WIMM_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include <pthread.h>

struct scoreboard;

struct probe_figures {
	int64_t in_use;   /* what the program holds, as the allocator counts it */
	int64_t system;   /* what the allocator holds from the OS, not yet returned */
	int64_t resident; /* of that, resident, where the allocator knows */
	int64_t arenas;   /* per family: see each reader's comment and the README */
};

/* A figure a reader did not read this time (a partial reading): the last
 * one read stands. */
#define PROBE_KEEP (-2)

struct probe_reader {
	const char *family; /* as identify_allocator names it */
	/* Resolves the allocator's symbols. Returns 0, or -ENOENT when one is
	 * missing or belongs to another library than malloc. */
	int (*init)(void);
	/* Called once on the probe thread before its first reading, or NULL.
	 * May not allocate either. */
	void (*thread_start)(void);
	/* Fills every field, -1 where it has no figure. full = 0 allows a
	 * cheaper partial reading (PROBE_KEEP for the figures it skips): the
	 * arena count, which costs most under glibc and jemalloc and changes
	 * only when threads start, is read at every full reading (on demand,
	 * at exit, and at least once a second). */
	void (*read)(struct probe_figures *f, int full);
};

extern const struct probe_reader probe_glibc, probe_jemalloc, probe_tcmalloc, probe_mimalloc;

/* The address of name in the object that serves malloc, NULL when that
 * object does not define it: a preloaded allocator leaves glibc's
 * mallinfo2 and malloc_info visible, and those answer zeros
 * (identify_owner_symbol). */
void *probe_symbol(const char *name);

/* Sets the function pointer fn to probe_symbol(name). Returns 0 or
 * -ENOENT. POSIX lets dlsym's object pointers become function pointers;
 * the copy does it without ISO C's -Wpedantic warning. */
/* probe_loop.c: the probe thread. setup reads the interval from the
 * environment and returns it; main is the thread (pthread_create's
 * start routine); stop ends it and waits at most 2 s (1: joined); the exit
 * reading is taken on the calling thread once the probe thread is gone. */
struct sb_proc;
/* slot: this process's entry in the tree's table (NULL: none); writer: 1
 * when this process writes the scoreboard's probe figures, 0 when it only
 * writes its slot. */
uint64_t probe_loop_setup(struct scoreboard *sb, const struct probe_reader *reader,
                          struct sb_proc *slot, int writer);
void *probe_loop_main(void *arg);
int probe_loop_stop(pthread_t thread);
void probe_loop_exit_reading(void);

/* probe_marks.c: the program's phase and step markers (wimm_phase,
 * wimm_step). setup, before main, gives them the scoreboard this process
 * writes (with_probe: the probe thread answers requests for readings);
 * stop, before the probe thread stops, makes markers stop asking it; exit,
 * after the exit reading, ends the phase marked last with that reading. */
void probe_marks_setup(struct scoreboard *sb, int with_probe);
void probe_marks_stop(void);
void probe_marks_exit(void);

#define probe_resolve(fn, name) probe_resolve_(&(fn), sizeof(fn), (name))
int probe_resolve_(void *fn, size_t size, const char *name);

#endif
