/*
 * Pippenger bucket accumulation for one group, stamped out by msm.c with
 *   CURVE (g1 / g2) and FE (fq / fq2).
 * A "stream" is a list of (point, bucket, sign) additions into nb buckets.  Two accumulators:
 *  - batch-affine: buckets stay affine; additions are gathered into batches whose denominators
 *    share one inversion (Montgomery's trick), so an addition costs ~6 field products.  An addition
 *    whose bucket is already in the open batch waits in a small queue until the batch is flushed.
 *    Doublings (equal points) go through the same batch with their own numerator/denominator.
 *    When the queue is full (a skewed digit distribution: repeated scalars, the short top window)
 *    the addition goes into a per-bucket Jacobian overflow instead, so no input pattern forces tiny
 *    batches: the worst case costs a mixed addition per point.
 *  - Jacobian: mixed additions straight into Jacobian buckets, for streams too short to amortise
 *    the inversions.
 */
#define ZK_CAT_(a, b) a##b
#define ZK_CAT(a, b) ZK_CAT_(a, b)
#define FN(op) ZK_CAT(FE, ZK_CAT(_, op))
#define GN(op) ZK_CAT(CURVE, ZK_CAT(_, op))
#define MN(op) ZK_CAT(ZK_CAT(msm_, CURVE), ZK_CAT(_, op))
#define FE_T ZK_CAT(FE, _t)
#define AFF_T ZK_CAT(CURVE, _aff_t)
#define JAC_T ZK_CAT(CURVE, _jac_t)
#define ACC_T ZK_CAT(ZK_CAT(msm_, CURVE), _acc_t)

#define MSM_BATCH (MSM_FQ2 ? 1024 : 2048) /* the G2 batch's working set must stay in L2 too */
#define MSM_FLUSH_AHEAD 8 /* flush: additions prefetched this far ahead */
#define MSM_QUEUE 256

typedef struct {
    size_t nb;          /* buckets in use */
    AFF_T *bucket;      /* [cap] */
    JAC_T *jbucket;     /* [cap], Jacobian mode */
    uint8_t *state;     /* [cap]: 0 empty, 1 holds a value, 2 holds a value with an add pending */
    uint8_t *jused;     /* [cap]: 1 when the Jacobian overflow jbucket[k] holds a value */
    uint32_t *b_idx;    /* batch: bucket of each pending addition */
    const AFF_T **b_src; /* batch: the input point to add ... */
    uint8_t *b_neg;      /* ... negated when 1 (points are read in place, never copied) */
    FE_T *b_den;        /* batch: denominators */
    fq_t *b_nrm;        /* batch: their norms to Fq (G2; G1 reads b_den itself: MN(nrm)) ... */
    fq_t *b_pref;       /* ... and the prefix products of the norms */
    uint8_t *b_dbl;     /* batch: 1 when the addition is a doubling */
    AFF_T *red;          /* [2 MSM_SEGS]: the segment sums R_s, T_s of reduce_affine */
    const AFF_T **r_src; /* [MSM_SEGS] */
    AFF_T **r_dst;       /* [MSM_SEGS] */
    size_t n_batch, batch_cap;
    uint32_t q_idx[MSM_QUEUE];
    const AFF_T *q_src[MSM_QUEUE];
    uint8_t q_neg[MSM_QUEUE];
    size_t q_len;
} ACC_T;

static const size_t MN(batch_max) = MSM_BATCH; /* for msm.c's cost model */

static void MN(acc_free)(ACC_T *a) {
    free(a->bucket);
    free(a->jbucket);
    free(a->state);
    free(a->jused);
    free(a->b_idx);
    free(a->b_src);
    free(a->b_neg);
    free(a->b_den);
    free(a->b_pref);
    free(a->b_nrm);
    free(a->red);
    free(a->r_src);
    free(a->r_dst);
    free(a->b_dbl);
    memset(a, 0, sizeof *a);
}

static int MN(acc_init)(ACC_T *a, size_t cap) {
    memset(a, 0, sizeof *a);
    /* cache-line aligned: a G1 bucket is one line, a G2 bucket two (prefetched together) */
    a->bucket = aligned_alloc(64, cap * sizeof(AFF_T));
    a->jbucket = malloc(cap * sizeof(JAC_T));
    a->state = malloc(cap);
    a->jused = malloc(cap);
    a->b_idx = malloc(MSM_BATCH * sizeof(uint32_t));
    a->b_src = malloc(MSM_BATCH * sizeof(*a->b_src));
    a->b_neg = malloc(MSM_BATCH);
    a->b_den = malloc(MSM_BATCH * sizeof(FE_T));
    a->b_pref = malloc(MSM_BATCH * sizeof(fq_t));
    a->b_nrm = MSM_FQ2 ? malloc(MSM_BATCH * sizeof(fq_t)) : NULL;
    a->red = malloc(2 * MSM_SEGS * sizeof(AFF_T));
    a->r_src = malloc(MSM_SEGS * sizeof(*a->r_src));
    a->r_dst = malloc(MSM_SEGS * sizeof(*a->r_dst));
    a->b_dbl = malloc(MSM_BATCH);
    if (!a->bucket || !a->jbucket || !a->state || !a->jused || !a->b_idx || !a->b_src || !a->b_neg || !a->b_den || !a->b_pref || (MSM_FQ2 && !a->b_nrm) || !a->red || !a->r_src || !a->r_dst || !a->b_dbl) {
        MN(acc_free)(a);
        return 0;
    }
    return 1;
}

/* (Always inlined: as calls they were 11% of a G2 MSM's profile; inlined, G2 MSM 2^16 244.8 -> 240.8 ms.)
   The batch inverts norms to Fq (one Fq product per element in the shared inversion, where Fq2
   would take three): 1/d = conj(d) / N(d) in Fq2, N(d) = d0^2 + d1^2; in Fq the norm is d. */
#if MSM_FQ2
static inline __attribute__((always_inline)) const fq_t *MN(nrm)(const ACC_T *a, size_t j) { return &a->b_nrm[j]; }
static inline __attribute__((always_inline)) void MN(inv_from_norm)(FE_T *r, const FE_T *d, const fq_t *ninv) {
    fq2_conj_mul_fq(r, d, ninv);
}
#else /* in Fq the denominator is its own norm: no copy */
static inline __attribute__((always_inline)) const fq_t *MN(nrm)(const ACC_T *a, size_t j) { return &a->b_den[j]; }
static inline __attribute__((always_inline)) void MN(inv_from_norm)(FE_T *r, const FE_T *d, const fq_t *ninv) {
    (void)d;
    *r = *ninv;
}
#endif
/* b_pref[j] = nrm[0] ... nrm[j], once b_den[j] is set (the serial chain of products overlaps the
   stream this way instead of running in flush) */
static inline __attribute__((always_inline)) void MN(extend_prefix)(ACC_T *a, size_t j) {
#if MSM_FQ2
    fq2_norm(&a->b_nrm[j], &a->b_den[j]);
#endif
    if (j)
        fq_mul(&a->b_pref[j], &a->b_pref[j - 1], MN(nrm)(a, j));
    else
        a->b_pref[0] = *MN(nrm)(a, 0);
}

/* The numerator of addition j's slope: 3 x^2 for a doubling, else (+-p.y) - b.y. */
static inline __attribute__((always_inline)) void MN(numerator)(const ACC_T *a, size_t j, FE_T *num) {
    const AFF_T *b = &a->bucket[a->b_idx[j]];
    const AFF_T *p = a->b_src[j];
    if (a->b_dbl[j]) {
        FE_T t;
        FN(sqr)(num, &b->x);
        FN(dbl)(&t, num);
        FN(add)(num, num, &t);
    } else if (a->b_neg[j]) { /* (-p.y) - b.y */
        FN(add)(num, &p->y, &b->y);
        FN(neg)(num, num);
    } else {
        FN(sub)(num, &p->y, &b->y);
    }
}

static void MN(flush)(ACC_T *a) {
    size_t n = a->n_batch;
    if (!n) return;
    /* b_pref[j] = den[0] * ... * den[j] was accumulated as the batch filled (see try_add), so the
       serial chain of products overlapped with the stream instead of running here */
    fq_t inv; /* 1 / (nrm[0] ... nrm[j-1]) for the j additions left */
    fq_inv(&inv, &a->b_pref[n - 1]);
    size_t j = n;
    /* Two additions per step, their products written interleaved (two independent chains for the
       core to overlap).  The running inverse advances one norm at a time, 2 products an addition
       (3 with the prefix): the product units, not latency, bound this loop, so advancing by
       nrm[j] nrm[j-1] at once to halve the serial chain cost half a product more per addition
       (G1 MSM 2^16 116.8 -> 112.8 ms, G2 240.2 -> 235.3 ms without it). */
    while (j >= 2) {
        size_t i1 = j - 1, i0 = j - 2; /* the later addition first: inv covers nrm[0..i1] */
        fq_t n1, n0;
        FE_T inv1, inv0, lam1, lam0, x1, x0, t1, t0;
        AFF_T *b1 = &a->bucket[a->b_idx[i1]], *b0 = &a->bucket[a->b_idx[i0]];
        const AFF_T *p1 = a->b_src[i1], *p0 = a->b_src[i0];
        if (i0 >= MSM_FLUSH_AHEAD) { /* the reorder window does not reach the next step's loads */
            for (size_t k = i0 - MSM_FLUSH_AHEAD; k < i0 - MSM_FLUSH_AHEAD + 2; k++) {
                const char *bl = (const char *)&a->bucket[a->b_idx[k]], *pl = (const char *)a->b_src[k];
                __builtin_prefetch(bl, 1);
                __builtin_prefetch(pl + sizeof(AFF_T) - 1); /* the point may straddle two lines */
                __builtin_prefetch(pl);
                if (sizeof(AFF_T) > 64) {
                    __builtin_prefetch(bl + 64, 1);
                    __builtin_prefetch(pl + 64);
                }
            }
        }
        fq_mul(&n1, &inv, &a->b_pref[i0]); /* 1 / nrm[i1] */
        fq_mul(&inv, &inv, MN(nrm)(a, i1)); /* 1 / (nrm[0] ... nrm[i0]) */
        MN(numerator)(a, i1, &lam1);
        MN(numerator)(a, i0, &lam0);
        if (i0) {
            fq_mul(&n0, &inv, &a->b_pref[i0 - 1]);
            fq_mul(&inv, &inv, MN(nrm)(a, i0));
        } else {
            n0 = inv;
        }
        MN(inv_from_norm)(&inv1, &a->b_den[i1], &n1);
        MN(inv_from_norm)(&inv0, &a->b_den[i0], &n0);
        FN(mul)(&lam1, &lam1, &inv1);
        FN(mul)(&lam0, &lam0, &inv0);
        FN(sqr)(&x1, &lam1);
        FN(sqr)(&x0, &lam0);
        FN(sub)(&x1, &x1, &b1->x);
        FN(sub)(&x0, &x0, &b0->x);
        FN(sub)(&x1, &x1, &p1->x);
        FN(sub)(&x0, &x0, &p0->x);
        FN(sub)(&t1, &b1->x, &x1);
        FN(sub)(&t0, &b0->x, &x0);
        FN(mul)(&t1, &lam1, &t1);
        FN(mul)(&t0, &lam0, &t0);
        FN(sub)(&b1->y, &t1, &b1->y);
        FN(sub)(&b0->y, &t0, &b0->y);
        b1->x = x1;
        b0->x = x0;
        a->state[a->b_idx[i1]] = 1;
        a->state[a->b_idx[i0]] = 1;
        j -= 2;
    }
    if (j == 1) { /* inv = 1 / nrm[0] */
        FE_T lambda, id;
        AFF_T *b = &a->bucket[a->b_idx[0]];
        const AFF_T *p = a->b_src[0];
        MN(numerator)(a, 0, &lambda);
        MN(inv_from_norm)(&id, &a->b_den[0], &inv);
        FN(mul)(&lambda, &lambda, &id);
        GN(aff_add_with_slope)(b, &p->x, &lambda);
        a->state[a->b_idx[0]] = 1;
    }
    a->n_batch = 0;
}

/* Bucket b += (neg ? -p : p).  Returns 0 when the addition had to wait (bucket in the batch). */
static inline int MN(try_add)(ACC_T *a, uint32_t b, const AFF_T *p, uint8_t neg) {
    uint8_t s = a->state[b];
    if (s == 2) return 0;
    AFF_T *cur = &a->bucket[b];
    if (s == 0) {
        *cur = *p;
        if (neg) FN(neg)(&cur->y, &cur->y);
        a->state[b] = 1;
        return 1;
    }
    size_t j = a->n_batch;
    if (FN(eq)(&cur->x, &p->x)) {
        FE_T py = p->y;
        if (neg) FN(neg)(&py, &py);
        if (!FN(eq)(&cur->y, &py)) { /* the point is -bucket */
            a->state[b] = 0;
            return 1;
        }
        FN(dbl)(&a->b_den[j], &cur->y);
        a->b_dbl[j] = 1;
    } else {
        FN(sub)(&a->b_den[j], &p->x, &cur->x);
        a->b_dbl[j] = 0;
    }
    MN(extend_prefix)(a, j);
    a->b_idx[j] = b;
    a->b_src[j] = p;
    a->b_neg[j] = neg;
    a->state[b] = 2;
    a->n_batch++;
    return 1;
}

/* Re-offer the queued additions after a flush; those that collide again stay queued. */
static void MN(drain_queue)(ACC_T *a) {
    size_t kept = 0, len = a->q_len;
    for (size_t i = 0; i < len; i++) {
        if (a->n_batch == a->batch_cap) MN(flush)(a);
        if (!MN(try_add)(a, a->q_idx[i], a->q_src[i], a->q_neg[i])) {
            a->q_idx[kept] = a->q_idx[i];
            a->q_src[kept] = a->q_src[i];
            a->q_neg[kept] = a->q_neg[i];
            kept++;
        }
    }
    a->q_len = kept;
}

static inline void MN(overflow)(ACC_T *a, uint32_t b, const AFF_T *src, uint8_t neg) {
    AFF_T p = *src;
    if (neg) FN(neg)(&p.y, &p.y);
    if (a->jused[b]) {
        GN(madd)(&a->jbucket[b], &a->jbucket[b], &p);
    } else {
        GN(from_aff)(&a->jbucket[b], &p);
        a->jused[b] = 1;
    }
}

static inline void MN(push)(ACC_T *a, uint32_t b, const AFF_T *p, uint8_t neg) {
    if (MN(try_add)(a, b, p, neg)) {
        if (a->n_batch == a->batch_cap) {
            MN(flush)(a);
            MN(drain_queue)(a);
        }
        return;
    }
    if (a->q_len < MSM_QUEUE) {
        a->q_idx[a->q_len] = b;
        a->q_src[a->q_len] = p;
        a->q_neg[a->q_len] = neg;
        a->q_len++;
        return;
    }
    MN(overflow)(a, b, p, neg);
}

static void MN(finish)(ACC_T *a) {
    while (a->n_batch || a->q_len) {
        MN(flush)(a);
        MN(drain_queue)(a);
    }
}

/* dst[i] += src[i] for i < m, affine (infinity = all zero), the dst[i] distinct and no src[i]
   among them; one shared inversion (the batch arrays of a are free between streams). */
static void MN(batch_add)(ACC_T *a, AFF_T **dst, const AFF_T **src, size_t m) {
    size_t q = 0;
    for (size_t i = 0; i < m; i++) {
        AFF_T *d = dst[i];
        const AFF_T *p = src[i];
        if (GN(aff_is_inf)(p)) continue;
        if (GN(aff_is_inf)(d)) {
            *d = *p;
            continue;
        }
        if (FN(eq)(&d->x, &p->x)) {
            if (FN(eq)(&d->y, &p->y)) { /* doubling: rare, singly */
                GN(aff_double_one)(d);
            } else {
                memset(d, 0, sizeof *d);
            }
            continue;
        }
        FN(sub)(&a->b_den[q], &p->x, &d->x);
        MN(extend_prefix)(a, q);
        a->r_dst[q] = d; /* pending list, compacted in place (q <= i) */
        a->r_src[q] = p;
        q++;
    }
    if (!q) return;
    fq_t inv;
    fq_inv(&inv, &a->b_pref[q - 1]);
    for (size_t j = q; j-- > 0;) {
        fq_t nj;
        FE_T id, lam;
        if (j) {
            fq_mul(&nj, &inv, &a->b_pref[j - 1]);
            fq_mul(&inv, &inv, MN(nrm)(a, j));
        } else {
            nj = inv;
        }
        MN(inv_from_norm)(&id, &a->b_den[j], &nj);
        AFF_T *d = a->r_dst[j];
        const AFF_T *p = a->r_src[j];
        FN(sub)(&lam, &p->y, &d->y);
        FN(mul)(&lam, &lam, &id);
        GN(aff_add_with_slope)(d, &p->x, &lam);
    }
}

/* sum_k (k + 1) B_k over the nb affine buckets (empty ones all zero), nb a power of two
   >= MSM_MIN_AFFINE_RED.  The range is cut into S segments of L buckets; segment s's running sum R_s and its
   weighted sum T_s = sum_i (i + 1) B_(sL+i) advance in lockstep, S affine additions sharing each
   inversion, where the plain running sum costs two Jacobian additions per bucket.  Then
   total = sum_s T_s + L sum_s s R_s (Jacobian, O(S)). */
static void MN(reduce_affine)(ACC_T *a, JAC_T *out, size_t nb) {
    const size_t S = msm_segments(nb), L = nb / S;
    AFF_T *R = a->red, *T = a->red + S;
    memset(a->red, 0, 2 * S * sizeof(AFF_T));
    AFF_T *dl[MSM_SEGS];
    const AFF_T *sl[MSM_SEGS];
    for (size_t i = L; i-- > 0;) {
        for (size_t s = 0; s < S; s++) {
            dl[s] = &R[s];
            sl[s] = &a->bucket[s * L + i];
        }
        MN(batch_add)(a, dl, sl, S);
        for (size_t s = 0; s < S; s++) {
            dl[s] = &T[s];
            sl[s] = &R[s];
        }
        MN(batch_add)(a, dl, sl, S);
    }
    JAC_T run, acc, tot;
    GN(jac_set_inf)(&run);
    GN(jac_set_inf)(&acc);
    GN(jac_set_inf)(&tot);
    for (size_t s = S; s-- > 1;) {
        GN(madd)(&run, &run, &R[s]);
        GN(add)(&acc, &acc, &run);
    }
    for (size_t l = L; l > 1; l >>= 1) GN(dbl)(&acc, &acc);
    for (size_t s = 0; s < S; s++) GN(madd)(&tot, &tot, &T[s]);
    GN(add)(out, &tot, &acc);
}

/* Fold the Jacobian overflow buckets into the affine ones and zero the empty ones, so that every
   bucket is an affine point (all zero = none). */
static void MN(settle)(ACC_T *a, size_t nb) {
    AFF_T *dl[MSM_SEGS];
    const AFF_T *sl[MSM_SEGS];
    AFF_T tmp[MSM_SEGS];
    FE_T scratch[2 * MSM_SEGS];
    JAC_T jt[MSM_SEGS];
    size_t m = 0;
    for (size_t k = 0; k < nb; k++) {
        if (!a->state[k]) memset(&a->bucket[k], 0, sizeof(AFF_T));
        if (a->jused[k]) {
            jt[m] = a->jbucket[k];
            dl[m] = &a->bucket[k];
            m++;
        }
        if (m == MSM_SEGS || (k + 1 == nb && m)) {
            GN(batch_to_aff)(tmp, jt, m, scratch);
            for (size_t i = 0; i < m; i++) sl[i] = &tmp[i];
            MN(batch_add)(a, dl, sl, m);
            m = 0;
        }
    }
}

/* Bucket k += replica r's bucket k (at r span + k) for every r < reps, all buckets affine (after
   settle): pairwise halving, so reps - 1 rounds' worth of additions share one inversion per
   MSM_SEGS of them. */
static void MN(fold_replicas)(ACC_T *a, size_t span, size_t reps) {
    AFF_T *dl[MSM_SEGS];
    const AFF_T *sl[MSM_SEGS];
    for (size_t h = reps / 2; h >= 1; h /= 2) {
        size_t m = 0;
        for (size_t k = 0; k < span * h; k++) {
            dl[m] = &a->bucket[k];
            sl[m] = &a->bucket[k + span * h];
            if (++m == MSM_SEGS || k + 1 == span * h) {
                MN(batch_add)(a, dl, sl, m);
                m = 0;
            }
        }
    }
}

/*
 * Accumulate a stream into nb buckets and reduce it.
 *   ks != NULL: element j adds point *pts[j] into bucket |d|-1 where d is window w's signed
 *               c-bit digit of scalar ks[j] (sign flipped when neg[j]; d = 0 adds nothing); the
 *               reduction is the weighted sum sum_k k * B_k.
 *   ks == NULL: element j adds (neg[j] ? -1 : 1) * *pts[j] into bucket j % nb; the reduction
 *               is the plain sum of the buckets.
 * span (ks != NULL): how many buckets the window's digits can reach.  The top window of a scalar
 * range ending mid-window reaches few (64 of 4,096 for 253-bit scalars at c = 13): a batch could
 * then hold only `span` distinct buckets and most additions would overflow to Jacobian ones.  Such
 * a window spreads element j over replica j % (nb / span) of its buckets instead, so batches stay
 * full; the replicas are folded pairwise (affine, shared inversions) before the reduction.
 */
#define MSM_AHEAD 16 /* digits are recoded this far ahead so the bucket can be prefetched */
static void MN(accumulate)(ACC_T *a, JAC_T *out, const uint64_t *const *pts, const uint64_t *ks,
                           unsigned w, unsigned c, const uint8_t *neg, size_t count, size_t nb, size_t span,
                           int batch_affine) {
    /* replicas only pay when every copy still gets many additions (the fold costs ~nb of them) */
    size_t reps = ks && batch_affine && span && span < nb && count >= 2 * nb ? nb / span : 1;
    a->nb = nb;
    memset(a->state, 0, nb);
    memset(a->jused, 0, nb);
    a->n_batch = 0;
    a->q_len = 0;
    a->batch_cap = msm_batch_cap(nb, MSM_BATCH); /* additions sharing one inversion */
    if (!batch_affine)
        for (size_t k = 0; k < nb; k++) GN(jac_set_inf)(&a->jbucket[k]);
    int ring[MSM_AHEAD];
    if (ks)
        for (size_t j = 0; j < MSM_AHEAD && j < count; j++) ring[j] = signed_digit(ks + 4 * j, w, c);
    for (size_t j = 0; j < count; j++) {
        uint32_t b;
        int negative;
        if (ks) {
            int d = ring[j % MSM_AHEAD];
            if (j + MSM_AHEAD < count) {
                int ahead = signed_digit(ks + 4 * (j + MSM_AHEAD), w, c);
                ring[j % MSM_AHEAD] = ahead;
                /* the bucket array outgrows L2 for large c: fetch the bucket an addition will need */
                if (ahead) {
                    size_t bk = (size_t)(ahead < 0 ? -ahead : ahead) - 1 + span * ((j + MSM_AHEAD) & (reps - 1));
                    const char *line = (const char *)&a->bucket[bk];
                    __builtin_prefetch(line, 1);
                    if (sizeof(AFF_T) > 64) __builtin_prefetch(line + 64, 1);
                }
            }
            if (!d) continue;
            negative = (d < 0) ^ neg[j];
            b = (uint32_t)(d < 0 ? -d : d) - 1;
            if (reps > 1) b += (uint32_t)(span * (j & (reps - 1)));
        } else {
            b = (uint32_t)(j % nb);
            negative = neg[j];
        }
        const AFF_T *src = (const AFF_T *)pts[j];
        if (batch_affine) {
            MN(push)(a, b, src, (uint8_t)negative);
        } else if (negative) {
            AFF_T p;
            GN(aff_neg)(&p, src);
            GN(madd)(&a->jbucket[b], &a->jbucket[b], &p);
        } else {
            GN(madd)(&a->jbucket[b], &a->jbucket[b], src);
        }
    }
    JAC_T running, total;
    GN(jac_set_inf)(&running);
    GN(jac_set_inf)(&total);
    if (reps > 1 || (batch_affine && ks && nb >= MSM_MIN_AFFINE_RED)) {
        /* all buckets affine, the replicas folded into the first span of them */
        const size_t live = reps > 1 ? span : nb;
        MN(finish)(a);
        MN(settle)(a, nb);
        if (reps > 1) MN(fold_replicas)(a, span, reps);
        if (live >= MSM_MIN_AFFINE_RED) {
            MN(reduce_affine)(a, out, live);
            return;
        }
        for (size_t k = live; k-- > 0;) {
            if (!GN(aff_is_inf)(&a->bucket[k])) GN(madd)(&running, &running, &a->bucket[k]);
            GN(add)(&total, &total, &running);
        }
        *out = total;
        return;
    }
    if (batch_affine) {
        MN(finish)(a);
        for (size_t k = nb; k-- > 0;) {
            if (a->state[k]) GN(madd)(&running, &running, &a->bucket[k]);
            if (a->jused[k]) GN(add)(&running, &running, &a->jbucket[k]);
            if (ks) GN(add)(&total, &total, &running);
        }
    } else {
        for (size_t k = nb; k-- > 0;) {
            GN(add)(&running, &running, &a->jbucket[k]);
            if (ks) GN(add)(&total, &total, &running);
        }
    }
    *out = ks ? total : running;
}

#undef FN
#undef GN
#undef MN
#undef FE_T
#undef AFF_T
#undef JAC_T
#undef ACC_T
#undef MSM_AHEAD
