/* jsonr.c - see jsonr.h. */
#include "bench/results/jsonr.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "common/limits.h"

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

int jsonr_fail(const struct jsonr_at *at, const char *key, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(at->err, at->errlen, "%s: %s%s%s: ", at->file, at->prefix,
	                 at->prefix[0] && key[0] ? "." : "", key);
	if (n >= 0 && (size_t)n < at->errlen) {
		va_start(ap, fmt);
		vsnprintf(at->err + n, at->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

const char *jsonr_quote(const char *s, char *buf, size_t len)
{
	size_t o = 0, i = 0;
	if (len < 8)
		return "";
	buf[o++] = '"';
	for (; s[i] && i < 40 && o + 6 < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
	}
	if (s[i] && o + 4 < len)
		o += (size_t)snprintf(buf + o, len - o, "...");
	snprintf(buf + o, len - o, "\"");
	return buf;
}

int jsonr_name(const struct jsonr_at *at, struct json_object *o, const char *key, bool required,
               char *buf)
{
	struct json_object *v = jsonr_get(o, key);
	char q[64];
	buf[0] = '\0';
	if (!v || json_object_is_type(v, json_type_null)) {
		if (!required)
			return 0;
		return jsonr_fail(at, key, "missing: not a wimm file, or a damaged one");
	}
	if (!json_object_is_type(v, json_type_string))
		return jsonr_fail(at, key, "expected a name (a string), got a %s",
		                  json_type_to_name(json_object_get_type(v)));
	const char *s = json_object_get_string(v);
	if (!limits_name_ok(s) || strlen(s) != (size_t)json_object_get_string_len(v))
		return jsonr_fail(at, key,
		                  "%s is not a name (1 to %d letters, digits, '_', '.' or '-'): "
		                  "the file was not written by wimm, or was changed",
		                  jsonr_quote(s, q, sizeof(q)), WIMM_NAME_MAX - 1);
	memcpy(buf, s, strlen(s) + 1);
	return 0;
}

int jsonr_figure(const struct jsonr_at *at, struct json_object *o, const char *key,
                 enum jsonr_range range, double *out)
{
	static const char *const want[] = {
	    [JSONR_WHOLE] = "a whole number >= 0",
	    [JSONR_NONNEG] = "a number >= 0",
	    [JSONR_FINITE] = "a number",
	};
	struct json_object *v = jsonr_get(o, key);
	*out = NAN;
	if (!v || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))
		return jsonr_fail(at, key, "expected %s or null, got a %s", want[range],
		                  json_type_to_name(json_object_get_type(v)));
	double x = json_object_get_double(v);
	/* json-c reads NaN and Infinity, which JSON has not: wimm writes null. */
	if (!isfinite(x) || (range != JSONR_FINITE && x < 0) ||
	    (range == JSONR_WHOLE && (x != floor(x) || x >= 0x1p63)))
		return jsonr_fail(at, key, "expected %s or null, got %s", want[range],
		                  json_object_get_string(v));
	*out = x;
	return 0;
}

int jsonr_text(const struct jsonr_at *at, struct json_object *v, const char *where, char *buf,
               size_t len)
{
	char q[64];
	buf[0] = '\0';
	if (!v || !json_object_is_type(v, json_type_string))
		return jsonr_fail(at, where, "missing or not a string: a damaged file");
	const char *s = json_object_get_string(v);
	size_t n = strlen(s);
	bool ok = n > 0 && n < len && n == (size_t)json_object_get_string_len(v);
	for (size_t i = 0; ok && i < n; i++)
		ok = (unsigned char)s[i] >= 0x20 && s[i] != 0x7f;
	if (!ok)
		return jsonr_fail(at, where,
		                  "%s: expected 1 to %zu bytes of text without control characters",
		                  jsonr_quote(s, q, sizeof(q)), len - 1);
	memcpy(buf, s, n + 1);
	return 0;
}

int jsonr_label(const struct jsonr_at *at, struct json_object *o, const char *key, char *buf)
{
	return jsonr_text(at, jsonr_get(o, key), key, buf, WIMM_NAME_MAX);
}

struct json_object *jsonr_load(const char *path, char *err, size_t errlen, int *rc)
{
	char *text = NULL;
	size_t len = 0;
	*rc = fsutil_read(path, JSONR_MAX_FILE, &text, &len);
	if (*rc == -EFBIG) {
		snprintf(err, errlen,
		         "%s is over the %d MiB a wimm results file may have: not one wimm wrote",
		         path, JSONR_MAX_FILE >> 20);
		*rc = -EINVAL;
		return NULL;
	}
	if (*rc) {
		snprintf(err, errlen, "cannot read %s: %s", path, fsutil_strerror(*rc));
		if (*rc == -ESPIPE)
			*rc = -EINVAL;
		return NULL;
	}
	struct json_tokener *tok = json_tokener_new();
	if (!tok) {
		free(text);
		snprintf(err, errlen, "out of memory reading %s", path);
		*rc = -ENOMEM;
		return NULL;
	}
	struct json_object *o = json_tokener_parse_ex(tok, text, (int)len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t used = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	*rc = -EINVAL;
	if (!o && jerr != json_tokener_success) {
		/* json-c says where it stopped: the byte offset helps find it. */
		snprintf(err, errlen, "%s is not valid JSON (%s at byte %zu)", path,
		         jerr == json_tokener_continue ? "unexpected end of file"
		                                       : json_tokener_error_desc(jerr),
		         used);
	} else if (used + strspn(text + used, " \t\r\n") != len) {
		snprintf(err, errlen, "%s is not valid JSON (more data after the end, at byte %zu)",
		         path, used);
	} else if (!json_object_is_type(o, json_type_object)) {
		snprintf(err, errlen, "%s is not a wimm results file (not a JSON object)", path);
	} else {
		*rc = 0;
	}
	free(text);
	if (*rc) {
		json_object_put(o);
		return NULL;
	}
	return o;
}
