/* plot.c - a run's figures (see plot.h): the summary and one memory
 * figure per block, written by plot_summary.c and plot_memory.c, rendered
 * by plot_gp.c.
 */
#include "bench/report/plot.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bench/report/plot_gp.h"
#include "bench/report/plot_memory.h"
#include "bench/report/plot_summary.h"
#include "bench/report/plot_sweep.h"
#include "bench/report/plot_tree.h"
#include "common/fsutil.h"
#include "common/log.h"

void plot_block_figure(const struct rundir_block *b, char *buf, size_t len)
{
	char stem[128];
	rundir_block_stem(b, stem, sizeof(stem));
	snprintf(buf, len, "%s-memory", stem);
}

void plot_block_where(const struct rundir_block *b, char *buf, size_t len)
{
	char stem[128];
	rundir_block_stem(b, stem, sizeof(stem));
	snprintf(buf, len, "%s-where", stem);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int plot_run(const struct rundir *rv, enum plot_x x, struct plot_outcome *out)
{
	static const char *const scripts[] = {"memory.gp", "summary.gp", "sweep.gp",
	                                      "tree.gp",   "where.gp",   NULL};
	struct plot_jobs jobs = {0};
	char dir[PATH_MAX];
	double t0 = now_s();
	int rc;
	*out = (struct plot_outcome){0};
	if (snprintf(dir, sizeof(dir), "%s/plots", rv->dir) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	if ((rc = fsutil_mkdirs(dir))) {
		log_error("cannot create %s: %s", dir, strerror(-rc));
		return rc;
	}
	if ((rc = plot_copy_scripts(dir, scripts)) || (rc = plot_summary_write(rv, dir, &jobs)) ||
	    (rc = plot_memory_write(rv, dir, x, &jobs)) ||
	    (rc = plot_sweep_write(rv, dir, &jobs)) ||
	    (rc = plot_tree_write(rv->dir, dir, &jobs)) || (rc = plot_render(dir, &jobs, out)))
		goto out;
out:
	plot_jobs_free(&jobs);
	out->seconds = now_s() - t0;
	return rc;
}
