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

#define MSM_BATCH 1024
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
    FE_T *b_den;        /* batch: denominators, then prefix products in b_pref */
    FE_T *b_pref;
    uint8_t *b_dbl;     /* batch: 1 when the addition is a doubling */
    size_t n_batch, batch_cap;
    uint32_t q_idx[MSM_QUEUE];
    const AFF_T *q_src[MSM_QUEUE];
    uint8_t q_neg[MSM_QUEUE];
    size_t q_len;
} ACC_T;

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
    free(a->b_dbl);
    memset(a, 0, sizeof *a);
}

static int MN(acc_init)(ACC_T *a, size_t cap) {
    memset(a, 0, sizeof *a);
    a->bucket = malloc(cap * sizeof(AFF_T));
    a->jbucket = malloc(cap * sizeof(JAC_T));
    a->state = malloc(cap);
    a->jused = malloc(cap);
    a->b_idx = malloc(MSM_BATCH * sizeof(uint32_t));
    a->b_src = malloc(MSM_BATCH * sizeof(*a->b_src));
    a->b_neg = malloc(MSM_BATCH);
    a->b_den = malloc(MSM_BATCH * sizeof(FE_T));
    a->b_pref = malloc(MSM_BATCH * sizeof(FE_T));
    a->b_dbl = malloc(MSM_BATCH);
    if (!a->bucket || !a->jbucket || !a->state || !a->jused || !a->b_idx || !a->b_src || !a->b_neg || !a->b_den || !a->b_pref || !a->b_dbl) {
        MN(acc_free)(a);
        return 0;
    }
    return 1;
}

/* The numerator of addition j's slope: 3 x^2 for a doubling, else (+-p.y) - b.y. */
static inline void MN(numerator)(const ACC_T *a, size_t j, FE_T *num) {
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
    FE_T inv;
    FN(inv)(&inv, &a->b_pref[n - 1]);
    size_t j = n;
    /* Two additions per step, their products written interleaved: each product is a long
       dependent chain, and the core overlaps two independent chains where it cannot overlap the
       steps of one (the reorder window holds about two products).  The running inverse advances
       by den[j] den[j-1] at once, so the loop-carried chain is one product per two additions. */
    while (j >= 2) {
        size_t i1 = j - 1, i0 = j - 2; /* the later addition first: inv covers den[0..i1] */
        FE_T inv1, inv0, dd, lam1, lam0, x1, x0, t1, t0;
        AFF_T *b1 = &a->bucket[a->b_idx[i1]], *b0 = &a->bucket[a->b_idx[i0]];
        const AFF_T *p1 = a->b_src[i1], *p0 = a->b_src[i0];
        FN(mul)(&inv1, &inv, &a->b_pref[i0]); /* 1 / den[i1] */
        FN(mul)(&dd, &a->b_den[i1], &a->b_den[i0]);
        MN(numerator)(a, i1, &lam1);
        MN(numerator)(a, i0, &lam0);
        if (i0) {
            FE_T inv_mid;
            FN(mul)(&inv_mid, &inv, &a->b_den[i1]); /* 1 / (den[0] ... den[i0]) */
            FN(mul)(&inv, &inv, &dd);
            FN(mul)(&inv0, &inv_mid, &a->b_pref[i0 - 1]);
        } else {
            FN(mul)(&inv0, &inv, &a->b_den[i1]);
        }
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
    if (j == 1) { /* inv = 1 / den[0] */
        FE_T lambda, x3, t;
        AFF_T *b = &a->bucket[a->b_idx[0]];
        const AFF_T *p = a->b_src[0];
        MN(numerator)(a, 0, &lambda);
        FN(mul)(&lambda, &lambda, &inv);
        FN(sqr)(&x3, &lambda);
        FN(sub)(&x3, &x3, &b->x);
        FN(sub)(&x3, &x3, &p->x);
        FN(sub)(&t, &b->x, &x3);
        FN(mul)(&t, &lambda, &t);
        FN(sub)(&b->y, &t, &b->y);
        b->x = x3;
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
    if (j)
        FN(mul)(&a->b_pref[j], &a->b_pref[j - 1], &a->b_den[j]);
    else
        a->b_pref[0] = a->b_den[0];
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

/*
 * Accumulate a stream into nb buckets and reduce it.
 *   ks != NULL: element j adds point pts[idx[j]] into bucket |d|-1 where d is window w's signed
 *               c-bit digit of scalar ks[j] (sign flipped when neg[j]; d = 0 adds nothing); the
 *               reduction is the weighted sum sum_k k * B_k.
 *   ks == NULL: element j adds (neg[j] ? -1 : 1) * pts[idx[j]] into bucket j % nb; the reduction
 *               is the plain sum of the buckets.
 */
#define MSM_AHEAD 16 /* digits are recoded this far ahead so the bucket can be prefetched */
static void MN(accumulate)(ACC_T *a, JAC_T *out, const AFF_T *pts, const uint32_t *idx, const uint64_t *ks,
                           unsigned w, unsigned c, const uint8_t *neg, size_t count, size_t nb, int batch_affine) {
    a->nb = nb;
    memset(a->state, 0, nb);
    memset(a->jused, 0, nb);
    a->n_batch = 0;
    a->q_len = 0;
    /* a batch spans at most 1/8 of the buckets (fewer collisions); up to MSM_BATCH additions
       share one inversion */
    a->batch_cap = nb / 8 < MSM_BATCH ? (nb / 8 ? nb / 8 : 1) : MSM_BATCH;
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
                if (ahead) __builtin_prefetch(&a->bucket[(ahead < 0 ? -ahead : ahead) - 1]);
            }
            if (!d) continue;
            negative = (d < 0) ^ neg[j];
            b = (uint32_t)(d < 0 ? -d : d) - 1;
        } else {
            b = (uint32_t)(j % nb);
            negative = neg[j];
        }
        const AFF_T *src = &pts[idx[j]];
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
