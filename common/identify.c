/* identify.c - find the object that serves malloc, as the dynamic linker
 * binds it, and ask the allocator its version.
 *
 * Why not dlsym + dladdr: dlsym(RTLD_DEFAULT, "malloc") returns the
 * canonical address of malloc, which in a non-PIE executable that takes
 * malloc's address is a PLT stub inside the executable; dladdr then names
 * the executable although every call goes to the preloaded allocator. The
 * executable's GOT slot does not help either (under lazy binding it still
 * points into the PLT while constructors run), and RTLD_NEXT misses an
 * executable that defines malloc itself.
 *
 * So this walks the loaded objects in the order the linker searches them
 * (dl_iterate_phdr lists the executable, the preloads, then the needed
 * libraries breadth-first) and reads each one's own dynamic symbol table:
 * the first that *defines* malloc (st_shndx != SHN_UNDEF, which skips the
 * executable's undefined PLT reference) at a version the program's
 * reference binds to is the owner. The reference is libc's default version
 * of the symbol (malloc@@GLIBC_2.2.5 on x86_64), which is what every
 * program linked against glibc asks for; the matching rule is glibc's
 * (elf/dl-lookup.c, check_match): the same version name, or an unversioned
 * definition that is not hidden. A library that exports only malloc@FOO is
 * passed over, as the linker passes over it.
 *
 * Nothing here calls malloc (dl_iterate_phdr takes the loader's lock and
 * allocates nothing; readlink writes into our buffer), so the probe may
 * call it from its constructor and the worker before its workload. A walk
 * takes about half a microsecond.
 */
#include "common/identify.h"

#include <elf.h>
#include <errno.h>
#include <gnu/libc-version.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* ELF64_ST_TYPE on 64-bit, ELF32_ST_TYPE on 32-bit: the same bits. */
#define SYM_TYPE(info) ((info)&0xf)
#define SYM_BIND(info) ((info) >> 4)

/* What we read of one object's dynamic section. */
struct dynobj {
	uintptr_t base; /* load bias: symbol values are relative to it */
	const char *name;
	int is_main;
	const ElfW(Sym) * symtab;
	const char *strtab;
	const uint32_t *gnu_hash;
	const uint32_t *sysv_hash;
	const ElfW(Versym) * versym;
	const ElfW(Verdef) * verdef;
	size_t nverdef;
	const char *soname;
};

/* glibc relocates most dynamic-section pointers in place, but not in a
 * read-only dynamic section (the vDSO's): there they are still offsets. */
static uintptr_t dyn_ptr(uintptr_t base, ElfW(Addr) p) { return p < base ? base + p : p; }

static int load(const struct dl_phdr_info *info, int index, struct dynobj *o)
{
	const ElfW(Dyn) *dyn = NULL;
	memset(o, 0, sizeof(*o));
	o->base = info->dlpi_addr;
	o->name = info->dlpi_name ? info->dlpi_name : "";
	o->is_main = index == 0;
	for (int i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_DYNAMIC)
			dyn = (const ElfW(Dyn) *)(o->base + info->dlpi_phdr[i].p_vaddr);
	if (!dyn)
		return -1; /* a static executable */
	ElfW(Addr) soname = 0;
	int has_soname = 0;
	for (; dyn->d_tag != DT_NULL; dyn++) {
		uintptr_t p = dyn_ptr(o->base, dyn->d_un.d_ptr);
		switch (dyn->d_tag) {
		case DT_SYMTAB:
			o->symtab = (const ElfW(Sym) *)p;
			break;
		case DT_STRTAB:
			o->strtab = (const char *)p;
			break;
		case DT_GNU_HASH:
			o->gnu_hash = (const uint32_t *)p;
			break;
		case DT_HASH:
			o->sysv_hash = (const uint32_t *)p;
			break;
		case DT_VERSYM:
			o->versym = (const ElfW(Versym) *)p;
			break;
		case DT_VERDEF:
			o->verdef = (const ElfW(Verdef) *)p;
			break;
		case DT_VERDEFNUM:
			o->nverdef = dyn->d_un.d_val;
			break;
		case DT_SONAME:
			soname = dyn->d_un.d_val;
			has_soname = 1;
			break;
		}
	}
	if (!o->symtab || !o->strtab || (!o->gnu_hash && !o->sysv_hash))
		return -1;
	o->soname = has_soname ? o->strtab + soname : "";
	return 0;
}

static uint32_t gnu_hash(const char *s)
{
	uint32_t h = 5381;
	for (; *s; s++)
		h = h * 33 + (unsigned char)*s;
	return h;
}

static uint32_t sysv_hash(const char *s)
{
	uint32_t h = 0;
	for (; *s; s++) {
		h = (h << 4) + (unsigned char)*s;
		uint32_t g = h & 0xf0000000u;
		if (g)
			h ^= g >> 24;
		h &= ~g;
	}
	return h;
}

/* The version a symbol is defined at: NULL when unversioned (no version
 * table, or the local/global/base index), else its name; *hidden says
 * whether it is a non-default (name@VER rather than name@@VER) one. */
static const char *version_of(const struct dynobj *o, size_t i, int *hidden)
{
	*hidden = 0;
	if (!o->versym)
		return NULL;
	ElfW(Versym) v = o->versym[i];
	*hidden = (v & 0x8000) != 0;
	unsigned ndx = v & 0x7fff;
	if (ndx <= 1 || !o->verdef)
		return NULL;
	const ElfW(Verdef) *d = o->verdef;
	for (size_t k = 0; k < o->nverdef; k++) {
		if (d->vd_ndx == ndx) {
			if (d->vd_flags & VER_FLG_BASE)
				return NULL; /* glibc leaves the base version unnamed */
			const ElfW(Verdaux) *aux =
			    (const ElfW(Verdaux) *)((const char *)d + d->vd_aux);
			return o->strtab + aux->vda_name;
		}
		if (!d->vd_next)
			break;
		d = (const ElfW(Verdef) *)((const char *)d + d->vd_next);
	}
	return ""; /* an index we cannot name matches no reference */
}

/* Does symbol i define something the linker would bind to? The symbol
 * types and bindings glibc's lookup accepts; a zero value is a reference. */
static int defines(const struct dynobj *o, size_t i)
{
	const ElfW(Sym) *s = &o->symtab[i];
	unsigned type = SYM_TYPE(s->st_info), bind = SYM_BIND(s->st_info);
	if (s->st_shndx == SHN_UNDEF || s->st_value == 0)
		return 0;
	if (type != STT_FUNC && type != STT_GNU_IFUNC && type != STT_OBJECT && type != STT_NOTYPE)
		return 0;
	return bind == STB_GLOBAL || bind == STB_WEAK || bind == STB_GNU_UNIQUE;
}

/* What a lookup wants: a name, and the version its reference carries.
 * want_version NULL: the default definition (not hidden), else any. */
struct want {
	const char *name;
	const char *version;
	int versioned; /* 0: no reference version, take the default one */
};

/* glibc's check_match for one candidate of the right name. */
static int acceptable(const struct dynobj *o, size_t i, const struct want *w, int strict)
{
	int hidden;
	if (!defines(o, i))
		return 0;
	const char *v = version_of(o, i, &hidden);
	if (!w->versioned)
		return !strict || !hidden;
	if (v && !strcmp(v, w->version))
		return 1;
	return !v && !hidden;
}

/* Index of the symbol named w->name that o defines acceptably, or 0.
 * strict = 0 (no reference version) falls back to a hidden definition. */
static size_t lookup_strict(const struct dynobj *o, const struct want *w, int strict)
{
	if (o->gnu_hash) {
		const uint32_t *h = o->gnu_hash;
		uint32_t nbuckets = h[0], symoffset = h[1], bloom_size = h[2];
		const ElfW(Addr) *bloom = (const ElfW(Addr) *)(h + 4);
		const uint32_t *buckets = (const uint32_t *)(bloom + bloom_size);
		const uint32_t *chain = buckets + nbuckets;
		uint32_t hash = gnu_hash(w->name);
		if (!nbuckets)
			return 0;
		uint32_t i = buckets[hash % nbuckets];
		if (i < symoffset)
			return 0;
		for (;; i++) {
			uint32_t ch = chain[i - symoffset];
			if ((ch | 1) == (hash | 1) &&
			    !strcmp(o->strtab + o->symtab[i].st_name, w->name) &&
			    acceptable(o, i, w, strict))
				return i;
			if (ch & 1)
				return 0;
		}
	}
	const uint32_t *h = o->sysv_hash;
	uint32_t nbucket = h[0];
	const uint32_t *bucket = h + 2, *chain = bucket + nbucket;
	if (!nbucket)
		return 0;
	for (uint32_t i = bucket[sysv_hash(w->name) % nbucket]; i; i = chain[i])
		if (!strcmp(o->strtab + o->symtab[i].st_name, w->name) &&
		    acceptable(o, i, w, strict))
			return i;
	return 0;
}

static size_t lookup(const struct dynobj *o, const struct want *w)
{
	size_t i = lookup_strict(o, w, 1);
	return i || w->versioned ? i : lookup_strict(o, w, 0);
}

/* One walk over the loaded objects. */
struct walk {
	const struct want *want;
	int libc_only; /* find the reference version in libc, not the definer */
	int found;
	struct dynobj obj;
	size_t sym;
	int index;
};

static int visit(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	struct walk *w = arg;
	struct dynobj o;
	int index = w->index++;
	if (load(info, index, &o))
		return 0;
	if (w->libc_only && strcmp(o.soname, "libc.so.6"))
		return 0;
	size_t i = lookup(&o, w->want);
	if (!i)
		return w->libc_only; /* libc seen: stop either way */
	w->found = 1;
	w->obj = o;
	w->sym = i;
	return 1;
}

/* The first object in search order that defines name as a reference to it
 * from a program built against glibc would bind. */
static int find_definer(const char *name, struct dynobj *o, size_t *sym)
{
	/* The reference version: libc's default one for this name. */
	struct want any = {name, NULL, 0};
	struct walk w = {.want = &any, .libc_only = 1};
	dl_iterate_phdr(visit, &w);
	struct want ref = {name, NULL, 0};
	if (w.found) {
		int hidden;
		ref.version = version_of(&w.obj, w.sym, &hidden);
		ref.versioned = ref.version != NULL;
	}
	w = (struct walk){.want = &ref};
	dl_iterate_phdr(visit, &w);
	if (!w.found)
		return -ENOENT;
	*o = w.obj;
	*sym = w.sym;
	return 0;
}

static void object_path(const struct dynobj *o, char *buf, size_t len)
{
	if (o->is_main || !o->name[0]) {
		/* The executable has no name in the link map. */
		ssize_t n = readlink("/proc/self/exe", buf, len - 1);
		buf[n > 0 ? n : 0] = 0;
		if (n > 0)
			return;
	}
	snprintf(buf, len, "%s", o->name);
}

/* The address of name in o (default version first), NULL if o does not
 * define it or defines it as an IFUNC. */
static void *address_in(const struct dynobj *o, const char *name)
{
	struct want w = {name, NULL, 0};
	size_t i = lookup(o, &w);
	if (!i || SYM_TYPE(o->symtab[i].st_info) == STT_GNU_IFUNC)
		return NULL;
	return (void *)(o->base + o->symtab[i].st_value);
}

int identify_definer(const char *name, char *buf, size_t len)
{
	struct dynobj o;
	size_t sym;
	buf[0] = 0;
	if (find_definer(name, &o, &sym))
		return -ENOENT;
	object_path(&o, buf, len);
	return 0;
}

void *identify_owner_symbol(const char *name)
{
	struct dynobj o;
	size_t sym;
	if (find_definer("malloc", &o, &sym))
		return NULL;
	return address_in(&o, name);
}

/* Each version API is called through a union: an object pointer becomes a
 * function pointer without ISO C's -Wpedantic warning. */
static void jemalloc_version(void *fn, char *buf, size_t len)
{
	union {
		void *p;
		int (*fn)(const char *, void *, size_t *, void *, size_t);
	} mallctl = {fn};
	const char *v = NULL;
	size_t sz = sizeof(v);
	/* "5.3.0-0-g54eaed1d..." : the release is what tells builds apart. */
	if (mallctl.fn("version", &v, &sz, NULL, 0) == 0 && v)
		snprintf(buf, len, "%.*s", (int)strcspn(v, "-"), v);
}

static void tcmalloc_version(void *fn, char *buf, size_t len)
{
	union {
		void *p;
		const char *(*fn)(int *, int *, const char **);
	} tc_version = {fn};
	int major = 0, minor = 0;
	const char *patch = NULL;
	tc_version.fn(&major, &minor, &patch);
	snprintf(buf, len, "%d.%d%s", major, minor, patch ? patch : "");
}

static void mimalloc_version(void *fn, char *buf, size_t len)
{
	union {
		void *p;
		int (*fn)(void);
	} mi_version = {fn};
	int v = mi_version.fn(); /* 209 means 2.0.9 */
	snprintf(buf, len, "%d.%d.%d", v / 100, v / 10 % 10, v % 10);
}

int identify_allocator(struct alloc_identity *id)
{
	struct dynobj o;
	size_t sym;
	void *fn;
	memset(id, 0, sizeof(*id));
	if (find_definer("malloc", &o, &sym))
		return -ENOENT;
	object_path(&o, id->owner, sizeof(id->owner));

	if ((fn = address_in(&o, "mallctl"))) {
		strcpy(id->family, "jemalloc");
		jemalloc_version(fn, id->version, sizeof(id->version));
	} else if ((fn = address_in(&o, "tc_version"))) {
		strcpy(id->family, "tcmalloc");
		tcmalloc_version(fn, id->version, sizeof(id->version));
	} else if ((fn = address_in(&o, "mi_version"))) {
		strcpy(id->family, "mimalloc");
		mimalloc_version(fn, id->version, sizeof(id->version));
	} else if (address_in(&o, "gnu_get_libc_version")) {
		strcpy(id->family, "glibc");
		snprintf(id->version, sizeof(id->version), "%s", gnu_get_libc_version());
	} else {
		strcpy(id->family, "unknown");
	}
	return 0;
}
