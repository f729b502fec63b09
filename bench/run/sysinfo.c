/* sysinfo.c - host facts for meta.json and the testbed id (see sysinfo.h).
 *
 * Sources are uname, sysconf and a few /proc and /sys files read with
 * stdio; a missing file (a container without /sys, a non-x86 cpuinfo)
 * leaves that fact "unknown" rather than failing the run.
 */
#include "bench/run/sysinfo.h"

#include <ctype.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <gnu/libc-version.h>
#endif

#include "config.h"
#include "bench/results/jsonw.h"

#define UNKNOWN "unknown"

static void copy(char *dst, size_t len, const char *src) { snprintf(dst, len, "%s", src); }

static char *trim(char *s)
{
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

/* The value after ':' on the first line of path starting with key, trimmed. */
static int read_keyed(const char *path, const char *key, char *out, size_t len)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	int rc = -1;
	if (!f)
		return -1;
	while (getline(&line, &cap, f) > 0) {
		char *colon = strchr(line, ':');
		if (strncmp(line, key, strlen(key)) == 0 && colon) {
			copy(out, len, trim(colon + 1));
			rc = 0;
			break;
		}
	}
	free(line);
	fclose(f);
	return rc;
}

static void read_thp(char *out, size_t len)
{
	char buf[256] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "re");
	char *open, *close;
	copy(out, len, UNKNOWN);
	if (!f)
		return;
	if (fgets(buf, sizeof(buf), f) && (open = strchr(buf, '[')) &&
	    (close = strchr(open, ']'))) {
		*close = '\0';
		copy(out, len, open + 1);
	}
	fclose(f);
}

static long cpus_allowed(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return -1;
	return CPU_COUNT(&set);
}

void sysinfo_read(struct sysinfo_host *h)
{
	struct utsname u;
	char mem[64];
	memset(h, 0, sizeof(*h));
	if (gethostname(h->hostname, sizeof(h->hostname) - 1) < 0)
		copy(h->hostname, sizeof(h->hostname), UNKNOWN);
	if (uname(&u) == 0) {
		copy(h->kernel_release, sizeof(h->kernel_release), u.release);
		copy(h->kernel_version, sizeof(h->kernel_version), u.version);
		copy(h->machine, sizeof(h->machine), u.machine);
	} else {
		copy(h->kernel_release, sizeof(h->kernel_release), UNKNOWN);
		copy(h->kernel_version, sizeof(h->kernel_version), UNKNOWN);
		copy(h->machine, sizeof(h->machine), UNKNOWN);
	}
	h->cpus_online = sysconf(_SC_NPROCESSORS_ONLN);
	h->cpus_allowed = cpus_allowed();
	if (read_keyed("/proc/cpuinfo", "model name", h->cpu_model, sizeof(h->cpu_model)) < 0)
		copy(h->cpu_model, sizeof(h->cpu_model), UNKNOWN);
	h->mem_total_bytes = -1;
	if (read_keyed("/proc/meminfo", "MemTotal", mem, sizeof(mem)) == 0) {
		/* "16384256 kB": the kernel's kB are KiB. */
		char *end;
		long long kib = strtoll(mem, &end, 10);
		if (end != mem && kib >= 0)
			h->mem_total_bytes = (int64_t)kib * 1024;
	}
#ifdef __GLIBC__
	copy(h->glibc_version, sizeof(h->glibc_version), gnu_get_libc_version());
#else
	copy(h->glibc_version, sizeof(h->glibc_version), UNKNOWN);
#endif
	read_thp(h->thp_enabled, sizeof(h->thp_enabled));
	copy(h->wimm_version, sizeof(h->wimm_version), WIMM_VERSION);
}

static int add_count(struct json_object *obj, const char *key, int64_t v)
{
	return v < 0 ? jsonw_add_null(obj, key) : jsonw_add_int(obj, key, v);
}

int sysinfo_add_json(struct json_object *obj)
{
	struct sysinfo_host h;
	int rc = 0;
	sysinfo_read(&h);
	rc |= jsonw_add_str(obj, "hostname", h.hostname);
	rc |= jsonw_add_str(obj, "kernel_release", h.kernel_release);
	rc |= jsonw_add_str(obj, "kernel_version", h.kernel_version);
	rc |= jsonw_add_str(obj, "machine", h.machine);
	rc |= add_count(obj, "cpus_online", h.cpus_online);
	rc |= add_count(obj, "cpus_allowed", h.cpus_allowed);
	rc |= jsonw_add_str(obj, "cpu_model", h.cpu_model);
	rc |= add_count(obj, "mem_total_bytes", h.mem_total_bytes);
	rc |= jsonw_add_str(obj, "glibc_version", h.glibc_version);
	rc |= jsonw_add_str(obj, "thp_enabled", h.thp_enabled);
	rc |= jsonw_add_str(obj, "wimm_version", h.wimm_version);
	return rc;
}

char *sysinfo_testbed(char *buf, size_t len)
{
	struct sysinfo_host h;
	if (len == 0)
		return buf;
	sysinfo_read(&h);
	snprintf(buf, len, "%s-%ldcpu-%s", h.machine, h.cpus_online, h.kernel_release);
	for (char *p = buf; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
			*p = '_';
	return buf;
}
