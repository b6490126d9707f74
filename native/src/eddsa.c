/*
 * Batched EdDSA-Poseidon verification on BabyJubJub (circomlib's scheme plus the extra checks
 * of docs/protocol.md section 10), the sequencer's hot path for order signatures.  Twin: circuits/primitives/eddsa.py.
 *
 * Valid when: A and R8 are canonical curve points, neither of small order; S < l; msg < r; and
 * S * Base8 == R8 + hm * (8 * A) with hm = Poseidon([R8x, R8y, Ax, Ay, msg]).  8 * A lies in the
 * prime-order subgroup, so multiplying it by hm mod l equals circomlib's 8*hm*A.
 *
 * Speed: the equation is checked as R8 == [S]Base8 - [hm mod l](8A), one joint double-and-add
 * (Straus) over both scalars in width-w NAF, compared projectively (no inversion).  The scalar
 * multiplication runs on the isomorphic a = -1 twisted Edwards curve -u^2 + v^2 = 1 + d' u^2 v^2
 * (u = c x with c^2 = -a, v = y, d' = -d/a), where the HWCD formulas are cheapest: doubling
 * 4S + 3M (4M when T is needed), addition 8M, mixed addition 7M.  -1 and a are squares in Fr and
 * d' is not, so the formulas stay complete (identity and torsion points need no special case).
 * Base8's odd multiples come from a table built once.
 */
#include <pthread.h>
#include <string.h>

#include "../include/zkclear.h"
#include "babyjub.h"
#include "parallel.h"
#include "wnaf.h"

static const uint64_t SUBORDER[4] = {0x677297dc392126f1ULL, 0xab3eedb83920ee0aULL, 0x370a08b6d0302b0bULL,
                                     0x060c89ce5c263405ULL};

/* Point on the a = -1 curve, extended coordinates (u = X/Z, v = Y/Z, T = XY/Z). */
typedef struct {
    fr_t X, Y, T, Z;
} m1_point;

/* Addition operand in "cached" form: (Y - X, Y + X, 2d' T, 2Z); for an affine table entry Z = 1
   and z2 is not stored. */
typedef struct {
    fr_t ymx, ypx, t2d, z2;
} m1_cached;
typedef struct {
    fr_t ymx, ypx, t2d;
} m1_affine;

#define B8_WNAF 8                            /* window of the fixed base's NAF */
#define B8_ODD (1 << (B8_WNAF - 2))          /* odd multiples 1, 3, ..., 2^(w-1) - 1 */
#define A_WNAF 5                             /* window of the variable point's NAF */
#define A_ODD (1 << (A_WNAF - 2))
#define NAF_LEN 256

static fr_t g_c;    /* sqrt(-a): u = c x */
static fr_t g_2dm1; /* 2 d' */
static m1_affine g_b8_odd[B8_ODD];
static pthread_once_t g_once = PTHREAD_ONCE_INIT;


/* r = 2p (dbl-2008-hwcd with a = -1); the input's T is not read, the output's only when with_t. */
static inline void m1_dbl(m1_point *r, const m1_point *p, int with_t) {
    fr_t a, b, c, e, f, g, h, s;
    fr_sqr(&a, &p->X);
    fr_sqr(&b, &p->Y);
    fr_sqr(&c, &p->Z);
    fr_dbl(&c, &c);
    fr_add(&s, &p->X, &p->Y);
    fr_sqr(&e, &s);
    /* With D = -A: G = B - A, F = G - C, H = -(A + B), E = (X + Y)^2 - A - B.  Computing
       h = A + B = -H and e = -E gives (e f, g h, -e h, -f g) = -(X3, Y3, T3, Z3), the same point. */
    fr_add(&h, &a, &b);
    fr_sub(&e, &h, &e);
    fr_sub(&g, &b, &a);
    fr_sub(&f, &g, &c);
    fr_mul(&r->X, &e, &f);
    fr_mul(&r->Y, &g, &h);
    fr_mul(&r->Z, &f, &g);
    fr_neg(&r->Z, &r->Z);
    if (with_t) {
        fr_mul(&r->T, &e, &h);
        fr_neg(&r->T, &r->T);
    }
}

/* r = p + q (add-2008-hwcd-3, a = -1) with q given by its cached parts; neg adds -q (swap Y-X and
   Y+X, negate T).  z2 = NULL: q is affine (2Z = 2), so the product p.Z * 2Z is a doubling. */
static inline void m1_add_parts(m1_point *r, const m1_point *p, const fr_t *ymx, const fr_t *ypx,
                                const fr_t *t2d, const fr_t *z2, int neg) {
    fr_t a, b, c, d, e, f, g, h, s1, s2;
    fr_sub(&s1, &p->Y, &p->X);
    fr_add(&s2, &p->Y, &p->X);
    fr_mul(&a, &s1, neg ? ypx : ymx);
    fr_mul(&b, &s2, neg ? ymx : ypx);
    fr_mul(&c, &p->T, t2d);
    if (neg) fr_neg(&c, &c);
    if (z2) fr_mul(&d, &p->Z, z2);
    else fr_dbl(&d, &p->Z);
    fr_sub(&e, &b, &a);
    fr_sub(&f, &d, &c);
    fr_add(&g, &d, &c);
    fr_add(&h, &b, &a);
    fr_mul(&r->X, &e, &f);
    fr_mul(&r->Y, &g, &h);
    fr_mul(&r->T, &e, &h);
    fr_mul(&r->Z, &f, &g);
}

static inline void m1_add_cached(m1_point *r, const m1_point *p, const m1_cached *q, int neg) {
    m1_add_parts(r, p, &q->ymx, &q->ypx, &q->t2d, &q->z2, neg);
}

static inline void m1_add_affine(m1_point *r, const m1_point *p, const m1_affine *q, int neg) {
    m1_add_parts(r, p, &q->ymx, &q->ypx, &q->t2d, NULL, neg);
}

static inline void m1_to_cached(m1_cached *r, const m1_point *p) {
    fr_sub(&r->ymx, &p->Y, &p->X);
    fr_add(&r->ypx, &p->Y, &p->X);
    fr_mul(&r->t2d, &p->T, &g_2dm1);
    fr_dbl(&r->z2, &p->Z);
}

/* From the a = 168700 curve (extended, T valid) to the a = -1 one. */
static inline void m1_from_bj(m1_point *r, const bj_point *p) {
    fr_mul(&r->X, &p->X, &g_c);
    r->Y = p->Y;
    fr_mul(&r->T, &p->T, &g_c);
    r->Z = p->Z;
}

static void build_tables(void) {
    bj_init();
    fr_t mina, inv_a;
    fr_neg(&mina, &BJ_A);
    if (!fr_sqrt(&g_c, &mina)) __builtin_trap(); /* -a is a square in Fr: cannot happen */
    fr_inv_ct(&inv_a, &BJ_A);
    fr_mul(&g_2dm1, &BJ_D, &inv_a);
    fr_neg(&g_2dm1, &g_2dm1);
    fr_dbl(&g_2dm1, &g_2dm1);

    bj_point b8;
    if (!bj_load_point(&b8, BJ_BASE8_XY)) __builtin_trap();
    m1_point base, twice, odd[B8_ODD];
    m1_from_bj(&base, &b8);
    m1_dbl(&twice, &base, 1);
    m1_cached twice_c;
    m1_to_cached(&twice_c, &twice);
    odd[0] = base;
    for (int i = 1; i < B8_ODD; i++) m1_add_cached(&odd[i], &odd[i - 1], &twice_c, 0);
    fr_t zs[B8_ODD], inv[B8_ODD], scratch[B8_ODD];
    for (int i = 0; i < B8_ODD; i++) zs[i] = odd[i].Z;
    fr_batch_inv(inv, zs, B8_ODD, scratch);
    for (int i = 0; i < B8_ODD; i++) {
        fr_t u, v, t;
        fr_mul(&u, &odd[i].X, &inv[i]);
        fr_mul(&v, &odd[i].Y, &inv[i]);
        fr_mul(&t, &u, &v);
        fr_sub(&g_b8_odd[i].ymx, &v, &u);
        fr_add(&g_b8_odd[i].ypx, &v, &u);
        fr_mul(&g_b8_odd[i].t2d, &t, &g_2dm1);
    }
}

/* naf = the width-w NAF of k < l (< 2^252, so NAF_LEN digits hold it), zero-padded. */
static int wnaf(int8_t naf[NAF_LEN], const uint64_t k[4], int w) {
    memset(naf, 0, NAF_LEN);
    return zk_wnaf(naf, k, w);
}

/* k mod l for k < 2^256 (at most 2^256 / l ~ 42 subtractions; hm < r needs at most 8). */
static void mod_suborder(uint64_t k[4]) {
    while (!zk_lt4(k, SUBORDER)) zk_sub4(k, k, SUBORDER);
}

static int verify_one(const uint64_t *pub, const uint64_t *msg, const uint64_t *r8, const uint64_t *s) {
    bj_point a, r, a8;
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
    mod_suborder(hm);

    /* odd multiples of 8A: 1, 3, ..., 2^(A_WNAF-1) - 1 */
    m1_point pa, twice, acc;
    m1_cached a_odd[A_ODD], twice_c;
    m1_from_bj(&pa, &a8);
    m1_to_cached(&a_odd[0], &pa);
    m1_dbl(&twice, &pa, 1);
    m1_to_cached(&twice_c, &twice);
    acc = pa;
    for (int i = 1; i < A_ODD; i++) {
        m1_add_cached(&acc, &acc, &twice_c, 0);
        m1_to_cached(&a_odd[i], &acc);
    }

    int8_t nh[NAF_LEN], ns[NAF_LEN];
    int lh = wnaf(nh, hm, A_WNAF), ls = wnaf(ns, s, B8_WNAF);
    int top = lh > ls ? lh : ls;
    /* acc = [S] Base8 - [hm] 8A */
    acc.X = fr_ZERO;
    acc.Y = fr_ONE;
    acc.T = fr_ZERO;
    acc.Z = fr_ONE;
    for (int i = top - 1; i >= 0; i--) {
        if (i != top - 1) m1_dbl(&acc, &acc, nh[i] != 0 || ns[i] != 0);
        if (nh[i] > 0) m1_add_cached(&acc, &acc, &a_odd[nh[i] >> 1], 1);
        else if (nh[i] < 0) m1_add_cached(&acc, &acc, &a_odd[(-nh[i]) >> 1], 0);
        if (ns[i] > 0) m1_add_affine(&acc, &acc, &g_b8_odd[ns[i] >> 1], 0);
        else if (ns[i] < 0) m1_add_affine(&acc, &acc, &g_b8_odd[(-ns[i]) >> 1], 1);
    }
    /* acc == R8 on the a = -1 curve: X == c Rx Z and Y == Ry Z */
    fr_t l, rhs;
    fr_mul(&l, &r.X, &g_c); /* r is affine (Z = 1) after loading */
    fr_mul(&rhs, &l, &acc.Z);
    if (!fr_eq(&rhs, &acc.X)) return 0;
    fr_mul(&rhs, &r.Y, &acc.Z);
    return fr_eq(&rhs, &acc.Y);
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
    pthread_once(&g_once, build_tables);
    struct verify_ctx c = {ok, pubs, msgs, r8s, ss};
    zk_parallel_for(n, 8, verify_range, &c);
    size_t valid = 0;
    for (size_t i = 0; i < n; i++) valid += ok[i];
    return valid;
}
