/* dist.c - parsing distributions and their moments (see dist.h).
 *
 * The moments (mean and standard deviation of one draw) are what the
 * loader's memory check works with: the heap a window of n blocks holds is
 * about n x mean, within a few sd x sqrt(n). They are exact for uniform
 * classes and histograms and use the continuous density for shapes, which
 * is close enough for a bound that adds six standard deviations.
 */
#include "workloads/dist.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/units.h"

#define WEIGHT_MAX 1e9
#define MEAN_SPAN 20 /* an exponential without max is cut at min + 20 means */

static const char *const shapes[] = {"uniform",   "log-uniform", "inverse-square",
                                     "power-law", "exponential", NULL};
enum { S_UNIFORM, S_LOG_UNIFORM, S_INVERSE_SQUARE, S_POWER_LAW, S_EXPONENTIAL };

/* Documented here, parsed by hand below: the value keys are sizes or
 * counts depending on the distribution. */
const struct key_def keys_dist_part[] = {
    {"size", KEY_CUSTOM, 0, 0, 0, 0, NULL, NULL, "one fixed value", "size (or count)"},
    {"min", KEY_CUSTOM, 0, 0, 0, 0, NULL, NULL,
     "smallest value; required except for exponential (default 1)", "size (or count)"},
    {"max", KEY_CUSTOM, 0, 0, 0, 0, NULL, NULL,
     "largest value; required except for exponential (default min + 20 x mean)", "size (or count)"},
    {"shape", KEY_CHOICE, 0, 0, 0, 0, "uniform", shapes,
     "how values spread over [min, max]: uniform; log-uniform (density 1/x); inverse-square "
     "(1/x^2, bench-malloc-thread's sizes); power-law (x^exponent); exponential (mean)",
     NULL},
    {"exponent", KEY_REAL, 0, 0, -10, 10, NULL, NULL, "power-law: the density is x^exponent", NULL},
    {"mean", KEY_CUSTOM, 0, 0, 0, 0, NULL, NULL, "exponential: the mean (above min)",
     "size (or count)"},
    {"histogram", KEY_CUSTOM, 0, 0, 0, 0, NULL, NULL,
     "a file of lines 'VALUE WEIGHT' (# comments), relative to the workload's folder; each "
     "line is a part",
     "file"},
    {"weight", KEY_REAL, 0, 0, 0, WEIGHT_MAX, "1", NULL,
     "share of this part in the list (any scale: weights 70 and 30, or 0.7 and 0.3)", NULL},
    {0},
};

struct moments {
	double w, m1, m2; /* weight, and weighted E[x], E[x^2] */
};

static void add_moments(struct moments *acc, double w, double mean, double sq)
{
	acc->w += w;
	acc->m1 += w * mean;
	acc->m2 += w * sq;
}

/* integral of x^e over [a, b) */
static double power_integral(double a, double b, double e)
{
	return fabs(e + 1) < 1e-12 ? log(b / a) : (pow(b, e + 1) - pow(a, e + 1)) / (e + 1);
}

/* Mean and E[x^2] of part p, and its precomputed inverse-CDF terms. */
static void part_moments(struct dist_part *p, double *mean, double *sq)
{
	double lo = (double)p->lo, top = (double)p->hi + 1;
	if (p->shape == DIST_UNIFORM) {
		double n = (double)(p->hi - p->lo) + 1;
		*mean = (lo + (double)p->hi) / 2;
		*sq = (n * n - 1) / 12 + *mean * *mean;
		return;
	}
	if (p->shape == DIST_POWER) {
		double k = (double)p->param + 1;
		if (fabs(k) < 1e-12) {
			p->a = log(lo);
			p->b = log(top) - p->a;
		} else {
			p->a = pow(lo, k);
			p->b = pow(top, k) - p->a;
		}
		double z = power_integral(lo, top, p->param);
		*mean = power_integral(lo, top, p->param + 1) / z - 0.5;
		*sq = power_integral(lo, top, p->param + 2) / z;
		return;
	}
	/* Exponential above lo, of mean a, cut at hi + 1. */
	double w = top - lo, l = 1 / p->a, q = exp(-l * w);
	p->b = 1 - q;
	double ey = 1 / l - w * q / (1 - q);
	double ey2 = 2 / (l * l) - (w * w + 2 * w / l) * q / (1 - q);
	*mean = lo + ey - 0.5;
	*sq = lo * lo + 2 * lo * ey + ey2;
}

/* A value: a size with units, or a count of operations. */
static int get_value(struct keys_ctx *c, const struct ynode *map, const char *key, bool sizes,
                     uint64_t *out)
{
	if (sizes)
		return ynode_get_size(c->d, map, key, 1, DIST_MAX_SIZE, out);
	return ynode_get_count(c->d, map, key, 1, DIST_MAX_LIFETIME, out);
}

static char *format_value(uint64_t v, bool sizes, char *buf, size_t len)
{
	if (sizes)
		return units_format_size(v, buf, len);
	snprintf(buf, len, "%llu", (unsigned long long)v);
	return buf;
}

static struct dist_part *new_part(struct keys_ctx *c, const struct ynode *at)
{
	struct workload *w = c->w;
	if (w->npool >= WORKLOAD_POOL_PARTS) {
		ynode_fail(c->d, at,
		           "the workload's distributions have more than %d parts in all (classes, "
		           "shapes and histogram lines); merge values into ranges",
		           WORKLOAD_POOL_PARTS);
		return NULL;
	}
	struct dist_part *p = &w->pool[w->npool++];
	memset(p, 0, sizeof(*p));
	return p;
}

/* One line "VALUE WEIGHT": the last blank-separated word is the weight, the
 * rest the value (so "64 B 10" and "64,10" both read). */
static int histogram_line(struct keys_ctx *c, const struct ynode *at, const char *name, int lineno,
                          char *line, bool sizes, struct moments *acc, uint32_t *parts)
{
	char *hash = strchr(line, '#');
	if (hash)
		*hash = '\0';
	for (char *s = line; *s; s++)
		if (*s == ',' || *s == '\t' || *s == ';' || *s == '\r')
			*s = ' ';
	size_t n = strlen(line);
	while (n && line[n - 1] == ' ')
		line[--n] = '\0';
	char *value = line + strspn(line, " ");
	if (!*value)
		return 0;
	char *sep = strrchr(value, ' ');
	uint64_t v = 0;
	double weight = -1;
	char *end = NULL;
	if (sep) {
		*sep = '\0';
		weight = strtod(sep + 1, &end);
	}
	int ok = sep && end && *end == '\0' && weight >= 0 && weight <= WEIGHT_MAX &&
	         (sizes ? units_parse_size(value, &v) : units_parse_count(value, &v)) == 0 &&
	         v >= 1 && v <= (sizes ? DIST_MAX_SIZE : DIST_MAX_LIFETIME);
	if (!ok) {
		char top[32];
		return ynode_fail(
		    c->d, at,
		    "histogram %s, line %d, column %d: expected '%s WEIGHT' with a %s "
		    "from 1 to %s and a weight >= 0",
		    name, lineno, (int)(value - line) + 1, sizes ? "SIZE" : "COUNT",
		    sizes ? "size" : "count",
		    sizes ? units_format_size(DIST_MAX_SIZE, top, sizeof(top)) : "1G");
	}
	if (weight == 0)
		return 0; /* a size never seen: histogram tools print them */
	struct dist_part *p = new_part(c, at);
	if (!p)
		return -EINVAL;
	p->lo = p->hi = v;
	p->shape = DIST_UNIFORM;
	add_moments(acc, weight, (double)v, (double)v * (double)v);
	p->cum = acc->w; /* made relative to the list by the caller */
	(*parts)++;
	return 0;
}

/* Reads a histogram file through mmap: no malloc in the worker's heap. */
static int read_histogram(struct keys_ctx *c, const struct ynode *n, bool sizes,
                          struct moments *acc, uint32_t *parts)
{
	char rel[KEYS_FILE_MAX], path[PATH_MAX + KEYS_FILE_MAX];
	int r = keys_parse_file(c, n, "histogram", rel);
	if (r < 0)
		return r;
	workload_file_path(c->w, rel, path, sizeof(path));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		int e = fd < 0 ? errno : EISDIR;
		if (fd >= 0)
			close(fd);
		return ynode_fail(c->d, n, "key 'histogram': cannot read %s: %s", path,
		                  strerror(e));
	}
	if (st.st_size == 0 || st.st_size > DIST_HISTOGRAM_MAX_FILE) {
		close(fd);
		return ynode_fail(c->d, n, "key 'histogram': %s is %s; expected 1 B to 1 MiB", path,
		                  st.st_size ? "over 1 MiB" : "empty");
	}
	char *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return ynode_fail(c->d, n, "key 'histogram': cannot map %s", path);
	char line[256];
	int lineno = 0;
	size_t off = 0, size = (size_t)st.st_size;
	uint32_t before = *parts;
	while (r == 0 && off < size) {
		const char *nl = memchr(map + off, '\n', size - off);
		size_t len = nl ? (size_t)(nl - (map + off)) : size - off;
		lineno++;
		if (len >= sizeof(line) || memchr(map + off, '\0', len)) {
			r = ynode_fail(c->d, n, "histogram %s, line %d: %s", path, lineno,
			               len >= sizeof(line) ? "longer than 255 bytes"
			                                   : "holds a NUL byte");
			break;
		}
		memcpy(line, map + off, len);
		line[len] = '\0';
		r = histogram_line(c, n, path, lineno, line, sizes, acc, parts);
		off += len + 1;
	}
	munmap(map, size);
	if (r == 0 && *parts == before)
		r = ynode_fail(c->d, n, "histogram %s has no line with a weight above 0", path);
	return r;
}

/* The range and shape keys of one part. */
static int parse_range(struct keys_ctx *c, const struct ynode *n, const char *what, bool sizes,
                       struct dist_part *p)
{
	int shape = S_UNIFORM, r;
	double exponent = 0;
	uint64_t lo = 1, hi = 0, mean = 0;
	const struct key_def *ks = keys_find(keys_dist_part, "shape");
	if (ynode_get(n, "shape") &&
	    (r = keys_parse(c, n, (const struct key_def[]){*ks, {0}}, &shape)) < 0)
		return r;
	bool expo = shape == S_EXPONENTIAL, power = shape == S_POWER_LAW;
	const char *need = expo ? "mean" : "max";
	if (!ynode_get(n, need) || (!expo && !ynode_get(n, "min")))
		return ynode_fail(c->d, n, "%s is missing required key '%s'", what,
		                  !expo && !ynode_get(n, "min") ? "min" : need);
	if (ynode_get(n, "exponent") && !power)
		return ynode_fail(c->d, ynode_get(n, "exponent"),
		                  "%s: 'exponent' belongs to shape: power-law", what);
	if (power && !ynode_get(n, "exponent"))
		return ynode_fail(c->d, n, "%s is missing required key 'exponent' (power-law)",
		                  what);
	if (ynode_get(n, "mean") && !expo)
		return ynode_fail(c->d, ynode_get(n, "mean"),
		                  "%s: 'mean' belongs to shape: exponential", what);
	if ((r = get_value(c, n, "min", sizes, &lo)) < 0 ||
	    (r = get_value(c, n, "max", sizes, &hi)) < 0 ||
	    (r = get_value(c, n, "mean", sizes, &mean)) < 0 ||
	    (r = ynode_get_real(c->d, n, "exponent", -10, 10, &exponent)) < 0)
		return r;
	if (expo && !ynode_get(n, "max")) {
		uint64_t cap = sizes ? DIST_MAX_SIZE : DIST_MAX_LIFETIME;
		hi = mean > (cap - lo) / MEAN_SPAN ? cap : lo + MEAN_SPAN * mean;
	}
	if (lo > hi) {
		char a[32], b[32];
		return ynode_fail(c->d, ynode_get(n, "min"), "%s: min %s is larger than max %s",
		                  what, format_value(lo, sizes, a, sizeof(a)),
		                  format_value(hi, sizes, b, sizeof(b)));
	}
	p->lo = lo;
	p->hi = hi;
	p->shape = shape == S_UNIFORM ? DIST_UNIFORM : expo ? DIST_EXPONENTIAL : DIST_POWER;
	p->param = shape == S_LOG_UNIFORM      ? -1.0f
	           : shape == S_INVERSE_SQUARE ? -2.0f
	           : power                     ? (float)exponent
	                                       : (float)mean;
	if (expo)
		p->a = (double)mean;
	return 0;
}

/* One part: a scalar value, or a mapping (a range, a shape, a histogram). */
static int parse_part(struct keys_ctx *c, const struct ynode *n, const char *key, const char *what,
                      bool sizes, struct moments *acc, uint32_t *parts)
{
	char desc[64];
	double weight = 1;
	int r;
	if (n->kind == YNODE_SCALAR) {
		struct dist_part *p = new_part(c, n);
		if (!p)
			return -EINVAL;
		const struct ynode *pair[] = {n};
		const struct ynode label = {.kind = YNODE_SCALAR, .text = key, .len = strlen(key)};
		const struct ynode *keys[] = {&label};
		struct ynode map = {.kind = YNODE_MAPPING,
		                    .n = 1,
		                    .key = (struct ynode **)keys,
		                    .val = (struct ynode **)pair};
		if ((r = get_value(c, &map, key, sizes, &p->lo)) < 0)
			return r;
		p->hi = p->lo;
		add_moments(acc, 1, (double)p->lo, (double)p->lo * (double)p->lo);
		p->cum = acc->w;
		(*parts)++;
		return 0;
	}
	if (n->kind != YNODE_MAPPING)
		return ynode_fail(
		    c->d, n,
		    "%s: expected a value like 4 KiB or a mapping like {min: 16 B, max: "
		    "256 B}, {size: 4 KiB} or {histogram: sizes.tsv}, got %s",
		    what, ynode_describe(n, desc, sizeof(desc)));
	const struct ynode *size = ynode_get(n, "size"), *hist = ynode_get(n, "histogram");
	if (size && (ynode_get(n, "min") || ynode_get(n, "max")))
		return ynode_fail(
		    c->d, size,
		    "%s: 'size' cannot be combined with 'min' or 'max'; use size for a "
		    "fixed size, min and max for a range",
		    what);
	const char *saved = c->what;
	c->what = what;
	r = keys_check(c, n, NULL, NULL, keys_dist_part);
	c->what = saved;
	if (r < 0 || (r = ynode_get_real(c->d, n, "weight", 0, WEIGHT_MAX, &weight)) < 0)
		return r;
	if (weight <= 0)
		return ynode_fail(c->d, ynode_get(n, "weight"),
		                  "key 'weight': expected a number > 0, got '%s'; remove the class "
		                  "instead",
		                  ynode_get(n, "weight")->text);
	if (hist) {
		for (int i = 0; i < n->n; i++)
			if (strcmp(n->key[i]->text, "histogram") &&
			    strcmp(n->key[i]->text, "weight"))
				return ynode_fail(
				    c->d, n->key[i],
				    "%s: '%s' cannot be combined with 'histogram' (its "
				    "lines are the values)",
				    what, n->key[i]->text);
		/* The file's lines weigh `weight` together: read them into a
		 * list of their own, then scale. */
		struct moments h = {0};
		uint32_t first = c->w->npool, before = *parts;
		if ((r = read_histogram(c, hist, sizes, &h, parts)) < 0)
			return r;
		double f = weight / h.w;
		for (uint32_t i = first; i < first + (*parts - before); i++)
			c->w->pool[i].cum = acc->w + c->w->pool[i].cum * f;
		add_moments(acc, weight, h.m1 / h.w, h.m2 / h.w);
		return 0;
	}
	struct dist_part *p = new_part(c, n);
	if (!p)
		return -EINVAL;
	if (size) {
		if ((r = get_value(c, n, "size", sizes, &p->lo)) < 0)
			return r;
		p->hi = p->lo;
	} else if ((r = parse_range(c, n, what, sizes, p)) < 0) {
		return r;
	}
	double mean, sq;
	part_moments(p, &mean, &sq);
	add_moments(acc, weight, mean, sq);
	p->cum = acc->w;
	(*parts)++;
	return 0;
}

int dist_parse(struct keys_ctx *c, const struct ynode *n, const char *key, bool sizes,
               struct dist *out)
{
	struct moments acc = {0};
	uint32_t parts = 0, first = c->w->npool;
	char what[160];
	int r = 0;
	if (n->kind == YNODE_SEQUENCE) {
		if (n->n < 1)
			return ynode_fail(
			    c->d, n, "key '%s': expected a list of 1 or more classes, got 0", key);
		for (int i = 0; i < n->n && r == 0; i++) {
			snprintf(what, sizeof(what), "class %d of '%s' in %s", i + 1, key, c->what);
			r = parse_part(c, n->val[i], key, what, sizes, &acc, &parts);
		}
	} else {
		snprintf(what, sizeof(what), "'%s' in %s", key, c->what);
		r = parse_part(c, n, key, what, sizes, &acc, &parts);
	}
	if (r < 0)
		return r;
	struct dist d = {.first = first, .n = parts, .total = acc.w, .lo = UINT64_MAX};
	d.mean = acc.m1 / acc.w;
	double var = acc.m2 / acc.w - d.mean * d.mean;
	d.sd = var > 0 ? sqrt(var) : 0;
	for (uint32_t i = first; i < first + parts; i++) {
		if (c->w->pool[i].lo < d.lo)
			d.lo = c->w->pool[i].lo;
		if (c->w->pool[i].hi > d.hi)
			d.hi = c->w->pool[i].hi;
	}
	*out = d;
	return 0;
}
