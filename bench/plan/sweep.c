/* sweep.c - --sweep values and their variants (see sweep.h). */
#include "bench/plan/sweep.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bench/plan/variant.h"

static const char example[] = "e.g. --sweep 'GLIBC_TUNABLES=glibc.malloc.arena_max={1,2,4,8}'";

/* The values between the braces: non-empty, printable, each once. */
static int parse_values(const char *arg, const char *open, const char *close, struct sweep *out,
                        const struct variant_list *l, char *err, size_t errlen)
{
	const char *p = open + 1;
	out->nvalues = 0;
	for (;;) {
		size_t len = strcspn(p, ",}");
		if (p + len > close)
			len = (size_t)(close - p);
		char why[160] = "";
		char *v = out->values[out->nvalues];
		if (out->nvalues == SWEEP_MAX_VALUES)
			snprintf(why, sizeof(why), "more than %d values", SWEEP_MAX_VALUES);
		else if (len == 0)
			snprintf(why, sizeof(why),
			         "an empty value (the allocator itself runs too, "
			         "with its own setting)");
		else if (len >= ALLOCATOR_SWEEP_VALUE_MAX)
			snprintf(why, sizeof(why), "a value longer than %d characters",
			         ALLOCATOR_SWEEP_VALUE_MAX - 1);
		for (size_t i = 0; !why[0] && i < len; i++)
			if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
				snprintf(why, sizeof(why), "a control character in a value");
			else if (p[i] == '{')
				snprintf(why, sizeof(why), "a brace inside the braces");
			else if (l && p[i] == l->sep)
				snprintf(
				    why, sizeof(why),
				    "the value '%.*s' holds '%c', which separates the settings "
				    "of %s",
				    (int)len, p, l->sep, l->variable);
		if (why[0]) {
			snprintf(err, errlen,
			         "--sweep '%s': %s; give 1 to %d values of 1 to %d "
			         "characters, separated by commas",
			         arg, why, SWEEP_MAX_VALUES, ALLOCATOR_SWEEP_VALUE_MAX - 1);
			return -EINVAL;
		}
		snprintf(v, ALLOCATOR_SWEEP_VALUE_MAX, "%.*s", (int)len, p);
		for (int i = 0; i < out->nvalues; i++)
			if (!strcmp(out->values[i], v)) {
				snprintf(err, errlen,
				         "--sweep '%s': the value '%s' is listed twice", arg, v);
				return -EINVAL;
			}
		out->nvalues++;
		p += len;
		if (p >= close)
			return 0;
		p++; /* the comma */
	}
}

int sweep_parse(const char *arg, struct sweep *out, char *err, size_t errlen)
{
	char why[ALLOCATOR_ENV_MAX + 160];
	memset(out, 0, sizeof(*out));
	if (strlen(arg) >= sizeof(out->arg)) {
		snprintf(err, errlen, "--sweep '%.60s...': at most %zu characters", arg,
		         sizeof(out->arg) - 1);
		return -EINVAL;
	}
	snprintf(out->arg, sizeof(out->arg), "%s", arg);
	const char *eq = strchr(arg, '=');
	if (!eq) {
		snprintf(err, errlen, "--sweep '%s': expected VAR=...{VALUE,VALUE,...}..., %s", arg,
		         example);
		return -EINVAL;
	}
	size_t vlen = (size_t)(eq - arg);
	/* Refused as in an allocator file: LD_PRELOAD names the allocator
	 * itself, and WIMM_* are the driver's channel to the child. */
	const char *problem = allocator_env_problem(arg, vlen, why, sizeof(why));
	if (problem) {
		snprintf(err, errlen, "--sweep '%s': %s", arg, problem);
		return -EINVAL;
	}
	snprintf(out->variable, sizeof(out->variable), "%.*s", (int)vlen, arg);
	const char *open = strchr(eq, '{'), *close = open ? strchr(open, '}') : NULL;
	if (!open || !close) {
		snprintf(err, errlen,
		         "--sweep '%s': no {...} holding the values; %s (quoted, so that the "
		         "shell does not expand the braces itself)",
		         arg, example);
		return -EINVAL;
	}
	if (strchr(close + 1, '{') || strchr(close + 1, '}') ||
	    memchr(eq, '}', (size_t)(open - eq))) {
		snprintf(err, errlen,
		         "--sweep '%s': one {...} per --sweep; give one --sweep per setting, "
		         "and they multiply",
		         arg);
		return -EINVAL;
	}
	const struct variant_list *l = variant_list_of(arg, vlen);
	if (parse_values(arg, open, close, out, l, err, errlen))
		return -EINVAL;
	if (l) {
		/* The setting around the braces: from the separator before them
		 * to the one after. */
		const char *start = open;
		while (start > eq + 1 && start[-1] != l->sep)
			start--;
		const char *as = memchr(start, l->assign, (size_t)(open - start));
		if (!as || as == start) {
			snprintf(err, errlen,
			         "--sweep '%s': in %s the braces hold the value of one setting, "
			         "written name%c{VALUE,...}; %s",
			         arg, l->variable, l->assign, example);
			return -EINVAL;
		}
		snprintf(out->setting, sizeof(out->setting), "%.*s", (int)(as - start), start);
		variant_label(l, start, (size_t)(as - start), out->label, sizeof(out->label));
	} else {
		snprintf(out->setting, sizeof(out->setting), "%s", out->variable);
		snprintf(out->label, sizeof(out->label), "%s", out->variable);
	}
	snprintf(out->before, sizeof(out->before), "%.*s", (int)(open - arg), arg);
	snprintf(out->after, sizeof(out->after), "%s", close + 1);
	/* Every value as it will reach the environment, checked once here
	 * (list syntax, length) so a bad one is said before any allocator. */
	for (int i = 0; i < out->nvalues; i++) {
		static struct allocator probe;
		char assignment[ALLOCATOR_ENV_MAX * 3];
		memset(&probe, 0, sizeof(probe));
		snprintf(assignment, sizeof(assignment), "%s%s%s", out->before, out->values[i],
		         out->after);
		if (variant_apply(&probe, assignment, why, sizeof(why))) {
			snprintf(err, errlen, "--sweep '%s': %s", arg, why);
			return -EINVAL;
		}
	}
	return 0;
}

int sweep_count(const struct sweep *sw, int nsw)
{
	int n = 1;
	for (int i = 0; i < nsw; i++)
		n *= sw[i].nvalues;
	return n;
}

int sweep_variant(const struct allocator *base, const struct sweep *sw, int nsw, int k,
                  struct allocator *out, char *err, size_t errlen)
{
	char full[ALLOCATOR_ENV_MAX * 2], why[ALLOCATOR_ENV_MAX + 160];
	int idx[SWEEP_MAX];
	for (int s = nsw - 1; s >= 0; s--) {
		idx[s] = k % sw[s].nvalues;
		k /= sw[s].nvalues;
	}
	*out = *base;
	out->path[0] = 0;
	out->settings[0] = 0;
	out->nsweep = nsw;
	snprintf(full, sizeof(full), "%s", base->name);
	size_t note = (size_t)snprintf(out->note, sizeof(out->note), "%s with", base->name);
	for (int s = 0; s < nsw; s++) {
		const char *value = sw[s].values[idx[s]];
		char assignment[ALLOCATOR_ENV_MAX * 3];
		snprintf(assignment, sizeof(assignment), "%s%s%s", sw[s].before, value,
		         sw[s].after);
		if (variant_apply(out, assignment, why, sizeof(why))) {
			snprintf(err, errlen, "--sweep '%s' on %s: %s", sw[s].arg, base->name, why);
			return -EINVAL;
		}
		variant_name_add(full, sizeof(full), sw[s].label, value);
		snprintf(out->sweep[s], sizeof(out->sweep[s]), "%s", value);
		if (note < sizeof(out->note))
			note += (size_t)snprintf(out->note + note, sizeof(out->note) - note,
			                         "%s %s", s ? "," : "", assignment);
	}
	variant_fit_name(full, out->name);
	snprintf(out->derived_from, sizeof(out->derived_from), "%s", base->name);
	snprintf(out->variant_of, sizeof(out->variant_of), "%s",
	         base->variant_of[0] ? base->variant_of : base->name);
	snprintf(out->source, sizeof(out->source), "--sweep");
	out->colour[0] = 0;
	return 0;
}
