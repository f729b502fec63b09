/* cmd_baseline.c - `wimm baseline update [RUN_DIR]`: the one command that
 * writes a baseline (OUT/baseline/<testbed>.json, see baseline.h).
 *
 * A baseline is what CI gates on, so a run that cannot stand for the
 * testbed is refused unless forced: one that was interrupted, or whose
 * cells failed.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench/regress/baseline.h"
#include "bench/cli/cmd.h"
#include "common/log.h"
#include "bench/results/rundir.h"
#include "bench/run/sysinfo.h"

static const char help_text[] =
    "usage: wimm baseline update [RUN_DIR] [--out DIR] [--force]\n"
    "       wimm baseline path [--out DIR]\n"
    "\n"
    "Writes DIR/baseline/<testbed>.json from RUN_DIR (default DIR/latest): the run's\n"
    "context (its meta.json) and, for every cell and repetition, the figures\n"
    "`wimm compare` judges. One file per testbed (machine, CPU count, kernel); an\n"
    "existing one is replaced. Nothing else writes a baseline. Commit the file.\n"
    "\n"
    "  --out DIR   results root (default ./results)\n"
    "  --force     accept a run that was interrupted or has failed cells\n"
    "  -h, --help  this help\n"
    "\n"
    "With fewer than 9 repetitions time cannot be tested against a baseline (wimm\n"
    "compare says inconclusive), and a single one shows no scatter of memory: make\n"
    "baselines with `wimm run -r 9`.\n"
    "\n"
    "`path` prints DIR/baseline/<testbed>.json for this machine's testbed, and exits\n"
    "0 when that file exists, 1 when it does not (yet).\n"
    "\n"
    "exit codes of update: 0 written; 2 bad usage, or the run cannot be read or is\n"
    "not fit to be a baseline (says why); 3 the baseline could not be written.\n";

/* `wimm baseline path`: where this machine's baseline is (or would be). */
static int path_of_this_testbed(int argc, char **argv)
{
	const char *out_root = "results";
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--out") && i + 1 < argc)
			out_root = argv[++i];
		else if (!strncmp(argv[i], "--out=", 6))
			out_root = argv[i] + 6;
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(help_text, stdout);
			return EXIT_OK;
		} else {
			log_error("baseline path: unexpected '%s'; see wimm baseline --help",
			          argv[i]);
			return EXIT_USAGE;
		}
	}
	char testbed[WIMM_TESTBED_MAX], path[PATH_MAX];
	struct stat st;
	if (baseline_path(out_root, sysinfo_testbed(testbed, sizeof(testbed)), path,
	                  sizeof(path))) {
		log_error("the baseline path under %s is too long", out_root);
		return EXIT_USAGE;
	}
	puts(path);
	if (stat(path, &st) == 0)
		return EXIT_OK;
	log_info("no baseline for testbed %s yet: make one with `wimm run -r 9 && wimm baseline "
	         "update --out %s`",
	         testbed, out_root);
	return 1;
}

static int update(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"out", required_argument, NULL, 'o'},
	    {"force", no_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	const char *out_root = "results";
	int force = 0, c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out_root = optarg;
			break;
		case 'f':
			force = 1;
			break;
		case 'h':
			fputs(help_text, stdout);
			return EXIT_OK;
		default:
			cmd_bad_option("baseline", longopts, "h", argv, optind, optopt);
			return EXIT_USAGE;
		}
	}
	if (argc - optind > 1) {
		log_error("expected at most one RUN_DIR; see wimm baseline --help");
		return EXIT_USAGE;
	}
	char run[PATH_MAX], err[PATH_MAX + 512], path[PATH_MAX];
	if (optind < argc)
		snprintf(run, sizeof(run), "%s", argv[optind]);
	else
		snprintf(run, sizeof(run), "%s/latest", out_root);

	struct rundir *d = NULL;
	int code = EXIT_USAGE;
	if (rundir_load(run, &d, err, sizeof(err))) {
		log_error("%s", err);
		return EXIT_USAGE;
	}
	int failed = 0;
	size_t cells = 0;
	int reps = 0;
	for (size_t i = 0; i < d->ngroups; i++) {
		failed += d->groups[i].reps_failed;
		cells += d->groups[i].ncells;
		if ((int)d->groups[i].ncells > reps)
			reps = (int)d->groups[i].ncells;
	}
	if (!strcmp(d->kind, "baseline"))
		log_info("%s is a baseline already: copying it under its testbed", run);
	if (!d->ngroups) {
		log_error("%s has no cells: nothing to make a baseline of", run);
		goto out;
	}
	if ((!d->complete || failed) && !force) {
		log_error("%s %s; a baseline should stand for its testbed: rerun, or pass "
		          "--force to use it anyway",
		          run,
		          !d->complete ? "was interrupted (not every cell ran)"
		                       : "has failed cells (see its cells.csv)");
		goto out;
	}
	if (!d->meta || !d->testbed[0]) {
		log_error("%s has no meta.json with a testbed: a baseline needs the run's context "
		          "(give the run directory)",
		          run);
		goto out;
	}
	if (baseline_path(out_root, d->testbed, path, sizeof(path))) {
		log_error("the baseline path under %s is too long", out_root);
		goto out;
	}
	struct stat st;
	int replaced = stat(path, &st) == 0;
	if (baseline_write(d, path, err, sizeof(err))) {
		log_error("%s", err);
		code = EXIT_IO;
		goto out;
	}
	printf("%s: baseline of run %s (%zu cells in %zu groups, %d rep%s) for testbed %s%s\n",
	       path, d->run_id, cells, d->ngroups, reps, reps == 1 ? "" : "s", d->testbed,
	       replaced ? ", replacing the previous one" : "");
	if (reps < 9)
		log_warn("%d repetition%s: time cannot be tested against this baseline (9 a side "
		         "needed)%s; `wimm run -r 9` makes one that can",
		         reps, reps == 1 ? "" : "s",
		         reps == 1 ? " and memory shows no scatter of its own" : "");
	code = EXIT_OK;
out:
	rundir_destroy(d);
	return code;
}

int cmd_baseline(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(help_text, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	if (!strcmp(argv[1], "update"))
		return update(argc - 1, argv + 1);
	if (!strcmp(argv[1], "path"))
		return path_of_this_testbed(argc - 1, argv + 1);
	log_error("unknown baseline command '%s'; the commands are `wimm baseline update` and "
	          "`wimm baseline path` (see wimm baseline --help)",
	          argv[1]);
	return EXIT_USAGE;
}
