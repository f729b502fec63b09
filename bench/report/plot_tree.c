/* plot_tree.c - one figure per followed process tree (`wimm exec` of a
 * program that starts others): the RSS of its largest processes stacked
 * over time, with the tree's RSS minus shared and PSS drawn over the stack
 * (scripts/tree.gp). The data is the run's procs/<cell>/stack.tsv, written
 * by the driver (proctree_io.c); this writes only the vars file, with the
 * process labels read from that file's first line as gnuplot strings
 * (they come from the programs' command lines).
 */
#include "bench/report/plot_tree.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/report/plot_gp.h"
#include "common/fsutil.h"
#include "common/log.h"

#define MAX_COLS 16
#define HEADER_MAX 4096

/* Splits the header line of stack.tsv into its process labels (the columns
 * between t_s and the two totals, "others" included). Returns how many, or
 * -1 when it is not such a file. */
static int labels(char *line, char **out, int max)
{
	line[strcspn(line, "\n")] = 0;
	char *cols[MAX_COLS + 4];
	int n = 0;
	for (char *save = NULL, *c = strtok_r(line, "\t", &save); c && n < MAX_COLS + 4;
	     c = strtok_r(NULL, "\t", &save))
		cols[n++] = c;
	if (n < 4 || strcmp(cols[0], "t_s") || strcmp(cols[n - 1], "pss_sum_bytes") ||
	    strcmp(cols[n - 2], "unshared_sum_bytes") || n - 3 > max)
		return -1;
	for (int i = 1; i < n - 2; i++)
		out[i - 1] = cols[i];
	return n - 3;
}

static int one(const char *plots, const char *run, const char *cell, struct plot_jobs *jobs)
{
	char path[4200], line[HEADER_MAX], *names[MAX_COLS];
	FILE *in;
	snprintf(path, sizeof(path), "%s/procs/%s/stack.tsv", run, cell);
	if (fsutil_open(path, (off_t)1 << 30, &in))
		return 0; /* no stack: nothing to draw */
	int n = fgets(line, sizeof(line), in) ? labels(line, names, MAX_COLS) : -1;
	fclose(in);
	if (n < 1) {
		log_warn("%s: not a stack file of wimm's (its first line); no tree figure for it",
		         path);
		return 0;
	}
	char *text = NULL, name[160], vars[200];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;
	snprintf(name, sizeof(name), "tree-%s", cell);
	fprintf(f, "# %s: memory of a process tree (written by wimm; drawn by tree.gp)\n", cell);
	fputs("out = ", f);
	plot_gp_string(f, name);
	fputs("\ndata = ", f);
	char rel[4200];
	snprintf(rel, sizeof(rel), "../procs/%s/stack.tsv", cell);
	plot_gp_string(f, rel);
	fputs("\nfig_title = ", f);
	char title[300];
	snprintf(title, sizeof(title), "%s: the tree's RSS stacked by process", cell);
	plot_gp_string(f, title);
	fprintf(f, "\nn = %d\n", n);
	plot_gp_array(f, "label", (const char *const *)names, n, 1);
	if (fclose(f)) {
		free(text);
		return -ENOMEM;
	}
	snprintf(vars, sizeof(vars), "%s.vars", name);
	int rc = plot_save(plots, vars, text, len);
	return rc ? rc : plot_jobs_add(jobs, name, "tree.gp");
}

int plot_tree_write(const char *run, const char *plots, struct plot_jobs *jobs)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/procs", run);
	DIR *d = opendir(path);
	if (!d)
		return 0; /* no tree in this run */
	struct dirent *de;
	int rc = 0;
	while (!rc && (de = readdir(d))) {
		/* Names wimm made: letters, digits, '.', '_', '+', '-'. */
		if (de->d_name[0] == '.' ||
		    strspn(de->d_name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		                       "0123456789._+-") != strlen(de->d_name) ||
		    strlen(de->d_name) > 120)
			continue;
		rc = one(plots, run, de->d_name, jobs);
	}
	closedir(d);
	return rc;
}
