/*
 * Multi-scalar multiplication sum_i k_i P_i over G1 and G2 (Pippenger).
 *
 * 1. Scalars are read (std or Montgomery form) and sorted into classes: 0 (skipped), 1 and r-1
 *    (plain signed sums), and the rest.  A scalar above r/2 is replaced by r - k with the point
 *    negated, so "small negative" witness values are as cheap as small positive ones.  This pass
 *    runs on all cores (chunks closed up in order afterwards): single-threaded it idled a core for
 *    ~35 ms per MSM of 2^20 points.
 * 2. The rest are recoded into signed c-bit digits in [-2^(c-1), 2^(c-1)) (see signed_digit: each
 *    window task recodes on the fly, so no digit table is stored).  c minimises a cost model over
 *    the number of windows per thread, points and buckets; high windows of small scalars are zero
 *    and cost nothing.
 * 3. Each window, and each share of the +-1 class, is a task that a worker accumulates into its own
 *    buckets (batch-affine, see msm_impl.h; the top window, whose digits reach few buckets, spreads
 *    over replicas of them) and reduces (for 1,024 buckets or more, by segments summed in lockstep
 *    with affine additions sharing inversions); workers take tasks from a shared counter.
 * 4. Windows are combined by Horner's rule (c doublings each) and the +-1 sums added.
 */
#include <stdlib.h>
#include <string.h>

#include "../include/zkclear.h"
#include "curve.h"
#include "msm.h"
#include "parallel.h"

static inline unsigned bits_at(const uint64_t *k, unsigned pos, unsigned len) {
    /* len <= 17 bits starting at pos (may run past bit 255: zeros) */
    if (pos >= 256) return 0;
    unsigned limb = pos / 64, off = pos % 64;
    uint64_t v = k[limb] >> off;
    if (off + len > 64 && limb + 1 < 4) v |= k[limb + 1] << (64 - off);
    return (unsigned)(v & ((1u << len) - 1));
}

/* Window w's signed digit in [-2^(c-1), 2^(c-1)) of the recoding k = sum_w d_w 2^(cw), computed
   without the sequential carry chain: the carry into window w is 1 exactly when the low cw bits of
   k exceed the value whose every c-bit window is 2^(c-1) - 1 (compared window by window from the
   top, so almost always decided by window w-1).  That lets each window task recode on the fly. */
static inline int signed_digit(const uint64_t *k, unsigned w, unsigned c) {
    int half = 1 << (c - 1);
    int v = (int)bits_at(k, c * w, c);
    for (unsigned j = w; j-- > 0;) {
        int b = (int)bits_at(k, c * j, c);
        if (b != half - 1) {
            v += b > half - 1;
            break;
        }
    }
    return v >= half ? v - (1 << c) : v;
}

/* ---- tuning shared by the accumulator (msm_impl.h) and the window cost model below ------------ */
#define MSM_SEGS 256             /* reduce_affine: segments of the bucket range summed in lockstep */
#define MSM_MIN_AFFINE_RED 1024  /* fewer buckets are reduced by the plain running sum */
#define MSM_AFFINE_MIN_POINTS 2048 /* fewer points (or c < 8) accumulate in Jacobian buckets */
/* whether an MSM of n general scalars at window c accumulates batch-affine */
static inline int msm_batch_affine(size_t n, unsigned c) { return n >= MSM_AFFINE_MIN_POINTS && c >= 8; }
/* the lockstep reduction's segment count for nb buckets (a power of two >= MSM_MIN_AFFINE_RED):
   segments of at least 16 buckets, at most MSM_SEGS of them */
static inline size_t msm_segments(size_t nb) { return nb / 16 < MSM_SEGS ? nb / 16 : MSM_SEGS; }
/* a batch spans at most 1/8 of the buckets (fewer collisions), and at most batch_max additions */
static inline size_t msm_batch_cap(size_t nb, size_t batch_max) {
    return nb / 8 < batch_max ? (nb / 8 ? nb / 8 : 1) : batch_max;
}

#define CURVE g1
#define FE fq
#define MSM_FQ2 0
#include "msm_impl.h"
#undef CURVE
#undef FE
#undef MSM_FQ2
#define CURVE g2
#define FE fq2
#define MSM_FQ2 1
#include "msm_impl.h"
#undef CURVE
#undef FE
#undef MSM_FQ2

/* an Fq inversion in each group's additions (the batch bounds msm_g1/g2_batch_max: msm_impl.h)
   (safegcd Fq inversion ~1.4 us; a batch-affine addition ~180 ns in G1, ~400 ns in G2) */
static const double msm_g1_inv_units = 8.0, msm_g2_inv_units = 3.5;

static const uint64_t R_HALF[4] = FR_HALF; /* (r-1)/2 */

#define ZK_CLASSIFY_CHUNK 16384 /* scalars per classification thread at least */
#define ZK_CLASSIFY_MAX 256 /* zk_num_threads() never exceeds it */

enum { MSM_ERR_POINT_CANONICAL = 1, MSM_ERR_POINT_CURVE = 2, MSM_ERR_SCALAR = 3, MSM_ERR_MEMORY = 9 };

/* ---- scalar classification ------------------------------------------------------------------------ */
struct classify {
    size_t n_gen, n_ones;
    const uint64_t **gen_pt, **ones_pt; /* the points, wherever their segment lies */
    uint64_t *gen_k; /* 4 limbs each, < r/2 */
    uint8_t *gen_neg, *ones_neg;
    unsigned bits;   /* bit length of the largest general scalar */
};

static void classify_free(struct classify *c) {
    free(c->gen_pt);
    free(c->ones_pt);
    free(c->gen_k);
    free(c->gen_neg);
    free(c->ones_neg);
}

static int is_point_inf(const uint64_t *p, size_t limbs) {
    uint64_t acc = 0;
    for (size_t i = 0; i < limbs; i++) acc |= p[i];
    return acc == 0;
}

/* Chunks of the scalars are classified in parallel, each into its own slice of the output arrays
   (starting at the chunk's first index, so no slice can overrun the next), and the slices are then
   closed up in order: the classes come out exactly as a single pass would leave them. */
struct classify_ctx {
    struct classify *c;
    const struct zk_msm_seg *segs;
    size_t point_limbs;
    int mont;
    size_t begin[ZK_CLASSIFY_MAX], n_gen[ZK_CLASSIFY_MAX], n_ones[ZK_CLASSIFY_MAX];
    int64_t bad[ZK_CLASSIFY_MAX];
    uint8_t ran[ZK_CLASSIFY_MAX];
    unsigned top[ZK_CLASSIFY_MAX];
};

static void classify_range(void *vctx, size_t b, size_t e, int w) {
    struct classify_ctx *x = vctx;
    struct classify *c = x->c;
    static const fr_t minus_one = {FR_M_MINUS_1};
    size_t n_gen = b, n_ones = b;
    unsigned top = 0;
    x->begin[w] = b;
    x->ran[w] = 1;
    x->bad[w] = -1;
    int sg = 0; /* the segment holding index i, and i's place in it */
    size_t li = b;
    if (b < e) /* (an empty chunk may start at the end of the last segment) */
        while (li >= x->segs[sg].n) li -= x->segs[sg++].n;
    for (size_t i = b; i < e; i++, li++) {
        while (li == x->segs[sg].n) {
            li = 0;
            sg++;
        }
        const uint64_t *s = x->segs[sg].scalars + 4 * li, *pt = x->segs[sg].points + x->point_limbs * li;
        if (!fr_is_canonical(s)) {
            x->bad[w] = (int64_t)i;
            break;
        }
        fr_t k = *(const fr_t *)s;
        if (x->mont) fr_from_mont(&k, &k);
        if (fr_is_zero(&k) || is_point_inf(pt, x->point_limbs)) continue;
        if (k.v[0] == 1 && !(k.v[1] | k.v[2] | k.v[3])) {
            c->ones_pt[n_ones] = pt;
            c->ones_neg[n_ones++] = 0;
            continue;
        }
        if (fr_eq(&k, &minus_one)) {
            c->ones_pt[n_ones] = pt;
            c->ones_neg[n_ones++] = 1;
            continue;
        }
        uint8_t neg = 0;
        if (zk_lt4(R_HALF, k.v)) {
            fr_t m;
            zk_sub4(m.v, fr_MOD.v, k.v);
            k = m;
            neg = 1;
        }
        c->gen_pt[n_gen] = pt;
        c->gen_neg[n_gen] = neg;
        memcpy(c->gen_k + 4 * n_gen, k.v, 32);
        n_gen++;
        for (int l = 3; l >= 0; l--) {
            if (k.v[l]) {
                unsigned bl = 64 * (unsigned)l + 64 - (unsigned)__builtin_clzll(k.v[l]);
                if (bl > top) top = bl;
                break;
            }
        }
    }
    x->n_gen[w] = n_gen - b;
    x->n_ones[w] = n_ones - b;
    x->top[w] = top;
}

/* Returns -1, the index of the first non-canonical scalar (counted across the segments in order), or
   -2 (out of memory). */
static int64_t classify_scalars(struct classify *c, const struct zk_msm_seg *segs, size_t point_limbs, size_t n,
                                int mont) {
    memset(c, 0, sizeof *c);
    size_t cap = n ? n : 1;
    c->gen_pt = malloc(cap * sizeof(*c->gen_pt));
    c->ones_pt = malloc(cap * sizeof(*c->ones_pt));
    c->gen_k = malloc(cap * 4 * sizeof(uint64_t));
    c->gen_neg = malloc(cap);
    c->ones_neg = malloc(cap);
    struct classify_ctx *x = malloc(sizeof *x);
    if (!c->gen_pt || !c->ones_pt || !c->gen_k || !c->gen_neg || !c->ones_neg || !x) {
        free(x);
        return -2;
    }
    memset(x, 0, sizeof *x);
    x->c = c;
    x->segs = segs;
    x->point_limbs = point_limbs;
    x->mont = mont;
    if (n) zk_parallel_for(n, ZK_CLASSIFY_CHUNK, classify_range, x);
    int64_t bad = -1;
    for (int w = 0; w < ZK_CLASSIFY_MAX; w++) { /* worker w had the w-th chunk */
        if (!x->ran[w]) continue;
        if (x->bad[w] >= 0) {
            bad = x->bad[w];
            break;
        }
        size_t b = x->begin[w], g = x->n_gen[w], o = x->n_ones[w];
        if (b != c->n_gen && g) {
            memmove(c->gen_pt + c->n_gen, c->gen_pt + b, g * sizeof(*c->gen_pt));
            memmove(c->gen_neg + c->n_gen, c->gen_neg + b, g);
            memmove(c->gen_k + 4 * c->n_gen, c->gen_k + 4 * b, g * 32);
        }
        if (b != c->n_ones && o) {
            memmove(c->ones_pt + c->n_ones, c->ones_pt + b, o * sizeof(*c->ones_pt));
            memmove(c->ones_neg + c->n_ones, c->ones_neg + b, o);
        }
        c->n_gen += g;
        c->n_ones += o;
        if (x->top[w] > c->bits) c->bits = x->top[w];
    }
    free(x);
    return bad;
}

/* ---- window choice ------------------------------------------------------------------------------------ */
/* Cost model, in units of one batch-affine addition: per window n additions, each also paying its
   share of the batch's inversion (inv_units / batch size, the batch being at most 1/8 of the
   buckets and batch_max), and the bucket reduction: two additions a bucket and their share of the
   inversions for the lockstep affine reduction (1,024 buckets or more), ~5 units for the Jacobian
   running sum.  The windows are spread over the threads. */
static unsigned choose_window(size_t n, unsigned bits, int threads, size_t batch_max, double inv_units) {
    if (n == 0 || bits == 0) return 2;
    const char *forced = getenv("ZK_MSM_WINDOW"); /* tuning knob: force c (2..16) */
    if (forced && atoi(forced) >= 2 && atoi(forced) <= 16) return (unsigned)atoi(forced);
    unsigned best_c = 2;
    double best = 0;
    /* c >= 2: with one bit the signed digits are {-1, 0} and cannot end a positive scalar;
       c <= 16: at most 2^15 buckets per window and worker */
    for (unsigned c = 2; c <= 16; c++) {
        unsigned windows = (bits + 2 + c - 1) / c;
        unsigned per_thread = (windows + (unsigned)threads - 1) / (unsigned)threads;
        size_t nb = (size_t)1 << (c - 1);
        double per_add = 1.0, per_bucket = 5.0;
        if (msm_batch_affine(n, c)) {
            per_add += inv_units / (double)msm_batch_cap(nb, batch_max);
            if (nb >= MSM_MIN_AFFINE_RED) { /* lockstep reduction: two additions a bucket, S of them per inversion,
                                 each ~0.6 of a stream addition (buckets in order: no digit to recode,
                                 no collision, no cache miss) */
                per_bucket = 0.6 * 2.0 * (1.0 + inv_units / (double)msm_segments(nb)) + 0.25;
            }
        }
        double cost = per_thread * ((double)n * per_add + per_bucket * (double)nb);
        if (c == 2 || cost < best) {
            best = cost;
            best_c = c;
        }
    }
    return best_c;
}

/* How many buckets window w's digits reach for scalars below 2^bits: all 2^(c-1) unless the scalar
   ends at least a bit below the window's sign bit; then a digit is the rem = bits - c w bits left
   plus the carry from below, at most 2^rem, never negative. */
static size_t window_span(unsigned bits, unsigned w, unsigned c) {
    unsigned rem = bits > c * w ? bits - c * w : 0;
    return rem + 2 <= c ? (size_t)1 << rem : (size_t)1 << (c - 1);
}

/* ---- the driver, per group ----------------------------------------------------------------------------- */
#define MSM_DRIVER(G, ACC)                                                                          \
    struct G##_msm_ctx {                                                                            \
        struct classify *cls;                                                                       \
        unsigned c, windows;                                                                        \
        size_t n_one_tasks, one_chunk, nb_max;                                                      \
        int batch_affine;                                                                           \
        G##_jac_t *win_out, *one_out;                                                               \
        size_t next_task;                                                                           \
        int failed;                                                                                 \
    };                                                                                              \
    static void G##_msm_worker(void *vctx, size_t b, size_t e, int worker) {                        \
        (void)b;                                                                                    \
        (void)e;                                                                                    \
        (void)worker;                                                                               \
        struct G##_msm_ctx *x = vctx;                                                               \
        ACC acc;                                                                                    \
        if (!msm_##G##_acc_init(&acc, x->nb_max)) {                                                 \
            __atomic_store_n(&x->failed, 1, __ATOMIC_RELAXED);                                      \
            return;                                                                                 \
        }                                                                                           \
        size_t total = x->windows + x->n_one_tasks;                                                 \
        for (;;) {                                                                                  \
            size_t t = __atomic_fetch_add(&x->next_task, 1, __ATOMIC_RELAXED);                      \
            if (t >= total) break;                                                                  \
            if (t < x->windows) {                                                                   \
                msm_##G##_accumulate(&acc, &x->win_out[t], x->cls->gen_pt,                          \
                                     x->cls->gen_k, (unsigned)t, x->c, x->cls->gen_neg, x->cls->n_gen, \
                                     (size_t)1 << (x->c - 1), window_span(x->cls->bits, (unsigned)t, x->c), \
                                     x->batch_affine);                                              \
            } else {                                                                                \
                size_t o = t - x->windows, lo = o * x->one_chunk;                                   \
                size_t hi = lo + x->one_chunk > x->cls->n_ones ? x->cls->n_ones : lo + x->one_chunk; \
                size_t cnt = hi - lo;                                                               \
                size_t nb = cnt >= 4096 ? 1024 : (cnt / 4 ? cnt / 4 : 1);                           \
                msm_##G##_accumulate(&acc, &x->one_out[o], x->cls->ones_pt + lo, NULL, 0, 0,        \
                                     x->cls->ones_neg + lo, cnt, nb, nb, cnt >= 256);               \
            }                                                                                       \
        }                                                                                           \
        msm_##G##_acc_free(&acc);                                                                   \
    }                                                                                               \
    int64_t zk_msm_##G##_segs(uint64_t *out, const struct zk_msm_seg *segs, int nseg, int flags, int *reason, \
                              int *bad_seg) {                                                       \
        const size_t limbs = sizeof(G##_aff_t) / 8;                                                 \
        *reason = 0;                                                                                \
        *bad_seg = 0;                                                                               \
        memset(out, 0, sizeof(G##_aff_t));                                                         \
        size_t n = 0;                                                                               \
        for (int s = 0; s < nseg; s++) {                                                            \
            int r;                                                                                  \
            int64_t bad = zk_##G##_validate(segs[s].points, segs[s].n, (flags & ZK_MSM_CHECK_POINTS) ? 1 : 0, &r); \
            if (bad >= 0) {                                                                         \
                *bad_seg = s;                                                                       \
                *reason = r == 9 ? MSM_ERR_MEMORY : r == 1 ? MSM_ERR_POINT_CANONICAL : MSM_ERR_POINT_CURVE; \
                return bad;                                                                         \
            }                                                                                       \
            n += segs[s].n;                                                                         \
        }                                                                                           \
        struct classify cls;                                                                        \
        int64_t bad = classify_scalars(&cls, segs, limbs, n, flags & ZK_MSM_SCALARS_MONT);          \
        if (bad != -1) {                                                                            \
            classify_free(&cls);                                                                    \
            *reason = bad == -2 ? MSM_ERR_MEMORY : MSM_ERR_SCALAR;                                  \
            if (bad == -2) return 0;                                                                \
            while (bad >= (int64_t)segs[*bad_seg].n) bad -= (int64_t)segs[(*bad_seg)++].n;          \
            return bad;                                                                             \
        }                                                                                           \
        int threads = zk_num_threads();                                                             \
        struct G##_msm_ctx x;                                                                       \
        memset(&x, 0, sizeof x);                                                                    \
        x.cls = &cls;                                                                               \
        x.c = choose_window(cls.n_gen, cls.bits, threads, msm_##G##_batch_max, msm_##G##_inv_units);                                          \
        x.windows = cls.n_gen ? (cls.bits + 2 + x.c - 1) / x.c : 0; /* top digit stays below 2^(c-1) */                                 \
        x.batch_affine = msm_batch_affine(cls.n_gen, x.c);                                          \
        x.one_chunk = cls.n_ones ? (cls.n_ones + (size_t)threads - 1) / (size_t)threads : 1;        \
        if (x.one_chunk < 4096) x.one_chunk = 4096;                                                 \
        x.n_one_tasks = (cls.n_ones + x.one_chunk - 1) / x.one_chunk;                               \
        x.nb_max = (size_t)1 << (x.c - 1);                                                          \
        if (x.nb_max < 1024) x.nb_max = 1024;                                                       \
        x.win_out = malloc((x.windows + 1) * sizeof(G##_jac_t));                                    \
        x.one_out = malloc((x.n_one_tasks + 1) * sizeof(G##_jac_t));                                \
        if (!x.win_out || !x.one_out) {                                                             \
            free(x.win_out);                                                                        \
            free(x.one_out);                                                                        \
            classify_free(&cls);                                                                    \
            *reason = MSM_ERR_MEMORY;                                                               \
            return 0;                                                                               \
        }                                                                                           \
        size_t tasks = x.windows + x.n_one_tasks;                                                   \
        int workers = (int)(tasks < (size_t)threads ? tasks : (size_t)threads);                     \
        if (workers < 1) workers = 1;                                                               \
        if (tasks) zk_parallel_for((size_t)workers, 1, G##_msm_worker, &x);                         \
        G##_jac_t acc;                                                                              \
        G##_jac_set_inf(&acc);                                                                      \
        if (!x.failed) {                                                                            \
            for (size_t w = x.windows; w-- > 0;) {                                                  \
                for (unsigned d = 0; d < x.c && !G##_jac_is_inf(&acc); d++) G##_dbl(&acc, &acc);    \
                G##_add(&acc, &acc, &x.win_out[w]);                                                 \
            }                                                                                       \
            for (size_t o = 0; o < x.n_one_tasks; o++) G##_add(&acc, &acc, &x.one_out[o]);          \
            G##_to_aff((G##_aff_t *)out, &acc);                                                     \
        }                                                                                           \
        free(x.win_out);                                                                            \
        free(x.one_out);                                                                            \
        classify_free(&cls);                                                                        \
        if (x.failed) {                                                                             \
            *reason = MSM_ERR_MEMORY;                                                               \
            return 0;                                                                               \
        }                                                                                           \
        return -1;                                                                                  \
    }                                                                                               \
    int64_t zk_msm_##G(uint64_t *out, const uint64_t *points, const uint64_t *scalars, size_t n,    \
                       int flags, int *reason) {                                                    \
        struct zk_msm_seg seg = {points, scalars, n};                                               \
        int bad_seg;                                                                                \
        return zk_msm_##G##_segs(out, &seg, 1, flags, reason, &bad_seg);                            \
    }

MSM_DRIVER(g1, msm_g1_acc_t)
MSM_DRIVER(g2, msm_g2_acc_t)
