/* progress.h - what a run says about itself while it runs, on stderr.
 *
 * On a terminal, one line redrawn in place:
 *   [12/44] 1:02, ETA 2:31 | tile-cache, 4 threads, jemalloc, rep 1 | work, 197.8 MiB
 * (cell k of N, time since the run started, the time left estimated from
 * the cells done, the current cell, its phase and its RSS). On a pipe, with
 * NO_COLOR set or with TERM=dumb: one plain line per cell, with the time
 * since the run started. Data stays on stdout.
 *
 * The sampler reports every tick (progress_sample), and that tick is the
 * driver's hot loop: the line is redrawn at most PROGRESS_HZ times a
 * second, and only when the terminal can take it at once (poll), so a slow
 * or stopped terminal (^S) never holds a sample back; a redraw it cannot
 * take is skipped.
 */
#ifndef WIMM_PROGRESS_H
#define WIMM_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

#define PROGRESS_HZ 4

struct progress;

/* Starts the clock of a run of total cells; live says whether to redraw a
 * line (progress_live() decides it for stderr). Returns 0 or -ENOMEM. */
int progress_create(struct progress **out, size_t total, int live);

/* Whether stderr gets the live line: a terminal, NO_COLOR unset, TERM not
 * "dumb". */
int progress_live(void);

/* Cell index (from 0) starts; label names it ("tile-cache, 4 threads,
 * jemalloc, rep 1"). Cells before it count as done for the estimate. */
void progress_cell(struct progress *p, size_t index, const char *label);

/* Whether a sample at t_s (since the cell started) would redraw the line:
 * the sampler asks first, and skips preparing what it would show. */
int progress_due(const struct progress *p, double t_s);

/* A sample of the running cell: t_s since it started, its RSS (< 0: not
 * known) and its phase ("" when none); redraws when due. Returns at once. */
void progress_sample(struct progress *p, double t_s, int64_t rss, const char *phase);

/* Clears the live line before other output; the next sample draws it again. */
void progress_clear(struct progress *p);

/* The run ended after done cells: clears the line and says how long it took. */
void progress_finish(struct progress *p, size_t done);

/* "3.2s", "1:02", "1:02:03": elapsed time for people. */
char *progress_format_clock(double s, char *buf, size_t len);

/* destroy(NULL) is a no-op. */
void progress_destroy(struct progress *p);

#endif
