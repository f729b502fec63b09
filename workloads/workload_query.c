/* workload_query.c - what the driver and the worker ask of a loaded
 * workload: scaled work, thread rules, budgets, the kind of each phase and
 * a role's parameters by name. All of it goes through the generators'
 * tables, so no code here knows one generator from another.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "workloads/generators/gen.h"
#include "workloads/keys.h"
#include "workloads/workload.h"

void workload_scale(struct workload *w, double scale, double time_scale)
{
	for (int i = 0; i < w->nphases; i++)
		for (int j = 0; j < w->phases[i].nroles; j++) {
			struct role *r = &w->phases[i].roles[j];
			keys_scale(r->gen->keys, r->params, scale, time_scale);
			if (r->gen->scale)
				r->gen->scale(r->params, scale, time_scale);
		}
}

/* The idle generator's duration, through its table: the one key of an
 * idle phase that is a duration. */
static double *idle_duration(struct phase *p)
{
	if (workload_phase_kind(p) != WORKLOAD_PHASE_IDLE)
		return NULL;
	struct role *r = &p->roles[0];
	for (const struct key_def *k = r->gen->keys; k->name; k++)
		if (k->type == KEY_DURATION)
			return (double *)(r->params + k->offset);
	return NULL;
}

int workload_set_idle(struct workload *w, double seconds)
{
	int n = 0;
	for (int i = 0; i < w->nphases; i++) {
		double *d = idle_duration(&w->phases[i]);
		if (d) {
			*d = seconds;
			n++;
		}
	}
	return n;
}

double workload_idle_seconds(const struct workload *w)
{
	double s = 0;
	for (int i = 0; i < w->nphases; i++) {
		const double *d = idle_duration((struct phase *)&w->phases[i]);
		s += d ? *d : 0;
	}
	return s;
}

uint64_t workload_budget(const struct workload *w)
{
	uint64_t budget = 0;
	for (int i = 0; i < w->nphases; i++)
		for (int j = 0; j < w->phases[i].nroles; j++) {
			const struct role *r = &w->phases[i].roles[j];
			uint64_t b = r->gen->budget ? r->gen->budget(r->params) : 0;
			if (b > budget)
				budget = b;
		}
	return budget;
}

enum workload_phase_kind workload_phase_kind(const struct phase *p)
{
	return p->nroles == 1 ? p->roles[0].gen->kind : WORKLOAD_PHASE_WORK;
}

uint64_t workload_phase_leak(const struct phase *p)
{
	uint64_t leak = 0;
	for (int j = 0; j < p->nroles; j++)
		if (p->roles[j].gen->leak)
			leak += p->roles[j].gen->leak(p->roles[j].params);
	return leak;
}

const char *workload_role_generator(const struct role *r) { return r->gen->name; }

void workload_file_path(const struct workload *w, const char *rel, char *out, size_t len)
{
	const char *slash = strrchr(w->path, '/');
	int dir = slash ? (int)(slash - w->path) : 0;
	snprintf(out, len, "%.*s%s%s", dir, w->path, slash ? "/" : "", rel);
}

int workload_check_threads(const struct workload *w, int threads, char *err, size_t errlen)
{
	for (int i = 0; i < w->nphases; i++) {
		const struct phase *p = &w->phases[i];
		int total = 0;
		for (int j = 0; j < p->nroles; j++) {
			const struct role *r = &p->roles[j];
			if (r->gen->threads == GEN_MAIN_THREAD)
				continue;
			int n = r->threads ? r->threads : threads;
			total += n + r->gen->extra_threads;
			if (r->threads)
				continue; /* fixed by the file: the axis does not apply */
			if (n < r->min_threads && r->min_threads_why) {
				snprintf(err, errlen,
				         "%s: phase '%s' %s, so it needs at least %d threads",
				         w->name, p->name, r->min_threads_why, r->min_threads);
				return -EINVAL;
			}
			if (n < r->min_threads) {
				snprintf(err, errlen, "%s: phase '%s' (%s) needs at least %s",
				         w->name, p->name, r->gen->name,
				         r->min_threads == 1 ? "one thread" : "two threads");
				return -EINVAL;
			}
		}
		if (total > WORKLOAD_MAX_THREADS) {
			snprintf(err, errlen,
			         "%s: phase '%s' would run %d threads at %d; at most %d", w->name,
			         p->name, total, threads, WORKLOAD_MAX_THREADS);
			return -EINVAL;
		}
	}
	return 0;
}

/* The role's value of key, if the table has it with one of the types. */
static const void *param(const struct role *r, const char *key, enum key_type a, enum key_type b)
{
	const struct key_def *k = keys_find(r->gen->keys, key);
	return k && (k->type == a || k->type == b) ? r->params + k->offset : NULL;
}

int workload_param_u64(const struct role *r, const char *key, uint64_t *out)
{
	const void *p = param(r, key, KEY_COUNT, KEY_SIZE);
	if (!p)
		return -ENOENT;
	memcpy(out, p, sizeof(*out));
	return 0;
}

int workload_param_real(const struct role *r, const char *key, double *out)
{
	const void *p = param(r, key, KEY_REAL, KEY_DURATION);
	if (!p && !(p = param(r, key, KEY_RATE, KEY_RATE)))
		return -ENOENT;
	memcpy(out, p, sizeof(*out));
	return 0;
}

int workload_param_bool(const struct role *r, const char *key, bool *out)
{
	const void *p = param(r, key, KEY_BOOL, KEY_BOOL);
	if (!p)
		return -ENOENT;
	memcpy(out, p, sizeof(*out));
	return 0;
}

int workload_param_int(const struct role *r, const char *key, int *out)
{
	const void *p = param(r, key, KEY_CHOICE, KEY_QUEUE);
	if (!p && !(p = param(r, key, KEY_INT, KEY_INT)))
		return -ENOENT;
	memcpy(out, p, sizeof(*out));
	return 0;
}

const struct dist *workload_param_dist(const struct role *r, const char *key)
{
	return param(r, key, KEY_SIZES, KEY_LIFETIMES);
}

const struct touch *workload_param_touch(const struct role *r, const char *key)
{
	return param(r, key, KEY_TOUCH, KEY_TOUCH);
}

const struct calls *workload_param_calls(const struct role *r, const char *key)
{
	return param(r, key, KEY_CALLS, KEY_CALLS);
}
