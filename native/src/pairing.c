/*
 * Optimal ate pairing on BN254 and the multi-pairing product with one final exponentiation.
 *
 * Miller loop over the NAF of 6x+2 with homogeneous projective coordinates on the D-type twist
 * (Costello-Lange-Naehrig doubling/addition steps, as in arkworks); each G2 argument's line
 * coefficients are computed once and the squarings of f are shared by all pairs.  The final
 * exponentiation is exact, f^((p^12-1)/r): easy part (p^6-1)(p^2+1) by conjugation, inversion and
 * Frobenius, hard part (p^4-p^2+1)/r by the Scott et al. / Beuchat et al. addition chain on f^x,
 * f^(x^2), f^(x^3) with Granger-Scott cyclotomic squarings.  So values equal py_ecc's pairing.
 */
#include <stdlib.h>

#include "../include/zkclear.h"
#include "curve.h"

typedef struct {
    fq2_t c0, c1, c2;
} line_t;

/* g2_proj_t (curve_impl.h): homogeneous projective (X:Y:Z) = (X/Z, Y/Z), the Miller loop's R */

static const int8_t ATE[ATE_NAF_LEN] = ATE_NAF;
#define MAX_LINES (2 * ATE_NAF_LEN + 2)

static void doubling_step(line_t *l, g2_proj_t *r) {
    static const fq_t two_inv = FQ_TWO_INV_MONT;
    fq2_t a, b, c, e, f, g, h, i, j, e2, t;
    fq2_mul(&a, &r->x, &r->y);
    fq2_mul_fq(&a, &a, &two_inv);
    fq2_sqr(&b, &r->y);
    fq2_sqr(&c, &r->z);
    fq2_dbl(&t, &c);
    fq2_add(&t, &t, &c);
    fq2_mul(&e, &t, &g2_B);
    fq2_dbl(&f, &e);
    fq2_add(&f, &f, &e);
    fq2_add(&g, &b, &f);
    fq2_mul_fq(&g, &g, &two_inv);
    fq2_add(&h, &r->y, &r->z);
    fq2_sqr(&h, &h);
    fq2_add(&t, &b, &c);
    fq2_sub(&h, &h, &t);
    fq2_sub(&i, &e, &b);
    fq2_sqr(&j, &r->x);
    fq2_sqr(&e2, &e);
    fq2_sub(&t, &b, &f);
    fq2_mul(&r->x, &a, &t);
    fq2_sqr(&t, &g);
    fq2_sub(&t, &t, &e2);
    fq2_dbl(&e2, &e2);
    fq2_sub(&r->y, &t, &e2);
    fq2_mul(&r->z, &b, &h);
    fq2_neg(&l->c0, &h);
    fq2_dbl(&l->c1, &j);
    fq2_add(&l->c1, &l->c1, &j);
    l->c2 = i;
}

static void addition_step(line_t *l, g2_proj_t *r, const g2_aff_t *q) {
    fq2_t theta, lambda, c, d, e, f, g, h, t;
    fq2_mul(&t, &q->y, &r->z);
    fq2_sub(&theta, &r->y, &t);
    fq2_mul(&t, &q->x, &r->z);
    fq2_sub(&lambda, &r->x, &t);
    fq2_sqr(&c, &theta);
    fq2_sqr(&d, &lambda);
    fq2_mul(&e, &lambda, &d);
    fq2_mul(&f, &r->z, &c);
    fq2_mul(&g, &r->x, &d);
    fq2_add(&h, &e, &f);
    fq2_sub(&h, &h, &g);
    fq2_sub(&h, &h, &g);
    fq2_mul(&r->x, &lambda, &h);
    fq2_sub(&t, &g, &h);
    fq2_mul(&t, &theta, &t);
    fq2_mul(&f, &e, &r->y);
    fq2_sub(&r->y, &t, &f);
    fq2_mul(&r->z, &r->z, &e);
    fq2_mul(&t, &theta, &q->x);
    fq2_mul(&f, &lambda, &q->y);
    fq2_sub(&l->c2, &t, &f);
    l->c0 = lambda;
    fq2_neg(&l->c1, &theta);
}

/* All line coefficients of the Miller loop for one G2 point (not infinity); returns how many. */
static int prepare_g2(line_t *lines, const g2_aff_t *q) {
    g2_proj_t r = {q->x, q->y, fq2_ONE};
    g2_aff_t nq, q1, q2;
    g2_aff_neg(&nq, q);
    int k = 0;
    for (int i = ATE_NAF_LEN - 1; i > 0; i--) {
        doubling_step(&lines[k++], &r);
        if (ATE[i - 1] == 1) addition_step(&lines[k++], &r, q);
        if (ATE[i - 1] == -1) addition_step(&lines[k++], &r, &nq);
    }
    g2_psi_aff(&q1, q);
    g2_psi_aff(&q2, &q1);
    fq2_neg(&q2.y, &q2.y);
    addition_step(&lines[k++], &r, &q1);
    addition_step(&lines[k++], &r, &q2);
    return k;
}

static inline void ell(fq12_t *f, const line_t *l, const g1_aff_t *p) {
    fq2_t c0, c1;
    fq2_mul_fq(&c0, &l->c0, &p->y);
    fq2_mul_fq(&c1, &l->c1, &p->x);
    fq12_mul_034(f, f, &c0, &c1, &l->c2);
}

/* f = prod over pairs of the Miller function; pairs with a point at infinity contribute 1. */
static int miller_loop(fq12_t *f, const g1_aff_t *ps, const g2_aff_t *qs, size_t n) {
    size_t m = 0;
    size_t *idx = malloc((n ? n : 1) * sizeof *idx);
    line_t *lines = malloc((n ? n : 1) * MAX_LINES * sizeof *lines);
    if (!idx || !lines) {
        free(idx);
        free(lines);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (g1_aff_is_inf(&ps[i]) || g2_aff_is_inf(&qs[i])) continue;
        prepare_g2(lines + m * MAX_LINES, &qs[i]);
        idx[m++] = i;
    }
    fq12_one(f);
    int k = 0;
    for (int i = ATE_NAF_LEN - 1; i > 0; i--) {
        if (i != ATE_NAF_LEN - 1) fq12_sqr(f, f);
        for (size_t j = 0; j < m; j++) ell(f, &lines[j * MAX_LINES + k], &ps[idx[j]]);
        k++;
        if (ATE[i - 1]) {
            for (size_t j = 0; j < m; j++) ell(f, &lines[j * MAX_LINES + k], &ps[idx[j]]);
            k++;
        }
    }
    for (int e = 0; e < 2; e++, k++)
        for (size_t j = 0; j < m; j++) ell(f, &lines[j * MAX_LINES + k], &ps[idx[j]]);
    free(idx);
    free(lines);
    return 1;
}

/* r = a^x in the cyclotomic subgroup (x = the BN parameter, by its NAF). */
static void cyclotomic_pow_x(fq12_t *r, const fq12_t *a) {
    static const int8_t naf[BN_X_NAF_LEN] = BN_X_NAF;
    fq12_t acc = *a, inv;
    fq12_conj(&inv, a);
    for (int i = BN_X_NAF_LEN - 2; i >= 0; i--) {
        fq12_cyclotomic_sqr(&acc, &acc);
        if (naf[i] == 1) fq12_mul(&acc, &acc, a);
        if (naf[i] == -1) fq12_mul(&acc, &acc, &inv);
    }
    *r = acc;
}

static void final_exponentiation(fq12_t *r, const fq12_t *f) {
    fq12_t t, f1, fx, fx2, fx3, y0, y1, y2, y3, y4, y5, y6, t0, t1;
    /* easy part: f^((p^6-1)(p^2+1)) */
    fq12_inv(&t, f);
    fq12_conj(&f1, f);
    fq12_mul(&f1, &f1, &t);
    fq12_frobenius(&t, &f1, 2);
    fq12_mul(&f1, &t, &f1);
    /* hard part: (p^4 - p^2 + 1)/r */
    cyclotomic_pow_x(&fx, &f1);
    cyclotomic_pow_x(&fx2, &fx);
    cyclotomic_pow_x(&fx3, &fx2);
    fq12_frobenius(&y0, &f1, 1);
    fq12_frobenius(&t, &f1, 2);
    fq12_mul(&y0, &y0, &t);
    fq12_frobenius(&t, &f1, 3);
    fq12_mul(&y0, &y0, &t);
    fq12_conj(&y1, &f1);
    fq12_frobenius(&y2, &fx2, 2);
    fq12_frobenius(&y3, &fx, 1);
    fq12_conj(&y3, &y3);
    fq12_frobenius(&t, &fx2, 1);
    fq12_mul(&y4, &fx, &t);
    fq12_conj(&y4, &y4);
    fq12_conj(&y5, &fx2);
    fq12_frobenius(&t, &fx3, 1);
    fq12_mul(&y6, &fx3, &t);
    fq12_conj(&y6, &y6);
    fq12_cyclotomic_sqr(&t0, &y6);
    fq12_mul(&t0, &t0, &y4);
    fq12_mul(&t0, &t0, &y5);
    fq12_mul(&t1, &y3, &y5);
    fq12_mul(&t1, &t1, &t0);
    fq12_mul(&t0, &t0, &y2);
    fq12_cyclotomic_sqr(&t1, &t1);
    fq12_mul(&t1, &t1, &t0);
    fq12_cyclotomic_sqr(&t1, &t1);
    fq12_mul(&t0, &t1, &y1);
    fq12_mul(&t1, &t1, &y0);
    fq12_cyclotomic_sqr(&t0, &t0);
    fq12_mul(r, &t0, &t1);
}

int zk_pairing_product(uint64_t *out, const uint64_t *ps, const uint64_t *qs, size_t n) {
    fq12_t f;
    if (!miller_loop(&f, (const g1_aff_t *)ps, (const g2_aff_t *)qs, n)) return 0;
    final_exponentiation((fq12_t *)out, &f);
    return 1;
}

int zk_pairing_check(const uint64_t *ps, const uint64_t *qs, size_t n) {
    fq12_t f;
    if (!zk_pairing_product((uint64_t *)&f, ps, qs, n)) return -1;
    return fq12_is_one(&f);
}

void zk_miller_loop(uint64_t *out, const uint64_t *ps, const uint64_t *qs, size_t n) {
    miller_loop((fq12_t *)out, (const g1_aff_t *)ps, (const g2_aff_t *)qs, n);
}

void zk_final_exponentiation(uint64_t *out, const uint64_t *f) {
    final_exponentiation((fq12_t *)out, (const fq12_t *)f);
}
