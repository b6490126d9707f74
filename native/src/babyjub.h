/*
 * BabyJubJub (a*x^2 + y^2 = 1 + d*x^2*y^2 over Fr, a = 168700, d = 168696) in extended twisted
 * Edwards coordinates (X : Y : T : Z), x = X/Z, y = Y/Z, T = XY/Z, all Montgomery Fr residues.
 * Formulas: add-2008-hwcd / dbl-2008-hwcd (Hisil, Wong, Carter, Dawson), which are complete on
 * this curve (a square, d non-square), so identity and torsion points need no special cases.
 * Twin: circuits/primitives/babyjub.py.
 */
#ifndef ZK_BABYJUB_H
#define ZK_BABYJUB_H

#include "field.h"

/* circomlib's Base8 (std form): x limbs, then y limbs */
static const uint64_t BJ_BASE8_XY[8] = {0x2893f3f6bb957051ULL, 0x2ab8d8010534e0b6ULL, 0x4eacb2e09d6277c1ULL,
                                        0x0bb77a6ad63e739bULL, 0x4b3c257a872d7d8bULL, 0xfce0051fb9e13377ULL,
                                        0x25572e1cd16bf9edULL, 0x25797203f7a0b249ULL};

typedef struct {
    fr_t X, Y, T, Z;
} bj_point;

/* Precomputed affine point for mixed addition: x, y and d*x*y. */
typedef struct {
    fr_t x, y, dt;
} bj_affine;

/* Curve constants in Montgomery form, set once by bj_init(). */
extern fr_t BJ_A, BJ_D;

void bj_init(void);

static inline void bj_identity(bj_point *p) {
    p->X = fr_ZERO;
    p->Y = fr_ONE;
    p->T = fr_ZERO;
    p->Z = fr_ONE;
}

static inline void bj_from_affine(bj_point *p, const fr_t *x, const fr_t *y) {
    p->X = *x;
    p->Y = *y;
    fr_mul(&p->T, x, y);
    p->Z = fr_ONE;
}

static inline void bj_add(bj_point *r, const bj_point *p, const bj_point *q) {
    fr_t a, b, c, d, e, f, g, h, s1, s2;
    fr_mul(&a, &p->X, &q->X);
    fr_mul(&b, &p->Y, &q->Y);
    fr_mul(&c, &p->T, &q->T);
    fr_mul(&c, &c, &BJ_D);
    fr_mul(&d, &p->Z, &q->Z);
    fr_add(&s1, &p->X, &p->Y);
    fr_add(&s2, &q->X, &q->Y);
    fr_mul(&e, &s1, &s2);
    fr_sub(&e, &e, &a);
    fr_sub(&e, &e, &b);
    fr_sub(&f, &d, &c);
    fr_add(&g, &d, &c);
    fr_mul(&h, &a, &BJ_A);
    fr_sub(&h, &b, &h);
    fr_mul(&r->X, &e, &f);
    fr_mul(&r->Y, &g, &h);
    fr_mul(&r->T, &e, &h);
    fr_mul(&r->Z, &f, &g);
}

/* r = p + q with q affine (Z = 1), its d*x*y precomputed. */
static inline void bj_add_mixed(bj_point *r, const bj_point *p, const bj_affine *q) {
    fr_t a, b, c, e, f, g, h, s1, s2;
    fr_mul(&a, &p->X, &q->x);
    fr_mul(&b, &p->Y, &q->y);
    fr_mul(&c, &p->T, &q->dt);
    fr_add(&s1, &p->X, &p->Y);
    fr_add(&s2, &q->x, &q->y);
    fr_mul(&e, &s1, &s2);
    fr_sub(&e, &e, &a);
    fr_sub(&e, &e, &b);
    fr_sub(&f, &p->Z, &c);
    fr_add(&g, &p->Z, &c);
    fr_mul(&h, &a, &BJ_A);
    fr_sub(&h, &b, &h);
    fr_mul(&r->X, &e, &f);
    fr_mul(&r->Y, &g, &h);
    fr_mul(&r->T, &e, &h);
    fr_mul(&r->Z, &f, &g);
}

/* Doubling ignores the input's T; with_t = 0 skips computing the output's T (a doubling
   followed by another doubling never reads it). */
static inline void bj_dbl_t(bj_point *r, const bj_point *p, int with_t) {
    fr_t a, b, c, d, e, f, g, h, s;
    fr_sqr(&a, &p->X);
    fr_sqr(&b, &p->Y);
    fr_sqr(&c, &p->Z);
    fr_dbl(&c, &c);
    fr_mul(&d, &a, &BJ_A);
    fr_add(&s, &p->X, &p->Y);
    fr_sqr(&e, &s);
    fr_sub(&e, &e, &a);
    fr_sub(&e, &e, &b);
    fr_add(&g, &d, &b);
    fr_sub(&f, &g, &c);
    fr_sub(&h, &d, &b);
    fr_mul(&r->X, &e, &f);
    fr_mul(&r->Y, &g, &h);
    if (with_t) fr_mul(&r->T, &e, &h);
    fr_mul(&r->Z, &f, &g);
}

static inline void bj_dbl(bj_point *r, const bj_point *p) { bj_dbl_t(r, p, 1); }

/* Projective equality: X1 Z2 == X2 Z1 and Y1 Z2 == Y2 Z1. */
static inline int bj_eq(const bj_point *p, const bj_point *q) {
    fr_t l, r;
    fr_mul(&l, &p->X, &q->Z);
    fr_mul(&r, &q->X, &p->Z);
    if (!fr_eq(&l, &r)) return 0;
    fr_mul(&l, &p->Y, &q->Z);
    fr_mul(&r, &q->Y, &p->Z);
    return fr_eq(&l, &r);
}

static inline int bj_is_identity(const bj_point *p) { return fr_is_zero(&p->X) && fr_eq(&p->Y, &p->Z); }

/* Affine curve equation on Montgomery coordinates. */
static inline int bj_on_curve(const fr_t *x, const fr_t *y) {
    fr_t x2, y2, l, r;
    fr_sqr(&x2, x);
    fr_sqr(&y2, y);
    fr_mul(&l, &x2, &BJ_A);
    fr_add(&l, &l, &y2);
    fr_mul(&r, &x2, &y2);
    fr_mul(&r, &r, &BJ_D);
    fr_add(&r, &r, &fr_ONE);
    return fr_eq(&l, &r);
}

/* 8 * p == identity. */
static inline int bj_is_small_order(const bj_point *p) {
    bj_point q;
    bj_dbl_t(&q, p, 0);
    bj_dbl_t(&q, &q, 0);
    bj_dbl_t(&q, &q, 0);
    return bj_is_identity(&q);
}

/* r = k * p, k a 256-bit little-endian integer (4-bit fixed window; not constant time: used on
   public data only). */
void bj_mul(bj_point *r, const bj_point *p, const uint64_t k[4]);
/* r = k * Base8 from a precomputed table. */
void bj_mul_base8(bj_point *r, const uint64_t k[4]);
void bj_to_affine(fr_t *x, fr_t *y, const bj_point *p);
/* Loads a std-form affine point (x, y); 0 when not canonical or off the curve.  Calls bj_init. */
int bj_load_point(bj_point *p, const uint64_t *xy);

#endif
