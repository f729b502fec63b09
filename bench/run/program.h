/* program.h - can `wimm exec` run this command under an allocator, and how.
 *
 * Decided once, before anything runs, like a missing allocator: a command
 * that cannot start, or that no allocator can reach, is a usage error
 * (exit 2) with the reason, not a run of failed cells. Refused:
 * - what cannot be executed: a missing file, a directory, a device, a file
 *   without execute permission, a damaged or truncated ELF file, an ELF
 *   file for another machine or word size, a script whose #! interpreter
 *   is missing;
 * - what can run but not be measured: a static executable (no dynamic
 *   loader, so LD_PRELOAD never replaces its built-in malloc), and a
 *   set-user-ID, set-group-ID or file-capability program (the loader runs
 *   it in secure mode, which ignores LD_PRELOAD of a library by path, and
 *   the kernel clears the parent-death signal that ends it with wimm).
 * A file with neither an ELF header nor "#!" runs with /bin/sh, as
 * execvp() and shells do.
 */
#ifndef WIMM_PROGRAM_H
#define WIMM_PROGRAM_H

#include <limits.h>
#include <stddef.h>

struct program {
	char path[PATH_MAX]; /* the file found, PATH searched as execvp does */
	int via_sh;          /* run as `/bin/sh path args` */
};

/* Finds and checks cmd. Returns 0, or -errno with a sentence saying what
 * is wrong and what to do in err. */
int program_find(const char *cmd, struct program *p, char *err, size_t errlen);

#endif
