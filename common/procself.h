/* procself.h - figures of the calling process from /proc/self, read with
 * open/read/close into a stack buffer: no stdio and no malloc, so the
 * worker and the probe can read them inside the measured process without
 * changing what they report. Not for hot paths: a few microseconds each.
 */
#ifndef WIMM_PROCSELF_H
#define WIMM_PROCSELF_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Reads /proc/self/NAME into buf (NUL-terminated). Returns 0 or -1. */
static inline int procself_read(const char *name, char *buf, size_t len)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/%s", name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return 0;
}

/* Peak RSS of this process (VmHWM) in bytes, or -1. */
static inline int64_t procself_vmhwm(void)
{
	char buf[4096];
	if (procself_read("status", buf, sizeof(buf)))
		return -1;
	const char *p = strstr(buf, "VmHWM:");
	return p ? strtoll(p + 6, NULL, 10) * 1024 : -1;
}

/* Current RSS in bytes (statm), or -1; with file, also its file-backed and
 * shared part (statm's third field) from the same read, or -1. */
static inline int64_t procself_statm(int64_t *file)
{
	char buf[128];
	long long size, resident, shared;
	if (file)
		*file = -1;
	if (procself_read("statm", buf, sizeof(buf)))
		return -1;
	int got = sscanf(buf, "%lld %lld %lld", &size, &resident, &shared);
	if (got < 2)
		return -1;
	if (file && got == 3)
		*file = (int64_t)shared * sysconf(_SC_PAGESIZE);
	return (int64_t)resident * sysconf(_SC_PAGESIZE);
}

static inline int64_t procself_rss(void) { return procself_statm(NULL); }

/* Stores RSS and its file part, read together, into two fields. */
#define procself_store_statm(rss_field, file_field)                                                \
	do {                                                                                       \
		int64_t file_;                                                                     \
		atomic_store(rss_field, procself_statm(&file_));                                   \
		atomic_store(file_field, file_);                                                   \
	} while (0)

#endif
