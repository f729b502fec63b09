/* trace_workload.c - see trace_workload.h. The worker replays the file
 * itself (workloads/generators/gen_replay.c); the driver only needs what a
 * workload tells the results: a name, the thread count, the phases. */
#include "bench/trace/trace_workload.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/trace_read.h"
#include "common/trace_walk.h"
#include "workloads/generators/gen.h"

int trace_workload_is_trace(const char *path)
{
	size_t n = strlen(path);
	return n > 7 && !strcmp(path + n - 7, ".wtrace");
}

/* The file's base name without ".wtrace", anything outside [A-Za-z0-9._-]
 * made '_', as workload names are. */
static void name_of(const char *path, char *name, size_t len)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t n = strlen(base) - 7;
	if (n >= len)
		n = len - 1;
	for (size_t i = 0; i < n; i++) {
		char c = base[i];
		name[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		                  (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'
		              ? c
		              : '_';
	}
	name[n] = 0;
}

int trace_workload_load(const char *path, struct workload *w, char *err, size_t errlen)
{
	struct trace_reader *r;
	struct trace_walk_totals tot;
	int rc = trace_open(path, &r, err, errlen);
	if (rc)
		return rc;
	if ((rc = trace_walk(r, NULL, NULL, &tot))) {
		snprintf(err, errlen, "%s", trace_error(r));
		trace_close(r);
		return rc;
	}
	const struct trace_header *h = trace_header(r);
	memset(w, 0, sizeof(*w));
	name_of(path, w->name, sizeof(w->name));
	if (!w->name[0])
		snprintf(w->name, sizeof(w->name), "trace");
	snprintf(w->path, sizeof(w->path), "%s", path);
	size_t clen = 0;
	const char *cmd = trace_field(r, "command", &clen);
	char command[256] = "";
	for (size_t i = 0; cmd && i < clen && i < sizeof(command) - 1; i++)
		command[i] = cmd[i] ? cmd[i] : ' ';
	snprintf(w->description, sizeof(w->description),
	         "A recorded trace%s%s: %u threads, %llu events, peak live heap %llu bytes%s.",
	         command[0] ? " of " : "", command, h->nthreads, (unsigned long long)tot.events,
	         (unsigned long long)tot.peak_live, h->complete ? "" : " (incomplete recording)");
	w->naxis = 1;
	w->axis[0] = (int)h->nthreads;
	w->nphases = h->nphases ? h->nphases : 1;
	if (w->nphases > WORKLOAD_MAX_PHASES)
		w->nphases = WORKLOAD_MAX_PHASES;
	for (int i = 0; i < w->nphases; i++) {
		snprintf(w->phases[i].name, sizeof(w->phases[i].name), "%s",
		         h->nphases ? h->phases[i] : "replay");
		struct role *r = &w->phases[i].roles[0];
		w->phases[i].nroles = 1;
		snprintf(r->name, sizeof(r->name), "%s", w->phases[i].name);
		r->gen = gen_find("churn"); /* a phase of work: neither idle nor free-all */
		r->threads = w->axis[0];    /* fixed: -t does not apply */
	}
	trace_close(r);
	return 0;
}
