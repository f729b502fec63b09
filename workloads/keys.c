/* keys.c - parsing a YAML mapping through a key table, and describing the
 * table (see keys.h).
 *
 * Values are read with the ynode getters, so every message has the same
 * form ("FILE:L:C: key 'ops': expected a count from 1 to ..., got '1.5'")
 * whether the key belongs to the workload, a phase or a generator.
 * Defaults are written in the tables as YAML text and go through the same
 * conversion as a value from a file: what `wimm describe` prints as the
 * default is what the parser sets.
 */
#include "workloads/keys.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/units.h"
#include "workloads/dist.h"

/* The getters of ynode.h take a mapping and a key: a value already in
 * hand (or a default's text) is wrapped in a mapping of one pair. */
struct one_pair {
	struct ynode map, key;
	struct ynode *keyp, *valp;
};

static const struct ynode *wrap(struct one_pair *p, const char *key, const struct ynode *val)
{
	p->key = (struct ynode){.kind = YNODE_SCALAR, .text = key, .len = strlen(key)};
	p->keyp = &p->key;
	p->valp = (struct ynode *)val;
	p->map = (struct ynode){.kind = YNODE_MAPPING, .n = 1, .key = &p->keyp, .val = &p->valp};
	return &p->map;
}

static const char *const touch_words[] = {"full", "none", "first", NULL};
static const char *const call_names[CALL_N] = {"malloc", "calloc", "realloc", "aligned_alloc",
                                               "posix_memalign"};

const struct key_def *keys_find(const struct key_def *keys, const char *name)
{
	for (const struct key_def *k = keys; k && k->name; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

static int parse_choice(struct keys_ctx *c, const struct key_def *k, const struct ynode *n,
                        int *out)
{
	char list[256] = "", desc[64];
	for (int i = 0; k->choices[i]; i++) {
		if (n->kind == YNODE_SCALAR && strlen(n->text) == n->len &&
		    strcmp(n->text, k->choices[i]) == 0) {
			*out = i;
			return 0;
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "",
		         k->choices[i]);
	}
	return ynode_fail(c->d, n, "key '%s': expected one of %s, got %s", k->name, list,
	                  ynode_describe(n, desc, sizeof(desc)));
}

static int parse_queue(struct keys_ctx *c, const struct key_def *k, const struct ynode *n, int *out)
{
	char name[WORKLOAD_NAME_MAX], list[256] = "";
	int r = ynode_as_str(c->d, n, k->name, name, sizeof(name));
	if (r < 0)
		return r;
	const struct phase *p = c->phase;
	for (int i = 0; p && i < p->nqueues; i++) {
		if (strcmp(p->queues[i].name, name) == 0) {
			*out = i;
			return 0;
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "",
		         p->queues[i].name);
	}
	if (!p || p->nqueues == 0)
		return ynode_fail(c->d, n,
		                  "key '%s': phase '%s' has no queues; declare it under the "
		                  "phase's queues: ({name: %s})",
		                  k->name, p ? p->name : "?", name);
	return ynode_fail(c->d, n, "key '%s': phase '%s' has no queue '%s'; its queues: %s",
	                  k->name, p->name, name, list);
}

static int parse_value(struct keys_ctx *c, const struct key_def *k, const struct ynode *val,
                       void *dst)
{
	struct one_pair pair;
	const struct ynode *map = wrap(&pair, k->name, val);
	struct ynode_doc *d = c->d;
	int64_t i64 = 0;
	int r;
	switch (k->type) {
	case KEY_COUNT:
		return ynode_get_count(d, map, k->name, (uint64_t)k->min, (uint64_t)k->max, dst);
	case KEY_SIZE:
		return ynode_get_size(d, map, k->name, (uint64_t)k->min, (uint64_t)k->max, dst);
	case KEY_DURATION:
		return ynode_get_duration(d, map, k->name, k->min, k->max, dst);
	case KEY_REAL:
		return ynode_get_real(d, map, k->name, k->min, k->max, dst);
	case KEY_INT:
		if ((r = ynode_get_int(d, map, k->name, (int64_t)k->min, (int64_t)k->max, &i64)) ==
		    0)
			*(int *)dst = (int)i64;
		return r;
	case KEY_BOOL:
		return ynode_get_bool(d, map, k->name, dst);
	case KEY_CHOICE:
		return parse_choice(c, k, val, dst);
	case KEY_RATE:
		return keys_parse_rate(c, val, k->name, k->min, k->max, dst);
	case KEY_SIZES:
	case KEY_LIFETIMES:
		return dist_parse(c, val, k->name, k->type == KEY_SIZES, dst);
	case KEY_TOUCH:
		return keys_parse_touch(c, val, k->name, k->flags & KEY_WINDOW, dst);
	case KEY_CALLS:
		return keys_parse_calls(c, val, k->name, k->flags & KEY_WINDOW, dst);
	case KEY_QUEUE:
		return parse_queue(c, k, val, dst);
	case KEY_NAME:
		return ynode_get_name(d, map, k->name, dst, WORKLOAD_NAME_MAX);
	case KEY_TEXT:
		return ynode_get_str(d, map, k->name, dst, (size_t)k->max);
	case KEY_FILE:
		return keys_parse_file(c, val, k->name, dst);
	case KEY_CUSTOM:
		return 0;
	}
	return -EINVAL;
}

/* A default is YAML text in a table: a plain scalar at no position. */
static int set_default(struct keys_ctx *c, const struct key_def *k, void *dst)
{
	if (k->type == KEY_QUEUE) {
		*(int *)dst = -1;
		return 0;
	}
	if (!k->def || k->type == KEY_CUSTOM)
		return 0; /* the caller zeroed the struct */
	struct ynode n = {.kind = YNODE_SCALAR, .text = k->def, .len = strlen(k->def), .plain = 1};
	return parse_value(c, k, &n, dst);
}

int keys_parse(struct keys_ctx *c, const struct ynode *map, const struct key_def *keys, void *base)
{
	for (const struct key_def *k = keys; k && k->name; k++) {
		char *dst = (char *)base + k->offset;
		int r = set_default(c, k, dst);
		const struct ynode *n = ynode_get(map, k->name);
		if (r == 0 && n)
			r = parse_value(c, k, n, dst);
		if (r < 0)
			return r;
	}
	return 0;
}

int keys_check(struct keys_ctx *c, const struct ynode *map, const char *const *common,
               const char *const *common_required, const struct key_def *keys)
{
	const char *known[64], *required[64];
	size_t nk = 0, nr = 0;
	for (; common && *common && nk < 63; common++)
		known[nk++] = *common;
	for (; common_required && *common_required && nr < 63; common_required++)
		required[nr++] = *common_required;
	for (const struct key_def *k = keys; k && k->name && nk < 63; k++) {
		known[nk++] = k->name;
		if ((k->flags & KEY_REQUIRED) && nr < 63)
			required[nr++] = k->name;
	}
	known[nk] = required[nr] = NULL;
	int r = ynode_check_keys(c->d, map, c->what, known, required);
	if (r < 0)
		return r;

	/* The bound: exactly one of the KEY_BOUND keys. */
	const struct key_def *first = NULL, *given = NULL;
	char names[128] = "";
	for (const struct key_def *k = keys; k && k->name; k++) {
		if (!(k->flags & KEY_BOUND))
			continue;
		if (!first)
			first = k;
		else
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s'%s'",
			         names[0] ? " or " : "", k->name);
		const struct ynode *n = ynode_get(map, k->name);
		if (n && given)
			return ynode_fail(c->d, n,
			                  "%s: give '%s' or '%s', not both: one of them bounds the "
			                  "work",
			                  c->what, given->name, k->name);
		if (n)
			given = k;
	}
	if (first && !given)
		return ynode_fail(c->d, map,
		                  "%s is missing required key '%s' (or %s: one of them bounds the "
		                  "work)",
		                  c->what, first->name, names);
	return 0;
}

uint64_t keys_times(uint64_t v, double f)
{
	if (v == 0)
		return 0;
	double x = (double)v * f;
	return x < 1 ? 1 : (uint64_t)llround(x);
}

void keys_scale(const struct key_def *keys, void *base, double scale, double time_scale)
{
	for (const struct key_def *k = keys; k && k->name; k++) {
		char *p = (char *)base + k->offset;
		double f = (k->flags & KEY_SCALE_WORK)   ? scale
		           : (k->flags & KEY_SCALE_IDLE) ? time_scale
		                                         : 1.0;
		if (f == 1.0)
			continue;
		if (k->type == KEY_COUNT)
			*(uint64_t *)p = keys_times(*(uint64_t *)p, f);
		else if (k->type == KEY_DURATION)
			*(double *)p *= f;
	}
}

int keys_parse_file(struct keys_ctx *c, const struct ynode *n, const char *key, char *out)
{
	char rel[KEYS_FILE_MAX];
	int r = ynode_as_str(c->d, n, key, rel, sizeof(rel));
	if (r < 0)
		return r;
	size_t len = strlen(rel);
	bool up = strcmp(rel, "..") == 0 || strncmp(rel, "../", 3) == 0 || strstr(rel, "/../") ||
	          (len >= 3 && strcmp(rel + len - 3, "/..") == 0);
	if (!rel[0] || rel[0] == '/' || up)
		return ynode_fail(
		    c->d, n,
		    "key '%s': expected a file name relative to the workload's folder, "
		    "without '..', got '%s'",
		    key, rel);
	memcpy(out, rel, len + 1);
	return 0;
}

int keys_parse_rate(struct keys_ctx *c, const struct ynode *n, const char *key, double min,
                    double max, double *out)
{
	char text[64], desc[64], per[48];
	const char *what = "a rate like 100K/s or 5/ms (a count per duration unit)";
	if (n->kind != YNODE_SCALAR || n->len >= sizeof(text) || strlen(n->text) != n->len)
		return ynode_fail(c->d, n, "key '%s': expected %s, got %s", key, what,
		                  ynode_describe(n, desc, sizeof(desc)));
	memcpy(text, n->text, n->len + 1);
	char *slash = strchr(text, '/');
	uint64_t count;
	int64_t unit_ns;
	if (!slash)
		return ynode_fail(c->d, n, "key '%s': expected %s, got %s", key, what,
		                  ynode_describe(n, desc, sizeof(desc)));
	*slash = '\0';
	snprintf(per, sizeof(per), "1 %s", slash + 1);
	if (units_parse_count(text, &count) < 0 || units_parse_duration(per, &unit_ns) < 0 ||
	    unit_ns <= 0)
		return ynode_fail(c->d, n, "key '%s': expected %s, got %s", key, what,
		                  ynode_describe(n, desc, sizeof(desc)));
	double rate = (double)count / ((double)unit_ns * 1e-9);
	if (!(rate >= min && rate <= max))
		return ynode_fail(c->d, n, "key '%s': expected a rate from %g/s to %g/s, got %s",
		                  key, min, max, ynode_describe(n, desc, sizeof(desc)));
	*out = rate;
	return 0;
}

/* The scalar forms of touch: full, none, first, a size, a fraction. */
static int parse_write(struct keys_ctx *c, const struct ynode *n, const char *key, struct touch *t)
{
	char desc[64];
	const char *what = "full, none, first, a size like 2 B, or a fraction like 0.25";
	if (n->kind != YNODE_SCALAR || strlen(n->text) != n->len)
		return ynode_fail(c->d, n, "key '%s': expected %s, got %s", key, what,
		                  ynode_describe(n, desc, sizeof(desc)));
	for (int i = 0; touch_words[i]; i++)
		if (strcmp(n->text, touch_words[i]) == 0) {
			t->mode = i == 0 ? TOUCH_FULL : i == 1 ? TOUCH_NONE : TOUCH_BYTES;
			t->bytes = 1;
			return 0;
		}
	struct one_pair pair;
	const struct ynode *map = wrap(&pair, key, n);
	if (strchr(n->text, '.')) {
		t->mode = TOUCH_FRACTION;
		int r = ynode_get_real(c->d, map, key, 0, 1, &t->fraction);
		if (r == 0 && t->fraction <= 0)
			return ynode_fail(
			    c->d, n, "key '%s': a fraction above 0 (to write nothing, say none)",
			    key);
		return r;
	}
	uint64_t bytes;
	if (units_parse_size(n->text, &bytes) < 0 || bytes == 0 || bytes > (UINT64_C(1) << 30))
		return ynode_fail(c->d, n, "key '%s': expected %s, got %s", key, what,
		                  ynode_describe(n, desc, sizeof(desc)));
	t->mode = TOUCH_BYTES;
	t->bytes = bytes;
	return 0;
}

const struct key_def keys_touch[] = {
    {"write", KEY_CUSTOM, 0, 0, 0, 0, "full", NULL,
     "how much of each block is written: full, none, first (one byte), a size (the first "
     "bytes), a fraction (0.25: the first quarter)",
     "full | none | first | SIZE | FRACTION"},
    {"passes", KEY_COUNT, 0, offsetof(struct touch, passes), 1, 1000000, "1", NULL,
     "times the written part is written when the block is made (cache traffic)", NULL},
    {"revisit", KEY_COUNT, 0, offsetof(struct touch, revisit), 0, 1000000, "0", NULL,
     "live blocks rewritten per operation, chosen at random (writes spread over a "
     "block's life; roles with a live window only)",
     NULL},
    {0},
};

int keys_parse_touch(struct keys_ctx *c, const struct ynode *n, const char *key, bool window,
                     struct touch *out)
{
	struct touch t = {.mode = TOUCH_FULL, .passes = 1};
	if (n->kind != YNODE_MAPPING) {
		int r = parse_write(c, n, key, &t);
		if (r == 0)
			*out = t;
		return r;
	}
	const char *saved = c->what;
	char what[128];
	snprintf(what, sizeof(what), "'%s' in %s", key, saved);
	c->what = what;
	uint64_t passes = 1, revisit = 0;
	struct one_pair pair;
	int r = keys_check(c, n, NULL, NULL, keys_touch);
	c->what = saved;
	const struct ynode *w = ynode_get(n, "write");
	if (r == 0 && w)
		r = parse_write(c, w, "write", &t);
	if (r == 0 && ynode_get(n, "passes"))
		r = ynode_get_count(c->d, wrap(&pair, "passes", ynode_get(n, "passes")), "passes",
		                    1, 1000000, &passes);
	if (r == 0 && ynode_get(n, "revisit")) {
		if (!window)
			return ynode_fail(c->d, ynode_get(n, "revisit"),
			                  "key 'revisit': this generator keeps no window of live "
			                  "blocks to revisit");
		r = ynode_get_count(c->d, wrap(&pair, "revisit", ynode_get(n, "revisit")),
		                    "revisit", 0, 1000000, &revisit);
	}
	if (r < 0)
		return r;
	t.passes = (uint32_t)passes;
	t.revisit = revisit;
	*out = t;
	return 0;
}

struct calls_map {
	double w[CALL_N];
	uint64_t alignment;
};

const struct key_def keys_calls[] = {
    {"malloc", KEY_REAL, 0, offsetof(struct calls_map, w[CALL_MALLOC]), 0, 1e9, "0", NULL,
     "weight of malloc", NULL},
    {"calloc", KEY_REAL, 0, offsetof(struct calls_map, w[CALL_CALLOC]), 0, 1e9, "0", NULL,
     "weight of calloc(1, size)", NULL},
    {"realloc", KEY_REAL, 0, offsetof(struct calls_map, w[CALL_REALLOC]), 0, 1e9, "0", NULL,
     "weight of realloc: a live block is resized to the new size (up or down) instead of "
     "being freed and replaced, so blocks go through realloc chains (roles with a live "
     "window only)",
     NULL},
    {"aligned_alloc", KEY_REAL, 0, offsetof(struct calls_map, w[CALL_ALIGNED_ALLOC]), 0, 1e9, NULL,
     NULL, "weight of aligned_alloc(alignment, size rounded up to the alignment)", NULL},
    {"posix_memalign", KEY_REAL, 0, offsetof(struct calls_map, w[CALL_POSIX_MEMALIGN]), 0, 1e9, "0",
     NULL, "weight of posix_memalign(&p, alignment, size)", NULL},
    {"alignment", KEY_SIZE, 0, offsetof(struct calls_map, alignment), 8, 1 << 20, "64 B", NULL,
     "alignment of the aligned calls: a power of two", NULL},
    {0},
};

static int calls_from(struct keys_ctx *c, const struct ynode *n, const struct calls_map *m,
                      struct calls *out)
{
	struct calls k = {.alignment = m->alignment};
	bool aligned = m->w[CALL_ALIGNED_ALLOC] > 0 || m->w[CALL_POSIX_MEMALIGN] > 0;
	for (int i = 0; i < CALL_N; i++) {
		k.total += m->w[i];
		k.cum[i] = k.total;
	}
	if (k.total <= 0)
		return ynode_fail(c->d, n, "%s: every call has weight 0; give one a weight above 0",
		                  c->what);
	if (m->alignment & (m->alignment - 1))
		return ynode_fail(c->d, ynode_get(n, "alignment"),
		                  "key 'alignment': %llu is not a power of two",
		                  (unsigned long long)m->alignment);
	if (n->kind == YNODE_MAPPING && ynode_get(n, "alignment") && !aligned)
		return ynode_fail(c->d, ynode_get(n, "alignment"),
		                  "key 'alignment': no aligned call is made; give aligned_alloc or "
		                  "posix_memalign a weight, or remove alignment");
	k.only_malloc = m->w[CALL_MALLOC] == k.total;
	*out = k;
	return 0;
}

int keys_parse_calls(struct keys_ctx *c, const struct ynode *n, const char *key, bool window,
                     struct calls *out)
{
	struct calls_map m = {.alignment = 64};
	char desc[64];
	if (n->kind == YNODE_SCALAR) {
		/* One call for every block: `calls: calloc`. */
		for (int i = 0; i < CALL_N; i++)
			if (strlen(n->text) == n->len && strcmp(n->text, call_names[i]) == 0) {
				if (i == CALL_REALLOC)
					break; /* realloc resizes: something must be made first */
				m.w[i] = 1;
				return calls_from(c, n, &m, out);
			}
		return ynode_fail(
		    c->d, n,
		    "key '%s': expected malloc, calloc, aligned_alloc, posix_memalign "
		    "or a mix like {malloc: 80, realloc: 20}, got %s",
		    key, ynode_describe(n, desc, sizeof(desc)));
	}
	const char *saved = c->what;
	char what[128];
	snprintf(what, sizeof(what), "'%s' in %s", key, saved);
	c->what = what;
	int r = keys_check(c, n, NULL, NULL, keys_calls);
	if (r == 0)
		r = keys_parse(c, n, keys_calls, &m);
	if (r == 0 && m.w[CALL_REALLOC] > 0 && !window)
		r = ynode_fail(c->d, ynode_get(n, "realloc"),
		               "key 'realloc': this generator keeps no live blocks to resize; "
		               "remove realloc (grow has realloc: true for realloc chains)");
	if (r == 0 && m.w[CALL_REALLOC] > 0 &&
	    m.w[CALL_MALLOC] + m.w[CALL_CALLOC] + m.w[CALL_ALIGNED_ALLOC] +
	            m.w[CALL_POSIX_MEMALIGN] <=
	        0)
		r = ynode_fail(c->d, ynode_get(n, "realloc"),
		               "key 'realloc': realloc resizes blocks some other call made; give "
		               "malloc (or another call) a weight too");
	if (r == 0)
		r = calls_from(c, n, &m, out);
	c->what = saved;
	return r;
}

const char *keys_syntax(const struct key_def *k, char *buf, size_t len)
{
	static const char *const names[] = {
	    [KEY_COUNT] = "count", [KEY_SIZE] = "size",   [KEY_DURATION] = "duration",
	    [KEY_REAL] = "number", [KEY_INT] = "integer", [KEY_BOOL] = "true | false",
	    [KEY_RATE] = "rate",   [KEY_SIZES] = "sizes", [KEY_LIFETIMES] = "lifetimes",
	    [KEY_TOUCH] = "touch", [KEY_CALLS] = "calls", [KEY_QUEUE] = "queue name",
	    [KEY_NAME] = "name",   [KEY_TEXT] = "text",
	};
	if (k->type == KEY_CHOICE) {
		buf[0] = '\0';
		for (int i = 0; k->choices[i]; i++)
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", i ? " | " : "",
			         k->choices[i]);
		return buf;
	}
	snprintf(buf, len, "%s", k->type == KEY_CUSTOM ? k->syntax : names[k->type]);
	return buf;
}

/* 1000000000000 -> "1000G": counts as a user would write them. */
static const char *count_text(uint64_t v, char *buf, size_t len)
{
	static const char suffix[] = {'G', 'M', 'K'};
	static const uint64_t unit[] = {1000000000, 1000000, 1000};
	for (int i = 0; i < 3; i++)
		if (v >= unit[i] && v % unit[i] == 0) {
			snprintf(buf, len, "%llu%c", (unsigned long long)(v / unit[i]), suffix[i]);
			return buf;
		}
	snprintf(buf, len, "%llu", (unsigned long long)v);
	return buf;
}

const char *keys_range(const struct key_def *k, char *buf, size_t len)
{
	char a[32], b[32];
	buf[0] = '\0';
	switch (k->type) {
	case KEY_COUNT:
		snprintf(buf, len, "%s .. %s", count_text((uint64_t)k->min, a, sizeof(a)),
		         count_text((uint64_t)k->max, b, sizeof(b)));
		break;
	case KEY_SIZE:
		snprintf(buf, len, "%s .. %s", units_format_size((uint64_t)k->min, a, sizeof(a)),
		         units_format_size((uint64_t)k->max, b, sizeof(b)));
		break;
	case KEY_DURATION:
		snprintf(buf, len, "%s .. %s", units_format_duration(k->min, a, sizeof(a)),
		         units_format_duration(k->max, b, sizeof(b)));
		break;
	case KEY_REAL:
	case KEY_INT:
		snprintf(buf, len, "%g .. %g", k->min, k->max);
		break;
	case KEY_RATE:
		snprintf(buf, len, "%g/s .. %g/s", k->min, k->max);
		break;
	default:
		break;
	}
	return buf;
}

/* Prints text after indent, wrapped at 78 columns. */
static void print_wrapped(FILE *f, const char *indent, const char *text)
{
	size_t col = 0, ind = strlen(indent);
	for (const char *p = text; *p;) {
		size_t word = strcspn(p, " ");
		if (col && col + 1 + word > 78) {
			fputc('\n', f);
			col = 0;
		}
		fputs(col ? " " : indent, f);
		col += col ? 1 : ind;
		fwrite(p, 1, word, f);
		col += word;
		p += word + strspn(p + word, " ");
	}
	if (col)
		fputc('\n', f);
}

void keys_print(FILE *f, const struct key_def *keys, const char *indent)
{
	char bound[128] = "", more[160];
	for (const struct key_def *k = keys; k && k->name; k++)
		if (k->flags & KEY_BOUND)
			snprintf(bound + strlen(bound), sizeof(bound) - strlen(bound), "%s%s",
			         bound[0] ? " or " : "", k->name);
	snprintf(more, sizeof(more), "%s    ", indent);
	for (const struct key_def *k = keys; k && k->name; k++) {
		char syntax[160], range[96], need[160], line[512];
		keys_syntax(k, syntax, sizeof(syntax));
		keys_range(k, range, sizeof(range));
		if (k->flags & KEY_REQUIRED)
			snprintf(need, sizeof(need), "required");
		else if (k->flags & KEY_BOUND)
			snprintf(need, sizeof(need), "required: %s", bound);
		else if (k->def)
			snprintf(need, sizeof(need), "default %s", k->def);
		else
			snprintf(need, sizeof(need), "optional");
		snprintf(line, sizeof(line), "%s: %s%s%s; %s", k->name, syntax,
		         range[0] ? ", " : "", range, need);
		print_wrapped(f, indent, line);
		print_wrapped(f, more, k->help);
	}
}
