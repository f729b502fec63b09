/* alloc_choice.c - which allocators a run uses, and proof that each one
 * really serves malloc before any cell runs (a missing file, or a library
 * that is not an allocator such as libz, is caught here, not mid-run). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/plan/allocator.h"
#include "bench/plan/catalog.h"
#include "bench/run/childenv.h"
#include "bench/cli/cmd.h"
#include "common/log.h"

int alloc_choice_load(struct alloc_choice *c, char **extra, int nextra)
{
	char err[1024];
	memset(c, 0, sizeof(*c));
	int rc = catalog_load_allocators(&c->all, &c->nall, err, sizeof(err));
	if (rc) {
		log_error("%s", err);
		return -EINVAL;
	}
	struct allocator *grown = realloc(c->all, sizeof(*grown) * (size_t)(c->nall + nextra + 1));
	if (!grown) {
		log_error("out of memory");
		return -ENOMEM;
	}
	c->all = grown;
	for (int i = 0; i < nextra; i++) {
		struct allocator *a = &c->all[c->nall];
		if (allocator_from_arg(extra[i], a, err, sizeof(err))) {
			log_error("%s", err); /* names the option and its value */
			return -EINVAL;
		}
		for (int j = 0; j < c->nall; j++)
			if (!strcmp(c->all[j].name, a->name)) {
				log_error(
				    "--allocator %s: the name '%s' is taken by %s; pick another",
				    extra[i], a->name, c->all[j].source);
				return -EINVAL;
			}
		c->nall++;
	}
	c->chosen = calloc((size_t)c->nall + 1, sizeof(*c->chosen));
	c->version = calloc((size_t)c->nall + 1, sizeof(*c->version));
	if (!c->chosen || !c->version) {
		log_error("out of memory");
		return -ENOMEM;
	}
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
	return 0;
}

static int add(struct alloc_choice *c, int i, int named)
{
	for (int k = 0; k < c->nchosen; k++)
		if (c->chosen[k] == i)
			return 0;
	if (check(c, i, named))
		return named ? -EINVAL : 0;
	c->chosen[c->nchosen++] = i;
	return 0;
}

int alloc_choice_select(struct alloc_choice *c, const char *list, int nextra)
{
	int first_extra = c->nall - nextra;
	if (!list) {
		for (int i = 0; i < first_extra; i++)
			if (!c->all[i].variant_of[0] && add(c, i, 0))
				return -EINVAL;
	} else {
		char *copy = strdup(list), *save = NULL;
		if (!copy) {
			log_error("out of memory");
			return -ENOMEM;
		}
		for (char *name = strtok_r(copy, ",", &save); name;
		     name = strtok_r(NULL, ",", &save)) {
			int all = !strcmp(name, "all");
			int i = all ? 0 : find(c, name);
			if (i < 0) {
				log_error(
				    "unknown allocator '%s'; `wimm list` shows the known ones, "
				    "or add one with --allocator NAME=/path/lib.so",
				    name);
				free(copy);
				return -EINVAL;
			}
			/* "all" means every file that can run: skip, do not fail. */
			for (int j = all ? 0 : i; j < (all ? first_extra : i + 1); j++)
				if (add(c, j, !all)) {
					free(copy);
					return -EINVAL;
				}
		}
		free(copy);
	}
	for (int i = first_extra; i < c->nall; i++)
		if (add(c, i, 1))
			return -EINVAL;
	if (c->nchosen == 0) {
		log_error("no allocator can run; see the notes above");
		return -EINVAL;
	}
	return 0;
}

void alloc_choice_finish(struct alloc_choice *c)
{
	free(c->all);
	free(c->chosen);
	free(c->version);
	memset(c, 0, sizeof(*c));
}
