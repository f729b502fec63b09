/* progress.c - the live line and the plain lines of a run (see progress.h).
 *
 * The line is written with one write(2) of "\r<text>\033[K", cut to the
 * terminal's width so it never wraps (a wrapped line cannot be redrawn in
 * place). Log messages clear it first (log_set_interrupt), so a warning
 * about a failed cell starts on a line of its own.
 */
#include "bench/run/progress.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/units.h"

struct progress {
	size_t total, index;
	int live;
	int shown; /* the live line is on the terminal */
	int width; /* columns, read at each cell */
	double t0, cell_t0, last_draw;
	char label[256];
	char phase[64];
	int64_t rss;
};

static struct progress *current; /* the one log_set_interrupt clears */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int progress_live(void) { return log_colour_ok(STDERR_FILENO); }

static void on_log(void) { progress_clear(current); }

int progress_create(struct progress **out, size_t total, int live)
{
	struct progress *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->total = total;
	p->live = live;
	p->t0 = now_s();
	p->rss = -1;
	if (live) {
		current = p;
		log_set_interrupt(on_log);
	}
	*out = p;
	return 0;
}

char *progress_format_clock(double s, char *buf, size_t len)
{
	long t = s > 0 ? (long)s : 0;
	if (s < 60) /* "0:03" says less than "3.2s" */
		snprintf(buf, len, "%.1fs", s > 0 ? s : 0.0);
	else if (t >= 3600)
		snprintf(buf, len, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(buf, len, "%ld:%02ld", t / 60, t % 60);
	return buf;
}

/* Writes all of text when the terminal takes it now; else nothing. */
static int put(const char *text, size_t len)
{
	struct pollfd pfd = {.fd = STDERR_FILENO, .events = POLLOUT};
	if (poll(&pfd, 1, 0) != 1 || !(pfd.revents & POLLOUT))
		return -1;
	return write(STDERR_FILENO, text, len) == (ssize_t)len ? 0 : -1;
}

static void draw(struct progress *p, double now)
{
	char line[512], elapsed[32], eta[48] = "", size[32] = "";
	size_t done = p->index;
	progress_format_clock(now - p->t0, elapsed, sizeof(elapsed));
	/* The time per cell so far, times the cells left, less what the
	 * current one has already taken. */
	if (done > 0) {
		double per = (p->cell_t0 - p->t0) / (double)done;
		double left = per * (double)(p->total - done) - (now - p->cell_t0);
		char clock[32];
		snprintf(eta, sizeof(eta), ", ETA %s",
		         progress_format_clock(left, clock, sizeof(clock)));
	}
	if (p->rss >= 0)
		units_format_size((uint64_t)p->rss, size, sizeof(size));
	int n = snprintf(line, sizeof(line), "\r[%zu/%zu] %s%s | %s%s%s%s%s", p->index + 1,
	                 p->total, elapsed, eta, p->label, p->phase[0] || size[0] ? " | " : "",
	                 p->phase, p->phase[0] && size[0] ? ", " : "", size);
	if (n < 0)
		return;
	size_t len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
	/* One column short of the width: the cursor on the last column would
	 * wrap on some terminals. */
	if (p->width > 1 && len > (size_t)p->width)
		len = (size_t)p->width;
	memcpy(line + len, "\033[K", 4);
	if (put(line, len + 3) == 0) {
		p->shown = 1;
		p->last_draw = now;
	}
}

void progress_cell(struct progress *p, size_t index, const char *label)
{
	double now = now_s();
	p->index = index;
	p->cell_t0 = now;
	p->rss = -1;
	p->phase[0] = 0;
	snprintf(p->label, sizeof(p->label), "%s", label);
	if (!p->live) {
		char elapsed[32];
		log_info("[%zu/%zu] %s (%s elapsed)", index + 1, p->total, label,
		         progress_format_clock(now - p->t0, elapsed, sizeof(elapsed)));
		return;
	}
	struct winsize ws;
	p->width = ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 ? ws.ws_col - 1 : 79;
	draw(p, now);
}

int progress_due(const struct progress *p, double t_s)
{
	/* The tick's own time: no clock read unless a redraw is due. */
	return p && p->live && p->cell_t0 + t_s - p->last_draw >= 1.0 / PROGRESS_HZ;
}

void progress_sample(struct progress *p, double t_s, int64_t rss, const char *phase)
{
	if (!progress_due(p, t_s))
		return;
	p->rss = rss;
	snprintf(p->phase, sizeof(p->phase), "%s", phase);
	draw(p, now_s());
}

void progress_clear(struct progress *p)
{
	if (p && p->shown) {
		(void)!write(STDERR_FILENO, "\r\033[K", 4);
		p->shown = 0;
		p->last_draw = 0;
	}
}

void progress_finish(struct progress *p, size_t done)
{
	char elapsed[32];
	if (!p)
		return;
	progress_clear(p);
	log_info("%zu of %zu cell%s run in %s", done, p->total, p->total == 1 ? "" : "s",
	         progress_format_clock(now_s() - p->t0, elapsed, sizeof(elapsed)));
}

void progress_destroy(struct progress *p)
{
	if (!p)
		return;
	progress_clear(p);
	if (current == p) {
		log_set_interrupt(NULL);
		current = NULL;
	}
	free(p);
}
