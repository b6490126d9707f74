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

/* All stages with half-block size below 2^block_log, inside one block of 2^block_log elements:
   upwards by decimation in time, or downwards (dif) by decimation in frequency. */
static inline __attribute__((always_inline)) void block_stages(fr_t *x, const fr_t *tw_all, unsigned block_log, int dif) {
    size_t bs = (size_t)1 << block_log;
    for (unsigned st = 0; st < block_log; st++) {
        unsigned s = dif ? block_log - 1 - st : st;
        size_t half = (size_t)1 << s;
        const fr_t *tw = tw_all + half - 1;
        for (size_t start = 0; start < bs; start += 2 * half) {
            /* the first butterfly of every group has twiddle 1, where both decimations give
               (u + v, u - v) with no product: all of stage 0's, half of stage 1's, ... (1/8 of
               a 2^16 transform's products) */
            fr_t *u = &x[start], *v = &x[start + half], t = *v;
            fr_sub(v, u, &t);
            fr_add(u, u, &t);
            for (size_t j = 1; j < half; j++) {
                if (dif) dif_butterfly(&x[start + j], &x[start + j + half], &tw[j]);
                else butterfly(&x[start + j], &x[start + j + half], &tw[j]);
            }
        }
    }
}

struct stage_ctx {
    fr_t *a;
    const fr_t *tw; /* per-stage twiddles (stage_twiddles) */
    unsigned block_log;
};
static void small_stages_range(void *vctx, size_t b, size_t e, int worker) {
    (void)worker;
    struct stage_ctx *c = vctx;
    for (size_t blk = b; blk < e; blk++) block_stages(c->a + (blk << c->block_log), c->tw, c->block_log, 0);
}

/* The large stages, several per pass: the stages with half-blocks 2^lo .. 2^hi touch, inside each
   block of 2^(hi+1) elements, only the elements of one column (same offset below 2^lo) at the
   row stride 2^lo.  A work item is a tile of NTT_TILE adjacent columns of one block: its rows stay
   in L1 while all the pass's stages run over them, so a pass reads the vector once where one
   stage per pass read it once per stage.  Twiddle index of element i in stage s: i mod 2^s. */
#define NTT_TILE 8        /* columns per work item: one 256-byte run per row */
#define NTT_PASS_STAGES 4 /* at most 16 rows per tile (4 KiB) */
struct cols_ctx {
    fr_t *a;
    const fr_t *tw;
    unsigned lo, hi;
};
static inline __attribute__((always_inline)) void col_pass(struct cols_ctx *c, size_t b, size_t e, int dif) {
    const unsigned lo = c->lo, hi = c->hi, nst = hi - lo + 1;
    const size_t stride = (size_t)1 << lo, rows = (size_t)1 << nst, tiles = stride / NTT_TILE;
    for (size_t item = b; item < e; item++) {
        fr_t *x = c->a + ((item / tiles) << (hi + 1)) + (item % tiles) * NTT_TILE;
        for (unsigned st = 0; st < nst; st++) {
            unsigned s = dif ? hi - st : lo + st;
            size_t hr = (size_t)1 << (s - lo), mask = ((size_t)1 << s) - 1; /* partner distance in rows */
            const fr_t *tw = c->tw + mask;
            size_t off = (size_t)(x - c->a);
            for (size_t r = 0; r < rows; r++) {
                if (r & hr) continue;
                fr_t *u = x + r * stride, *v = u + ((size_t)1 << s);
                const fr_t *w = tw + ((off + r * stride) & mask);
                for (size_t k = 0; k < NTT_TILE; k++) {
                    if (dif) dif_butterfly(&u[k], &v[k], &w[k]);
                    else butterfly(&u[k], &v[k], &w[k]);
                }
            }
        }
    }
}
static void dit_cols_range(void *vctx, size_t b, size_t e, int worker) {
    (void)worker;
    col_pass(vctx, b, e, 0);
}
static void dif_cols_range(void *vctx, size_t b, size_t e, int worker) {
    (void)worker;
    col_pass(vctx, b, e, 1);
}

/* The stages from 2^block_log up to n/2, in passes of at most NTT_PASS_STAGES: upwards for
   decimation in time, downwards (dif) for decimation in frequency. */
static void large_stages(fr_t *a, const fr_t *tw, unsigned log_n, unsigned block_log, int dif) {
    unsigned left = log_n > block_log ? log_n - block_log : 0;
    unsigned lo = block_log, hi = log_n;
    while (left) {
        unsigned k = left < NTT_PASS_STAGES ? left : NTT_PASS_STAGES;
        struct cols_ctx c = {a, tw, dif ? hi - k : lo, dif ? hi - 1 : lo + k - 1};
        size_t items = ((size_t)1 << (log_n - c.hi - 1)) * (((size_t)1 << c.lo) / NTT_TILE);
        zk_parallel_for(items, 64, dif ? dif_cols_range : dit_cols_range, &c);
        if (dif) hi -= k;
        else lo += k;
        left -= k;
    }
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
    struct stage_ctx sc = {a, tw, log_n < NTT_BLOCK_LOG ? log_n : NTT_BLOCK_LOG};
    zk_parallel_for(n >> sc.block_log, 1, small_stages_range, &sc);
    large_stages(a, tw, log_n, sc.block_log, 0);
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

/* The middle of the pair, block by block while the block is in L2: the DIF stages below
   2^block_log, the scaling by f, the DIT stages below 2^block_log. */
struct coset_ctx {
    fr_t *a;
    const fr_t *tw_i, *tw_f, *f;
    unsigned block_log;
};
static void coset_blocks_range(void *vctx, size_t b, size_t e, int worker) {
    (void)worker;
    struct coset_ctx *c = vctx;
    size_t bs = (size_t)1 << c->block_log;
    for (size_t blk = b; blk < e; blk++) {
        fr_t *x = c->a + blk * bs;
        const fr_t *f = c->f + blk * bs;
        block_stages(x, c->tw_i, c->block_log, 1);
        for (size_t i = 0; i < bs; i++) fr_mul(&x[i], &x[i], &f[i]);
        block_stages(x, c->tw_f, c->block_log, 0);
    }
}

/* f[j] = first * g^bitrev(j) over log_n bits.  With j = hi 2^m + lo, bitrev(j) =
   bitrev_m(lo) 2^(log_n - m) + bitrev_(log_n - m)(hi), so f[j] = L[lo] H[hi] from two tables
   of about sqrt(n) entries each: one product per element, spread over the threads. */
struct bitrev_pow_ctx {
    fr_t *f;
    const fr_t *lo_t, *hi_t;
    unsigned m;
};
static void bitrev_pow_range(void *vctx, size_t b, size_t e, int worker) {
    (void)worker;
    struct bitrev_pow_ctx *c = vctx;
    size_t mask = ((size_t)1 << c->m) - 1;
    for (size_t j = b; j < e; j++) fr_mul(&c->f[j], &c->hi_t[j >> c->m], &c->lo_t[j & mask]);
}
/* t[i] = first * base^bitrev_bits(i) for i < 2^bits: bit l of i carries base^(2^(bits-1-l)). */
static void bitrev_table(fr_t *t, unsigned bits, const fr_t *first, const fr_t *base) {
    fr_t p[64];
    p[0] = *base; /* p[k] = base^(2^k) */
    for (unsigned k = 1; k < bits; k++) fr_sqr(&p[k], &p[k - 1]);
    t[0] = *first;
    for (unsigned l = 0; l < bits; l++) {
        size_t h = (size_t)1 << l;
        for (size_t i = 0; i < h; i++) fr_mul(&t[i + h], &t[i], &p[bits - 1 - l]);
    }
}

int ntt_to_coset(fr_t *const *vecs, int count, unsigned log_n, const fr_t *shift) {
    size_t n = (size_t)1 << log_n;
    if (n == 1) return 1; /* a constant: the same on every coset */
    unsigned m = log_n / 2;
    fr_t *tw_f = stage_twiddles(log_n, 0), *tw_i = stage_twiddles(log_n, 1);
    fr_t *f = malloc(n * sizeof(fr_t));
    fr_t *lo_t = malloc(((size_t)1 << m) * sizeof(fr_t)), *hi_t = malloc(((size_t)1 << (log_n - m)) * sizeof(fr_t));
    int ok = tw_f && tw_i && f && lo_t && hi_t;
    if (ok) {
        fr_t n_inv, one = fr_ONE, g_hi = *shift; /* the low bits of j carry shift^(2^(log_n - m) ...) */
        fr_from_u64(&n_inv, n);
        fr_inv_var(&n_inv, &n_inv);
        for (unsigned k = 0; k < log_n - m; k++) fr_sqr(&g_hi, &g_hi);
        bitrev_table(lo_t, m, &n_inv, &g_hi);
        bitrev_table(hi_t, log_n - m, &one, shift);
        struct bitrev_pow_ctx bp = {f, lo_t, hi_t, m};
        zk_parallel_for(n, 4096, bitrev_pow_range, &bp);
        unsigned block_log = log_n < NTT_BLOCK_LOG ? log_n : NTT_BLOCK_LOG;
        for (int v = 0; v < count; v++) {
            large_stages(vecs[v], tw_i, log_n, block_log, 1);
            struct coset_ctx cc = {vecs[v], tw_i, tw_f, f, block_log};
            zk_parallel_for(n >> block_log, 1, coset_blocks_range, &cc);
            large_stages(vecs[v], tw_f, log_n, block_log, 0);
        }
    }
    free(tw_f);
    free(tw_i);
    free(f);
    free(lo_t);
    free(hi_t);
    return ok;
}
