/* history.c - append a run's medians to OUT_ROOT/history/<testbed>.csv
 * (see history.h).
 *
 * The columns come from the metric table. The lines of one run go out in
 * one write() on an O_APPEND file, under an exclusive flock, so two runs
 * finishing together with the same results root add whole runs, never half
 * lines, and a rewrite (another version's columns) never loses a line
 * appended meanwhile. The header is written by whoever creates the file
 * (O_EXCL); a file that is not a wimm history is left alone.
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
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/results/cell_io.h"
#include "bench/results/jsonw.h"
#include "bench/results/stats.h"
#include "common/fsutil.h"
#include "common/log.h"

int history_columns(const struct history_column **cols)
{
	static struct history_column c[HISTORY_MAX_COLUMNS];
	static int n = -1;
	if (n < 0) {
		n = 0;
		for (int i = 0; i < METRIC_N && n + 2 <= HISTORY_MAX_COLUMNS; i++) {
			const struct metric *m = &metrics[i];
			if (!(m->show & SHOW_HISTORY))
				continue;
			c[n++] = (struct history_column){.metric = i};
			snprintf(c[n - 1].name, sizeof(c->name), "%s", m->key);
			if (m->judge != MJ_REF_RATIO)
				continue;
			char stem[48];
			metrics_stem(m->key, stem, sizeof(stem));
			c[n++] = (struct history_column){.metric = i, .ratio = true};
			snprintf(c[n - 1].name, sizeof(c->name), "%s_ratio_to_" RUNDIR_REFERENCE,
			         stem);
		}
	}
	*cols = c;
	return n;
}

const char *history_header(void)
{
	static char header[HISTORY_MAX_COLUMNS * 64 + sizeof(HISTORY_KEYS)];
	if (!header[0]) {
		const struct history_column *c;
		int n = history_columns(&c), len = snprintf(header, sizeof(header), HISTORY_KEYS);
		for (int i = 0; i < n; i++)
			len +=
			    snprintf(header + len, sizeof(header) - (size_t)len, ",%s", c[i].name);
	}
	return header;
}

/* ",value": integral figures as integers, the others as JSONW_REAL_FMT;
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

static void put_keys(FILE *f, const struct rundir *d, const struct rundir_group *g)
{
	const char *keys[] = {d->run_id, d->started_utc, d->wimm_version, d->testbed, g->workload};
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		cell_csv_string(f, keys[k], SIZE_MAX);
		fputc(',', f);
	}
	if (g->threads >= 0)
		fprintf(f, "%d", g->threads);
	fputc(',', f);
	cell_csv_string(f, d->allocs[g->alloc].name, SIZE_MAX);
	fprintf(f, ",%d", g->reps_ok);
}

int history_format(const struct rundir *d, char **text, size_t *len)
{
	const struct rundir_group **order = malloc((d->ngroups + 1) * sizeof(*order));
	FILE *f = order ? open_memstream(text, len) : NULL;
	const struct history_column *cols;
	int ncols = history_columns(&cols), oom = 0;
	double *ratios = NULL;
	if (!f) {
		free(order);
		return -ENOMEM;
	}
	for (size_t i = 0; i < d->ngroups; i++)
		order[i] = &d->groups[i];
	rundir_sort_groups(d, order, d->ngroups);
	for (size_t i = 0; i < d->ngroups && !oom; i++) {
		const struct rundir_group *g = order[i];
		double *grown = realloc(ratios, (g->ncells + 1) * sizeof(*ratios));
		if (!grown) {
			oom = 1;
			break;
		}
		ratios = grown;
		put_keys(f, d, g);
		for (int c = 0; c < ncols; c++) {
			const struct metric *m = &metrics[cols[c].metric];
			if (cols[c].ratio) {
				size_t nr = rundir_ref_ratios(d, g, cols[c].metric, ratios);
				put_num(f, nr ? stats_median(ratios, nr) : NAN, 0);
			} else {
				put_num(f, g->m[cols[c].metric].median, m->type == MT_INT);
			}
		}
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

/* The file's text with the union of its columns and ours: ours first, then
 * any it has that we do not (a newer version's), each row's values by
 * name. Returns 0, -EPROTO when it is not a wimm history, or -errno. */
static int migrate_text(char *old, char **text, size_t *len)
{
	enum { MAXC = HISTORY_MAX_COLUMNS * 2 };
	char *names[MAXC], *fields[MAXC], *ours[MAXC], *line, *save;
	char copy[sizeof(HISTORY_KEYS) + HISTORY_MAX_COLUMNS * 64];
	int map[MAXC], nout = 0;
	line = strtok_r(old, "\n", &save);
	if (!line || strncmp(line, HISTORY_KEYS ",", sizeof(HISTORY_KEYS)))
		return -EPROTO;
	int nn = history_csv_split(line, names, MAXC);
	snprintf(copy, sizeof(copy), "%s", history_header());
	int nours = history_csv_split(copy, ours, MAXC);
	/* map[k]: the old column of output column k, or -1. */
	for (int k = 0; k < nours; k++) {
		map[nout] = -1;
		for (int i = 0; i < nn; i++)
			if (!strcmp(names[i], ours[k]))
				map[nout] = i;
		nout++;
	}
	FILE *f = open_memstream(text, len);
	if (!f)
		return -ENOMEM;
	fputs(history_header(), f);
	for (int i = 0; i < nn && nout < MAXC; i++) {
		bool known = false;
		for (int k = 0; k < nours; k++)
			known |= !strcmp(names[i], ours[k]);
		if (known)
			continue;
		fputc(',', f);
		cell_csv_string(f, names[i], SIZE_MAX);
		map[nout++] = i;
	}
	fputc('\n', f);
	while ((line = strtok_r(NULL, "\n", &save))) {
		int n = history_csv_split(line, fields, MAXC);
		for (int k = 0; k < nout; k++) {
			if (k)
				fputc(',', f);
			if (map[k] >= 0 && map[k] < n)
				cell_csv_string(f, fields[map[k]], SIZE_MAX);
		}
		fputc('\n', f);
	}
	return fclose(f) ? -ENOMEM : 0;
}

/* Rewrites path, held open and locked as fd, with our columns. */
static int migrate(const char *path, int fd)
{
	char *old = NULL, *text = NULL;
	size_t n = 0, len = 0;
	(void)fd; /* the lock is on it; the text is read by name */
	int rc = fsutil_read(path, HISTORY_MAX_FILE, &old, &n);
	if (rc == 0)
		rc = migrate_text(old, &text, &len);
	if (rc == 0)
		rc = fsutil_write(path, text, len);
	free(old);
	free(text);
	return rc;
}

/* Opens path for appending, locked, with our header: a new file gets it
 * first, one with other columns is rewritten. Returns 0, -EPROTO for a
 * file that is not a wimm history, or -errno. */
static int open_history(const char *path, int *out)
{
	const char *header = history_header();
	size_t hlen = strlen(header);
	for (int attempt = 0; attempt < 8; attempt++) {
		struct stat st, now;
		/* Without blocking: a FIFO in its place must not stop the run. */
		int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK | O_NOCTTY,
		              0666);
		if (fd < 0)
			return -errno;
		int rc = fstat(fd, &st) < 0 ? -errno : !S_ISREG(st.st_mode) ? -ESPIPE : 0;
		if (rc == 0 && flock(fd, LOCK_EX) < 0)
			rc = -errno;
		/* Another run may have replaced the file while we waited. */
		if (rc == 0 && (stat(path, &now) < 0 || now.st_ino != st.st_ino)) {
			close(fd);
			continue;
		}
		if (rc == 0 && fstat(fd, &st) < 0)
			rc = -errno;
		char head[sizeof(HISTORY_KEYS) + HISTORY_MAX_COLUMNS * 64 + 2] = "";
		ssize_t got = rc == 0 ? pread(fd, head, sizeof(head) - 1, 0) : 0;
		if (rc == 0 && st.st_size == 0) {
			rc = fsutil_write_all(fd, header, hlen);
			if (rc == 0)
				rc = fsutil_write_all(fd, "\n", 1);
		} else if (rc == 0 && (got < (ssize_t)hlen + 1 || strncmp(head, header, hlen) ||
		                       (head[hlen] != '\n' && head[hlen] != ','))) {
			/* Ours, or ours and a newer version's columns after them
			 * (its rows read those as n/a): appended to as it is;
			 * anything else is rewritten first. */
			rc = migrate(path, fd);
			close(fd);
			if (rc)
				return rc;
			continue; /* open the new file */
		}
		/* A run killed in the middle of its write leaves a cut line: end
		 * it so that the next lines are whole. */
		char last;
		if (rc == 0 && st.st_size > 0 && pread(fd, &last, 1, st.st_size - 1) == 1 &&
		    last != '\n')
			rc = fsutil_write_all(fd, "\n", 1);
		if (rc) {
			close(fd);
			return rc;
		}
		*out = fd;
		return 0;
	}
	return -EBUSY;
}

int history_append(const char *out_root, const char *run_dir)
{
	struct rundir *d = NULL;
	char err[1024], dir[PATH_MAX], path[PATH_MAX + 160];
	char *text = NULL;
	size_t len = 0;
	int fd = -1, rc;

	if ((rc = rundir_load(run_dir, &d, err, sizeof(err)))) {
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
	rc = fsutil_write_all(fd, text, len);
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
	rundir_destroy(d);
	return rc;
}
