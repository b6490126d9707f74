/*
 * Lazy-reduction dot products over Fr for the Poseidon linear layers: sum_j a_j b_j is accumulated
 * as an unreduced 512-bit integer (one 4x4 MULX product per term, no reduction) and reduced once.
 * With Montgomery residues below r < 2^254 and at most 17 terms the sum stays below 17 r^2 < 2^512,
 * and REDC of it is below 4.22 r, brought under r by subtracting 4r, 2r and r where they fit.
 * A t-term dot product costs t half-products and one reduction instead of t full products
 * (about half the multiplications for wide states).  Without ADX it falls back to fr_mul/fr_add.
 */
#ifndef ZK_FR_DOT_H
#define ZK_FR_DOT_H
#include "field.h"

#define ZK_DOT_MAX_TERMS 17

#ifdef ZK_HAVE_ADX
/* t[0..7] += a * b (the caller keeps the sum below 2^512). */
static inline __attribute__((always_inline)) void wide_mac(uint64_t t[8], const uint64_t *a, const uint64_t *b) {
    uint64_t p0, p1, p2, p3, p4, p5, p6, p7, lo, hi;
    /* the first row, then rows 1..3 by field.h's ZK_WIDE_ROW with a's limbs as memory operands,
       then the 512-bit product added into t */
    __asm__ volatile("movq 0(%[b]), %%rdx\n\t"
            "xorl %k[lo], %k[lo]\n\t"
            "mulxq %[x0], %[p0], %[p1]\n\t"
            "mulxq %[x1], %[lo], %[p2]\n\t"
            "adoxq %[lo], %[p1]\n\t"
            "mulxq %[x2], %[lo], %[p3]\n\t"
            "adoxq %[lo], %[p2]\n\t"
            "mulxq %[x3], %[lo], %[p4]\n\t"
            "adoxq %[lo], %[p3]\n\t"
            "movl $0, %k[lo]\n\t"
            "adoxq %[lo], %[p4]\n\t"
            ZK_WIDE_ROW("8(%[b])", "p1", "p2", "p3", "p4", "p5")
            ZK_WIDE_ROW("16(%[b])", "p2", "p3", "p4", "p5", "p6")
            ZK_WIDE_ROW("24(%[b])", "p3", "p4", "p5", "p6", "p7")
            "addq %[p0], 0(%[t])\n\t"
            "adcq %[p1], 8(%[t])\n\t"
            "adcq %[p2], 16(%[t])\n\t"
            "adcq %[p3], 24(%[t])\n\t"
            "adcq %[p4], 32(%[t])\n\t"
            "adcq %[p5], 40(%[t])\n\t"
            "adcq %[p6], 48(%[t])\n\t"
            "adcq %[p7], 56(%[t])\n\t"
            : [p0] "=&r"(p0), [p1] "=&r"(p1), [p2] "=&r"(p2), [p3] "=&r"(p3), [p4] "=&r"(p4), [p5] "=&r"(p5),
              [p6] "=&r"(p6), [p7] "=&r"(p7), [lo] "=&r"(lo), [hi] "=&r"(hi), "+m"(*(uint64_t(*)[8])t)
            : [x0] "m"(a[0]), [x1] "m"(a[1]), [x2] "m"(a[2]), [x3] "m"(a[3]), [b] "r"(b), [t] "r"(t),
              "m"(*(const uint64_t(*)[4])b)
            : "rdx", "cc");
}
/* r = REDC(t) fully reduced, for t < 17 r^2 (so (t_low + M r)/2^256 + t_high < 4.22 r). */
static inline __attribute__((always_inline)) void wide_redc(fr_t *r, const uint64_t tin[8]) {
    uint64_t t0 = tin[0], t1 = tin[1], t2 = tin[2], t3 = tin[3], x;
    const uint64_t *q = fr_MOD.v;
    const uint64_t *qinv = &fr_NINV_WORD;
    __asm__(ZK_SQR_REDUCE ZK_SQR_REDUCE ZK_SQR_REDUCE ZK_SQR_REDUCE
            "addq 32(%[tin]), %[t0]\n\t"
            "adcq 40(%[tin]), %[t1]\n\t"
            "adcq 48(%[tin]), %[t2]\n\t"
            "adcq 56(%[tin]), %[t3]\n\t"
            : [t0] "+&r"(t0), [t1] "+&r"(t1), [t2] "+&r"(t2), [t3] "+&r"(t3), [x] "=&r"(x)
            : [tin] "r"(tin), "m"(*(const uint64_t(*)[8])tin), [q0] "m"(q[0]), [q1] "m"(q[1]), [q2] "m"(q[2]),
              [q3] "m"(q[3]), [qinv] "m"(*qinv)
            : "rdx", "cc");
    uint64_t v[4] = {t0, t1, t2, t3};
    static const uint64_t q4[4] = FR_MODULUS_X4, q2[4] = FR_MODULUS_X2;
    const uint64_t *subs[3] = {q4, q2, q};
    for (int s = 0; s < 3; s++) {
        uint64_t w[4];
        uint64_t mask = zk_sub4(w, v, subs[s]) - 1; /* all ones when no borrow */
        for (int k = 0; k < 4; k++) v[k] = (w[k] & mask) | (v[k] & ~mask);
    }
    r->v[0] = v[0]; r->v[1] = v[1]; r->v[2] = v[2]; r->v[3] = v[3];
}
#endif

/* Dot products shorter than this keep reduced products: lazy reduction gains nothing there
   (measured on Poseidon's t = 2, 3). */
#ifndef FR_DOT_LAZY_MIN
#define FR_DOT_LAZY_MIN 4
#endif

/* r = sum_j a[j * sa] * b[j * sb] for j < n <= ZK_DOT_MAX_TERMS (strides in elements). */
static inline __attribute__((always_inline)) void fr_dot(fr_t *r, const fr_t *a, size_t sa, const fr_t *b,
                                                         size_t sb, unsigned n) {
#ifdef ZK_HAVE_ADX
    if (n >= FR_DOT_LAZY_MIN) {
        uint64_t t[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        for (unsigned j = 0; j < n; j++) wide_mac(t, a[j * sa].v, b[j * sb].v);
        wide_redc(r, t);
        return;
    }
#endif
    fr_t acc = fr_ZERO, p;
    for (unsigned j = 0; j < n; j++) {
        fr_mul(&p, &a[j * sa], &b[j * sb]);
        fr_add(&acc, &acc, &p);
    }
    *r = acc;
}

#endif
