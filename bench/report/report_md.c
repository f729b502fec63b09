/* report_md.c - report.md: the run's context, the summary figure, and per
 * workload its findings, tables and figures, in Markdown (see report.h).
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench/report/plot_sweep.h"
#include "bench/report/report.h"
#include "bench/report/table.h"
#include "common/fsutil.h"
#include "common/log.h"

/* The first paragraph of a workload's description, on one line. */
static void first_paragraph(const char *d, char *buf, size_t len)
{
	size_t n = 0;
	for (const char *p = d; *p && n + 1 < len; p++) {
		if (p[0] == '\n' && p[1] == '\n')
			break;
		buf[n++] = *p == '\n' ? ' ' : *p;
	}
	while (n && buf[n - 1] == ' ')
		n--;
	buf[n] = '\0';
}

static const char *description(const struct rundir *rv, const char *w)
{
	for (int i = 0; i < rv->nworkloads; i++)
		if (!strcmp(rv->workloads[i].name, w))
			return rv->workloads[i].description;
	return "";
}

/* Markdown table cells: a '|' would end the cell. */
static void md_cell(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", f);
		else if (*s == '\n')
			fputc(' ', f);
		else
			fputc(*s, f);
	}
}

static void md_figure(FILE *f, const struct rundir *rv, const char *name, const char *alt)
{
	int state = report_figure_state(rv, name);
	if (state == 0)
		return; /* nothing to draw: no cell recorded a series */
	if (state == 2)
		fprintf(f, "![%s](plots/%s.png)\n\n[SVG](plots/%s.svg)\n\n", alt, name, name);
	else
		fprintf(f, "_Figure not rendered: plots/%s.vars holds its data; see above._\n\n",
		        name);
}

static void md_context(FILE *f, const struct rundir *rv, const struct plot_outcome *po)
{
	fprintf(f, "# wimm report: run %s\n\n", rv->run_id);
	fprintf(f, "- started %s with wimm %s: `", rv->started_utc, rv->wimm_version);
	md_cell(f, rv->command_line);
	fprintf(f, "`\n- host %s\n", rv->host);
	fprintf(f, "- %d repetition%s of every cell, sampled every %g ms; cell order seed %llu\n",
	        rv->reps > 0 ? rv->reps : 1, rv->reps > 1 ? "s" : "", rv->interval_s * 1000,
	        rv->seed);
	if (rv->env_removed[0])
		fprintf(f, "- removed from each measured child's environment: %s\n",
		        rv->env_removed);
	if (rv->complete)
		fprintf(f, "- complete: %zu cells", rv->ncells);
	else if (rv->cells_not_run > 0)
		fprintf(f, "- INCOMPLETE: %zu cells ran, %d were not run (interrupted)", rv->ncells,
		        rv->cells_not_run);
	else
		fprintf(f, "- %zu cells (the run had not finished when this was written)",
		        rv->ncells);
	if (rv->failed_cells)
		fprintf(f, ", %d failed (see the tables and cells.csv)", rv->failed_cells);
	fputs("\n\n", f);
	if (po && !po->gnuplot_found)
		fprintf(f,
		        "_The figures were not rendered: gnuplot was not found. Their data and "
		        "scripts are in plots/; install gnuplot (Debian: `apt-get install "
		        "gnuplot-nox`), then run `wimm plot %s` or `sh plots/render.sh`._\n\n",
		        rv->dir);
	fputs("## Allocators\n\n| allocator | version | library | tunables | note |\n"
	      "|---|---|---|---|---|\n",
	      f);
	for (int a = 0; a < rv->nallocs; a++) {
		const struct rundir_alloc *al = &rv->allocs[a];
		const char *cols[] = {al->name, al->version[0] ? al->version : "?",
		                      al->library[0] ? al->library : "(system malloc)",
		                      al->env[0] ? al->env : "-", al->note};
		for (int c = 0; c < 5; c++) {
			fputs(c ? " | " : "| ", f);
			md_cell(f, cols[c]);
		}
		fputs(" |\n", f);
	}
	fputc('\n', f);
}

/* The block's table, or with phases its table of phases (none when the
 * block had no phases), under heading when given. */
static void md_table(FILE *f, const struct rundir *rv, const struct rundir_block *b, int phases,
                     const char *heading)
{
	struct table t;
	char label[160];
	if (report_block_table(rv, b, phases, heading, &t, label, sizeof(label)))
		return;
	fputs("| ", f);
	md_cell(f, label);
	for (int a = 0; a < t.ncols; a++) {
		fputs(" | ", f);
		md_cell(f, rv->allocs[a].name);
	}
	fputs(" |\n|---", f);
	for (int a = 0; a < t.ncols; a++)
		fputs("|---:", f);
	fputs("|\n", f);
	for (int r = 0; r < t.nrows; r++) {
		fprintf(f, "| %s", t.label[r] + strspn(t.label[r], " "));
		for (int a = 0; a < t.ncols; a++)
			fprintf(f, " | %s", t.cell[r * t.ncols + a]);
		fputs(" |\n", f);
	}
	fputc('\n', f);
	if (t.note[0])
		fprintf(f, "_(%s)_\n\n", t.note);
	table_free(&t);
}

int report_write_md(const struct rundir *rv, const struct plot_outcome *po)
{
	char *text = NULL, path[PATH_MAX], para[2048], name[160], label[160];
	char(*s)[REPORT_SENTENCE_MAX] = calloc(REPORT_MAX_FINDINGS, sizeof(*s));
	size_t len = 0;
	FILE *f = s ? open_memstream(&text, &len) : NULL;
	int rc;
	if (!f) {
		free(s);
		log_error("out of memory writing %s/report.md", rv->dir);
		return -ENOMEM;
	}
	md_context(f, rv, po);
	if (report_figure_state(rv, PLOT_SUMMARY)) { /* none when every cell failed */
		fprintf(f,
		        "## At a glance\n\nEach allocator's figures in their own unit; above each "
		        "bar its ratio to %s's at the same workload and thread count (arena "
		        "counts: the count).\n\n",
		        rv->allocs[rv->ref].name);
		md_figure(f, rv, PLOT_SUMMARY, "summary: every workload, allocators side by side");
	}
	for (size_t i = 0; i < rv->nblocks; i++) {
		const struct rundir_block *b = &rv->blocks[i];
		if (i == 0 || strcmp(b->workload, rv->blocks[i - 1].workload)) {
			fprintf(f, "## %s\n\n", b->workload);
			first_paragraph(description(rv, b->workload), para, sizeof(para));
			if (para[0])
				fprintf(f, "> %s\n\n", para);
			int n = report_findings(rv, b->workload, s, REPORT_MAX_FINDINGS);
			for (int k = 0; k < n; k++)
				fprintf(f, "- %s\n", s[k]);
			if (n)
				fputc('\n', f);
			n = report_advice(rv, b->workload, s, REPORT_MAX_FINDINGS);
			fputs(n ? "**Advice**\n\n" : "", f);
			for (int k = 0; k < n; k++)
				fprintf(f, "- %s\n", s[k]);
			if (n)
				fputc('\n', f);
		}
		rundir_block_label(b, label, sizeof(label));
		fprintf(f, "### %s\n\n", label);
		md_table(f, rv, b, 0, NULL);
		md_table(f, rv, b, 1, "phase");
		plot_block_figure(b, name, sizeof(name));
		md_figure(f, rv, name, label);
		for (int k = 0; k < rv->nsweeps; k++) {
			char alt[300];
			plot_sweep_figure(b, &rv->sweeps[k], name, sizeof(name));
			snprintf(alt, sizeof(alt), "%s against %s", label, rv->sweeps[k].setting);
			md_figure(f, rv, name, alt);
		}
		char alt[200];
		plot_block_where(b, name, sizeof(name));
		snprintf(alt, sizeof(alt), "%s: where is my memory", label);
		md_figure(f, rv, name, alt);
	}
	free(s);
	if (fclose(f)) {
		free(text);
		return -ENOMEM;
	}
	rc = snprintf(path, sizeof(path), "%s/report.md", rv->dir) >= (int)sizeof(path)
	         ? -ENAMETOOLONG
	         : fsutil_write(path, text, len);
	if (rc)
		log_error("cannot write %s: %s", path, strerror(-rc));
	free(text);
	return rc;
}
