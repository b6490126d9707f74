/*
 * Width-w non-adjacent form of a 256-bit scalar, shared by the ceremony's GLV scalar
 * multiplications (groth16.c, w = 5) and EdDSA verification (eddsa.c, w = 5 and 8).
 */
#ifndef ZK_WNAF_H
#define ZK_WNAF_H
#include <stdint.h>

/* Digits out[i] of k < 2^256 (little-endian limbs), 2 <= w <= 8: each zero or odd with
   |out[i]| < 2^(w-1) (w = 8 reaches -128), sum out[i] 2^i = k.  Returns the digit count, whose
   last digit is nonzero (0 for k = 0): at most 257. */
static inline int zk_wnaf(int8_t *out, const uint64_t kin[4], int w) {
    uint64_t k[5] = {kin[0], kin[1], kin[2], kin[3], 0};
    const int64_t width = (int64_t)1 << w, half = width >> 1;
    int len = 0;
    while (k[0] | k[1] | k[2] | k[3] | k[4]) {
        int64_t d = 0;
        if (k[0] & 1) {
            d = (int64_t)(k[0] & (uint64_t)(width - 1));
            if (d >= half) d -= width;
            if (d > 0) { /* k -= d */
                uint64_t borrow = (uint64_t)d;
                for (int i = 0; i < 5 && borrow; i++) {
                    uint64_t o = k[i];
                    k[i] = o - borrow;
                    borrow = k[i] > o;
                }
            } else { /* k += -d */
                uint64_t carry = (uint64_t)(-d);
                for (int i = 0; i < 5 && carry; i++) {
                    k[i] += carry;
                    carry = k[i] < carry;
                }
            }
        }
        out[len++] = (int8_t)d;
        for (int i = 0; i < 4; i++) k[i] = (k[i] >> 1) | (k[i + 1] << 63);
        k[4] >>= 1;
    }
    return len;
}

#endif
