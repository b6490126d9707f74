/*
 * Internal MSM entry points shared between the C files (not part of the cffi API in zkclear.h).
 */
#ifndef ZK_MSM_H
#define ZK_MSM_H
#include <stddef.h>
#include <stdint.h>

/* One run of points with their scalars (layouts and forms as for zk_msm_g1/zk_msm_g2). */
struct zk_msm_seg {
    const uint64_t *points, *scalars;
    size_t n;
};

/* sum over all segments of sum_i k_i P_i, as one MSM: the segments share windows, buckets and
   bucket reductions, where separate MSMs would reduce their buckets each and choose smaller windows.
   Errors as zk_msm_g1/zk_msm_g2, the index counted within segment *bad_seg. */
int64_t zk_msm_g1_segs(uint64_t *out, const struct zk_msm_seg *segs, int nseg, int flags, int *reason, int *bad_seg);
int64_t zk_msm_g2_segs(uint64_t *out, const struct zk_msm_seg *segs, int nseg, int flags, int *reason, int *bad_seg);

#endif
