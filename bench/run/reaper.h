/* reaper.h - what ends a cell's process group when the driver dies.
 *
 * PR_SET_PDEATHSIG (spawn.h) kills the child the driver started, but not
 * the processes that child started in turn (a shell's commands, a build's
 * compilers): the kernel clears the setting in every fork. The reaper is a
 * small process forked from the driver at the start of a run; the driver
 * tells it the process group of the cell running, over a pipe. When the
 * driver dies, by any signal, the pipe reads end-of-file and the reaper
 * kills that whole group, then exits. While the driver lives it only
 * sleeps in read(); it ignores the terminal's signals (the driver decides).
 */
#ifndef WIMM_REAPER_H
#define WIMM_REAPER_H

#include <sys/types.h>

/* Starts the reaper. Returns 0 or -errno (the run goes on without it: the
 * children still die with the driver, their own children may not). */
int reaper_start(void);

/* The process group to kill if the driver dies now; 0 when none. A no-op
 * without a reaper. */
void reaper_watch(pid_t pgid);

/* Ends the reaper and waits for it, so no process of the run outlives the
 * driver's exit. A no-op without one. */
void reaper_stop(void);

#endif
