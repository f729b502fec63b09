/* alloc_settings.h - what the allocator serving malloc was configured with,
 * asked in the worker before a run (`wimm-worker --settings`), so results
 * can name the setting behind a figure: jemalloc's decay times and its
 * background thread explain how long freed memory stays resident. */
#ifndef WIMM_ALLOC_SETTINGS_H
#define WIMM_ALLOC_SETTINGS_H

#include <stddef.h>

/* Fills buf with "key=value" words separated by spaces, "" when the
 * allocator has nothing to report (glibc, tcmalloc, mimalloc). jemalloc:
 * dirty_decay_ms, muzzy_decay_ms (-1 = never purge) and background_thread
 * (whether it runs, not only whether it was asked for). Returns buf. */
char *alloc_settings_read(char *buf, size_t len);

#endif
