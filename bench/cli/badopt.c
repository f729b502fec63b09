/* badopt.c - what every command says about an option it cannot take: an
 * unknown one (with the closest known one), one that needs a value, or an
 * abbreviation that fits several. getopt's own messages are off (opterr =
 * 0) so that all of them read alike and name the command's --help. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "bench/cli/cmd.h"
#include "common/log.h"
#include "common/suggest.h"

/* The option that name[0..len) names, exactly or as an abbreviation as
 * getopt_long takes them; *matches counts the options it could be. */
static const struct option *find_long(const struct option *opts, const char *name, size_t len,
                                      int *matches)
{
	const struct option *found = NULL;
	*matches = 0;
	for (const struct option *o = opts; o->name; o++) {
		if (strncmp(o->name, name, len))
			continue;
		if (strlen(o->name) == len) {
			*matches = 1;
			return o; /* exact beats any abbreviation */
		}
		found = o;
		++*matches;
	}
	return found;
}

void cmd_bad_option(const char *cmd, const struct option *longopts, const char *shortopts,
                    char *const *argv, int index, int short_opt)
{
	const char *arg = index > 0 ? argv[index - 1] : "";
	char hint[128];
	if (!strncmp(arg, "--", 2) && arg[2]) {
		const char *name = arg + 2;
		size_t len = strcspn(name, "=");
		int matches;
		const struct option *o = find_long(longopts, name, len, &matches);
		if (matches > 1) {
			char which[256] = "";
			size_t n = 0;
			for (const struct option *k = longopts; k->name && n < sizeof(which); k++)
				if (!strncmp(k->name, name, len))
					n += (size_t)snprintf(which + n, sizeof(which) - n,
					                      "%s--%s", n ? ", " : "", k->name);
			log_error("option '--%.*s' could be any of %s; spell it out, see `wimm %s "
			          "--help`",
			          (int)len, name, which, cmd);
			return;
		}
		if (o && o->has_arg == required_argument && !name[len]) {
			log_error("option '--%s' needs a value; see `wimm %s --help`", o->name,
			          cmd);
			return;
		}
		if (o && o->has_arg == no_argument && name[len]) {
			log_error("option '--%s' takes no value; see `wimm %s --help`", o->name,
			          cmd);
			return;
		}
		char word[SUGGEST_MAX_LEN + 1];
		snprintf(word, sizeof(word), "%.*s", (int)len, name);
		struct suggest s;
		suggest_init(&s, word);
		for (const struct option *k = longopts; k->name; k++)
			suggest_add(&s, k->name);
		const char *best = suggest_best(&s);
		if (best)
			snprintf(hint, sizeof(hint), "; did you mean '--%s'?", best);
		else
			hint[0] = '\0';
		log_error("unknown option '--%.*s'%s see `wimm %s --help`", (int)len, name,
		          best ? hint : ";", cmd);
		return;
	}
	const char *spec = short_opt > 0 ? strchr(shortopts, short_opt) : NULL;
	if (spec && spec[1] == ':')
		log_error("option '-%c' needs a value; see `wimm %s --help`", short_opt, cmd);
	else if (short_opt > 0)
		log_error("unknown option '-%c'; see `wimm %s --help`", short_opt, cmd);
	else
		log_error("unknown option '%s'; see `wimm %s --help`", arg, cmd);
}
