/*
 * Variable-time modular inversion by Bernstein-Yang safegcd ("Fast constant-time gcd computation
 * and modular inversion", 2019), in the batched, variable-time form that libsecp256k1's
 * modinv64_var uses (explained step by step in its doc/safegcd_implementation.md):
 *  - numbers are held as 5 signed 62-bit limbs (value = sum v[i] 2^(62 i); limbs 0..3 in [0, 2^62),
 *    the top limb carries the sign), so 256-bit values and the signed intermediates fit;
 *  - divsteps run 62 at a time on the low limbs of f and g only, producing a 2x2 transition matrix
 *    (scaled by 2^62) whose entries fit in 64 bits; runs of zero bits are skipped with one count of
 *    trailing zeros and up to 6 bits of g are cancelled per odd step;
 *  - the matrix is then applied to the full f, g (exact division by 2^62; their length shrinks as
 *    they do) and to d, e modulo m (a multiple of m cancels the low 62 bits first), keeping d, e in
 *    (-2m, m) throughout; one normalisation at the end gives sign(f) d mod m in [0, m).
 * Generic over any odd modulus m < 2^255 given as 4 little-endian 64-bit limbs, with
 * m^-1 mod 2^62 (field.h derives it from the Montgomery constant).
 *
 * Cost: a 254-bit input needs about 9 batches of 62 divsteps (the var-time loop stops as soon as
 * g = 0); each batch is ~10 ctz/multiply steps for the matrix plus ~40 64x64 products for the
 * updates: ~1.3 us on the 2.45 GHz EPYC this was measured on (bench/native.py), against ~8 us
 * for Fermat's a^(m-2) (~380 dependent Montgomery products).
 *
 * VARIABLE TIME: the number of batches, the branches inside a batch and the shrinking length of
 * f, g all depend on the value inverted, so the running time leaks information about it.  Use it
 * on public data only; secrets go through the constant-time Fermat inverse (F##_inv_ct, field.h).
 */
#ifndef ZK_INVERSE_H
#define ZK_INVERSE_H

#include <stdint.h>

#define ZK_M62 (UINT64_MAX >> 2)

typedef struct {
    int64_t v[5];
} zk_s62_t;

/* 62 divsteps as one matrix [u v; q r] (times 2^62): new (f, g) = (u f + v g, q f + r g) / 2^62. */
typedef struct {
    int64_t u, v, q, r;
} zk_trans2_t;

static inline void zk_s62_from_u256(zk_s62_t *r, const uint64_t a[4]) {
    r->v[0] = (int64_t)(a[0] & ZK_M62);
    r->v[1] = (int64_t)(((a[0] >> 62) | (a[1] << 2)) & ZK_M62);
    r->v[2] = (int64_t)(((a[1] >> 60) | (a[2] << 4)) & ZK_M62);
    r->v[3] = (int64_t)(((a[2] >> 58) | (a[3] << 6)) & ZK_M62);
    r->v[4] = (int64_t)(a[3] >> 56);
}

/* The same value as a 320-bit two's complement integer in 5 words. */
static inline void zk_s62_to_words(uint64_t w[5], const zk_s62_t *a) {
    w[0] = (uint64_t)a->v[0] | ((uint64_t)a->v[1] << 62);
    w[1] = ((uint64_t)a->v[1] >> 2) | ((uint64_t)a->v[2] << 60);
    w[2] = ((uint64_t)a->v[2] >> 4) | ((uint64_t)a->v[3] << 58);
    w[3] = ((uint64_t)a->v[3] >> 6) | ((uint64_t)a->v[4] << 56);
    w[4] = (uint64_t)(a->v[4] >> 8); /* arithmetic shift: the sign fills the top word */
}

/*
 * 62 divsteps (delta = -eta, the variant starting at delta = 1) from the low 62 bits of f (odd) and
 * g; returns the new eta.  All arithmetic is mod 2^64: only the low i bits of f and g are needed
 * while i divsteps remain, and the matrix entries are below 2^62 in absolute value.
 */
static inline int64_t zk_divsteps62_var(int64_t eta, uint64_t f, uint64_t g, zk_trans2_t *t) {
    uint64_t u = 1, v = 0, q = 0, r = 1, tmp, w;
    int i = 62;
    for (;;) {
        /* Shift out g's trailing zeros at once (g even: a divstep only halves g); the bit at i caps
           the count at the divsteps left. */
        int zeros = __builtin_ctzll(g | (UINT64_MAX << i));
        g >>= zeros;
        u <<= zeros;
        v <<= zeros;
        eta -= zeros;
        i -= zeros;
        if (i == 0) break;
        /* g is odd: with eta < 0 the divstep swaps, (f, g) -> (g, -f), before adding f to g. */
        if (eta < 0) {
            eta = -eta;
            tmp = f;
            f = g;
            g = -tmp;
            tmp = u;
            u = q;
            q = -tmp;
            tmp = v;
            v = r;
            r = -tmp;
        }
        /* While eta >= 0 the next divsteps only add f to g where g is odd and halve g: fold up to
           6 of them into g += w f with w = -g/f mod 2^limit (f (f^2 - 2) = -1/f mod 64).  No more
           than eta + 1 (the next swap) or i (the end of the batch). */
        int limit = (int)eta + 1 < i ? (int)eta + 1 : i;
        if (limit > 6) limit = 6;
        w = (g * f * (f * f - 2)) & (UINT64_MAX >> (64 - limit));
        g += f * w;
        q += u * w;
        r += v * w;
    }
    t->u = (int64_t)u;
    t->v = (int64_t)v;
    t->q = (int64_t)q;
    t->r = (int64_t)r;
    return eta;
}

/*
 * (d, e) <- t (d, e) / 2^62 mod m, for d, e in (-2m, m); the results are again in (-2m, m).  First
 * m is added to a negative d or e (folded into the multiples md, me of m added to the products),
 * then md, me are lowered (by less than 2^62) so that the low 62 bits cancel: mi62 = m^-1 mod 2^62.
 */
static inline void zk_update_de62(zk_s62_t *d, zk_s62_t *e, const zk_trans2_t *t, const zk_s62_t *m,
                                  uint64_t mi62) {
    const int64_t u = t->u, v = t->v, q = t->q, r = t->r;
    const int64_t sd = d->v[4] >> 63, se = e->v[4] >> 63;
    int64_t md = (u & sd) + (v & se), me = (q & sd) + (r & se);
    __int128 cd = (__int128)u * d->v[0] + (__int128)v * e->v[0];
    __int128 ce = (__int128)q * d->v[0] + (__int128)r * e->v[0];
    md -= (int64_t)((mi62 * (uint64_t)cd + (uint64_t)md) & ZK_M62);
    me -= (int64_t)((mi62 * (uint64_t)ce + (uint64_t)me) & ZK_M62);
    cd += (__int128)m->v[0] * md;
    ce += (__int128)m->v[0] * me;
    cd >>= 62; /* the low 62 bits are zero now */
    ce >>= 62;
    for (int i = 1; i < 5; i++) {
        cd += (__int128)u * d->v[i] + (__int128)v * e->v[i] + (__int128)m->v[i] * md;
        ce += (__int128)q * d->v[i] + (__int128)r * e->v[i] + (__int128)m->v[i] * me;
        d->v[i - 1] = (int64_t)((uint64_t)cd & ZK_M62);
        e->v[i - 1] = (int64_t)((uint64_t)ce & ZK_M62);
        cd >>= 62;
        ce >>= 62;
    }
    d->v[4] = (int64_t)cd;
    e->v[4] = (int64_t)ce;
}

/* (f, g) <- t (f, g) / 2^62 on the len low limbs (limb len-1 is the signed top). */
static inline void zk_update_fg62_var(int len, zk_s62_t *f, zk_s62_t *g, const zk_trans2_t *t) {
    const int64_t u = t->u, v = t->v, q = t->q, r = t->r;
    __int128 cf = (__int128)u * f->v[0] + (__int128)v * g->v[0];
    __int128 cg = (__int128)q * f->v[0] + (__int128)r * g->v[0];
    cf >>= 62; /* exact: the matrix makes the low 62 bits zero */
    cg >>= 62;
    for (int i = 1; i < len; i++) {
        cf += (__int128)u * f->v[i] + (__int128)v * g->v[i];
        cg += (__int128)q * f->v[i] + (__int128)r * g->v[i];
        f->v[i - 1] = (int64_t)((uint64_t)cf & ZK_M62);
        g->v[i - 1] = (int64_t)((uint64_t)cg & ZK_M62);
        cf >>= 62;
        cg >>= 62;
    }
    f->v[len - 1] = (int64_t)cf;
    g->v[len - 1] = (int64_t)cg;
}

static inline void zk_add320(uint64_t w[5], const uint64_t m[4]) {
    unsigned __int128 s = 0;
    for (int i = 0; i < 4; i++) {
        s += (unsigned __int128)w[i] + m[i];
        w[i] = (uint64_t)s;
        s >>= 64;
    }
    w[4] += (uint64_t)s;
}

/*
 * out = x^-1 mod m for x < m (0 gives 0: g starts at 0, so d stays 0).  m odd, below 2^255;
 * mi62 = m^-1 mod 2^62.  Plain integers, no Montgomery form.  Variable time (see the top).
 */
static inline void zk_modinv_var(uint64_t out[4], const uint64_t x[4], const uint64_t mod[4], uint64_t mi62) {
    zk_s62_t m, f, g, d = {{0, 0, 0, 0, 0}}, e = {{1, 0, 0, 0, 0}};
    zk_trans2_t t;
    int64_t eta = -1; /* delta = 1 */
    int len = 5;
    zk_s62_from_u256(&m, mod);
    zk_s62_from_u256(&g, x);
    f = m;
    /* Invariants: d x = f and e x = g (mod m); gcd(f, g) is kept and |f|, |g| never grow. */
    for (;;) {
        eta = zk_divsteps62_var(eta, (uint64_t)f.v[0], (uint64_t)g.v[0], &t);
        zk_update_de62(&d, &e, &t, &m, mi62);
        zk_update_fg62_var(len, &f, &g, &t);
        if (g.v[0] == 0) {
            int64_t any = 0;
            for (int i = 1; i < len; i++) any |= g.v[i];
            if (any == 0) break;
        }
        /* Drop the top limb once both f and g fit below it (top limbs 0 or -1: sign only). */
        const int64_t fn = f.v[len - 1], gn = g.v[len - 1];
        if (len > 1 && ((fn ^ (fn >> 63)) | (gn ^ (gn >> 63))) == 0) {
            f.v[len - 2] = (int64_t)((uint64_t)f.v[len - 2] | ((uint64_t)fn << 62));
            g.v[len - 2] = (int64_t)((uint64_t)g.v[len - 2] | ((uint64_t)gn << 62));
            len--;
        }
    }
    /* g = 0 and f = +-1 (the gcd), so x^-1 = d / f = sign(f) d mod m, with d in (-2m, m). */
    uint64_t w[5];
    zk_s62_to_words(w, &d);
    if ((int64_t)w[4] < 0) zk_add320(w, mod); /* now in (-m, m) */
    if (f.v[len - 1] < 0) {
        unsigned __int128 s = 1; /* w = ~w + 1 */
        for (int i = 0; i < 5; i++) {
            s += (uint64_t)~w[i];
            w[i] = (uint64_t)s;
            s >>= 64;
        }
    }
    if ((int64_t)w[4] < 0) zk_add320(w, mod); /* now in [0, m) */
    out[0] = w[0];
    out[1] = w[1];
    out[2] = w[2];
    out[3] = w[3];
}

#endif
