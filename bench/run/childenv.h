/* childenv.h - the environment of a measured child, and what its malloc is.
 *
 * The child gets the driver's environment minus what would distort the
 * measurement (MALLOC_PERTURB_, which meson test sets and which slows glibc
 * by ~50%; any inherited LD_PRELOAD), plus the allocator's tunables, its
 * library in LD_PRELOAD, and WIMM_SCOREBOARD.
 */
#ifndef WIMM_CHILDENV_H
#define WIMM_CHILDENV_H

#include <stddef.h>

#include "bench/plan/allocator.h"

/* Variables removed from every child's environment, space-separated, for
 * meta.json. */
extern const char childenv_removed[];

/* Builds a NULL-terminated environment. sb_fd < 0 leaves WIMM_SCOREBOARD
 * unset; probe (the probe library's path, or NULL) is preloaded after the
 * allocator. Returns 0 or -ENOMEM; free with childenv_free(). */
int childenv_build(const struct allocator *a, int sb_fd, const char *probe, char ***envp);
void childenv_free(char **envp);

/* The file malloc must come from under allocator a: its resolved library,
 * or the C library for the system allocator; NULL (any) for the system
 * allocator in an ASan build, where the sanitizer's runtime serves malloc. */
const char *childenv_expected_owner(const struct allocator *a);

/* 1 when wimm is built with AddressSanitizer (-Db_sanitize=address). Such a
 * build cannot run with another allocator, or the probe, preloaded: the
 * ASan runtime must come first in the library list ("ASan runtime does not
 * come first in initial library list"), and its own malloc serves the
 * process. The driver then skips (or, when named, refuses) allocators with
 * a library and runs without the probe. */
int childenv_asan_build(void);

/* Runs `wimm-worker --identify` under a and reports malloc's owner and the
 * allocator's version, read from a scoreboard of its own (the child's
 * output goes to /dev/null). Returns 0, -EPROTO when malloc did not come
 * from the expected library (owner still filled), -ECHILD when the worker
 * died or failed with it preloaded, -ETIMEDOUT when it did not answer
 * within 10 s (killed), or -errno. */
int childenv_identify(const struct allocator *a, char *owner, size_t owner_len, char *version,
                      size_t version_len);

/* Runs `wimm-worker --settings` under a: the configuration the allocator
 * reports, "key=value ..." (jemalloc's dirty_decay_ms, muzzy_decay_ms,
 * background_thread; "" for the others), into out. Returns 0, or -EPROTO
 * when the answer is not one, or as childenv_identify. */
int childenv_settings(const struct allocator *a, char *out, size_t len);

/* Warns once about allocator tunables set in the user's own environment:
 * they reach every cell, which is rarely what a comparison wants. */
void childenv_warn_inherited(void);

#endif
