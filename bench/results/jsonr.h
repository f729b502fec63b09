/* jsonr.h - reading wimm's own JSON files (summary.json, meta.json,
 * baselines) with json-c: lookups that tolerate a missing or mistyped key,
 * since files from older or newer versions must still load. */
#ifndef WIMM_JSONR_H
#define WIMM_JSONR_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

/* The value of key in object o, or NULL (also when o is not an object). */
struct json_object *jsonr_get(struct json_object *o, const char *key);

/* A string value, or NULL when missing or not a string. */
const char *jsonr_str(struct json_object *o, const char *key);

/* A number, or NaN for null, missing or not a number. */
double jsonr_num(struct json_object *o, const char *key);

/* Copies src (NULL = "") into dst, cut to fit: every field read from a file
 * is bounded. */
void jsonr_copy(char *dst, size_t len, const char *src);

/* Where a value is read, for error messages: the file, and the path of
 * the object within it ("cells[3]", "host", or "" for the top level). */
struct jsonr_at {
	const char *file;
	const char *prefix;
	char *err;
	size_t errlen;
};

/* Writes "FILE: PREFIX.KEY: MESSAGE" into at->err and returns -EINVAL. */
__attribute__((format(printf, 3, 4))) int jsonr_fail(const struct jsonr_at *at, const char *key,
                                                     const char *fmt, ...);

/* s as a short printable quote for a message: at most 40 characters,
 * anything but printable ASCII as \xNN, "..." when cut. */
const char *jsonr_quote(const char *s, char *buf, size_t len);

/* A name (limits.h) under key into buf (WIMM_NAME_MAX bytes). Missing or
 * null: "" when !required, else an error. Anything else that is not a
 * name is an error naming the file and field. Returns 0 or -EINVAL. */
int jsonr_name(const struct jsonr_at *at, struct json_object *o, const char *key, bool required,
               char *buf);

/* Reads the JSON object in path. Returns it (release with json_object_put)
 * or NULL with *rc = -errno or -EINVAL and a message naming the file. */
struct json_object *jsonr_load(const char *path, char *err, size_t errlen, int *rc);

#endif
