/* workload_parse.h - what a generator's YAML parser may use (internal to
 * the workload loader; one parser per generator, see workload_load.c). */
#ifndef WIMM_WORKLOAD_PARSE_H
#define WIMM_WORKLOAD_PARSE_H

#include <stdint.h>

#include "workloads/workload.h"
#include "common/ynode.h"

#define COUNT_MAX_OPS UINT64_C(1000000000000) /* 1e12: hours of work at any speed */
#define COUNT_MAX_LIVE UINT64_C(100000000)    /* 1e8 blocks per thread */
#define SIZE_MAX_BLOCK (UINT64_C(1) << 30)    /* 1 GiB */

/* A generator parser: fills p->u from the phase mapping (p->name,
 * p->threads are already set). Returns 0 or -EINVAL via ynode_fail. */
typedef int (*workload_parse_fn)(struct ynode_doc *d, const struct ynode *map,
                                 const struct workload *w, struct phase *p);

/* Reads the list of size classes under `key` ({min, max, weight} or
 * {size}) into dist. The key must be present (checked by the caller's
 * required list). */
int workload_parse_sizes(struct ynode_doc *d, const struct ynode *map, const char *key,
                         const struct phase *p, struct size_dist *dist);

/* Largest size a distribution can draw. */
uint64_t workload_dist_max(const struct size_dist *dist);

/* Thread count a phase may run at: its own, else the axis maximum. */
int workload_phase_threads(const struct workload *w, const struct phase *p);

/* Refuses a phase that could hold more than this machine's memory: `need`
 * bytes, explained by `why` ("1000 blocks x 64 KiB x 4 threads"), error at
 * node `at`. Returns 0 or -EINVAL. */
int workload_check_ram(struct ynode_doc *d, const struct ynode *at, const struct phase *p,
                       uint64_t need, const char *why);

int workload_parse_tile_cache(struct ynode_doc *d, const struct ynode *map,
                              const struct workload *w, struct phase *p);
int workload_parse_grow(struct ynode_doc *d, const struct ynode *map, const struct workload *w,
                        struct phase *p);
int workload_parse_stamps(struct ynode_doc *d, const struct ynode *map, const struct workload *w,
                          struct phase *p);
int workload_parse_leak(struct ynode_doc *d, const struct ynode *map, const struct workload *w,
                        struct phase *p);

#endif
