/* strmap.h - a map from short strings to indices (open addressing, FNV-1a).
 *
 * Readers of files wimm wrote group rows by name (allocators, workload and
 * thread count, runs). A linear search per row would let a hostile file of
 * a million distinct names take hours; with this, reading stays linear in
 * the size of the file.
 */
#ifndef WIMM_STRMAP_H
#define WIMM_STRMAP_H

#include <stddef.h>

struct strmap {
	struct strmap_slot {
		char *key; /* NULL: empty */
		size_t len;
		int index;
	} * slots;
	size_t cap, n;
};

/* The index of key (len bytes), or -1. */
int strmap_get(const struct strmap *m, const char *key, size_t len);
/* Adds key with index. Returns 0 or -ENOMEM. */
int strmap_put(struct strmap *m, const char *key, size_t len, int index);
/* Frees the map; a zeroed map is empty. */
void strmap_free(struct strmap *m);

#endif
