/* livemap.c - open addressing with linear probing; deletion shifts the
 * following entries back, so there are no tombstones to clean up, and the
 * table stays at most half full. */
#include "bench/trace/livemap.h"

#include <errno.h>
#include <stdlib.h>

static size_t hash(uintptr_t a, size_t cap)
{
	return (size_t)(((uint64_t)a >> 4) * 0x9e3779b97f4a7c15ull >> 20) & (cap - 1);
}

static int grow(struct livemap *m)
{
	struct live *old = m->tab;
	size_t oldcap = m->cap;
	struct live *tab = calloc(oldcap ? oldcap * 2 : 1 << 16, sizeof(*tab));
	if (!tab)
		return -ENOMEM;
	m->tab = tab;
	m->cap = oldcap ? oldcap * 2 : 1 << 16;
	m->n = 0;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].addr)
			livemap_insert(m, &old[i]);
	free(old);
	return 0;
}

int livemap_init(struct livemap *m)
{
	m->tab = NULL;
	m->cap = m->n = 0;
	return grow(m);
}

void livemap_finish(struct livemap *m)
{
	free(m->tab);
	m->tab = NULL;
	m->cap = m->n = 0;
}

struct live *livemap_find(const struct livemap *m, uintptr_t a)
{
	for (size_t i = hash(a, m->cap);; i = (i + 1) & (m->cap - 1)) {
		if (m->tab[i].addr == a)
			return &m->tab[i];
		if (!m->tab[i].addr)
			return NULL;
	}
}

int livemap_insert(struct livemap *m, const struct live *e)
{
	if ((m->n + 1) * 2 > m->cap && grow(m))
		return -ENOMEM;
	size_t i = hash(e->addr, m->cap);
	while (m->tab[i].addr)
		i = (i + 1) & (m->cap - 1);
	m->tab[i] = *e;
	m->n++;
	return 0;
}

void livemap_erase(struct livemap *m, struct live *e)
{
	size_t i = (size_t)(e - m->tab), j = i;
	for (;;) {
		j = (j + 1) & (m->cap - 1);
		if (!m->tab[j].addr)
			break;
		size_t h = hash(m->tab[j].addr, m->cap);
		/* Move j back to i unless its home lies cyclically in (i, j]. */
		if ((j > i && (h <= i || h > j)) || (j < i && h <= i && h > j)) {
			m->tab[i] = m->tab[j];
			i = j;
		}
	}
	m->tab[i].addr = 0;
	m->n--;
}
