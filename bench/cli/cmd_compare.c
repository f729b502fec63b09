/* cmd_compare.c - `wimm compare BASE NEW`: did NEW get worse than BASE?
 *
 * Reading and judging are compare.c's; this file is the command line, the
 * choice of a baseline by testbed when BASE is a directory of baselines,
 * and the exit code (0 nothing regressed, 1 a regression, 2 usage or I/O,
 * 3 not comparable).
 */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/regress/baseline.h"
#include "bench/cli/cmd.h"
#include "bench/regress/compare.h"
#include "common/fsutil.h"
#include "common/log.h"

static const char help_text[] =
    "usage: wimm compare [options] BASE NEW\n"
    "Compares run NEW with BASE cell by cell (workload, threads, allocator) and says\n"
    "which metric got worse. BASE and NEW are run directories (results/runs/<id>,\n"
    "results/latest), summary.json files or baseline files; BASE may also be a\n"
    "directory of baselines (results/baseline): the one of NEW's testbed is used.\n"
    "\n"
    "Memory (peak RSS, RSS / heap, RSS after idle): medians over repetitions, worse\n"
    "beyond a threshold and a floor and beyond the repetitions' own scatter. Time:\n"
    "the ratio to glibc in the same run and repetition, worse beyond a threshold when\n"
    "a Mann-Whitney U test agrees; inconclusive with fewer than 9 reps a side.\n"
    "\n"
    "  --threshold LIST   METRIC=PCT,... (default peak_rss=5%,blowup=5%,idle_rss=5%,\n"
    "                     time=25%); METRIC also rss (both RSS), memory, all\n"
    "  --floor LIST       smallest change flagged (default peak_rss=1MiB,idle_rss=1MiB,\n"
    "                     blowup=0.02)\n"
    "  --alpha P          significance level of the U test (default 0.01)\n"
    "  --min-reps N       repetitions a side the tests need (default 9)\n"
    "  --map OLD=NEW      compare BASE's allocator OLD with NEW's allocator NEW\n"
    "  --force            compare runs from different testbeds (exit 0 or 1, not 3)\n"
    "  --partial          NEW may lack cells or figures BASE has (one preset against\n"
    "                     a full baseline, an interrupted run): judge what both have\n"
    "  --markdown[=FILE]  Markdown on stdout instead of the text, or also into FILE\n"
    "  --json[=FILE]      every verdict as JSON on stdout, or also into FILE\n"
    "  --export-gab FILE  NEW's figures for github-action-benchmark\n"
    "                     (customSmallerIsBetter; - for stdout)\n"
    "  -h, --help         this help\n"
    "\n"
    "exit codes: 0 nothing regressed; 1 a regression (a metric worse, or a cell that\n"
    "failed in every NEW repetition); 2 bad usage, or input that cannot be read or is\n"
    "damaged (says which file and field); 3 not comparable (CPU count, kernel or an\n"
    "allocator's version differ: says which), or an output could not be written;\n"
    "4 incomplete: nothing compared, or (without --partial) NEW was interrupted or\n"
    "lacks cells or figures BASE has, which therefore were not judged.\n";

enum {
	O_THRESHOLD = 256,
	O_FLOOR,
	O_ALPHA,
	O_MIN_REPS,
	O_MAP,
	O_FORCE,
	O_PARTIAL,
	O_MARKDOWN,
	O_JSON,
	O_GAB,
};

struct output {
	const char *markdown, *json, *gab; /* "" = stdout, NULL = none */
};

/* BASE given as a directory of baselines: the file of NEW's testbed. */
static int pick_baseline(const char *dir, const struct rundir *now, char *out, size_t len)
{
	char summary[PATH_MAX + 16];
	struct stat st;
	snprintf(summary, sizeof(summary), "%s/summary.json", dir);
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || stat(summary, &st) == 0) {
		snprintf(out, len, "%s", dir);
		return 0;
	}
	if (!now->testbed[0]) {
		log_error("%s is a directory of baselines, but NEW has no testbed (no meta.json): "
		          "give the baseline file",
		          dir);
		return -EINVAL;
	}
	char path[PATH_MAX];
	if (snprintf(path, sizeof(path), "%s/%s.json", dir, now->testbed) >= (int)sizeof(path) ||
	    stat(path, &st) < 0) {
		log_error("no baseline for testbed %s in %s; make one from a run on this testbed "
		          "with `wimm baseline update RUN_DIR`",
		          now->testbed, dir);
		return -ENOENT;
	}
	snprintf(out, len, "%s", path);
	return 0;
}

static int write_json_out(const char *file, struct json_object *o)
{
	if (!o) {
		log_error("out of memory");
		return -ENOMEM;
	}
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
	                                                      JSON_C_TO_STRING_NOSLASHESCAPE);
	int rc = 0;
	if (!*file || !strcmp(file, "-"))
		printf("%s\n", s);
	else {
		char *text;
		if (asprintf(&text, "%s\n", s) < 0)
			rc = -ENOMEM;
		else {
			rc = fsutil_write(file, text, strlen(text));
			free(text);
		}
		if (rc)
			log_error("cannot write %s: %s", file, strerror(-rc));
	}
	json_object_put(o);
	return rc;
}

static int write_markdown(const char *file, const struct compare_report *r)
{
	if (!*file) {
		compare_print_markdown(stdout, r);
		return 0;
	}
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f) {
		log_error("out of memory");
		return -ENOMEM;
	}
	compare_print_markdown(f, r);
	fclose(f);
	int rc = fsutil_write(file, text, len);
	if (rc)
		log_error("cannot write %s: %s", file, strerror(-rc));
	free(text);
	return rc;
}

static int parse(int argc, char **argv, struct compare_opts *o, struct output *out, int *first)
{
	static const struct option longopts[] = {
	    {"threshold", required_argument, NULL, O_THRESHOLD},
	    {"floor", required_argument, NULL, O_FLOOR},
	    {"alpha", required_argument, NULL, O_ALPHA},
	    {"min-reps", required_argument, NULL, O_MIN_REPS},
	    {"map", required_argument, NULL, O_MAP},
	    {"force", no_argument, NULL, O_FORCE},
	    {"partial", no_argument, NULL, O_PARTIAL},
	    {"markdown", optional_argument, NULL, O_MARKDOWN},
	    {"json", optional_argument, NULL, O_JSON},
	    {"export-gab", required_argument, NULL, O_GAB},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	char err[512], *end;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(help_text, stdout);
			return 1;
		case O_THRESHOLD:
			if (compare_parse_thresholds(o, optarg, err, sizeof(err)))
				goto bad;
			break;
		case O_FLOOR:
			if (compare_parse_floors(o, optarg, err, sizeof(err)))
				goto bad;
			break;
		case O_MAP:
			if (compare_parse_map(o, optarg, err, sizeof(err)))
				goto bad;
			break;
		case O_ALPHA:
			o->alpha = strtod(optarg, &end);
			if (*end || !(o->alpha > 0 && o->alpha < 1)) {
				log_error(
				    "--alpha %s: expected a probability between 0 and 1, e.g. "
				    "0.01",
				    optarg);
				return -1;
			}
			break;
		case O_MIN_REPS:
			o->min_reps = (int)strtol(optarg, &end, 10);
			if (*end || o->min_reps < 2 || o->min_reps > 1000) {
				log_error("--min-reps %s: expected a whole number from 2 to 1000",
				          optarg);
				return -1;
			}
			break;
		case O_FORCE:
			o->force = 1;
			break;
		case O_PARTIAL:
			o->partial = 1;
			break;
		case O_MARKDOWN:
			out->markdown = optarg ? optarg : "";
			break;
		case O_JSON:
			out->json = optarg ? optarg : "";
			break;
		case O_GAB:
			out->gab = optarg;
			break;
		default:
			cmd_bad_option("compare", longopts, "h", argv, optind, optopt);
			return -1;
		}
	}
	if (argc - optind != 2) {
		log_error("expected BASE and NEW (got %d argument%s); see wimm compare --help",
		          argc - optind, argc - optind == 1 ? "" : "s");
		return -1;
	}
	int on_stdout = (out->markdown && !*out->markdown) + (out->json && !*out->json) +
	                (out->gab && !strcmp(out->gab, "-"));
	if (on_stdout > 1) {
		log_error("--markdown, --json and --export-gab - all want stdout: give all but "
		          "one a FILE (--json=FILE)");
		return -1;
	}
	/* The smallest two-sided p of n vs n repetitions is 2 / C(2n, n). */
	double best = 2;
	for (int k = 1; k <= o->min_reps; k++)
		best = best * k / (o->min_reps + k);
	if (best >= o->alpha)
		log_warn("with %d repetitions a side no difference can reach p < %g (the smallest "
		         "possible p is %.2g): the tests will never flag; raise --min-reps",
		         o->min_reps, o->alpha, best);
	*first = optind;
	return 0;
bad:
	log_error("%s", err);
	return -1;
}

int cmd_compare(int argc, char **argv)
{
	struct compare_opts o;
	struct output out = {0};
	struct rundir *base = NULL, *now = NULL;
	struct compare_report *r = NULL;
	char err[PATH_MAX + 512], base_path[PATH_MAX];
	int first, code = EXIT_USAGE;

	compare_opts_init(&o);
	int rc = parse(argc, argv, &o, &out, &first);
	if (rc)
		return rc > 0 ? EXIT_OK : EXIT_USAGE;
	if (rundir_load(argv[first + 1], &now, err, sizeof(err))) {
		log_error("NEW: %s", err);
		goto out;
	}
	if (pick_baseline(argv[first], now, base_path, sizeof(base_path)))
		goto out;
	if (rundir_load(base_path, &base, err, sizeof(err))) {
		log_error("BASE: %s", err);
		goto out;
	}
	if (compare_check_map(&o, base, now, err, sizeof(err))) {
		log_error("%s", err);
		goto out;
	}
	if (compare_runs(base, now, &o, &r)) {
		log_error("out of memory");
		goto out;
	}
	code = compare_exit_code(r);
	if (r->nmismatch && !o.force) {
		log_error("not comparable: %s and %s come from different testbeds:", base_path,
		          argv[first + 1]);
		for (int i = 0; i < r->nmismatch; i++)
			fprintf(stderr, "  %s\n", r->mismatch[i]);
		fprintf(stderr, "compare anyway with --force, or compare with a baseline made on "
		                "NEW's testbed (wimm baseline update)\n");
		goto out;
	}
	if (!base->complete)
		log_warn("BASE was interrupted: only its finished cells are compared");
	int stdout_taken = (out.markdown && !*out.markdown) || (out.json && !*out.json) ||
	                   (out.gab && !strcmp(out.gab, "-"));
	if (!stdout_taken)
		compare_print_text(stdout, r, log_colour_ok(STDOUT_FILENO));
	/* Each output the user asked for, even when another failed. */
	int failed = 0;
	if (out.markdown)
		failed |= write_markdown(out.markdown, r) != 0;
	if (out.json)
		failed |= write_json_out(out.json, compare_json(r)) != 0;
	if (out.gab)
		failed |= write_json_out(out.gab, compare_gab(r)) != 0;
	if (failed)
		code = EXIT_IO;
	if (code == COMPARE_EXIT_INCOMPLETE) {
		char why[256];
		compare_incomplete(r, why, sizeof(why));
		if (r->ncompared == 0)
			log_error(
			    "no cell was compared: NEW and BASE have no cell (workload, threads, "
			    "allocator) in common%s%s; nothing was judged, so this is no pass",
			    why[0] ? ", and " : "", why);
		else
			log_error("incomplete: %s; those were not judged, so this is no pass (exit "
			          "4). --partial judges only what both runs have",
			          why);
	} else if (code == COMPARE_EXIT_WORSE) {
		log_error("%d cell%s regressed (see above)", r->nworse, r->nworse == 1 ? "" : "s");
	}
out:
	compare_report_destroy(r);
	rundir_destroy(base);
	rundir_destroy(now);
	return code;
}
