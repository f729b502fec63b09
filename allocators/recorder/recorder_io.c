/* recorder_io.c - the recorder's slow paths: start-up, the spool file and
 * its chunks, thread records, the ends of a process image (exit, _exit,
 * exec) and of threads; fork.
 *
 * The spool is mapped, not written: each thread encodes into a 1 MiB
 * chunk of the file mapped MAP_SHARED and keeps the chunk's length in its
 * header, so whatever ends the process (exit, _exit, exec, a crash,
 * SIGKILL) the events it made are in the file; the kernel writes the pages
 * back. A full chunk is unmapped and the next one taken (the file grows by
 * 64 MiB at a time, sparse).
 *
 * Pitfalls this file exists for: dlsym allocates (served from a static
 * arena while the real functions are unknown); the recorder's own memory
 * must not come from the allocator it records (thread records are
 * mmapped); a thread's last frees come from destructors that run after
 * ours (the key destructor re-arms itself until glibc's last round); a
 * forked child must not write into its parent's spool (it stops recording
 * and leaves a note).
 *
 * Which process records: the one `wimm record` started (its parent is the
 * driver, WIMM_RECORD_DRIVER) and the images it execs. Other processes
 * (children it forks or starts) leave a note "<pid>-<n>.child" in the spool
 * directory and record nothing, unless WIMM_RECORD_CHILDREN=record, when a
 * started program records to its own spool like the first one.
 */
#include "allocators/recorder/recorder.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "common/trace_format.h"

#define EXPORT __attribute__((visibility("default")))

enum { ST_NONE, ST_STARTING, ST_RECORDING, ST_PASSIVE };

struct rthread rec_passive = {.busy = 1};
void *(*rec_malloc)(size_t);
void *(*rec_calloc)(size_t, size_t);
void *(*rec_realloc)(void *, size_t);
void (*rec_free)(void *);
void *(*rec_memalign)(size_t, size_t);
int (*rec_posix_memalign)(void **, size_t, size_t);
void *(*rec_aligned_alloc)(size_t, size_t);
void *(*rec_valloc)(size_t);
void *(*rec_pvalloc)(size_t);

static _Atomic int state;
static __thread int in_start;
static int spool_fd = -1;
static pid_t owner_pid;
static _Atomic uint32_t next_tid;
static _Atomic uint64_t next_chunk; /* file offset of the next free chunk */
static _Atomic uint64_t file_size;
static _Atomic int grow_lock;
static pthread_key_t key;
static uint64_t t0;
static char spool_dir[PATH_MAX];
static int image;
static void (*real_exit)(int) __attribute__((noreturn));

/* dlsym's allocations before the real functions are known. */
static _Alignas(64) char early[256 << 10];
static _Atomic size_t early_used;

void *rec_early_alloc(size_t n)
{
	n = (n + 63) & ~(size_t)63;
	size_t at = atomic_fetch_add(&early_used, n);
	return at + n <= sizeof(early) ? early + at : NULL;
}

int rec_is_early(const void *p)
{
	return (const char *)p >= early && (const char *)p < early + sizeof(early);
}

void *rec_dlsym_next(const char *name)
{
	in_start++;
	void *p = dlsym(RTLD_NEXT, name);
	in_start--;
	return p;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void lock(_Atomic int *l)
{
	while (atomic_exchange_explicit(l, 1, memory_order_acquire))
		sched_yield();
}

static void unlock(_Atomic int *l) { atomic_store_explicit(l, 0, memory_order_release); }

static void write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		len -= (size_t)w;
	}
}

/* A chunk of the file, grown when needed. Returns its offset or 0. */
static uint64_t take_chunk(void)
{
	uint64_t off = atomic_fetch_add(&next_chunk, SPOOL_CHUNK);
	if (off + SPOOL_CHUNK > atomic_load(&file_size)) {
		lock(&grow_lock);
		if (off + SPOOL_CHUNK > atomic_load(&file_size)) {
			uint64_t size = off + SPOOL_CHUNK + SPOOL_GROW;
			if (ftruncate(spool_fd, (off_t)size)) {
				unlock(&grow_lock);
				return 0; /* disk full: this thread stops recording */
			}
			atomic_store(&file_size, size);
		}
		unlock(&grow_lock);
	}
	return off;
}

/* Maps a chunk for thread tid (SPOOL_META for the META records). */
static uint8_t *map_chunk(uint32_t tid, _Atomic uint32_t **len)
{
	uint64_t off = spool_fd >= 0 ? take_chunk() : 0;
	if (!off)
		return NULL;
	uint8_t *c = mmap(NULL, SPOOL_CHUNK, PROT_READ | PROT_WRITE, MAP_SHARED, spool_fd, (off_t)off);
	if (c == MAP_FAILED)
		return NULL;
	trace_put_u32(c + 4, 0);
	trace_put_u32(c, tid + 1); /* 0 marks a chunk never used */
	*len = (_Atomic uint32_t *)(void *)(c + 4);
	return c;
}

/* Fields of the META record, encoded as in the trace header. */
static uint8_t *field(uint8_t *p, const uint8_t *end, const char *k, const void *v, size_t n)
{
	size_t kl = strlen(k);
	if (p + kl + n + 20 > end)
		return p;
	p = trace_put_varint(p, kl);
	memcpy(p, k, kl);
	p = trace_put_varint(p + kl, n);
	memcpy(p, v, n);
	return p + n;
}

static uint8_t *field_num(uint8_t *p, const uint8_t *end, const char *k, unsigned long long v)
{
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%llu", v);
	return field(p, end, k, buf, (size_t)n);
}

static size_t read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	size_t got = 0;
	ssize_t n;
	while (got < len && (n = read(fd, buf + got, len - got)) > 0)
		got += (size_t)n;
	close(fd);
	return got;
}

/* A META record: a chunk of its own (sparse: only its first page is
 * used). */
static void write_meta_record(const uint8_t *data, size_t len)
{
	_Atomic uint32_t *lenp;
	uint8_t *c = len <= SPOOL_CHUNK - 8 ? map_chunk(SPOOL_META, &lenp) : NULL;
	if (!c)
		return;
	memcpy(c + 8, data, len);
	atomic_store(lenp, (uint32_t)len);
	munmap(c, SPOOL_CHUNK);
}

static void write_meta(void)
{
	static uint8_t buf[80 << 10];
	static char cmd[64 << 10], exe[PATH_MAX], cwd[PATH_MAX];
	const uint8_t *end = buf + sizeof(buf);
	uint8_t *p = buf;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	size_t cl = read_file("/proc/self/cmdline", cmd, sizeof(cmd));
	if (cl && !cmd[cl - 1])
		cl--; /* NUL-separated, no trailing NUL */
	Dl_info info;
	const char *owner = dladdr(*(void **)&rec_malloc, &info) && info.dli_fname
	                        ? info.dli_fname
	                        : "";
	p = field_num(p, end, "pid", (unsigned long long)getpid());
	p = field_num(p, end, "ppid", (unsigned long long)getppid());
	p = field_num(p, end, "image", (unsigned long long)image);
	p = field(p, end, "exe", exe, n > 0 ? (size_t)n : 0);
	p = field(p, end, "command", cmd, cl);
	p = field(p, end, "cwd", cwd, getcwd(cwd, sizeof(cwd)) ? strlen(cwd) : 0);
	p = field(p, end, "allocator", owner, strlen(owner));
	p = field_num(p, end, "tick_ns", 1ull << SPOOL_TICK_SHIFT);
	p = field_num(p, end, "start_ns", t0);
	p = field_num(p, end, "start_tick", t0 >> SPOOL_TICK_SHIFT);
	write_meta_record(buf, (size_t)(p - buf));
}

static void write_end(const char *why)
{
	uint8_t buf[128], *p = buf;
	p = field(p, buf + sizeof(buf), "end", why, strlen(why));
	p = field_num(p, buf + sizeof(buf), "end_ns", now_ns());
	write_meta_record(buf, (size_t)(p - buf));
}

/* The end of an image: the events are in the file already. */
static void end_image(const char *why)
{
	if (spool_fd >= 0 && getpid() == owner_pid)
		write_end(why);
}

void rec_next_chunk(struct rthread *t)
{
	if (t->buf)
		munmap(t->buf - 8, SPOOL_CHUNK);
	uint8_t *c = map_chunk(t->tid, &t->len);
	if (!c) {
		/* The spool cannot grow: this thread goes on unrecorded, and
		 * the trace is marked incomplete (no end record of its own). */
		t->buf = NULL;
		rec_tls = &rec_passive;
		return;
	}
	t->buf = t->pos = c + 8;
	t->limit = c + SPOOL_CHUNK - REC_SLACK;
}

struct rthread *rec_thread_new(uint32_t parent)
{
	if (atomic_load(&state) != ST_RECORDING)
		return NULL;
	uint32_t tid = atomic_fetch_add(&next_tid, 1);
	if (tid >= REC_MAX_THREADS)
		return NULL;
	struct rthread *t = mmap(NULL, sizeof(*t), PROT_READ | PROT_WRITE,
	                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (t == MAP_FAILED)
		return NULL;
	t->countdown = 1; /* its first event reads the clock */
	t->tid = tid;
	t->parent = parent;
	return t;
}

static void drop(struct rthread *t)
{
	if (t->buf)
		munmap(t->buf - 8, SPOOL_CHUNK);
	munmap(t, sizeof(*t));
}

void rec_thread_abandon(struct rthread *t) { drop(t); }

void rec_thread_adopt(struct rthread *t)
{
	t->busy = 1;
	rec_tls = t;
	pthread_setspecific(key, t);
	rec_next_chunk(t);
	if (!t->buf)
		return; /* passive now */
	uint8_t *w = t->pos;
	*w++ = SPOOL_START;
	w = trace_put_varint(w, t->parent);
	t->pos = w;
	atomic_store_explicit(t->len, (uint32_t)(w - t->buf), memory_order_relaxed);
	t->busy = 0;
}

/* Re-armed until glibc's last destructor round, so frees made by other
 * keys' destructors are still recorded; then EXIT, and unrecorded. */
static void thread_dtor(void *v)
{
	struct rthread *t = v;
	if (++t->dtor_rounds < PTHREAD_DESTRUCTOR_ITERATIONS) {
		t->busy = 1;
		pthread_setspecific(key, t);
		t->busy = 0;
		return;
	}
	t->busy = 1;
	rec_tls = &rec_passive;
	if (t->buf) {
		*t->pos++ = SPOOL_EXIT;
		atomic_store_explicit(t->len, (uint32_t)(t->pos - t->buf), memory_order_relaxed);
	}
	drop(t);
}

static void note_child(const char *how)
{
	char path[PATH_MAX + 64], exe[PATH_MAX], buf[PATH_MAX + 128];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = 0;
	for (int i = 0; i < 1000; i++) {
		snprintf(path, sizeof(path), "%s/%d-%d.child", spool_dir, (int)getpid(), i);
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 && errno == EEXIST)
			continue;
		if (fd < 0)
			return;
		int len = snprintf(buf, sizeof(buf), "%d\t%d\t%s\t%s\n", (int)getpid(), (int)getppid(),
		                   how, exe);
		write_all(fd, buf, (size_t)len);
		close(fd);
		return;
	}
}

static void atfork_child(void)
{
	/* Only the forking thread exists here; its record is the parent's. */
	rec_tls = &rec_passive;
	atomic_store(&state, ST_PASSIVE);
	if (spool_fd >= 0)
		close(spool_fd);
	spool_fd = -1;
	note_child("fork");
}

static int resolve(void)
{
#define NEXT(var, name)                                                                            \
	do {                                                                                       \
		void *sym_ = rec_dlsym_next(name);                                                 \
		memcpy(&var, &sym_, sizeof(sym_));                                                 \
	} while (0)
	NEXT(rec_malloc, "malloc");
	NEXT(rec_free, "free");
	NEXT(rec_calloc, "calloc");
	NEXT(rec_realloc, "realloc");
	NEXT(rec_memalign, "memalign");
	NEXT(rec_posix_memalign, "posix_memalign");
	NEXT(rec_aligned_alloc, "aligned_alloc");
	NEXT(rec_valloc, "valloc");
	NEXT(rec_pvalloc, "pvalloc");
	NEXT(real_exit, "_exit");
#undef NEXT
	return rec_malloc && rec_free && rec_calloc && rec_realloc && rec_memalign &&
	               rec_posix_memalign && rec_aligned_alloc && rec_valloc && rec_pvalloc &&
	               real_exit
	           ? 0
	           : -1;
}

static int is_recorded_process(void)
{
	const char *driver = getenv(SPOOL_ENV_DRIVER);
	const char *children = getenv(SPOOL_ENV_CHILDREN);
	if (driver && atol(driver) == (long)getppid())
		return 1;
	return children && !strcmp(children, "record");
}

static int open_spool(void)
{
	char path[PATH_MAX + 64];
	for (image = 0; image < 1000; image++) {
		snprintf(path, sizeof(path), "%s/%d-%d.spool", spool_dir, (int)getpid(), image);
		spool_fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (spool_fd >= 0)
			break;
		if (errno != EEXIST)
			return -1;
	}
	if (spool_fd < 0)
		return -1;
	/* Chunks start at SPOOL_CHUNK: the first holds the magic. */
	write_all(spool_fd, SPOOL_MAGIC, SPOOL_MAGIC_LEN);
	atomic_store(&next_chunk, SPOOL_CHUNK);
	return 0;
}

/* Resolves the real functions and, in a recorded process, opens the spool.
 * Threads and handlers wait for the constructor: the first malloc can come
 * from inside the C library's own start-up. */
static void start(void)
{
	in_start++;
	if (resolve()) {
		static const char msg[] = "wimm recorder: cannot find the allocator's functions\n";
		if (write(2, msg, sizeof(msg) - 1) < 0) {
		}
		abort();
	}
	const char *dir = getenv(SPOOL_ENV_DIR);
	int st = ST_PASSIVE;
	if (dir && strlen(dir) < sizeof(spool_dir)) {
		strcpy(spool_dir, dir);
		if (!is_recorded_process()) {
			note_child("exec");
		} else {
			if (!pthread_key_create(&key, thread_dtor) && !open_spool()) {
				owner_pid = getpid();
				t0 = now_ns();
				write_meta();
				st = ST_RECORDING;
			}
		}
	}
	atomic_store(&state, st);
	in_start--;
}

struct rthread *rec_thread_slow(void)
{
	if (rec_tls)
		return rec_tls;
	if (in_start)
		return &rec_passive;
	int expected = ST_NONE;
	if (atomic_compare_exchange_strong(&state, &expected, ST_STARTING))
		start();
	while (atomic_load(&state) == ST_STARTING)
		sched_yield();
	if (atomic_load(&state) == ST_RECORDING) {
		struct rthread *t = rec_thread_new(0);
		if (t) {
			rec_thread_adopt(t);
			return t;
		}
	}
	rec_tls = &rec_passive;
	return &rec_passive;
}

__attribute__((constructor)) static void rec_ctor(void)
{
	rec_thread_slow(); /* the main thread's record, if nothing allocated yet */
	if (atomic_load(&state) != ST_RECORDING)
		return;
	struct rthread *t = rec_tls;
	t->busy = 1; /* the fork handler's registration allocates: unrecorded */
	pthread_atfork(NULL, NULL, atfork_child);
	t->busy = 0;
}

__attribute__((destructor)) static void rec_dtor(void)
{
	if (atomic_load(&state) == ST_RECORDING)
		end_image("exit");
}

/* The ends of an image that skip destructors. */
EXPORT void _exit(int status)
{
	if (atomic_load(&state) == ST_RECORDING)
		end_image("_exit");
	if (!real_exit) {
		void *sym = dlsym(RTLD_NEXT, "_exit");
		memcpy(&real_exit, &sym, sizeof(sym));
	}
	real_exit(status);
}

EXPORT void _Exit(int status) { _exit(status); }

static int (*real_execve)(const char *, char *const[], char *const[]);
static int (*real_execvpe)(const char *, char *const[], char *const[]);

EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	if (!real_execve) {
		void *sym = rec_dlsym_next("execve");
		memcpy(&real_execve, &sym, sizeof(sym));
	}
	if (atomic_load(&state) == ST_RECORDING)
		end_image("exec");
	return real_execve(path, argv, envp);
}

EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	if (!real_execvpe) {
		void *sym = rec_dlsym_next("execvpe");
		memcpy(&real_execvpe, &sym, sizeof(sym));
	}
	if (atomic_load(&state) == ST_RECORDING)
		end_image("exec");
	return real_execvpe(file, argv, envp);
}

extern char **environ;
EXPORT int execv(const char *path, char *const argv[]) { return execve(path, argv, environ); }
EXPORT int execvp(const char *file, char *const argv[]) { return execvpe(file, argv, environ); }

/* The variadic forms: glibc's call its internal execve, which would skip
 * the end record above. */
#define EXEC_MAX_ARGS 4096
static int collect(const char *arg0, va_list *ap, char **argv)
{
	int n = 0;
	for (const char *a = arg0; a; a = va_arg(*ap, const char *)) {
		if (n >= EXEC_MAX_ARGS - 1) {
			errno = E2BIG;
			return -1;
		}
		argv[n++] = (char *)a;
	}
	argv[n] = NULL;
	return n;
}

EXPORT int execl(const char *path, const char *arg0, ...)
{
	char *argv[EXEC_MAX_ARGS];
	va_list ap;
	va_start(ap, arg0);
	int n = collect(arg0, &ap, argv);
	va_end(ap);
	return n < 0 ? -1 : execve(path, argv, environ);
}

EXPORT int execlp(const char *file, const char *arg0, ...)
{
	char *argv[EXEC_MAX_ARGS];
	va_list ap;
	va_start(ap, arg0);
	int n = collect(arg0, &ap, argv);
	va_end(ap);
	return n < 0 ? -1 : execvpe(file, argv, environ);
}

EXPORT int execle(const char *path, const char *arg0, ...)
{
	char *argv[EXEC_MAX_ARGS];
	va_list ap;
	va_start(ap, arg0);
	int n = collect(arg0, &ap, argv);
	char *const *envp = n < 0 ? NULL : va_arg(ap, char *const *);
	va_end(ap);
	return n < 0 ? -1 : execve(path, argv, envp);
}
