/* rundir_variants.c - what meta.json says about variants: the run's
 * sweeps and --idle, and of each allocator what it is a variant of, its
 * value of each sweep and the settings it reported (see rundir.h).
 *
 * These reach the sweep figures, the findings and the commands the advice
 * suggests, so they are held to what wimm writes: names are names, values
 * are short text without control characters, a variant's values are values
 * of the run's sweeps, settings are numbers, booleans or short text. Absent
 * (an older run) is none.
 */
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench/results/jsonr.h"
#include "bench/results/rundir.h"

/* An array of at most max entries, or none (missing or null). */
static int array_of(const struct jsonr_at *at, struct json_object *o, const char *key, size_t max,
                    struct json_object **out, size_t *n)
{
	struct json_object *v = jsonr_get(o, key);
	*out = NULL;
	*n = 0;
	if (!v || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_array))
		return jsonr_fail(at, key, "expected an array or null");
	if (json_object_array_length(v) > max)
		return jsonr_fail(at, key, "%zu entries, more than the %zu wimm writes",
		                  json_object_array_length(v), max);
	*out = v;
	*n = json_object_array_length(v);
	return 0;
}

static int read_sweep(const struct jsonr_at *at, struct json_object *o, struct rundir_sweep *sw)
{
	struct json_object *values;
	size_t n;
	char where[32];
	if (!o || !json_object_is_type(o, json_type_object))
		return jsonr_fail(at, "", "expected an object: a damaged file");
	if (jsonr_text(at, jsonr_get(o, "argument"), "argument", sw->argument,
	               sizeof(sw->argument)) ||
	    jsonr_text(at, jsonr_get(o, "variable"), "variable", sw->variable,
	               sizeof(sw->variable)) ||
	    jsonr_text(at, jsonr_get(o, "setting"), "setting", sw->setting, sizeof(sw->setting)) ||
	    jsonr_name(at, o, "label", true, sw->label) ||
	    array_of(at, o, "values", RUNDIR_SWEEP_VALUES, &values, &n))
		return -EINVAL;
	if (n == 0)
		return jsonr_fail(at, "values", "a sweep without values: a damaged file");
	for (size_t i = 0; i < n; i++) {
		snprintf(where, sizeof(where), "values[%zu]", i);
		if (jsonr_text(at, json_object_array_get_idx(values, i), where, sw->values[i],
		               RUNDIR_VALUE_MAX))
			return -EINVAL;
	}
	sw->nvalues = (int)n;
	return 0;
}

/* "k=v k=v" from the settings object: numbers, booleans or short text. */
static int read_settings(const struct jsonr_at *at, struct json_object *o, char *buf, size_t len)
{
	size_t used = 0;
	char value[RUNDIR_VALUE_MAX], q[64];
	buf[0] = '\0';
	if (!o || json_object_is_type(o, json_type_null))
		return 0;
	if (!json_object_is_type(o, json_type_object))
		return jsonr_fail(at, "settings", "expected an object or null");
	json_object_object_foreach(o, key, v)
	{
		bool name_ok = key[0] && strlen(key) < WIMM_NAME_MAX;
		for (const char *p = key; name_ok && *p; p++)
			name_ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			          (*p >= '0' && *p <= '9') || *p == '_' || *p == '.';
		if (!name_ok)
			return jsonr_fail(at, "settings", "%s is not a setting's name",
			                  jsonr_quote(key, q, sizeof(q)));
		if (json_object_is_type(v, json_type_boolean))
			snprintf(value, sizeof(value), "%s",
			         json_object_get_boolean(v) ? "true" : "false");
		else if (json_object_is_type(v, json_type_int))
			snprintf(value, sizeof(value), "%lld", (long long)json_object_get_int64(v));
		else if (!json_object_is_type(v, json_type_string) ||
		         strpbrk(json_object_get_string(v), " ="))
			return jsonr_fail(at, "settings",
			                  "%s: expected a whole number, true, false or a word",
			                  key);
		else if (jsonr_text(at, v, "settings", value, sizeof(value)))
			return -EINVAL;
		int n = snprintf(buf + used, len - used, "%s%s=%s", used ? " " : "", key, value);
		if (n < 0 || (size_t)n >= len - used)
			return jsonr_fail(at, "settings", "longer than the %zu bytes wimm writes",
			                  len - 1);
		used += (size_t)n;
	}
	return 0;
}

static int read_alloc(struct rundir *d, const struct jsonr_at *at, struct json_object *a)
{
	char name[WIMM_NAME_MAX], where[32];
	struct json_object *values;
	size_t n;
	if (jsonr_name(at, a, "name", false, name) || !name[0])
		return 0; /* read_allocs said it, or skipped it */
	struct rundir_alloc *ra = &d->allocs[rundir_alloc_index(d, name)];
	if (jsonr_name(at, a, "variant_of", false, ra->variant_of) ||
	    jsonr_name(at, a, "derived_from", false, ra->derived_from) ||
	    array_of(at, a, "sweep", RUNDIR_MAX_SWEEPS, &values, &n) ||
	    read_settings(at, jsonr_get(a, "settings"), ra->settings, sizeof(ra->settings)))
		return -EINVAL;
	if (!strcmp(ra->variant_of, name))
		ra->variant_of[0] = '\0'; /* its own root */
	if (n && (int)n != d->nsweeps)
		return jsonr_fail(at, "sweep", "%zu values for the run's %d sweeps: a damaged file",
		                  n, d->nsweeps);
	for (size_t i = 0; i < n; i++) {
		int known = 0;
		snprintf(where, sizeof(where), "sweep[%zu]", i);
		if (jsonr_text(at, json_object_array_get_idx(values, i), where, ra->sweep[i],
		               RUNDIR_VALUE_MAX))
			return -EINVAL;
		for (int k = 0; k < d->sweeps[i].nvalues; k++)
			known |= !strcmp(d->sweeps[i].values[k], ra->sweep[i]);
		if (!known)
			return jsonr_fail(at, where, "not one of the values of the run's sweep %s",
			                  d->sweeps[i].argument);
	}
	ra->nsweep = (int)n;
	return 0;
}

int rundir_read_variants(struct rundir *d, struct json_object *meta, const char *file,
                         const char *within, char *err, size_t errlen)
{
	struct json_object *list;
	char prefix[96];
	size_t n;
	struct jsonr_at at = {file, within, err, errlen};
	if (jsonr_figure(&at, meta, "idle_s", JSONR_NONNEG, &d->idle_s) ||
	    array_of(&at, meta, "sweeps", RUNDIR_MAX_SWEEPS, &list, &n))
		return -EINVAL;
	if (n && !(d->sweeps = calloc(n, sizeof(*d->sweeps))))
		return -ENOMEM;
	at.prefix = prefix;
	for (size_t i = 0; i < n; i++) {
		snprintf(prefix, sizeof(prefix), "%s%ssweeps[%zu]", within, within[0] ? "." : "",
		         i);
		if (read_sweep(&at, json_object_array_get_idx(list, i), &d->sweeps[i]))
			return -EINVAL;
		d->nsweeps++;
	}
	list = jsonr_get(meta, "allocators");
	n = list && json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;
	for (size_t i = 0; i < n; i++) {
		snprintf(prefix, sizeof(prefix), "%s%sallocators[%zu]", within,
		         within[0] ? "." : "", i);
		if (read_alloc(d, &at, json_object_array_get_idx(list, i)))
			return -EINVAL;
	}
	return 0;
}

const char *rundir_root_name(const struct rundir *d, int a)
{
	return d->allocs[a].variant_of[0] ? d->allocs[a].variant_of : d->allocs[a].name;
}

const char *rundir_setting(const struct rundir *d, int a, const char *key, char *buf)
{
	size_t k = strlen(key);
	for (const char *p = d->allocs[a].settings; *p;) {
		size_t len = strcspn(p, " ");
		if (len > k && !strncmp(p, key, k) && p[k] == '=') {
			snprintf(buf, RUNDIR_VALUE_MAX, "%.*s", (int)(len - k - 1), p + k + 1);
			return buf;
		}
		p += len + (p[len] == ' ');
	}
	return NULL;
}
