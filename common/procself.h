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

/* Current RSS in bytes (statm), or -1. */
static inline int64_t procself_rss(void)
{
	char buf[128];
	long long size, resident;
	if (procself_read("statm", buf, sizeof(buf)) ||
	    sscanf(buf, "%lld %lld", &size, &resident) != 2)
		return -1;
	return (int64_t)resident * sysconf(_SC_PAGESIZE);
}

#endif
