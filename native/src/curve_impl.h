/*
 * Short-Weierstrass (a = 0) group law, stamped out once per group by curve.h:
 *   CURVE  name prefix (g1 / g2)     FE  coordinate field prefix (fq / fq2)
 *   CURVE_B  the constant b as an FE value
 * Affine points {x, y} are laid out exactly like snarkjs's LEM (infinity = all zero); Jacobian
 * points {X, Y, Z} mean (X/Z^2, Y/Z^3) with Z = 0 for infinity.  Formulas: dbl-2009-l,
 * add-2007-bl, madd-2007-bl (hyperelliptic.org EFD), with the exceptional cases handled.
 */
#define ZK_CAT_(a, b) a##b
#define ZK_CAT(a, b) ZK_CAT_(a, b)
#define FN(op) ZK_CAT(FE, ZK_CAT(_, op))
#define GN(op) ZK_CAT(CURVE, ZK_CAT(_, op))
#define FE_T ZK_CAT(FE, _t)
#define AFF_T ZK_CAT(CURVE, _aff_t)
#define JAC_T ZK_CAT(CURVE, _jac_t)

typedef struct {
    FE_T x, y;
} AFF_T;
typedef struct {
    FE_T x, y, z;
} JAC_T;

static inline int GN(aff_is_inf)(const AFF_T *p) { return FN(is_zero)(&p->x) && FN(is_zero)(&p->y); }
static inline int GN(jac_is_inf)(const JAC_T *p) { return FN(is_zero)(&p->z); }
static inline void GN(jac_set_inf)(JAC_T *p) { memset(p, 0, sizeof *p); }
static inline void GN(from_aff)(JAC_T *r, const AFF_T *p) {
    if (GN(aff_is_inf)(p)) {
        GN(jac_set_inf)(r);
        return;
    }
    r->x = p->x;
    r->y = p->y;
    memset(&r->z, 0, sizeof r->z);
    memcpy(&r->z, &fq_ONE, sizeof fq_ONE); /* Fq2 one = (1, 0) */
}
static inline int GN(aff_on_curve)(const AFF_T *p) {
    if (GN(aff_is_inf)(p)) return 1;
    FE_T l, r;
    FN(sqr)(&l, &p->y);
    FN(sqr)(&r, &p->x);
    FN(mul)(&r, &r, &p->x);
    FN(add)(&r, &r, &CURVE_B);
    return FN(eq)(&l, &r);
}
static inline void GN(aff_neg)(AFF_T *r, const AFF_T *p) {
    r->x = p->x;
    FN(neg)(&r->y, &p->y);
}
static inline void GN(jac_neg)(JAC_T *r, const JAC_T *p) {
    r->x = p->x;
    FN(neg)(&r->y, &p->y);
    r->z = p->z;
}

static inline void GN(dbl)(JAC_T *r, const JAC_T *p) {
    if (GN(jac_is_inf)(p)) {
        *r = *p;
        return;
    }
    FE_T a, b, c, d, e, f, t;
    FN(sqr)(&a, &p->x);
    FN(sqr)(&b, &p->y);
    FN(sqr)(&c, &b);
    FN(add)(&d, &p->x, &b);
    FN(sqr)(&d, &d);
    FN(sub)(&d, &d, &a);
    FN(sub)(&d, &d, &c);
    FN(dbl)(&d, &d);
    FN(dbl)(&e, &a);
    FN(add)(&e, &e, &a);
    FN(sqr)(&f, &e);
    FN(mul)(&t, &p->y, &p->z); /* before r->x is written: r may alias p */
    FN(dbl)(&r->z, &t);
    FN(dbl)(&t, &d);
    FN(sub)(&r->x, &f, &t);
    FN(sub)(&t, &d, &r->x);
    FN(mul)(&t, &e, &t);
    FN(dbl)(&c, &c);
    FN(dbl)(&c, &c);
    FN(dbl)(&c, &c);
    FN(sub)(&r->y, &t, &c);
}

static inline void GN(add)(JAC_T *r, const JAC_T *p, const JAC_T *q) {
    if (GN(jac_is_inf)(p)) {
        *r = *q;
        return;
    }
    if (GN(jac_is_inf)(q)) {
        *r = *p;
        return;
    }
    FE_T z1z1, z2z2, u1, u2, s1, s2, h, i, j, rr, v, t;
    FN(sqr)(&z1z1, &p->z);
    FN(sqr)(&z2z2, &q->z);
    FN(mul)(&u1, &p->x, &z2z2);
    FN(mul)(&u2, &q->x, &z1z1);
    FN(mul)(&s1, &p->y, &q->z);
    FN(mul)(&s1, &s1, &z2z2);
    FN(mul)(&s2, &q->y, &p->z);
    FN(mul)(&s2, &s2, &z1z1);
    FN(sub)(&h, &u2, &u1);
    FN(sub)(&rr, &s2, &s1);
    if (FN(is_zero)(&h)) {
        if (FN(is_zero)(&rr)) {
            GN(dbl)(r, p);
        } else {
            GN(jac_set_inf)(r);
        }
        return;
    }
    FN(dbl)(&i, &h);
    FN(sqr)(&i, &i);
    FN(mul)(&j, &h, &i);
    FN(dbl)(&rr, &rr);
    FN(mul)(&v, &u1, &i);
    FN(add)(&t, &p->z, &q->z);
    FN(sqr)(&t, &t);
    FN(sub)(&t, &t, &z1z1);
    FN(sub)(&t, &t, &z2z2);
    FN(mul)(&r->z, &t, &h);
    FN(sqr)(&t, &rr);
    FN(sub)(&t, &t, &j);
    FN(sub)(&t, &t, &v);
    FN(sub)(&r->x, &t, &v);
    FN(sub)(&t, &v, &r->x);
    FN(mul)(&t, &rr, &t);
    FN(mul)(&s1, &s1, &j);
    FN(dbl)(&s1, &s1);
    FN(sub)(&r->y, &t, &s1);
}

/* r = p + q with q affine (the bucket-reduction and scalar-multiplication workhorse). */
static inline void GN(madd)(JAC_T *r, const JAC_T *p, const AFF_T *q) {
    if (GN(aff_is_inf)(q)) {
        *r = *p;
        return;
    }
    if (GN(jac_is_inf)(p)) {
        GN(from_aff)(r, q);
        return;
    }
    FE_T z1z1, u2, s2, h, hh, i, j, rr, v, t;
    FN(sqr)(&z1z1, &p->z);
    FN(mul)(&u2, &q->x, &z1z1);
    FN(mul)(&s2, &q->y, &p->z);
    FN(mul)(&s2, &s2, &z1z1);
    FN(sub)(&h, &u2, &p->x);
    FN(sub)(&rr, &s2, &p->y);
    if (FN(is_zero)(&h)) {
        if (FN(is_zero)(&rr)) {
            GN(dbl)(r, p);
        } else {
            GN(jac_set_inf)(r);
        }
        return;
    }
    FN(sqr)(&hh, &h);
    FN(dbl)(&i, &hh);
    FN(dbl)(&i, &i);
    FN(mul)(&j, &h, &i);
    FN(dbl)(&rr, &rr);
    FN(mul)(&v, &p->x, &i);
    FE_T y1 = p->y;
    FN(add)(&t, &p->z, &h);
    FN(sqr)(&t, &t);
    FN(sub)(&t, &t, &z1z1);
    FN(sub)(&r->z, &t, &hh);
    FN(sqr)(&t, &rr);
    FN(sub)(&t, &t, &j);
    FN(sub)(&t, &t, &v);
    FN(sub)(&r->x, &t, &v);
    FN(sub)(&t, &v, &r->x);
    FN(mul)(&t, &rr, &t);
    FN(mul)(&y1, &y1, &j);
    FN(dbl)(&y1, &y1);
    FN(sub)(&r->y, &t, &y1);
}

static inline void GN(to_aff)(AFF_T *r, const JAC_T *p) {
    if (GN(jac_is_inf)(p)) {
        memset(r, 0, sizeof *r);
        return;
    }
    FE_T zi, zi2;
    FN(inv)(&zi, &p->z);
    FN(sqr)(&zi2, &zi);
    FN(mul)(&r->x, &p->x, &zi2);
    FN(mul)(&zi2, &zi2, &zi);
    FN(mul)(&r->y, &p->y, &zi2);
}

/* Batch normalisation with one inversion; scratch holds 2n field elements. */
static inline void GN(batch_to_aff)(AFF_T *out, const JAC_T *in, size_t n, FE_T *scratch) {
    FE_T *zs = scratch, *work = scratch + n;
    for (size_t i = 0; i < n; i++) zs[i] = in[i].z;
    FN(batch_inv)(zs, zs, n, work);
    for (size_t i = 0; i < n; i++) {
        if (FN(is_zero)(&in[i].z)) {
            memset(&out[i], 0, sizeof out[i]);
            continue;
        }
        FE_T zi2, t;
        FN(sqr)(&zi2, &zs[i]);
        FN(mul)(&t, &in[i].x, &zi2);
        FN(mul)(&zi2, &zi2, &zs[i]);
        FN(mul)(&out[i].y, &in[i].y, &zi2);
        out[i].x = t;
    }
}

/* r = k p for a little-endian integer k of nlimbs limbs: 4-bit fixed window. */
static inline void GN(mul)(JAC_T *r, const AFF_T *p, const uint64_t *k, size_t nlimbs) {
    JAC_T table[16], acc;
    GN(jac_set_inf)(&table[0]);
    GN(from_aff)(&table[1], p);
    for (int i = 2; i < 16; i++) GN(madd)(&table[i], &table[i - 1], p);
    GN(jac_set_inf)(&acc);
    for (size_t w = nlimbs * 16; w-- > 0;) {
        for (int d = 0; d < 4; d++) GN(dbl)(&acc, &acc);
        unsigned digit = (unsigned)(k[w / 16] >> (4 * (w % 16))) & 15;
        if (digit) GN(add)(&acc, &acc, &table[digit]);
    }
    *r = acc;
}

#undef FN
#undef GN
#undef FE_T
#undef AFF_T
#undef JAC_T
