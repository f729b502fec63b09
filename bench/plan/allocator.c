/* allocator.c - allocator definitions: loading allocators/NAME.yaml,
 * parsing --allocator NAME=/path.so, and finding the library file.
 *
 * Resolution mirrors what the dynamic loader would do for LD_PRELOAD of a
 * bare soname (LD_LIBRARY_PATH, then ld.so.conf directories, then the
 * default directories) without asking ld.so itself: dlopen()ing the
 * candidate in the driver would load a second malloc into it. We resolve
 * to one canonical file up front so every cell preloads the same bytes and
 * the results can name the file that was measured.
 */
#include "bench/plan/allocator.h"

#include <errno.h>
#include <glob.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/ynode.h"

static const char *const known_keys[] = {"name", "library",    "environment", "colour",
                                         "note", "variant_of", NULL};
static const char *const required_keys[] = {"name", NULL};

static bool is_env_name(const char *s, size_t len)
{
	if (len == 0 || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_'))
			return false;
	}
	return true;
}

bool allocator_name_ok(const char *s) { return limits_word_ok(s, ALLOCATOR_NAME_MAX); }

const char *allocator_env_problem(const char *name, size_t len, char *buf, size_t buflen)
{
	if (!is_env_name(name, len)) {
		snprintf(buf, buflen,
		         "'%.*s' is not a variable name; use letters, digits and '_', not "
		         "starting with a digit",
		         (int)(len > 64 ? 64 : len), name);
		return buf;
	}
	/* The driver sets LD_PRELOAD from library:, and two sources for it
	 * would make the measured allocator ambiguous. */
	if (len == 10 && !strncmp(name, "LD_PRELOAD", len))
		return "LD_PRELOAD cannot be set here; wimm preloads the allocator's library "
		       "(set library: in its file, or use --allocator NAME=/path/lib.so)";
	/* wimm's channel to the child (WIMM_SCOREBOARD) and its own
	 * settings are the driver's: a file that set them would
	 * redirect or disable the measurement. */
	if (len >= 5 && !strncmp(name, "WIMM_", 5)) {
		snprintf(buf, buflen, "%.*s cannot be set here; WIMM_* variables are wimm's own",
		         (int)(len > 64 ? 64 : len), name);
		return buf;
	}
	return NULL;
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int parse_environment(struct ynode_doc *d, const struct ynode *root, struct allocator *a)
{
	const struct ynode *env = NULL;
	int r = ynode_get_map(d, root, "environment", &env);
	if (r < 0 || !env)
		return r;
	if (env->n > ALLOCATOR_MAX_ENV)
		return ynode_fail(d, env, "key 'environment': at most %d variables, got %d",
		                  ALLOCATOR_MAX_ENV, env->n);
	for (int i = 0; i < env->n; i++) {
		const struct ynode *k = env->key[i], *v = env->val[i];
		char why[160], value[ALLOCATOR_ENV_MAX];
		const char *problem = allocator_env_problem(k->text, k->len, why, sizeof(why));
		if (problem)
			return ynode_fail(d, k, "key 'environment': %s", problem);
		if ((r = ynode_as_str(d, v, k->text, value, sizeof(value))) < 0)
			return r;
		int n = snprintf(a->env[i], sizeof(a->env[i]), "%s=%s", k->text, value);
		if (n < 0 || (size_t)n >= sizeof(a->env[i]))
			return ynode_fail(d, v,
			                  "key '%s': NAME=value must be at most %zu characters",
			                  k->text, sizeof(a->env[i]) - 1);
		a->nenv = i + 1;
	}
	return 0;
}

static int parse_allocator(struct ynode_doc *d, struct allocator *a)
{
	const struct ynode *root = ynode_root(d);
	if (root->kind != YNODE_MAPPING)
		return ynode_fail(d, root,
		                  "expected a mapping with keys name, library, environment, "
		                  "colour, note, variant_of");
	int r = ynode_check_keys(d, root, "the allocator", known_keys, required_keys);
	if (r < 0)
		return r;
	if ((r = ynode_get_name(d, root, "name", a->name, sizeof(a->name))) < 0 ||
	    (r = ynode_get_str(d, root, "library", a->library, sizeof(a->library))) < 0 ||
	    (r = ynode_get_str(d, root, "colour", a->colour, sizeof(a->colour))) < 0 ||
	    (r = ynode_get_str(d, root, "note", a->note, sizeof(a->note))) < 0 ||
	    (r = ynode_get_name(d, root, "variant_of", a->variant_of, sizeof(a->variant_of))) < 0 ||
	    (r = parse_environment(d, root, a)) < 0)
		return r;
	const char *why = a->library[0] ? allocator_preload_problem(a->library) : NULL;
	if (why)
		return ynode_fail(d, ynode_get(root, "library"), "key 'library': %s", why);
	/* An unquoted "colour: #ff0000" is a comment, leaving an empty value:
	 * refuse it rather than silently picking another colour. */
	const struct ynode *n = ynode_get(root, "colour");
	if (n) {
		bool ok = strlen(a->colour) == 7 && a->colour[0] == '#';
		for (int i = 1; ok && i < 7; i++)
			ok = is_hex(a->colour[i]);
		char desc[64];
		if (!ok)
			return ynode_fail(d, n,
			                  "key 'colour': expected \"#rrggbb\" (quoted: # starts "
			                  "a comment), got %s",
			                  ynode_describe(n, desc, sizeof(desc)));
	}
	if (strchr(a->note, '\n'))
		return ynode_fail(d, ynode_get(root, "note"),
		                  "key 'note': expected one line; tables and legends show it "
		                  "on a single line");
	return 0;
}

int allocator_load(const char *path, struct allocator *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (strlen(path) >= sizeof(out->source)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	struct ynode_doc *d;
	int r = ynode_load(path, err, errlen, &d);
	if (r == -ENODATA) {
		snprintf(err, errlen, "%s: empty file; an allocator needs at least a name: key",
		         path);
		return -EINVAL;
	}
	if (r < 0)
		return r;
	r = parse_allocator(d, out);
	ynode_destroy(d);
	if (r < 0) {
		memset(out, 0, sizeof(*out));
		return r;
	}
	snprintf(out->source, sizeof(out->source), "%s", path);
	return 0;
}

int allocator_from_arg(const char *arg, struct allocator *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	const char *eq = strchr(arg, '=');
	if (!eq) {
		snprintf(err, errlen, "--allocator '%s': expected NAME=/path/to/lib.so", arg);
		return -EINVAL;
	}
	size_t nlen = (size_t)(eq - arg);
	char name[ALLOCATOR_NAME_MAX + 1];
	snprintf(name, sizeof(name), "%.*s", (int)(nlen < sizeof(name) ? nlen : sizeof(name) - 1),
	         arg);
	if (nlen >= sizeof(out->name) || !allocator_name_ok(name)) {
		snprintf(err, errlen,
		         "--allocator '%s': the name before '=' must be 1 to %zu "
		         "letters, digits, '_', '.' or '-'",
		         arg, sizeof(out->name) - 1);
		return -EINVAL;
	}
	const char *lib = eq + 1;
	if (!*lib) {
		snprintf(err, errlen,
		         "--allocator '%s': empty library path after '='; give the "
		         ".so file, e.g. %.*s=/usr/lib/libjemalloc.so.2",
		         arg, (int)nlen, arg);
		return -EINVAL;
	}
	const char *why = allocator_preload_problem(lib);
	if (why) {
		snprintf(err, errlen, "--allocator '%s': %s", arg, why);
		return -EINVAL;
	}
	if (strlen(lib) >= sizeof(out->library)) {
		snprintf(err, errlen, "--allocator '%.*s=...': library path too long", (int)nlen,
		         arg);
		return -EINVAL;
	}
	memcpy(out->name, arg, nlen);
	out->name[nlen] = '\0';
	snprintf(out->library, sizeof(out->library), "%s", lib);
	snprintf(out->source, sizeof(out->source), "--allocator");
	return 0;
}

const char *allocator_preload_problem(const char *path)
{
	if (strchr(path, ' '))
		return "the path has a space, and LD_PRELOAD splits at spaces (and colons) with no "
		       "way to quote them; copy or install the library to a path without them";
	if (strchr(path, ':'))
		return "the path has a colon, and LD_PRELOAD splits at colons (and spaces) with no "
		       "way to quote them; copy or install the library to a path without them";
	return NULL;
}

/* Sets a->path to the canonical path of file if it is a regular file. */
static bool try_file(struct allocator *a, const char *file)
{
	struct stat st;
	char real[PATH_MAX];
	if (stat(file, &st) != 0 || !S_ISREG(st.st_mode) || !realpath(file, real))
		return false;
	snprintf(a->path, sizeof(a->path), "%s", real);
	return true;
}

static bool try_dir(struct allocator *a, const char *dir, size_t dirlen)
{
	char file[PATH_MAX];
	/* An empty entry in LD_LIBRARY_PATH means the current directory to
	 * ld.so, which is rarely meant; skip it rather than depend on cwd. */
	if (dirlen == 0)
		return false;
	int n = snprintf(file, sizeof(file), "%.*s/%s", (int)dirlen, dir, a->library);
	return n > 0 && (size_t)n < sizeof(file) && try_file(a, file);
}

/* Directory lines of /etc/ld.so.conf.d/ files; "include" lines are not
 * followed (the standard layout has none there) and comments are skipped. */
static bool try_ld_so_conf(struct allocator *a)
{
	glob_t g;
	bool found = false;
	if (glob("/etc/ld.so.conf.d/*.conf", 0, NULL, &g) != 0)
		return false;
	for (size_t i = 0; !found && i < g.gl_pathc; i++) {
		FILE *f = fopen(g.gl_pathv[i], "r");
		if (!f)
			continue;
		char line[PATH_MAX];
		while (!found && fgets(line, sizeof(line), f)) {
			char *s = line + strspn(line, " \t");
			s[strcspn(s, "#\r\n")] = '\0';
			size_t len = strlen(s);
			while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
				s[--len] = '\0';
			if (s[0] != '/')
				continue; /* blank, comment or include line */
			found = try_dir(a, s, len);
		}
		fclose(f);
	}
	globfree(&g);
	return found;
}

int allocator_resolve(struct allocator *a)
{
	static const char *const dirs[] = {
	    "/usr/local/lib",
	    "/lib/x86_64-linux-gnu",
	    "/usr/lib/x86_64-linux-gnu",
	    "/lib/aarch64-linux-gnu",
	    "/usr/lib/aarch64-linux-gnu",
	    "/lib64",
	    "/usr/lib64",
	    "/lib",
	    "/usr/lib",
	};
	a->path[0] = '\0';
	if (!a->library[0])
		return 0; /* the system allocator: nothing to preload */
	if (strchr(a->library, '/'))
		return try_file(a, a->library) ? 0 : -ENOENT;
	const char *llp = getenv("LD_LIBRARY_PATH");
	while (llp && *llp) {
		size_t len = strcspn(llp, ":;");
		if (try_dir(a, llp, len))
			return 0;
		llp += len + (llp[len] != '\0');
	}
	if (try_ld_so_conf(a))
		return 0;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (try_dir(a, dirs[i], strlen(dirs[i])))
			return 0;
	return -ENOENT;
}
