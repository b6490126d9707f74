/*
 * Fused kernels for the Groth16 prover and trusted setup that the generic curve/MSM/NTT API does
 * not cover (prototypes in the "Groth16" section of zkclear.h; Python wrapper native/groth16.py,
 * twin native/ref/groth16.py):
 *   - the QAP's A, B, C evaluations from a zkey coefficient section and a witness;
 *   - point-section operations of the ceremonies: scale by first*step^i, DFT in the exponent
 *     (Lagrange bases), pointwise subtraction, sparse linear combinations, uncompressed and
 *     compressed encodings;
 *   - BLAKE2b with a state laid out as snarkjs's "partial hash";
 *   - secret scalars: drawn from the OS, inverted and wiped in caller-owned buffers.
 */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <time.h>

#include "../include/zkclear.h"
#include "curve.h"
#include "msm.h"
#include "ntt.h"
#include "parallel.h"
#include "wnaf.h"

#include "groth16_constants.h"
#include "groth16_kinds.h"

#define ZK_MAX_WORKERS 256
#define ZK_NORM_BLOCK 256
#define ZK_NAF_MAX 260
#define ZK_BM 1024     /* points per batch-affine batch: a field inversion per step is shared by all */
#define ZK_GLV_NAF 136 /* width-5 NAF digits of a GLV half (< 2^129) */

void zk_groth16_wipe(void *p, size_t n) {
    volatile unsigned char *v = p;
    while (n--) *v++ = 0;
}
static inline void zk_wipe(void *p, size_t n) { zk_groth16_wipe(p, n); }

/* An out-of-line Fr product for loops whose bodies already hold many registers (the inline MULX
   assembly needs eleven of its own). */
static __attribute__((noinline)) void zk_frmul(fr_t *r, const fr_t *a, const fr_t *b) { fr_mul(r, a, b); }

static inline size_t zk_bitrev(size_t x, int bits) {
    size_t r = 0;
    for (int i = 0; i < bits; i++) {
        r = (r << 1) | (x & 1);
        x >>= 1;
    }
    return r;
}

/* k > (r - 1) / 2 for a std-form scalar (then -(r - k) is the shorter multiplier). */
static inline int zk_fr_std_is_high(const uint64_t k[4]) {
    static const uint64_t half[4] = FR_HALF;
    return zk_lt4(half, k);
}

static inline int zk_wnaf5(int8_t *out, const uint64_t kin[4]) { return zk_wnaf(out, kin, 5); }

/* out[j] = root^j (std form), j < n. */
struct pow_ctx {
    fr_t *out;
    fr_t root; /* mont */
};
static void zk_powers_worker(void *vc, size_t b, size_t e, int w) {
    (void)w;
    struct pow_ctx *c = vc;
    fr_t m, root = c->root, t;
    uint64_t eb[1] = {(uint64_t)b};
    fr_pow(&m, &root, eb, 1);
    for (size_t j = b; j < e; j++) {
        fr_from_mont(&c->out[j], &m);
        zk_frmul(&t, &m, &root);
        m = t;
    }
}
static void zk_fr_powers_std(fr_t *out, const fr_t *root_std, size_t n) {
    struct pow_ctx c;
    c.out = out;
    fr_to_mont(&c.root, root_std);
    zk_parallel_for(n, 4096, zk_powers_worker, &c);
}

static inline int g1_coords_canonical(const g1_aff_t *a) { return fq_is_canonical(a->x.v) && fq_is_canonical(a->y.v); }
static inline int g2_coords_canonical(const g2_aff_t *a) {
    return fq_is_canonical(a->x.c0.v) && fq_is_canonical(a->x.c1.v) && fq_is_canonical(a->y.c0.v) &&
           fq_is_canonical(a->y.c1.v);
}

/* The row holding term `term`: the last row with off[row] <= term (rows may be empty). */
static size_t zk_row_of(const uint64_t *off, size_t n_rows, size_t term) {
    size_t lo = 0, hi = n_rows; /* last row with off[row] <= term */
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (off[mid] <= term) lo = mid;
        else hi = mid;
    }
    while (lo + 1 < n_rows && off[lo + 1] <= term) lo++;
    return lo;
}
/* ---- GLV: k = k1 + k2 lambda with |k1|, |k2| < 2^129 (constants: scripts/gen_groth16_constants.py) */
typedef struct {
    uint64_t g1[3], g2[3]; /* Babai rounding: c_i = floor(k g_i / 2^256) */
    fr_t a1, a2, nb1, b2;  /* basis (a1, b1), (a2, b2), Montgomery residues; nb1 = -b1 */
} zk_glv_t;
static const zk_glv_t g1_glv = {G1_GLV_G1, G1_GLV_G2, G1_GLV_A1_MONT, G1_GLV_A2_MONT, G1_GLV_NB1_MONT, G1_GLV_B2_MONT};
static const zk_glv_t g2_glv = {G2_GLV_G1, G2_GLV_G2, G2_GLV_A1_MONT, G2_GLV_A2_MONT, G2_GLV_NB1_MONT, G2_GLV_B2_MONT};

/* out = floor(k g / 2^256) for a 4-limb k and a 3-limb g (< 2^192, so out < 2^192). */
static void zk_mul_shift256(uint64_t out[4], const uint64_t k[4], const uint64_t g[3]) {
    uint64_t prod[7] = {0};
    for (int i = 0; i < 4; i++) {
        zk_u128 carry = 0;
        for (int j = 0; j < 3; j++) {
            zk_u128 t = (zk_u128)k[i] * g[j] + prod[i + j] + carry;
            prod[i + j] = (uint64_t)t;
            carry = t >> 64;
        }
        prod[i + 3] = (uint64_t)carry;
    }
    out[0] = prod[4];
    out[1] = prod[5];
    out[2] = prod[6];
    out[3] = 0;
}

/* |x| and its sign for x in [0, r) read as a centred residue. */
static inline void zk_centre(uint64_t out[4], int *neg, const fr_t *x_std) {
    *neg = zk_fr_std_is_high(x_std->v);
    if (*neg) {
        zk_sub4(out, fr_MOD.v, x_std->v);
    } else {
        memcpy(out, x_std->v, 32);
    }
}

static void zk_glv_split(const zk_glv_t *c, const uint64_t k[4], uint64_t k1[4], int *neg1, uint64_t k2[4], int *neg2) {
    uint64_t c1[4], c2[4];
    zk_mul_shift256(c1, k, c->g1);
    zk_mul_shift256(c2, k, c->g2);
    fr_t K, C1, C2, t, u, r1, r2;
    fr_to_mont(&K, (const fr_t *)k);
    fr_to_mont(&C1, (const fr_t *)c1);
    fr_to_mont(&C2, (const fr_t *)c2);
    zk_frmul(&t, &C1, &c->a1); /* k1 = k - c1 a1 - c2 a2 */
    zk_frmul(&u, &C2, &c->a2);
    fr_add(&t, &t, &u);
    fr_sub(&r1, &K, &t);
    zk_frmul(&t, &C1, &c->nb1); /* k2 = -c1 b1 - c2 b2 */
    zk_frmul(&u, &C2, &c->b2);
    fr_sub(&r2, &t, &u);
    fr_from_mont(&r1, &r1);
    fr_from_mont(&r2, &r2);
    zk_centre(k1, neg1, &r1);
    zk_centre(k2, neg2, &r2);
    /* the scalar may be a secret (a contribution's factor times a power) */
    zk_wipe(&K, sizeof K);
    zk_wipe(&r1, sizeof r1);
    zk_wipe(&r2, sizeof r2);
    zk_wipe(c1, sizeof c1);
    zk_wipe(c2, sizeof c2);
}

/* The endomorphisms the splits refer to: phi(x, y) = (beta x, y) on G1, psi on G2. */
static inline void g1_endo(g1_aff_t *r, const g1_aff_t *p) {
    static const fq_t beta = G1_ENDO_BETA_MONT;
    if (g1_aff_is_inf(p)) {
        *r = *p;
        return;
    }
    fq_mul(&r->x, &p->x, &beta);
    r->y = p->y;
}
static inline void g2_endo(g2_aff_t *r, const g2_aff_t *p) {
    if (g2_aff_is_inf(p)) {
        *r = *p;
        return;
    }
    g2_psi_aff(r, p);
}

#define CURVE g1
#define FE fq
#include "groth16_impl.h"
#undef CURVE
#undef FE

#define CURVE g2
#define FE fq2
#include "groth16_impl.h"
#undef CURVE
#undef FE

/* ---- QAP evaluations ---------------------------------------------------------------------------- */
#define COEF_RECORD 44
struct abc_ctx {
    const uint8_t *coefs;
    size_t n_coefs;
    const fr_t *w;
    fr_t *ab[2];
    fr_t *c;
    int sorted;
};
static inline uint32_t rd32(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}
static void abc_worker(void *vc, size_t b, size_t e, int w) {
    (void)w;
    struct abc_ctx *c = vc;
    /* Each constraint is handled by the chunk holding its first record (records sorted by constraint). */
    if (b > 0) {
        uint32_t prev = rd32(c->coefs + (b - 1) * COEF_RECORD + 4);
        while (b < c->n_coefs && rd32(c->coefs + b * COEF_RECORD + 4) == prev) b++;
    }
    if (e < c->n_coefs && e > 0) {
        uint32_t last = rd32(c->coefs + (e - 1) * COEF_RECORD + 4);
        while (e < c->n_coefs && rd32(c->coefs + e * COEF_RECORD + 4) == last) e++;
    }
    for (size_t k = b; k < e; k++) {
        const uint8_t *r = c->coefs + k * COEF_RECORD;
        uint32_t m = rd32(r), con = rd32(r + 4), s = rd32(r + 8);
        fr_t v, t;
        memcpy(v.v, r + 12, 32);
        fr_mul(&t, &v, &c->w[s]); /* (coef R^2) w / R = Montgomery form of coef * w */
        fr_add(&c->ab[m][con], &c->ab[m][con], &t);
    }
}
static void abc_mul_worker(void *vc, size_t b, size_t e, int w) {
    (void)w;
    struct abc_ctx *c = vc;
    for (size_t i = b; i < e; i++) fr_mul(&c->c[i], &c->ab[0][i], &c->ab[1][i]);
}
/* Input checks, on all cores (a serial scan of the 4M records of a 2^20 circuit took ~0.15 s):
   each worker records the first bad witness value and record of its chunk, and whether its
   records (and the one before its chunk) are sorted by constraint. */
struct abc_check_ctx {
    const uint8_t *coefs;
    const uint64_t *witness;
    size_t n_vars, n_coefs, domain;
    int64_t bad_w[ZK_MAX_WORKERS], bad_c[ZK_MAX_WORKERS];
    uint8_t unsorted[ZK_MAX_WORKERS];
};
static void abc_check_worker(void *vc, size_t b, size_t e, int w) {
    struct abc_check_ctx *c = vc; /* the caller has set every worker's slots to "nothing found" */
    /* the range is over max(n_vars, n_coefs): each index checks a witness value and a record */
    for (size_t i = b; i < e && i < c->n_vars; i++) {
        if (!fr_is_canonical(c->witness + 4 * i)) {
            c->bad_w[w] = (int64_t)i;
            break;
        }
    }
    uint32_t prev = b > 0 && b <= c->n_coefs ? rd32(c->coefs + (b - 1) * COEF_RECORD + 4) : 0;
    for (size_t k = b; k < e && k < c->n_coefs; k++) {
        const uint8_t *r = c->coefs + k * COEF_RECORD;
        uint64_t v[4];
        memcpy(v, r + 12, 32);
        if (rd32(r) > 1 || rd32(r + 4) >= c->domain || rd32(r + 8) >= c->n_vars || !fr_is_canonical(v)) {
            c->bad_c[w] = (int64_t)k;
            break;
        }
        if (rd32(r + 4) < prev) c->unsorted[w] = 1;
        prev = rd32(r + 4);
    }
}
int64_t zk_groth16_build_abc(uint64_t *a, uint64_t *b, uint64_t *cc, const uint8_t *coefs, size_t n_coefs,
                             const uint64_t *witness, size_t n_vars, size_t domain, int *kind) {
    *kind = 0;
    struct abc_check_ctx *chk = malloc(sizeof *chk);
    if (!chk) {
        *kind = ZK_KIND_NOMEM;
        return 0;
    }
    chk->coefs = coefs;
    chk->witness = witness;
    chk->n_vars = n_vars;
    chk->n_coefs = n_coefs;
    chk->domain = domain;
    for (int w = 0; w < ZK_MAX_WORKERS; w++) {
        chk->bad_w[w] = chk->bad_c[w] = -1;
        chk->unsorted[w] = 0;
    }
    zk_parallel_for(n_vars > n_coefs ? n_vars : n_coefs, 16384, abc_check_worker, chk);
    /* the lowest bad index wins, witness values first: what the serial scan reported */
    int64_t bad_w = -1, bad_c = -1;
    int sorted = 1;
    for (int w = 0; w < ZK_MAX_WORKERS; w++) {
        if (chk->bad_w[w] >= 0 && (bad_w < 0 || chk->bad_w[w] < bad_w)) bad_w = chk->bad_w[w];
        if (chk->bad_c[w] >= 0 && (bad_c < 0 || chk->bad_c[w] < bad_c)) bad_c = chk->bad_c[w];
        if (chk->unsorted[w]) sorted = 0;
    }
    free(chk);
    if (bad_w >= 0) {
        *kind = ZK_KIND_WITNESS;
        return bad_w;
    }
    if (bad_c >= 0) {
        *kind = ZK_KIND_COEF;
        return bad_c;
    }
    memset(a, 0, domain * 32);
    memset(b, 0, domain * 32);
    struct abc_ctx c = {coefs, n_coefs, (const fr_t *)witness, {(fr_t *)a, (fr_t *)b}, (fr_t *)cc, sorted};
    if (sorted) {
        zk_parallel_for(n_coefs, 4096, abc_worker, &c);
    } else {
        abc_worker(&c, 0, n_coefs, 0);
    }
    zk_parallel_for(domain, 4096, abc_mul_worker, &c);
    return -1;
}

/* ---- encodings ---------------------------------------------------------------------------------- */
static inline void be32(uint8_t *out, const fq_t *mont) {
    fq_t s;
    fq_from_mont(&s, mont);
    for (int i = 0; i < 32; i++) out[i] = (uint8_t)(s.v[3 - i / 8] >> (8 * (7 - i % 8)));
}
int64_t zk_groth16_g1_to_uncompressed(uint8_t *out, const uint64_t *in, size_t n) {
    const g1_aff_t *p = (const g1_aff_t *)in;
    for (size_t i = 0; i < n; i++) {
        if (!g1_coords_canonical(&p[i])) return (int64_t)i;
        if (g1_aff_is_inf(&p[i])) {
            memset(out + 64 * i, 0, 64);
            continue;
        }
        be32(out + 64 * i, &p[i].x);
        be32(out + 64 * i + 32, &p[i].y);
    }
    return -1;
}
int64_t zk_groth16_g2_to_uncompressed(uint8_t *out, const uint64_t *in, size_t n) {
    const g2_aff_t *p = (const g2_aff_t *)in;
    for (size_t i = 0; i < n; i++) {
        if (!g2_coords_canonical(&p[i])) return (int64_t)i;
        if (g2_aff_is_inf(&p[i])) {
            memset(out + 128 * i, 0, 128);
            continue;
        }
        be32(out + 128 * i, &p[i].x.c1);
        be32(out + 128 * i + 32, &p[i].x.c0);
        be32(out + 128 * i + 64, &p[i].y.c1);
        be32(out + 128 * i + 96, &p[i].y.c0);
    }
    return -1;
}
int64_t zk_groth16_g1_to_compressed(uint8_t *out, const uint64_t *in, size_t n) {
    const g1_aff_t *p = (const g1_aff_t *)in;
    int64_t bad = g1_check_points(p, n);
    if (bad >= 0) return bad;
    for (size_t i = 0; i < n; i++) {
        uint8_t *o = out + 32 * i;
        if (g1_aff_is_inf(&p[i])) {
            memset(o, 0, 32);
            o[0] = 0x40;
            continue;
        }
        be32(o, &p[i].x);
        if (fq_is_negative(&p[i].y)) o[0] |= 0x80;
    }
    return -1;
}
int64_t zk_groth16_g2_to_compressed(uint8_t *out, const uint64_t *in, size_t n) {
    const g2_aff_t *p = (const g2_aff_t *)in;
    int64_t bad = g2_check_points(p, n);
    if (bad >= 0) return bad;
    for (size_t i = 0; i < n; i++) {
        uint8_t *o = out + 64 * i;
        if (g2_aff_is_inf(&p[i])) {
            memset(o, 0, 64);
            o[0] = 0x40;
            continue;
        }
        be32(o, &p[i].x.c1);
        be32(o + 32, &p[i].x.c0);
        if (fq2_is_negative(&p[i].y)) o[0] |= 0x80;
    }
    return -1;
}

/* ---- secrets ------------------------------------------------------------------------------------ */
int zk_groth16_random_fr(uint64_t *out) {
    for (int tries = 0; tries < 1000; tries++) {
        uint8_t buf[32];
        size_t got = 0;
        while (got < sizeof buf) {
            ssize_t r = getrandom(buf + got, sizeof buf - got, 0);
            if (r <= 0) {
                zk_wipe(buf, sizeof buf);
                return -1;
            }
            got += (size_t)r;
        }
        memcpy(out, buf, 32);
        zk_wipe(buf, sizeof buf);
        if (fr_random_accept(out)) return 0;
    }
    zk_wipe(out, 32);
    return -1;
}
int zk_groth16_fr_inv(uint64_t *out, const uint64_t *in) {
    if (!fr_is_canonical(in) || (in[0] | in[1] | in[2] | in[3]) == 0) return -1;
    fr_t m;
    fr_to_mont(&m, (const fr_t *)in);
    fr_inv_ct(&m, &m); /* toxic waste: constant time */
    fr_from_mont((fr_t *)out, &m);
    zk_wipe(&m, sizeof m);
    return 0;
}
int zk_groth16_fr_mul(uint64_t *out, const uint64_t *a, const uint64_t *b) {
    if (!fr_is_canonical(a) || !fr_is_canonical(b)) return -1;
    fr_t am, t;
    fr_to_mont(&am, (const fr_t *)a);
    fr_mul(&t, &am, (const fr_t *)b); /* mont x std -> std */
    memcpy(out, t.v, 32);
    zk_wipe(&am, sizeof am);
    zk_wipe(&t, sizeof t);
    return 0;
}

/* ---- BLAKE2b (state = snarkjs's partial-hash layout, see native/ref/groth16.py) ------------------ */
static const uint64_t B2_IV[8] = {0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL,
                                  0xa54ff53a5f1d36f1ULL, 0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL,
                                  0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL};
static const uint8_t B2_SIGMA[12][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4}, {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13}, {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11}, {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5}, {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
};
static inline uint64_t rotr64(uint64_t x, int n) { return (x >> n) | (x << (64 - n)); }
#define B2G(a, b, c, d, x, y)                                                                          \
    do {                                                                                           \
        v[a] = v[a] + v[b] + (x);                                                                  \
        v[d] = rotr64(v[d] ^ v[a], 32);                                                            \
        v[c] = v[c] + v[d];                                                                        \
        v[b] = rotr64(v[b] ^ v[c], 24);                                                            \
        v[a] = v[a] + v[b] + (y);                                                                  \
        v[d] = rotr64(v[d] ^ v[a], 16);                                                            \
        v[c] = v[c] + v[d];                                                                        \
        v[b] = rotr64(v[b] ^ v[c], 63);                                                            \
    } while (0)
static void b2_compress(uint64_t h[8], const uint8_t block[128], uint64_t counter, int last) {
    uint64_t m[16], v[16];
    memcpy(m, block, 128);
    for (int i = 0; i < 8; i++) {
        v[i] = h[i];
        v[i + 8] = B2_IV[i];
    }
    v[12] ^= counter;
    if (last) v[14] = ~v[14];
    for (int r = 0; r < 12; r++) {
        const uint8_t *s = B2_SIGMA[r];
        B2G(0, 4, 8, 12, m[s[0]], m[s[1]]);
        B2G(1, 5, 9, 13, m[s[2]], m[s[3]]);
        B2G(2, 6, 10, 14, m[s[4]], m[s[5]]);
        B2G(3, 7, 11, 15, m[s[6]], m[s[7]]);
        B2G(0, 5, 10, 15, m[s[8]], m[s[9]]);
        B2G(1, 6, 11, 12, m[s[10]], m[s[11]]);
        B2G(2, 7, 8, 13, m[s[12]], m[s[13]]);
        B2G(3, 4, 9, 14, m[s[14]], m[s[15]]);
    }
    for (int i = 0; i < 8; i++) h[i] ^= v[i] ^ v[i + 8];
}
/* state: buffer[128], h[8], compressed (u64), pos (u64), 8 unused bytes. */
int zk_groth16_blake2b_update(uint8_t *state, const uint8_t *data, size_t len) {
    uint64_t h[8], done, pos;
    memcpy(h, state + 128, 64);
    memcpy(&done, state + 192, 8);
    memcpy(&pos, state + 200, 8);
    if (pos > 128) return -1;
    while (len) {
        if (pos == 128) {
            done += 128;
            b2_compress(h, state, done, 0);
            pos = 0;
        }
        if (pos == 0 && len > 128) { /* whole blocks straight from the input, keeping the last */
            while (len > 128) {
                done += 128;
                b2_compress(h, data, done, 0);
                data += 128;
                len -= 128;
            }
        }
        size_t take = 128 - pos < len ? 128 - pos : len;
        memcpy(state + pos, data, take);
        pos += take;
        data += take;
        len -= take;
    }
    memcpy(state + 128, h, 64);
    memcpy(state + 192, &done, 8);
    memcpy(state + 200, &pos, 8);
    return 0;
}
int zk_groth16_blake2b_final(const uint8_t *state, uint8_t *out) {
    uint64_t h[8], done, pos;
    uint8_t block[128];
    memcpy(h, state + 128, 64);
    memcpy(&done, state + 192, 8);
    memcpy(&pos, state + 200, 8);
    if (pos > 128) return -1;
    memset(block, 0, sizeof block);
    memcpy(block, state, pos);
    b2_compress(h, block, done + pos, 1);
    memcpy(out, h, 64);
    return 0;
}

/* ---- the whole Groth16 prover in one call ---------------------------------------------------------- */
/* proof (out): A (8 limbs) | B (16) | C (8), LEM.  vk: alpha1 | beta1 | beta2 | delta1 | delta2, LEM.
   rs: the blinding r | s (std form).  shift: the odd-coset shift, Montgomery form.
   Returns -1, or a bad index with *kind = 1 coefficient record, 2 witness value, 3..7 a point of the
   A, B1, B2, C, H section (not canonical or not on the curve), 9 out of memory. */
/* ZK_PROFILE=1 in the environment prints each stage's wall time to stderr (a tuning aid). */
static double zk_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
static double zk_cpu(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_sec +
           1e-6 * (double)ru.ru_stime.tv_usec;
}
/* ZK_PROFILE=1: each stage's wall and CPU time, measured from the previous mark */
struct zk_prof {
    int on;
    double wall, cpu;
};
static void zk_stage(struct zk_prof *p, const char *what) {
    if (!p->on) return;
    double now = zk_now(), cpu = zk_cpu();
    if (what) fprintf(stderr, "zk_groth16_prove: %-22s %7.3f s wall %7.3f s cpu\n", what, now - p->wall, cpu - p->cpu);
    p->wall = now;
    p->cpu = cpu;
}
static void zk_join_worker(void *vc, size_t b, size_t e, int w) {
    (void)w;
    fr_t **v = vc; /* a, b, c: h = a*b - c, then out of Montgomery form */
    for (size_t i = b; i < e; i++) {
        fr_t t;
        fr_mul(&t, &v[0][i], &v[1][i]);
        fr_sub(&t, &t, &v[2][i]);
        fr_from_mont(&v[0][i], &t);
    }
}
/* Whether at most one in eight witness values past the constant wire 0 is small (within 2^64 of 0
   mod r on either side).  Folding r B1 into C's MSM turns every small value into a full scalar r w:
   it pays only when nearly all are full already.  At 55% large (the batch circuit, 2^21) B1's own
   MSM is ~0.4 s faster than the fold; at ~100% large (bench/groth16's chain, 2^16) the fold is. */
static int nearly_all_large(const uint64_t *w, size_t n) {
    size_t small = 0;
    for (size_t i = 1; i < n; i++) {
        const uint64_t *k = w + 4 * i;
        fr_t m;
        zk_sub4(m.v, fr_MOD.v, k);
        small += !((k[1] | k[2] | k[3]) && (m.v[1] | m.v[2] | m.v[3]));
    }
    return 8 * small <= n - 1;
}
struct scale_ctx {
    fr_t *out;
    const fr_t *in; /* std */
    fr_t f;         /* Montgomery: out = in f, std */
};
static void zk_scale_worker(void *vc, size_t b, size_t e, int w) {
    (void)w;
    struct scale_ctx *c = vc;
    for (size_t i = b; i < e; i++) fr_mul(&c->out[i], &c->in[i], &c->f);
}
int64_t zk_groth16_prove(uint64_t *proof, const uint8_t *coefs, size_t n_coefs, const uint64_t *witness,
                         size_t n_vars, size_t n_public, unsigned log_n, const uint64_t *pts_a,
                         const uint64_t *pts_b1, const uint64_t *pts_b2, const uint64_t *pts_c,
                         const uint64_t *pts_h, const uint64_t *vk, const uint64_t *rs, const uint64_t *shift,
                         int *kind) {
    size_t n = (size_t)1 << log_n;
    struct zk_prof prof = {getenv("ZK_PROFILE") != NULL, 0, 0};
    zk_stage(&prof, NULL);
    *kind = 0;
    if (n_public + 1 > n_vars || !fr_is_canonical(rs) || !fr_is_canonical(rs + 4)) {
        *kind = ZK_KIND_WITNESS;
        return 0;
    }
    uint64_t *abc = malloc(3 * n * 32);
    if (!abc) {
        *kind = ZK_KIND_NOMEM;
        return 0;
    }
    int64_t bad = zk_groth16_build_abc(abc, abc + 4 * n, abc + 8 * n, coefs, n_coefs, witness, n_vars, n, kind);
    if (bad >= 0) {
        free(abc);
        return bad;
    }
    zk_stage(&prof, "A, B, C evaluations");
    fr_t *vv[3] = {(fr_t *)abc, (fr_t *)(abc + 4 * n), (fr_t *)(abc + 8 * n)};
    if (!ntt_to_coset(vv, 3, log_n, (const fr_t *)shift)) {
        free(abc);
        *kind = ZK_KIND_NOMEM;
        return 0;
    }
    zk_parallel_for(n, 4096, zk_join_worker, vv);
    zk_stage(&prof, "NTTs and quotient");

    /* r B1 enters only C, so when the witness is nearly all large values its MSM joins C's and H's as
       one MSM over the three sections with scalars (w_priv, h, r w): one bucket reduction and
       wider windows for 3n points instead of three MSMs of n.  A witness with more small values
       (bits, flags) keeps B1's own MSM, where they cost little and r w would not. */
    fr_t rm, sm;
    fr_to_mont(&rm, (const fr_t *)rs);
    fr_to_mont(&sm, (const fr_t *)(rs + 4));
    const int fold_b1 = nearly_all_large(witness, n_vars);
    uint64_t *rw = NULL;
    if (fold_b1) {
        rw = malloc(n_vars * 32);
        if (!rw) {
            free(abc);
            *kind = ZK_KIND_NOMEM;
            return 0;
        }
        struct scale_ctx sx = {(fr_t *)rw, (const fr_t *)witness, rm};
        zk_parallel_for(n_vars, 4096, zk_scale_worker, &sx);
    }
    g1_aff_t pa, pb1, pk;
    g2_aff_t pb;
    const size_t n_priv = n_vars - n_public - 1;
    const struct zk_msm_seg seg_a = {pts_a, witness, n_vars}, seg_b1 = {pts_b1, witness, n_vars},
                            seg_b2 = {pts_b2, witness, n_vars},
                            seg_k[3] = {{pts_c, witness + 4 * (n_public + 1), n_priv}, {pts_h, abc, n},
                                        {pts_b1, rw, n_vars}};
    struct {
        uint64_t *out;
        const struct zk_msm_seg *segs;
        int nseg, g2;
        int kinds[3];
        const char *name;
    } jobs[4] = {
        {(uint64_t *)&pa, &seg_a, 1, 0, {ZK_KIND_A}, "MSM A"},
        {(uint64_t *)&pb, &seg_b2, 1, 1, {ZK_KIND_B2}, "MSM B2 (G2)"},
        {(uint64_t *)&pk, seg_k, fold_b1 ? 3 : 2, 0, {ZK_KIND_C, ZK_KIND_H, ZK_KIND_B1}, fold_b1 ? "MSM C, H, r B1" : "MSM C, H"},
        {(uint64_t *)&pb1, &seg_b1, fold_b1 ? 0 : 1, 0, {ZK_KIND_B1}, "MSM B1"},
    };
    const int chk = ZK_MSM_CHECK_POINTS;
    for (int j = 0; j < 4; j++) {
        if (!jobs[j].nseg) continue;
        int reason = 0, seg = 0;
        bad = jobs[j].g2 ? zk_msm_g2_segs(jobs[j].out, jobs[j].segs, jobs[j].nseg, chk, &reason, &seg)
                         : zk_msm_g1_segs(jobs[j].out, jobs[j].segs, jobs[j].nseg, chk, &reason, &seg);
        if (bad >= 0) {
            free(abc);
            if (rw) zk_wipe(rw, n_vars * 32);
            free(rw);
            zk_wipe(&rm, sizeof rm);
            zk_wipe(&sm, sizeof sm);
            *kind = reason == 9 /* msm.c's MSM_ERR_MEMORY */ ? ZK_KIND_NOMEM : jobs[j].kinds[seg];
            return bad;
        }
        zk_stage(&prof, jobs[j].name);
    }
    free(abc);
    if (rw) zk_wipe(rw, n_vars * 32);
    free(rw);

    const g1_aff_t *alpha1 = (const g1_aff_t *)vk, *beta1 = (const g1_aff_t *)(vk + 8);
    const g2_aff_t *beta2 = (const g2_aff_t *)(vk + 16);
    const g1_aff_t *delta1 = (const g1_aff_t *)(vk + 32);
    const g2_aff_t *delta2 = (const g2_aff_t *)(vk + 40);
    /* The multiples of the secret r and s go through the constant-time multiplication (complete
       formulas, masked table reads, Fermat inversion) and the sums that contain them are
       normalised by the Fermat inversion too; the additions themselves branch only on the
       negligible cases P = +-Q. */
    g1_jac_t j1;
    g2_jac_t j2;
    g1_aff_t A, m1;
    g2_aff_t m2;
    /* A = pi_a + alpha + r delta1 */
    g1_mul_ct(&m1, delta1, rs);
    g1_from_aff(&j1, &m1);
    g1_madd(&j1, &j1, &pa);
    g1_madd(&j1, &j1, alpha1);
    g1_to_aff_ct(&A, &j1);
    /* B = pi_b + beta2 + s delta2 (G2) */
    g2_mul_ct(&m2, delta2, rs + 4);
    g2_from_aff(&j2, &m2);
    g2_madd(&j2, &j2, &pb);
    g2_madd(&j2, &j2, beta2);
    g2_to_aff_ct((g2_aff_t *)(proof + 8), &j2);
    /* C = pi_c + h + s A + r B1 - r s delta1 with B1 = pi_b1 + beta1 + s delta1 in G1: the r s delta1
       terms cancel, so C = pi_c + h + r pi_b1 + s A + r beta1 (pk holds pi_c + h + r pi_b1 when B1
       was folded, pi_c + h when not) */
    g1_mul_ct(&m1, &A, rs + 4);
    g1_from_aff(&j1, &m1);
    if (fold_b1) {
        g1_mul_ct(&m1, beta1, rs);
    } else {
        g1_jac_t t1;
        g1_aff_t b1;
        g1_from_aff(&t1, &pb1);
        g1_madd(&t1, &t1, beta1);
        g1_to_aff(&b1, &t1);
        g1_mul_ct(&m1, &b1, rs);
    }
    g1_madd(&j1, &j1, &m1);
    g1_madd(&j1, &j1, &pk);
    g1_to_aff_ct((g1_aff_t *)(proof + 24), &j1);
    zk_wipe(&m1, sizeof m1);
    zk_wipe(&m2, sizeof m2);
    memcpy(proof, &A, sizeof A);
    zk_wipe(&rm, sizeof rm);
    zk_wipe(&sm, sizeof sm);
    return -1;
}
