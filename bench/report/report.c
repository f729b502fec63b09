/* report.c - the end of a run: figures, report.md, report.html (see
 * report.h).
 *
 * Called after the results are final; everything here is a warning when it
 * fails, because the results are already safe on disk and `wimm plot`
 * can always make the figures and reports again from them.
 */
#include "bench/report/report.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "bench/report/plot_style.h"
#include "common/log.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int report_run(const char *run_dir, struct plot_outcome *po)
{
	double t0 = now_s();
	struct rundir *rv = NULL;
	struct plot_outcome local;
	struct stat st;
	char err[4400];
	int rc;
	if (!po)
		po = &local;
	*po = (struct plot_outcome){0};
	/* The figures need the series: a run directory, not a summary. */
	if (stat(run_dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		log_error("%s is not a directory: give a run directory (results/runs/<id> or "
		          "results/latest)",
		          run_dir);
		return -ENOENT;
	}
	if ((rc = rundir_load(run_dir, &rv, err, sizeof(err)))) {
		log_error("%s", err);
		return rc;
	}
	plot_style(rv->allocs, rv->nallocs);
	if (plot_run(rv, po))
		log_warn("the figures could not be written; the report goes without them");
	int rc_md = report_write_md(rv, po), rc_html = report_write_html(rv, po);
	rc = rc_md ? rc_md : rc_html;
	if (!po->gnuplot_found && po->figures)
		log_warn("gnuplot not found: the figures were not rendered. Their data and scripts "
		         "are in %s/plots; install gnuplot (Debian: apt-get install gnuplot-nox), "
		         "then run `wimm plot %s` (or sh %s/plots/render.sh)",
		         rv->dir, rv->dir, rv->dir);
	else if (po->rendered < po->figures)
		log_warn("%d of %d figures could not be rendered (see %s/plots/gnuplot.log)",
		         po->figures - po->rendered, po->figures, rv->dir);
	po->seconds = now_s() - t0; /* the whole step, not only gnuplot's part */
	if (rc == 0)
		log_info("report: %s/report.html (%d figure%s, %.1f s)", rv->dir, po->rendered,
		         po->rendered == 1 ? "" : "s", po->seconds);
	rundir_destroy(rv);
	return rc;
}
