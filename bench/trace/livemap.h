/* livemap.h - the blocks live at a point of the merge (convert.c), by
 * address: which thread allocated each, its slot, allocation count, size. */
#ifndef WIMM_LIVEMAP_H
#define WIMM_LIVEMAP_H

#include <stddef.h>
#include <stdint.h>

struct live {
	uintptr_t addr; /* 0: empty */
	uint32_t owner;
	uint64_t slot, seq, size;
};

struct livemap {
	struct live *tab;
	size_t cap, n;
};

/* init/finish: the caller owns m. init returns 0 or -ENOMEM. */
int livemap_init(struct livemap *m);
void livemap_finish(struct livemap *m);

/* The entry for addr, or NULL. Valid until the next insert or erase. */
struct live *livemap_find(const struct livemap *m, uintptr_t addr);

/* Adds e (its address must not be there). Returns 0 or -ENOMEM. */
int livemap_insert(struct livemap *m, const struct live *e);

/* Removes an entry livemap_find returned. */
void livemap_erase(struct livemap *m, struct live *e);

#endif
