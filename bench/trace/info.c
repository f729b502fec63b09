/* info.c - `wimm trace info`: duration, threads, events by call, the peak
 * live heap and when, sizes, lifetimes, cross-thread frees, reallocs that
 * grow and shrink. Everything comes from one trace_walk, which also checks
 * the whole file, so info doubles as the trace's validator.
 */
#include "bench/trace/info.h"

#include <errno.h>
#include <json-c/json.h>
#include <string.h>

#include "common/trace_read.h"
#include "common/trace_walk.h"
#include "common/units.h"

static const char *const call_names[TRACE_NCALLS] = {"malloc",         "calloc",        "memalign",
                                                     "posix_memalign", "aligned_alloc", "valloc",
                                                     "pvalloc",        "realloc(NULL)"};
static const char *const life_names[INFO_LIFE_BUCKETS] = {
    "< 1 ms", "1-10 ms", "10-100 ms", "0.1-1 s", "1-10 s", ">= 10 s", "never freed"};

static int size_bucket(uint64_t size)
{
	int b = 0;
	for (uint64_t lim = 8; b < INFO_SIZE_BUCKETS - 1 && size > lim; lim <<= 1)
		b++;
	return b;
}

struct collect {
	struct trace_stats *st;
};

static int on_event(void *ctx, uint32_t tid, const struct trace_event *ev, uint64_t now,
                    const struct trace_walk_block *freed, uint64_t live)
{
	struct trace_stats *st = ((struct collect *)ctx)->st;
	(void)live;
	if (freed) {
		uint64_t ms =
		    (now > freed->t_alloc ? now - freed->t_alloc : 0) * st->tick_ns / 1000000;
		int b = ms < 1       ? 0
		        : ms < 10    ? 1
		        : ms < 100   ? 2
		        : ms < 1000  ? 3
		        : ms < 10000 ? 4
		                     : 5;
		st->life[b]++;
		if (freed->owner != tid)
			st->frees_other_thread++;
	}
	switch (ev->op) {
	case TRACE_OP_FREE:
	case TRACE_OP_FREE_FROM:
		st->frees++;
		st->realloc_zero += (uint64_t)ev->realloc0;
		break;
	case TRACE_OP_REALLOC:
	case TRACE_OP_REALLOC_FROM:
		if (ev->size > freed->size)
			st->realloc_grow++;
		else if (ev->size < freed->size)
			st->realloc_shrink++;
		else
			st->realloc_same++;
		break;
	case TRACE_OP_ALLOC:
		st->calls[ev->call]++;
		break;
	case TRACE_OP_SPAWN:
		st->threads_spawned++;
		break;
	case TRACE_OP_PHASE:
		st->phases_seen++;
		break;
	case TRACE_OP_STEP:
		st->steps++;
		break;
	}
	if (ev->op == TRACE_OP_ALLOC || ev->op == TRACE_OP_REALLOC ||
	    ev->op == TRACE_OP_REALLOC_FROM) {
		int b = size_bucket(ev->size);
		st->size_count[b]++;
		st->size_bytes[b] += ev->size;
	}
	return 0;
}

int info_collect(const char *path, struct trace_stats *st, char *err, size_t errlen)
{
	struct trace_reader *r;
	memset(st, 0, sizeof(*st));
	int rc = trace_open(path, &r, err, errlen);
	if (rc)
		return rc;
	const struct trace_header *h = trace_header(r);
	st->tick_ns = h->tick_ns;
	st->threads = h->nthreads;
	struct collect c = {st};
	struct trace_walk_totals tot;
	rc = trace_walk(r, on_event, &c, &tot);
	if (rc) {
		snprintf(err, errlen, "%s", trace_error(r));
		trace_close(r);
		return rc;
	}
	st->events = tot.events;
	st->allocs = tot.allocs;
	st->peak_live = tot.peak_live;
	st->peak_at_ns = tot.peak_at_ticks * h->tick_ns;
	st->live_end = tot.live_end;
	st->blocks_end = tot.allocs - tot.frees;
	st->life[INFO_LIFE_BUCKETS - 1] = st->blocks_end;
	st->duration_ns = h->duration_ns ? h->duration_ns : tot.end_ticks * h->tick_ns;
	trace_close(r);
	return 0;
}

/* A header text field, made printable (NULs of argument lists as spaces). */
static const char *text(struct trace_reader *r, const char *key, char *buf, size_t len)
{
	size_t n;
	const char *v = trace_field(r, key, &n);
	if (!v)
		return "";
	if (n >= len)
		n = len - 1;
	for (size_t i = 0; i < n; i++)
		buf[i] = v[i] == 0 ? ' ' : ((unsigned char)v[i] < 0x20 ? '?' : v[i]);
	buf[n] = 0;
	return buf;
}

static const char *const context_keys[] = {
    "command", "exe",  "allocator", "recorded_under", "host",       "kernel", "started_utc",
    "pid",     "ppid", "children",  "exit",           "incomplete", "wimm"};

static void bucket_label(int b, char *buf, size_t len)
{
	char s[32];
	if (b == INFO_SIZE_BUCKETS - 1)
		snprintf(buf, len, "> %s", units_format_size(8ull << (b - 1), s, sizeof(s)));
	else
		snprintf(buf, len, "<= %s", units_format_size(8ull << b, s, sizeof(s)));
}

static void print_json(struct trace_reader *r, const struct trace_stats *st, FILE *out)
{
	json_object *o = json_object_new_object(), *ctx = json_object_new_object();
	char buf[8192];
	for (size_t i = 0; i < sizeof(context_keys) / sizeof(*context_keys); i++)
		if (trace_field(r, context_keys[i], NULL))
			json_object_object_add(
			    ctx, context_keys[i],
			    json_object_new_string(text(r, context_keys[i], buf, sizeof(buf))));
	const struct trace_header *h = trace_header(r);
	json_object_object_add(o, "context", ctx);
	json_object_object_add(o, "format_version", json_object_new_int((int)h->version));
	json_object_object_add(o, "complete", json_object_new_boolean(h->complete));
	json_object_object_add(o, "duration_s",
	                       json_object_new_double((double)st->duration_ns / 1e9));
	json_object_object_add(o, "threads", json_object_new_int64(st->threads));
	json_object_object_add(o, "events", json_object_new_int64((int64_t)st->events));
	json_object *calls = json_object_new_object();
	for (int i = 0; i < TRACE_NCALLS; i++)
		json_object_object_add(calls, call_names[i],
		                       json_object_new_int64((int64_t)st->calls[i]));
	json_object_object_add(
	    calls, "realloc",
	    json_object_new_int64(
	        (int64_t)(st->realloc_grow + st->realloc_shrink + st->realloc_same)));
	json_object_object_add(calls, "free", json_object_new_int64((int64_t)st->frees));
	json_object_object_add(o, "calls", calls);
	json_object_object_add(o, "peak_live_bytes", json_object_new_int64((int64_t)st->peak_live));
	json_object_object_add(o, "peak_at_s",
	                       json_object_new_double((double)st->peak_at_ns / 1e9));
	json_object_object_add(o, "live_at_end_bytes",
	                       json_object_new_int64((int64_t)st->live_end));
	json_object_object_add(o, "blocks_at_end", json_object_new_int64((int64_t)st->blocks_end));
	json_object_object_add(o, "frees_by_other_thread",
	                       json_object_new_int64((int64_t)st->frees_other_thread));
	json_object_object_add(o, "realloc_grow", json_object_new_int64((int64_t)st->realloc_grow));
	json_object_object_add(o, "realloc_shrink",
	                       json_object_new_int64((int64_t)st->realloc_shrink));
	json_object_object_add(o, "realloc_same", json_object_new_int64((int64_t)st->realloc_same));
	json_object_object_add(o, "unmatched_frees", json_object_new_int64((int64_t)h->unmatched));
	json_object *sizes = json_object_new_array();
	for (int b = 0; b < INFO_SIZE_BUCKETS; b++) {
		if (!st->size_count[b])
			continue;
		json_object *e = json_object_new_object();
		json_object_object_add(
		    e, "max_bytes",
		    b == INFO_SIZE_BUCKETS - 1 ? NULL : json_object_new_int64(8ll << b));
		json_object_object_add(e, "blocks",
		                       json_object_new_int64((int64_t)st->size_count[b]));
		json_object_object_add(e, "bytes",
		                       json_object_new_int64((int64_t)st->size_bytes[b]));
		json_object_array_add(sizes, e);
	}
	json_object_object_add(o, "sizes", sizes);
	json_object *life = json_object_new_object();
	for (int b = 0; b < INFO_LIFE_BUCKETS; b++)
		json_object_object_add(life, life_names[b],
		                       json_object_new_int64((int64_t)st->life[b]));
	json_object_object_add(o, "lifetimes", life);
	json_object *ph = json_object_new_array();
	for (int i = 0; i < h->nphases; i++)
		json_object_array_add(ph, json_object_new_string(h->phases[i]));
	json_object_object_add(o, "phases", ph);
	fprintf(out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
	json_object_put(o);
}

static void print_text(struct trace_reader *r, const struct trace_stats *st, FILE *out)
{
	const struct trace_header *h = trace_header(r);
	char buf[8192], a[32], b[32];
	for (size_t i = 0; i < sizeof(context_keys) / sizeof(*context_keys); i++)
		if (trace_field(r, context_keys[i], NULL))
			fprintf(out, "%-16s %s\n", context_keys[i],
			        text(r, context_keys[i], buf, sizeof(buf)));
	fprintf(out, "%-16s %s\n", "complete", h->complete ? "yes" : "NO (see incomplete)");
	fprintf(out, "%-16s %s\n", "duration",
	        units_format_duration((double)st->duration_ns / 1e9, a, sizeof(a)));
	fprintf(out, "%-16s %u (%u started by another)\n", "threads", st->threads,
	        st->threads_spawned);
	fprintf(out, "%-16s %llu\n", "events", (unsigned long long)st->events);
	fprintf(out, "\ncalls\n");
	for (int i = 0; i < TRACE_NCALLS; i++)
		if (st->calls[i])
			fprintf(out, "  %-16s %14llu\n", call_names[i],
			        (unsigned long long)st->calls[i]);
	uint64_t re = st->realloc_grow + st->realloc_shrink + st->realloc_same;
	if (re)
		fprintf(out, "  %-16s %14llu  (%llu grow, %llu shrink, %llu same size)\n",
		        "realloc", (unsigned long long)re, (unsigned long long)st->realloc_grow,
		        (unsigned long long)st->realloc_shrink,
		        (unsigned long long)st->realloc_same);
	fprintf(out, "  %-16s %14llu  (%.1f%% freed by another thread", "free",
	        (unsigned long long)st->frees,
	        st->frees ? 100.0 * (double)st->frees_other_thread / (double)st->frees : 0.0);
	if (st->realloc_zero)
		fprintf(out, "; %llu as realloc(p, 0)", (unsigned long long)st->realloc_zero);
	fprintf(out, ")\n");
	if (h->unmatched)
		fprintf(out, "  %-16s %14llu  (dropped: never seen allocated)\n", "unmatched free",
		        (unsigned long long)h->unmatched);
	fprintf(out, "\npeak live heap   %s at %s\n",
	        units_format_size(st->peak_live, a, sizeof(a)),
	        units_format_duration((double)st->peak_at_ns / 1e9, b, sizeof(b)));
	fprintf(out, "live at the end  %s in %llu blocks\n",
	        units_format_size(st->live_end, a, sizeof(a)), (unsigned long long)st->blocks_end);
	fprintf(out, "\nsizes            %14s %12s\n", "blocks", "bytes");
	for (int k = 0; k < INFO_SIZE_BUCKETS; k++) {
		if (!st->size_count[k])
			continue;
		bucket_label(k, buf, sizeof(buf));
		fprintf(out, "  %-14s %14llu %12s\n", buf, (unsigned long long)st->size_count[k],
		        units_format_size(st->size_bytes[k], a, sizeof(a)));
	}
	fprintf(out, "\nlifetimes        %14s\n", "blocks");
	for (int k = 0; k < INFO_LIFE_BUCKETS; k++)
		fprintf(out, "  %-14s %14llu\n", life_names[k], (unsigned long long)st->life[k]);
	if (h->nphases) {
		fprintf(out, "\nphases          ");
		for (int i = 0; i < h->nphases; i++)
			fprintf(out, " %s", h->phases[i]);
		fprintf(out, " (%llu markers, %llu steps)\n", (unsigned long long)st->phases_seen,
		        (unsigned long long)st->steps);
	}
}

int info_print(const char *path, const struct trace_stats *st, int json, FILE *out)
{
	struct trace_reader *r;
	char err[1024];
	int rc = trace_open(path, &r, err, sizeof(err));
	if (rc)
		return rc;
	if (json)
		print_json(r, st, out);
	else
		print_text(r, st, out);
	trace_close(r);
	return 0;
}
