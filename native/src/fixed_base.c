/*
 * Batch fixed-base scalar multiplication (zk_g1_fixed_base_mul / zk_g2_fixed_base_mul): many
 * scalars times one base point, the single-party Groth16 setup's workhorse (prover/setup/single.py
 * lifts a million field values to points with it).
 *
 * A table of the base's multiples d * 2^(w j) * P, d = 1 .. 2^(w-1), for every window j, is built
 * once (threaded over windows, each window normalised with one batch inversion).  Each scalar is
 * then recoded into signed w-bit digits (k = sum d_j 2^(w j), |d_j| <= 2^(w-1)), so k * P is the
 * sum of one table entry (or its negation) per non-zero digit: nw - 1 mixed additions and no
 * doublings.  Scalars are split over the workers; each normalises its results in blocks with one
 * batch inversion per block.  Variable time (table reads are indexed by the digits), as the MSM
 * and the ceremonies' batch scaling are.
 */
#include <stdlib.h>
#include <string.h>

#include "../include/zkclear.h"
#include "curve.h"
#include "parallel.h"

#define FB_BLOCK 1024
#define FB_SCALAR_BITS 254 /* r < 2^254 */

/* Number of signed windows: w * nw >= 255, so the top digit never carries out. */
static unsigned fb_windows(unsigned w) { return FB_SCALAR_BITS / w + 1; }

/* The window minimising table cost (nw 2^(w-1) entries, each ~1.3 additions with its share of the
   normalisation) plus the scalars' additions (nw - 1 each).  ZK_FB_WINDOW forces it. */
static unsigned fb_choose_window(size_t n) {
    const char *env = getenv("ZK_FB_WINDOW");
    if (env) {
        int w = atoi(env);
        if (w >= 1 && w <= 16) return (unsigned)w;
    }
    unsigned best = 1;
    double best_cost = 0;
    for (unsigned w = 1; w <= 16; w++) {
        unsigned nw = fb_windows(w);
        double cost = 1.3 * nw * (double)(1u << (w - 1)) + (double)n * (nw - 1);
        if (w == 1 || cost < best_cost) {
            best = w;
            best_cost = cost;
        }
    }
    return best;
}

/* w bits of the 256-bit little-endian k from bit pos (pos + w <= 256 + w, high bits read as 0). */
static inline unsigned fb_bits(const uint64_t k[4], unsigned pos, unsigned w) {
    unsigned limb = pos / 64, off = pos % 64;
    if (limb >= 4) return 0;
    uint64_t v = k[limb] >> off;
    if (off + w > 64 && limb + 1 < 4) v |= k[limb + 1] << (64 - off);
    return (unsigned)(v & ((1u << w) - 1));
}

/* Signed digits d_j in [-(2^(w-1) - 1), 2^(w-1)], written as magnitude and sign. */
static inline void fb_recode(const uint64_t k[4], unsigned w, unsigned nw, uint32_t *mag, uint8_t *neg) {
    unsigned carry = 0, half = 1u << (w - 1);
    for (unsigned j = 0; j < nw; j++) {
        unsigned bits = fb_bits(k, j * w, w) + carry;
        if (bits > half) {
            mag[j] = (1u << w) - bits;
            neg[j] = 1;
            carry = 1;
        } else {
            mag[j] = bits;
            neg[j] = 0;
            carry = 0;
        }
    }
}

#define FIXED_BASE_EXPORT(G, LIMBS)                                                                \
    struct G##_fb_ctx {                                                                            \
        G##_aff_t *table; /* nw windows of 2^(w-1) entries */                                      \
        const G##_aff_t *bases; /* 2^(w j) P */                                                    \
        const uint64_t *scalars;                                                                   \
        G##_aff_t *out;                                                                            \
        unsigned w, nw;                                                                            \
        int mont, failed;                                                                          \
    };                                                                                             \
    static void G##_fb_table_range(void *vctx, size_t b, size_t e, int wk) {                       \
        (void)wk;                                                                                  \
        struct G##_fb_ctx *c = vctx;                                                               \
        size_t half = (size_t)1 << (c->w - 1);                                                     \
        void *jac_buf, *scratch;                                                                   \
        if (!curve_batch_buffers(half, sizeof(G##_jac_t), sizeof(G##_aff_t), &jac_buf, &scratch)) {\
            c->failed = 1;                                                                         \
            return;                                                                                \
        }                                                                                          \
        G##_jac_t *jac = jac_buf;                                                                  \
        for (size_t j = b; j < e; j++) {                                                           \
            G##_from_aff(&jac[0], &c->bases[j]);                                                   \
            for (size_t d = 1; d < half; d++) G##_madd(&jac[d], &jac[d - 1], &c->bases[j]);         \
            G##_batch_to_aff(c->table + j * half, jac, half, scratch);                             \
        }                                                                                          \
        free(jac);                                                                                 \
        free(scratch);                                                                             \
    }                                                                                              \
    static void G##_fb_mul_range(void *vctx, size_t b, size_t e, int wk) {                         \
        (void)wk;                                                                                  \
        struct G##_fb_ctx *c = vctx;                                                               \
        const size_t half = (size_t)1 << (c->w - 1);                                               \
        void *jac_buf, *scratch;                                                                   \
        if (!curve_batch_buffers(FB_BLOCK, sizeof(G##_jac_t), sizeof(G##_aff_t), &jac_buf, &scratch)) {\
            c->failed = 1;                                                                         \
            return;                                                                                \
        }                                                                                          \
        G##_jac_t *jac = jac_buf;                                                                  \
        uint32_t mag[FB_SCALAR_BITS + 1];                                                          \
        uint8_t neg[FB_SCALAR_BITS + 1];                                                           \
        for (size_t i0 = b; i0 < e; i0 += FB_BLOCK) {                                              \
            size_t m = e - i0 < FB_BLOCK ? e - i0 : FB_BLOCK;                                      \
            for (size_t t = 0; t < m; t++) {                                                       \
                fr_t k;                                                                            \
                memcpy(k.v, c->scalars + 4 * (i0 + t), 32);                                        \
                if (c->mont) fr_from_mont(&k, &k);                                                 \
                fb_recode(k.v, c->w, c->nw, mag, neg);                                             \
                G##_jac_t acc;                                                                     \
                G##_jac_set_inf(&acc);                                                             \
                for (unsigned j = 0; j < c->nw; j++) {                                             \
                    if (!mag[j]) continue;                                                         \
                    const G##_aff_t *p = c->table + j * half + (mag[j] - 1);                       \
                    if (neg[j]) {                                                                  \
                        G##_aff_t q;                                                               \
                        G##_aff_neg(&q, p);                                                        \
                        G##_madd(&acc, &acc, &q);                                                  \
                    } else {                                                                       \
                        G##_madd(&acc, &acc, p);                                                   \
                    }                                                                              \
                }                                                                                  \
                jac[t] = acc;                                                                      \
                memset(&k, 0, sizeof k);                                                           \
            }                                                                                      \
            G##_batch_to_aff(c->out + i0, jac, m, scratch);                                        \
        }                                                                                          \
        memset(mag, 0, sizeof mag);                                                                \
        memset(neg, 0, sizeof neg);                                                                \
        free(jac);                                                                                 \
        free(scratch);                                                                             \
    }                                                                                              \
    int64_t zk_##G##_fixed_base_mul(uint64_t *out, const uint64_t *base, const uint64_t *scalars, size_t n, \
                                    int flags, unsigned window, int *reason) {                     \
        *reason = 0;                                                                               \
        int why = 0;                                                                               \
        if (zk_##G##_validate(base, 1, 2, &why) >= 0) {                                            \
            *reason = why;                                                                         \
            return 0;                                                                              \
        }                                                                                          \
        if (window > 16) {                                                                         \
            *reason = 5;                                                                           \
            return 0;                                                                              \
        }                                                                                          \
        int64_t bad = zk_fr_check(scalars, n);                                                     \
        if (bad >= 0) {                                                                            \
            *reason = 4;                                                                           \
            return bad;                                                                            \
        }                                                                                          \
        if (n == 0) return -1;                                                                     \
        const G##_aff_t *p = (const G##_aff_t *)base;                                              \
        if (G##_aff_is_inf(p)) {                                                                   \
            memset(out, 0, n * sizeof(G##_aff_t));                                                 \
            return -1;                                                                             \
        }                                                                                          \
        unsigned w = window ? window : fb_choose_window(n), nw = fb_windows(w);                    \
        size_t half = (size_t)1 << (w - 1);                                                        \
        G##_aff_t *bases = malloc(nw * sizeof *bases);                                             \
        G##_aff_t *table = malloc(nw * half * sizeof *table);                                      \
        if (!bases || !table) {                                                                    \
            free(bases);                                                                           \
            free(table);                                                                           \
            *reason = 9;                                                                           \
            return 0;                                                                              \
        }                                                                                          \
        G##_jac_t cur;                                                                             \
        G##_from_aff(&cur, p);                                                                     \
        for (unsigned j = 0; j < nw; j++) {                                                        \
            G##_to_aff(&bases[j], &cur);                                                           \
            for (unsigned d = 0; d < w; d++) G##_dbl(&cur, &cur);                                  \
        }                                                                                          \
        struct G##_fb_ctx c = {table, bases, scalars, (G##_aff_t *)out, w, nw, flags & ZK_FB_SCALARS_MONT, 0}; \
        zk_parallel_for(nw, 1, G##_fb_table_range, &c);                                            \
        if (!c.failed) zk_parallel_for(n, 256, G##_fb_mul_range, &c);                              \
        free(bases);                                                                               \
        free(table);                                                                               \
        if (c.failed) {                                                                            \
            *reason = 9;                                                                           \
            return 0;                                                                              \
        }                                                                                          \
        return -1;                                                                                 \
    }

FIXED_BASE_EXPORT(g1, 8)
FIXED_BASE_EXPORT(g2, 16)
