/* Exported G1/G2 entry points over LEM buffers (see zkclear.h and docs/native.md). */
#include <stdlib.h>

#include "../include/zkclear.h"
#include "curve.h"
#include "parallel.h"

/* ---- validation ------------------------------------------------------------------------------- */
struct validate_ctx {
    const uint64_t *pts;
    int level;
    int64_t first_bad[256];
    int reason[256];
};

static int g1_point_reason(const uint64_t *p, int level) {
    const g1_aff_t *a = (const g1_aff_t *)p;
    if (!fq_is_canonical(a->x.v) || !fq_is_canonical(a->y.v)) return 1;
    if (level >= 1 && !g1_aff_on_curve(a)) return 2;
    return 0; /* G1 has cofactor 1: on the curve is in the subgroup */
}
static int g2_point_reason(const uint64_t *p, int level) {
    const g2_aff_t *a = (const g2_aff_t *)p;
    if (!fq_is_canonical(a->x.c0.v) || !fq_is_canonical(a->x.c1.v) || !fq_is_canonical(a->y.c0.v) ||
        !fq_is_canonical(a->y.c1.v))
        return 1;
    if (level >= 1 && !g2_aff_on_curve(a)) return 2;
    if (level >= 2 && !g2_in_subgroup(a)) return 3;
    return 0;
}

#define VALIDATE_EXPORT(G, LIMBS)                                                                  \
    static void G##_validate_range(void *vctx, size_t b, size_t e, int w) {                        \
        struct validate_ctx *c = vctx;                                                             \
        c->first_bad[w] = -1;                                                                      \
        for (size_t i = b; i < e; i++) {                                                           \
            int why = G##_point_reason(c->pts + (LIMBS) * i, c->level);                            \
            if (why) {                                                                             \
                c->first_bad[w] = (int64_t)i;                                                      \
                c->reason[w] = why;                                                                \
                return;                                                                            \
            }                                                                                      \
        }                                                                                          \
    }                                                                                              \
    int64_t zk_##G##_validate(const uint64_t *pts, size_t n, int level, int *reason) {             \
        struct validate_ctx *c = calloc(1, sizeof *c);                                             \
        if (!c) {                                                                                  \
            *reason = 9;                                                                           \
            return 0;                                                                              \
        }                                                                                          \
        c->pts = pts;                                                                              \
        c->level = level;                                                                          \
        for (int w = 0; w < 256; w++) c->first_bad[w] = -1;                                        \
        zk_parallel_for(n, level >= 2 ? 16 : 4096, G##_validate_range, c);                         \
        int64_t bad = -1;                                                                          \
        for (int w = 0; w < 256; w++) {                                                            \
            if (c->first_bad[w] >= 0 && (bad < 0 || c->first_bad[w] < bad)) {                      \
                bad = c->first_bad[w];                                                             \
                *reason = c->reason[w];                                                            \
            }                                                                                      \
        }                                                                                          \
        free(c);                                                                                   \
        return bad;                                                                                \
    }

VALIDATE_EXPORT(g1, 8)
VALIDATE_EXPORT(g2, 16)

/* ---- group law on single affine points ---------------------------------------------------------- */
#define GROUP_EXPORTS(G)                                                                           \
    void zk_##G##_add(uint64_t *out, const uint64_t *a, const uint64_t *b) {                       \
        G##_jac_t j;                                                                               \
        G##_from_aff(&j, (const G##_aff_t *)a);                                                    \
        G##_madd(&j, &j, (const G##_aff_t *)b);                                                    \
        G##_to_aff((G##_aff_t *)out, &j);                                                          \
    }                                                                                              \
    void zk_##G##_dbl(uint64_t *out, const uint64_t *a) {                                          \
        G##_jac_t j;                                                                               \
        G##_from_aff(&j, (const G##_aff_t *)a);                                                    \
        G##_dbl(&j, &j);                                                                           \
        G##_to_aff((G##_aff_t *)out, &j);                                                          \
    }                                                                                              \
    void zk_##G##_neg(uint64_t *out, const uint64_t *a) {                                          \
        G##_aff_neg((G##_aff_t *)out, (const G##_aff_t *)a);                                       \
    }                                                                                              \
    void zk_##G##_mul(uint64_t *out, const uint64_t *a, const uint64_t *k) {                       \
        G##_jac_t j;                                                                               \
        G##_mul(&j, (const G##_aff_t *)a, k, 4);                                                   \
        G##_to_aff((G##_aff_t *)out, &j);                                                          \
    }                                                                                              \
    void zk_##G##_mul_ct(uint64_t *out, const uint64_t *a, const uint64_t *k) {                    \
        G##_mul_ct((G##_aff_t *)out, (const G##_aff_t *)a, k);                                     \
    }                                                                                              \
    int64_t zk_##G##_normalize(uint64_t *out, const uint64_t *jac, size_t n) {                     \
        const uint64_t *c = jac;                                                                   \
        for (size_t i = 0; i < n * 3 * sizeof(G##_aff_t) / 64; i++)                                \
            if (!fq_is_canonical(c + 4 * i)) return (int64_t)(i / (3 * sizeof(G##_aff_t) / 64));   \
        void *scratch = calloc(2 * n + 1, sizeof(G##_aff_t) / 2);                                   \
        if (!scratch) return (int64_t)n;                                                           \
        G##_batch_to_aff((G##_aff_t *)out, (const G##_jac_t *)jac, n, scratch);                    \
        free(scratch);                                                                             \
        return -1;                                                                                 \
    }

GROUP_EXPORTS(g1)
GROUP_EXPORTS(g2)

/* ---- compression (ffjavascript's format) ---------------------------------------------------------- */
static void fq_to_be(uint8_t *out, const fq_t *a) {
    fq_t s;
    fq_from_mont(&s, a);
    for (int i = 0; i < 32; i++) out[i] = (uint8_t)(s.v[3 - i / 8] >> (8 * (7 - i % 8)));
}
/* Big-endian bytes to a Montgomery element; 0 when the value is not below p. */
static int fq_from_be(fq_t *r, const uint8_t *in) {
    fq_t s;
    for (int l = 0; l < 4; l++) {
        uint64_t v = 0;
        for (int b = 0; b < 8; b++) v = (v << 8) | in[8 * (3 - l) + b];
        s.v[l] = v;
    }
    if (!fq_is_canonical(s.v)) return 0;
    fq_to_mont(r, &s);
    return 1;
}

void zk_g1_compress(uint8_t *out, const uint64_t *a) {
    const g1_aff_t *p = (const g1_aff_t *)a;
    if (g1_aff_is_inf(p)) {
        memset(out, 0, 32);
        out[0] = 0x40;
        return;
    }
    fq_to_be(out, &p->x);
    if (fq_is_negative(&p->y)) out[0] |= 0x80;
}

void zk_g2_compress(uint8_t *out, const uint64_t *a) {
    const g2_aff_t *p = (const g2_aff_t *)a;
    if (g2_aff_is_inf(p)) {
        memset(out, 0, 64);
        out[0] = 0x40;
        return;
    }
    fq_to_be(out, &p->x.c1);
    fq_to_be(out + 32, &p->x.c0);
    if (fq2_is_negative(&p->y)) out[0] |= 0x80;
}

/* Shared flag handling: returns 0 for a point to decode (buf gets the flag-free bytes), 1 for a
   valid infinity, -1 for a bad encoding. */
static int split_flags(uint8_t *buf, const uint8_t *in, size_t len, int *negative) {
    memcpy(buf, in, len);
    uint8_t flags = in[0] & 0xC0;
    if (flags & 0x40) {
        if (in[0] != 0x40) return -1;
        for (size_t i = 1; i < len; i++)
            if (in[i]) return -1;
        return 1;
    }
    *negative = (flags & 0x80) != 0;
    buf[0] &= 0x3F;
    return 0;
}

int zk_g1_decompress(uint64_t *out, const uint8_t *in) {
    uint8_t buf[32];
    int negative = 0;
    g1_aff_t *p = (g1_aff_t *)out;
    int k = split_flags(buf, in, 32, &negative);
    if (k < 0) return 1;
    if (k == 1) {
        memset(p, 0, sizeof *p);
        return 0;
    }
    fq_t x, y2, y;
    if (!fq_from_be(&x, buf)) return 2;
    fq_sqr(&y2, &x);
    fq_mul(&y2, &y2, &x);
    fq_add(&y2, &y2, &g1_B);
    if (!fq_sqrt(&y, &y2)) return 3;
    if (fq_is_negative(&y) != negative) fq_neg(&y, &y);
    p->x = x;
    p->y = y;
    return 0;
}

int zk_g2_decompress(uint64_t *out, const uint8_t *in) {
    uint8_t buf[64];
    int negative = 0;
    g2_aff_t *p = (g2_aff_t *)out;
    int k = split_flags(buf, in, 64, &negative);
    if (k < 0) return 1;
    if (k == 1) {
        memset(p, 0, sizeof *p);
        return 0;
    }
    g2_aff_t q;
    fq2_t y2;
    if (!fq_from_be(&q.x.c1, buf) || !fq_from_be(&q.x.c0, buf + 32)) return 2;
    fq2_sqr(&y2, &q.x);
    fq2_mul(&y2, &y2, &q.x);
    fq2_add(&y2, &y2, &g2_B);
    if (!fq2_sqrt(&q.y, &y2)) return 3;
    if (fq2_is_negative(&q.y) != negative) fq2_neg(&q.y, &q.y);
    if (!g2_in_subgroup(&q)) return 4;
    *p = q;
    return 0;
}

/* ---- Fq2 / Fq12 kernels (for the twins' tests and cold paths) -------------------------------------- */
void zk_fq2_mul(uint64_t *out, const uint64_t *a, const uint64_t *b) {
    fq2_mul((fq2_t *)out, (const fq2_t *)a, (const fq2_t *)b);
}
void zk_fq2_sqr(uint64_t *out, const uint64_t *a) { fq2_sqr((fq2_t *)out, (const fq2_t *)a); }
void zk_fq2_mul_portable(uint64_t *out, const uint64_t *a, const uint64_t *b, size_t n) {
    for (size_t i = 0; i < n; i++) fq2_mul_c((fq2_t *)out + i, (const fq2_t *)a + i, (const fq2_t *)b + i);
}
void zk_fq2_sqr_portable(uint64_t *out, const uint64_t *a, size_t n) {
    for (size_t i = 0; i < n; i++) fq2_sqr_c((fq2_t *)out + i, (const fq2_t *)a + i);
}
void zk_fq2_norm(uint64_t *out, const uint64_t *a, size_t n) {
    for (size_t i = 0; i < n; i++) fq2_norm((fq_t *)out + i, (const fq2_t *)a + i);
}
void zk_fq2_norm_portable(uint64_t *out, const uint64_t *a, size_t n) {
    for (size_t i = 0; i < n; i++) fq2_norm_c((fq_t *)out + i, (const fq2_t *)a + i);
}
/* Timing kernels for bench/fq2.py: iters chained products acc = acc * b (latency), and n
   independent products over buffers (throughput). */
void zk_fq2_mul_chain(uint64_t *acc, const uint64_t *b, uint64_t iters) {
    fq2_t x = *(const fq2_t *)acc, y = *(const fq2_t *)b;
    for (uint64_t i = 0; i < iters; i++) fq2_mul(&x, &x, &y);
    *(fq2_t *)acc = x;
}
void zk_fq2_mul_many(uint64_t *out, const uint64_t *a, const uint64_t *b, size_t n) {
    for (size_t i = 0; i < n; i++) fq2_mul((fq2_t *)out + i, (const fq2_t *)a + i, (const fq2_t *)b + i);
}
void zk_fq2_inv(uint64_t *out, const uint64_t *a) { fq2_inv((fq2_t *)out, (const fq2_t *)a); }
int zk_fq2_sqrt(uint64_t *out, const uint64_t *a) { return fq2_sqrt((fq2_t *)out, (const fq2_t *)a); }
void zk_fq12_mul(uint64_t *out, const uint64_t *a, const uint64_t *b) {
    fq12_mul((fq12_t *)out, (const fq12_t *)a, (const fq12_t *)b);
}
void zk_fq12_sqr(uint64_t *out, const uint64_t *a) { fq12_sqr((fq12_t *)out, (const fq12_t *)a); }
void zk_fq12_inv(uint64_t *out, const uint64_t *a) { fq12_inv((fq12_t *)out, (const fq12_t *)a); }
void zk_fq12_frobenius(uint64_t *out, const uint64_t *a, int e) {
    fq12_frobenius((fq12_t *)out, (const fq12_t *)a, e);
}
void zk_fq12_cyclotomic_sqr(uint64_t *out, const uint64_t *a) {
    fq12_cyclotomic_sqr((fq12_t *)out, (const fq12_t *)a);
}

/* ---- arithmetic progressions of points (test and benchmark inputs) ------------------------------------ */
#define PROGRESSION_EXPORT(G)                                                                      \
    struct G##_prog_ctx {                                                                          \
        G##_aff_t *out;                                                                            \
        const G##_aff_t *start, *step;                                                             \
        int failed;                                                                                \
    };                                                                                             \
    static void G##_prog_range(void *vctx, size_t b, size_t e, int w) {                            \
        (void)w;                                                                                   \
        struct G##_prog_ctx *c = vctx;                                                             \
        size_t chunk = 4096;                                                                       \
        void *jac_buf, *scratch;                                                                   \
        if (!curve_batch_buffers(chunk, sizeof(G##_jac_t), sizeof(G##_aff_t), &jac_buf, &scratch)) {\
            c->failed = 1;                                                                         \
            return;                                                                                \
        }                                                                                          \
        G##_jac_t *jac = jac_buf;                                                                  \
        uint64_t k[4] = {b, 0, 0, 0};                                                              \
        G##_jac_t cur;                                                                             \
        G##_mul(&cur, c->step, k, 4);                                                              \
        G##_madd(&cur, &cur, c->start);                                                            \
        for (size_t i = b; i < e; i += chunk) {                                                    \
            size_t m = e - i < chunk ? e - i : chunk;                                              \
            for (size_t j = 0; j < m; j++) {                                                       \
                jac[j] = cur;                                                                      \
                G##_madd(&cur, &cur, c->step);                                                     \
            }                                                                                      \
            G##_batch_to_aff(c->out + i, jac, m, scratch);                                         \
        }                                                                                          \
        free(jac);                                                                                 \
        free(scratch);                                                                             \
    }                                                                                              \
    int zk_##G##_progression(uint64_t *out, const uint64_t *start, const uint64_t *step, size_t n) { \
        struct G##_prog_ctx c = {(G##_aff_t *)out, (const G##_aff_t *)start, (const G##_aff_t *)step, 0}; \
        zk_parallel_for(n, 4096, G##_prog_range, &c);                                              \
        return c.failed ? 0 : 1;                                                                   \
    }

PROGRESSION_EXPORT(g1)
PROGRESSION_EXPORT(g2)
