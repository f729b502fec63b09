/* gen_free_all.c - frees every block earlier phases kept alive (the tile
 * cache with keep, grow's buffers and long-lived blocks, leaked blocks),
 * from the worker's main thread, as a program's teardown would. */
#include "workloads/engine.h"
#include "workloads/generators/gen.h"

static const struct key_def keys[] = {{0}};

static int run(struct gen_ctx *ctx)
{
	engine_free_retained(ctx->sb);
	return 0;
}

const struct gen_def gen_free_all = {
    .name = "free-all",
    .summary = "frees every block earlier phases kept",
    .doc = "The program's teardown: the worker's main thread frees every block earlier "
           "phases kept alive (tile-cache with keep, grow's last buffer and long-lived "
           "blocks, leaked blocks). Follow it with idle to see what comes back.",
    .keys = keys,
    .kind = WORKLOAD_PHASE_FREE_ALL,
    .threads = GEN_MAIN_THREAD,
    .run = run,
};
