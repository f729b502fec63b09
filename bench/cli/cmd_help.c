/* cmd_help.c - `wimm help workloads` and `wimm describe [GENERATOR]`: the
 * workload format, printed from the key tables the loader parses with
 * (workloads/keys.h, each generator's gen_def), so the reference says what
 * the parser accepts and nothing else.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/cli/cmd.h"
#include "bench/plan/catalog.h"
#include "common/log.h"
#include "workloads/generators/gen.h"
#include "workloads/keys.h"
#include "workloads/workload.h"

#define WIDTH 78

/* Prints text wrapped at WIDTH after indent. */
static void wrap(FILE *f, const char *indent, const char *text)
{
	size_t col = 0, ind = strlen(indent);
	const char *p = text;
	while (*p) {
		size_t word = strcspn(p, " ");
		if (col && col + 1 + word > WIDTH) {
			fputc('\n', f);
			col = 0;
		}
		if (!col) {
			fputs(indent, f);
			col = ind;
		} else {
			fputc(' ', f);
			col++;
		}
		fwrite(p, 1, word, f);
		col += word;
		p += word;
		while (*p == ' ')
			p++;
	}
	if (col)
		fputc('\n', f);
}

/* The shipped presets whose phases run generator g, comma-separated. */
static void presets_using(const struct gen_def *g, char *out, size_t len)
{
	char **paths, err[1024];
	int n;
	static struct workload w;
	out[0] = '\0';
	if (catalog_list_yaml(catalog_workloads_dir(), &paths, &n))
		return;
	for (int i = 0; i < n; i++) {
		if (workload_load(paths[i], &w, err, sizeof(err)))
			continue;
		int uses = 0;
		for (int p = 0; p < w.nphases; p++)
			for (int r = 0; r < w.phases[p].nroles; r++)
				uses |= w.phases[p].roles[r].gen == g;
		if (uses)
			snprintf(out + strlen(out), len - strlen(out), "%s%s", out[0] ? ", " : "",
			         w.name);
	}
	catalog_free_paths(paths, n);
}

static void describe(FILE *f, const struct gen_def *g, int with_presets)
{
	fprintf(f, "%s: %s\n", g->name, g->summary);
	wrap(f, "    ", g->doc);
	if (g->threads == GEN_MAIN_THREAD)
		fprintf(f, "    Threads: the worker's main thread, alone in its phase; no threads: "
		           "key.\n");
	else if (g->threads == GEN_ONE_THREAD)
		fprintf(f, "    Threads: always one; no threads: key.\n");
	else
		fprintf(f, "    Threads: threads: N, else the axis (at least %d)%s.\n",
		        g->min_threads,
		        g->extra_threads ? ", plus one thread of its own (see above)" : "");
	if (with_presets) {
		char used[512];
		presets_using(g, used, sizeof(used));
		if (used[0])
			fprintf(f, "    Shipped presets that use it: %s.\n", used);
	}
	if (g->keys[0].name) {
		fprintf(f, "    Keys:\n");
		keys_print(f, g->keys, "      ");
	} else {
		fprintf(f, "    No keys besides name and generator.\n");
	}
}

static const char values_text[] =
    "Values:\n"
    "  count      16384, 16K, 5M, 1G (K M G are powers of 1000; whole numbers)\n"
    "  size       a bare integer is bytes; units B KiB MiB GiB TiB (4 KB is refused)\n"
    "  duration   a number with ns, us, ms, s or min (20 ms; a unit is required)\n"
    "  rate       a count per unit: 100K/s, 5/ms\n"
    "  sizes      a value (64 B), one part ({min: 16 B, max: 256 B}), or a list of parts\n"
    "             whose weights say how often each is drawn; a part is:\n";
static const char lifetimes_text[] =
    "  lifetimes  as sizes, with counts of the thread's operations for values\n";

static int help_workloads(void)
{
	printf("WORKLOAD FILES\n\n");
	wrap(stdout, "",
	     "A workload is a YAML file of phases run one after the other. A phase runs "
	     "one generator with its keys beside it, or roles: groups of threads that run "
	     "at the same time, each a generator, connected by queues that carry blocks "
	     "from one role to another. `wimm validate FILE` checks a file; every key, "
	     "value and unit is checked, and an error names FILE:LINE:COLUMN. Keys marked "
	     "required must be there (name, description, threads and phases for the "
	     "workload; name and generator for a phase, or name and roles); the others "
	     "have the default shown. Presets to start from: workloads/presets/.");
	printf("\nThe workload:\n");
	keys_print(stdout, workload_keys, "  ");
	printf("\nA phase (an item of phases:):\n");
	keys_print(stdout, workload_phase_keys, "  ");
	printf("\nA role (an item of a phase's roles:), with its generator's keys:\n");
	keys_print(stdout, workload_role_keys, "  ");
	printf("\nA queue (an item of a phase's queues:):\n");
	keys_print(stdout, workload_queue_keys, "  ");
	printf("\n%s", values_text);
	keys_print(stdout, keys_dist_part, "               ");
	printf("%s", lifetimes_text);
	printf("  touch      full | none | first | SIZE | FRACTION, or a mapping:\n");
	keys_print(stdout, keys_touch, "               ");
	printf("  calls      malloc | calloc | aligned_alloc | posix_memalign, or a weighted "
	       "mix:\n");
	keys_print(stdout, keys_calls, "               ");
	printf("\nGENERATORS (wimm describe GENERATOR: one of them)\n\n");
	size_t n;
	const struct gen_def *const *all = gen_all(&n);
	for (size_t i = 0; i < n; i++) {
		describe(stdout, all[i], 0);
		printf("\n");
	}
	return EXIT_OK;
}

static const char help_usage[] =
    "usage: wimm help workloads\n"
    "The workload format: every key of a workload, a phase, a role and a queue, the\n"
    "values (units, sizes, touch, calls) and every generator with its keys, types,\n"
    "ranges and defaults; printed from the tables the loader checks files with.\n";

int cmd_help(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "workloads"))
		return help_workloads();
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(help_usage, stdout);
		return EXIT_OK;
	}
	log_error("wimm help: unknown topic%s%s; topics: workloads (wimm --help for the commands)",
	          argc > 1 ? " " : "", argc > 1 ? argv[1] : "");
	return EXIT_USAGE;
}

int cmd_describe(int argc, char **argv)
{
	size_t n;
	const struct gen_def *const *all = gen_all(&n);
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		puts("usage: wimm describe [GENERATOR]\n"
		     "One generator: what it mimics, its threads and every key with its type,\n"
		     "range and default; without GENERATOR, the list. wimm help workloads has\n"
		     "the whole format.");
		return EXIT_OK;
	}
	if (argc == 1) {
		for (size_t i = 0; i < n; i++)
			printf("  %-12s %s\n", all[i]->name, all[i]->summary);
		return EXIT_OK;
	}
	if (argc > 2) {
		log_error("wimm describe takes one generator");
		return EXIT_USAGE;
	}
	const struct gen_def *g = gen_find(argv[1]);
	if (!g) {
		char names[256] = "";
		for (size_t i = 0; i < n; i++)
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
			         i ? ", " : "", all[i]->name);
		log_error("unknown generator '%s'; generators: %s", argv[1], names);
		return EXIT_USAGE;
	}
	describe(stdout, g, 1);
	return EXIT_OK;
}
