/* jsonw.h - small json-c helpers shared by the files the driver writes
 * (meta.json, summary.json): adding members without losing an allocation
 * failure, and one way to write real numbers and n/a.
 *
 * json-c constructors return NULL when out of memory, and adding NULL to an
 * object silently writes a JSON null; these helpers turn that into -ENOMEM
 * instead. Every helper returns 0 or -ENOMEM and nothing else, so a builder
 * may OR a run of results together and test once. On failure the value is
 * released, never leaked. Header-only: the helpers are a few lines each and
 * are used by several modules.
 */
#ifndef WIMM_JSONW_H
#define WIMM_JSONW_H

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Real numbers in every file the driver writes (CSV and JSON alike, so the
 * two agree): 9 significant digits are nanoseconds for a run of seconds and
 * bytes exact below 1 GB, without json-c's default of 17 digits of noise. */
#define JSONW_REAL_FMT "%.9g"

/* Adds val under key, taking ownership; val == NULL (a constructor that ran
 * out of memory) gives -ENOMEM. Use jsonw_add_null() for a JSON null. */
static inline int jsonw_add(struct json_object *obj, const char *key, struct json_object *val)
{
	if (!val)
		return -ENOMEM;
	if (json_object_object_add(obj, key, val) < 0) {
		json_object_put(val);
		return -ENOMEM;
	}
	return 0;
}

static inline int jsonw_add_null(struct json_object *obj, const char *key)
{
	return json_object_object_add(obj, key, NULL) < 0 ? -ENOMEM : 0;
}

/* Appends val to an array, taking ownership; NULL gives -ENOMEM. */
static inline int jsonw_push(struct json_object *arr, struct json_object *val)
{
	if (!val)
		return -ENOMEM;
	if (json_object_array_add(arr, val) < 0) {
		json_object_put(val);
		return -ENOMEM;
	}
	return 0;
}

/* A real as JSONW_REAL_FMT, with ".0" added to integral values so a reader
 * gets a double back, not an int. Returns NULL for NaN and infinities (JSON
 * has no spelling for them: callers write null) and when out of memory. */
static inline struct json_object *jsonw_real(double v)
{
	char buf[40];
	if (!isfinite(v))
		return NULL;
	snprintf(buf, sizeof(buf) - 2, JSONW_REAL_FMT, v);
	if (!strpbrk(buf, ".eE"))
		strcat(buf, ".0");
	return json_object_new_double_s(v, buf);
}

static inline int jsonw_add_str(struct json_object *obj, const char *key, const char *s)
{
	return jsonw_add(obj, key, json_object_new_string(s));
}

static inline int jsonw_add_int(struct json_object *obj, const char *key, int64_t v)
{
	return jsonw_add(obj, key, json_object_new_int64(v));
}

static inline int jsonw_add_uint(struct json_object *obj, const char *key, uint64_t v)
{
	return jsonw_add(obj, key, json_object_new_uint64(v));
}

static inline int jsonw_add_bool(struct json_object *obj, const char *key, bool v)
{
	return jsonw_add(obj, key, json_object_new_boolean(v));
}

/* Non-finite values are n/a: written as null. */
static inline int jsonw_add_real(struct json_object *obj, const char *key, double v)
{
	if (!isfinite(v))
		return jsonw_add_null(obj, key);
	return jsonw_add(obj, key, jsonw_real(v));
}

#endif
