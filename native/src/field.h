/*
 * 4x64-bit Montgomery arithmetic for the two BN254 prime fields, as static inline code so that
 * curve, MSM, NTT and Poseidon kernels inline it.  FIELD_DEFINE(fq, FQ, var) and
 * FIELD_DEFINE(fr, FR, ct) stamp out one copy per field with the modulus as compile-time constants
 * (the third argument picks the inversion batch_inv uses; see the policy above those lines).
 *
 * Multiplication is CIOS with the "no-carry" shortcut (gnark-crypto): both BN254 moduli have a top
 * limb below 2^62, so the running total never needs a fifth word.  Values are kept fully reduced
 * in [0, m): every function below takes and returns canonical Montgomery residues.
 */
#ifndef ZK_FIELD_H
#define ZK_FIELD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "field_constants.h"
#include "inverse.h"

typedef unsigned __int128 zk_u128;

#define ZK_LIMBS 4

/* Multiply-accumulate steps of CIOS; the sums cannot overflow 128 bits. */
static inline uint64_t zk_madd0(uint64_t a, uint64_t b, uint64_t c) {
    return (uint64_t)(((zk_u128)a * b + c) >> 64);
}
static inline void zk_madd1(uint64_t *hi, uint64_t *lo, uint64_t a, uint64_t b, uint64_t c) {
    zk_u128 t = (zk_u128)a * b + c;
    *hi = (uint64_t)(t >> 64);
    *lo = (uint64_t)t;
}
static inline void zk_madd2(uint64_t *hi, uint64_t *lo, uint64_t a, uint64_t b, uint64_t c, uint64_t d) {
    zk_u128 t = (zk_u128)a * b + c + d;
    *hi = (uint64_t)(t >> 64);
    *lo = (uint64_t)t;
}

/* 1 when x < m as 256-bit little-endian integers. */
static inline int zk_lt4(const uint64_t x[4], const uint64_t m[4]) {
    for (int i = 3; i >= 0; i--) {
        if (x[i] != m[i]) return x[i] < m[i];
    }
    return 0;
}

/* r = a + b over 256 bits, returns the carry. */
static inline uint64_t zk_add4(uint64_t r[4], const uint64_t a[4], const uint64_t b[4]) {
    zk_u128 t;
    uint64_t carry = 0;
    for (int i = 0; i < 4; i++) {
        t = (zk_u128)a[i] + b[i] + carry;
        r[i] = (uint64_t)t;
        carry = (uint64_t)(t >> 64);
    }
    return carry;
}

/* r = a - b over 256 bits, returns the borrow. */
static inline uint64_t zk_sub4(uint64_t r[4], const uint64_t a[4], const uint64_t b[4]) {
    zk_u128 d;
    uint64_t borrow = 0;
    for (int i = 0; i < 4; i++) {
        d = (zk_u128)a[i] - b[i] - borrow;
        r[i] = (uint64_t)d;
        borrow = (uint64_t)(d >> 64) & 1;
    }
    return borrow;
}


/*
 * x86-64 assembly (compile-time dispatch: -march=native on a CPU with BMI2 and ADX defines
 * __BMI2__/__ADX__; ZK_NO_ASM forces the portable C, which stays compiled and tested either way).
 *  - Montgomery product: the same no-carry CIOS as the C code, with each row's low halves on the OF
 *    chain and high halves on the CF chain (MULX/ADOX/ADCX), so the two carry chains run in
 *    parallel; the final subtraction is branchless (CMOV), which keeps batched products free of
 *    mispredictions.
 *  - Addition/subtraction: ADD/ADC and SUB/SBB chains with a CMOV-selected correction.
 */
#if defined(__x86_64__) && defined(__BMI2__) && defined(__ADX__) && !defined(ZK_NO_ASM)
#define ZK_HAVE_ADX 1

/* Row i >= 1 of the product: t += x * y_i; A collects the top word. */
#define ZK_ADX_ROW(YI)                                                                             \
    "xorl %k[ax], %k[ax]\n\t"                                                                      \
    "movq " YI ", %%rdx\n\t"                                                                       \
    "mulxq %[x0], %[ax], %[a]\n\t"                                                                 \
    "adoxq %[ax], %[t0]\n\t"                                                                       \
    "adcxq %[a], %[t1]\n\t"                                                                        \
    "mulxq %[x1], %[ax], %[a]\n\t"                                                                 \
    "adoxq %[ax], %[t1]\n\t"                                                                       \
    "adcxq %[a], %[t2]\n\t"                                                                        \
    "mulxq %[x2], %[ax], %[a]\n\t"                                                                 \
    "adoxq %[ax], %[t2]\n\t"                                                                       \
    "adcxq %[a], %[t3]\n\t"                                                                        \
    "mulxq %[x3], %[ax], %[a]\n\t"                                                                 \
    "adoxq %[ax], %[t3]\n\t"                                                                       \
    "movl $0, %k[ax]\n\t"                                                                          \
    "adcxq %[ax], %[a]\n\t"                                                                        \
    "adoxq %[ax], %[a]\n\t"
/* Reduction step: m = t0 * qinv mod 2^64; t = (t + m q) / 2^64 with A added into the top word.
   The low word t0 + lo(m q0) is 0 mod 2^64 by the choice of m, so only its carry (t0 != 0) is
   needed: it is produced by adding 2^64 - 1 to t0 on the CF chain. */
#define ZK_ADX_REDUCE                                                                              \
    "movq %[t0], %%rdx\n\t"                                                                        \
    "imulq %[qinv], %%rdx\n\t"                                                                     \
    "xorl %k[ax], %k[ax]\n\t"                                                                      \
    "movq $-1, %[ax]\n\t"                                                                          \
    "adcxq %[t0], %[ax]\n\t"                                                                       \
    "mulxq %[q0], %[ax], %[t0]\n\t"                                                                \
    "adcxq %[t1], %[t0]\n\t"                                                                       \
    "mulxq %[q1], %[ax], %[t1]\n\t"                                                                \
    "adoxq %[ax], %[t0]\n\t"                                                                       \
    "adcxq %[t2], %[t1]\n\t"                                                                       \
    "mulxq %[q2], %[ax], %[t2]\n\t"                                                                \
    "adoxq %[ax], %[t1]\n\t"                                                                       \
    "adcxq %[t3], %[t2]\n\t"                                                                       \
    "mulxq %[q3], %[ax], %[t3]\n\t"                                                                \
    "adoxq %[ax], %[t2]\n\t"                                                                       \
    "movl $0, %k[ax]\n\t"                                                                          \
    "adcxq %[ax], %[t3]\n\t"                                                                       \
    "adoxq %[a], %[t3]\n\t"

/* r = x*y/2^256 mod q for x, y < q.  x is taken in registers (a product chain never round-trips
   through memory), y through one pointer register, the constants from memory. */
static inline __attribute__((always_inline)) void zk_mont_mul_adx(uint64_t r[4], const uint64_t *x,
                                                                  const uint64_t *y, const uint64_t *q,
                                                                  const uint64_t *qinv) {
    uint64_t t0, t1, t2, t3, a, ax, sx;
    __asm__("movq (%[yp]), %%rdx\n\t"
            "xorl %k[ax], %k[ax]\n\t"
            "mulxq %[x0], %[t0], %[t1]\n\t"
            "mulxq %[x1], %[ax], %[t2]\n\t"
            "adoxq %[ax], %[t1]\n\t"
            "mulxq %[x2], %[ax], %[t3]\n\t"
            "adoxq %[ax], %[t2]\n\t"
            "mulxq %[x3], %[ax], %[a]\n\t"
            "adoxq %[ax], %[t3]\n\t"
            "movl $0, %k[ax]\n\t"
            "adoxq %[ax], %[a]\n\t" ZK_ADX_REDUCE ZK_ADX_ROW("8(%[yp])") ZK_ADX_REDUCE
                ZK_ADX_ROW("16(%[yp])") ZK_ADX_REDUCE ZK_ADX_ROW("24(%[yp])") ZK_ADX_REDUCE
            /* t is below 2q: subtract q unless that borrows */
            "movq %[t0], %[ax]\n\t"
            "subq %[q0], %[ax]\n\t"
            "movq %[t1], %%rdx\n\t"
            "sbbq %[q1], %%rdx\n\t"
            "movq %[t2], %[a]\n\t"
            "sbbq %[q2], %[a]\n\t"
            "movq %[t3], %[s]\n\t"
            "sbbq %[q3], %[s]\n\t"
            "cmovncq %[ax], %[t0]\n\t"
            "cmovncq %%rdx, %[t1]\n\t"
            "cmovncq %[a], %[t2]\n\t"
            "cmovncq %[s], %[t3]\n\t"
            : [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3), [a] "=&r"(a), [ax] "=&r"(ax),
              [s] "=&r"(sx)
            : [x0] "r"(x[0]), [x1] "r"(x[1]), [x2] "r"(x[2]), [x3] "r"(x[3]), [yp] "r"(y),
              "m"(*(const uint64_t(*)[4])y), [q0] "m"(q[0]), [q1] "m"(q[1]), [q2] "m"(q[2]), [q3] "m"(q[3]),
              [qinv] "m"(*qinv)
            : "rdx", "cc");
    r[0] = t0;
    r[1] = t1;
    r[2] = t2;
    r[3] = t3;
}

/* The square's first half, shared by the Montgomery and the wide squaring: the 6 cross products
   a_i a_j (i < j) into t1..t6 (rdx, x, y, z scratch), then doubled with the carry into t7. */
#define ZK_SQR_CROSS_DOUBLED \
    "movq 0(%[ap]), %%rdx\n\t" \
    "mulxq 8(%[ap]), %[t1], %[t2]\n\t" \
    "mulxq 16(%[ap]), %[x], %[t3]\n\t" \
    "mulxq 24(%[ap]), %[y], %[t4]\n\t" \
    "addq %[x], %[t2]\n\t" \
    "adcq %[y], %[t3]\n\t" \
    "adcq $0, %[t4]\n\t" \
    "movq 8(%[ap]), %%rdx\n\t" \
    "mulxq 16(%[ap]), %[x], %[y]\n\t" \
    "mulxq 24(%[ap]), %[z], %[t5]\n\t" \
    "addq %[x], %[t3]\n\t" \
    "adcq %[y], %[t4]\n\t" \
    "adcq $0, %[t5]\n\t" \
    "addq %[z], %[t4]\n\t" \
    "adcq $0, %[t5]\n\t" \
    "movq 16(%[ap]), %%rdx\n\t" \
    "mulxq 24(%[ap]), %[x], %[t6]\n\t" \
    "addq %[x], %[t5]\n\t" \
    "adcq $0, %[t6]\n\t" \
    "xorl %k[t7], %k[t7]\n\t" \
    "addq %[t1], %[t1]\n\t" \
    "adcq %[t2], %[t2]\n\t" \
    "adcq %[t3], %[t3]\n\t" \
    "adcq %[t4], %[t4]\n\t" \
    "adcq %[t5], %[t5]\n\t" \
    "adcq %[t6], %[t6]\n\t" \
    "adcq $0, %[t7]\n\t"

/* ... then the squares a_i^2 added in (MULX and MOV leave the flags alone); the low word of a_0^2
   goes to the register LO0 (t0 in the Montgomery square, scratch z in the wide one). */
#define ZK_SQR_ADD_SQUARES(LO0) \
    "movq 0(%[ap]), %%rdx\n\t" \
    "mulxq %%rdx, " LO0 ", %[x]\n\t" \
    "addq %[x], %[t1]\n\t" \
    "movq 8(%[ap]), %%rdx\n\t" \
    "mulxq %%rdx, %[x], %[y]\n\t" \
    "adcq %[x], %[t2]\n\t" \
    "adcq %[y], %[t3]\n\t" \
    "movq 16(%[ap]), %%rdx\n\t" \
    "mulxq %%rdx, %[x], %[y]\n\t" \
    "adcq %[x], %[t4]\n\t" \
    "adcq %[y], %[t5]\n\t" \
    "movq 24(%[ap]), %%rdx\n\t" \
    "mulxq %%rdx, %[x], %[y]\n\t" \
    "adcq %[x], %[t6]\n\t" \
    "adcq %[y], %[t7]\n\t"

/* r = a^2/2^256 mod q: the 8-limb square with the 6 cross products computed once and doubled
   (10 MULX instead of 16), then 4 word-by-word reduction rounds on the low half (REDC of T is
   (T_low + M q)/2^256 + T_high) and one conditional subtraction (the sum is below 1.25 q + 1). */
#define ZK_SQR_REDUCE                                                                              \
    "movq %[t0], %%rdx\n\t"                                                                        \
    "imulq %[qinv], %%rdx\n\t"                                                                     \
    "xorl %k[x], %k[x]\n\t"                                                                        \
    "movq $-1, %[x]\n\t"                                                                           \
    "adcxq %[t0], %[x]\n\t"                                                                        \
    "mulxq %[q0], %[x], %[t0]\n\t"                                                                 \
    "adcxq %[t1], %[t0]\n\t"                                                                       \
    "mulxq %[q1], %[x], %[t1]\n\t"                                                                 \
    "adoxq %[x], %[t0]\n\t"                                                                        \
    "adcxq %[t2], %[t1]\n\t"                                                                       \
    "mulxq %[q2], %[x], %[t2]\n\t"                                                                 \
    "adoxq %[x], %[t1]\n\t"                                                                        \
    "adcxq %[t3], %[t2]\n\t"                                                                       \
    "mulxq %[q3], %[x], %[t3]\n\t"                                                                 \
    "adoxq %[x], %[t2]\n\t"                                                                        \
    "movl $0, %k[x]\n\t"                                                                           \
    "adcxq %[x], %[t3]\n\t"                                                                        \
    "adoxq %[x], %[t3]\n\t"

static inline __attribute__((always_inline)) void zk_mont_sqr_adx(uint64_t r[4], const uint64_t *ap,
                                                                  const uint64_t *q, const uint64_t *qinv) {
    uint64_t t0, t1, t2, t3, t4, t5, t6, t7, x, y, z;
    __asm__(ZK_SQR_CROSS_DOUBLED ZK_SQR_ADD_SQUARES("%[t0]")
            /* reduce the low half */
            ZK_SQR_REDUCE ZK_SQR_REDUCE ZK_SQR_REDUCE ZK_SQR_REDUCE
            /* + high half, then subtract q unless that borrows */
            "addq %[t4], %[t0]\n\t"
            "adcq %[t5], %[t1]\n\t"
            "adcq %[t6], %[t2]\n\t"
            "adcq %[t7], %[t3]\n\t"
            "movq %[t0], %[x]\n\t"
            "subq %[q0], %[x]\n\t"
            "movq %[t1], %[y]\n\t"
            "sbbq %[q1], %[y]\n\t"
            "movq %[t2], %[z]\n\t"
            "sbbq %[q2], %[z]\n\t"
            "movq %[t3], %%rdx\n\t"
            "sbbq %[q3], %%rdx\n\t"
            "cmovncq %[x], %[t0]\n\t"
            "cmovncq %[y], %[t1]\n\t"
            "cmovncq %[z], %[t2]\n\t"
            "cmovncq %%rdx, %[t3]\n\t"
            : [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3), [t4] "=&r"(t4), [t5] "=&r"(t5),
              [t6] "=&r"(t6), [t7] "=&r"(t7), [x] "=&r"(x), [y] "=&r"(y), [z] "=&r"(z)
            : [ap] "r"(ap), "m"(*(const uint64_t(*)[4])ap), [q0] "m"(q[0]), [q1] "m"(q[1]), [q2] "m"(q[2]),
              [q3] "m"(q[3]), [qinv] "m"(*qinv)
            : "rdx", "cc");
    r[0] = t0;
    r[1] = t1;
    r[2] = t2;
    r[3] = t3;
}

/* r = a + b mod q for a, b < q < 2^255 (so the sum has no carry out of 256 bits). */
static inline __attribute__((always_inline)) void zk_mod_add_asm(uint64_t r[4], const uint64_t *a,
                                                                 const uint64_t *b, const uint64_t *q) {
    uint64_t t0 = a[0], t1 = a[1], t2 = a[2], t3 = a[3], s0, s1, s2, s3;
    __asm__("addq %[b0], %[t0]\n\t"
            "adcq %[b1], %[t1]\n\t"
            "adcq %[b2], %[t2]\n\t"
            "adcq %[b3], %[t3]\n\t"
            "movq %[t0], %[s0]\n\t"
            "movq %[t1], %[s1]\n\t"
            "movq %[t2], %[s2]\n\t"
            "movq %[t3], %[s3]\n\t"
            "subq %[q0], %[s0]\n\t"
            "sbbq %[q1], %[s1]\n\t"
            "sbbq %[q2], %[s2]\n\t"
            "sbbq %[q3], %[s3]\n\t"
            "cmovcq %[t0], %[s0]\n\t"
            "cmovcq %[t1], %[s1]\n\t"
            "cmovcq %[t2], %[s2]\n\t"
            "cmovcq %[t3], %[s3]\n\t"
            : [t0] "+&r"(t0), [t1] "+&r"(t1), [t2] "+&r"(t2), [t3] "+&r"(t3), [s0] "=&r"(s0), [s1] "=&r"(s1),
              [s2] "=&r"(s2), [s3] "=&r"(s3)
            : [b0] "m"(b[0]), [b1] "m"(b[1]), [b2] "m"(b[2]), [b3] "m"(b[3]), [q0] "m"(q[0]), [q1] "m"(q[1]),
              [q2] "m"(q[2]), [q3] "m"(q[3])
            : "cc");
    r[0] = s0;
    r[1] = s1;
    r[2] = s2;
    r[3] = s3;
}

/* r = a - b mod q for a, b < q: add q back when the subtraction borrows. */
static inline __attribute__((always_inline)) void zk_mod_sub_asm(uint64_t r[4], const uint64_t *a,
                                                                 const uint64_t *b, const uint64_t *q) {
    uint64_t t0 = a[0], t1 = a[1], t2 = a[2], t3 = a[3], m0, m1, m2, m3, z;
    __asm__("xorl %k[z], %k[z]\n\t"
            "subq %[b0], %[t0]\n\t"
            "sbbq %[b1], %[t1]\n\t"
            "sbbq %[b2], %[t2]\n\t"
            "sbbq %[b3], %[t3]\n\t"
            "movq %[q0], %[m0]\n\t"
            "movq %[q1], %[m1]\n\t"
            "movq %[q2], %[m2]\n\t"
            "movq %[q3], %[m3]\n\t"
            "cmovncq %[z], %[m0]\n\t"
            "cmovncq %[z], %[m1]\n\t"
            "cmovncq %[z], %[m2]\n\t"
            "cmovncq %[z], %[m3]\n\t"
            "addq %[m0], %[t0]\n\t"
            "adcq %[m1], %[t1]\n\t"
            "adcq %[m2], %[t2]\n\t"
            "adcq %[m3], %[t3]\n\t"
            : [t0] "+&r"(t0), [t1] "+&r"(t1), [t2] "+&r"(t2), [t3] "+&r"(t3), [m0] "=&r"(m0), [m1] "=&r"(m1),
              [m2] "=&r"(m2), [m3] "=&r"(m3), [z] "=&r"(z)
            : [b0] "m"(b[0]), [b1] "m"(b[1]), [b2] "m"(b[2]), [b3] "m"(b[3]), [q0] "m"(q[0]), [q1] "m"(q[1]),
              [q2] "m"(q[2]), [q3] "m"(q[3])
            : "cc");
    r[0] = t0;
    r[1] = t1;
    r[2] = t2;
    r[3] = t3;
}

/*
 * Lazy-reduction primitives (used by the Fq2 tower, see "Lazy reduction" below for the bounds):
 * full 4x4 -> 8 limb products and squares, and an 8 -> 4 limb Montgomery reduction whose input is
 * formed in registers from up to three 8-limb operands.
 */

/* Row i >= 1 of the 512-bit product: the window A..D (limbs i..i+3) += x * y_i, E receives limb
   i+4; limb i (A) is final afterwards.  Low halves on the OF chain, high halves on the CF chain. */
#define ZK_WIDE_ROW(YI, A, B, C, D, E)                                                             \
    "xorl %k[lo], %k[lo]\n\t"                                                                      \
    "movq " YI ", %%rdx\n\t"                                                                       \
    "mulxq %[x0], %[lo], %[hi]\n\t"                                                                \
    "adoxq %[lo], %[" A "]\n\t"                                                                    \
    "adcxq %[hi], %[" B "]\n\t"                                                                    \
    "mulxq %[x1], %[lo], %[hi]\n\t"                                                                \
    "adoxq %[lo], %[" B "]\n\t"                                                                    \
    "adcxq %[hi], %[" C "]\n\t"                                                                    \
    "mulxq %[x2], %[lo], %[hi]\n\t"                                                                \
    "adoxq %[lo], %[" C "]\n\t"                                                                    \
    "adcxq %[hi], %[" D "]\n\t"                                                                    \
    "mulxq %[x3], %[lo], %[" E "]\n\t"                                                             \
    "adoxq %[lo], %[" D "]\n\t"                                                                    \
    "movl $0, %k[lo]\n\t"                                                                          \
    "adcxq %[lo], %[" E "]\n\t"                                                                    \
    "adoxq %[lo], %[" E "]\n\t"

/* w = x * y, 512 bits, for any 256-bit x, y.  The window of a row never exceeds 2^320 (it is
   below x * 2^64 + 2^256), so E's carries cannot overflow.  Five accumulators rotate: each row
   retires one limb to memory. */
static inline __attribute__((always_inline)) void zk_mul_wide_adx(uint64_t *w, const uint64_t *x,
                                                                  const uint64_t *y) {
    uint64_t t0, t1, t2, t3, t4, lo, hi;
    __asm__("movq (%[yp]), %%rdx\n\t"
            "mulxq %[x0], %[t0], %[t1]\n\t"
            "mulxq %[x1], %[lo], %[t2]\n\t"
            "addq %[lo], %[t1]\n\t"
            "mulxq %[x2], %[lo], %[t3]\n\t"
            "adcq %[lo], %[t2]\n\t"
            "mulxq %[x3], %[lo], %[t4]\n\t"
            "adcq %[lo], %[t3]\n\t"
            "adcq $0, %[t4]\n\t"
            "movq %[t0], 0(%[wp])\n\t" ZK_WIDE_ROW("8(%[yp])", "t1", "t2", "t3", "t4", "t0")
            "movq %[t1], 8(%[wp])\n\t" ZK_WIDE_ROW("16(%[yp])", "t2", "t3", "t4", "t0", "t1")
            "movq %[t2], 16(%[wp])\n\t" ZK_WIDE_ROW("24(%[yp])", "t3", "t4", "t0", "t1", "t2")
            "movq %[t3], 24(%[wp])\n\t"
            "movq %[t4], 32(%[wp])\n\t"
            "movq %[t0], 40(%[wp])\n\t"
            "movq %[t1], 48(%[wp])\n\t"
            "movq %[t2], 56(%[wp])\n\t"
            : [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3), [t4] "=&r"(t4), [lo] "=&r"(lo),
              [hi] "=&r"(hi), "=m"(*(uint64_t(*)[8])w)
            : [x0] "r"(x[0]), [x1] "r"(x[1]), [x2] "r"(x[2]), [x3] "r"(x[3]), [yp] "r"(y), [wp] "r"(w),
              "m"(*(const uint64_t(*)[4])y)
            : "rdx", "cc");
}

/* w = a^2, 512 bits: the 6 cross products once, doubled, plus the 4 squares (10 MULX). */
static inline __attribute__((always_inline)) void zk_sqr_wide_adx(uint64_t *w, const uint64_t *ap) {
    uint64_t t1, t2, t3, t4, t5, t6, t7, x, y, z;
    __asm__(ZK_SQR_CROSS_DOUBLED ZK_SQR_ADD_SQUARES("%[z]")
            "movq %[z], 0(%[wp])\n\t"
            "movq %[t1], 8(%[wp])\n\t"
            "movq %[t2], 16(%[wp])\n\t"
            "movq %[t3], 24(%[wp])\n\t"
            "movq %[t4], 32(%[wp])\n\t"
            "movq %[t5], 40(%[wp])\n\t"
            "movq %[t6], 48(%[wp])\n\t"
            "movq %[t7], 56(%[wp])\n\t"
            : [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3), [t4] "=&r"(t4), [t5] "=&r"(t5), [t6] "=&r"(t6),
              [t7] "=&r"(t7), [x] "=&r"(x), [y] "=&r"(y), [z] "=&r"(z), "=m"(*(uint64_t(*)[8])w)
            : [ap] "r"(ap), [wp] "r"(w), "m"(*(const uint64_t(*)[4])ap)
            : "rdx", "cc");
}

/* Montgomery reduction of the 8-limb T in t0..t7: 4 rounds on the low half (ZK_SQR_REDUCE, whose
   scratch register is x), then + the high half and one conditional subtraction of q, which needs
   (T + M q) / 2^256 < 2q, i.e. T < q 2^256 (see "Lazy reduction").  t4..t7 serve as scratch once
   added. */
#define ZK_REDC_TAIL                                                                               \
    ZK_SQR_REDUCE ZK_SQR_REDUCE ZK_SQR_REDUCE ZK_SQR_REDUCE                                        \
    "addq %[t4], %[t0]\n\t"                                                                        \
    "adcq %[t5], %[t1]\n\t"                                                                        \
    "adcq %[t6], %[t2]\n\t"                                                                        \
    "adcq %[t7], %[t3]\n\t"                                                                        \
    "movq %[t0], %[t4]\n\t"                                                                        \
    "subq %[q0], %[t4]\n\t"                                                                        \
    "movq %[t1], %[t5]\n\t"                                                                        \
    "sbbq %[q1], %[t5]\n\t"                                                                        \
    "movq %[t2], %[t6]\n\t"                                                                        \
    "sbbq %[q2], %[t6]\n\t"                                                                        \
    "movq %[t3], %[t7]\n\t"                                                                        \
    "sbbq %[q3], %[t7]\n\t"                                                                        \
    "cmovncq %[t4], %[t0]\n\t"                                                                     \
    "cmovncq %[t5], %[t1]\n\t"                                                                     \
    "cmovncq %[t6], %[t2]\n\t"                                                                     \
    "cmovncq %[t7], %[t3]\n\t"
#define ZK_LOAD8(P)                                                                                \
    "movq 0(%[" P "]), %[t0]\n\t"                                                                  \
    "movq 8(%[" P "]), %[t1]\n\t"                                                                  \
    "movq 16(%[" P "]), %[t2]\n\t"                                                                 \
    "movq 24(%[" P "]), %[t3]\n\t"                                                                 \
    "movq 32(%[" P "]), %[t4]\n\t"                                                                 \
    "movq 40(%[" P "]), %[t5]\n\t"                                                                 \
    "movq 48(%[" P "]), %[t6]\n\t"                                                                 \
    "movq 56(%[" P "]), %[t7]\n\t"
#define ZK_ADDSUB8(OP, OPC, P)                                                                     \
    OP " 0(%[" P "]), %[t0]\n\t"                                                                   \
    OPC " 8(%[" P "]), %[t1]\n\t"                                                                  \
    OPC " 16(%[" P "]), %[t2]\n\t"                                                                 \
    OPC " 24(%[" P "]), %[t3]\n\t"                                                                 \
    OPC " 32(%[" P "]), %[t4]\n\t"                                                                 \
    OPC " 40(%[" P "]), %[t5]\n\t"                                                                 \
    OPC " 48(%[" P "]), %[t6]\n\t"                                                                 \
    OPC " 56(%[" P "]), %[t7]\n\t"
#define ZK_REDC_OUTS                                                                               \
    [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3), [t4] "=&r"(t4), [t5] "=&r"(t5),  \
        [t6] "=&r"(t6), [t7] "=&r"(t7), [x] "=&r"(x)
#define ZK_REDC_CONSTS                                                                             \
    [q0] "m"(q[0]), [q1] "m"(q[1]), [q2] "m"(q[2]), [q3] "m"(q[3]), [qinv] "m"(*qinv)
#define ZK_REDC_STORE                                                                              \
    r[0] = t0;                                                                                     \
    r[1] = t1;                                                                                     \
    r[2] = t2;                                                                                     \
    r[3] = t3;

/* r = (A + B) / 2^256 mod q, canonical, for A + B < q 2^256. */
static inline __attribute__((always_inline)) void zk_redc_add_adx(uint64_t r[4], const uint64_t *a,
                                                                  const uint64_t *b, const uint64_t *q,
                                                                  const uint64_t *qinv) {
    uint64_t t0, t1, t2, t3, t4, t5, t6, t7, x;
    __asm__(ZK_LOAD8("ap") ZK_ADDSUB8("addq", "adcq", "bp") ZK_REDC_TAIL
            : ZK_REDC_OUTS
            : [ap] "r"(a), [bp] "r"(b), "m"(*(const uint64_t(*)[8])a), "m"(*(const uint64_t(*)[8])b),
              ZK_REDC_CONSTS
            : "rdx", "cc");
    ZK_REDC_STORE
}

/* r = (A - B) / 2^256 mod q, canonical, for A, B < q 2^255: T = A - B + q 2^255 lies in (0, q 2^256)
   (the wrap of A - B below zero is undone by the addition, mod 2^512). */
static inline __attribute__((always_inline)) void zk_redc_sub_adx(uint64_t r[4], const uint64_t *a,
                                                                  const uint64_t *b, const uint64_t *k,
                                                                  const uint64_t *q, const uint64_t *qinv) {
    uint64_t t0, t1, t2, t3, t4, t5, t6, t7, x;
    __asm__(ZK_LOAD8("ap") ZK_ADDSUB8("subq", "sbbq", "bp")
            /* + q 2^255: limbs 0..2 of the offset are zero */
            "addq %[k3], %[t3]\n\t"
            "adcq %[k4], %[t4]\n\t"
            "adcq %[k5], %[t5]\n\t"
            "adcq %[k6], %[t6]\n\t"
            "adcq %[k7], %[t7]\n\t" ZK_REDC_TAIL
            : ZK_REDC_OUTS
            : [ap] "r"(a), [bp] "r"(b), "m"(*(const uint64_t(*)[8])a), "m"(*(const uint64_t(*)[8])b),
              [k3] "m"(k[3]), [k4] "m"(k[4]), [k5] "m"(k[5]), [k6] "m"(k[6]), [k7] "m"(k[7]), ZK_REDC_CONSTS
            : "rdx", "cc");
    ZK_REDC_STORE
}

/* r = (C - A - B) / 2^256 mod q, canonical, for 0 <= C - A - B < q 2^256 (Karatsuba's middle term;
   the intermediate C - A may wrap, mod 2^512, harmlessly). */
static inline __attribute__((always_inline)) void zk_redc_sub2_adx(uint64_t r[4], const uint64_t *c,
                                                                   const uint64_t *a, const uint64_t *b,
                                                                   const uint64_t *q, const uint64_t *qinv) {
    uint64_t t0, t1, t2, t3, t4, t5, t6, t7, x;
    __asm__(ZK_LOAD8("cp") ZK_ADDSUB8("subq", "sbbq", "ap") ZK_ADDSUB8("subq", "sbbq", "bp") ZK_REDC_TAIL
            : ZK_REDC_OUTS
            : [cp] "r"(c), [ap] "r"(a), [bp] "r"(b), "m"(*(const uint64_t(*)[8])c),
              "m"(*(const uint64_t(*)[8])a), "m"(*(const uint64_t(*)[8])b), ZK_REDC_CONSTS
            : "rdx", "cc");
    ZK_REDC_STORE
}

/* r = a + b without reduction, for a + b < 2^256. */
static inline __attribute__((always_inline)) void zk_add_nr_asm(uint64_t r[4], const uint64_t *a,
                                                                const uint64_t *b) {
    uint64_t t0 = a[0], t1 = a[1], t2 = a[2], t3 = a[3];
    __asm__("addq %[b0], %[t0]\n\t"
            "adcq %[b1], %[t1]\n\t"
            "adcq %[b2], %[t2]\n\t"
            "adcq %[b3], %[t3]\n\t"
            : [t0] "+&r"(t0), [t1] "+&r"(t1), [t2] "+&r"(t2), [t3] "+&r"(t3)
            : [b0] "m"(b[0]), [b1] "m"(b[1]), [b2] "m"(b[2]), [b3] "m"(b[3])
            : "cc");
    r[0] = t0;
    r[1] = t1;
    r[2] = t2;
    r[3] = t3;
}

/* r = a + q - b without reduction, for a, b < q (so 0 < r < 2q < 2^256). */
static inline __attribute__((always_inline)) void zk_sub_nr_asm(uint64_t r[4], const uint64_t *a,
                                                                const uint64_t *b, const uint64_t *q) {
    uint64_t t0 = a[0], t1 = a[1], t2 = a[2], t3 = a[3];
    __asm__("addq %[q0], %[t0]\n\t"
            "adcq %[q1], %[t1]\n\t"
            "adcq %[q2], %[t2]\n\t"
            "adcq %[q3], %[t3]\n\t"
            "subq %[b0], %[t0]\n\t"
            "sbbq %[b1], %[t1]\n\t"
            "sbbq %[b2], %[t2]\n\t"
            "sbbq %[b3], %[t3]\n\t"
            : [t0] "+&r"(t0), [t1] "+&r"(t1), [t2] "+&r"(t2), [t3] "+&r"(t3)
            : [b0] "m"(b[0]), [b1] "m"(b[1]), [b2] "m"(b[2]), [b3] "m"(b[3]), [q0] "m"(q[0]), [q1] "m"(q[1]),
              [q2] "m"(q[2]), [q3] "m"(q[3])
            : "cc");
    r[0] = t0;
    r[1] = t1;
    r[2] = t2;
    r[3] = t3;
}

#define ZK_MUL_DISPATCH(F) zk_mont_mul_adx(r->v, a->v, b->v, F##_MOD.v, &F##_NINV_WORD);
#define ZK_SQR_DISPATCH(F) zk_mont_sqr_adx(r->v, a->v, F##_MOD.v, &F##_NINV_WORD);
#define ZK_ADD_DISPATCH(F) zk_mod_add_asm(r->v, a->v, b->v, F##_MOD.v);
#define ZK_SUB_DISPATCH(F) zk_mod_sub_asm(r->v, a->v, b->v, F##_MOD.v);
#else
#define ZK_MUL_DISPATCH(F) F##_mul_c(r, a, b);
#define ZK_SQR_DISPATCH(F) F##_mul_c(r, a, a);
#define ZK_ADD_DISPATCH(F) F##_add_c(r, a, b);
#define ZK_SUB_DISPATCH(F) F##_sub_c(r, a, b);
#endif

#define FIELD_DEFINE(F, C, INV)                                                                    \
    typedef struct { uint64_t v[4]; } F##_t;                                                       \
    static const F##_t F##_MOD = {C##_MODULUS};                                                    \
    static const F##_t F##_ONE = {C##_R1};                                                         \
    static const F##_t F##_RR = {C##_R2};                                                          \
    static const F##_t F##_ZERO = {{0, 0, 0, 0}};                                                  \
                                                                                                   \
    static inline int F##_is_zero(const F##_t *a) {                                                \
        return (a->v[0] | a->v[1] | a->v[2] | a->v[3]) == 0;                                       \
    }                                                                                              \
    static inline int F##_eq(const F##_t *a, const F##_t *b) {                                     \
        return ((a->v[0] ^ b->v[0]) | (a->v[1] ^ b->v[1]) | (a->v[2] ^ b->v[2]) |                  \
                (a->v[3] ^ b->v[3])) == 0;                                                         \
    }                                                                                              \
    static inline int F##_is_canonical(const uint64_t x[4]) { return zk_lt4(x, F##_MOD.v); }      \
                                                                                                   \
    /* Conditional subtraction of m: input below 2m. */                                           \
    static inline void F##_reduce_once(F##_t *r) {                                                 \
        const uint64_t *q = F##_MOD.v;                                                             \
        zk_u128 d;                                                                                 \
        uint64_t s0, s1, s2, s3, br;                                                               \
        d = (zk_u128)r->v[0] - q[0];                                                               \
        s0 = (uint64_t)d;                                                                          \
        br = (uint64_t)(d >> 64) & 1;                                                              \
        d = (zk_u128)r->v[1] - q[1] - br;                                                          \
        s1 = (uint64_t)d;                                                                          \
        br = (uint64_t)(d >> 64) & 1;                                                              \
        d = (zk_u128)r->v[2] - q[2] - br;                                                          \
        s2 = (uint64_t)d;                                                                          \
        br = (uint64_t)(d >> 64) & 1;                                                              \
        d = (zk_u128)r->v[3] - q[3] - br;                                                          \
        s3 = (uint64_t)d;                                                                          \
        br = (uint64_t)(d >> 64) & 1;                                                              \
        if (!br) {                                                                                 \
            r->v[0] = s0;                                                                          \
            r->v[1] = s1;                                                                          \
            r->v[2] = s2;                                                                          \
            r->v[3] = s3;                                                                          \
        }                                                                                          \
    }                                                                                              \
                                                                                                   \
    static inline void F##_add_c(F##_t *r, const F##_t *a, const F##_t *b) {                       \
        zk_u128 s;                                                                                 \
        uint64_t carry = 0;                                                                        \
        for (int i = 0; i < 4; i++) {                                                              \
            s = (zk_u128)a->v[i] + b->v[i] + carry;                                                \
            r->v[i] = (uint64_t)s;                                                                 \
            carry = (uint64_t)(s >> 64);                                                           \
        }                                                                                          \
        F##_reduce_once(r);                                                                        \
    }                                                                                              \
                                                                                                   \
    static inline void F##_sub_c(F##_t *r, const F##_t *a, const F##_t *b) {                       \
        uint64_t borrow = zk_sub4(r->v, a->v, b->v);                                               \
        uint64_t mask = 0 - borrow; /* add m back when a < b */                                   \
        zk_u128 s;                                                                                 \
        uint64_t carry = 0;                                                                        \
        for (int i = 0; i < 4; i++) {                                                              \
            s = (zk_u128)r->v[i] + (F##_MOD.v[i] & mask) + carry;                                  \
            r->v[i] = (uint64_t)s;                                                                 \
            carry = (uint64_t)(s >> 64);                                                           \
        }                                                                                          \
    }                                                                                              \
    static inline void F##_neg(F##_t *r, const F##_t *a) {                                         \
        if (F##_is_zero(a)) {                                                                      \
            *r = F##_ZERO;                                                                         \
        } else {                                                                                   \
            zk_sub4(r->v, F##_MOD.v, a->v);                                                        \
        }                                                                                          \
    }                                                                                              \
                                                                                                   \
    /* Portable no-carry CIOS; always compiled (and exported for tests) as the reference path. */   \
    static inline void F##_mul_c(F##_t *r, const F##_t *a, const F##_t *b) {                       \
        const uint64_t *x = a->v, *q = F##_MOD.v;                                                  \
        uint64_t t0 = 0, t1 = 0, t2 = 0, t3 = 0, c0, c1, c2, m;                                    \
        for (int i = 0; i < 4; i++) {                                                              \
            uint64_t y = b->v[i];                                                                  \
            zk_madd1(&c1, &c0, x[0], y, t0);                                                       \
            m = c0 * C##_NINV;                                                                     \
            c2 = zk_madd0(m, q[0], c0);                                                            \
            zk_madd2(&c1, &c0, x[1], y, c1, t1);                                                   \
            zk_madd2(&c2, &t0, m, q[1], c2, c0);                                                   \
            zk_madd2(&c1, &c0, x[2], y, c1, t2);                                                   \
            zk_madd2(&c2, &t1, m, q[2], c2, c0);                                                   \
            zk_madd2(&c1, &c0, x[3], y, c1, t3);                                                   \
            zk_madd2(&t3, &t2, m, q[3], c2, c0);                                                   \
            t3 += c1;                                                                              \
        }                                                                                          \
        r->v[0] = t0;                                                                              \
        r->v[1] = t1;                                                                              \
        r->v[2] = t2;                                                                              \
        r->v[3] = t3;                                                                              \
        F##_reduce_once(r);                                                                        \
    }                                                                                              \
    static const uint64_t F##_NINV_WORD = C##_NINV;                                                \
    static inline __attribute__((always_inline)) void F##_mul(F##_t *r, const F##_t *a, const F##_t *b) { \
        ZK_MUL_DISPATCH(F)                                                                         \
    }                                                                                              \
    static inline __attribute__((always_inline)) void F##_add(F##_t *r, const F##_t *a, const F##_t *b) { \
        ZK_ADD_DISPATCH(F)                                                                         \
    }                                                                                              \
    static inline __attribute__((always_inline)) void F##_sub(F##_t *r, const F##_t *a, const F##_t *b) { \
        ZK_SUB_DISPATCH(F)                                                                         \
    }                                                                                              \
    static inline void F##_dbl(F##_t *r, const F##_t *a) { F##_add(r, a, a); }                     \
    static inline __attribute__((always_inline)) void F##_sqr(F##_t *r, const F##_t *a) {          \
        ZK_SQR_DISPATCH(F)                                                                         \
    }                                                                                              \
                                                                                                   \
    static inline void F##_to_mont(F##_t *r, const F##_t *a) { F##_mul(r, a, &F##_RR); }           \
    static inline void F##_from_mont(F##_t *r, const F##_t *a) {                                   \
        static const F##_t raw_one = {{1, 0, 0, 0}};                                               \
        F##_mul(r, a, &raw_one);                                                                   \
    }                                                                                              \
    static inline void F##_from_u64(F##_t *r, uint64_t x) {                                        \
        F##_t t = {{x, 0, 0, 0}};                                                                  \
        F##_to_mont(r, &t);                                                                        \
    }                                                                                              \
                                                                                                   \
    /* r = a^e, e given as little-endian limbs (plain integer, not Montgomery).  The squarings     \
       form one dependency chain, where the CIOS product has lower latency than the dedicated      \
       squaring (whose fewer multiplications pay off in independent, batched squarings). */        \
    static inline void F##_pow(F##_t *r, const F##_t *a, const uint64_t *e, size_t elen) {         \
        F##_t acc = F##_ONE, base = *a;                                                            \
        for (size_t i = elen; i-- > 0;) {                                                          \
            for (int b = 63; b >= 0; b--) {                                                        \
                F##_mul(&acc, &acc, &acc);                                                         \
                if ((e[i] >> b) & 1) F##_mul(&acc, &acc, &base);                                   \
            }                                                                                      \
        }                                                                                          \
        *r = acc;                                                                                  \
    }                                                                                              \
    /* Constant-time inverse for secrets: Fermat a^(m-2), a fixed chain of ~380 products whatever  \
       a is (~8 us).  The inverse of 0 is 0 (callers check for zero where it matters). */          \
    static inline void F##_inv_ct(F##_t *r, const F##_t *a) {                                      \
        static const uint64_t e[4] = C##_M_MINUS_2;                                                \
        F##_pow(r, a, e, 4);                                                                       \
    }                                                                                              \
    /* Variable-time inverse for public values only (safegcd, inverse.h; ~1.3 us; 0 gives 0).  The \
       Montgomery residue x = aR is inverted as a plain integer, x^-1 = a^-1 R^-1, and one product \
       with R^3 gives a^-1 R.  m^-1 mod 2^62 comes from the Montgomery constant -m^-1 mod 2^64. */ \
    static inline void F##_inv_var(F##_t *r, const F##_t *a) {                                     \
        static const F##_t r3 = {C##_R3};                                                          \
        F##_t t;                                                                                   \
        zk_modinv_var(t.v, a->v, F##_MOD.v, (0 - (uint64_t)C##_NINV) & ZK_M62);                    \
        F##_mul(r, &t, &r3);                                                                       \
    }                                                                                              \
    /* Montgomery's trick: n inversions for one inversion (F##_inv_##INV) and 3(n-1) products.     \
       Zeros stay zero and do not poison the others.  scratch holds n elements (may alias nothing  \
       else). */                                                                                   \
    static inline void F##_batch_inv(F##_t *out, const F##_t *in, size_t n, F##_t *scratch) {      \
        F##_t acc = F##_ONE;                                                                       \
        for (size_t i = 0; i < n; i++) {                                                           \
            scratch[i] = acc;                                                                      \
            if (!F##_is_zero(&in[i])) F##_mul(&acc, &acc, &in[i]);                                 \
        }                                                                                          \
        F##_inv_##INV(&acc, &acc);                                                                 \
        for (size_t i = n; i-- > 0;) {                                                             \
            if (F##_is_zero(&in[i])) {                                                             \
                out[i] = F##_ZERO;                                                                 \
                continue;                                                                          \
            }                                                                                      \
            F##_t inv_i, ai = in[i];                                                               \
            F##_mul(&inv_i, &acc, &scratch[i]);                                                    \
            F##_mul(&acc, &acc, &ai);                                                              \
            out[i] = inv_i;                                                                        \
        }                                                                                          \
    }                                                                                              \
    /* Legendre symbol a^((m-1)/2): 1 square, -1 non-square, 0 zero. */                           \
    static inline int F##_legendre(const F##_t *a) {                                               \
        if (F##_is_zero(a)) return 0;                                                              \
        uint64_t e[4];                                                                             \
        static const uint64_t one[4] = {1, 0, 0, 0};                                               \
        zk_sub4(e, F##_MOD.v, one);                                                                \
        for (int i = 0; i < 4; i++) e[i] = (e[i] >> 1) | (i < 3 ? e[i + 1] << 63 : 0);             \
        F##_t t;                                                                                   \
        F##_pow(&t, a, e, 4);                                                                      \
        return F##_eq(&t, &F##_ONE) ? 1 : -1;                                                      \
    }

/*
 * Which inversion each field's batch_inv and plain F##_inv use.  Fq holds public data only (curve
 * coordinates, MSM denominators, pairing values), so fq_inv is the fast variable-time safegcd.  Fr
 * holds secrets (toxic waste in the setup, witness values, EdDSA nonces), so there is no plain
 * fr_inv: callers pick fr_inv_ct, or fr_inv_var for public values (NTT domain constants), and
 * fr_batch_inv is constant-time.
 */
FIELD_DEFINE(fq, FQ, var)
FIELD_DEFINE(fr, FR, ct)

static inline void fq_inv(fq_t *r, const fq_t *a) { fq_inv_var(r, a); }

/* Rejection sampling of a uniform nonzero Fr scalar: x holds 32 random bytes (little-endian limbs);
   its top two bits are cleared (254 bits) and it is kept when canonical and nonzero (~76%). */
static inline int fr_random_accept(uint64_t x[4]) {
    x[3] &= 0x3fffffffffffffffULL;
    return fr_is_canonical(x) && (x[0] | x[1] | x[2] | x[3]);
}

/*
 * Lazy reduction in Fq (for the Fq2 tower: tower.h's fq2_mul, fq2_sqr and the MSM's norms).
 *
 * A product is kept as its full 512-bit value T (fq_wide_t) and only a combination of several is
 * Montgomery-reduced: REDC(T) = (T + M q) / 2^256 with M = -T q^-1 mod 2^256 (so M < 2^256), which
 * is = T / 2^256 mod q and below T / 2^256 + q.  One conditional subtraction therefore leaves a
 * canonical value whenever T < q 2^256 (then REDC(T) < 2q).  BN254's q < 2^254 (q / 2^256 < 0.19)
 * leaves room for every combination used:
 *  - a, b < q: a + b < 2q < 2^255 fits 4 limbs unreduced (fq_add_nr), as does a + q - b (fq_sub_nr).
 *  - products of such sums: (a0 + a1)(b0 + b1) < 4 q^2 < q 2^256 (as 4q < 2^256), so even that
 *    product alone may be reduced.
 *  - Karatsuba in Fq2: c1 = (a0 + a1)(b0 + b1) - a0 b0 - a1 b1 = a0 b1 + a1 b0 is exactly in
 *    [0, 2 q^2), 2 q^2 < q 2^256 (fq_redc_sub2); c0 = a0 b0 - a1 b1 lies in (-q^2, q^2) and gets the
 *    multiple q 2^255 of q added (fq_redc_sub): q 2^255 - q^2 > 0 as q < 2^255, and
 *    q 2^255 + q^2 < q 2^256 as q < 2^255.  The wrap of a0 b0 - a1 b1 below zero is undone by that
 *    addition modulo 2^512, since the sum is in range.
 *  - norms d0^2 + d1^2 < 2 q^2 (fq_redc_add).
 * Within a reduction, the four word-by-word rounds on the low half T_low give
 * L = (T_low + M q) / 2^256 <= q, and REDC(T) = T_high + L exactly, so the 4-limb sum cannot carry
 * out (it is below 2q).  The rounds themselves are field.h's no-carry reduction steps: a round
 * leaves (t + m q) / 2^64 < 2^192 + q < 2^256.
 * Inputs of fq_mul_wide/fq_sqr_wide may be any 256-bit values; each fq_redc_* takes the operands'
 * bounds stated above and returns a canonical residue.
 * fq_mul and fq_sqr (both backends) also accept unreduced inputs x, y < 2q: a CIOS row keeps the
 * running value below X + q + 1 for x < X (the window x y_i + t stays below 2^320, and the reduced
 * one below 2^256 as 3q + 1 < 2^256), and the result (x y + M q) / 2^256 < 4 q^2 / 2^256 + q < 2q
 * still needs only the one conditional subtraction.  fq2_sqr relies on it.
 */
typedef struct {
    uint64_t v[8];
} fq_wide_t;

static const uint64_t FQ_MOD_SHL255[8] = FQ_MODULUS_SHL255;

/* Portable C twins: always compiled, exported for the tests (zk_fq2_*_portable in curve.c). */
static inline void fq_mul_wide_c(fq_wide_t *w, const fq_t *a, const fq_t *b) {
    uint64_t t[8] = {0};
    for (int i = 0; i < 4; i++) {
        uint64_t c = 0;
        for (int j = 0; j < 4; j++) zk_madd2(&c, &t[i + j], a->v[j], b->v[i], t[i + j], c);
        t[i + 4] = c;
    }
    memcpy(w->v, t, sizeof t);
}
static inline void fq_sqr_wide_c(fq_wide_t *w, const fq_t *a) { fq_mul_wide_c(w, a, a); }
static inline void zk_add8_c(uint64_t t[8], const uint64_t *b) {
    uint64_t carry = 0;
    for (int i = 0; i < 8; i++) {
        zk_u128 s = (zk_u128)t[i] + b[i] + carry;
        t[i] = (uint64_t)s;
        carry = (uint64_t)(s >> 64);
    }
}
static inline void zk_sub8_c(uint64_t t[8], const uint64_t *b) {
    uint64_t borrow = 0;
    for (int i = 0; i < 8; i++) {
        zk_u128 d = (zk_u128)t[i] - b[i] - borrow;
        t[i] = (uint64_t)d;
        borrow = (uint64_t)(d >> 64) & 1;
    }
}
/* t (8 limbs, t < q 2^256) -> r = t / 2^256 mod q, canonical; t is clobbered. */
static inline void fq_redc_c(fq_t *r, uint64_t t[8]) {
    const uint64_t *q = fq_MOD.v;
    for (int i = 0; i < 4; i++) {
        uint64_t m = t[i] * FQ_NINV, c = 0;
        for (int j = 0; j < 4; j++) zk_madd2(&c, &t[i + j], m, q[j], t[i + j], c);
        for (int k = i + 4; k < 8; k++) { /* T + M q < 2^512: nothing carries out of limb 7 */
            uint64_t s = t[k] + c;
            c = s < c;
            t[k] = s;
        }
    }
    memcpy(r->v, t + 4, 4 * sizeof(uint64_t));
    fq_reduce_once(r);
}
static inline void fq_redc_add_c(fq_t *r, const fq_wide_t *a, const fq_wide_t *b) {
    uint64_t t[8];
    memcpy(t, a->v, sizeof t);
    zk_add8_c(t, b->v);
    fq_redc_c(r, t);
}
static inline void fq_redc_sub_c(fq_t *r, const fq_wide_t *a, const fq_wide_t *b) {
    uint64_t t[8];
    memcpy(t, a->v, sizeof t);
    zk_sub8_c(t, b->v);
    zk_add8_c(t, FQ_MOD_SHL255);
    fq_redc_c(r, t);
}
static inline void fq_redc_sub2_c(fq_t *r, const fq_wide_t *c, const fq_wide_t *a, const fq_wide_t *b) {
    uint64_t t[8];
    memcpy(t, c->v, sizeof t);
    zk_sub8_c(t, a->v);
    zk_sub8_c(t, b->v);
    fq_redc_c(r, t);
}
/* a + b and a + q - b without reduction (the operands' bounds keep them below 2^256) */
static inline void fq_add_nr_c(fq_t *r, const fq_t *a, const fq_t *b) { zk_add4(r->v, a->v, b->v); }
static inline void fq_sub_nr_c(fq_t *r, const fq_t *a, const fq_t *b) {
    uint64_t t[4];
    zk_add4(t, a->v, fq_MOD.v);
    zk_sub4(r->v, t, b->v);
}

/* Dispatch (as for the Montgomery product above: assembly unless ZK_NO_ASM or no BMI2/ADX). */
static inline __attribute__((always_inline)) void fq_mul_wide(fq_wide_t *w, const fq_t *a, const fq_t *b) {
#ifdef ZK_HAVE_ADX
    zk_mul_wide_adx(w->v, a->v, b->v);
#else
    fq_mul_wide_c(w, a, b);
#endif
}
static inline __attribute__((always_inline)) void fq_sqr_wide(fq_wide_t *w, const fq_t *a) {
#ifdef ZK_HAVE_ADX
    zk_sqr_wide_adx(w->v, a->v);
#else
    fq_sqr_wide_c(w, a);
#endif
}
/* r = (a + b) / 2^256 mod q for a + b < q 2^256 */
static inline __attribute__((always_inline)) void fq_redc_add(fq_t *r, const fq_wide_t *a, const fq_wide_t *b) {
#ifdef ZK_HAVE_ADX
    zk_redc_add_adx(r->v, a->v, b->v, fq_MOD.v, &fq_NINV_WORD);
#else
    fq_redc_add_c(r, a, b);
#endif
}
/* r = (a - b) / 2^256 mod q for a, b < q 2^255 */
static inline __attribute__((always_inline)) void fq_redc_sub(fq_t *r, const fq_wide_t *a, const fq_wide_t *b) {
#ifdef ZK_HAVE_ADX
    zk_redc_sub_adx(r->v, a->v, b->v, FQ_MOD_SHL255, fq_MOD.v, &fq_NINV_WORD);
#else
    fq_redc_sub_c(r, a, b);
#endif
}
/* r = (c - a - b) / 2^256 mod q for 0 <= c - a - b < q 2^256 */
static inline __attribute__((always_inline)) void fq_redc_sub2(fq_t *r, const fq_wide_t *c, const fq_wide_t *a,
                                                               const fq_wide_t *b) {
#ifdef ZK_HAVE_ADX
    zk_redc_sub2_adx(r->v, c->v, a->v, b->v, fq_MOD.v, &fq_NINV_WORD);
#else
    fq_redc_sub2_c(r, c, a, b);
#endif
}
/* r = a + b, unreduced (< 2q for a, b < q) */
static inline __attribute__((always_inline)) void fq_add_nr(fq_t *r, const fq_t *a, const fq_t *b) {
#ifdef ZK_HAVE_ADX
    zk_add_nr_asm(r->v, a->v, b->v);
#else
    fq_add_nr_c(r, a, b);
#endif
}
/* r = a + q - b, unreduced (in (0, 2q) for a, b < q) */
static inline __attribute__((always_inline)) void fq_sub_nr(fq_t *r, const fq_t *a, const fq_t *b) {
#ifdef ZK_HAVE_ADX
    zk_sub_nr_asm(r->v, a->v, b->v, fq_MOD.v);
#else
    fq_sub_nr_c(r, a, b);
#endif
}

/* sqrt in Fq (p = 3 mod 4): a^((p+1)/4).  Returns 1 and the root when a is a square. */
static inline int fq_sqrt(fq_t *r, const fq_t *a) {
    static const uint64_t e[4] = FQ_P_PLUS1_QUARTER;
    fq_t s, chk;
    fq_pow(&s, a, e, 4);
    fq_sqr(&chk, &s);
    if (!fq_eq(&chk, a)) return 0;
    *r = s;
    return 1;
}

/* sqrt in Fr by Tonelli-Shanks (2-adicity 28).  Returns 1 and the root when a is a square. */
static inline int fr_sqrt(fr_t *r, const fr_t *a) {
    if (fr_is_zero(a)) {
        *r = fr_ZERO;
        return 1;
    }
    if (fr_legendre(a) != 1) return 0;
    static const uint64_t trace[4] = FR_TRACE;
    static const uint64_t trace_plus1_half[4] = FR_TRACE_PLUS1_HALF;
    fr_t z = {FR_ROOT_OF_UNITY_MONT}; /* order exactly 2^28 */
    unsigned m = FR_TWO_ADICITY;
    fr_t x, b;
    fr_pow(&x, a, trace_plus1_half, 4);
    fr_pow(&b, a, trace, 4);
    while (!fr_eq(&b, &fr_ONE)) {
        unsigned i = 0;
        fr_t t = b;
        while (!fr_eq(&t, &fr_ONE)) {
            fr_sqr(&t, &t);
            i++;
        }
        fr_t w = z;
        for (unsigned j = 0; j + i + 1 < m; j++) fr_sqr(&w, &w);
        fr_sqr(&z, &w);
        fr_mul(&x, &x, &w);
        fr_mul(&b, &b, &z);
        m = i;
    }
    *r = x;
    return 1;
}

#endif
