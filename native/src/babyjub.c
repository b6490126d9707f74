/*
 * BabyJubJub scalar multiplication: a 4-bit fixed window for variable points and a 64 x 15 table
 * of Base8 multiples (one mixed addition per nibble, no doublings) for the fixed base, built once.
 */
#include "babyjub.h"

#include <pthread.h>

#include "../include/zkclear.h"

fr_t BJ_A, BJ_D;

#define B8_WINDOWS 64
static bj_affine g_b8_table[B8_WINDOWS][15]; /* [w][j] = (j + 1) * 16^w * Base8 */
static pthread_once_t g_once = PTHREAD_ONCE_INIT;


static void build_tables(void) {
    fr_from_u64(&BJ_A, 168700);
    fr_from_u64(&BJ_D, 168696);
    fr_t x, y;
    fr_to_mont(&x, (const fr_t *)BJ_BASE8_XY);
    fr_to_mont(&y, (const fr_t *)(BJ_BASE8_XY + 4));
    bj_point base, acc;
    bj_from_affine(&base, &x, &y);
    static bj_point proj[B8_WINDOWS * 15];
    for (int w = 0; w < B8_WINDOWS; w++) {
        acc = base;
        for (int j = 0; j < 15; j++) {
            proj[w * 15 + j] = acc;
            bj_add(&acc, &acc, &base);
        }
        base = acc; /* 16 * previous base */
    }
    static fr_t zs[B8_WINDOWS * 15], inv[B8_WINDOWS * 15], scratch[B8_WINDOWS * 15];
    for (int i = 0; i < B8_WINDOWS * 15; i++) zs[i] = proj[i].Z;
    fr_batch_inv(inv, zs, B8_WINDOWS * 15, scratch);
    for (int i = 0; i < B8_WINDOWS * 15; i++) {
        bj_affine *t = &g_b8_table[i / 15][i % 15];
        fr_mul(&t->x, &proj[i].X, &inv[i]);
        fr_mul(&t->y, &proj[i].Y, &inv[i]);
        fr_mul(&t->dt, &t->x, &t->y);
        fr_mul(&t->dt, &t->dt, &BJ_D);
    }
}

void bj_init(void) { pthread_once(&g_once, build_tables); }

static inline unsigned nibble(const uint64_t k[4], int w) { return (unsigned)(k[w / 16] >> (4 * (w % 16))) & 15; }

void bj_mul(bj_point *r, const bj_point *p, const uint64_t k[4]) {
    bj_point tab[16], acc;
    bj_identity(&tab[0]);
    tab[1] = *p;
    for (int j = 2; j < 16; j++) bj_add(&tab[j], &tab[j - 1], p);
    int top = 63;
    while (top >= 0 && nibble(k, top) == 0) top--;
    bj_identity(&acc);
    for (int w = top; w >= 0; w--) {
        if (w != top) {
            bj_dbl_t(&acc, &acc, 0);
            bj_dbl_t(&acc, &acc, 0);
            bj_dbl_t(&acc, &acc, 0);
            bj_dbl_t(&acc, &acc, 1);
        }
        unsigned n = nibble(k, w);
        if (n) bj_add(&acc, &acc, &tab[n]);
    }
    *r = acc;
}

void bj_mul_base8(bj_point *r, const uint64_t k[4]) {
    bj_point acc;
    bj_identity(&acc);
    for (int w = 0; w < B8_WINDOWS; w++) {
        unsigned n = nibble(k, w);
        if (n) bj_add_mixed(&acc, &acc, &g_b8_table[w][n - 1]);
    }
    *r = acc;
}

void bj_to_affine(fr_t *x, fr_t *y, const bj_point *p) {
    fr_t zi;
    fr_inv_ct(&zi, &p->Z);
    fr_mul(x, &p->X, &zi);
    fr_mul(y, &p->Y, &zi);
}

/* Loads a std affine point; 0 when a coordinate is not canonical or the point is off the curve. */
static int load_point(bj_point *p, const uint64_t *xy) {
    if (!fr_is_canonical(xy) || !fr_is_canonical(xy + 4)) return 0;
    fr_t x, y;
    fr_to_mont(&x, (const fr_t *)xy);
    fr_to_mont(&y, (const fr_t *)(xy + 4));
    if (!bj_on_curve(&x, &y)) return 0;
    bj_from_affine(p, &x, &y);
    return 1;
}

int bj_load_point(bj_point *p, const uint64_t *xy) {
    bj_init();
    return load_point(p, xy);
}

static void store_point(uint64_t *xy, const bj_point *p) {
    fr_t x, y;
    bj_to_affine(&x, &y, p);
    fr_from_mont((fr_t *)xy, &x);
    fr_from_mont((fr_t *)(xy + 4), &y);
}

int64_t zk_babyjub_add(uint64_t *out, const uint64_t *p, const uint64_t *q) {
    bj_init();
    bj_point a, b;
    if (!load_point(&a, p)) return 0;
    if (!load_point(&b, q)) return 1;
    bj_add(&a, &a, &b);
    store_point(out, &a);
    return -1;
}

int64_t zk_babyjub_mul(uint64_t *out, const uint64_t *p, const uint64_t *k) {
    bj_init();
    bj_point a;
    if (!load_point(&a, p)) return 0;
    bj_mul(&a, &a, k);
    store_point(out, &a);
    return -1;
}

void zk_babyjub_mul_base8(uint64_t *out, const uint64_t *k) {
    bj_init();
    bj_point a;
    bj_mul_base8(&a, k);
    store_point(out, &a);
}
