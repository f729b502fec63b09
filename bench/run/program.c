/* program.c - find and check the command of `wimm exec` (see program.h).
 *
 * The ELF checks read the header and program headers with <elf.h> and
 * compare them with wimm's own (/proc/self/exe): the allocators and the
 * probe are built like wimm, so a program of another class or machine
 * could not load them. A PT_INTERP entry is what makes a program
 * dynamically loaded; without one nothing reads LD_PRELOAD.
 */
#include "bench/run/program.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

/* Scripts may name a script as interpreter; Linux follows 4 levels. */
#define MAX_DEPTH 4

__attribute__((format(printf, 4, 5))) static int fail(int rc, char *err, size_t len,
                                                      const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return rc;
}

/* PATH lookup as execvp: the first executable regular file wins; a match
 * that cannot be executed is reported only when nothing better is found. */
static int search_path(const char *cmd, char *out, size_t len)
{
	const char *path = getenv("PATH");
	char copy[8192], candidate[PATH_MAX], first_bad[PATH_MAX] = "";
	snprintf(copy, sizeof(copy), "%s", path ? path : "/bin:/usr/bin");
	for (char *dir = copy, *next; dir; dir = next) {
		next = strchr(dir, ':');
		if (next)
			*next++ = 0;
		struct stat st;
		if (snprintf(candidate, sizeof(candidate), "%s/%s", *dir ? dir : ".", cmd) >=
		        (int)sizeof(candidate) ||
		    stat(candidate, &st))
			continue;
		if (S_ISREG(st.st_mode) && access(candidate, X_OK) == 0) {
			snprintf(out, len, "%s", candidate);
			return 0;
		}
		if (!first_bad[0])
			snprintf(first_bad, sizeof(first_bad), "%s", candidate);
	}
	if (!first_bad[0])
		return -ENOENT;
	snprintf(out, len, "%s", first_bad);
	return 0;
}

/* Class, data encoding and machine of wimm itself. */
static int own_elf(Elf64_Ehdr *own)
{
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? pread(fd, own, sizeof(*own), 0) : -1;
	if (fd >= 0)
		close(fd);
	return n == (ssize_t)sizeof(*own) ? 0 : -1;
}

static int check_file(const char *path, int depth, int *via_sh, char *err, size_t len);

static int check_elf(const char *path, int fd, off_t size, const unsigned char *head, size_t n,
                     char *err, size_t len)
{
	Elf64_Ehdr eh, own;
	if (n < sizeof(eh))
		return fail(-ENOEXEC, err, len, "%s is a truncated ELF file (%zu bytes)", path, n);
	memcpy(&eh, head, sizeof(eh));
	if ((eh.e_ident[EI_CLASS] != ELFCLASS32 && eh.e_ident[EI_CLASS] != ELFCLASS64) ||
	    (eh.e_ident[EI_DATA] != ELFDATA2LSB && eh.e_ident[EI_DATA] != ELFDATA2MSB) ||
	    eh.e_ident[EI_VERSION] != EV_CURRENT)
		return fail(-ENOEXEC, err, len,
		            "%s is a damaged ELF file: its header names no valid class, byte order "
		            "or version",
		            path);
	if (own_elf(&own) == 0 &&
	    (eh.e_ident[EI_CLASS] != own.e_ident[EI_CLASS] ||
	     eh.e_ident[EI_DATA] != own.e_ident[EI_DATA] || eh.e_machine != own.e_machine))
		return fail(-ENOEXEC, err, len,
		            "%s is built for another machine or word size (ELF class %d, machine "
		            "%d; wimm and its allocators are class %d, machine %d)",
		            path, eh.e_ident[EI_CLASS], eh.e_machine, own.e_ident[EI_CLASS],
		            own.e_machine);
	if (eh.e_ident[EI_CLASS] != ELFCLASS64)
		return fail(-ENOEXEC, err, len, "%s: only 64-bit programs are checked", path);
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
		return fail(-ENOEXEC, err, len,
		            "%s is an ELF file but not an executable (type %d: an object file or "
		            "a core dump?)",
		            path, eh.e_type);
	if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 ||
	    eh.e_phoff > (uint64_t)size ||
	    (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr) > (uint64_t)size - eh.e_phoff)
		return fail(-ENOEXEC, err, len,
		            "%s is a damaged ELF file: its program headers (%u at offset %llu) do "
		            "not fit in its %lld bytes",
		            path, eh.e_phnum, (unsigned long long)eh.e_phoff, (long long)size);
	int has_interp = 0;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * sizeof(ph))) !=
		    (ssize_t)sizeof(ph))
			return fail(-EIO, err, len, "cannot read %s", path);
		if (ph.p_offset > (uint64_t)size || ph.p_filesz > (uint64_t)size - ph.p_offset)
			return fail(
			    -ENOEXEC, err, len,
			    "%s is a damaged or truncated ELF file: a segment runs past its "
			    "end (%llu bytes at offset %llu, the file has %lld)",
			    path, (unsigned long long)ph.p_filesz, (unsigned long long)ph.p_offset,
			    (long long)size);
		if (ph.p_type != PT_INTERP)
			continue;
		char interp[PATH_MAX];
		if (ph.p_filesz < 2 || ph.p_filesz > sizeof(interp) ||
		    pread(fd, interp, ph.p_filesz, (off_t)ph.p_offset) != (ssize_t)ph.p_filesz ||
		    interp[ph.p_filesz - 1] != 0)
			return fail(-ENOEXEC, err, len,
			            "%s is a damaged ELF file: its program interpreter entry is "
			            "not a path",
			            path);
		if (access(interp, X_OK))
			return fail(
			    -ENOEXEC, err, len,
			    "%s needs the program interpreter %s, which is missing here (%s); "
			    "was it built for another system?",
			    path, interp, strerror(errno));
		has_interp = 1;
	}
	if (!has_interp)
		return fail(-ENOEXEC, err, len,
		            "%s is statically linked: it has no dynamic loader, so LD_PRELOAD "
		            "cannot replace its built-in malloc and every allocator would measure "
		            "that one; build it dynamically linked to compare allocators",
		            path);
	return 0;
}

/* "#!INTERP [ARG]": the interpreter must exist and pass the same checks. */
static int check_script(const char *path, const unsigned char *head, size_t n, int depth, char *err,
                        size_t len)
{
	char line[256];
	size_t k = 0;
	for (size_t i = 2; i < n && head[i] != '\n' && k < sizeof(line) - 1; i++)
		line[k++] = (char)head[i];
	line[k] = 0;
	char *interp = line + strspn(line, " \t");
	interp[strcspn(interp, " \t\r")] = 0;
	if (!*interp)
		return fail(-ENOEXEC, err, len, "%s starts with #! but names no interpreter", path);
	if (depth >= MAX_DEPTH)
		return fail(-ELOOP, err, len, "%s: too many levels of #! interpreters", path);
	int via_sh = 0;
	char sub[1024];
	int rc = check_file(interp, depth + 1, &via_sh, sub, sizeof(sub));
	if (rc || via_sh)
		return fail(rc ? rc : -ENOEXEC, err, len, "%s runs under %s (its #! line), but %s",
		            path, interp,
		            rc ? sub : "that interpreter is neither a program nor a script");
	return 0;
}

static int check_file(const char *path, int depth, int *via_sh, char *err, size_t len)
{
	struct stat st;
	if (stat(path, &st))
		return fail(-errno, err, len, "%s: %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return fail(-EISDIR, err, len, "%s is a directory, not a program", path);
	if (!S_ISREG(st.st_mode))
		return fail(-EACCES, err, len, "%s is not a regular file, so not a program", path);
	if (access(path, X_OK))
		return fail(-errno, err, len,
		            "%s is not executable (%s); chmod +x it, or run it "
		            "through its interpreter (wimm exec -- sh %s)",
		            path, strerror(errno), path);
	if (st.st_mode & (S_ISUID | S_ISGID))
		return fail(-EPERM, err, len,
		            "%s is set-%s-ID: the dynamic loader runs it in secure mode, which "
		            "ignores LD_PRELOAD of a library by path, so no allocator could be "
		            "measured (and the kernel would not end it with wimm); run a copy "
		            "without the bit",
		            path, st.st_mode & S_ISUID ? "user" : "group");
	if (getxattr(path, "security.capability", NULL, 0) > 0)
		return fail(-EPERM, err, len,
		            "%s has file capabilities (getcap %s): the dynamic loader runs it in "
		            "secure mode, which ignores LD_PRELOAD of a library by path; run a "
		            "copy without them",
		            path, path);
	unsigned char head[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0; /* execute-only: it can run; there is nothing more to check */
	ssize_t n = pread(fd, head, sizeof(head), 0);
	int rc = 0;
	if (n < 0)
		rc = fail(-errno, err, len, "cannot read %s: %s", path, strerror(errno));
	else if (n >= SELFMAG && !memcmp(head, ELFMAG, SELFMAG))
		rc = check_elf(path, fd, st.st_size, head, (size_t)n, err, len);
	else if (n >= 2 && head[0] == '#' && head[1] == '!')
		rc = check_script(path, head, (size_t)n, depth, err, len);
	else if (memchr(head, 0, (size_t)n))
		rc = fail(-ENOEXEC, err, len,
		          "%s is neither an ELF program nor a script (it holds binary data); is "
		          "it the right file?",
		          path);
	else
		*via_sh = 1; /* execvp's rule for a file the kernel cannot run */
	close(fd);
	return rc;
}

int program_find(const char *cmd, struct program *p, char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	if (!*cmd)
		return fail(-ENOENT, err, errlen, "an empty command name");
	if (strchr(cmd, '/')) {
		if (snprintf(p->path, sizeof(p->path), "%s", cmd) >= (int)sizeof(p->path))
			return fail(-ENAMETOOLONG, err, errlen, "%.100s...: path too long", cmd);
	} else if (search_path(cmd, p->path, sizeof(p->path))) {
		return fail(-ENOENT, err, errlen, "%s: not found in PATH", cmd);
	}
	return check_file(p->path, 0, &p->via_sh, err, errlen);
}
