/* jsonr.c - see jsonr.h. */
#include "bench/results/jsonr.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct json_object *jsonr_get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;
	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

const char *jsonr_str(struct json_object *o, const char *key)
{
	struct json_object *v = jsonr_get(o, key);
	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

double jsonr_num(struct json_object *o, const char *key)
{
	struct json_object *v = jsonr_get(o, key);
	if (v &&
	    (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)))
		return json_object_get_double(v);
	return NAN;
}

void jsonr_copy(char *dst, size_t len, const char *src)
{
	size_t n = src ? strnlen(src, len - 1) : 0;
	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
}

struct json_object *jsonr_load(const char *path, char *err, size_t errlen, int *rc)
{
	if (access(path, R_OK) < 0) {
		*rc = -errno;
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	struct json_object *o = json_object_from_file(path);
	if (!o) {
		char why[256];
		const char *last = json_util_get_last_err();
		jsonr_copy(why, sizeof(why), last ? last : "unreadable");
		size_t n = strlen(why);
		while (n && why[n - 1] == '\n') /* json-c's message ends in one */
			why[--n] = '\0';
		*rc = -EINVAL;
		snprintf(err, errlen, "%s is not valid JSON (%s)", path, why);
		return NULL;
	}
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		*rc = -EINVAL;
		snprintf(err, errlen, "%s is not a wimm results file (not a JSON object)", path);
		return NULL;
	}
	return o;
}
