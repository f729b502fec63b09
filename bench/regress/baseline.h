/* baseline.h - committed baselines: OUT_ROOT/baseline/<testbed>.json.
 *
 * One file per testbed (machine, CPU count, kernel: sysinfo_testbed), so a
 * repository can hold the baselines of all its CI machines side by side and
 * a run is compared with the one made where it runs. The file carries the
 * run's whole meta.json (host, allocator versions, command line, seed) and,
 * per cell and repetition, the figures `wimm compare` judges: enough to be
 * compared with and read a year later, small enough to review in a diff.
 *
 *   {"wimm_baseline": 1, "testbed": ..., "created_utc": ..., "created_by": ...,
 *    "source_run": ..., "meta": {meta.json}, "cells": [{workload, threads,
 *    allocator, rep, status, allocator_version, and every figure compare
 *    judges, the history keeps or the table marks SHOW_KEEP}]}
 *
 * Only `wimm baseline update` writes one; nothing else rewrites it.
 */
#ifndef WIMM_BASELINE_H
#define WIMM_BASELINE_H

#include <stddef.h>

#include "bench/results/rundir.h"

#define BASELINE_FORMAT 1

/* "OUT_ROOT/baseline/<testbed>.json" into buf. Returns 0 or -ENAMETOOLONG. */
int baseline_path(const char *out_root, const char *testbed, char *buf, size_t len);

/* Writes the baseline of run d to path (atomically, creating its
 * directory). Returns 0, or -errno with a message in err. */
int baseline_write(const struct rundir *d, const char *path, char *err, size_t errlen);

#endif
