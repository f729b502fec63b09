/* unforked.h - growable memory for the driver's own records, kept out of
 * the children it forks.
 *
 * fork() copies the page tables of every private mapping, and each page
 * the driver writes afterwards faults once more (copy on write, although
 * the child has long exec'd): a cost per cell that grows with what the
 * driver keeps. A long run keeps a record per cell, thousands of them,
 * that no child ever reads; in mappings marked MADV_DONTFORK, fork skips
 * them, so a cell costs the same whether it is the 10th or the 2000th.
 * Nothing between fork and exec may touch them (spawn.c touches only what
 * it was given).
 */
#ifndef WIMM_UNFORKED_H
#define WIMM_UNFORKED_H

#include <stddef.h>

struct unforked {
	void *p;    /* NULL until the first reserve; moves when it grows */
	size_t len; /* bytes in use (unforked_append) */
	size_t cap; /* bytes mapped, zeroed when mapped */
};

/* Makes room for at least bytes in all, keeping the contents (p may move).
 * Returns 0 or -ENOMEM. */
int unforked_reserve(struct unforked *b, size_t bytes);

/* Appends n bytes; returns their offset from p, or -1 when out of memory. */
long unforked_append(struct unforked *b, const void *data, size_t n);

/* Unmaps; a zeroed struct is empty. */
void unforked_free(struct unforked *b);

#endif
