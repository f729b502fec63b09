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
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "bench/report/plot_style.h"
#include "bench/report/table.h"
#include "common/log.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The figures and both reports of rv; says where they are, or why not. */
static int draw_and_write(const struct rundir *rv, enum plot_x x, struct plot_outcome *po,
                          double t0)
{
	if (plot_run(rv, x, po))
		log_warn("the figures could not be written; the report goes without them");
	int rc_md = report_write_md(rv, po), rc_html = report_write_html(rv, po);
	int rc = rc_md ? rc_md : rc_html;
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
	return rc;
}

/* Words wrapped at width (0: 80) after indent, the first line after lead. */
static void print_wrapped(FILE *out, const char *lead, const char *s, int indent, int width)
{
	int col = fprintf(out, "%*s%s", indent, "", lead);
	if (width <= 0 || width > 100)
		width = width <= 0 ? 80 : 100;
	while (*s) {
		size_t len = strcspn(s, " ");
		/* A command in backticks is one word: copied from the terminal, it
		 * must not hold a line break. */
		if (*s == '`' && strchr(s + 1, '`'))
			len = (size_t)(strchr(s + 1, '`') - s) + 1 +
			      strcspn(strchr(s + 1, '`') + 1, " ");
		if (col > indent + 2 && col + 1 + (int)len > width) {
			col = fprintf(out, "\n%*s", indent + 2, "") - 1;
		} else if (col > indent + 2) {
			fputc(' ', out);
			col++;
		}
		col += fprintf(out, "%.*s", (int)len, s);
		s += len + strspn(s + len, " ");
	}
	fputc('\n', out);
}

typedef int (*sentences_fn)(const struct rundir *, const char *, char (*)[REPORT_SENTENCE_MAX],
                            int);

/* One list a workload: the workloads of the blocks, since a `wimm exec`
 * run lists none in meta.json. */
static void print_section(FILE *out, const struct rundir *rv, int width, sentences_fn fn,
                          const char *head, int max, char (*s)[REPORT_SENTENCE_MAX])
{
	for (size_t i = 0; i < rv->nblocks; i++) {
		const char *w = rv->blocks[i].workload;
		if (i && !strcmp(w, rv->blocks[i - 1].workload))
			continue;
		int n = fn(rv, w, s, REPORT_MAX_FINDINGS);
		if (n)
			fprintf(out, "%s%s:\n", head, w);
		/* The measured fixes first: what the run can vouch for. */
		for (int pass = 0, shown = 0; pass < 2; pass++)
			for (int k = 0; k < n; k++) {
				bool fixed = strstr(s[k], "Measured fix:") != NULL;
				if (fixed != (pass == 0))
					continue;
				if (shown++ < max)
					print_wrapped(out, "- ", s[k], 2, width);
			}
		if (n > max)
			fprintf(out, "  (%d more in %s/report.md)\n", n - max, rv->dir);
		if (n)
			fputc('\n', out);
	}
}

void report_print_findings(FILE *out, const struct rundir *rv, int width)
{
	char(*s)[REPORT_SENTENCE_MAX] = calloc(REPORT_MAX_FINDINGS, sizeof(*s));
	if (!s)
		return;
	print_section(out, rv, width, report_findings, "", REPORT_MAX_FINDINGS, s);
	/* Advice last: what the user reads when the run ends; all of it is
	 * in the report. */
	print_section(out, rv, width, report_advice, "advice, ", REPORT_TERMINAL_ADVICE, s);
	free(s);
}

static int finish(const char *run_dir, bool draw, enum plot_x x, FILE *out,
                  struct plot_outcome *po);

int report_run(const char *run_dir, enum plot_x x, struct plot_outcome *po)
{
	return finish(run_dir, true, x, NULL, po);
}

int report_finish(const char *run_dir, bool draw, FILE *out)
{
	return finish(run_dir, draw, PLOT_X_TIME, out, NULL);
}

static int finish(const char *run_dir, bool draw, enum plot_x x, FILE *out, struct plot_outcome *po)
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
	if (draw)
		rc = draw_and_write(rv, x, po, t0);
	if (out) {
		int width = table_width(out);
		table_print(out, rv, width);
		report_print_findings(out, rv, width);
	}
	rundir_destroy(rv);
	return rc;
}
