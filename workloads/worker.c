/* worker.c - wimm-worker: runs one workload at one thread count, in the
 * process whose memory the driver measures.
 *
 *   wimm-worker [--threads N] [--scale F] [--time-scale F] [--idle SECONDS] WORKLOAD.yaml
 *   wimm-worker --identify | --settings
 *
 * The driver starts it with the allocator preloaded and WIMM_SCOREBOARD set;
 * everything the worker reports goes through the scoreboard. Run by hand
 * (no scoreboard) it uses a private one and prints a line at the end, which
 * is handy for debugging a workload.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "workloads/alloc_settings.h"
#include "workloads/engine.h"
#include "workloads/generators/replay.h"
#include "common/identify.h"
#include "common/procself.h"
#include "common/scoreboard.h"
#include "workloads/workload.h"

static int usage(FILE *f, int code)
{
	fprintf(f,
	        "usage: wimm-worker [--threads N] [--scale F] [--time-scale F] [--idle SECONDS]\n"
	        "                   WORKLOAD.yaml\n"
	        "       wimm-worker [--touch full|first-page|none] [--pace fast|recorded] "
	        "TRACE.wtrace\n"
	        "       wimm-worker --identify | --settings\n"
	        "Runs one workload; normally started by `wimm run`, not by hand.\n");
	return code;
}

static int parse_double(const char *s, double *out)
{
	char *end;
	errno = 0;
	*out = strtod(s, &end);
	return (errno || end == s || *end || *out <= 0) ? -EINVAL : 0;
}

/* The allocator checks the driver makes before a run: --identify (which
 * library serves malloc) and --settings (how the allocator is configured),
 * answered in the scoreboard when there is one (nothing is read from
 * stdout, where a preloaded library may print whatever it likes), else on
 * stdout for a person. */
static int answer_only(int settings)
{
	struct alloc_identity id;
	struct scoreboard *sb = NULL;
	char buf[256];
	int rc = scoreboard_attach_env(&sb);
	if (rc && rc != -ENOENT) {
		fprintf(stderr, "wimm-worker: cannot map the scoreboard: %s\n", strerror(-rc));
		return 2;
	}
	if (settings) {
		alloc_settings_read(buf, sizeof(buf));
		if (!sb) {
			printf("wimm-settings\t%s\n", buf);
			return 0;
		}
		snprintf(sb->allocator_settings, sizeof(sb->allocator_settings), "%s", buf);
		atomic_store(&sb->state, SB_DONE);
		return 0;
	}
	if (identify_allocator(&id)) {
		fprintf(stderr, "wimm-worker: no loaded object defines malloc\n");
		if (sb)
			atomic_store(&sb->state, SB_FAILED);
		return 1;
	}
	if (!sb) {
		printf("%s\t%s\t%s\n", id.owner, id.family, id.version);
		return 0;
	}
	snprintf(sb->malloc_owner, sizeof(sb->malloc_owner), "%s", id.owner);
	snprintf(sb->malloc_family, sizeof(sb->malloc_family), "%s", id.family);
	snprintf(sb->allocator_version, sizeof(sb->allocator_version), "%s", id.version);
	atomic_store(&sb->state, SB_DONE);
	return 0;
}

/* Without a driver, a private anonymous mapping stands in for the memfd. */
static struct scoreboard *private_scoreboard(void)
{
	void *p = mmap(NULL, sizeof(struct scoreboard), PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	scoreboard_init(p);
	return p;
}

/* WIMM_CHECKPOINT_STATS=1: at each checkpoint the allocator prints its own
 * statistics to stderr (glibc malloc_stats(), jemalloc
 * malloc_stats_print() as JSON, tcmalloc MallocExtension_GetStats()),
 * between two lines naming the phase, so an independent tool's figures are
 * taken at the instant wimm reads its own (scripts/truth.py compares
 * them). Only the allocator that serves malloc is asked: glibc's
 * malloc_stats under jemalloc would report glibc's empty arenas. */
static void (*glibc_stats)(void);
static void (*jemalloc_stats)(void (*)(void *, const char *), void *, const char *);
static void (*tcmalloc_stats)(char *, int);
static struct scoreboard *stats_sb;

static void say(const char *text)
{
	if (write(STDERR_FILENO, text, strlen(text)) < 0)
		return; /* a note nobody can read */
}

static void checkpoint_stats(int phase)
{
	/* Static: the hook runs inside the measured process and must not
	 * allocate (tcmalloc's short summary fits). */
	static char text[8192];
	char line[160];
	snprintf(line, sizeof(line), "wimm-worker: allocator statistics, end of phase '%s'\n",
	         stats_sb->phase_names[phase]);
	say(line);
	if (tcmalloc_stats) {
		/* gperftools also exports a malloc_stats(), the same text */
		tcmalloc_stats(text, (int)sizeof(text));
		text[sizeof(text) - 1] = 0;
		say(text);
	} else if (glibc_stats) {
		glibc_stats();
	} else if (jemalloc_stats) {
		jemalloc_stats(NULL, NULL, "J");
	}
	say("wimm-worker: end of statistics\n");
}

static void setup_checkpoint_stats(struct engine_opts *opts, struct scoreboard *sb)
{
	const char *v = getenv("WIMM_CHECKPOINT_STATS");
	if (!v || strcmp(v, "1"))
		return;
	void *g = identify_owner_symbol("malloc_stats");
	void *j = identify_owner_symbol("malloc_stats_print");
	void *t = identify_owner_symbol("MallocExtension_GetStats");
	memcpy(&glibc_stats, &g, sizeof(g));
	memcpy(&jemalloc_stats, &j, sizeof(j));
	memcpy(&tcmalloc_stats, &t, sizeof(t));
	stats_sb = sb;
	opts->checkpoint_hook = checkpoint_stats;
}

/* The end of the work: the heap and RSS as it ends (the probe adds the
 * allocator's view from exit(), and its RSS then, a moment later), the
 * true peak, and done or failed (with why). Returns 0, or 1 when the work
 * failed. */
static int finish(struct scoreboard *sb, int rc)
{
	atomic_store(&sb->exit.heap_bytes, scoreboard_live_bytes(sb));
	procself_store_statm(&sb->exit.rss_bytes, &sb->exit.file_bytes);
	atomic_store(&sb->exit.t_ns, engine_now_ns());
	int64_t hwm = procself_vmhwm();
	if (hwm > atomic_load(&sb->vmhwm_bytes))
		atomic_store(&sb->vmhwm_bytes, hwm);
	if (rc) {
		atomic_store(&sb->state, SB_FAILED);
		fprintf(stderr, "wimm-worker: %s\n", sb->error[0] ? sb->error : strerror(-rc));
		return 1;
	}
	atomic_store(&sb->state, SB_DONE);
	return 0;
}

/* A recorded trace instead of a workload (workloads/generators/replay.h). */
static int replay_main(const char *path, const struct replay_opts *o, struct scoreboard *sb,
                       int standalone)
{
	struct replay_result res;
	atomic_store(&sb->state, SB_RUNNING);
	if (finish(sb, replay_run(path, o, sb, &res)))
		return 1;
	if (standalone)
		printf("%s: %llu events, %llu ops, %u threads, %.3f s wall, %.3f s CPU, %.2f M "
		       "events per CPU-second, recorded peak %llu bytes, malloc from %s\n",
		       path, (unsigned long long)res.events, (unsigned long long)res.ops,
		       res.threads, res.wall_s, res.cpu_s,
		       res.cpu_s > 0 ? (double)res.events / res.cpu_s / 1e6 : 0,
		       (unsigned long long)res.peak_live_bytes, sb->malloc_owner);
	return 0;
}

/* Run by hand: what the driver would have read from the scoreboard. */
static void print_summary(const struct workload *w, const struct scoreboard *sb)
{
	printf("%s: %llu ops, %llu extra ops, %llu threads started, peak heap %lld bytes (+-%lld), "
	       "malloc from %s\n",
	       w->name, (unsigned long long)scoreboard_ops(sb),
	       (unsigned long long)scoreboard_extra_ops(sb),
	       (unsigned long long)engine_threads_started(),
	       (long long)atomic_load(&sb->peak_heap_bytes),
	       (long long)atomic_load(&sb->peak_heap_error_bytes), sb->malloc_owner);
	for (int i = 0; i < w->nphases && i + 1 < SCOREBOARD_PHASES; i++)
		printf("  phase %s: heap %lld bytes, rss %lld bytes at its checkpoint, %.3f s\n",
		       w->phases[i].name,
		       (long long)atomic_load(&sb->checkpoints[i + 1].at.heap_bytes),
		       (long long)atomic_load(&sb->checkpoints[i + 1].at.rss_bytes),
		       (double)(atomic_load(&sb->checkpoints[i + 1].end_ns) -
		                atomic_load(&sb->checkpoints[i + 1].start_ns)) /
		           1e9);
}

int main(int argc, char **argv)
{
	struct engine_opts opts = {.threads = 1};
	struct replay_opts ropts = {REPLAY_TOUCH_FULL, REPLAY_PACE_FAST};
	double scale = 1.0, time_scale = 1.0, idle_s = 0;
	const char *path = NULL;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--identify") || !strcmp(a, "--settings"))
			return answer_only(!strcmp(a, "--settings"));
		if (!strcmp(a, "--help") || !strcmp(a, "-h"))
			return usage(stdout, 0);
		if (i + 1 < argc && !strcmp(a, "--threads")) {
			char *end;
			long t = strtol(argv[++i], &end, 10);
			if (*end || t < 0 || t > WORKLOAD_MAX_THREADS)
				return usage(stderr, 2);
			opts.threads = (int)t;
		} else if (i + 1 < argc && !strcmp(a, "--scale")) {
			if (parse_double(argv[++i], &scale))
				return usage(stderr, 2);
		} else if (i + 1 < argc && !strcmp(a, "--touch")) {
			if (replay_parse_touch(argv[++i], &ropts.touch))
				return usage(stderr, 2);
		} else if (i + 1 < argc && !strcmp(a, "--pace")) {
			if (replay_parse_pace(argv[++i], &ropts.pace))
				return usage(stderr, 2);
		} else if (i + 1 < argc && !strcmp(a, "--time-scale")) {
			if (parse_double(argv[++i], &time_scale))
				return usage(stderr, 2);
		} else if (i + 1 < argc && !strcmp(a, "--idle")) {
			if (parse_double(argv[++i], &idle_s))
				return usage(stderr, 2);
		} else if (a[0] == '-' || path) {
			return usage(stderr, 2);
		} else {
			path = a;
		}
	}
	if (!path)
		return usage(stderr, 2);

	struct scoreboard *sb = NULL;
	int standalone = 0;
	int rc = scoreboard_attach_env(&sb);
	if (rc == -ENOENT) {
		sb = private_scoreboard();
		standalone = 1;
	}
	if (!sb) {
		fprintf(stderr, "wimm-worker: cannot map the scoreboard: %s\n", strerror(-rc));
		return 2;
	}

	struct alloc_identity id;
	if (identify_allocator(&id) == 0) {
		snprintf(sb->malloc_owner, sizeof(sb->malloc_owner), "%s", id.owner);
		snprintf(sb->malloc_family, sizeof(sb->malloc_family), "%s", id.family);
		snprintf(sb->allocator_version, sizeof(sb->allocator_version), "%s", id.version);
	}
	setup_checkpoint_stats(&opts, sb);
	/* The driver checks the owner now and stops a wrong cell early. */
	atomic_store(&sb->state, SB_READY);
	size_t plen = strlen(path);
	if (plen > 7 && !strcmp(path + plen - 7, ".wtrace"))
		return replay_main(path, &ropts, sb, standalone);

	/* The workload struct is large; keep it off the stack and out of the
	 * allocator under test. */
	struct workload *w = engine_scratch_alloc(sizeof(*w));
	char err[1024];
	if (!w || workload_load(path, w, err, sizeof(err))) {
		snprintf(sb->error, sizeof(sb->error), "%.500s", w ? err : "out of memory");
		atomic_store(&sb->state, SB_FAILED);
		fprintf(stderr, "wimm-worker: %s\n", sb->error);
		return 2;
	}
	workload_scale(w, scale, time_scale);
	if (idle_s > 0)
		workload_set_idle(w, idle_s);
	sb->nphases = w->nphases + 1;
	strcpy(sb->phase_names[0], "start");
	for (int i = 0; i < w->nphases; i++)
		snprintf(sb->phase_names[i + 1], sizeof(sb->phase_names[i + 1]), "%s",
		         w->phases[i].name);
	atomic_store(&sb->state, SB_RUNNING);

	if (finish(sb, engine_run(w, &opts, sb)))
		return 1;
	if (standalone)
		print_summary(w, sb);
	return 0;
}
