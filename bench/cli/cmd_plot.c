/* cmd_plot.c - `wimm plot`: a run's figures and reports made again from
 * its saved data, or the history of every metric over the runs. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "bench/cli/cmd.h"
#include "common/log.h"
#include "bench/report/plot.h"
#include "bench/report/plot_sweep.h"
#include "bench/report/report.h"
#include "bench/results/rundir.h"

static const char usage[] =
    "usage: wimm plot [--against time|work] [RUN_DIR]\n"
    "       wimm plot --history [RESULTS_DIR]\n"
    "Draws a run's figures again from its saved data (RUN_DIR/plots/*.png and\n"
    "*.svg) and rewrites RUN_DIR/report.md and report.html; RUN_DIR defaults to\n"
    "results/latest. With --history, draws each metric over the runs recorded in\n"
    "RESULTS_DIR/history/<testbed>.csv (default: results) into\n"
    "RESULTS_DIR/history/plots/.\n"
    "\n"
    "      --against WHAT      the memory figures against time (default) or work\n"
    "                          done (operations: allocators align in the overlay)\n"
    "      --history           plot the history instead of one run\n"
    "  -h, --help              this help\n"
    "\n"
    "Needs gnuplot in PATH (Debian: apt-get install gnuplot-nox); without it the\n"
    "data and scripts are still written (plots/render.sh draws them later).\n"
    "Prints the files written on stdout. Exit: 0 done, 2 bad usage or not a run\n"
    "directory (or no history), 3 figures or reports could not be written\n"
    "(gnuplot missing or failing included).\n";

/* Every figure that was rendered, one path a line. */
static void print_figures(const char *dir)
{
	struct rundir *d = NULL;
	char err[256], name[160], path[PATH_MAX];
	struct stat st;
	if (rundir_load(dir, &d, err, sizeof(err)))
		return;
	snprintf(path, sizeof(path), "%s/plots/%s.png", dir, PLOT_SUMMARY);
	if (stat(path, &st) == 0)
		printf("%s\n", path);
	for (size_t i = 0; i < d->nblocks; i++) {
		plot_block_figure(&d->blocks[i], name, sizeof(name));
		snprintf(path, sizeof(path), "%s/plots/%s.png", dir, name);
		if (stat(path, &st) == 0)
			printf("%s\n", path);
		for (int k = 0; k < d->nsweeps; k++) {
			plot_sweep_figure(&d->blocks[i], &d->sweeps[k], name, sizeof(name));
			snprintf(path, sizeof(path), "%s/plots/%s.png", dir, name);
			if (stat(path, &st) == 0)
				printf("%s\n", path);
		}
	}
	rundir_destroy(d);
}

static int plot_one_run(const char *dir, enum plot_x x)
{
	struct plot_outcome po;
	int rc = report_run(dir, x, &po);
	if (rc == -ENOENT || rc == -EINVAL || rc == -ENOTDIR)
		return EXIT_USAGE; /* not a run directory: said why */
	if (rc)
		return EXIT_IO;
	printf("%s/report.html\n%s/report.md\n", dir, dir);
	print_figures(dir);
	/* report_run said why a figure is missing (gnuplot absent or failing). */
	return po.rendered == po.figures ? EXIT_OK : EXIT_IO;
}

static int plot_history_cmd(const char *results)
{
	struct plot_outcome po;
	int rc = plot_history(results, &po);
	if (rc == -ENOENT || rc == -EINVAL)
		return EXIT_USAGE;
	if (rc)
		return EXIT_IO;
	if (!po.gnuplot_found) {
		log_warn("gnuplot not found: the history's data and scripts are in "
		         "%s/history/plots; install gnuplot (Debian: apt-get install gnuplot-nox) "
		         "and run this again (or sh %s/history/plots/render.sh)",
		         results, results);
		return EXIT_IO;
	}
	printf("%s/history/plots\n", results);
	log_info("history: %d figure%s in %s/history/plots (%.1f s)", po.rendered,
	         po.rendered == 1 ? "" : "s", results, po.seconds);
	return po.rendered == po.figures ? EXIT_OK : EXIT_IO;
}

int cmd_plot(int argc, char **argv)
{
	enum { O_HISTORY = 256, O_AGAINST };
	static const struct option longopts[] = {
	    {"history", no_argument, NULL, O_HISTORY},
	    {"against", required_argument, NULL, O_AGAINST},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	int history = 0, c;
	enum plot_x x = PLOT_X_TIME;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case O_HISTORY:
			history = 1;
			break;
		case O_AGAINST:
			if (!strcmp(optarg, "work") || !strcmp(optarg, "time")) {
				x = strcmp(optarg, "work") ? PLOT_X_TIME : PLOT_X_WORK;
				break;
			}
			log_error("--against %s: expected time or work", optarg);
			return EXIT_USAGE;
		case 'h':
			fputs(usage, stdout);
			return EXIT_OK;
		default:
			cmd_bad_option("plot", longopts, "h", argv, optind, optopt);
			return EXIT_USAGE;
		}
	}
	if (argc - optind > 1) {
		log_error("wimm plot takes one directory; see `wimm plot --help`");
		return EXIT_USAGE;
	}
	const char *arg = optind < argc ? argv[optind] : NULL;
	if (history)
		return plot_history_cmd(arg ? arg : "results");
	return plot_one_run(arg ? arg : "results/latest", x);
}
