/* ynode.c - a strict YAML tree with positions, on libyaml's event parser
 * (see ynode.h).
 *
 * The file is read into memory by us, not streamed by libyaml, for two
 * reasons: the size limit is checked before any parsing, and libyaml's
 * reader errors (bad UTF-8) come as byte offsets, which we turn into the
 * line:column every other message has. Everything the layer refuses is
 * refused while parsing, at the event that introduces it, so an anchor
 * bomb or a 10,000-deep nest never gets expanded or built.
 */
#include "common/ynode.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "common/limits.h"
#include "common/suggest.h"
#include "common/units.h"

struct ynode_doc {
	char *path;
	char *err;
	size_t errlen;
	struct ynode *root;
};

/* Parsing state: the open collections, innermost last. */
struct builder {
	struct ynode_doc *d;
	const unsigned char *buf;
	size_t len;
	struct ynode *open[YNODE_MAX_DEPTH];
	int cap[YNODE_MAX_DEPTH]; /* allocated slots of open[i]->val (and ->key) */
	int depth;
	int ndocs;
};

int ynode_fail(struct ynode_doc *d, const struct ynode *at, const char *fmt, ...)
{
	if (!d->err || d->errlen == 0)
		return -EINVAL;
	int n;
	if (at)
		n = snprintf(d->err, d->errlen, "%s:%d:%d: ", d->path, at->line, at->col);
	else
		n = snprintf(d->err, d->errlen, "%s: ", d->path);
	if (n >= 0 && (size_t)n < d->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(d->err + n, d->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Like ynode_fail for a position that is not a node yet (marks are 0-based). */
static int fail_at(struct ynode_doc *d, size_t line, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail_at(struct ynode_doc *d, size_t line, size_t col, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	struct ynode at = {.line = (int)line + 1, .col = (int)col + 1};
	return ynode_fail(d, &at, "%s", msg);
}

static void free_node(struct ynode *n)
{
	if (!n)
		return;
	for (int i = 0; i < n->n; i++) {
		if (n->key)
			free_node(n->key[i]);
		free_node(n->val[i]);
	}
	free(n->key);
	free(n->val);
	free((char *)n->text);
	free(n);
}

void ynode_destroy(struct ynode_doc *d)
{
	if (!d)
		return;
	free_node(d->root);
	free(d->path);
	free(d);
}

const struct ynode *ynode_root(const struct ynode_doc *d) { return d->root; }

const char *ynode_path(const struct ynode_doc *d) { return d->path; }

/* Reads the whole file, refusing it past the limit before allocating more. */
static int read_file(struct ynode_doc *d, unsigned char **buf, size_t *len)
{
	/* O_NONBLOCK: opening a FIFO without a writer would otherwise wait
	 * for ever, beyond every signal the user can think of; it is refused
	 * below with devices (/dev/zero never ends) and directories. */
	int fd = open(d->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	FILE *f = fd >= 0 ? fdopen(fd, "rb") : NULL;
	if (!f) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		ynode_fail(d, NULL, "cannot open: %s", strerror(e));
		return -e;
	}
	int r = 0;
	struct stat st;
	if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
		const char *what = S_ISDIR(st.st_mode)    ? "a directory"
		                   : S_ISFIFO(st.st_mode) ? "a FIFO (named pipe)"
		                   : S_ISCHR(st.st_mode)  ? "a character device"
		                   : S_ISBLK(st.st_mode)  ? "a block device"
		                                          : "a socket";
		ynode_fail(d, NULL, "is %s, not a regular file; give a YAML file", what);
		r = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		goto out;
	}
	/* Back to blocking reads for the regular file. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	/* The buffer grows as the file is read, from 64 KiB up to one byte
	 * past the limit: a 300-byte workload does not cost a 1 MiB buffer,
	 * which the fuzzer and valgrind would pay on every load. */
	size_t cap = 64 * 1024;
	*len = 0;
	errno = 0;
	for (;;) {
		unsigned char *grown = realloc(*buf, cap);
		if (!grown) {
			r = -ENOMEM;
			goto out;
		}
		*buf = grown;
		*len += fread(*buf + *len, 1, cap - *len, f);
		if (*len < cap || cap == YNODE_MAX_FILE + 1)
			break; /* end of file, an error, or past the limit */
		cap = cap * 2 < YNODE_MAX_FILE + 1 ? cap * 2 : YNODE_MAX_FILE + 1;
	}
	if (ferror(f)) {
		int e = errno ? errno : EIO;
		ynode_fail(d, NULL, "cannot read: %s", strerror(e));
		r = -e;
	} else if (*len > YNODE_MAX_FILE) {
		ynode_fail(d, NULL,
		           "file is over the %d MiB limit; workload and allocator "
		           "files are small, is this the right file?",
		           YNODE_MAX_FILE >> 20);
		r = -EFBIG;
	}
out:
	fclose(f);
	return r;
}

/* Line and column (0-based) of a byte offset, counting UTF-8 characters. */
static void offset_to_mark(const unsigned char *buf, size_t len, size_t off, size_t *line,
                           size_t *col)
{
	*line = *col = 0;
	for (size_t i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			(*line)++;
			*col = 0;
		} else if ((buf[i] & 0xC0) != 0x80) {
			(*col)++;
		}
	}
}

/* The byte at a 0-based line and column, or -1; only for hints. */
static int byte_at(const unsigned char *buf, size_t len, size_t line, size_t col)
{
	size_t i = 0;
	for (; i < len && line > 0; i++)
		if (buf[i] == '\n')
			line--;
	for (; i < len && col > 0; i++)
		if (i + 1 >= len || (buf[i + 1] & 0xC0) != 0x80)
			col--;
	return i < len ? buf[i] : -1;
}

static int syntax_error(struct builder *b, const yaml_parser_t *p)
{
	if (p->error == YAML_MEMORY_ERROR)
		return -ENOMEM;
	const char *problem = p->problem ? p->problem : "unknown problem";
	if (p->error == YAML_READER_ERROR) {
		size_t line, col;
		offset_to_mark(b->buf, b->len, p->problem_offset, &line, &col);
		if (p->problem_value >= 0)
			return fail_at(b->d, line, col, "YAML syntax error: %s (byte 0x%02x)",
			               problem, (unsigned)p->problem_value);
		return fail_at(b->d, line, col, "YAML syntax error: %s", problem);
	}
	size_t line = p->problem_mark.line, col = p->problem_mark.column;
	const char *hint = "";
	if (byte_at(b->buf, b->len, line, col) == '\t')
		hint = "; indent YAML with spaces, not tabs";
	if (p->context)
		return fail_at(b->d, line, col, "YAML syntax error: %s (%s)%s", problem, p->context,
		               hint);
	return fail_at(b->d, line, col, "YAML syntax error: %s%s", problem, hint);
}

static struct ynode *new_node(enum ynode_kind kind, const yaml_event_t *ev)
{
	struct ynode *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->kind = kind;
	n->line = (int)ev->start_mark.line + 1;
	n->col = (int)ev->start_mark.column + 1;
	return n;
}

static int grow(struct ynode *n, int *cap)
{
	if (n->n < *cap)
		return 0;
	int ncap = *cap ? *cap * 2 : 8;
	struct ynode **v = realloc(n->val, (size_t)ncap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	n->val = v;
	if (n->kind == YNODE_MAPPING) {
		struct ynode **k = realloc(n->key, (size_t)ncap * sizeof(*k));
		if (!k)
			return -ENOMEM;
		n->key = k;
	}
	*cap = ncap;
	return 0;
}

/* Attaches a new node to the innermost open collection (or makes it the
 * root). The node is owned by the tree even when this fails, except on
 * -ENOMEM, where it is freed here. */
static int attach(struct builder *b, struct ynode *n)
{
	if (b->depth == 0) {
		b->d->root = n;
		return 0;
	}
	int top = b->depth - 1;
	struct ynode *parent = b->open[top];
	if (parent->kind == YNODE_SEQUENCE) {
		if (grow(parent, &b->cap[top]) < 0) {
			free_node(n);
			return -ENOMEM;
		}
		parent->val[parent->n++] = n;
		return 0;
	}
	/* A mapping receives key, value, key, value: a key opens pair n with
	 * a NULL value, which the next node fills. */
	if (parent->n > 0 && !parent->val[parent->n - 1]) {
		parent->val[parent->n - 1] = n;
		return 0;
	}
	if (grow(parent, &b->cap[top]) < 0) {
		free_node(n);
		return -ENOMEM;
	}
	parent->key[parent->n] = n;
	parent->val[parent->n++] = NULL;
	if (n->kind != YNODE_SCALAR)
		return ynode_fail(b->d, n, "mapping keys must be plain scalars, not %s",
		                  n->kind == YNODE_MAPPING ? "a mapping" : "a list");
	return 0;
}

static int cmp_keys(const void *a, const void *b)
{
	const struct ynode *x = *(struct ynode *const *)a, *y = *(struct ynode *const *)b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->text, y->text, n);
	if (c == 0)
		c = (x->len > y->len) - (x->len < y->len);
	if (c == 0) /* same text: file order, so the first sorts first */
		c = x->line != y->line ? (x->line > y->line) - (x->line < y->line)
		                       : (x->col > y->col) - (x->col < y->col);
	return c;
}

/* Sorting rather than comparing all pairs: a 1 MiB file can hold 100,000
 * keys in one mapping, and n^2 of those would stall the loader. Reports
 * the repeated key that comes first in the file. */
static int check_duplicates(struct builder *b, const struct ynode *map)
{
	if (map->n < 2)
		return 0;
	struct ynode **keys = malloc((size_t)map->n * sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	memcpy(keys, map->key, (size_t)map->n * sizeof(*keys));
	qsort(keys, (size_t)map->n, sizeof(*keys), cmp_keys);
	const struct ynode *dup = NULL, *first = NULL, *group = keys[0];
	for (int i = 1; i < map->n; i++) {
		const struct ynode *k = keys[i];
		if (k->len != group->len || memcmp(k->text, group->text, k->len) != 0) {
			group = k;
			continue;
		}
		if (!dup || k->line < dup->line || (k->line == dup->line && k->col < dup->col)) {
			dup = k;
			first = group;
		}
	}
	free(keys);
	if (!dup)
		return 0;
	char desc[64];
	return ynode_fail(b->d, dup, "duplicate key %s (first at %d:%d)",
	                  ynode_describe(dup, desc, sizeof(desc)), first->line, first->col);
}

static int refuse_anchor_or_tag(struct builder *b, const yaml_event_t *ev,
                                const yaml_char_t *anchor, const yaml_char_t *tag)
{
	if (anchor)
		return fail_at(b->d, ev->start_mark.line, ev->start_mark.column,
		               "anchors and aliases are not supported");
	if (tag)
		return fail_at(b->d, ev->start_mark.line, ev->start_mark.column,
		               "tags ('%s') are not supported; write the value plainly",
		               (const char *)tag);
	return 0;
}

static int on_scalar(struct builder *b, const yaml_event_t *ev)
{
	int r = refuse_anchor_or_tag(b, ev, ev->data.scalar.anchor, ev->data.scalar.tag);
	if (r < 0)
		return r;
	struct ynode *n = new_node(YNODE_SCALAR, ev);
	char *text = malloc(ev->data.scalar.length + 1);
	if (!n || !text) {
		free(n);
		free(text);
		return -ENOMEM;
	}
	memcpy(text, ev->data.scalar.value, ev->data.scalar.length);
	text[ev->data.scalar.length] = '\0';
	n->text = text;
	n->len = ev->data.scalar.length;
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	n->block = ev->data.scalar.style == YAML_LITERAL_SCALAR_STYLE ||
	           ev->data.scalar.style == YAML_FOLDED_SCALAR_STYLE;
	return attach(b, n);
}

static int on_open(struct builder *b, const yaml_event_t *ev, enum ynode_kind kind)
{
	const yaml_char_t *anchor, *tag;
	if (kind == YNODE_MAPPING) {
		anchor = ev->data.mapping_start.anchor;
		tag = ev->data.mapping_start.tag;
	} else {
		anchor = ev->data.sequence_start.anchor;
		tag = ev->data.sequence_start.tag;
	}
	int r = refuse_anchor_or_tag(b, ev, anchor, tag);
	if (r < 0)
		return r;
	if (b->depth == YNODE_MAX_DEPTH)
		return fail_at(b->d, ev->start_mark.line, ev->start_mark.column,
		               "nesting deeper than %d levels is not supported", YNODE_MAX_DEPTH);
	struct ynode *n = new_node(kind, ev);
	if (!n)
		return -ENOMEM;
	r = attach(b, n);
	if (r < 0)
		return r;
	b->cap[b->depth] = 0;
	b->open[b->depth++] = n;
	return 0;
}

static int on_close(struct builder *b)
{
	struct ynode *n = b->open[--b->depth];
	return n->kind == YNODE_MAPPING ? check_duplicates(b, n) : 0;
}

static int on_event(struct builder *b, const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (b->ndocs++ > 0)
			return fail_at(b->d, ev->start_mark.line, ev->start_mark.column,
			               "a second YAML document; a file holds exactly one");
		return 0;
	case YAML_ALIAS_EVENT:
		return fail_at(b->d, ev->start_mark.line, ev->start_mark.column,
		               "anchors and aliases are not supported");
	case YAML_SCALAR_EVENT:
		return on_scalar(b, ev);
	case YAML_SEQUENCE_START_EVENT:
		return on_open(b, ev, YNODE_SEQUENCE);
	case YAML_MAPPING_START_EVENT:
		return on_open(b, ev, YNODE_MAPPING);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		return on_close(b);
	default:
		return 0;
	}
}

static int parse(struct builder *b)
{
	yaml_parser_t p;
	if (!yaml_parser_initialize(&p))
		return -ENOMEM;
	yaml_parser_set_input_string(&p, b->buf, b->len);
	int r = 0;
	for (bool done = false; !done && r == 0;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&p, &ev)) {
			r = syntax_error(b, &p);
			break;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		r = on_event(b, &ev);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	return r;
}

int ynode_load(const char *path, char *err, size_t errlen, struct ynode_doc **out)
{
	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	struct ynode_doc *d = calloc(1, sizeof(*d));
	if (!d || !(d->path = strdup(path))) {
		free(d);
		if (err && errlen)
			snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	d->err = err;
	d->errlen = errlen;
	struct builder b = {.d = d};
	unsigned char *buf = NULL;
	int r = read_file(d, &buf, &b.len);
	if (r < 0)
		goto out;
	b.buf = buf;
	r = parse(&b);
	if (r < 0)
		goto out;
	/* "---" alone or a comment-only file parse fine but hold nothing. */
	const struct ynode *root = d->root;
	if (!root || (root->kind == YNODE_SCALAR && root->plain && root->len == 0)) {
		ynode_fail(d, NULL, "empty file");
		r = -ENODATA;
		goto out;
	}
	*out = d;
out:
	free(buf);
	if (r == -ENOMEM)
		ynode_fail(d, NULL, "out of memory");
	if (r < 0)
		ynode_destroy(d);
	return r;
}

/* ---- Accessors ---- */

const char *ynode_describe(const struct ynode *n, char *buf, size_t len)
{
	if (n->kind == YNODE_MAPPING) {
		snprintf(buf, len, "a mapping");
	} else if (n->kind == YNODE_SEQUENCE) {
		snprintf(buf, len, "a list");
	} else if (n->plain && n->len == 0) {
		snprintf(buf, len, "an empty value");
	} else {
		/* Quoted, shortened and with control characters shown, so a 2 KiB
		 * text or a stray escape cannot garble the message. */
		size_t room = len < 64 ? len : 64, o = 0;
		if (room < 8) { /* too small to show anything useful */
			if (len)
				buf[0] = '\0';
			return buf;
		}
		buf[o++] = '\'';
		for (size_t i = 0; i < n->len; i++) {
			unsigned char c = (unsigned char)n->text[i];
			if (o + 7 > room) { /* keep room for "...'" and the NUL */
				while (o > 1 && ((unsigned char)buf[o - 1] & 0xC0) == 0x80)
					o--; /* do not cut a UTF-8 character in half */
				if (o > 1 && (unsigned char)buf[o - 1] >= 0xC0)
					o--;
				memcpy(buf + o, "...", 3);
				o += 3;
				break;
			}
			if (c == '\n') {
				buf[o++] = '\\';
				buf[o++] = 'n';
			} else {
				buf[o++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
			}
		}
		buf[o++] = '\'';
		buf[o] = '\0';
	}
	return buf;
}

const struct ynode *ynode_get(const struct ynode *map, const char *key)
{
	if (!map || map->kind != YNODE_MAPPING)
		return NULL;
	size_t klen = strlen(key);
	for (int i = 0; i < map->n; i++)
		if (map->key[i]->len == klen && memcmp(map->key[i]->text, key, klen) == 0)
			return map->val[i];
	return NULL;
}

static bool in_list(const char *const *list, const char *s, size_t len)
{
	for (; list && *list; list++)
		if (strlen(*list) == len && memcmp(*list, s, len) == 0)
			return true;
	return false;
}

/* "name, generator, ops" for the unknown-key message. */
static void join(const char *const *list, char *buf, size_t len)
{
	size_t o = 0;
	buf[0] = '\0';
	for (; *list && o < len; list++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? ", " : "", *list);
}

int ynode_check_keys(struct ynode_doc *d, const struct ynode *map, const char *what,
                     const char *const *known, const char *const *required)
{
	char desc[64];
	if (map->kind != YNODE_MAPPING)
		return ynode_fail(d, map, "expected %s to be a mapping, got %s", what,
		                  ynode_describe(map, desc, sizeof(desc)));
	for (int i = 0; i < map->n; i++) {
		const struct ynode *k = map->key[i];
		if (!in_list(known, k->text, k->len)) {
			char keys[512], hint[96];
			struct suggest s;
			join(known, keys, sizeof(keys));
			suggest_init(&s, k->text);
			suggest_add_list(&s, known);
			suggest_phrase(&s, hint, sizeof(hint));
			return ynode_fail(d, k, "unknown key %s in %s%s%s known keys: %s",
			                  ynode_describe(k, desc, sizeof(desc)), what, hint,
			                  hint[0] ? "" : ";", keys);
		}
	}
	for (; required && *required; required++)
		if (!ynode_get(map, *required))
			return ynode_fail(d, map, "%s is missing required key '%s'", what,
			                  *required);
	return 0;
}

static int expected(struct ynode_doc *d, const struct ynode *n, const char *label, const char *what)
{
	char desc[64];
	return ynode_fail(d, n, "key '%s': expected %s, got %s", label, what,
	                  ynode_describe(n, desc, sizeof(desc)));
}

static int need_scalar(struct ynode_doc *d, const struct ynode *n, const char *label,
                       const char *what)
{
	if (n->kind != YNODE_SCALAR)
		return expected(d, n, label, what);
	if (strlen(n->text) != n->len)
		return ynode_fail(d, n, "key '%s': expected %s, got text with a NUL character",
		                  label, what);
	return 0;
}

int ynode_as_str(struct ynode_doc *d, const struct ynode *n, const char *label, char *buf,
                 size_t size)
{
	int r = need_scalar(d, n, label, "a string");
	if (r < 0)
		return r;
	size_t len = n->len;
	while (n->block && len > 0 && n->text[len - 1] == '\n')
		len--;
	/* YAML's null spellings mean "no value", not the text "null". */
	if (n->plain && (strcmp(n->text, "~") == 0 || strcmp(n->text, "null") == 0 ||
	                 strcmp(n->text, "Null") == 0 || strcmp(n->text, "NULL") == 0))
		len = 0;
	if (len >= size)
		return ynode_fail(d, n, "key '%s': expected at most %zu characters, got %zu", label,
		                  size - 1, len);
	memcpy(buf, n->text, len);
	buf[len] = '\0';
	return 0;
}

int ynode_get_str(struct ynode_doc *d, const struct ynode *map, const char *key, char *buf,
                  size_t size)
{
	const struct ynode *n = ynode_get(map, key);
	return n ? ynode_as_str(d, n, key, buf, size) : 0;
}

int ynode_get_name(struct ynode_doc *d, const struct ynode *map, const char *key, char *buf,
                   size_t size)
{
	const struct ynode *n = ynode_get(map, key);
	if (!n)
		return 0;
	char what[96];
	snprintf(what, sizeof(what), "a name of 1 to %zu letters, digits, '_', '.' or '-'",
	         size - 1);
	int r = need_scalar(d, n, key, what);
	if (r < 0)
		return r;
	bool ok = n->len > 0 && n->len < size;
	for (size_t i = 0; ok && i < n->len; i++)
		ok = limits_name_char(n->text[i]);
	if (!ok)
		return expected(d, n, key, what);
	memcpy(buf, n->text, n->len + 1);
	return 0;
}

/* Writes "from MIN to MAX" or ">= MIN" for an integer range. */
static void int_range(int64_t min, int64_t max, char *buf, size_t len)
{
	if (max == INT64_MAX)
		snprintf(buf, len, "an integer >= %lld", (long long)min);
	else
		snprintf(buf, len, "an integer from %lld to %lld", (long long)min, (long long)max);
}

int ynode_as_int(struct ynode_doc *d, const struct ynode *n, const char *label, int64_t min,
                 int64_t max, int64_t *out)
{
	char what[96];
	int_range(min, max, what, sizeof(what));
	int r = need_scalar(d, n, label, what);
	if (r < 0)
		return r;
	const char *s = n->text + (n->text[0] == '-' || n->text[0] == '+');
	bool digits = *s != '\0';
	for (; *s; s++)
		digits = digits && *s >= '0' && *s <= '9';
	if (!digits)
		return expected(d, n, label, what);
	errno = 0;
	long long v = strtoll(n->text, NULL, 10);
	if (errno == ERANGE || v < min || v > max)
		return expected(d, n, label, what);
	*out = v;
	return 0;
}

int ynode_get_int(struct ynode_doc *d, const struct ynode *map, const char *key, int64_t min,
                  int64_t max, int64_t *out)
{
	const struct ynode *n = ynode_get(map, key);
	return n ? ynode_as_int(d, n, key, min, max, out) : 0;
}

/* Decimal only: strtod would also take "nan", "inf" and hex floats. */
static bool is_decimal(const char *s)
{
	bool digits = false;
	if (*s == '+' || *s == '-')
		s++;
	for (; *s >= '0' && *s <= '9'; s++)
		digits = true;
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++)
			digits = true;
	if (!digits)
		return false;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!(*s >= '0' && *s <= '9'))
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

int ynode_get_real(struct ynode_doc *d, const struct ynode *map, const char *key, double min,
                   double max, double *out)
{
	const struct ynode *n = ynode_get(map, key);
	if (!n)
		return 0;
	char what[96];
	snprintf(what, sizeof(what), "a number from %g to %g", min, max);
	int r = need_scalar(d, n, key, what);
	if (r < 0)
		return r;
	if (!is_decimal(n->text))
		return expected(d, n, key, what);
	double v = strtod(n->text, NULL);
	if (!(v >= min && v <= max)) /* also false for an overflow to inf */
		return expected(d, n, key, what);
	*out = v;
	return 0;
}

int ynode_get_size(struct ynode_doc *d, const struct ynode *map, const char *key, uint64_t min,
                   uint64_t max, uint64_t *out)
{
	const struct ynode *n = ynode_get(map, key);
	if (!n)
		return 0;
	char what[96], lo[32], hi[32];
	snprintf(what, sizeof(what), "a size from %s to %s (units B, KiB, MiB, GiB, TiB)",
	         units_format_size(min, lo, sizeof(lo)), units_format_size(max, hi, sizeof(hi)));
	int r = need_scalar(d, n, key, what);
	if (r < 0)
		return r;
	uint64_t v;
	if (units_parse_size(n->text, &v) < 0 || v < min || v > max)
		return expected(d, n, key, what);
	*out = v;
	return 0;
}

int ynode_get_duration(struct ynode_doc *d, const struct ynode *map, const char *key, double min,
                       double max, double *out)
{
	const struct ynode *n = ynode_get(map, key);
	if (!n)
		return 0;
	char what[128], lo[32], hi[32];
	snprintf(what, sizeof(what), "a duration from %s to %s with a unit (ns, us, ms, s, min)",
	         units_format_duration(min, lo, sizeof(lo)),
	         units_format_duration(max, hi, sizeof(hi)));
	int r = need_scalar(d, n, key, what);
	if (r < 0)
		return r;
	/* Compared in whole nanoseconds, so "100 us" meets a 100e-6 bound
	 * exactly; the bounds are written in seconds by the callers. */
	int64_t ns;
	if (units_parse_duration(n->text, &ns) < 0 || ns < llround(min * 1e9) ||
	    ns > llround(max * 1e9))
		return expected(d, n, key, what);
	*out = (double)ns / 1e9; /* exact for whole seconds, unlike * 1e-9 */
	return 0;
}

int ynode_get_count(struct ynode_doc *d, const struct ynode *map, const char *key, uint64_t min,
                    uint64_t max, uint64_t *out)
{
	const struct ynode *n = ynode_get(map, key);
	if (!n)
		return 0;
	char what[128];
	snprintf(what, sizeof(what), "a count from %llu to %llu (like 16384, 16K, 5M, 1G)",
	         (unsigned long long)min, (unsigned long long)max);
	int r = need_scalar(d, n, key, what);
	if (r < 0)
		return r;
	uint64_t v;
	if (units_parse_count(n->text, &v) < 0 || v < min || v > max)
		return expected(d, n, key, what);
	*out = v;
	return 0;
}

int ynode_get_bool(struct ynode_doc *d, const struct ynode *map, const char *key, bool *out)
{
	static const char *const yes[] = {"true", "True", "TRUE", "yes", "on", NULL};
	static const char *const no[] = {"false", "False", "FALSE", "no", "off", NULL};
	const struct ynode *n = ynode_get(map, key);
	if (!n)
		return 0;
	const char *what = "true or false";
	int r = need_scalar(d, n, key, what);
	if (r < 0)
		return r;
	if (in_list(yes, n->text, n->len))
		*out = true;
	else if (in_list(no, n->text, n->len))
		*out = false;
	else
		return expected(d, n, key, what);
	return 0;
}

int ynode_get_list(struct ynode_doc *d, const struct ynode *map, const char *key, int min, int max,
                   const struct ynode **out)
{
	const struct ynode *n = ynode_get(map, key);
	if (!n)
		return 0;
	char what[64];
	snprintf(what, sizeof(what), "a list of %d to %d items", min, max);
	if (n->kind != YNODE_SEQUENCE)
		return expected(d, n, key, what);
	if (n->n < min || n->n > max)
		return ynode_fail(d, n, "key '%s': expected %s, got %d", key, what, n->n);
	*out = n;
	return 0;
}

int ynode_get_map(struct ynode_doc *d, const struct ynode *map, const char *key,
                  const struct ynode **out)
{
	const struct ynode *n = ynode_get(map, key);
	if (!n)
		return 0;
	if (n->kind != YNODE_MAPPING)
		return expected(d, n, key, "a mapping");
	*out = n;
	return 0;
}
