/* test_plan.c - allocators made on the command line: inline variants of -a
 * and --sweep values, how their settings join the allocator's own, their
 * names, and every input they refuse. */
#include <errno.h>
#include <stdio.h>

#include "bench/plan/sweep.h"
#include "bench/plan/variant.h"
#include "tap.h"

static struct allocator base(const char *name, const char *env)
{
	struct allocator a;
	memset(&a, 0, sizeof(a));
	snprintf(a.name, sizeof(a.name), "%s", name);
	if (env) {
		snprintf(a.env[0], sizeof(a.env[0]), "%s", env);
		a.nenv = 1;
	}
	return a;
}

static const char *env_of(const struct allocator *a, const char *var)
{
	size_t n = strlen(var);
	for (int i = 0; i < a->nenv; i++)
		if (!strncmp(a->env[i], var, n) && a->env[i][n] == '=')
			return a->env[i] + n + 1;
	return NULL;
}

TEST(sweep_parse_good)
{
	struct sweep s;
	char err[1024];
	expect_int(
	    sweep_parse("GLIBC_TUNABLES=glibc.malloc.arena_max={1,2,4,8}", &s, err, sizeof(err)),
	    0);
	expect_str(s.variable, "GLIBC_TUNABLES");
	expect_str(s.setting, "glibc.malloc.arena_max");
	expect_str(s.label, "arena_max");
	expect_int(s.nvalues, 4);
	expect_str(s.values[3], "8");
	expect_str(s.before, "GLIBC_TUNABLES=glibc.malloc.arena_max=");
	expect_str(s.after, "");
	/* A fixed tunable beside the swept one. */
	expect_int(sweep_parse("GLIBC_TUNABLES=glibc.malloc.trim_threshold=0:glibc.malloc."
	                       "mmap_threshold={65536,131072}",
	                       &s, err, sizeof(err)),
	           0);
	expect_str(s.setting, "glibc.malloc.mmap_threshold");
	expect_str(s.label, "mmap_threshold");
	expect_int(sweep_parse("MALLOC_CONF=dirty_decay_ms:{0,1000,-1},muzzy_decay_ms:0", &s, err,
	                       sizeof(err)),
	           0);
	expect_str(s.setting, "dirty_decay_ms");
	expect_str(s.label, "dirty_decay_ms");
	expect_str(s.after, ",muzzy_decay_ms:0");
	expect_str(s.values[2], "-1");
	/* Any other variable is set whole, text around the braces kept. */
	expect_int(sweep_parse("TCMALLOC_RELEASE_RATE=x{1,10}y", &s, err, sizeof(err)), 0);
	expect_str(s.setting, "TCMALLOC_RELEASE_RATE");
	expect_str(s.label, "TCMALLOC_RELEASE_RATE");
	expect_str(s.before, "TCMALLOC_RELEASE_RATE=x");
	expect_str(s.after, "y");
	expect_int(sweep_parse("ONE={only}", &s, err, sizeof(err)), 0);
	expect_int(s.nvalues, 1);
}

static void sweep_bad(const char *arg, const char *want)
{
	struct sweep s;
	char err[1024] = "";
	int rc = sweep_parse(arg, &s, err, sizeof(err));
	expect(rc == -EINVAL && strstr(err, want), "--sweep '%s' refused with \"%s\" (rc %d: %s)",
	       arg, want, rc, err);
}

TEST(sweep_parse_bad)
{
	sweep_bad("GLIBC_TUNABLES", "expected VAR=");
	sweep_bad("GLIBC_TUNABLES=glibc.malloc.arena_max=2", "no {...}");
	sweep_bad("GLIBC_TUNABLES=glibc.malloc.arena_max={1,2", "no {...}");
	sweep_bad("LD_PRELOAD={/a.so,/b.so}", "LD_PRELOAD cannot be set");
	sweep_bad("WIMM_SCOREBOARD={1,2}", "WIMM_* variables are wimm's own");
	sweep_bad("1BAD={1,2}", "is not a variable name");
	sweep_bad("FOO={1,2}{3,4}", "one {...} per --sweep");
	sweep_bad("FOO=}{1,2}", "one {...} per --sweep");
	sweep_bad("FOO={1,,2}", "an empty value");
	sweep_bad("FOO={}", "an empty value");
	sweep_bad("FOO={1,2,1}", "listed twice");
	sweep_bad("FOO={a\tb}", "a control character");
	sweep_bad("FOO={1,{2}", "a brace inside the braces");
	sweep_bad("GLIBC_TUNABLES=glibc.malloc.arena_max={1,2:x=3}", "separates the settings");
	sweep_bad("GLIBC_TUNABLES=glibc.malloc.{arena_max,arena_test}=1",
	          "the value of one setting");
	sweep_bad("GLIBC_TUNABLES={a=1,b=2}", "the value of one setting");
	sweep_bad("GLIBC_TUNABLES=glibc.malloc.arena_max={1,2}:junk", "'junk' is not a setting");
	sweep_bad("MALLOC_CONF=dirty_decay_ms:{0,1},", "an empty setting");
	char many[512] = "FOO={0";
	for (int i = 1; i <= SWEEP_MAX_VALUES; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), ",%d", i);
	strcat(many, "}");
	sweep_bad(many, "more than 32 values");
	char longv[256] = "FOO={";
	memset(longv + 5, 'x', 70);
	strcpy(longv + 75, "}");
	sweep_bad(longv, "longer than 63");
}

TEST(sweep_variants)
{
	struct sweep s[2];
	struct allocator out,
	    arena1 = base("glibc-arena1", "GLIBC_TUNABLES=glibc.malloc.arena_max=1");
	char err[1024];
	snprintf(arena1.variant_of, sizeof(arena1.variant_of), "glibc");
	expect_int(sweep_parse("GLIBC_TUNABLES=glibc.malloc.mmap_threshold={65536,131072}", &s[0],
	                       err, sizeof(err)),
	           0);
	expect_int(sweep_parse("ARENA_TEST={1,2,3}", &s[1], err, sizeof(err)), 0);
	expect_int(sweep_count(s, 2), 6);
	/* glibc-arena1 keeps its arena_max=1: the tunable joins the list. */
	expect_int(sweep_variant(&arena1, s, 1, 1, &out, err, sizeof(err)), 0);
	expect_str(out.name, "glibc-arena1-mmap_threshold-131072");
	expect_str(env_of(&out, "GLIBC_TUNABLES"),
	           "glibc.malloc.arena_max=1:glibc.malloc.mmap_threshold=131072");
	expect_str(out.derived_from, "glibc-arena1");
	expect_str(out.variant_of, "glibc");
	expect_int(out.nsweep, 1);
	expect_str(out.sweep[0], "131072");
	/* The first sweep changes slowest. */
	expect_int(sweep_variant(&arena1, s, 2, 4, &out, err, sizeof(err)), 0);
	expect_str(out.name, "glibc-arena1-mmap_threshold-131072-ARENA_TEST-2");
	expect_str(out.sweep[0], "131072");
	expect_str(out.sweep[1], "2");
	expect_str(env_of(&out, "ARENA_TEST"), "2");
	/* A swept setting the allocator already has replaces it in place. */
	expect_int(
	    sweep_parse("GLIBC_TUNABLES=glibc.malloc.arena_max={2,4}", &s[0], err, sizeof(err)), 0);
	expect_int(sweep_variant(&arena1, s, 1, 0, &out, err, sizeof(err)), 0);
	expect_str(env_of(&out, "GLIBC_TUNABLES"), "glibc.malloc.arena_max=2");
	/* A full environment is refused, naming the sweep and the allocator. */
	struct allocator full = base("full", NULL);
	for (int i = 0; i < ALLOCATOR_MAX_ENV; i++)
		snprintf(full.env[i], sizeof(full.env[i]), "V%d=1", i);
	full.nenv = ALLOCATOR_MAX_ENV;
	expect_int(sweep_variant(&full, &s[1], 1, 0, &out, err, sizeof(err)), -EINVAL);
	expect(strstr(err, "on full") && strstr(err, "at most 16 variables"), "full: %s", err);
}

TEST(list_merge)
{
	struct allocator a =
	    base("jemalloc-bg", "MALLOC_CONF=background_thread:true,dirty_decay_ms:1000");
	char err[512];
	expect_int(
	    variant_apply(&a, "MALLOC_CONF=dirty_decay_ms:0,muzzy_decay_ms:5", err, sizeof(err)),
	    0);
	expect_str(env_of(&a, "MALLOC_CONF"),
	           "background_thread:true,dirty_decay_ms:0,muzzy_decay_ms:5");
	/* Any other variable is replaced whole, or added. */
	expect_int(variant_apply(&a, "MIMALLOC_PURGE_DELAY=0", err, sizeof(err)), 0);
	expect_int(variant_apply(&a, "MIMALLOC_PURGE_DELAY=10", err, sizeof(err)), 0);
	expect_int(a.nenv, 2);
	expect_str(env_of(&a, "MIMALLOC_PURGE_DELAY"), "10");
	expect_int(variant_apply(&a, "MALLOC_CONF=oops", err, sizeof(err)), -EINVAL);
	expect(strstr(err, "'oops' is not a setting") != NULL, "MALLOC_CONF=oops: %s", err);
	char big[ALLOCATOR_ENV_MAX + 32] = "GLIBC_TUNABLES=a=";
	memset(big + 17, '9', ALLOCATOR_ENV_MAX);
	big[17 + ALLOCATOR_ENV_MAX] = 0;
	expect_int(variant_apply(&a, big, err, sizeof(err)), -EINVAL);
	expect(strstr(err, "at most 511 characters") != NULL, "too long: %s", err);
}

TEST(inline_variants)
{
	struct allocator glibc = base("glibc", NULL), out;
	char err[1024];
	expect_int(variant_inline(&glibc, "GLIBC_TUNABLES=glibc.malloc.arena_max=2",
	                          "glibc:GLIBC_TUNABLES=glibc.malloc.arena_max=2", &out, err,
	                          sizeof(err)),
	           0);
	/* The same name a sweep value 2 of arena_max gets. */
	expect_str(out.name, "glibc-arena_max-2");
	expect_str(out.derived_from, "glibc");
	expect_str(out.variant_of, "glibc");
	expect_str(out.source, "-a glibc:GLIBC_TUNABLES=glibc.malloc.arena_max=2");
	expect_int(out.nsweep, 0);
	expect_int(variant_inline(&glibc,
	                          "GLIBC_TUNABLES=glibc.malloc.arena_max=1:glibc.malloc."
	                          "trim_threshold=0  X=1",
	                          "x", &out, err, sizeof(err)),
	           0);
	expect_str(out.name, "glibc-arena_max-1-trim_threshold-0-X-1");
	/* Too long a name ends in a hash of the whole (names below). */
	expect_int(variant_inline(&glibc, "MALLOC_ARENA_TEST=1 MALLOC_TOP_PAD_=131072", "x", &out,
	                          err, sizeof(err)),
	           0);
	expect(strlen(out.name) == ALLOCATOR_NAME_MAX - 1 &&
	           !strncmp(out.name, "glibc-MALLOC_ARENA_TEST-1-MALLOC_TOP_-h", 39),
	       "a long name fits: %s", out.name);
	expect_int(out.nenv, 2);
	static const struct {
		const char *spec, *want;
	} bad[] = {
	    {"", "nothing after 'glibc:'"},
	    {"   ", "nothing after 'glibc:'"},
	    {"GLIBC_TUNABLES=a=1 stray", "expected VAR=value, got 'stray'"},
	    {"LD_PRELOAD=/x.so", "LD_PRELOAD cannot be set"},
	    {"WIMM_PROBE=/x.so", "WIMM_* variables are wimm's own"},
	    {"9X=1", "is not a variable name"},
	    {"=1", "is not a variable name"},
	    {"GLIBC_TUNABLES=glibc.malloc.arena_max", "is not a setting"},
	    {"GLIBC_TUNABLES=glibc.malloc.arena_max=", "is not a setting"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		int rc = variant_inline(&glibc, bad[i].spec, bad[i].spec, &out, err, sizeof(err));
		expect(rc == -EINVAL && strstr(err, bad[i].want), "'%s' refused with \"%s\": %s",
		       bad[i].spec, bad[i].want, err);
	}
	char many[1024] = "";
	for (int i = 0; i <= ALLOCATOR_MAX_ENV; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), "V%d=1 ", i);
	expect_int(variant_inline(&glibc, many, "many", &out, err, sizeof(err)), -EINVAL);
	expect(strstr(err, "at most 16 variables") != NULL, "17 variables: %s", err);
}

TEST(names)
{
	char name[ALLOCATOR_NAME_MAX], again[ALLOCATOR_NAME_MAX], other[ALLOCATOR_NAME_MAX];
	variant_fit_name("glibc-arena_max-2", name);
	expect_str(name, "glibc-arena_max-2");
	/* Too long: the start, and a hash of the whole, the same every time. */
	const char *full = "glibc-arena1-mmap_threshold-131072-trim_threshold-131072-arena_max-8";
	variant_fit_name(full, name);
	variant_fit_name(full, again);
	expect(strlen(name) == ALLOCATOR_NAME_MAX - 1 && allocator_name_ok(name),
	       "long name fits: %s", name);
	expect_str(name, again);
	expect(!strncmp(name, full, 37) && !strncmp(name + 37, "-h", 2), "keeps its start: %s",
	       name);
	/* Characters a name cannot hold: replaced, and told apart by the hash. */
	variant_fit_name("x-FOO-a:b", name);
	variant_fit_name("x-FOO-a,b", other);
	expect(allocator_name_ok(name) && allocator_name_ok(other) && strcmp(name, other),
	       "'%s' and '%s' differ", name, other);
	expect(!strncmp(name, "x-FOO-a_b-h", 11), "sanitized: %s", name);
	struct allocator a = base("a", "X=1"), b = base("a", "X=1");
	expect(variant_same(&a, &b), "same definition");
	snprintf(b.env[0], sizeof(b.env[0]), "X=2");
	expect(!variant_same(&a, &b), "another value");
}

int main(void)
{
	return tap_run((struct tap_test[]){
	    TAP(sweep_parse_good),
	    TAP(sweep_parse_bad),
	    TAP(sweep_variants),
	    TAP(list_merge),
	    TAP(inline_variants),
	    TAP(names),
	    {0},
	});
}
