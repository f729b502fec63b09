/* trace_workload.h - a recorded trace as a workload of `wimm run`. */
#ifndef WIMM_TRACE_WORKLOAD_H
#define WIMM_TRACE_WORKLOAD_H

#include <stddef.h>

#include "workloads/workload.h"

/* 1 when path names a trace (it ends in ".wtrace"). */
int trace_workload_is_trace(const char *path);

/* Checks the whole trace (trace_walk) and describes it as a workload:
 * named after the file, its thread axis the one count it was recorded
 * with, its phases the trace's (one "replay" phase when it has none), so
 * the results, figures and comparisons treat it as any preset. Returns 0,
 * or -EINVAL / -errno with the reader's message in err. */
int trace_workload_load(const char *path, struct workload *w, char *err, size_t errlen);

#endif
