/* wimm.h - a program marks its phases and steps for wimm.
 *
 *     #include "wimm.h"
 *
 *     wimm_phase("detection");        // a phase starts; the one before ends
 *     for (int i = 0; i < n; i++) {
 *             measure(i);
 *             wimm_step();            // one iteration done
 *     }
 *
 * Under `wimm exec` the phases show in the series, the figures, the
 * summary and the report as a workload's do, and each phase's end figures
 * are one exact reading; the steps are what heap and RSS growth is fitted
 * against ("leak per iteration", with its 95% interval). Under
 * `wimm record` both go into the trace. Mark phases, not iterations: a
 * phase marker waits for a reading of the allocator (microseconds to
 * milliseconds); a step is one atomic add. Up to 16 phase names; a name
 * marked again continues its phase.
 *
 * Outside wimm both do nothing: they look the functions up once in the
 * running process (dlsym(RTLD_DEFAULT), where wimm's preloaded library
 * puts them) and find none. No library to link (dlsym is in the C library
 * from glibc 2.34 on; older ones need -ldl). C99 or C++11; safe from any
 * thread; wimm_step (once looked up) from a signal handler too, wimm_phase
 * not (it takes a lock). -DWIMM_NO_MARKERS compiles them to nothing.
 */
#ifndef WIMM_H
#define WIMM_H

#ifdef WIMM_NO_MARKERS

static inline void wimm_phase(const char *name) { (void)name; }
static inline void wimm_step(void) {}

#else

#include <dlfcn.h>
#include <string.h>

#ifdef RTLD_DEFAULT
#define WIMM_RTLD_DEFAULT_ RTLD_DEFAULT
#else /* dlfcn.h defines it only with _GNU_SOURCE; it is 0 on glibc and musl */
#define WIMM_RTLD_DEFAULT_ ((void *)0)
#endif

typedef void (*wimm_phase_fn_)(const char *);
typedef void (*wimm_step_fn_)(void);

/* Each translation unit looks them up once: the first call of either
 * stores both (a race only repeats the lookup), then every call is a load
 * and a branch. The _none_ functions mark "looked up, not there". */
static inline void wimm_phase_none_(const char *name) { (void)name; }
static inline void wimm_step_none_(void) {}
static wimm_phase_fn_ wimm_phase_fn_v_;
static wimm_step_fn_ wimm_step_fn_v_;

static inline void wimm_lookup_(void)
{
	void *p = dlsym(WIMM_RTLD_DEFAULT_, "wimm_phase");
	void *s = dlsym(WIMM_RTLD_DEFAULT_, "wimm_step");
	wimm_phase_fn_ pf = wimm_phase_none_;
	wimm_step_fn_ sf = wimm_step_none_;
	/* POSIX makes dlsym's object pointer a function pointer; the copy
	 * says so without ISO C's warning. */
	if (p && s) {
		memcpy(&pf, &p, sizeof(pf));
		memcpy(&sf, &s, sizeof(sf));
	}
	__atomic_store_n(&wimm_phase_fn_v_, pf, __ATOMIC_RELAXED);
	__atomic_store_n(&wimm_step_fn_v_, sf, __ATOMIC_RELEASE);
}

/* A new phase named `name` (up to 47 bytes are kept) starts now. */
static inline void wimm_phase(const char *name)
{
	if (!__atomic_load_n(&wimm_step_fn_v_, __ATOMIC_ACQUIRE))
		wimm_lookup_();
	wimm_phase_fn_ f = __atomic_load_n(&wimm_phase_fn_v_, __ATOMIC_RELAXED);
	f(name);
}

/* One step (an iteration of the loop whose memory is in question) done. */
static inline void wimm_step(void)
{
	wimm_step_fn_ f = __atomic_load_n(&wimm_step_fn_v_, __ATOMIC_ACQUIRE);
	if (__builtin_expect(f == wimm_step_none_, 1))
		return;
	if (!f) {
		wimm_lookup_();
		f = __atomic_load_n(&wimm_step_fn_v_, __ATOMIC_ACQUIRE);
	}
	f();
}

#endif /* WIMM_NO_MARKERS */
#endif
