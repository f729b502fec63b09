/* strmap.c - see strmap.h. */
#include "bench/results/strmap.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	return h;
}

static struct strmap_slot *slot(const struct strmap *m, const char *key, size_t len)
{
	size_t i = hash(key, len) & (m->cap - 1);
	while (m->slots[i].key &&
	       (m->slots[i].len != len || memcmp(m->slots[i].key, key, len) != 0))
		i = (i + 1) & (m->cap - 1);
	return &m->slots[i];
}

int strmap_get(const struct strmap *m, const char *key, size_t len)
{
	if (!m->cap)
		return -1;
	const struct strmap_slot *s = slot(m, key, len);
	return s->key ? s->index : -1;
}

/* Doubles the table, keeping it at most half full. */
static int grow(struct strmap *m)
{
	struct strmap old = *m;
	size_t cap = old.cap ? old.cap * 2 : 64;
	m->slots = calloc(cap, sizeof(*m->slots));
	if (!m->slots) {
		*m = old;
		return -ENOMEM;
	}
	m->cap = cap;
	for (size_t i = 0; i < old.cap; i++)
		if (old.slots[i].key)
			*slot(m, old.slots[i].key, old.slots[i].len) = old.slots[i];
	free(old.slots);
	return 0;
}

int strmap_put(struct strmap *m, const char *key, size_t len, int index)
{
	if ((m->n + 1) * 2 > m->cap && grow(m))
		return -ENOMEM;
	struct strmap_slot *s = slot(m, key, len);
	if (!s->key) {
		if (!(s->key = malloc(len ? len : 1)))
			return -ENOMEM;
		memcpy(s->key, key, len);
		s->len = len;
		m->n++;
	}
	s->index = index;
	return 0;
}

void strmap_free(struct strmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->slots[i].key);
	free(m->slots);
	m->slots = NULL;
	m->cap = m->n = 0;
}
