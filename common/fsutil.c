/* fsutil.c - files as wimm writes and reads them (see fsutil.h). */
#include "common/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *fsutil_strerror(int rc)
{
	if (rc == -ESPIPE)
		return "not a regular file (a FIFO, a device or a socket)";
	if (rc == -EFBIG)
		return "over the size limit";
	return strerror(rc < 0 ? -rc : rc);
}

static int make_dir(const char *path)
{
	struct stat st;
	if (mkdir(path, 0777) == 0)
		return 0;
	if (errno != EEXIST)
		return -errno;
	if (stat(path, &st) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

int fsutil_mkdirs(const char *path)
{
	char buf[PATH_MAX];
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	if (buf[0] == '\0')
		return -ENOENT;
	/* Each prefix ending at a '/', then the whole path. */
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/' || p[-1] == '/')
			continue;
		*p = '\0';
		int rc = make_dir(buf);
		*p = '/';
		if (rc < 0)
			return rc;
	}
	return make_dir(buf);
}

int fsutil_mkdirs_parent(const char *path)
{
	char buf[PATH_MAX];
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	char *slash = strrchr(buf, '/');
	if (!slash || slash == buf)
		return 0;
	*slash = '\0';
	return fsutil_mkdirs(buf);
}

int fsutil_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* A device or a FIFO the user named (--json=/dev/stdout): written as it
 * is. Opened without blocking, so a FIFO nobody reads is an error (ENXIO)
 * rather than a hang; then blocking again for the writes. */
static int write_in_place(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	int flags = fcntl(fd, F_GETFL);
	int rc = flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0 ? -errno : 0;
	if (rc == 0)
		rc = fsutil_write_all(fd, data, len);
	if (close(fd) < 0 && rc == 0 && errno != EINTR)
		rc = -errno;
	return rc;
}

int fsutil_write(const char *path, const void *data, size_t len)
{
	char tmp[PATH_MAX];
	struct stat st;
	int fd, rc = 0;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return S_ISDIR(st.st_mode) ? -EISDIR : write_in_place(path, data, len);
	/* With the pid, two processes writing one file never share a temporary. */
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0666);
	if (fd < 0)
		return -errno;
	rc = fsutil_write_all(fd, data, len);
	/* Without fsync a crash after rename can leave an empty file where
	 * the old complete one was. */
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	/* close reports delayed write errors (NFS, quota): an error even then. */
	if (close(fd) < 0 && errno != EINTR && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0)
		unlink(tmp);
	return rc;
}

/* Opens path without blocking (a FIFO with no writer would block the open
 * itself) and accepts only a regular file of at most max bytes. */
static int open_regular_flags(const char *path, off_t max, int flags, int *out)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY | flags);
	if (fd < 0)
		return -errno;
	int rc = 0;
	if (fstat(fd, &st) < 0)
		rc = -errno;
	else if (S_ISDIR(st.st_mode))
		rc = -EISDIR;
	else if (!S_ISREG(st.st_mode))
		rc = -ESPIPE;
	else if (st.st_size > max)
		rc = -EFBIG;
	else {
		int flags = fcntl(fd, F_GETFL);
		if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0)
			rc = -errno;
	}
	if (rc) {
		close(fd);
		return rc;
	}
	*out = fd;
	return 0;
}

static int open_regular(const char *path, off_t max, int *out)
{
	return open_regular_flags(path, max, 0, out);
}

int fsutil_read(const char *path, size_t max, char **buf, size_t *len)
{
	int fd, rc = open_regular(path, max > (size_t)INT64_MAX ? INT64_MAX : (off_t)max, &fd);
	char *b = NULL;
	size_t n = 0, cap = 0;
	*buf = NULL;
	*len = 0;
	if (rc)
		return rc;
	/* The size may change while reading: stop one byte past the limit. */
	for (;;) {
		if (n == cap) {
			size_t want = cap ? cap * 2 : 64 * 1024;
			if (want > max + 1)
				want = max + 1;
			if (want <= n) {
				rc = -EFBIG;
				break;
			}
			char *grown = realloc(b, want + 1);
			if (!grown) {
				rc = -ENOMEM;
				break;
			}
			b = grown;
			cap = want;
		}
		ssize_t r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			break;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			rc = -EFBIG;
			break;
		}
	}
	close(fd);
	if (rc) {
		free(b);
		return rc;
	}
	if (!b && !(b = malloc(1)))
		return -ENOMEM;
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

int fsutil_open(const char *path, off_t max, FILE **out)
{
	int fd, rc = open_regular(path, max, &fd);
	if (rc)
		return rc;
	FILE *f = fdopen(fd, "r");
	if (!f) {
		rc = -errno;
		close(fd);
		return rc;
	}
	*out = f;
	return 0;
}

bool fsutil_same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	if (stat(a, &sa) < 0 || stat(b, &sb) < 0)
		return strcmp(a, b) == 0; /* gone (or never there): by name */
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int fsutil_copy(const char *src, const char *dst, off_t max)
{
	char tmp[PATH_MAX], buf[64 * 1024];
	off_t total = 0;
	int in, out, rc;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", dst, (long)getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	if ((rc = open_regular_flags(src, max, O_NOFOLLOW, &in)))
		return rc;
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0666);
	if (out < 0) {
		rc = -errno;
		close(in);
		return rc;
	}
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : 0;
			break;
		}
		/* The file may grow while it is read: the limit holds all the same. */
		if ((total += n) > max) {
			rc = -EFBIG;
			break;
		}
		if ((rc = fsutil_write_all(out, buf, (size_t)n)))
			break;
	}
	close(in);
	if (rc == 0 && fsync(out) < 0)
		rc = -errno;
	if (close(out) < 0 && errno != EINTR && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, dst) < 0)
		rc = -errno;
	if (rc < 0)
		unlink(tmp);
	return rc;
}
