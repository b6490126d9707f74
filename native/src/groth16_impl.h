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

/* ---- scale powers: out_i = in_i * (first * step^i) ------------------------------------------------ */
struct GN(scale_ctx) {
    const AFF_T *in;
    AFF_T *out;
    fr_t first, step; /* Montgomery */
};
static void GN(scale_worker)(void *vc, size_t b, size_t e, int w) {
    (void)w;
    struct GN(scale_ctx) *c = vc;
    JAC_T buf[ZK_NORM_BLOCK];
    FE_T scratch[2 * ZK_NORM_BLOCK];
    fr_t m, t;
    uint64_t eb[1] = {(uint64_t)b};
    fr_pow(&t, &c->step, eb, 1);
    zk_frmul(&m, &c->first, &t);
    for (size_t s = b; s < e; s += ZK_NORM_BLOCK) {
        size_t cnt = e - s < ZK_NORM_BLOCK ? e - s : ZK_NORM_BLOCK;
        for (size_t i = 0; i < cnt; i++) {
            fr_t k;
            JAC_T p;
            fr_from_mont(&k, &m);
            GN(from_aff)(&p, &c->in[s + i]);
            GN(mul_scalar)(&buf[i], &p, k.v);
            zk_frmul(&t, &m, &c->step);
            m = t;
        }
        GN(batch_to_aff)(c->out + s, buf, cnt, scratch);
    }
    zk_wipe(&m, sizeof m);
    zk_wipe(&t, sizeof t);
}
int64_t KN(scale_powers)(uint64_t *out, const uint64_t *in, size_t n, const uint64_t *first, const uint64_t *step) {
    if (!fr_is_canonical(first) || !fr_is_canonical(step)) return (int64_t)n;
    int64_t bad = GN(check_points)((const AFF_T *)in, n);
    if (bad >= 0) return bad;
    struct GN(scale_ctx) c = {(const AFF_T *)in, (AFF_T *)out, {{0}}, {{0}}};
    fr_to_mont(&c.first, (const fr_t *)first);
    fr_to_mont(&c.step, (const fr_t *)step);
    zk_parallel_for(n, 64, GN(scale_worker), &c);
    zk_wipe(&c.first, sizeof c.first);
    zk_wipe(&c.step, sizeof c.step);
    return -1;
}

/* ---- DFT in the exponent: out_i = scale * sum_j root^(ij) in_j ------------------------------------- */
struct GN(fft_ctx) {
    JAC_T *a;
    const fr_t *tw; /* std-form twiddles root^j, j < n/2 */
    size_t n, len;
    fr_t scale; /* std */
    const AFF_T *in;
    int log_n;
};
static void GN(fft_load)(void *vc, size_t b, size_t e, int w) {
    (void)w;
    struct GN(fft_ctx) *c = vc;
    for (size_t j = b; j < e; j++) GN(from_aff)(&c->a[zk_bitrev(j, c->log_n)], &c->in[j]);
}
static void GN(fft_layer)(void *vc, size_t b, size_t e, int w) {
    (void)w;
    struct GN(fft_ctx) *c = vc;
    size_t half = c->len >> 1, stride = c->n / c->len;
    for (size_t t = b; t < e; t++) {
        size_t blk = t / half, j = t % half;
        JAC_T *u = &c->a[blk * c->len + j], *v = u + half;
        JAC_T x;
        if (j == 0) {
            x = *v;
        } else {
            GN(mul_scalar)(&x, v, c->tw[j * stride].v);
        }
        JAC_T nx;
        GN(jac_neg)(&nx, &x);
        GN(add)(v, u, &nx);
        GN(add)(u, u, &x);
    }
}
static void GN(fft_scale)(void *vc, size_t b, size_t e, int w) {
    (void)w;
    struct GN(fft_ctx) *c = vc;
    for (size_t i = b; i < e; i++) GN(mul_scalar)(&c->a[i], &c->a[i], c->scale.v);
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
    c.log_n = 0;
    while (((size_t)1 << c.log_n) < n) c.log_n++;
    c.a = malloc(n * sizeof(JAC_T));
    fr_t *tw = malloc((n / 2 + 1) * sizeof(fr_t));
    if (!c.a || !tw) {
        free(c.a);
        free(tw);
        return -2;
    }
    zk_fr_powers_std(tw, (const fr_t *)root, n / 2 + 1);
    c.tw = tw;
    memcpy(c.scale.v, scale, sizeof c.scale.v);
    zk_parallel_for(n, 4096, GN(fft_load), &c);
    for (c.len = 2; c.len <= n; c.len <<= 1) zk_parallel_for(n / 2, 16, GN(fft_layer), &c);
    static const uint64_t one[4] = {1, 0, 0, 0};
    if (memcmp(c.scale.v, one, sizeof one) != 0) zk_parallel_for(n, 16, GN(fft_scale), &c);
    GN(normalize_all)((AFF_T *)out, c.a, n);
    free(c.a);
    free(tw);
    return -1;
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
        *kind = 1;
        return bad;
    }
    for (size_t k = 0; k < n_terms; k++) {
        if (!fr_is_canonical(scalars + 4 * k)) {
            *kind = 2;
            return (int64_t)k;
        }
        if (base_index[k] >= n_bases) {
            *kind = 3;
            return (int64_t)k;
        }
    }
    if (row_offsets[0] != 0 || row_offsets[n_rows] != n_terms) {
        *kind = 4;
        return 0;
    }
    for (size_t j = 0; j < n_rows; j++) {
        if (row_offsets[j + 1] < row_offsets[j]) {
            *kind = 4;
            return (int64_t)j;
        }
    }
    struct GN(lc_ctx) *c = calloc(1, sizeof *c);
    JAC_T *rows = malloc((n_rows ? n_rows : 1) * sizeof(JAC_T));
    if (!c || !rows) {
        free(c);
        free(rows);
        *kind = 9;
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
