/*
 * Per-group kernels of groth16.c, stamped out for G1 and G2 like curve_impl.h (CURVE = g1 / g2,
 * FE = fq / fq2).  All point buffers are LEM affine (infinity = all zero); work arrays are
 * Jacobian.  Every entry validates its input points (canonical coordinates, on the curve) before
 * any arithmetic and reports the first bad index.
 */
#define ZK_CAT_(a, b) a##b
#define ZK_CAT(a, b) ZK_CAT_(a, b)
#define FN(op) ZK_CAT(FE, ZK_CAT(_, op))
#define GN(op) ZK_CAT(CURVE, ZK_CAT(_, op))
#define KN(op) ZK_CAT(zk_groth16_, ZK_CAT(CURVE, ZK_CAT(_, op)))
#define FE_T ZK_CAT(FE, _t)
#define AFF_T ZK_CAT(CURVE, _aff_t)
#define JAC_T ZK_CAT(CURVE, _jac_t)

/* r = k p for k given as its width-5 NAF (digits least significant first). */
static inline void GN(mul_naf)(JAC_T *r, const JAC_T *p, const int8_t *naf, int len) {
    JAC_T tbl[8], p2, acc, t;
    tbl[0] = *p;
    GN(dbl)(&p2, p);
    for (int i = 1; i < 8; i++) GN(add)(&tbl[i], &tbl[i - 1], &p2);
    GN(jac_set_inf)(&acc);
    for (int i = len - 1; i >= 0; i--) {
        GN(dbl)(&acc, &acc);
        int d = naf[i];
        if (d > 0) {
            GN(add)(&acc, &acc, &tbl[(d - 1) >> 1]);
        } else if (d < 0) {
            GN(jac_neg)(&t, &tbl[(-d - 1) >> 1]);
            GN(add)(&acc, &acc, &t);
        }
    }
    *r = acc;
}

/* r = k p for a std-form scalar k < r; scalars above r/2 are applied as -(r - k) (short for -1, -2...). */
static inline void GN(mul_scalar)(JAC_T *r, const JAC_T *p, const uint64_t k[4]) {
    int8_t naf[ZK_NAF_MAX];
    uint64_t kk[4];
    int neg = zk_fr_std_is_high(k);
    if (neg) {
        zk_sub4(kk, fr_MOD.v, k);
    } else {
        memcpy(kk, k, sizeof kk);
    }
    int len = zk_wnaf5(naf, kk);
    GN(mul_naf)(r, p, naf, len);
    if (neg) GN(jac_neg)(r, r);
}

static inline int GN(lem_ok)(const AFF_T *a) { return GN(coords_canonical)(a) && GN(aff_on_curve)(a); }

struct GN(check_ctx) {
    const AFF_T *pts;
    int64_t bad[ZK_MAX_WORKERS];
};
static void GN(check_range)(void *vc, size_t b, size_t e, int w) {
    struct GN(check_ctx) *c = vc;
    c->bad[w] = -1;
    for (size_t i = b; i < e; i++) {
        if (!GN(lem_ok)(&c->pts[i])) {
            c->bad[w] = (int64_t)i;
            return;
        }
    }
}
/* -1 when every point is canonical and on the curve, else the first bad index. */
static int64_t GN(check_points)(const AFF_T *pts, size_t n) {
    struct GN(check_ctx) c;
    c.pts = pts;
    for (int w = 0; w < ZK_MAX_WORKERS; w++) c.bad[w] = -1;
    zk_parallel_for(n, 4096, GN(check_range), &c);
    int64_t bad = -1;
    for (int w = 0; w < ZK_MAX_WORKERS; w++)
        if (c.bad[w] >= 0 && (bad < 0 || c.bad[w] < bad)) bad = c.bad[w];
    return bad;
}

/* Jacobian [b, e) -> LEM affine, one inversion per block of ZK_NORM_BLOCK points. */
static void GN(normalize_range)(AFF_T *out, const JAC_T *in, size_t b, size_t e) {
    FE_T scratch[2 * ZK_NORM_BLOCK];
    for (size_t s = b; s < e; s += ZK_NORM_BLOCK) {
        size_t m = e - s < ZK_NORM_BLOCK ? e - s : ZK_NORM_BLOCK;
        GN(batch_to_aff)(out + s, in + s, m, scratch);
    }
}
struct GN(norm_ctx) {
    AFF_T *out;
    const JAC_T *in;
};
static void GN(norm_worker)(void *vc, size_t b, size_t e, int w) {
    (void)w;
    struct GN(norm_ctx) *c = vc;
    GN(normalize_range)(c->out, c->in, b, e);
}
static void GN(normalize_all)(AFF_T *out, const JAC_T *in, size_t n) {
    struct GN(norm_ctx) c = {out, in};
    zk_parallel_for(n, 1024, GN(norm_worker), &c);
}

/* ---- batch-affine arithmetic ------------------------------------------------------------------------
 * Affine additions and doublings over a batch share one field inversion (Montgomery's trick), which
 * makes them cheaper than Jacobian formulas; exceptional inputs (equal or opposite x, infinity =
 * all-zero coordinates) are handled one by one. */
struct GN(bm_scratch) {
    FE_T den[ZK_BM];
    FE_T inv[ZK_BM];
    FE_T tmp[ZK_BM];
    int pos[ZK_BM];
};

/* p[i] = 2 p[i] for i < n. */
static void GN(bm_double)(AFF_T **p, size_t n, struct GN(bm_scratch) *s) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (GN(aff_is_inf)(p[i])) continue;
        FN(dbl)(&s->den[m], &p[i]->y);
        s->pos[m++] = (int)i;
    }
    FN(batch_inv)(s->inv, s->den, m, s->tmp);
    for (size_t t = 0; t < m; t++) {
        AFF_T *q = p[s->pos[t]];
        if (FN(is_zero)(&s->inv[t])) { /* y = 0: a point of order 2 (not on these groups) */
            memset(q, 0, sizeof *q);
            continue;
        }
        FE_T xx, lam;
        FN(sqr)(&xx, &q->x);
        FN(add)(&lam, &xx, &xx);
        FN(add)(&lam, &lam, &xx); /* 3 x^2 */
        FN(mul)(&lam, &lam, &s->inv[t]);
        GN(aff_add_with_slope)(q, &q->x, &lam);
    }
}

/* dst[i] += (neg[i] ? -src[i] : src[i]) for i < n (the dst[i] are distinct). */
static void GN(bm_add)(AFF_T **dst, const AFF_T **src, const uint8_t *neg, size_t n, struct GN(bm_scratch) *s) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        AFF_T *d = dst[i];
        const AFF_T *q = src[i];
        if (GN(aff_is_inf)(q)) continue;
        if (GN(aff_is_inf)(d)) {
            *d = *q;
            if (neg[i]) FN(neg)(&d->y, &d->y);
            continue;
        }
        FN(sub)(&s->den[m], &q->x, &d->x);
        if (FN(is_zero)(&s->den[m])) {
            FE_T qy = q->y;
            if (neg[i]) FN(neg)(&qy, &qy);
            if (FN(eq)(&qy, &d->y)) {
                GN(aff_double_one)(d);
            } else {
                memset(d, 0, sizeof *d);
            }
            continue;
        }
        s->pos[m++] = (int)i;
    }
    FN(batch_inv)(s->inv, s->den, m, s->tmp);
    for (size_t t = 0; t < m; t++) {
        int i = s->pos[t];
        AFF_T *d = dst[i];
        const AFF_T *q = src[i];
        FE_T qy = q->y, lam;
        if (neg[i]) FN(neg)(&qy, &qy);
        FN(sub)(&lam, &qy, &d->y);
        FN(mul)(&lam, &lam, &s->inv[t]);
        GN(aff_add_with_slope)(d, &q->x, &lam);
    }
}

/* ---- batch scalar multiplication: out_i = k_i in_i (GLV split, width-5 NAF, batch-affine ladder) ---- */
struct GN(bm_mul) {
    AFF_T acc[ZK_BM];
    AFF_T tbl[ZK_BM][16]; /* [0, 8): odd multiples of s1 P; [8, 16): of s2 endo(P) */
    int8_t naf[2][ZK_BM][ZK_GLV_NAF];
    int len[ZK_BM];
    uint8_t live[ZK_BM];
    AFF_T *dp[ZK_BM];
    const AFF_T *sp[ZK_BM];
    uint8_t ng[ZK_BM];
    struct GN(bm_scratch) s;
};

/* n <= ZK_BM points; k std-form scalars (k[i] < r).  out may alias in. */
static void GN(batch_mul)(AFF_T *out, const AFF_T *in, const fr_t *k, size_t n, struct GN(bm_mul) *w) {
    int maxlen = 0;
    size_t live = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t k1[4], k2[4];
        int neg1, neg2;
        w->live[i] = !GN(aff_is_inf)(&in[i]) && (k[i].v[0] | k[i].v[1] | k[i].v[2] | k[i].v[3]);
        memset(&w->acc[i], 0, sizeof w->acc[i]);
        if (!w->live[i]) continue;
        live++;
        zk_glv_split(&GN(glv), k[i].v, k1, &neg1, k2, &neg2);
        memset(w->naf[0][i], 0, ZK_GLV_NAF);
        memset(w->naf[1][i], 0, ZK_GLV_NAF);
        int l1 = zk_wnaf5(w->naf[0][i], k1), l2 = zk_wnaf5(w->naf[1][i], k2);
        w->len[i] = l1 > l2 ? l1 : l2;
        if (w->len[i] > maxlen) maxlen = w->len[i];
        w->tbl[i][0] = in[i];
        if (neg1) FN(neg)(&w->tbl[i][0].y, &w->tbl[i][0].y);
        w->ng[i] = (uint8_t)(neg1 != neg2); /* endo table sign relative to the first */
    }
    if (live) {
        /* tables: T_j = (2j+1) s1 P, built with one doubling and seven batch additions */
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            if (!w->live[i]) continue;
            w->acc[i] = w->tbl[i][0]; /* scratch use of acc: 2 s1 P */
            w->dp[m++] = &w->acc[i];
        }
        GN(bm_double)(w->dp, m, &w->s);
        for (int j = 1; j < 8; j++) {
            m = 0;
            for (size_t i = 0; i < n; i++) {
                if (!w->live[i]) continue;
                w->tbl[i][j] = w->tbl[i][j - 1];
                w->dp[m] = &w->tbl[i][j];
                w->sp[m] = &w->acc[i];
                m++;
            }
            uint8_t zeros[ZK_BM];
            memset(zeros, 0, m);
            GN(bm_add)(w->dp, w->sp, zeros, m, &w->s);
        }
        for (size_t i = 0; i < n; i++) {
            if (!w->live[i]) continue;
            for (int j = 0; j < 8; j++) {
                GN(endo)(&w->tbl[i][8 + j], &w->tbl[i][j]);
                if (w->ng[i]) FN(neg)(&w->tbl[i][8 + j].y, &w->tbl[i][8 + j].y);
            }
            memset(&w->acc[i], 0, sizeof w->acc[i]);
        }
        uint8_t negs[ZK_BM];
        for (int step = maxlen - 1; step >= 0; step--) {
            m = 0;
            for (size_t i = 0; i < n; i++)
                if (w->live[i] && !GN(aff_is_inf)(&w->acc[i])) w->dp[m++] = &w->acc[i];
            GN(bm_double)(w->dp, m, &w->s);
            for (int stream = 0; stream < 2; stream++) {
                m = 0;
                for (size_t i = 0; i < n; i++) {
                    int d = w->live[i] ? w->naf[stream][i][step] : 0;
                    if (!d) continue;
                    w->dp[m] = &w->acc[i];
                    w->sp[m] = &w->tbl[i][8 * stream + ((d < 0 ? -d : d) >> 1)];
                    negs[m] = d < 0;
                    m++;
                }
                GN(bm_add)(w->dp, w->sp, negs, m, &w->s);
            }
        }
    }
    for (size_t i = 0; i < n; i++) out[i] = w->acc[i];
}

/* ---- scale powers: out_i = in_i * (first * step^i) ------------------------------------------------ */
struct GN(scale_ctx) {
    const AFF_T *in;
    AFF_T *out;
    fr_t first, step; /* Montgomery */
    int failed;
};
static void GN(scale_worker)(void *vc, size_t b, size_t e, int w) {
    (void)w;
    struct GN(scale_ctx) *c = vc;
    struct GN(bm_mul) *st = malloc(sizeof *st);
    fr_t *ks = malloc(ZK_BM * sizeof(fr_t));
    if (!st || !ks) {
        free(st);
        free(ks);
        c->failed = 1;
        return;
    }
    fr_t m, t;
    uint64_t eb[1] = {(uint64_t)b};
    fr_pow(&t, &c->step, eb, 1);
    zk_frmul(&m, &c->first, &t);
    for (size_t s = b; s < e; s += ZK_BM) {
        size_t cnt = e - s < ZK_BM ? e - s : ZK_BM;
        for (size_t i = 0; i < cnt; i++) {
            fr_from_mont(&ks[i], &m);
            zk_frmul(&t, &m, &c->step);
            m = t;
        }
        GN(batch_mul)(c->out + s, c->in + s, ks, cnt, st);
    }
    zk_wipe(&m, sizeof m);
    zk_wipe(&t, sizeof t);
    zk_wipe(ks, ZK_BM * sizeof(fr_t));
    zk_wipe(st, sizeof *st); /* the NAF digits are those of secret multipliers */
    free(ks);
    free(st);
}
int64_t KN(scale_powers)(uint64_t *out, const uint64_t *in, size_t n, const uint64_t *first, const uint64_t *step) {
    if (!fr_is_canonical(first) || !fr_is_canonical(step)) return (int64_t)n;
    int64_t bad = GN(check_points)((const AFF_T *)in, n);
    if (bad >= 0) return bad;
    struct GN(scale_ctx) c = {(const AFF_T *)in, (AFF_T *)out, {{0}}, {{0}}, 0};
    fr_to_mont(&c.first, (const fr_t *)first);
    fr_to_mont(&c.step, (const fr_t *)step);
    zk_parallel_for(n, 64, GN(scale_worker), &c);
    zk_wipe(&c.first, sizeof c.first);
    zk_wipe(&c.step, sizeof c.step);
    return c.failed ? -2 : -1;
}

/* ---- DFT in the exponent: out_i = scale * sum_j root^(ij) in_j --------------------------------------
 * Iterative radix-2 decimation in time on affine points: per layer, the odd halves are multiplied by
 * their twiddles in batches (batch_mul), then each butterfly (u, t) -> (u + t, u - t) shares one
 * inversion between its two additions. */
struct GN(fft_ctx) {
    AFF_T *a;
    const fr_t *tw; /* std-form twiddles root^j, j < n/2 */
    size_t n, len;
    fr_t scale; /* std */
    const AFF_T *in;
    int log_n;
    int failed;
};
static void GN(fft_load)(void *vc, size_t b, size_t e, int w) {
    (void)w;
    struct GN(fft_ctx) *c = vc;
    for (size_t j = b; j < e; j++) c->a[zk_bitrev(j, c->log_n)] = c->in[j];
}
/* u, t -> u + t, u - t for m pairs, one shared inversion per pair. */
static void GN(butterflies)(AFF_T **u, AFF_T *t, size_t m, struct GN(bm_scratch) *s, AFF_T **v) {
    size_t q = 0;
    for (size_t i = 0; i < m; i++) {
        AFF_T *pu = u[i], *pv = v[i];
        const AFF_T *pt = &t[i];
        if (GN(aff_is_inf)(pt)) {
            *pv = *pu;
            continue;
        }
        if (GN(aff_is_inf)(pu)) {
            *pu = *pt;
            *pv = *pt;
            FN(neg)(&pv->y, &pv->y);
            continue;
        }
        FN(sub)(&s->den[q], &pt->x, &pu->x);
        if (FN(is_zero)(&s->den[q])) {
            if (FN(eq)(&pt->y, &pu->y)) { /* t = u: (2u, 0) */
                GN(aff_double_one)(pu);
                memset(pv, 0, sizeof *pv);
            } else { /* t = -u: (0, 2u) */
                *pv = *pu;
                GN(aff_double_one)(pv);
                memset(pu, 0, sizeof *pu);
            }
            continue;
        }
        s->pos[q++] = (int)i;
    }
    FN(batch_inv)(s->inv, s->den, q, s->tmp);
    for (size_t k = 0; k < q; k++) {
        int i = s->pos[k];
        AFF_T *pu = u[i], *pv = v[i];
        const AFF_T *pt = &t[i];
        FE_T l1, l2, x1, x2, y1, y2, d;
        FN(sub)(&l1, &pt->y, &pu->y);
        FN(mul)(&l1, &l1, &s->inv[k]); /* (ty - uy) / (tx - ux) */
        FN(add)(&l2, &pt->y, &pu->y);
        FN(mul)(&l2, &l2, &s->inv[k]);
        FN(neg)(&l2, &l2); /* (-ty - uy) / (tx - ux) */
        FN(sqr)(&x1, &l1);
        FN(sub)(&x1, &x1, &pu->x);
        FN(sub)(&x1, &x1, &pt->x);
        FN(sqr)(&x2, &l2);
        FN(sub)(&x2, &x2, &pu->x);
        FN(sub)(&x2, &x2, &pt->x);
        FN(sub)(&d, &pu->x, &x1);
        FN(mul)(&y1, &d, &l1);
        FN(sub)(&y1, &y1, &pu->y);
        FN(sub)(&d, &pu->x, &x2);
        FN(mul)(&y2, &d, &l2);
        FN(sub)(&y2, &y2, &pu->y);
        pv->x = x2;
        pv->y = y2;
        pu->x = x1;
        pu->y = y1;
    }
}
struct GN(fft_work) {
    struct GN(bm_mul) bm;
    AFF_T t[ZK_BM], mt[ZK_BM];
    fr_t k[ZK_BM];
    int idx[ZK_BM];
    AFF_T *u[ZK_BM], *v[ZK_BM];
};
static void GN(fft_layer)(void *vc, size_t b, size_t e, int w) {
    (void)w;
    struct GN(fft_ctx) *c = vc;
    struct GN(fft_work) *wk = malloc(sizeof *wk);
    if (!wk) {
        c->failed = 1;
        return;
    }
    size_t half = c->len >> 1, stride = c->n / c->len;
    for (size_t s = b; s < e; s += ZK_BM) {
        size_t cnt = e - s < ZK_BM ? e - s : ZK_BM, nm = 0;
        for (size_t i = 0; i < cnt; i++) {
            size_t t = s + i, blk = t / half, j = t % half;
            wk->u[i] = &c->a[blk * c->len + j];
            wk->v[i] = wk->u[i] + half;
            wk->t[i] = *wk->v[i];
            if (j) { /* twiddle 1 needs no multiplication */
                wk->idx[nm] = (int)i;
                wk->mt[nm] = wk->t[i];
                wk->k[nm++] = c->tw[j * stride];
            }
        }
        if (nm) {
            GN(batch_mul)(wk->mt, wk->mt, wk->k, nm, &wk->bm);
            for (size_t q = 0; q < nm; q++) wk->t[wk->idx[q]] = wk->mt[q];
        }
        GN(butterflies)(wk->u, wk->t, cnt, &wk->bm.s, wk->v);
    }
    free(wk);
}
static void GN(fft_scale)(void *vc, size_t b, size_t e, int w) {
    (void)w;
    struct GN(fft_ctx) *c = vc;
    struct GN(bm_mul) *st = malloc(sizeof *st);
    fr_t *ks = malloc(ZK_BM * sizeof(fr_t));
    if (!st || !ks) {
        free(st);
        free(ks);
        c->failed = 1;
        return;
    }
    for (size_t i = 0; i < ZK_BM; i++) ks[i] = c->scale;
    for (size_t s = b; s < e; s += ZK_BM) {
        size_t cnt = e - s < ZK_BM ? e - s : ZK_BM;
        GN(batch_mul)(c->a + s, c->a + s, ks, cnt, st);
    }
    free(ks);
    free(st);
}
int64_t KN(dft)(uint64_t *out, const uint64_t *in, size_t n, const uint64_t *root, const uint64_t *scale) {
    if (n == 0 || (n & (n - 1))) return (int64_t)n;
    if (!fr_is_canonical(root) || !fr_is_canonical(scale)) return (int64_t)n;
    int64_t bad = GN(check_points)((const AFF_T *)in, n);
    if (bad >= 0) return bad;
    struct GN(fft_ctx) c;
    memset(&c, 0, sizeof c);
    c.n = n;
    c.in = (const AFF_T *)in;
    c.a = (AFF_T *)out;
    while (((size_t)1 << c.log_n) < n) c.log_n++;
    fr_t *tw = malloc((n / 2 + 1) * sizeof(fr_t));
    if (!tw) return -2;
    zk_fr_powers_std(tw, (const fr_t *)root, n / 2 + 1);
    c.tw = tw;
    memcpy(c.scale.v, scale, sizeof c.scale.v);
    if ((const void *)out == (const void *)in) { /* in place: permute by swaps */
        for (size_t j = 0; j < n; j++) {
            size_t r = zk_bitrev(j, c.log_n);
            if (r > j) {
                AFF_T t = c.a[j];
                c.a[j] = c.a[r];
                c.a[r] = t;
            }
        }
    } else {
        zk_parallel_for(n, 4096, GN(fft_load), &c);
    }
    for (c.len = 2; c.len <= n && !c.failed; c.len <<= 1) zk_parallel_for(n / 2, 64, GN(fft_layer), &c);
    static const uint64_t one[4] = {1, 0, 0, 0};
    if (!c.failed && memcmp(c.scale.v, one, sizeof one) != 0) zk_parallel_for(n, 64, GN(fft_scale), &c);
    free(tw);
    return c.failed ? -2 : -1;
}

/* ---- pointwise a_i - b_i ---------------------------------------------------------------------------- */
struct GN(sub_ctx) {
    const AFF_T *a, *b;
    AFF_T *out;
};
static void GN(sub_worker)(void *vc, size_t b, size_t e, int w) {
    (void)w;
    struct GN(sub_ctx) *c = vc;
    JAC_T buf[ZK_NORM_BLOCK];
    FE_T scratch[2 * ZK_NORM_BLOCK];
    for (size_t s = b; s < e; s += ZK_NORM_BLOCK) {
        size_t cnt = e - s < ZK_NORM_BLOCK ? e - s : ZK_NORM_BLOCK;
        for (size_t i = 0; i < cnt; i++) {
            JAC_T p;
            AFF_T nb;
            GN(from_aff)(&p, &c->a[s + i]);
            if (GN(aff_is_inf)(&c->b[s + i])) {
                buf[i] = p;
                continue;
            }
            GN(aff_neg)(&nb, &c->b[s + i]);
            GN(madd)(&buf[i], &p, &nb);
        }
        GN(batch_to_aff)(c->out + s, buf, cnt, scratch);
    }
}
int64_t KN(sub)(uint64_t *out, const uint64_t *a, const uint64_t *b, size_t n) {
    int64_t bad = GN(check_points)((const AFF_T *)a, n);
    if (bad >= 0) return bad;
    bad = GN(check_points)((const AFF_T *)b, n);
    if (bad >= 0) return (int64_t)n + bad;
    struct GN(sub_ctx) c = {(const AFF_T *)a, (const AFF_T *)b, (AFF_T *)out};
    zk_parallel_for(n, 1024, GN(sub_worker), &c);
    return -1;
}

/* ---- sparse linear combinations: row j = sum_k s_k * bases[idx_k], k in [off_j, off_j+1) ------------ */
struct GN(lc_ctx) {
    const AFF_T *bases;
    const fr_t *scalars;
    const uint32_t *idx;
    const uint64_t *off;
    size_t n_rows;
    JAC_T *rows;
    JAC_T side[ZK_MAX_WORKERS];
    int64_t side_row[ZK_MAX_WORKERS];
};
static void GN(lc_worker)(void *vc, size_t b, size_t e, int w) {
    struct GN(lc_ctx) *c = vc;
    c->side_row[w] = -1;
    if (b >= e) return;
    size_t row = zk_row_of(c->off, c->n_rows, b);
    size_t first_row = row;
    JAC_T acc, t, p;
    GN(jac_set_inf)(&acc);
    for (size_t k = b; k < e; k++) {
        while (k >= c->off[row + 1]) { /* the term belongs to a later row: flush this one */
            if (row == first_row) {
                c->side[w] = acc;
                c->side_row[w] = (int64_t)row;
            } else {
                c->rows[row] = acc;
            }
            GN(jac_set_inf)(&acc);
            row++;
        }
        const AFF_T *base = &c->bases[c->idx[k]];
        const uint64_t *s = c->scalars[k].v;
        if (GN(aff_is_inf)(base) || (s[0] | s[1] | s[2] | s[3]) == 0) continue;
        if (s[0] == 1 && (s[1] | s[2] | s[3]) == 0) {
            GN(madd)(&acc, &acc, base);
            continue;
        }
        GN(from_aff)(&p, base);
        GN(mul_scalar)(&t, &p, s);
        GN(add)(&acc, &acc, &t);
    }
    if (row == first_row) {
        c->side[w] = acc;
        c->side_row[w] = (int64_t)row;
    } else {
        c->rows[row] = acc;
    }
}
/* Returns -1, or the index of the first bad base point (kind 1), scalar (kind 2) or base index (kind 3). */
int64_t KN(sparse_lincomb)(uint64_t *out, const uint64_t *bases, size_t n_bases, const uint64_t *scalars,
                           const uint32_t *base_index, size_t n_terms, const uint64_t *row_offsets, size_t n_rows,
                           int *kind) {
    *kind = 0;
    int64_t bad = GN(check_points)((const AFF_T *)bases, n_bases);
    if (bad >= 0) {
        *kind = ZK_LC_KIND_BASE;
        return bad;
    }
    for (size_t k = 0; k < n_terms; k++) {
        if (!fr_is_canonical(scalars + 4 * k)) {
            *kind = ZK_LC_KIND_SCALAR;
            return (int64_t)k;
        }
        if (base_index[k] >= n_bases) {
            *kind = ZK_LC_KIND_INDEX;
            return (int64_t)k;
        }
    }
    if (row_offsets[0] != 0 || row_offsets[n_rows] != n_terms) {
        *kind = ZK_LC_KIND_OFFSETS;
        return 0;
    }
    for (size_t j = 0; j < n_rows; j++) {
        if (row_offsets[j + 1] < row_offsets[j]) {
            *kind = ZK_LC_KIND_OFFSETS;
            return (int64_t)j;
        }
    }
    struct GN(lc_ctx) *c = calloc(1, sizeof *c);
    JAC_T *rows = malloc((n_rows ? n_rows : 1) * sizeof(JAC_T));
    if (!c || !rows) {
        free(c);
        free(rows);
        *kind = ZK_KIND_NOMEM;
        return 0;
    }
    for (size_t j = 0; j < n_rows; j++) GN(jac_set_inf)(&rows[j]);
    c->bases = (const AFF_T *)bases;
    c->scalars = (const fr_t *)scalars;
    c->idx = base_index;
    c->off = row_offsets;
    c->n_rows = n_rows;
    c->rows = rows;
    for (int w = 0; w < ZK_MAX_WORKERS; w++) c->side_row[w] = -1;
    if (n_terms) zk_parallel_for(n_terms, 256, GN(lc_worker), c);
    for (int w = 0; w < ZK_MAX_WORKERS; w++)
        if (c->side_row[w] >= 0) GN(add)(&rows[c->side_row[w]], &rows[c->side_row[w]], &c->side[w]);
    GN(normalize_all)((AFF_T *)out, rows, n_rows);
    free(rows);
    free(c);
    return -1;
}

#undef FN
#undef GN
#undef KN
#undef FE_T
#undef AFF_T
#undef JAC_T
