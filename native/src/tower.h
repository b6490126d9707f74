/*
 * The BN254 extension tower, static inline like field.h:
 *   Fq2  = Fq[u]/(u^2 + 1)
 *   Fq6  = Fq2[v]/(v^3 - xi),  xi = 9 + u
 *   Fq12 = Fq6[w]/(w^2 - v)     (so w^6 = xi: py_ecc's D-type twist)
 * All values canonical Montgomery residues.  Formulas: Karatsuba products, Chung-Hasan squaring
 * in Fq6, complex squaring in Fq12, Granger-Scott squaring in the cyclotomic subgroup.
 */
#ifndef ZK_TOWER_H
#define ZK_TOWER_H

#include "curve_constants.h"
#include "field.h"

/* ---- Fq2 ---------------------------------------------------------------------------------------- */
typedef struct {
    fq_t c0, c1;
} fq2_t;

static const fq2_t fq2_ZERO = {{{0, 0, 0, 0}}, {{0, 0, 0, 0}}};
static const fq2_t fq2_ONE = {{FQ_R1}, {{0, 0, 0, 0}}};

static inline int fq2_is_zero(const fq2_t *a) { return fq_is_zero(&a->c0) && fq_is_zero(&a->c1); }
static inline int fq2_eq(const fq2_t *a, const fq2_t *b) { return fq_eq(&a->c0, &b->c0) && fq_eq(&a->c1, &b->c1); }
static inline void fq2_add(fq2_t *r, const fq2_t *a, const fq2_t *b) {
    fq_add(&r->c0, &a->c0, &b->c0);
    fq_add(&r->c1, &a->c1, &b->c1);
}
static inline void fq2_sub(fq2_t *r, const fq2_t *a, const fq2_t *b) {
    fq_sub(&r->c0, &a->c0, &b->c0);
    fq_sub(&r->c1, &a->c1, &b->c1);
}
static inline void fq2_dbl(fq2_t *r, const fq2_t *a) {
    fq_dbl(&r->c0, &a->c0);
    fq_dbl(&r->c1, &a->c1);
}
static inline void fq2_neg(fq2_t *r, const fq2_t *a) {
    fq_neg(&r->c0, &a->c0);
    fq_neg(&r->c1, &a->c1);
}
static inline void fq2_conj(fq2_t *r, const fq2_t *a) {
    r->c0 = a->c0;
    fq_neg(&r->c1, &a->c1);
}
/* Karatsuba with lazy reduction (field.h, "Lazy reduction"): the three products stay 512-bit and
   only c0 = a0 b0 - a1 b1 and c1 = (a0 + a1)(b0 + b1) - a0 b0 - a1 b1 are reduced, 2 reductions
   instead of 3.  Squaring: c0 = (a0 + a1)(a0 - a1), c1 = 2 a0 a1 with the sums left unreduced
   (below 2q, which fq_mul accepts).  S selects the primitives: empty for the dispatched ones, _c
   for the portable C twins (exported for the tests).  r may alias a or b. */
#define ZK_FQ2_MUL(S)                                                                              \
    fq_wide_t p0, p1, p2;                                                                          \
    fq_t sa, sb;                                                                                   \
    fq_mul_wide##S(&p0, &a->c0, &b->c0);                                                           \
    fq_mul_wide##S(&p1, &a->c1, &b->c1);                                                           \
    fq_add_nr##S(&sa, &a->c0, &a->c1);                                                             \
    fq_add_nr##S(&sb, &b->c0, &b->c1);                                                             \
    fq_mul_wide##S(&p2, &sa, &sb);                                                                 \
    fq_redc_sub##S(&r->c0, &p0, &p1);                                                              \
    fq_redc_sub2##S(&r->c1, &p2, &p0, &p1);
#define ZK_FQ2_SQR(S)                                                                              \
    fq_t s, d, m;                                                                                  \
    fq_add_nr##S(&s, &a->c0, &a->c1);                                                              \
    fq_sub_nr##S(&d, &a->c0, &a->c1);                                                              \
    fq_add_nr##S(&m, &a->c0, &a->c0);                                                              \
    fq_mul##S(&r->c1, &m, &a->c1);                                                                 \
    fq_mul##S(&r->c0, &s, &d);
static inline void fq2_mul(fq2_t *r, const fq2_t *a, const fq2_t *b) { ZK_FQ2_MUL() }
static inline void fq2_sqr(fq2_t *r, const fq2_t *a) { ZK_FQ2_SQR() }
static inline void fq2_mul_c(fq2_t *r, const fq2_t *a, const fq2_t *b) { ZK_FQ2_MUL(_c) }
static inline void fq2_sqr_c(fq2_t *r, const fq2_t *a) { ZK_FQ2_SQR(_c) }
static inline void fq2_mul_fq(fq2_t *r, const fq2_t *a, const fq_t *b) {
    fq_mul(&r->c0, &a->c0, b);
    fq_mul(&r->c1, &a->c1, b);
}
/* (9 + u)(a0 + a1 u) = (9 a0 - a1) + (9 a1 + a0) u */
static inline void fq2_mul_xi(fq2_t *r, const fq2_t *a) {
    fq_t n0, n1, t;
    fq_dbl(&t, &a->c0);
    fq_dbl(&t, &t);
    fq_dbl(&t, &t);
    fq_add(&n0, &t, &a->c0);
    fq_dbl(&t, &a->c1);
    fq_dbl(&t, &t);
    fq_dbl(&t, &t);
    fq_add(&n1, &t, &a->c1);
    fq_sub(&n0, &n0, &a->c1);
    fq_add(&n1, &n1, &a->c0); /* r may alias a: write both only at the end */
    r->c0 = n0;
    r->c1 = n1;
}
/* The norm a0^2 + a1^2 = a conj(a) to Fq, with one reduction of the sum of the two squares
   (below 2 q^2: field.h, "Lazy reduction"). */
#define ZK_FQ2_NORM(S)                                                                             \
    fq_wide_t s0, s1;                                                                              \
    fq_sqr_wide##S(&s0, &a->c0);                                                                   \
    fq_sqr_wide##S(&s1, &a->c1);                                                                   \
    fq_redc_add##S(r, &s0, &s1);
static inline void fq2_norm(fq_t *r, const fq2_t *a) { ZK_FQ2_NORM() }
static inline void fq2_norm_c(fq_t *r, const fq2_t *a) { ZK_FQ2_NORM(_c) }
/* r = conj(a) s for s in Fq: with s = 1/N(a), the inverse 1/a = conj(a)/N(a) (the MSM's batch
   inverts the norms and finishes each inverse this way). */
static inline void fq2_conj_mul_fq(fq2_t *r, const fq2_t *a, const fq_t *s) {
    fq_t t;
    fq_mul(&r->c0, &a->c0, s);
    fq_mul(&t, &a->c1, s);
    fq_neg(&r->c1, &t);
}
/* 1/a: the variable-time inverse of the norm for public values, the Fermat one (fixed sequence
   of products) for secrets; 0 gives 0 in both. */
static inline void fq2_inv_with(fq2_t *r, const fq2_t *a, void (*fq_inverse)(fq_t *, const fq_t *)) {
    fq_t n;
    fq2_norm(&n, a);
    fq_inverse(&n, &n);
    fq2_conj_mul_fq(r, a, &n);
}
static inline void fq2_inv(fq2_t *r, const fq2_t *a) { fq2_inv_with(r, a, fq_inv); }
static inline void fq2_inv_ct(fq2_t *r, const fq2_t *a) { fq2_inv_with(r, a, fq_inv_ct); }
static inline void fq2_pow(fq2_t *r, const fq2_t *a, const uint64_t *e, size_t elen) {
    fq2_t acc = fq2_ONE, base = *a;
    for (size_t i = elen; i-- > 0;) {
        for (int b = 63; b >= 0; b--) {
            fq2_sqr(&acc, &acc);
            if ((e[i] >> b) & 1) fq2_mul(&acc, &acc, &base);
        }
    }
    *r = acc;
}
/* Montgomery's trick over Fq2; zeros map to zero.  scratch: n elements. */
static inline void fq2_batch_inv(fq2_t *out, const fq2_t *in, size_t n, fq2_t *scratch) {
    fq2_t acc = fq2_ONE;
    for (size_t i = 0; i < n; i++) {
        scratch[i] = acc;
        if (!fq2_is_zero(&in[i])) fq2_mul(&acc, &acc, &in[i]);
    }
    fq2_inv(&acc, &acc);
    for (size_t i = n; i-- > 0;) {
        if (fq2_is_zero(&in[i])) {
            out[i] = fq2_ZERO;
            continue;
        }
        fq2_t inv_i, ai = in[i];
        fq2_mul(&inv_i, &acc, &scratch[i]);
        fq2_mul(&acc, &acc, &ai);
        out[i] = inv_i;
    }
}
/* Square root for p = 3 mod 4 (Adj and Rodriguez-Henriquez, Algorithm 9).  Returns 1 and a root
   when a is a square. */
static inline int fq2_sqrt(fq2_t *r, const fq2_t *a) {
    if (fq2_is_zero(a)) {
        *r = fq2_ZERO;
        return 1;
    }
    static const uint64_t e1[4] = {0x4f082305b61f3f51ULL, 0x65e05aa45a1c72a3ULL, 0x6e14116da0605617ULL,
                                   0x0c19139cb84c680aULL}; /* (p-3)/4 */
    static const uint64_t e2[4] = {0x9e10460b6c3e7ea3ULL, 0xcbc0b548b438e546ULL, 0xdc2822db40c0ac2eULL,
                                   0x183227397098d014ULL}; /* (p-1)/2 */
    fq2_t a1, alpha, x0, t, root;
    fq2_pow(&a1, a, e1, 4);
    fq2_mul(&x0, &a1, a);
    fq2_mul(&alpha, &a1, &x0);
    fq2_t minus_one;
    fq_neg(&minus_one.c0, &fq_ONE);
    minus_one.c1 = fq_ZERO;
    if (fq2_eq(&alpha, &minus_one)) {
        /* root = u * x0 */
        fq_neg(&root.c0, &x0.c1);
        root.c1 = x0.c0;
    } else {
        fq2_add(&t, &fq2_ONE, &alpha);
        fq2_pow(&t, &t, e2, 4);
        fq2_mul(&root, &t, &x0);
    }
    fq2_sqr(&t, &root);
    if (!fq2_eq(&t, a)) return 0;
    *r = root;
    return 1;
}
/* ffjavascript's sign: the sign of c1, or of c0 when c1 = 0; negative means > (p-1)/2 (std form). */
static inline int fq_is_negative(const fq_t *a) {
    static const uint64_t half[4] = {0x9e10460b6c3e7ea3ULL, 0xcbc0b548b438e546ULL, 0xdc2822db40c0ac2eULL,
                                     0x183227397098d014ULL}; /* (p-1)/2 */
    fq_t s;
    fq_from_mont(&s, a);
    return zk_lt4(half, s.v);
}
static inline int fq2_is_negative(const fq2_t *a) {
    return fq_is_zero(&a->c1) ? fq_is_negative(&a->c0) : fq_is_negative(&a->c1);
}

/* ---- Fq6 ---------------------------------------------------------------------------------------- */
typedef struct {
    fq2_t c0, c1, c2;
} fq6_t;

static inline void fq6_add(fq6_t *r, const fq6_t *a, const fq6_t *b) {
    fq2_add(&r->c0, &a->c0, &b->c0);
    fq2_add(&r->c1, &a->c1, &b->c1);
    fq2_add(&r->c2, &a->c2, &b->c2);
}
static inline void fq6_sub(fq6_t *r, const fq6_t *a, const fq6_t *b) {
    fq2_sub(&r->c0, &a->c0, &b->c0);
    fq2_sub(&r->c1, &a->c1, &b->c1);
    fq2_sub(&r->c2, &a->c2, &b->c2);
}
static inline void fq6_neg(fq6_t *r, const fq6_t *a) {
    fq2_neg(&r->c0, &a->c0);
    fq2_neg(&r->c1, &a->c1);
    fq2_neg(&r->c2, &a->c2);
}
static inline void fq6_mul(fq6_t *r, const fq6_t *a, const fq6_t *b) {
    fq2_t t0, t1, t2, s, u, c0, c1, c2;
    fq2_mul(&t0, &a->c0, &b->c0);
    fq2_mul(&t1, &a->c1, &b->c1);
    fq2_mul(&t2, &a->c2, &b->c2);
    fq2_add(&s, &a->c1, &a->c2);
    fq2_add(&u, &b->c1, &b->c2);
    fq2_mul(&s, &s, &u);
    fq2_sub(&s, &s, &t1);
    fq2_sub(&s, &s, &t2);
    fq2_mul_xi(&s, &s);
    fq2_add(&c0, &s, &t0);
    fq2_add(&s, &a->c0, &a->c1);
    fq2_add(&u, &b->c0, &b->c1);
    fq2_mul(&s, &s, &u);
    fq2_sub(&s, &s, &t0);
    fq2_sub(&s, &s, &t1);
    fq2_mul_xi(&u, &t2);
    fq2_add(&c1, &s, &u);
    fq2_add(&s, &a->c0, &a->c2);
    fq2_add(&u, &b->c0, &b->c2);
    fq2_mul(&s, &s, &u);
    fq2_sub(&s, &s, &t0);
    fq2_sub(&s, &s, &t2);
    fq2_add(&c2, &s, &t1);
    r->c0 = c0;
    r->c1 = c1;
    r->c2 = c2;
}
static inline void fq6_sqr(fq6_t *r, const fq6_t *a) {
    fq2_t s0, s1, s2, s3, s4, t;
    fq2_sqr(&s0, &a->c0);
    fq2_mul(&s1, &a->c0, &a->c1);
    fq2_dbl(&s1, &s1);
    fq2_sub(&t, &a->c0, &a->c1);
    fq2_add(&t, &t, &a->c2);
    fq2_sqr(&s2, &t);
    fq2_mul(&s3, &a->c1, &a->c2);
    fq2_dbl(&s3, &s3);
    fq2_sqr(&s4, &a->c2);
    fq2_mul_xi(&t, &s3);
    fq2_add(&r->c0, &t, &s0);
    fq2_mul_xi(&t, &s4);
    fq2_t c1;
    fq2_add(&c1, &t, &s1);
    fq2_add(&t, &s1, &s2);
    fq2_add(&t, &t, &s3);
    fq2_sub(&t, &t, &s0);
    fq2_sub(&r->c2, &t, &s4);
    r->c1 = c1;
}
/* a * v = (xi a2, a0, a1) */
static inline void fq6_mul_v(fq6_t *r, const fq6_t *a) {
    fq2_t t;
    fq2_mul_xi(&t, &a->c2);
    r->c2 = a->c1;
    r->c1 = a->c0;
    r->c0 = t;
}
/* a * (b0 + b1 v) */
static inline void fq6_mul_01(fq6_t *r, const fq6_t *a, const fq2_t *b0, const fq2_t *b1) {
    fq2_t t0, t1, s, u, c0, c1, c2;
    fq2_mul(&t0, &a->c0, b0);
    fq2_mul(&t1, &a->c1, b1);
    fq2_mul(&s, &a->c2, b1);
    fq2_mul_xi(&s, &s);
    fq2_add(&c0, &s, &t0);
    fq2_add(&s, &a->c0, &a->c1);
    fq2_add(&u, b0, b1);
    fq2_mul(&s, &s, &u);
    fq2_sub(&s, &s, &t0);
    fq2_sub(&c1, &s, &t1);
    fq2_mul(&s, &a->c2, b0);
    fq2_add(&c2, &s, &t1);
    r->c0 = c0;
    r->c1 = c1;
    r->c2 = c2;
}
/* a * (b1 v) */
static inline void fq6_mul_1(fq6_t *r, const fq6_t *a, const fq2_t *b1) {
    fq2_t c0, c1, c2;
    fq2_mul(&c0, &a->c2, b1);
    fq2_mul_xi(&c0, &c0);
    fq2_mul(&c1, &a->c0, b1);
    fq2_mul(&c2, &a->c1, b1);
    r->c0 = c0;
    r->c1 = c1;
    r->c2 = c2;
}
static inline void fq6_inv(fq6_t *r, const fq6_t *a) {
    fq2_t t0, t1, t2, s, n;
    fq2_sqr(&t0, &a->c0);
    fq2_mul(&s, &a->c1, &a->c2);
    fq2_mul_xi(&s, &s);
    fq2_sub(&t0, &t0, &s);
    fq2_sqr(&t1, &a->c2);
    fq2_mul_xi(&t1, &t1);
    fq2_mul(&s, &a->c0, &a->c1);
    fq2_sub(&t1, &t1, &s);
    fq2_sqr(&t2, &a->c1);
    fq2_mul(&s, &a->c0, &a->c2);
    fq2_sub(&t2, &t2, &s);
    fq2_mul(&n, &a->c2, &t1);
    fq2_mul(&s, &a->c1, &t2);
    fq2_add(&n, &n, &s);
    fq2_mul_xi(&n, &n);
    fq2_mul(&s, &a->c0, &t0);
    fq2_add(&n, &n, &s);
    fq2_inv(&n, &n);
    fq2_mul(&r->c0, &t0, &n);
    fq2_mul(&r->c1, &t1, &n);
    fq2_mul(&r->c2, &t2, &n);
}

/* ---- Fq12 --------------------------------------------------------------------------------------- */
typedef struct {
    fq6_t c0, c1;
} fq12_t;

static inline void fq12_one(fq12_t *r) {
    memset(r, 0, sizeof *r);
    r->c0.c0 = fq2_ONE;
}
static inline int fq12_is_one(const fq12_t *a) {
    fq12_t one;
    fq12_one(&one);
    return memcmp(a, &one, sizeof one) == 0;
}
static inline void fq12_mul(fq12_t *r, const fq12_t *a, const fq12_t *b) {
    fq6_t t0, t1, s, u;
    fq6_mul(&t0, &a->c0, &b->c0);
    fq6_mul(&t1, &a->c1, &b->c1);
    fq6_add(&s, &a->c0, &a->c1);
    fq6_add(&u, &b->c0, &b->c1);
    fq6_mul(&s, &s, &u);
    fq6_sub(&s, &s, &t0);
    fq6_sub(&r->c1, &s, &t1);
    fq6_mul_v(&t1, &t1);
    fq6_add(&r->c0, &t0, &t1);
}
static inline void fq12_sqr(fq12_t *r, const fq12_t *a) {
    fq6_t ab, s, u, t;
    fq6_mul(&ab, &a->c0, &a->c1);
    fq6_add(&s, &a->c0, &a->c1);
    fq6_mul_v(&t, &a->c1);
    fq6_add(&u, &a->c0, &t);
    fq6_mul(&s, &s, &u);
    fq6_sub(&s, &s, &ab);
    fq6_mul_v(&t, &ab);
    fq6_sub(&r->c0, &s, &t);
    fq6_add(&r->c1, &ab, &ab);
}
static inline void fq12_conj(fq12_t *r, const fq12_t *a) {
    r->c0 = a->c0;
    fq6_neg(&r->c1, &a->c1);
}
static inline void fq12_inv(fq12_t *r, const fq12_t *a) {
    fq6_t t0, t1;
    fq6_sqr(&t0, &a->c0);
    fq6_sqr(&t1, &a->c1);
    fq6_mul_v(&t1, &t1);
    fq6_sub(&t0, &t0, &t1);
    fq6_inv(&t0, &t0);
    fq6_mul(&r->c0, &a->c0, &t0);
    fq6_mul(&t1, &a->c1, &t0);
    fq6_neg(&r->c1, &t1);
}
/* a * (b0 + b3 w + b4 v w): the shape of a D-twist line evaluated at a G1 point (1, w, w^3). */
static inline void fq12_mul_034(fq12_t *r, const fq12_t *a, const fq2_t *b0, const fq2_t *b3, const fq2_t *b4) {
    fq6_t aa, bb, s;
    fq2_t o;
    fq2_mul(&aa.c0, &a->c0.c0, b0);
    fq2_mul(&aa.c1, &a->c0.c1, b0);
    fq2_mul(&aa.c2, &a->c0.c2, b0);
    fq6_mul_01(&bb, &a->c1, b3, b4);
    fq2_add(&o, b0, b3);
    fq6_add(&s, &a->c0, &a->c1);
    fq6_mul_01(&s, &s, &o, b4);
    fq6_sub(&s, &s, &aa);
    fq6_sub(&r->c1, &s, &bb);
    fq6_mul_v(&bb, &bb);
    fq6_add(&r->c0, &bb, &aa);
}
/* a^(p^e) for e = 1, 2, 3: coefficient of w^k (k = w-index + 2 * v-index) times xi^(k(p^e-1)/6),
   conjugated for odd e. */
static inline void fq12_frobenius(fq12_t *r, const fq12_t *a, int e) {
    static const fq2_t g1[6] = FROB_GAMMA1, g2[6] = FROB_GAMMA2, g3[6] = FROB_GAMMA3;
    const fq2_t *g = e == 1 ? g1 : e == 2 ? g2 : g3;
    const fq2_t *src[6] = {&a->c0.c0, &a->c1.c0, &a->c0.c1, &a->c1.c1, &a->c0.c2, &a->c1.c2};
    fq2_t *dst[6] = {&r->c0.c0, &r->c1.c0, &r->c0.c1, &r->c1.c1, &r->c0.c2, &r->c1.c2};
    fq2_t tmp[6];
    for (int k = 0; k < 6; k++) {
        fq2_t c = *src[k];
        if (e & 1) fq2_conj(&c, &c);
        if (k) fq2_mul(&c, &c, &g[k]);
        tmp[k] = c;
    }
    for (int k = 0; k < 6; k++) *dst[k] = tmp[k];
}
/* Granger-Scott squaring, valid for elements of the cyclotomic subgroup (after the easy part of the
   final exponentiation). */
static inline void fq12_cyclotomic_sqr(fq12_t *r, const fq12_t *a) {
    const fq2_t *z0 = &a->c0.c0, *z4 = &a->c0.c1, *z3 = &a->c0.c2;
    const fq2_t *z2 = &a->c1.c0, *z1 = &a->c1.c1, *z5 = &a->c1.c2;
    fq2_t t0, t1, t2, t3, t4, t5, tmp, s, u;
#define ZK_CYC_PAIR(TA, TB, X, Y)                                                                  \
    fq2_mul(&tmp, X, Y);                                                                           \
    fq2_add(&s, X, Y);                                                                             \
    fq2_mul_xi(&u, Y);                                                                             \
    fq2_add(&u, &u, X);                                                                            \
    fq2_mul(&s, &s, &u);                                                                           \
    fq2_sub(&s, &s, &tmp);                                                                         \
    fq2_mul_xi(&u, &tmp);                                                                          \
    fq2_sub(&TA, &s, &u);                                                                          \
    fq2_dbl(&TB, &tmp);
    ZK_CYC_PAIR(t0, t1, z0, z1)
    ZK_CYC_PAIR(t2, t3, z2, z3)
    ZK_CYC_PAIR(t4, t5, z4, z5)
#undef ZK_CYC_PAIR
    fq2_t n0, n1, n2, n3, n4, n5;
    /* n = 3t -/+ 2z */
    fq2_sub(&n0, &t0, z0);
    fq2_dbl(&n0, &n0);
    fq2_add(&n0, &n0, &t0);
    fq2_add(&n1, &t1, z1);
    fq2_dbl(&n1, &n1);
    fq2_add(&n1, &n1, &t1);
    fq2_mul_xi(&tmp, &t5);
    fq2_add(&n2, z2, &tmp);
    fq2_dbl(&n2, &n2);
    fq2_add(&n2, &n2, &tmp);
    fq2_sub(&n3, &t4, z3);
    fq2_dbl(&n3, &n3);
    fq2_add(&n3, &n3, &t4);
    fq2_sub(&n4, &t2, z4);
    fq2_dbl(&n4, &n4);
    fq2_add(&n4, &n4, &t2);
    fq2_add(&n5, z5, &t3);
    fq2_dbl(&n5, &n5);
    fq2_add(&n5, &n5, &t3);
    r->c0.c0 = n0;
    r->c0.c1 = n4;
    r->c0.c2 = n3;
    r->c1.c0 = n2;
    r->c1.c1 = n1;
    r->c1.c2 = n5;
}

#endif
