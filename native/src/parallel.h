/*
 * A minimal fork-join helper over pthreads for the long native calls (MSM, NTT, batched hashes).
 * Each call spawns its workers and joins them; the calls it serves run for milliseconds or more,
 * so a persistent pool would save nothing worth its shutdown and fork-safety problems.
 */
#ifndef ZK_PARALLEL_H
#define ZK_PARALLEL_H
#include <stddef.h>

/* fn(ctx, begin, end, worker) is called on disjoint chunks covering [0, n). */
typedef void (*zk_range_fn)(void *ctx, size_t begin, size_t end, int worker);

int zk_threads_for(size_t n, size_t min_chunk);
void zk_parallel_for(size_t n, size_t min_chunk, zk_range_fn fn, void *ctx);

#endif
