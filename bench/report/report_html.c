/* report_html.c - report.html: report.md's content as one self-contained
 * page, readable offline.
 *
 * The figures are inlined as SVG, not linked: the page is one file that can
 * be mailed or attached to an issue. gnuplot's SVGs all use the same ids
 * (gpDot, gpPt0, gnuplot_canvas, ...), which must be unique in one page, so
 * each figure's ids and references to them get a prefix of their own. No
 * script: every text that comes from a file or a command line is escaped.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "common/fsutil.h"
#include "common/log.h"
#include "bench/report/plot_sweep.h"
#include "bench/report/report.h"
#include "bench/report/table.h"

static const char style[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
    "max-width:1560px;margin:1.5em auto;padding:0 1em;color:#222;background:#fff;"
    "line-height:1.45}\n"
    "h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ddd}\n"
    "table{border-collapse:collapse;margin:.8em 0;font-size:.92em}\n"
    "th,td{border:1px solid #d0d0d0;padding:.25em .6em;vertical-align:top}\n"
    "td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "th{background:#f4f4f4;text-align:left}\n"
    ".sw{display:inline-block;width:.9em;height:.9em;border-radius:2px;"
    "margin-right:.35em;vertical-align:-.1em}\n"
    "figure{margin:1em 0}figure svg{width:100%;height:auto;display:block}\n"
    "figcaption{color:#555;font-size:.9em}\n"
    "blockquote{color:#444;border-left:3px solid #ccc;margin:0;padding:.1em 1em}\n"
    ".missing{background:#fff4e0;padding:.6em 1em;border:1px solid #f0c36d}\n"
    "code{background:#f4f4f4;padding:0 .2em}\n"
    "p.note{color:#555;font-size:.88em;margin-top:-.4em}\n";

void report_html_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

/* Copies gnuplot's SVG from its <svg> element on, giving its ids (and the
 * references to them) the prefix, and its <title> the figure's caption. */
static int inline_svg(FILE *f, const char *path, const char *prefix, const char *caption)
{
	static const char *const marks[] = {"id='", "id=\"", "href='#", "href=\"#", "url(#"};
	size_t len;
	char *svg = NULL, *p;
	/* gnuplot's figures are a few MiB; the file may be anything. */
	if (fsutil_read(path, (size_t)64 << 20, &svg, &len) || !(p = strstr(svg, "<svg"))) {
		free(svg);
		return -ENOENT;
	}
	while (*p) {
		if (!strncmp(p, "<title>Gnuplot</title>", 23)) {
			fputs("<title>", f);
			report_html_text(f, caption);
			fputs("</title>", f);
			p += 23;
			continue;
		}
		size_t k, n = 0;
		for (k = 0; k < sizeof(marks) / sizeof(marks[0]); k++)
			if (!strncmp(p, marks[k], n = strlen(marks[k])))
				break;
		if (k < sizeof(marks) / sizeof(marks[0])) {
			fwrite(p, 1, n, f);
			fputs(prefix, f);
			p += n;
		} else {
			fputc(*p++, f);
		}
	}
	free(svg);
	return 0;
}

static void figure(FILE *f, const struct rundir *rv, const char *name, const char *caption,
                   int index)
{
	char path[PATH_MAX], prefix[32];
	if (report_figure_state(rv, name) == 0)
		return; /* nothing to draw: no cell recorded a series */
	if (snprintf(path, sizeof(path), "%s/plots/%s.svg", rv->dir, name) >= (int)sizeof(path))
		path[0] = '\0'; /* too long to exist: drawn as not rendered */
	snprintf(prefix, sizeof(prefix), "f%d-", index);
	fprintf(f, "<figure id=\"fig-");
	report_html_text(f, name);
	fputs("\" class=\"wimm-figure\">\n", f);
	if (inline_svg(f, path, prefix, caption)) {
		fputs("<p class=\"missing\">Figure not rendered: its data and script are in plots/",
		      f);
		report_html_text(f, name);
		fputs(
		    ".vars; run <code>wimm plot</code> on this run once gnuplot is installed.</p>",
		    f);
	}
	fputs("\n<figcaption>", f);
	report_html_text(f, caption);
	fputs(" (<a href=\"plots/", f);
	report_html_text(f, name);
	fputs(".png\">PNG</a>, <a href=\"plots/", f);
	report_html_text(f, name);
	fputs(".svg\">SVG</a>)</figcaption>\n</figure>\n", f);
}

static void swatch(FILE *f, const struct rundir_alloc *a)
{
	/* The colour was checked to be "#rrggbb" (on read). */
	fprintf(f, "<span class=\"sw\" style=\"background:%s\"></span>", a->colour);
	report_html_text(f, a->name);
}

static void context(FILE *f, const struct rundir *rv, const struct plot_outcome *po)
{
	fputs("<h1>wimm report: run ", f);
	report_html_text(f, rv->run_id);
	fputs("</h1>\n<ul>\n<li>started ", f);
	report_html_text(f, rv->started_utc);
	fputs(" with wimm ", f);
	report_html_text(f, rv->wimm_version);
	fputs(": <code>", f);
	report_html_text(f, rv->command_line);
	fputs("</code></li>\n<li>host ", f);
	report_html_text(f, rv->host);
	fprintf(f,
	        "</li>\n<li>%d repetition%s of every cell, sampled every %g ms; cell order "
	        "seed %llu</li>\n",
	        rv->reps > 0 ? rv->reps : 1, rv->reps > 1 ? "s" : "", rv->interval_s * 1000,
	        rv->seed);
	if (rv->env_removed[0]) {
		fputs("<li>removed from each measured child's environment: ", f);
		report_html_text(f, rv->env_removed);
		fputs("</li>\n", f);
	}
	if (rv->complete)
		fprintf(f, "<li>complete: %zu cells", rv->ncells);
	else if (rv->cells_not_run > 0)
		fprintf(f,
		        "<li><strong>incomplete</strong>: %zu cells ran, %d were not run "
		        "(interrupted)",
		        rv->ncells, rv->cells_not_run);
	else
		fprintf(f, "<li>%zu cells (the run had not finished)", rv->ncells);
	if (rv->failed_cells)
		fprintf(f, ", <strong>%d failed</strong> (see the tables and cells.csv)",
		        rv->failed_cells);
	fputs("</li>\n</ul>\n", f);
	if (po && !po->gnuplot_found)
		fputs(
		    "<p class=\"missing\">The figures were not rendered: gnuplot was not found. "
		    "Their data and scripts are in plots/; install gnuplot (Debian: <code>apt-get "
		    "install gnuplot-nox</code>), then run <code>wimm plot</code> on this run or "
		    "<code>sh plots/render.sh</code>.</p>\n",
		    f);
	fputs("<h2>Allocators</h2>\n<table>\n<tr><th>allocator</th><th>version</th>"
	      "<th>library</th><th>tunables</th><th>note</th></tr>\n",
	      f);
	for (int a = 0; a < rv->nallocs; a++) {
		const struct rundir_alloc *al = &rv->allocs[a];
		fputs("<tr><td>", f);
		swatch(f, al);
		fputs("</td><td>", f);
		report_html_text(f, al->version[0] ? al->version : "?");
		fputs("</td><td>", f);
		report_html_text(f, al->library[0] ? al->library : "(system malloc)");
		fputs("</td><td>", f);
		report_html_text(f, al->env[0] ? al->env : "-");
		fputs("</td><td>", f);
		report_html_text(f, al->note);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

/* The block's table, or with phases its table of phases (none when the
 * block had no phases), under heading when given. */
static void table(FILE *f, const struct rundir *rv, const struct rundir_block *b, int phases,
                  const char *heading)
{
	struct table t;
	char label[160];
	if (report_block_table(rv, b, phases, heading, &t, label, sizeof(label)))
		return;
	fputs("<table>\n<tr><th>", f);
	report_html_text(f, label);
	fputs("</th>", f);
	for (int a = 0; a < t.ncols; a++) {
		fputs("<th>", f);
		swatch(f, &rv->allocs[a]);
		fputs("</th>", f);
	}
	fputs("</tr>\n", f);
	for (int r = 0; r < t.nrows; r++) {
		fputs("<tr><td>", f);
		report_html_text(f, t.label[r] + strspn(t.label[r], " "));
		fputs("</td>", f);
		for (int a = 0; a < t.ncols; a++) {
			fputs("<td class=\"n\">", f);
			report_html_text(f, t.cell[r * t.ncols + a]);
			fputs("</td>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
	if (t.note[0]) {
		fputs("<p class=\"note\">", f);
		report_html_text(f, t.note);
		fputs("</p>\n", f);
	}
	table_free(&t);
}

/* s escaped, with `quoted` parts as code: the commands advice gives. */
static void text_with_code(FILE *f, const char *s)
{
	char part[REPORT_SENTENCE_MAX];
	for (bool code = false; *s; code = !code) {
		size_t len = strcspn(s, "`");
		snprintf(part, sizeof(part), "%.*s", (int)len, s);
		fputs(code ? "<code>" : "", f);
		report_html_text(f, part);
		fputs(code ? "</code>" : "", f);
		s += len + (s[len] == '`');
	}
}

/* The findings (or the advice, under its heading) of workload w. */
static void sentences(FILE *f, const struct rundir *rv, const char *w, bool advice,
                      char (*s)[REPORT_SENTENCE_MAX])
{
	int n = (advice ? report_advice : report_findings)(rv, w, s, REPORT_MAX_FINDINGS);
	if (n)
		fputs(advice ? "<p><strong>Advice</strong></p>\n<ul class=\"advice\">\n"
		             : "<ul class=\"findings\">\n",
		      f);
	for (int k = 0; k < n; k++) {
		fputs("<li>", f);
		text_with_code(f, s[k]);
		fputs("</li>\n", f);
	}
	fputs(n ? "</ul>\n" : "", f);
}

static void description(FILE *f, const struct rundir *rv, const char *w)
{
	for (int i = 0; i < rv->nworkloads; i++) {
		if (strcmp(rv->workloads[i].name, w) || !rv->workloads[i].description[0])
			continue;
		/* YAML's wrapped lines joined; a blank line starts a paragraph. */
		fputs("<blockquote><p>", f);
		for (const char *p = rv->workloads[i].description; *p; p++) {
			char one[2] = {*p, '\0'};
			if (p[0] == '\n' && p[1] == '\n') {
				fputs("</p><p>", f);
				while (p[1] == '\n')
					p++;
			} else {
				report_html_text(f, *p == '\n' ? " " : one);
			}
		}
		fputs("</p></blockquote>\n", f);
	}
}

static void body(FILE *f, const struct rundir *rv, char (*s)[REPORT_SENTENCE_MAX])
{
	char name[160], label[160], caption[256];
	int index = 0;
	const char *ref = rv->ref >= 0 ? rv->allocs[rv->ref].name : "the first allocator";
	if (report_figure_state(rv, PLOT_SUMMARY)) { /* none when every cell failed */
		fputs("<h2>At a glance</h2>\n<p>Each allocator's figures in their own unit; above "
		      "each bar its ratio to ",
		      f);
		report_html_text(f, ref);
		fputs("'s at the same workload and thread count (arena counts: the count).</p>\n",
		      f);
		snprintf(caption, sizeof(caption),
		         "Every workload and thread count, allocators side by side, ratios to %s "
		         "above the bars",
		         ref);
		figure(f, rv, PLOT_SUMMARY, caption, index++);
	}
	for (size_t i = 0; i < rv->nblocks; i++) {
		const struct rundir_block *b = &rv->blocks[i];
		if (i == 0 || strcmp(b->workload, rv->blocks[i - 1].workload)) {
			fputs("<h2>", f);
			report_html_text(f, b->workload);
			fputs("</h2>\n", f);
			description(f, rv, b->workload);
			sentences(f, rv, b->workload, false, s);
			sentences(f, rv, b->workload, true, s);
		}
		rundir_block_label(b, label, sizeof(label));
		fputs("<h3>", f);
		report_html_text(f, label);
		fputs("</h3>\n", f);
		table(f, rv, b, 0, NULL);
		table(f, rv, b, 1, "phase");
		plot_block_figure(b, name, sizeof(name));
		snprintf(caption, sizeof(caption), "%s: memory over time under each allocator",
		         label);
		figure(f, rv, name, caption, index++);
		for (int k = 0; k < rv->nsweeps; k++) {
			char cap[512];
			plot_sweep_figure(b, &rv->sweeps[k], name, sizeof(name));
			snprintf(cap, sizeof(cap),
			         "%s: each figure against %s, one line per allocator swept, dashed "
			         "without the setting",
			         label, rv->sweeps[k].setting);
			figure(f, rv, name, cap, index++);
		}
		plot_block_where(b, name, sizeof(name));
		snprintf(caption, sizeof(caption),
		         "%s: where is my memory, RSS split into parts under each allocator",
		         label);
		figure(f, rv, name, caption, index++);
	}
}

int report_write_html(const struct rundir *rv, const struct plot_outcome *po)
{
	char *text = NULL, path[PATH_MAX];
	char(*s)[REPORT_SENTENCE_MAX] = calloc(REPORT_MAX_FINDINGS, sizeof(*s));
	size_t len = 0;
	FILE *f = s ? open_memstream(&text, &len) : NULL;
	int rc;
	if (!f) {
		free(s);
		log_error("out of memory writing %s/report.html", rv->dir);
		return -ENOMEM;
	}
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<title>wimm report: run ",
	      f);
	report_html_text(f, rv->run_id);
	fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", style);
	context(f, rv, po);
	body(f, rv, s);
	fputs("</body>\n</html>\n", f);
	free(s);
	if (fclose(f)) {
		free(text);
		return -ENOMEM;
	}
	rc = snprintf(path, sizeof(path), "%s/report.html", rv->dir) >= (int)sizeof(path)
	         ? -ENAMETOOLONG
	         : fsutil_write(path, text, len);
	if (rc)
		log_error("cannot write %s: %s", path, strerror(-rc));
	free(text);
	return rc;
}
