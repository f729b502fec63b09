/* catalog.h - where the shipped workloads, allocators, scripts, the worker
 * and the probe are.
 *
 * An installed wimm (meson install) finds them relative to its executable, so
 * the installed tree can be moved; run from the build tree, it uses the paths
 * config.h holds. WIMM_WORKLOADS_DIR, WIMM_ALLOCATORS_DIR, WIMM_SCRIPTS_DIR,
 * WIMM_WORKER and WIMM_PROBE override either.
 */
#ifndef WIMM_CATALOG_H
#define WIMM_CATALOG_H

#include <stddef.h>

#include "bench/plan/allocator.h"

const char *catalog_workloads_dir(void);
const char *catalog_allocators_dir(void);
const char *catalog_scripts_dir(void); /* the gnuplot scripts */
const char *catalog_worker_path(void);
const char *catalog_probe_path(void);    /* WIMM_PROBE overrides */
const char *catalog_recorder_path(void); /* WIMM_RECORDER overrides */

/* Sorted paths of the .yaml files in DIR. Returns 0 or -errno; free with
 * catalog_free_paths(). */
int catalog_list_yaml(const char *dir, char ***paths, int *n);
void catalog_free_paths(char **paths, int n);

/* A workload argument is a path to a file or the name of a shipped preset
 * ("churn" -> WORKLOADS_DIR/churn.yaml). Returns 0 or -ENOENT. */
int catalog_find_workload(const char *arg, char *path, size_t len);

/* Loads every shipped allocator file. Returns 0, or -EINVAL with the
 * loader's message in err. Free *out with free(). */
int catalog_load_allocators(struct allocator **out, int *n, char *err, size_t errlen);

#endif
