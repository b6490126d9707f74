/*
 * G1 (over Fq) and G2 (over Fq2, the D-type twist y^2 = x^3 + 3/xi) as static inline code: the
 * group law from curve_impl.h stamped out twice, plus G2's endomorphism psi and subgroup test.
 */
#ifndef ZK_CURVE_H
#define ZK_CURVE_H

#include <stdlib.h>

#include "tower.h"

static const fq_t g1_B = G1_B_MONT;
static const fq2_t g2_B = G2_B_MONT;

#define CURVE g1
#define FE fq
#define CURVE_B g1_B
#include "curve_impl.h"
#undef CURVE
#undef FE
#undef CURVE_B

#define CURVE g2
#define FE fq2
#define CURVE_B g2_B
#include "curve_impl.h"
#undef CURVE
#undef FE
#undef CURVE_B

static const g1_aff_t g1_GEN = G1_GEN_MONT;
static const g2_aff_t g2_GEN = G2_GEN_MONT;

/* psi = untwist o Frobenius o twist on the twist curve: (conj(x) g^2, conj(y) g^3), g = xi^((p-1)/6).
   It acts on G2 as multiplication by p. */
/* Scratch for a batch of n Jacobian points and their batch_to_aff: both buffers, or neither (0, and
 * nothing to free) when memory runs out. */
static inline int curve_batch_buffers(size_t n, size_t jac_size, size_t aff_size, void **jac, void **scratch) {
    *jac = malloc(n * jac_size);
    *scratch = malloc(n * aff_size);
    if (*jac && *scratch) return 1;
    free(*jac);
    free(*scratch);
    *jac = *scratch = NULL;
    return 0;
}

static inline void g2_psi_aff(g2_aff_t *r, const g2_aff_t *p) {
    static const fq2_t g1[6] = FROB_GAMMA1;
    fq2_t x, y;
    fq2_conj(&x, &p->x);
    fq2_conj(&y, &p->y);
    fq2_mul(&r->x, &x, &g1[2]);
    fq2_mul(&r->y, &y, &g1[3]);
}
/* The same map on Jacobian coordinates: Z is conjugated as well (x = X/Z^2 picks up conj(Z)^2). */
static inline void g2_psi_jac(g2_jac_t *r, const g2_jac_t *p) {
    static const fq2_t g1[6] = FROB_GAMMA1;
    fq2_t x, y;
    fq2_conj(&x, &p->x);
    fq2_conj(&y, &p->y);
    fq2_conj(&r->z, &p->z);
    fq2_mul(&r->x, &x, &g1[2]);
    fq2_mul(&r->y, &y, &g1[3]);
}

static inline int g2_jac_eq(const g2_jac_t *a, const g2_jac_t *b) {
    int ia = g2_jac_is_inf(a), ib = g2_jac_is_inf(b);
    if (ia || ib) return ia && ib;
    fq2_t z1z1, z2z2, l, r, t;
    fq2_sqr(&z1z1, &a->z);
    fq2_sqr(&z2z2, &b->z);
    fq2_mul(&l, &a->x, &z2z2);
    fq2_mul(&r, &b->x, &z1z1);
    if (!fq2_eq(&l, &r)) return 0;
    fq2_mul(&t, &z2z2, &b->z);
    fq2_mul(&l, &a->y, &t);
    fq2_mul(&t, &z1z1, &a->z);
    fq2_mul(&r, &b->y, &t);
    return fq2_eq(&l, &r);
}

/* Membership in the order-r subgroup for a point already on the twist curve:
   [x+1]Q + psi([x]Q) + psi^2([x]Q) == psi^3([2x]Q)  (El Housni, Guillevic, Piellard 2022, for BN
   curves); tests/native compares it with the plain [r]Q == O. */
static inline int g2_in_subgroup(const g2_aff_t *q) {
    if (g2_aff_is_inf(q)) return 1;
    static const uint64_t x[1] = {BN_X};
    g2_jac_t xq, lhs, t, rhs;
    g2_mul(&xq, q, x, 1);
    g2_madd(&lhs, &xq, q); /* [x+1]Q */
    g2_psi_jac(&t, &xq);
    g2_add(&lhs, &lhs, &t);
    g2_psi_jac(&t, &t);
    g2_add(&lhs, &lhs, &t);
    g2_psi_jac(&rhs, &t);
    g2_dbl(&rhs, &rhs); /* psi^3([x]Q) doubled = psi^3([2x]Q) */
    return g2_jac_eq(&lhs, &rhs);
}

#endif
