/* plot_gp.c - what every figure writer shares: gnuplot text that is data
 * and never a command, the line types of the allocators, the jobs, and
 * rendering them (see plot_gp.h).
 *
 * The drawing lives in the gnuplot scripts (scripts/NAME.gp), which take
 * everything figure-specific from a generated vars file: the C side decides what to draw (which
 * allocators, ranges, titles, what is n/a), gnuplot how. Figures render in
 * parallel, one gnuplot process each (about 0.1-0.3 s a figure), so the
 * default comparison's dozen figures take a second or two.
 */
#include "bench/report/plot_gp.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/plan/catalog.h"
#include "common/fsutil.h"
#include "common/log.h"

#define JOB_TIMEOUT_S 60.0
#define MAX_PARALLEL 4

/* Dash patterns and point types by an allocator's position: distinct in
 * grey print, where the colours are not. Dash lengths scale with the line
 * width in the cairo terminals. */
static const char *const dashes[] = {
    "solid", "(9,4)", "(12,3,2,3)", "(5,3)", "(2,3)", "(12,3,2,3,2,3)", "(18,5)", "(1,2)",
};
static const int points[] = {7, 5, 9, 13, 11, 15, 6, 4, 8, 12};

int plot_jobs_add(struct plot_jobs *j, const char *name, const char *script)
{
	if (j->n == j->cap) {
		size_t cap = j->cap ? j->cap * 2 : 16;
		struct plot_job *v = realloc(j->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		j->v = v;
		j->cap = cap;
	}
	struct plot_job *job = &j->v[j->n++];
	snprintf(job->name, sizeof(job->name), "%s", name);
	snprintf(job->script, sizeof(job->script), "%s", script);
	snprintf(job->vars, sizeof(job->vars), "%s.vars", name);
	return 0;
}

void plot_jobs_free(struct plot_jobs *j)
{
	free(j->v);
	*j = (struct plot_jobs){0};
}

/* ---- gnuplot text ---- */

/* gnuplot runs the text between backticks as a shell command wherever a
 * line holds it, even inside a double-quoted string, and again when a
 * string is `eval`ed: no backtick is ever written. Names are checked when
 * read back, but titles carry free text (a failed cell's reason, from the
 * child's stderr), so this is the last line of defence for all of them. */
void plot_gp_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '`')
			fputc('\'', f);
		else if ((unsigned char)*s >= ' ' && *s != 0x7f)
			fputc(*s, f);
	}
	fputc('"', f);
}

void plot_gp_num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "\t%.6g", v);
	else
		fputs("\tNaN", f);
}

void plot_gp_array(FILE *f, const char *name, const char *const *items, int n, int quote)
{
	fprintf(f, "array %s[%d] = [", name, n > 0 ? n : 1);
	for (int i = 0; i < n; i++) {
		if (i)
			fputs(", ", f);
		if (quote)
			plot_gp_string(f, items[i]);
		else
			fputs(items[i], f);
	}
	if (n <= 0)
		fputs(quote ? "\"\"" : "0", f);
	fputs("]\n", f);
}

struct plot_unit plot_axis_unit(enum metric_unit u, double top)
{
	if (u == MU_BYTES || u == MU_BYTES_SLOPE)
		return (struct plot_unit){PLOT_MIB, "MiB"};
	if (u == MU_RATIO)
		return (struct plot_unit){1, "x"};
	if (u != MU_SECONDS && u != MU_MICROS)
		return (struct plot_unit){1, "count"};
	double k = u == MU_MICROS ? 1e-6 : 1, secs = top * k; /* seconds per native unit */
	if (secs >= 1 || !(secs > 0))
		return (struct plot_unit){1 / k, "s"};
	return secs >= 1e-3 ? (struct plot_unit){1e-3 / k, "ms"}
	                    : (struct plot_unit){1e-6 / k, "us"};
}

double plot_in_unit(struct plot_unit au, double v) { return v / au.scale; }

void plot_gp_linetypes(FILE *f, const struct rundir_alloc *a, int n)
{
	const int nd = (int)(sizeof(dashes) / sizeof(dashes[0]));
	const int np = (int)(sizeof(points) / sizeof(points[0]));
	for (int i = 0; i < n; i++) {
		int s = a[i].style;
		fprintf(f, "set linetype %d lc rgb \"%s\" dt %s lw 2.5 pt %d ps 1.2\n", 101 + i,
		        a[i].colour, dashes[s % nd], points[s % np]);
		/* Other repetitions: thin, and faded (alpha 0x99 of 0xff). */
		fprintf(f, "set linetype %d lc rgb \"#99%s\" dt solid lw 1 pt %d\n", 201 + i,
		        a[i].colour + 1, points[s % np]);
	}
	fputs("array ptype[", f);
	fprintf(f, "%d] = [", n > 0 ? n : 1);
	for (int i = 0; i < n; i++)
		fprintf(f, "%s%d", i ? ", " : "", points[a[i].style % np]);
	fputs(n > 0 ? "]\n" : "7]\n", f);
}

int plot_save(const char *dir, const char *name, char *text, size_t len)
{
	char path[PATH_MAX];
	int rc = snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path)
	             ? -ENAMETOOLONG
	             : fsutil_write(path, text, len);
	if (rc)
		log_error("cannot write %s/%s: %s", dir, name, strerror(-rc));
	free(text);
	return rc;
}

/* ---- scripts ---- */

int plot_copy_scripts(const char *dir, const char *const *names)
{
	const char *src = catalog_scripts_dir();
	char from[PATH_MAX], to[PATH_MAX];
	for (; *names; names++) {
		char *text = NULL;
		size_t len = 0;
		snprintf(from, sizeof(from), "%s/%s", src, *names);
		snprintf(to, sizeof(to), "%s/%s", dir, *names);
		int rc = fsutil_read(from, (size_t)1 << 20, &text, &len);
		if (rc == 0) {
			if ((rc = plot_save(dir, *names, text, len)))
				return rc;
			continue;
		}
		/* The source tree moved or is gone: the run's own copy still
		 * draws what it drew. */
		if (access(to, R_OK) == 0)
			continue;
		log_error("cannot read the plot script %s: %s (set WIMM_SCRIPTS_DIR to wimm's "
		          "scripts/ directory)",
		          from, fsutil_strerror(rc));
		return rc;
	}
	return 0;
}

/* ---- rendering ---- */

int plot_find_gnuplot(char *buf, size_t len)
{
	const char *env = getenv("WIMM_GNUPLOT"), *path = getenv("PATH");
	if (env) {
		if (!*env || !strcmp(env, "none"))
			return -ENOENT;
		snprintf(buf, len, "%s", env);
		return access(buf, X_OK) ? -ENOENT : 0;
	}
	char copy[8192], *save = NULL;
	snprintf(copy, sizeof(copy), "%s", path && *path ? path : "/usr/bin:/bin");
	for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		struct stat st;
		snprintf(buf, len, "%s/gnuplot", *d ? d : ".");
		if (stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0)
			return 0;
	}
	return -ENOENT;
}

static int write_render_sh(const char *dir, const struct plot_jobs *jobs)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;
	fputs("#!/bin/sh\n"
	      "# Renders this directory's figures (PNG and SVG) with gnuplot; written by\n"
	      "# wimm, the same as `wimm plot` on the run directory. Needs gnuplot\n"
	      "# (Debian: apt-get install gnuplot-nox).\n"
	      "set -e\n"
	      "cd \"$(dirname \"$0\")\"\n",
	      f);
	for (size_t i = 0; i < jobs->n; i++)
		fprintf(f, "gnuplot -c %s %s\n", jobs->v[i].script, jobs->v[i].vars);
	if (fclose(f)) {
		free(text);
		return -ENOMEM;
	}
	int rc = plot_save(dir, "render.sh", text, len);
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/render.sh", dir);
	if (rc == 0)
		chmod(path, 0755);
	return rc;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* gnuplot in dir, stdout to /dev/null, stderr appended to the log. */
static pid_t spawn(const char *gnuplot, const char *dir, const struct plot_job *job, int log_fd)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	int null = open("/dev/null", O_RDWR);
	if (null < 0 || chdir(dir) < 0)
		_exit(127);
	dup2(null, 0);
	dup2(null, 1);
	dup2(log_fd >= 0 ? log_fd : null, 2);
	execl(gnuplot, "gnuplot", "-c", job->script, job->vars, (char *)NULL);
	_exit(127);
}

static int image_ok(const char *dir, const char *name, const char *ext)
{
	char path[PATH_MAX];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s.%s", dir, name, ext);
	return stat(path, &st) == 0 && st.st_size > 0;
}

/* Removes the images of a job before it runs: an image left from an earlier
 * render must not pass for this one. */
static void remove_images(const char *dir, const char *name)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s.png", dir, name);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s.svg", dir, name);
	unlink(path);
}

static void run_jobs(const char *dir, const struct plot_jobs *jobs, struct plot_outcome *out)
{
	pid_t pids[MAX_PARALLEL] = {0};
	size_t which[MAX_PARALLEL] = {0}, next = 0;
	double started[MAX_PARALLEL] = {0};
	int running = 0;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int parallel = cpus > 0 && cpus < MAX_PARALLEL ? (int)cpus : MAX_PARALLEL;
	char log_path[PATH_MAX];
	snprintf(log_path, sizeof(log_path), "%s/gnuplot.log", dir);
	int log_fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0666);

	while (next < jobs->n || running) {
		for (int s = 0; s < parallel && next < jobs->n; s++) {
			if (pids[s] > 0)
				continue;
			remove_images(dir, jobs->v[next].name);
			pids[s] = spawn(out->gnuplot, dir, &jobs->v[next], log_fd);
			if (pids[s] < 0) {
				log_warn("cannot start gnuplot: %s", strerror(errno));
				pids[s] = 0;
			} else {
				running++;
				started[s] = now_s();
				which[s] = next;
			}
			next++;
		}
		for (int s = 0; s < parallel; s++) {
			int status;
			if (pids[s] <= 0)
				continue;
			pid_t r = waitpid(pids[s], &status, WNOHANG);
			if (r == 0 && now_s() - started[s] > JOB_TIMEOUT_S) {
				kill(pids[s], SIGKILL);
				r = waitpid(pids[s], &status, 0);
				log_warn("gnuplot took over %.0f s on %s; stopped it",
				         JOB_TIMEOUT_S, jobs->v[which[s]].name);
			}
			if (r == 0)
				continue;
			const char *name = jobs->v[which[s]].name;
			if (r > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
			    image_ok(dir, name, "png") && image_ok(dir, name, "svg")) {
				out->rendered++;
			} else {
				log_warn("gnuplot could not draw %s/%s; its messages are in %s",
				         dir, name, log_path);
			}
			pids[s] = 0;
			running--;
		}
		if (running)
			nanosleep(&(struct timespec){.tv_nsec = 2000000}, NULL);
	}
	if (log_fd >= 0)
		close(log_fd);
}

int plot_render(const char *dir, const struct plot_jobs *jobs, struct plot_outcome *out)
{
	int rc = write_render_sh(dir, jobs);
	if (rc)
		return rc;
	out->figures += (int)jobs->n;
	out->gnuplot_found = plot_find_gnuplot(out->gnuplot, sizeof(out->gnuplot)) == 0;
	if (out->gnuplot_found)
		run_jobs(dir, jobs, out);
	return 0;
}
