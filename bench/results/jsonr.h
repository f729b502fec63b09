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

/* The largest JSON file read back: a summary of 10,000 cells is about
 * 32 MiB. Larger is not a file wimm wrote, and would cost its size many
 * times over in json-c's objects (about 20 times for the smallest ones). */
#define JSONR_MAX_FILE (32 << 20)

/* A label (a phase name: a program names its phases as it likes, in a
 * trace or through the marker API) under key into buf (WIMM_NAME_MAX
 * bytes): 1 to WIMM_NAME_MAX - 1 bytes of text without a control
 * character. Shown, never a file name: the figures and reports quote it.
 * Returns 0 or -EINVAL with the file and field named. */
int jsonr_label(const struct jsonr_at *at, struct json_object *o, const char *key, char *buf);
/* The same rule for any string value v, of at most len - 1 bytes, into
 * buf; where names the field in the message. */
int jsonr_text(const struct jsonr_at *at, struct json_object *v, const char *where, char *buf,
               size_t len);

/* What a figure may be: a whole number >= 0 (bytes, counts), any number
 * >= 0 (seconds, ratios), or any finite number (a slope). */
enum jsonr_range { JSONR_WHOLE, JSONR_NONNEG, JSONR_FINITE };

/* A figure under key: *out is NaN when it is missing or null (n/a), else
 * the number. A string, an object, NaN, an infinity or a value out of the
 * range is an error naming the file and field. Returns 0 or -EINVAL. */
int jsonr_figure(const struct jsonr_at *at, struct json_object *o, const char *key,
                 enum jsonr_range range, double *out);

/* Reads the JSON object in path: a regular file of at most JSONR_MAX_FILE
 * bytes holding one object and nothing after it. Returns it (release with
 * json_object_put) or NULL with *rc = -errno (cannot read) or -EINVAL (not
 * what wimm writes) and a message naming the file. */
struct json_object *jsonr_load(const char *path, char *err, size_t errlen, int *rc);

#endif
