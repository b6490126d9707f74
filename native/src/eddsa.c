/*
 * Batched EdDSA-Poseidon verification on BabyJubJub (circomlib's scheme plus SPEC.md's extra
 * checks), the sequencer's hot path for order signatures.  Twin: circuits/primitives/eddsa.py.
 *
 * Valid when: A and R8 are canonical curve points, neither of small order; S < l; msg < r; and
 * S * Base8 == R8 + hm * (8 * A) with hm = Poseidon([R8x, R8y, Ax, Ay, msg]).  8 * A lies in the
 * prime-order subgroup, so multiplying it by the unreduced 254-bit hm equals circomlib's 8*hm*A.
 */
#include "../include/zkclear.h"
#include "babyjub.h"
#include "parallel.h"

static const uint64_t SUBORDER[4] = {0x677297dc392126f1ULL, 0xab3eedb83920ee0aULL, 0x370a08b6d0302b0bULL,
                                     0x060c89ce5c263405ULL};

static int verify_one(const uint64_t *pub, const uint64_t *msg, const uint64_t *r8, const uint64_t *s) {
    bj_point a, r, a8, left, right;
    if (!zk_lt4(s, SUBORDER) || !fr_is_canonical(msg)) return 0;
    if (!bj_load_point(&a, pub) || !bj_load_point(&r, r8)) return 0;
    bj_dbl(&a8, &a);
    bj_dbl(&a8, &a8);
    bj_dbl(&a8, &a8);
    if (bj_is_identity(&a8) || bj_is_small_order(&r)) return 0;
    uint64_t in[20], hm[4];
    for (int i = 0; i < 4; i++) {
        in[i] = r8[i];
        in[4 + i] = r8[4 + i];
        in[8 + i] = pub[i];
        in[12 + i] = pub[4 + i];
        in[16 + i] = msg[i];
    }
    if (zk_poseidon(hm, in, 5) != -1) return 0;
    bj_mul(&right, &a8, hm);
    bj_add(&right, &right, &r);
    bj_mul_base8(&left, s);
    return bj_eq(&left, &right);
}

struct verify_ctx {
    uint8_t *ok;
    const uint64_t *pubs, *msgs, *r8s, *ss;
};

static void verify_range(void *p, size_t b, size_t e, int worker) {
    (void)worker;
    struct verify_ctx *c = p;
    for (size_t i = b; i < e; i++)
        c->ok[i] = (uint8_t)verify_one(c->pubs + 8 * i, c->msgs + 4 * i, c->r8s + 8 * i, c->ss + 4 * i);
}

size_t zk_eddsa_verify_many(uint8_t *ok, const uint64_t *pubs, const uint64_t *msgs, const uint64_t *r8s,
                            const uint64_t *ss, size_t n) {
    bj_init();
    struct verify_ctx c = {ok, pubs, msgs, r8s, ss};
    zk_parallel_for(n, 8, verify_range, &c);
    size_t valid = 0;
    for (size_t i = 0; i < n; i++) valid += ok[i];
    return valid;
}
