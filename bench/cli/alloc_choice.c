/* alloc_choice.c - which allocators a run uses, and proof that each one
 * really serves malloc before any cell runs (a missing file, or a library
 * that is not an allocator such as libz, is caught here, not mid-run).
 *
 * -a takes names, `all`, allocator files and inline variants; --sweep adds
 * variants of each one chosen (plan/variant.h, plan/sweep.h). They all end
 * up in one list, c->all, and the run uses c->chosen of them in order.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/cli/cmd.h"
#include "bench/plan/allocator.h"
#include "bench/plan/catalog.h"
#include "bench/plan/sweep.h"
#include "bench/plan/variant.h"
#include "bench/run/childenv.h"
#include "common/log.h"
#include "common/suggest.h"

/* Adds a copy of a to c->all. Returns its index, or -ENOMEM. */
static int append(struct alloc_choice *c, const struct allocator *a)
{
	if (c->nall == c->capall) {
		int cap = c->capall ? c->capall * 2 : 16;
		struct allocator *all = realloc(c->all, sizeof(*all) * (size_t)cap);
		if (!all)
			return -ENOMEM;
		c->all = all;
		char(*version)[64] = realloc(c->version, sizeof(*version) * (size_t)cap);
		if (!version)
			return -ENOMEM;
		c->version = version;
		c->capall = cap;
	}
	c->all[c->nall] = *a;
	c->version[c->nall][0] = 0;
	return c->nall++;
}

int alloc_choice_load(struct alloc_choice *c, char **extra, int nextra)
{
	char err[1024];
	struct allocator *shipped = NULL, a;
	int n = 0;
	memset(c, 0, sizeof(*c));
	int rc = catalog_load_allocators(&shipped, &n, err, sizeof(err));
	if (rc) {
		log_error("%s", err);
		return -EINVAL;
	}
	for (int i = 0; i < n && rc >= 0; i++)
		rc = append(c, &shipped[i]);
	free(shipped);
	c->nshipped = c->nall;
	for (int i = 0; i < nextra && rc >= 0; i++) {
		if (allocator_from_arg(extra[i], &a, err, sizeof(err))) {
			log_error("%s", err); /* names the option and its value */
			return -EINVAL;
		}
		for (int j = 0; j < c->nall; j++)
			if (!strcmp(c->all[j].name, a.name)) {
				log_error(
				    "--allocator %s: the name '%s' is taken by %s; pick another",
				    extra[i], a.name, c->all[j].source);
				return -EINVAL;
			}
		rc = append(c, &a);
	}
	if (rc < 0) {
		log_error("out of memory");
		return -ENOMEM;
	}
	c->nextra = nextra;
	return 0;
}

static int find(const struct alloc_choice *c, const char *name)
{
	for (int i = 0; i < c->nall; i++)
		if (!strcmp(c->all[i].name, name))
			return i;
	return -1;
}

/* 0 when allocator i can run; otherwise prints why (as an error when it was
 * named, as a note when it is only skipped) and returns -1. */
static int check(struct alloc_choice *c, int i, int named)
{
	struct allocator *a = &c->all[i];
	enum log_level level = named ? LOG_ERROR : LOG_INFO;
	char owner[512];
	if (allocator_resolve(a)) {
		log_msg(level, "%s: %s not found%s", a->name, a->library,
		        named ? "; install it or give a path with --allocator NAME=/path/lib.so"
		              : ", skipped");
		return -1;
	}
	/* The library as written may be fine and its canonical path not (a
	 * link into a directory with a space): that path is what is preloaded. */
	const char *why = a->path[0] ? allocator_preload_problem(a->path) : NULL;
	if (why) {
		log_msg(level, "%s: %s: %s%s", a->name, a->path, why, named ? "" : "; skipped");
		return -1;
	}
	if (a->path[0] && childenv_asan_build()) {
		log_msg(level,
		        "%s: this wimm is an ASan build, which cannot run with another "
		        "allocator preloaded%s",
		        a->name,
		        named ? "; build wimm without -Db_sanitize=address to run it"
		              : ", skipped");
		return -1;
	}
	int rc = childenv_identify(a, owner, sizeof(owner), c->version[i], sizeof(c->version[i]));
	if (rc == -EPROTO) {
		log_msg(level, "%s: %s does not replace malloc (malloc still came from %s)%s",
		        a->name, a->path, owner, named ? "; is it an allocator?" : ", skipped");
		return -1;
	}
	if (rc == -ECHILD) {
		/* It loads but the process dies (an allocator that aborts at start,
		 * say): run its cells anyway, so each records how it failed, and
		 * the others go on. */
		log_warn("%s: the worker fails at start with %s preloaded; its cells will fail "
		         "and say why",
		         a->name, a->path[0] ? a->path : "no library");
		return 0;
	}
	if (rc == -ETIMEDOUT) {
		log_msg(level,
		        "%s: the worker hangs at start with %s preloaded (no answer in 10 s)%s",
		        a->name, a->path[0] ? a->path : "no library", named ? "" : ", skipped");
		return -1;
	}
	if (rc) {
		log_msg(level, "%s: cannot start the worker with %s preloaded: %s%s", a->name,
		        a->path[0] ? a->path : "no library", strerror(-rc),
		        named ? "" : ", skipped");
		return -1;
	}
	/* jemalloc's decay settings, for the report to name (a failure only
	 * leaves them unknown). */
	childenv_settings(a, a->settings, sizeof(a->settings));
	return 0;
}

static int add(struct alloc_choice *c, int i, int named)
{
	for (int k = 0; k < c->nchosen; k++)
		if (c->chosen[k] == i)
			return 0;
	if (check(c, i, named))
		return named ? -EINVAL : 0;
	if (c->nchosen == ALLOC_CHOICE_MAX) {
		log_error("more than %d allocators in one run; choose fewer with -a, or fewer "
		          "--sweep values",
		          ALLOC_CHOICE_MAX);
		return -EINVAL;
	}
	c->chosen[c->nchosen++] = i;
	return 0;
}

/* An allocator made on the command line joins c->all unless one of that
 * name is there: the same definition is that one, another is an error. */
static int adopt(struct alloc_choice *c, const struct allocator *a, const char *what)
{
	int i = find(c, a->name);
	if (i >= 0) {
		if (variant_same(&c->all[i], a))
			return i;
		log_error("%s: the name '%s' is taken by %s, which sets other things; rename one "
		          "of them",
		          what, a->name, c->all[i].source);
		return -EINVAL;
	}
	i = append(c, a);
	if (i < 0)
		log_error("out of memory");
	return i;
}

static void unknown(const struct alloc_choice *c, const char *name)
{
	char hint[128];
	struct suggest s;
	suggest_init(&s, name);
	for (int i = 0; i < c->nall; i++)
		suggest_add(&s, c->all[i].name);
	suggest_add(&s, "all");
	log_error("unknown allocator '%s'%s `wimm list` shows the known ones (a file is given "
	          "by its path, a variant as NAME:VAR=value)",
	          name, suggest_best(&s) ? suggest_phrase(&s, hint, sizeof(hint)) : ";");
}

/* "NAME:" starts an inline variant: name characters, then a colon. */
static size_t inline_base(const char *p)
{
	size_t n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-");
	return n > 0 && p[n] == ':' ? n : 0;
}

static int is_file(const char *item, size_t len)
{
	return memchr(item, '/', len) || (len > 5 && !strncmp(item + len - 5, ".yaml", 5)) ||
	       (len > 4 && !strncmp(item + len - 4, ".yml", 4));
}

/* One item of -a: a name, `all`, a file or (taking the rest of the
 * argument) an inline variant. */
static int select_item(struct alloc_choice *c, const char *arg, const char *item, size_t len)
{
	char name[PATH_MAX], err[2048];
	struct allocator a;
	size_t base = inline_base(item);
	if (base) {
		snprintf(name, sizeof(name), "%.*s", (int)base, item);
		int b = find(c, name);
		if (b < 0) {
			unknown(c, name);
			return -EINVAL;
		}
		if (variant_inline(&c->all[b], item + base + 1, item, &a, err, sizeof(err))) {
			log_error("%s", err);
			return -EINVAL;
		}
		int i = adopt(c, &a, arg);
		return i < 0 ? i : add(c, i, 1);
	}
	if (len >= sizeof(name)) {
		log_error("-a: an item of %zu characters; a path is at most %zu", len,
		          sizeof(name) - 1);
		return -EINVAL;
	}
	snprintf(name, sizeof(name), "%.*s", (int)len, item);
	if (!len) {
		log_error("-a '%s': an empty item; give names separated by commas", arg);
		return -EINVAL;
	}
	if (is_file(item, len)) {
		/* Validated as `wimm validate --allocator FILE` does. */
		if (allocator_load(name, &a, err, sizeof(err))) {
			log_error("%s", err);
			return -EINVAL;
		}
		int i = adopt(c, &a, name);
		return i < 0 ? i : add(c, i, 1);
	}
	if (!strcmp(name, "all")) {
		/* Every shipped file that can run: skip, do not fail. */
		for (int j = 0; j < c->nshipped; j++)
			if (add(c, j, 0))
				return -EINVAL;
		return 0;
	}
	int i = find(c, name);
	if (i < 0) {
		unknown(c, name);
		return -EINVAL;
	}
	return add(c, i, 1);
}

/* Each chosen allocator, followed by its sweep variants. */
static int add_sweeps(struct alloc_choice *c, const struct sweep *sw, int nsw)
{
	int nbase = c->nchosen, *bases = malloc(sizeof(*bases) * (size_t)(nbase + 1));
	int n = sweep_count(sw, nsw), rc = 0;
	char err[2048];
	struct allocator a;
	if (!bases) {
		log_error("out of memory");
		return -ENOMEM;
	}
	memcpy(bases, c->chosen, sizeof(*bases) * (size_t)nbase);
	if (n > SWEEP_MAX_VARIANTS) {
		log_error("the sweeps make %d variants of each allocator; at most %d", n,
		          SWEEP_MAX_VARIANTS);
		rc = -EINVAL;
	}
	c->nchosen = 0;
	for (int b = 0; b < nbase && !rc; b++) {
		c->chosen[c->nchosen++] = bases[b];
		for (int k = 0; k < n && !rc; k++) {
			if ((rc = sweep_variant(&c->all[bases[b]], sw, nsw, k, &a, err,
			                        sizeof(err)))) {
				log_error("%s", err);
				break;
			}
			int i = adopt(c, &a, "--sweep");
			rc = i < 0 ? i : add(c, i, 1);
		}
	}
	free(bases);
	return rc;
}

int alloc_choice_select(struct alloc_choice *c, const char *const *lists, int nlists,
                        const struct sweep *sweeps, int nsweeps)
{
	int first_extra = c->nshipped;
	c->chosen = calloc(ALLOC_CHOICE_MAX + 1, sizeof(*c->chosen));
	if (!c->chosen) {
		log_error("out of memory");
		return -ENOMEM;
	}
	if (!nlists) {
		for (int i = 0; i < first_extra; i++)
			if (!c->all[i].variant_of[0] && add(c, i, 0))
				return -EINVAL;
	}
	for (int l = 0; l < nlists; l++) {
		const char *p = lists[l];
		do {
			/* An inline variant takes the rest of its -a: its values
			 * may hold commas (MALLOC_CONF's do). */
			size_t len = inline_base(p) ? strlen(p) : strcspn(p, ",");
			if (select_item(c, lists[l], p, len))
				return -EINVAL;
			p += len;
		} while (*p++ == ',');
	}
	for (int i = first_extra; i < first_extra + c->nextra; i++)
		if (add(c, i, 1))
			return -EINVAL;
	if (c->nchosen == 0) {
		log_error("no allocator can run; see the notes above");
		return -EINVAL;
	}
	return nsweeps ? add_sweeps(c, sweeps, nsweeps) : 0;
}

void alloc_choice_finish(struct alloc_choice *c)
{
	free(c->all);
	free(c->chosen);
	free(c->version);
	memset(c, 0, sizeof(*c));
}
