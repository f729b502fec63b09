/* recorder_wait.c - clock readings around the calls where a thread sleeps.
 *
 * A thread reads the clock every REC_SAMPLE events, so an event lies
 * between two readings of its thread. Across a sleep (a condition
 * variable, a contended mutex, a join, a nanosleep) the next reading comes
 * only after the thread wakes: the events just before the sleep could have
 * happened any time until then, and when other threads hand blocks around
 * meanwhile, the offline merge cannot tell which free came first (the tile
 * cache's measurement threads, waking on a condition variable, left up to
 * 5% of their frees unmatched). So these calls read the clock before the
 * thread sleeps and make its next event read it again. They cost a clock
 * reading each, nothing against a sleep; an uncontended mutex costs an
 * extra trylock and no reading.
 */
#include "allocators/recorder/recorder.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

/* A TIME event now, if the thread records. */
static void before(void)
{
	struct rthread *t = self();
	if (!t)
		return;
	t->busy = 1;
	end(t, sample(t, t->pos));
}

/* The thread's next event reads the clock. */
static void after(void)
{
	struct rthread *t = rec_tls;
	if (t && t != &rec_passive)
		t->countdown = 1;
}

/* The next library's function of the same name (glibc's), found once. */
#define REAL(name)                                                                                 \
	static __typeof__(name) *real_##name;                                                      \
	if (!real_##name) {                                                                        \
		void *sym_ = rec_dlsym_next(#name);                                                \
		memcpy(&real_##name, &sym_, sizeof(sym_));                                         \
		if (!real_##name) {                                                                \
			errno = ENOSYS;                                                            \
			return -1;                                                                 \
		}                                                                                  \
	}

EXPORT int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
	REAL(pthread_cond_wait);
	before();
	int rc = real_pthread_cond_wait(c, m);
	after();
	return rc;
}

EXPORT int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
                                  const struct timespec *abstime)
{
	REAL(pthread_cond_timedwait);
	before();
	int rc = real_pthread_cond_timedwait(c, m, abstime);
	after();
	return rc;
}

EXPORT int pthread_mutex_lock(pthread_mutex_t *m)
{
	REAL(pthread_mutex_lock);
	REAL(pthread_mutex_trylock);
	/* Only a lock that has to wait is a sleep. */
	int rc = real_pthread_mutex_trylock(m);
	if (rc != EBUSY)
		return rc;
	before();
	rc = real_pthread_mutex_lock(m);
	after();
	return rc;
}

EXPORT int pthread_join(pthread_t th, void **ret)
{
	REAL(pthread_join);
	before();
	int rc = real_pthread_join(th, ret);
	after();
	return rc;
}

EXPORT int sem_wait(sem_t *s)
{
	REAL(sem_wait);
	before();
	int rc = real_sem_wait(s);
	after();
	return rc;
}

EXPORT int nanosleep(const struct timespec *req, struct timespec *rem)
{
	REAL(nanosleep);
	before();
	int rc = real_nanosleep(req, rem);
	after();
	return rc;
}

EXPORT int clock_nanosleep(clockid_t clk, int flags, const struct timespec *req,
                           struct timespec *rem)
{
	REAL(clock_nanosleep);
	before();
	int rc = real_clock_nanosleep(clk, flags, req, rem);
	after();
	return rc;
}

EXPORT int usleep(useconds_t us)
{
	REAL(usleep);
	before();
	int rc = real_usleep(us);
	after();
	return rc;
}
