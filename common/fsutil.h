/* fsutil.h - files as wimm writes and reads them: directories made with
 * their parents, whole files written atomically, files read back with a
 * size limit and only when they are regular files.
 *
 * Every file wimm reads back (results, baselines, histories, series) may
 * come from someone else: a FIFO there would block the reader forever and
 * /dev/zero would feed it without end, so readers open without blocking,
 * refuse anything but a regular file, and stop at a limit they name.
 * Return values are 0 or -errno; two codes have a meaning of their own,
 * which fsutil_strerror spells out: -ESPIPE (not a regular file) and
 * -EFBIG (over the caller's limit).
 */
#ifndef WIMM_FSUTIL_H
#define WIMM_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

/* strerror(-rc), but "not a regular file (a FIFO, a device or a socket)"
 * for -ESPIPE and "over the size limit" for -EFBIG. */
const char *fsutil_strerror(int rc);

/* mkdir -p with mode 0777 (less the umask): every missing component. An
 * existing directory is fine; an existing non-directory is -ENOTDIR. */
int fsutil_mkdirs(const char *path);
/* mkdir -p of the directory part of path ("a/b/c.json" makes a/b). */
int fsutil_mkdirs_parent(const char *path);

/* Writes data to path as a whole: to PATH.tmp.<pid>, fsync, rename, so a
 * reader never sees half a file and a crash leaves the old one. An existing
 * path that is not a regular file (/dev/stdout, a FIFO, /dev/full) is
 * written in place instead, never replaced. Every write error counts,
 * close() included (NFS, quotas, a full device). */
int fsutil_write(const char *path, const void *data, size_t len);

/* Writes all len bytes to fd, again after EINTR and short writes.
 * Returns 0 or -errno (-EIO when write makes no progress). */
int fsutil_write_all(int fd, const void *data, size_t len);

/* Reads the regular file path whole, refusing one larger than max bytes.
 * *buf (malloc'ed, NUL-terminated, free it) and *len on success. */
int fsutil_read(const char *path, size_t max, char **buf, size_t *len);

/* Opens the regular file path for reading as a stream, refusing one larger
 * than max bytes. The caller reads it (fgets) and fcloses it. */
int fsutil_open(const char *path, off_t max, FILE **out);

/* Copies the regular file src (not a symbolic link: -ELOOP) of at most
 * max bytes to dst, atomically as fsutil_write does. Returns 0 or -errno
 * (-ESPIPE, -EFBIG as above). */
int fsutil_copy(const char *src, const char *dst, off_t max);

/* Whether a and b are the same file (device and inode), through links;
 * when either cannot be found, whether the names are equal. */
bool fsutil_same_file(const char *a, const char *b);

#endif
