/* recorder_io.c - the recorder's slow paths: start-up,
 * thread records, the spool file, and the ends of a process image (exit,
 * _exit, exec) and of threads; fork.
 *
 * Pitfalls this file exists for: dlsym allocates (served from a static
 * arena while the real functions are unknown); the recorder's own memory
 * must not come from the allocator it records (thread records and buffers
 * are mmapped); a thread's last frees come from destructors that run after
 * ours (the key destructor re-arms itself until glibc's last round);
 * exit, _exit and exec end an image with other threads' buffers still
 * full (the exit path writes out what each has published, under the
 * thread's flush lock); a forked child must not write into its parent's
 * spool (it stops recording and leaves a note).
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
#include <sys/uio.h>
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
static struct rthread **registry;
static _Atomic uint32_t next_tid;
static _Atomic int reg_lock;
static pthread_key_t key;
static uint64_t t0;
static char spool_dir[PATH_MAX];
static int image;
static void (*real_exit)(int) __attribute__((noreturn));

/* dlsym's allocations before the real functions are known. */
_Alignas(64) char rec_early[REC_EARLY];
static _Atomic size_t early_used;

void *rec_early_alloc(size_t n)
{
	n = (n + 63) & ~(size_t)63;
	size_t at = atomic_fetch_add(&early_used, n);
	return at + n <= sizeof(rec_early) ? rec_early + at : NULL;
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

/* A bounded try: the exit path may run in a thread that holds the lock
 * (a signal handler calling _exit mid-flush); then that buffer is lost. */
static int trylock(_Atomic int *l)
{
	for (int i = 0; i < 1000; i++) {
		if (!atomic_exchange_explicit(l, 1, memory_order_acquire))
			return 1;
		sched_yield();
	}
	return 0;
}

static void unlock(_Atomic int *l) { atomic_store_explicit(l, 0, memory_order_release); }

static void write_all(int fd, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t w = writev(fd, iov, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* disk full: the spool ends early; the trace says so */
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
}

static void write_record(uint32_t tid, const void *data, size_t len)
{
	if (spool_fd < 0 || !len)
		return;
	uint8_t head[8];
	trace_put_u32(head, tid);
	trace_put_u32(head + 4, (uint32_t)len);
	struct iovec iov[2] = {{head, 8}, {(void *)data, len}};
	write_all(spool_fd, iov, 2);
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
	const char *owner =
	    dladdr(*(void **)&rec_malloc, &info) && info.dli_fname ? info.dli_fname : "";
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
	write_record(SPOOL_META, buf, (size_t)(p - buf));
}

static void write_end(const char *why)
{
	uint8_t buf[128], *p = buf;
	p = field(p, buf + sizeof(buf), "end", why, strlen(why));
	p = field_num(p, buf + sizeof(buf), "end_ns", now_ns());
	write_record(SPOOL_META, buf, (size_t)(p - buf));
}

/* Writes what every thread has published so far, then the end record. */
static void flush_all(const char *why)
{
	if (spool_fd < 0 || getpid() != owner_pid)
		return;
	lock(&reg_lock);
	uint32_t n = atomic_load(&next_tid);
	for (uint32_t i = 0; i < n && i < REC_MAX_THREADS; i++) {
		struct rthread *t = registry[i];
		if (!t || !trylock(&t->flush_lock))
			continue;
		uint8_t *pos = __atomic_load_n(&t->pos, __ATOMIC_ACQUIRE);
		write_record(t->tid, t->flushed, (size_t)(pos - t->flushed));
		t->flushed = pos;
		unlock(&t->flush_lock);
	}
	write_end(why);
	unlock(&reg_lock);
}

void rec_flush(struct rthread *t)
{
	lock(&t->flush_lock);
	write_record(t->tid, t->flushed, (size_t)(t->pos - t->flushed));
	t->pos = t->flushed = t->buf;
	unlock(&t->flush_lock);
}

struct rthread *rec_thread_new(uint32_t parent)
{
	if (atomic_load(&state) != ST_RECORDING)
		return NULL;
	uint32_t tid = atomic_fetch_add(&next_tid, 1);
	if (tid >= REC_MAX_THREADS)
		return NULL;
	struct rthread *t = mmap(NULL, sizeof(*t) + REC_BUF, PROT_READ | PROT_WRITE,
	                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (t == MAP_FAILED)
		return NULL;
	t->pos = t->flushed = t->buf;
	t->limit = t->buf + REC_BUF - REC_SLACK;
	t->countdown = 1; /* its first event reads the clock */
	t->tid = tid;
	t->parent = parent;
	lock(&reg_lock);
	registry[tid] = t;
	unlock(&reg_lock);
	return t;
}

static void drop(struct rthread *t)
{
	lock(&reg_lock);
	registry[t->tid] = NULL;
	unlock(&reg_lock);
	munmap(t, sizeof(*t) + REC_BUF);
}

void rec_thread_abandon(struct rthread *t) { drop(t); }

void rec_thread_adopt(struct rthread *t)
{
	t->busy = 1;
	rec_tls = t;
	pthread_setspecific(key, t);
	t->pos = spool_put(t->pos, (uint64_t)t->parent << 4 | SPOOL_START);
	t->busy = 0;
}

/* Re-armed until glibc's last destructor round, so frees made by other
 * keys' destructors are still recorded; then EXIT, flush, unrecorded. */
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
	*t->pos++ = SPOOL_EXIT << 1; /* a one-byte prefix varint */
	rec_flush(t);
	rec_tls = &rec_passive;
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
		int len = snprintf(buf, sizeof(buf), "%d\t%d\t%s\t%s\n", (int)getpid(),
		                   (int)getppid(), how, exe);
		struct iovec iov = {buf, (size_t)len};
		write_all(fd, &iov, 1);
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
		spool_fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
		if (spool_fd >= 0)
			break;
		if (errno != EEXIST)
			return -1;
	}
	if (spool_fd < 0)
		return -1;
	struct iovec iov = {SPOOL_MAGIC, SPOOL_MAGIC_LEN};
	write_all(spool_fd, &iov, 1);
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
			registry = mmap(NULL, REC_MAX_THREADS * sizeof(*registry),
			                PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (registry != MAP_FAILED && !pthread_key_create(&key, thread_dtor) &&
			    !open_spool()) {
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
		flush_all("exit");
}

/* The ends of an image that skip destructors. */
EXPORT void _exit(int status)
{
	if (atomic_load(&state) == ST_RECORDING)
		flush_all("_exit");
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
		flush_all("exec");
	return real_execve(path, argv, envp);
}

EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	if (!real_execvpe) {
		void *sym = rec_dlsym_next("execvpe");
		memcpy(&real_execvpe, &sym, sizeof(sym));
	}
	if (atomic_load(&state) == ST_RECORDING)
		flush_all("exec");
	return real_execvpe(file, argv, envp);
}

extern char **environ;
EXPORT int execv(const char *path, char *const argv[]) { return execve(path, argv, environ); }
EXPORT int execvp(const char *file, char *const argv[]) { return execvpe(file, argv, environ); }

/* The variadic forms: glibc's call its internal execve, which would skip
 * the flush above. */
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
