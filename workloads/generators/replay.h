/* replay.h - a recorded trace (.wtrace) replayed in the worker.
 *
 * Each recorded thread is replayed by a thread of its own, in its order,
 * started when the thread that started it gets there (threads with no
 * recorded parent start at once) and ended where it ended. Frees and
 * reallocs of another thread's block wait until that allocation has been
 * replayed; an allocation into a slot another thread frees waits for that
 * free; nothing else waits, so a replay runs as fast as the allocator
 * lets it (or, with pace "recorded", keeps the recorded gaps). Every block
 * is counted on the scoreboard as the generators count theirs.
 */
#ifndef WIMM_REPLAY_H
#define WIMM_REPLAY_H

#include <stdint.h>

#include "common/scoreboard.h"

enum replay_touch { REPLAY_TOUCH_FULL, REPLAY_TOUCH_FIRST_PAGE, REPLAY_TOUCH_NONE };
enum replay_pace { REPLAY_PACE_FAST, REPLAY_PACE_RECORDED };

struct replay_opts {
	enum replay_touch touch;
	enum replay_pace pace;
};

struct replay_result {
	uint64_t events, ops;     /* events replayed; mallocs + frees (a realloc is one op) */
	uint64_t peak_live_bytes; /* the recorded order's peak (from the checked walk) */
	uint32_t threads;
	double wall_s, cpu_s;
};

/* Checks the whole trace, then replays it. Names its phases in sb (phase
 * 0 "start", then the trace's phases in the order first marked). Returns
 * 0, or -errno with the reason in sb->error. */
int replay_run(const char *path, const struct replay_opts *o, struct scoreboard *sb,
               struct replay_result *res);

/* Parses "full", "first-page", "none" / "fast", "recorded". 0 or -EINVAL. */
int replay_parse_touch(const char *s, enum replay_touch *out);
int replay_parse_pace(const char *s, enum replay_pace *out);

#endif
