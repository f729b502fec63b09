/* markers.h - phase and step markers for the example programs: whatever
 * wimm preloads (the recorder, the probe) exports wimm_phase and
 * wimm_step; without it they are no-ops. Looked up once. */
#ifndef WIMM_EXAMPLE_MARKERS_H
#define WIMM_EXAMPLE_MARKERS_H

#include <dlfcn.h>
#include <string.h>

static void (*marker_phase_fn)(const char *);
static void (*marker_step_fn)(void);
static int marker_looked_up;

static inline void marker_lookup(void)
{
	if (marker_looked_up)
		return;
	void *p = dlsym(RTLD_DEFAULT, "wimm_phase"), *s = dlsym(RTLD_DEFAULT, "wimm_step");
	memcpy(&marker_phase_fn, &p, sizeof(p));
	memcpy(&marker_step_fn, &s, sizeof(s));
	marker_looked_up = 1;
}

static inline void marker_phase(const char *name)
{
	marker_lookup();
	if (marker_phase_fn)
		marker_phase_fn(name);
}

static inline void marker_step(void)
{
	if (marker_step_fn)
		marker_step_fn();
}

#endif
