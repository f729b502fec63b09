/* cmd_list.c - `wimm list` and `wimm validate`. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/plan/allocator.h"
#include "bench/plan/catalog.h"
#include "bench/run/childenv.h"
#include "bench/cli/cmd.h"
#include "common/log.h"
#include "workloads/workload.h"

static int wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	return 0;
}

/* Both return the number of files that could not be read (each said). */
static int print_allocators(void)
{
	struct allocator *all;
	int n;
	char err[1024], owner[512], version[64];
	if (catalog_load_allocators(&all, &n, err, sizeof(err))) {
		log_error("%s", err);
		return 1;
	}
	printf("allocators (%s):\n", catalog_allocators_dir());
	printf("  %-18s %-9s %-10s %s\n", "name", "status", "version", "library");
	for (int i = 0; i < n; i++) {
		struct allocator *a = &all[i];
		const char *status = "ok";
		version[0] = 0;
		if (allocator_resolve(a))
			status = "missing";
		else if (childenv_identify(a, owner, sizeof(owner), version, sizeof(version)))
			status = "broken";
		char tag[80] = "";
		if (a->variant_of[0])
			snprintf(tag, sizeof(tag), "  [variant of %s]", a->variant_of);
		printf("  %-18s %-9s %-10s %s%s\n", a->name, status, version[0] ? version : "-",
		       a->path[0]      ? a->path
		       : a->library[0] ? a->library
		                       : "(system malloc)",
		       tag);
		if (a->note[0])
			printf("  %-18s %s\n", "", a->note);
		/* What explains how long freed memory stays (jemalloc's decay). */
		if (!strcmp(status, "ok") &&
		    !childenv_settings(a, a->settings, sizeof(a->settings)) && a->settings[0])
			printf("  %-18s reports %s\n", "", a->settings);
	}
	free(all);
	return 0;
}

/* The description's first sentence on one line, cut at a word with "..."
 * when it is longer than a terminal line allows. */
static const char *summary(const char *text, char *out, size_t len)
{
	const size_t width = 52;
	size_t n = 0;
	for (const char *p = text; *p && n + 1 < len; p++) {
		out[n++] = (*p == '\n' || *p == '\t') ? ' ' : *p;
		if ((*p == '.' || *p == ':') && (p[1] == ' ' || p[1] == '\n' || !p[1]))
			break;
	}
	out[n] = 0;
	if (n > width) {
		size_t cut = width;
		while (cut > 0 && out[cut] != ' ')
			cut--;
		snprintf(out + (cut ? cut : width), len - (cut ? cut : width), " ...");
	}
	return out;
}

static int print_workloads(void)
{
	char **paths, err[1024], line[512];
	int n, bad = 0;
	static struct workload w;
	if (catalog_list_yaml(catalog_workloads_dir(), &paths, &n)) {
		log_error("cannot read %s", catalog_workloads_dir());
		return 1;
	}
	printf("\nworkloads (%s):\n", catalog_workloads_dir());
	for (int i = 0; i < n; i++) {
		if (workload_load(paths[i], &w, err, sizeof(err))) {
			printf("  %-18s invalid: %s\n", "?", err);
			bad++;
			continue;
		}
		char axis[128] = "";
		for (int t = 0; t < w.naxis; t++)
			snprintf(axis + strlen(axis), sizeof(axis) - strlen(axis), "%s%d",
			         t ? "," : "", w.axis[t]);
		printf("  %-18s threads %-8s %s\n", w.name, axis,
		       summary(w.description, line, sizeof(line)));
	}
	catalog_free_paths(paths, n);
	return bad;
}

int cmd_list(int argc, char **argv)
{
	if (wants_help(argc, argv)) {
		puts("usage: wimm list\n"
		     "Lists the allocators (status ok, missing or broken; the version the\n"
		     "library reports; the file preloaded; the settings it reports, such as\n"
		     "jemalloc's decay) and the shipped workloads.\n"
		     "Exit: 0, or 2 when a file could not be read (each one said).");
		return EXIT_OK;
	}
	if (argc > 1) {
		log_error("wimm list takes no arguments");
		return EXIT_USAGE;
	}
	int bad = print_allocators();
	bad += print_workloads();
	if (fflush(stdout) == EOF || ferror(stdout)) {
		log_error("cannot write the list to standard output: %s", strerror(errno));
		return EXIT_IO;
	}
	if (bad)
		log_error("%d file%s in the lists could not be read (see above)", bad,
		          bad == 1 ? "" : "s");
	return bad ? EXIT_USAGE : EXIT_OK;
}

int cmd_validate(int argc, char **argv)
{
	if (wants_help(argc, argv) || argc < 2) {
		fputs("usage: wimm validate [--allocator] FILE.yaml ...\n"
		      "Checks workload files (allocator files with --allocator) without running\n"
		      "anything. Exit: 0 all valid, 2 some file is invalid (each error printed as\n"
		      "FILE:LINE:COLUMN: what is wrong).\n",
		      argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	int as_allocator = 0, bad = 0;
	char err[1024];
	static struct workload w;
	static struct allocator a;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--allocator")) {
			as_allocator = 1;
			continue;
		}
		if (!strncmp(argv[i], "--", 2)) {
			static const struct option opts[] = {{"allocator", no_argument, NULL, 0},
			                                     {"help", no_argument, NULL, 'h'},
			                                     {0}};
			cmd_bad_option("validate", opts, "h", argv, i + 1, 0);
			return EXIT_USAGE;
		}
		int rc = as_allocator ? allocator_load(argv[i], &a, err, sizeof(err))
		                      : workload_load(argv[i], &w, err, sizeof(err));
		if (rc) {
			fprintf(stderr, "%s\n", err);
			bad++;
		} else {
			printf("%s: ok (%s)\n", argv[i], as_allocator ? a.name : w.name);
		}
	}
	return bad ? EXIT_USAGE : EXIT_OK;
}
