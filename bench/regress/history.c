/* history.c - append a run's medians to OUT_ROOT/history/<testbed>.csv
 * (see history.h).
 *
 * The lines of one run go out in a single write() on an O_APPEND file, so
 * two runs finishing together with the same results root interleave whole
 * runs, never half lines. The header is written by whoever creates the file
 * (O_EXCL); a file with another header is left alone rather than given
 * lines its reader would misread.
 */
#include "bench/regress/history.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/results/cell_io.h"
#include "bench/results/jsonw.h"
#include "common/fsutil.h"
#include "common/log.h"
#include "bench/results/stats.h"

/* ",value": bytes as integers, ratios and seconds as JSONW_REAL_FMT;
 * n/a as an empty field. */
static void put_num(FILE *f, double v, int integral)
{
	fputc(',', f);
	if (!isfinite(v))
		return;
	if (integral)
		fprintf(f, "%lld", (long long)llround(v));
	else
		fprintf(f, JSONW_REAL_FMT, v);
}

int history_format(const struct rundata *d, char **text, size_t *len)
{
	const struct rundata_group **order = malloc((d->ngroups + 1) * sizeof(*order));
	FILE *f = order ? open_memstream(text, len) : NULL;
	double *ratios = NULL;
	int oom = 0;
	if (!f) {
		free(order);
		return -ENOMEM;
	}
	for (size_t i = 0; i < d->ngroups; i++)
		order[i] = &d->groups[i];
	qsort(order, d->ngroups, sizeof(*order), rundata_group_cmp);
	for (size_t i = 0; i < d->ngroups; i++) {
		const struct rundata_group *g = order[i];
		double *grown = realloc(ratios, (g->nreps + 1) * sizeof(*ratios));
		if (!grown) {
			oom = 1;
			break;
		}
		ratios = grown;
		size_t nr = rundata_time_ratios(d, g, ratios);
		cell_csv_string(f, d->run_id, SIZE_MAX);
		fputc(',', f);
		cell_csv_string(f, d->started_utc, SIZE_MAX);
		fputc(',', f);
		cell_csv_string(f, d->wimm_version, SIZE_MAX);
		fputc(',', f);
		cell_csv_string(f, d->testbed, SIZE_MAX);
		fputc(',', f);
		cell_csv_string(f, g->workload, SIZE_MAX);
		fputc(',', f);
		if (g->threads >= 0)
			fprintf(f, "%d", g->threads);
		fputc(',', f);
		cell_csv_string(f, g->allocator, SIZE_MAX);
		fprintf(f, ",%d", g->reps_ok);
		put_num(f, rundata_median(g, RUNDATA_PEAK_RSS), 1);
		put_num(f, rundata_median(g, RUNDATA_PEAK_HEAP), 1);
		put_num(f, rundata_median(g, RUNDATA_BLOWUP), 0);
		put_num(f, rundata_median(g, RUNDATA_IDLE_RSS), 1);
		put_num(f, rundata_median(g, RUNDATA_WALL), 0);
		put_num(f, nr ? stats_median(ratios, nr) : NAN, 0);
		fputc('\n', f);
	}
	free(ratios);
	free(order);
	int failed = ferror(f) || oom;
	if (fclose(f) || failed) {
		free(*text);
		*text = NULL;
		return -ENOMEM;
	}
	return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Opens path for appending; a new file gets the header first. A file that
 * does not start with the header, or whose last line is cut, is reported. */
static int open_history(const char *path, int *out)
{
	static const char header[] = HISTORY_HEADER "\n";
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd >= 0) {
		int rc = write_all(fd, header, sizeof(header) - 1);
		if (rc) {
			close(fd);
			return rc;
		}
		*out = fd;
		return 0;
	}
	if (errno != EEXIST)
		return -errno;
	char head[sizeof(header)] = "";
	struct stat st;
	/* Without blocking: a FIFO in its place must not stop the run. */
	fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -ESPIPE;
	}
	ssize_t n = pread(fd, head, sizeof(header) - 1, 0);
	if (n != (ssize_t)sizeof(header) - 1 || memcmp(head, header, sizeof(header) - 1)) {
		close(fd);
		return -EPROTO; /* another format */
	}
	/* A run killed in the middle of its write leaves a cut line: end it
	 * so that the next lines are whole. */
	char last;
	if (st.st_size > 0 && pread(fd, &last, 1, st.st_size - 1) == 1 && last != '\n')
		write_all(fd, "\n", 1);
	*out = fd;
	return 0;
}

int history_append(const char *out_root, const char *run_dir)
{
	struct rundata *d = NULL;
	char err[1024], dir[PATH_MAX], path[PATH_MAX + 160];
	char *text = NULL;
	size_t len = 0;
	int fd = -1, rc;

	if ((rc = rundata_load(run_dir, &d, err, sizeof(err)))) {
		log_warn("history: not appended: %s", err);
		return rc;
	}
	if (!d->complete) {
		log_info("history: the run was interrupted; not added to the history");
		rc = 1;
		goto out;
	}
	if (!d->testbed[0] || !d->ngroups) {
		rc = 1;
		goto out;
	}
	snprintf(dir, sizeof(dir), "%s/history", out_root);
	snprintf(path, sizeof(path), "%s/%s.csv", dir, d->testbed);
	if ((rc = fsutil_mkdirs(dir))) {
		log_warn("history: cannot create %s: %s", dir, strerror(-rc));
		goto out;
	}
	if ((rc = history_format(d, &text, &len))) {
		log_warn("history: out of memory");
		goto out;
	}
	if ((rc = open_history(path, &fd))) {
		if (rc == -EPROTO)
			log_warn("history: %s does not start with wimm's history header; not "
			         "appended (move it away to start a new history)",
			         path);
		else
			log_warn("history: cannot open %s: %s", path, fsutil_strerror(rc));
		goto out;
	}
	rc = write_all(fd, text, len);
	if (close(fd) < 0 && !rc && errno != EINTR)
		rc = -errno;
	fd = -1;
	if (rc) {
		log_warn("history: cannot append to %s: %s", path, strerror(-rc));
		goto out;
	}
	log_info("history: %zu line%s appended to %s", d->ngroups, d->ngroups == 1 ? "" : "s",
	         path);
out:
	if (fd >= 0)
		close(fd);
	free(text);
	rundata_destroy(d);
	return rc;
}
