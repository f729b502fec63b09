/* variant.c - allocators made on the command line (see variant.h).
 *
 * Why list variables are merged and not replaced: glibc reads every tunable
 * from the one GLIBC_TUNABLES string and jemalloc every option from the one
 * MALLOC_CONF string, so setting arena_max on glibc-arena1 by replacing the
 * variable would silently drop the setting that makes it glibc-arena1.
 */
#include "bench/plan/variant.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const struct variant_list lists[] = {
    {"GLIBC_TUNABLES", ':', '=', 1},
    {"MALLOC_CONF", ',', ':', 0},
};

const struct variant_list *variant_list_of(const char *variable, size_t len)
{
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		if (strlen(lists[i].variable) == len && !strncmp(lists[i].variable, variable, len))
			return &lists[i];
	return NULL;
}

void variant_label(const struct variant_list *l, const char *key, size_t len, char *buf,
                   size_t buflen)
{
	if (l && l->last_part) {
		const char *dot = memchr(key, '.', len);
		for (const char *p = dot; p; p = memchr(p + 1, '.', len - (size_t)(p + 1 - key)))
			dot = p;
		if (dot && (size_t)(dot + 1 - key) < len) {
			len -= (size_t)(dot + 1 - key);
			key = dot + 1;
		}
	}
	snprintf(buf, buflen, "%.*s", (int)len, key);
}

/* One item of a list variable's value: [start, start + len). */
struct item {
	const char *start;
	size_t len, keylen;
};

/* Splits value into items; keylen is up to the assign character (the whole
 * item when it has none). Returns the count (at most max). */
static int split_items(const struct variant_list *l, const char *value, struct item *items, int max)
{
	int n = 0;
	const char *p = value;
	while (*p && n < max) {
		size_t len = strcspn(p, (char[]){l->sep, 0});
		const char *as = memchr(p, l->assign, len);
		items[n++] = (struct item){p, len, as ? (size_t)(as - p) : len};
		p += len + (p[len] != 0);
	}
	return n;
}

/* Every item of a new value must be "name<assign>value", both non-empty. */
static int check_items(const struct variant_list *l, const char *value, char *err, size_t errlen)
{
	struct item items[ALLOCATOR_ENV_MAX / 2];
	int n = split_items(l, value, items, (int)(sizeof(items) / sizeof(items[0])));
	size_t vlen = strlen(value);
	for (int i = 0; i <= n; i++) {
		char what[96];
		if (i == n && n > 0 && value[vlen - 1] != l->sep)
			break;
		if (i == n || items[i].len == 0)
			snprintf(what, sizeof(what), "an empty setting");
		else if (items[i].keylen == 0 || items[i].keylen + 1 >= items[i].len)
			snprintf(what, sizeof(what), "'%.*s' is not a setting",
			         (int)(items[i].len > 60 ? 60 : items[i].len), items[i].start);
		else
			continue;
		snprintf(err, errlen,
		         "%s=%s: %s; %s holds settings written name%cvalue, separated by "
		         "'%c'",
		         l->variable, value, what, l->variable, l->assign, l->sep);
		return -EINVAL;
	}
	return 0;
}

/* old with each setting of add replacing its namesake or appended, into
 * out. Returns 0 or -ENAMETOOLONG. */
static int merge(const struct variant_list *l, const char *old, const char *add, char *out,
                 size_t len)
{
	struct item a[ALLOCATOR_ENV_MAX / 2], b[ALLOCATOR_ENV_MAX / 2];
	int na = split_items(l, old, a, (int)(sizeof(a) / sizeof(a[0])));
	int nb = split_items(l, add, b, (int)(sizeof(b) / sizeof(b[0])));
	bool used[ALLOCATOR_ENV_MAX / 2] = {0};
	size_t o = 0;
	out[0] = 0;
	for (int i = 0; i <= na + nb; i++) {
		const struct item *it = NULL;
		if (i < na) {
			it = &a[i];
			for (int j = 0; j < nb; j++)
				if (b[j].keylen == a[i].keylen &&
				    !strncmp(b[j].start, a[i].start, a[i].keylen) && !used[j]) {
					it = &b[j]; /* replaces the old one, in its place */
					used[j] = true;
					break;
				}
		} else if (i < na + nb && !used[i - na]) {
			it = &b[i - na];
		}
		if (!it || !it->len)
			continue;
		int w = snprintf(out + o, len - o, "%s%.*s", o ? (char[]){l->sep, 0} : "",
		                 (int)it->len, it->start);
		if (w < 0 || (size_t)w >= len - o)
			return -ENAMETOOLONG;
		o += (size_t)w;
	}
	return 0;
}

int variant_apply(struct allocator *a, const char *assignment, char *err, size_t errlen)
{
	const char *eq = strchr(assignment, '=');
	char why[160], merged[ALLOCATOR_ENV_MAX];
	if (!eq) {
		snprintf(err, errlen, "expected VAR=value, got '%s'", assignment);
		return -EINVAL;
	}
	size_t vlen = (size_t)(eq - assignment);
	const char *value = eq + 1,
	           *problem = allocator_env_problem(assignment, vlen, why, sizeof(why));
	if (problem) {
		snprintf(err, errlen, "%s", problem);
		return -EINVAL;
	}
	const struct variant_list *l = variant_list_of(assignment, vlen);
	if (l && check_items(l, value, err, errlen))
		return -EINVAL;
	int i = 0;
	while (i < a->nenv && !(strncmp(a->env[i], assignment, vlen + 1) == 0))
		i++;
	if (i < a->nenv && l) {
		if (merge(l, a->env[i] + vlen + 1, value, merged, sizeof(merged))) {
			snprintf(err, errlen, "%.*s: the settings together pass %d characters",
			         (int)vlen, assignment, ALLOCATOR_ENV_MAX - 1);
			return -EINVAL;
		}
		value = merged;
	}
	if (i == a->nenv && a->nenv == ALLOCATOR_MAX_ENV) {
		snprintf(err, errlen, "at most %d variables in an allocator's environment",
		         ALLOCATOR_MAX_ENV);
		return -EINVAL;
	}
	int n = snprintf(a->env[i], sizeof(a->env[i]), "%.*s=%s", (int)vlen, assignment, value);
	if (n < 0 || (size_t)n >= sizeof(a->env[i])) {
		snprintf(err, errlen, "%.*s: NAME=value must be at most %zu characters", (int)vlen,
		         assignment, sizeof(a->env[i]) - 1);
		return -EINVAL;
	}
	if (i == a->nenv)
		a->nenv++;
	return 0;
}

void variant_name_add(char *name, size_t len, const char *label, const char *value)
{
	size_t o = strlen(name);
	if (o < len)
		snprintf(name + o, len - o, "-%s-%s", label, *value ? value : "empty");
}

static int name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-';
}

void variant_fit_name(const char *full, char out[ALLOCATOR_NAME_MAX])
{
	char tmp[ALLOCATOR_NAME_MAX];
	size_t n = strlen(full);
	int changed = n >= ALLOCATOR_NAME_MAX;
	for (size_t i = 0; i < n; i++)
		changed |= !name_char(full[i]);
	for (size_t i = 0; i < n && i < sizeof(tmp) - 1; i++)
		tmp[i] = name_char(full[i]) ? full[i] : '_';
	tmp[n < sizeof(tmp) - 1 ? n : sizeof(tmp) - 1] = 0;
	if (!changed) {
		memcpy(out, tmp, sizeof(tmp));
		return;
	}
	/* FNV-1a of the whole text: two settings that print alike ("a:b",
	 * "a,b") or share a long start still get names of their own. */
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)full[i]) * 16777619u;
	const size_t keep = ALLOCATOR_NAME_MAX - 1 - 10; /* "-h" and 8 hex digits */
	snprintf(out, ALLOCATOR_NAME_MAX, "%.*s-h%08x",
	         (int)(strlen(tmp) < keep ? strlen(tmp) : keep), tmp, h);
}

int variant_same(const struct allocator *a, const struct allocator *b)
{
	if (strcmp(a->library, b->library) || a->nenv != b->nenv)
		return 0;
	for (int i = 0; i < a->nenv; i++) {
		int found = 0;
		for (int j = 0; j < b->nenv && !found; j++)
			found = !strcmp(a->env[i], b->env[j]);
		if (!found)
			return 0;
	}
	return 1;
}

/* Appends the name parts of assignment "VAR=value" to name. */
static void name_parts(char *name, size_t len, const char *assignment)
{
	const char *eq = strchr(assignment, '=');
	size_t vlen = (size_t)(eq - assignment);
	const struct variant_list *l = variant_list_of(assignment, vlen);
	char label[ALLOCATOR_ENV_MAX], value[ALLOCATOR_ENV_MAX];
	if (!l) {
		snprintf(label, sizeof(label), "%.*s", (int)vlen, assignment);
		variant_name_add(name, len, label, eq + 1);
		return;
	}
	struct item items[ALLOCATOR_ENV_MAX / 2];
	int n = split_items(l, eq + 1, items, (int)(sizeof(items) / sizeof(items[0])));
	for (int i = 0; i < n; i++) {
		variant_label(l, items[i].start, items[i].keylen, label, sizeof(label));
		snprintf(value, sizeof(value), "%.*s", (int)(items[i].len - items[i].keylen - 1),
		         items[i].start + items[i].keylen + 1);
		variant_name_add(name, len, label, value);
	}
}

int variant_inline(const struct allocator *base, const char *spec, const char *arg,
                   struct allocator *out, char *err, size_t errlen)
{
	char token[ALLOCATOR_ENV_MAX + 1], why[ALLOCATOR_ENV_MAX + 160];
	char full[ALLOCATOR_ENV_MAX * 2];
	*out = *base;
	out->nsweep = 0;
	out->settings[0] = 0;
	out->path[0] = 0;
	snprintf(full, sizeof(full), "%s", base->name);
	const char *p = spec + strspn(spec, " \t");
	if (!*p) {
		snprintf(err, errlen,
		         "-a '%s': nothing after '%s:'; give the variables to set, e.g. "
		         "'glibc:GLIBC_TUNABLES=glibc.malloc.arena_max=2'",
		         arg, base->name);
		return -EINVAL;
	}
	while (*p) {
		size_t len = strcspn(p, " \t");
		if (len >= sizeof(token) - 1) {
			snprintf(err, errlen, "-a '%.100s...': %.40s...: at most %d characters",
			         arg, p, ALLOCATOR_ENV_MAX - 1);
			return -EINVAL;
		}
		snprintf(token, sizeof(token), "%.*s", (int)len, p);
		if (!strchr(token, '=')) {
			snprintf(err, errlen,
			         "-a '%s': expected VAR=value, got '%s' (variables are separated "
			         "by blanks, so a value cannot hold one: write an allocator file "
			         "for such a value)",
			         arg, token);
			return -EINVAL;
		}
		if (variant_apply(out, token, why, sizeof(why))) {
			snprintf(err, errlen, "-a '%s': %s", arg, why);
			return -EINVAL;
		}
		name_parts(full, sizeof(full), token);
		p += len;
		p += strspn(p, " \t");
	}
	variant_fit_name(full, out->name);
	snprintf(out->derived_from, sizeof(out->derived_from), "%s", base->name);
	snprintf(out->variant_of, sizeof(out->variant_of), "%s",
	         base->variant_of[0] ? base->variant_of : base->name);
	snprintf(out->source, sizeof(out->source), "-a %s", arg);
	snprintf(out->note, sizeof(out->note), "%s with %.200s", base->name, spec);
	out->colour[0] = 0;
	return 0;
}
