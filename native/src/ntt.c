/*
 * Radix-2 number-theoretic transform over Fr on ffjavascript's domains (w_k = w_28^(2^(28-k)),
 * w_28 = 5^((r-1)/2^28)), natural order in and out, in place.
 *
 * Bit-reversal permutation, then Cooley-Tukey DIT butterflies.  The stages whose blocks fit in
 * L2 run block by block (one pass over memory for all of them, blocks spread over the threads);
 * the remaining large stages split each stage's butterflies over the threads.  Twiddles are
 * precomputed per call (n/2 products and n/2 copies, a few percent of the transform), one
 * contiguous table per stage.
 *
 * Every transform is linear and its constants are applied by Montgomery products, so a buffer in
 * standard form stays standard and a Montgomery-form buffer stays Montgomery.
 */
#include <stdlib.h>

#include "../include/zkclear.h"
#include "field.h"
#include "ntt.h"
#include "parallel.h"

#define NTT_BLOCK_LOG 13 /* 2^13 elements = 256 KiB per block */

static const fr_t FR_W28 = {FR_ROOT_OF_UNITY_MONT};

static int64_t first_non_canonical(const uint64_t *a, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!fr_is_canonical(a + 4 * i)) return (int64_t)i;
    return -1;
}

static void root_of_unity(fr_t *w, unsigned log_n, int inverse) {
    *w = FR_W28;
    for (unsigned i = log_n; i < FR_TWO_ADICITY; i++) fr_sqr(w, w);
    if (inverse) fr_inv_var(w, w);
}

/* ---- twiddles ----------------------------------------------------------------------------------- */
struct twiddle_ctx {
    fr_t *tw;
    fr_t w;
};

static void twiddle_range(void *vctx, size_t b, size_t e, int worker) {
    (void)worker;
    struct twiddle_ctx *c = vctx;
    uint64_t k[1] = {b};
    fr_t cur;
    fr_pow(&cur, &c->w, k, 1);
    for (size_t i = b; i < e; i++) {
        c->tw[i] = cur;
        fr_mul(&cur, &cur, &c->w);
    }
}

/* Twiddles laid out per stage: the stage with half-blocks of 2^s reads w_(2^(s+1))^j, j < 2^s,
   at offset 2^s - 1 (n - 1 entries in all).  Each stage then reads its twiddles contiguously,
   where one table of w_n^i read at stride n/2^(s+1) cost a cache line per butterfly in the large
   stages (the 16 MiB table of a 2^20 transform competing with the data for L3). */
struct gather_ctx {
    fr_t *t;
    unsigned log_n;
};
static void gather_range(void *vctx, size_t b, size_t e, int worker) {
    (void)worker;
    struct gather_ctx *c = vctx;
    const fr_t *last = c->t + ((size_t)1 << (c->log_n - 1)) - 1; /* the last stage: w_n^j */
    for (size_t i = b; i < e; i++) {
        unsigned s = 63u - (unsigned)__builtin_clzll((unsigned long long)(i + 1));
        size_t j = i + 1 - ((size_t)1 << s);
        c->t[i] = last[j << (c->log_n - 1 - s)];
    }
}
static fr_t *stage_twiddles(unsigned log_n, int inverse) {
    size_t n = (size_t)1 << log_n;
    fr_t *t = malloc((n - 1) * sizeof(fr_t));
    if (!t) return NULL;
    struct twiddle_ctx tc = {t + n / 2 - 1, FR_W28};
    root_of_unity(&tc.w, log_n, inverse);
    zk_parallel_for(n / 2, 8192, twiddle_range, &tc);
    struct gather_ctx gc = {t, log_n};
    zk_parallel_for(n / 2 - 1, 8192, gather_range, &gc);
    return t;
}

/* ---- bit reversal --------------------------------------------------------------------------------- */
struct bitrev_ctx {
    fr_t *a;
    unsigned log_n;
};

static inline size_t bitrev(size_t x, unsigned bits) {
    size_t r = 0;
    for (unsigned i = 0; i < bits; i++) {
        r = (r << 1) | (x & 1);
        x >>= 1;
    }
    return r;
}

static void bitrev_range(void *vctx, size_t b, size_t e, int worker) {
    (void)worker;
    struct bitrev_ctx *c = vctx;
    for (size_t i = b; i < e; i++) {
        size_t j = bitrev(i, c->log_n);
        if (i < j) {
            fr_t t = c->a[i];
            c->a[i] = c->a[j];
            c->a[j] = t;
        }
    }
}

/* ---- butterflies ---------------------------------------------------------------------------------- */
static inline void butterfly(fr_t *x, fr_t *y, const fr_t *w) {
    fr_t t;
    fr_mul(&t, y, w);
    fr_sub(y, x, &t);
    fr_add(x, x, &t);
}

/* The mirror image, for decimation in frequency: (x, y) -> (x + y, (x - y) w). */
static inline void dif_butterfly(fr_t *x, fr_t *y, const fr_t *w) {
    fr_t d;
    fr_sub(&d, x, y);
    fr_add(x, x, y);
    fr_mul(y, &d, w);
}

struct stage_ctx {
    fr_t *a;
    const fr_t *tw; /* per-stage twiddles (stage_twiddles) */
    unsigned log_n;
    unsigned half_log; /* large stages: this stage's half-block size is 2^half_log */
    unsigned block_log;
};

/* All stages with half-block size below 2^block_log, for the blocks [b, e) of 2^block_log elements. */
static void small_stages_range(void *vctx, size_t b, size_t e, int worker) {
    (void)worker;
    struct stage_ctx *c = vctx;
    size_t bs = (size_t)1 << c->block_log;
    for (size_t blk = b; blk < e; blk++) {
        fr_t *x = c->a + blk * bs;
        for (unsigned s = 0; s < c->block_log; s++) {
            size_t half = (size_t)1 << s;
            const fr_t *tw = c->tw + half - 1;
            for (size_t start = 0; start < bs; start += 2 * half)
                for (size_t j = 0; j < half; j++) butterfly(&x[start + j], &x[start + j + half], &tw[j]);
        }
    }
}

/* One large stage: butterfly k in [b, e) of n/2, decimation in time or (dif) in frequency; the
   constant flag is folded by inlining into the two range functions. */
static inline __attribute__((always_inline)) void large_stage(struct stage_ctx *c, size_t b, size_t e, int dif) {
    size_t half = (size_t)1 << c->half_log;
    const fr_t *tw = c->tw + half - 1;
    for (size_t k = b; k < e; k++) {
        size_t blk = k >> c->half_log, j = k & (half - 1);
        size_t i0 = (blk << (c->half_log + 1)) + j;
        if (dif) dif_butterfly(&c->a[i0], &c->a[i0 + half], &tw[j]);
        else butterfly(&c->a[i0], &c->a[i0 + half], &tw[j]);
    }
}
static void large_stage_range(void *vctx, size_t b, size_t e, int worker) {
    (void)worker;
    large_stage(vctx, b, e, 0);
}

/* ---- scaling ------------------------------------------------------------------------------------- */
struct scale_ctx {
    fr_t *a;
    fr_t first, step;
};

static void scale_range(void *vctx, size_t b, size_t e, int worker) {
    (void)worker;
    struct scale_ctx *c = vctx;
    uint64_t k[1] = {b};
    fr_t cur;
    fr_pow(&cur, &c->step, k, 1);
    fr_mul(&cur, &cur, &c->first);
    for (size_t i = b; i < e; i++) {
        fr_mul(&c->a[i], &c->a[i], &cur);
        fr_mul(&cur, &cur, &c->step);
    }
}

static void scale_powers(fr_t *a, size_t n, const fr_t *first, const fr_t *step) {
    struct scale_ctx c = {a, *first, *step};
    zk_parallel_for(n, 4096, scale_range, &c);
}

/* Transform of validated data; returns 0 when out of memory. */
static int ntt_core(fr_t *a, unsigned log_n, int inverse) {
    size_t n = (size_t)1 << log_n;
    if (n == 1) return 1;
    fr_t *tw = stage_twiddles(log_n, inverse);
    if (!tw) return 0;
    struct bitrev_ctx bc = {a, log_n};
    zk_parallel_for(n, 8192, bitrev_range, &bc);
    struct stage_ctx sc = {a, tw, log_n, 0, log_n < NTT_BLOCK_LOG ? log_n : NTT_BLOCK_LOG};
    zk_parallel_for(n >> sc.block_log, 1, small_stages_range, &sc);
    for (unsigned s = sc.block_log; s < log_n; s++) {
        sc.half_log = s;
        zk_parallel_for(n / 2, 4096, large_stage_range, &sc);
    }
    free(tw);
    if (inverse) {
        fr_t n_inv, one = fr_ONE;
        fr_from_u64(&n_inv, n);
        fr_inv_var(&n_inv, &n_inv);
        scale_powers(a, n, &n_inv, &one);
    }
    return 1;
}

int64_t zk_fr_ntt(uint64_t *a, unsigned log_n, int inverse) {
    size_t n = (size_t)1 << log_n;
    int64_t bad = first_non_canonical(a, n);
    if (bad >= 0) return bad;
    return ntt_core((fr_t *)a, log_n, inverse) ? -1 : (int64_t)n;
}

int64_t zk_fr_coset_ntt(uint64_t *a, unsigned log_n, const uint64_t *shift, int inverse) {
    size_t n = (size_t)1 << log_n;
    int64_t bad = first_non_canonical(a, n);
    if (bad >= 0) return bad;
    fr_t one = fr_ONE, g = *(const fr_t *)shift;
    if (!inverse) scale_powers((fr_t *)a, n, &one, &g);
    if (!ntt_core((fr_t *)a, log_n, inverse)) return (int64_t)n;
    if (inverse) {
        fr_inv_var(&g, &g);
        scale_powers((fr_t *)a, n, &one, &g);
    }
    return -1;
}

int64_t zk_fr_scale_powers(uint64_t *a, size_t n, const uint64_t *first, const uint64_t *step) {
    int64_t bad = first_non_canonical(a, n);
    if (bad >= 0) return bad;
    scale_powers((fr_t *)a, n, (const fr_t *)first, (const fr_t *)step);
    return -1;
}

/* ---- domain evaluations -> odd-coset evaluations, without bit reversals (the prover's path) ----------
 * An inverse transform by decimation in frequency takes natural order to bit-reversed order, and a
 * forward transform by decimation in time takes bit-reversed order back to natural order, so the
 * pair needs no permutation pass.  Between them, the coefficient at bit-reversed position j is
 * scaled by shift^bitrev(j) / n in one pass.  Twiddles and scale factors are computed once for all
 * the vectors. */

/* All DIF stages with half-block size below 2^block_log, for the blocks [b, e). */
static void dif_small_range(void *vctx, size_t b, size_t e, int worker) {
    (void)worker;
    struct stage_ctx *c = vctx;
    size_t bs = (size_t)1 << c->block_log;
    for (size_t blk = b; blk < e; blk++) {
        fr_t *x = c->a + blk * bs;
        for (unsigned s = c->block_log; s-- > 0;) {
            size_t half = (size_t)1 << s;
            const fr_t *tw = c->tw + half - 1;
            for (size_t start = 0; start < bs; start += 2 * half)
                for (size_t j = 0; j < half; j++) dif_butterfly(&x[start + j], &x[start + j + half], &tw[j]);
        }
    }
}

static void dif_large_range(void *vctx, size_t b, size_t e, int worker) {
    (void)worker;
    large_stage(vctx, b, e, 1);
}

struct mulv_ctx {
    fr_t *a;
    const fr_t *f;
};
static void mulv_range(void *vctx, size_t b, size_t e, int worker) {
    (void)worker;
    struct mulv_ctx *c = vctx;
    for (size_t i = b; i < e; i++) fr_mul(&c->a[i], &c->a[i], &c->f[i]);
}

/* f[j] = first * g^bitrev(j) over log_n bits: level l's table from level l-1's by
   f[2i + b] = g^(b 2^(l-1)) f[i], in place and downwards (f[i >> 1] is read before it is
   rewritten).  n products in all, once per proof. */
static void bitrev_powers(fr_t *f, unsigned log_n, const fr_t *first, const fr_t *g) {
    f[0] = *first;
    fr_t gl = *g; /* g^(2^(l-1)) */
    for (unsigned l = 1; l <= log_n; l++) {
        size_t m = (size_t)1 << l;
        for (size_t i = m; i-- > 1;) {
            if (i & 1) fr_mul(&f[i], &f[i >> 1], &gl);
            else f[i] = f[i >> 1];
        }
        fr_sqr(&gl, &gl);
    }
}

int ntt_to_coset(fr_t *const *vecs, int count, unsigned log_n, const fr_t *shift) {
    size_t n = (size_t)1 << log_n;
    if (n == 1) return 1; /* a constant: the same on every coset */
    fr_t *tw_f = stage_twiddles(log_n, 0), *tw_i = stage_twiddles(log_n, 1);
    fr_t *f = malloc(n * sizeof(fr_t));
    if (!tw_f || !tw_i || !f) {
        free(tw_f);
        free(tw_i);
        free(f);
        return 0;
    }
    fr_t n_inv;
    fr_from_u64(&n_inv, n);
    fr_inv_var(&n_inv, &n_inv);
    bitrev_powers(f, log_n, &n_inv, shift);
    unsigned block_log = log_n < NTT_BLOCK_LOG ? log_n : NTT_BLOCK_LOG;
    for (int v = 0; v < count; v++) {
        struct stage_ctx sc = {vecs[v], tw_i, log_n, 0, block_log};
        for (unsigned s = log_n; s-- > block_log;) {
            sc.half_log = s;
            zk_parallel_for(n / 2, 4096, dif_large_range, &sc);
        }
        zk_parallel_for(n >> block_log, 1, dif_small_range, &sc);
        struct mulv_ctx mc = {vecs[v], f};
        zk_parallel_for(n, 4096, mulv_range, &mc);
        sc.tw = tw_f;
        zk_parallel_for(n >> block_log, 1, small_stages_range, &sc);
        for (unsigned s = block_log; s < log_n; s++) {
            sc.half_log = s;
            zk_parallel_for(n / 2, 4096, large_stage_range, &sc);
        }
    }
    free(tw_f);
    free(tw_i);
    free(f);
    return 1;
}
