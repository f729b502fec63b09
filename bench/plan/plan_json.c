/* plan_json.c - the plan's part of meta.json (see plan_json.h). */
#include "bench/plan/plan_json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench/results/jsonw.h"

static struct json_object *strings(const char (*v)[ALLOCATOR_SWEEP_VALUE_MAX], int n)
{
	struct json_object *a = json_object_new_array();
	int rc = a ? 0 : -ENOMEM;
	for (int i = 0; i < n && !rc; i++)
		rc = jsonw_push(a, json_object_new_string(v[i]));
	if (rc) {
		json_object_put(a);
		return NULL;
	}
	return a;
}

struct json_object *plan_sweeps_json(const struct sweep *sw, int n)
{
	struct json_object *list = json_object_new_array();
	int rc = list ? 0 : -ENOMEM;
	for (int i = 0; i < n && !rc; i++) {
		struct json_object *o = json_object_new_object();
		if (!o) {
			rc = -ENOMEM;
			break;
		}
		rc |= jsonw_add_str(o, "argument", sw[i].arg);
		rc |= jsonw_add_str(o, "variable", sw[i].variable);
		rc |= jsonw_add_str(o, "setting", sw[i].setting);
		rc |= jsonw_add_str(o, "label", sw[i].label);
		rc |= jsonw_add(o, "values", strings(sw[i].values, sw[i].nvalues));
		rc |= jsonw_push(list, o);
	}
	if (rc) {
		json_object_put(list);
		return NULL;
	}
	return list;
}

/* "k=v k=v" (checked by childenv_settings) as an object: integers and
 * booleans typed, anything else a string. */
static struct json_object *settings_json(const char *s)
{
	struct json_object *o = json_object_new_object();
	int rc = o ? 0 : -ENOMEM;
	char word[ALLOCATOR_SETTINGS_MAX];
	while (*s && !rc) {
		size_t len = strcspn(s, " ");
		snprintf(word, sizeof(word), "%.*s", (int)len, s);
		s += len + (s[len] == ' ');
		char *eq = strchr(word, '='), *end;
		if (!eq)
			continue;
		*eq++ = 0;
		long long v = strtoll(eq, &end, 10);
		if (!strcmp(eq, "true") || !strcmp(eq, "false"))
			rc = jsonw_add_bool(o, word, !strcmp(eq, "true"));
		else if (*eq && !*end)
			rc = jsonw_add_int(o, word, v);
		else
			rc = jsonw_add_str(o, word, eq);
	}
	if (rc) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

int plan_allocator_json(struct json_object *o, const struct allocator *a)
{
	int rc = a->derived_from[0] ? jsonw_add_str(o, "derived_from", a->derived_from)
	                            : jsonw_add_null(o, "derived_from");
	rc |= a->nsweep ? jsonw_add(o, "sweep", strings(a->sweep, a->nsweep))
	                : jsonw_add_null(o, "sweep");
	rc |= a->settings[0] ? jsonw_add(o, "settings", settings_json(a->settings))
	                     : jsonw_add_null(o, "settings");
	return rc ? -ENOMEM : 0;
}
