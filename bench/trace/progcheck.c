/* progcheck.c - can a preloaded library see this program's allocations?
 *
 * Not when the dynamic linker never runs (a static executable: no
 * PT_INTERP), and not when it ignores LD_PRELOAD (set-user-ID or
 * set-group-ID programs run in secure mode). A "#!" script is judged by
 * its interpreter. Checked before recording, so the user gets the reason
 * rather than an empty trace.
 */
#include "bench/trace/progcheck.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int check_elf(int fd, const char *path, char *why, size_t len)
{
	Elf64_Ehdr eh;
	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG)) {
		snprintf(why, len, "%s is neither an ELF executable nor a #! script", path);
		return -ENOEXEC;
	}
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr)) {
		snprintf(why, len, "%s is not a 64-bit ELF executable for this machine", path);
		return -ENOEXEC;
	}
	for (int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + (uint64_t)i * sizeof(ph))) !=
		    (ssize_t)sizeof(ph))
			break;
		if (ph.p_type == PT_INTERP)
			return 0;
	}
	snprintf(why, len,
	         "%s is statically linked: no dynamic linker runs, so a preloaded recorder cannot "
	         "see its allocations (rebuild it without -static)",
	         path);
	return -ENOEXEC;
}

int progcheck(const char *path, char *why, size_t len)
{
	for (int depth = 0; depth < 4; depth++) {
		struct stat st;
		if (stat(path, &st)) {
			snprintf(why, len, "%s: %s", path, strerror(errno));
			return -errno;
		}
		if (st.st_mode & (S_ISUID | S_ISGID)) {
			snprintf(why, len,
			         "%s is set-user-ID or set-group-ID: the dynamic linker ignores "
			         "LD_PRELOAD for it, so it cannot be recorded",
			         path);
			return -EPERM;
		}
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			snprintf(why, len, "%s: %s", path, strerror(errno));
			return -errno;
		}
		char head[256];
		ssize_t n = pread(fd, head, sizeof(head) - 1, 0);
		if (n >= 2 && head[0] == '#' && head[1] == '!') {
			close(fd);
			head[n] = 0;
			char *p = head + 2;
			p += strspn(p, " \t");
			p[strcspn(p, " \t\n")] = 0;
			static char interp[256];
			snprintf(interp, sizeof(interp), "%s", p);
			path = interp;
			continue;
		}
		int rc = check_elf(fd, path, why, len);
		close(fd);
		return rc;
	}
	snprintf(why, len, "%s: too many levels of #! interpreters", path);
	return -ELOOP;
}
