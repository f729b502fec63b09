/* jsonr.h - reading wimm's own JSON files (summary.json, meta.json,
 * baselines) with json-c: lookups that tolerate a missing or mistyped key,
 * since files from older or newer versions must still load. */
#ifndef WIMM_JSONR_H
#define WIMM_JSONR_H

#include <json-c/json.h>
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

/* Reads the JSON object in path. Returns it (release with json_object_put)
 * or NULL with *rc = -errno or -EINVAL and a message naming the file. */
struct json_object *jsonr_load(const char *path, char *err, size_t errlen, int *rc);

#endif
