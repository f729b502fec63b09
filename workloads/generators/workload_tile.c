/* workload_tile.c - parser of the tile-cache generator's parameters.
 *
 *   generator: tile-cache
 *   threads: 4          # measurement threads (0: detection measures inline)
 *   width: 8192         # image in pixels (4-byte floats), whole tiles
 *   height: 8192
 *   tile: 256           # tile side in pixels: 256 -> 256 KiB tiles
 *   budget: 128 MiB     # the cache's limit
 *   sources: 16         # sources detected per tile
 *   objects: [{min: 64 B, max: 512 B}]   # per-source object
 *   stamps: [{min: 4 KiB, max: 64 KiB}]  # cut out of a tile per source
 *   work: 20            # passes over each stamp (makes measurement lag)
 *   keep: true          # leave the cache for a free-all phase
 */
#include <errno.h>
#include <stdio.h>

#include "common/units.h"
#include "workloads/workload_parse.h"

#define PIXEL 4 /* bytes: a float */

static int whole_tiles(struct ynode_doc *d, const struct ynode *map, const char *key,
                       uint64_t pixels, uint64_t tile)
{
	if (pixels % tile == 0)
		return 0;
	return ynode_fail(d, ynode_get(map, key),
	                  "key '%s': %llu is not a whole number of %llu-pixel tiles; use %llu or "
	                  "%llu",
	                  key, (unsigned long long)pixels, (unsigned long long)tile,
	                  (unsigned long long)(pixels / tile * tile),
	                  (unsigned long long)((pixels / tile + 1) * tile));
}

int workload_parse_tile_cache(struct ynode_doc *d, const struct ynode *map,
                              const struct workload *w, struct phase *p)
{
	struct tile_cache_params *t = &p->u.tile;
	char a[32], b[32];
	int r;
	(void)w;
	if ((r = ynode_get_count(d, map, "width", 16, 1000000, &t->width)) < 0 ||
	    (r = ynode_get_count(d, map, "height", 16, 1000000, &t->height)) < 0 ||
	    (r = ynode_get_count(d, map, "tile", 16, 8192, &t->tile)) < 0 ||
	    (r = ynode_get_size(d, map, "budget", 1, UINT64_C(1) << 40, &t->budget)) < 0 ||
	    (r = ynode_get_count(d, map, "sources", 1, 100000, &t->sources)) < 0 ||
	    (r = workload_parse_sizes(d, map, "objects", p, &t->objects)) < 0 ||
	    (r = workload_parse_sizes(d, map, "stamps", p, &t->stamps)) < 0 ||
	    (r = ynode_get_count(d, map, "work", 0, 1000000, &t->work)) < 0 ||
	    (r = ynode_get_bool(d, map, "keep", &t->keep)) < 0)
		return r;
	if ((r = whole_tiles(d, map, "width", t->width, t->tile)) < 0 ||
	    (r = whole_tiles(d, map, "height", t->height, t->tile)) < 0)
		return r;
	uint64_t tile_bytes = t->tile * t->tile * PIXEL;
	if (t->budget < tile_bytes)
		return ynode_fail(d, ynode_get(map, "budget"),
		                  "key 'budget': %s cannot hold one %s tile; give at least that",
		                  units_format_size(t->budget, a, sizeof(a)),
		                  units_format_size(tile_bytes, b, sizeof(b)));
	if (workload_dist_max(&t->stamps) > tile_bytes)
		return ynode_fail(d, ynode_get(map, "stamps"),
		                  "key 'stamps': a stamp is cut out of one tile, so it can be at "
		                  "most %s",
		                  units_format_size(tile_bytes, a, sizeof(a)));
	/* The cache holds `budget`; an allocator that doubles it (the point of
	 * this generator) needs twice that. */
	char why[96];
	snprintf(why, sizeof(why), "twice the %s budget",
	         units_format_size(t->budget, a, sizeof(a)));
	return workload_check_ram(d, ynode_get(map, "budget"), p, 2 * t->budget, why);
}
