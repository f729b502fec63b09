/* plan_json.h - what the plan adds to meta.json: the sweeps of a run, and
 * per allocator where it came from, its sweep values and the settings it
 * reported. Kept here, beside the structures, so results.c only calls it. */
#ifndef WIMM_PLAN_JSON_H
#define WIMM_PLAN_JSON_H

#include "bench/plan/allocator.h"
#include "bench/plan/sweep.h"

struct json_object;

/* [{"argument", "variable", "setting", "label", "values": [...]}, ...], in
 * --sweep order; NULL when out of memory. */
struct json_object *plan_sweeps_json(const struct sweep *sw, int n);

/* Adds to an allocator's object: "derived_from" (the allocator a command-
 * line variant was made from, or null), "sweep" (its value of each sweep,
 * in the order of "sweeps", or null) and "settings" (what it reported, as
 * {"dirty_decay_ms": 10000, "background_thread": false, ...}, or null).
 * Returns 0 or -ENOMEM. */
int plan_allocator_json(struct json_object *o, const struct allocator *a);

#endif
