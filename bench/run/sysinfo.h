/* sysinfo.h - facts about the host, recorded in meta.json so a result can
 * be read a year later, and a short testbed id that keys baselines.
 *
 * Gathering never fails and never blocks: a fact that cannot be read is
 * "unknown" (strings) or -1 (numbers), written as "unknown" / null.
 */
#ifndef WIMM_SYSINFO_H
#define WIMM_SYSINFO_H

#include <stddef.h>
#include <stdint.h>

struct json_object;

struct sysinfo_host {
	char hostname[256];
	char kernel_release[128]; /* uname -r */
	char kernel_version[256]; /* uname -v */
	char machine[72];         /* uname -m */
	long cpus_online;         /* sysconf(_SC_NPROCESSORS_ONLN) */
	long cpus_allowed;        /* in this process's affinity mask (containers, taskset) */
	char cpu_model[256];      /* first "model name" of /proc/cpuinfo */
	int64_t mem_total_bytes;  /* MemTotal of /proc/meminfo */
	char glibc_version[32];
	char thp_enabled[32]; /* the [bracketed] mode of transparent_hugepage/enabled */
	char wimm_version[32];
};

void sysinfo_read(struct sysinfo_host *h);

/* Adds the facts to obj: "hostname", "kernel_release", "kernel_version",
 * "machine", "cpus_online", "cpus_allowed", "cpu_model", "mem_total_bytes",
 * "glibc_version", "thp_enabled", "wimm_version". Returns 0 or -ENOMEM. */
int sysinfo_add_json(struct json_object *obj);

/* "<machine>-<cpus_online>cpu-<kernel release>", e.g.
 * "x86_64-2cpu-6.1.0-18-amd64", with anything but [A-Za-z0-9._-] replaced
 * by '_' so it can name a directory. Writes into buf (64 bytes is enough
 * for any real host; longer ids are truncated) and returns buf. */
char *sysinfo_testbed(char *buf, size_t len);

#endif
