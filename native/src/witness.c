/*
 * The witness VM: runs a circuit's tape (circuits/dsl/tape.py documents the encoding) over an
 * array of Montgomery Fr slots, and the R1CS checker.  Twin: circuits/dsl/vm.py.
 *
 * The tape is sequential (each instruction may read anything computed before it), so the VM is
 * one tight loop; every slot and constant index is bounds-checked, so a malformed tape stops with
 * an error instead of touching memory it should not.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "../include/zkclear.h"
#include "field.h"
#include "parallel.h"
#include "witness_ops.h"

#define BLIND_BYTES 8192 /* OS randomness read at once: 256 blinds per getrandom call */

typedef struct {
    fr_t *v;
    size_t n_slots;
    const uint32_t *w;
    size_t len;
    const fr_t *k;
    size_t n_consts;
    uint8_t *rnd; /* BLIND_BYTES of OS randomness, consumed 32 bytes at a time */
    size_t rnd_pos;
} vm_t;

/* A fresh uniform nonzero blind (Montgomery) from the OS's CSPRNG; 0 if it cannot be read. */
static int next_blind(vm_t *m, fr_t *out) {
    for (int tries = 0; tries < 64; tries++) {
        if (m->rnd_pos + 32 > BLIND_BYTES) {
            size_t got = 0;
            while (got < BLIND_BYTES) {
                ssize_t r = getrandom(m->rnd + got, BLIND_BYTES - got, 0);
                if (r <= 0) return 0;
                got += (size_t)r;
            }
            m->rnd_pos = 0;
        }
        uint64_t x[4];
        memcpy(x, m->rnd + m->rnd_pos, 32);
        zk_groth16_wipe(m->rnd + m->rnd_pos, 32);
        m->rnd_pos += 32;
        int ok = fr_random_accept(x);
        if (ok) fr_to_mont(out, (const fr_t *)x);
        zk_groth16_wipe(x, sizeof x);
        if (ok) return 1;
    }
    return 0;
}

/* out = a / b (b != 0).  Witness values are private, so the inversion's timing must not depend on
   b: the fast variable-time safegcd (~1.3 us, where the constant-time Fermat chain takes ~8 us;
   the batch circuit's EdDSA ladders need ~750 divisions per slot) inverts b * beta for a fresh
   uniform blind beta per division, a uniformly random value whatever b is.  If the OS's CSPRNG
   cannot be read the Fermat chain is used. */
static inline void div_blinded(vm_t *m, fr_t *out, const fr_t *a, const fr_t *b) {
    fr_t t, beta;
    if (next_blind(m, &beta)) {
        fr_mul(&t, b, &beta);
        fr_inv_var(&t, &t);
        fr_mul(&t, &t, &beta);
        zk_groth16_wipe(&beta, sizeof beta);
    } else {
        fr_inv_ct(&t, b);
    }
    fr_mul(out, a, &t);
}

/* Evaluates the LC at *pc; returns 0 on a malformed operand. */
static inline int eval_lc(const vm_t *m, size_t *pc, fr_t *out) {
    if (*pc >= m->len) return 0;
    uint32_t n = m->w[(*pc)++];
    if (*pc + 2 * (size_t)n > m->len) return 0;
    fr_t acc = fr_ZERO, t;
    const uint32_t *p = m->w + *pc;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t s = p[2 * i], c = p[2 * i + 1];
        if (s >= m->n_slots || c >= m->n_consts) return 0;
        if (c == 0) {
            fr_add(&acc, &acc, &m->v[s]);
        } else {
            fr_mul(&t, &m->v[s], &m->k[c]);
            fr_add(&acc, &acc, &t);
        }
    }
    *pc += 2 * (size_t)n;
    *out = acc;
    return 1;
}

static inline int slot_at(const vm_t *m, size_t *pc, uint32_t *s) {
    if (*pc >= m->len) return 0;
    *s = m->w[(*pc)++];
    return *s < m->n_slots;
}

/* 256-bit unsigned helpers for the integer division hints. */
static int geq4(const uint64_t a[4], const uint64_t b[4]) { return !zk_lt4(a, b); }

static void shl1(uint64_t a[4], uint64_t bit) {
    for (int i = 3; i > 0; i--) a[i] = (a[i] << 1) | (a[i - 1] >> 63);
    a[0] = (a[0] << 1) | bit;
}

/* q = a / b, r = a % b (b != 0): 128-bit hardware division when both fit (amounts, prices,
   sizes: nearly every hint), else binary long division from a's top bit. */
static void udivmod4(uint64_t q[4], uint64_t r[4], const uint64_t a[4], const uint64_t b[4]) {
    memset(q, 0, 32);
    memset(r, 0, 32);
    if (!(a[2] | a[3] | b[2] | b[3])) {
        zk_u128 x = ((zk_u128)a[1] << 64) | a[0], y = ((zk_u128)b[1] << 64) | b[0];
        zk_u128 qq = x / y, rr = x % y;
        q[0] = (uint64_t)qq;
        q[1] = (uint64_t)(qq >> 64);
        r[0] = (uint64_t)rr;
        r[1] = (uint64_t)(rr >> 64);
        return;
    }
    int top = 255;
    while (top >= 0 && !((a[top / 64] >> (top % 64)) & 1)) top--;
    for (int i = top; i >= 0; i--) {
        shl1(r, (a[i / 64] >> (i % 64)) & 1);
        if (geq4(r, b)) {
            zk_sub4(r, r, b);
            q[i / 64] |= 1ULL << (i % 64);
        }
    }
}

static int is_zero4(const uint64_t a[4]) { return (a[0] | a[1] | a[2] | a[3]) == 0; }

static void add_small(uint64_t a[4], uint64_t x) {
    for (int i = 0; i < 4 && x; i++) {
        uint64_t s = a[i] + x;
        x = s < a[i];
        a[i] = s;
    }
}

static int divmod_op(const vm_t *m, size_t *pc, int is_signed) {
    uint32_t qs, rs;
    fr_t a, b;
    if (!slot_at(m, pc, &qs) || !slot_at(m, pc, &rs) || !eval_lc(m, pc, &a) || !eval_lc(m, pc, &b)) return 0;
    uint64_t av[4], bv[4], q[4], r[4];
    fr_from_mont((fr_t *)av, &a);
    fr_from_mont((fr_t *)bv, &b);
    if (is_zero4(bv)) {
        m->v[qs] = fr_ZERO;
        m->v[rs] = fr_ZERO;
        return 1;
    }
    /* (r - 1) / 2: values above it are negative when read as signed. */
    static const uint64_t half[4] = FR_HALF;
    if (is_signed && zk_lt4(half, av)) {
        uint64_t mag[4];
        zk_sub4(mag, fr_MOD.v, av); /* |a| */
        udivmod4(q, r, mag, bv);
        if (!is_zero4(r)) {
            add_small(q, 1); /* floor: -(|a| // b) - 1 */
            zk_sub4(r, bv, r);
        }
        if (!is_zero4(q)) zk_sub4(q, fr_MOD.v, q); /* q mod r of the negative quotient */
    } else {
        udivmod4(q, r, av, bv);
    }
    /* q < r always (q <= a < r); r < b <= a canonical value, so both are canonical. */
    fr_to_mont(&m->v[qs], (const fr_t *)q);
    fr_to_mont(&m->v[rs], (const fr_t *)r);
    return 1;
}

static int64_t run_tape(vm_t *m, size_t *pc_io) {
    const uint32_t *tape = m->w;
    size_t tape_len = m->len, n_slots = m->n_slots;
    size_t pc = *pc_io;
    while (pc < tape_len) {
        size_t start = pc;
        uint32_t op = tape[pc++], out;
        fr_t a, b;
        int ok = 1;
        switch (op) {
        case OP_LIN:
            ok = slot_at(m, &pc, &out) && eval_lc(m, &pc, &a);
            if (ok) m->v[out] = a;
            break;
        case OP_MUL:
            ok = slot_at(m, &pc, &out) && eval_lc(m, &pc, &a) && eval_lc(m, &pc, &b);
            if (ok) fr_mul(&m->v[out], &a, &b);
            break;
        case OP_DIV:
            ok = slot_at(m, &pc, &out) && eval_lc(m, &pc, &a) && eval_lc(m, &pc, &b);
            if (ok) {
                if (fr_is_zero(&b)) {
                    m->v[out] = fr_ZERO;
                } else {
                    div_blinded(m, &m->v[out], &a, &b);
                }
            }
            break;
        case OP_ISZERO:
            ok = slot_at(m, &pc, &out) && eval_lc(m, &pc, &a);
            if (ok) m->v[out] = fr_is_zero(&a) ? fr_ONE : fr_ZERO;
            break;
        case OP_BITS: {
            if (pc >= tape_len) {
                ok = 0;
                break;
            }
            uint32_t nb = tape[pc++];
            ok = nb <= ZK_TAPE_MAX_BITS && eval_lc(m, &pc, &a) && pc + nb <= tape_len;
            if (!ok) break;
            uint64_t x[4];
            fr_from_mont((fr_t *)x, &a);
            for (uint32_t i = 0; i < nb && ok; i++) {
                uint32_t s = tape[pc + i];
                if (s >= n_slots) {
                    ok = 0;
                    break;
                }
                m->v[s] = ((x[i / 64] >> (i % 64)) & 1) ? fr_ONE : fr_ZERO;
            }
            pc += nb;
            break;
        }
        case OP_DIVMOD:
        case OP_SDIVMOD:
            ok = divmod_op(m, &pc, op == OP_SDIVMOD);
            break;
        case OP_PY:
            if (pc >= tape_len) {
                ok = 0;
                break;
            }
            *pc_io = start;
            return (int64_t)tape[pc];
        default:
            ok = 0;
        }
        if (!ok) {
            *pc_io = start;
            return ZK_WITNESS_MALFORMED;
        }
    }
    *pc_io = pc;
    return ZK_WITNESS_DONE;
}

int64_t zk_witness_run(uint64_t *values, size_t n_slots, const uint32_t *tape, size_t tape_len,
                       const uint64_t *consts, size_t n_consts, size_t *pc_io) {
    uint8_t rnd[BLIND_BYTES];
    vm_t m = {(fr_t *)values, n_slots, tape, tape_len, (const fr_t *)consts, n_consts, rnd, BLIND_BYTES};
    int64_t status = run_tape(&m, pc_io);
    zk_groth16_wipe(rnd, sizeof rnd);
    return status;
}

int64_t zk_witness_set(uint64_t *values, size_t n_slots, const int64_t *slots, const uint64_t *std_vals, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (slots[i] < 0 || (size_t)slots[i] >= n_slots || !fr_is_canonical(std_vals + 4 * i)) return (int64_t)i;
        fr_to_mont((fr_t *)(values + 4 * slots[i]), (const fr_t *)(std_vals + 4 * i));
    }
    return -1;
}

struct gather_ctx {
    uint64_t *out;
    const uint64_t *values;
    const int64_t *slots;
};
static void gather_worker(void *vc, size_t b, size_t e, int w) {
    (void)w;
    const struct gather_ctx *c = vc;
    for (size_t i = b; i < e; i++) fr_from_mont((fr_t *)(c->out + 4 * i), (const fr_t *)(c->values + 4 * c->slots[i]));
}
int64_t zk_witness_gather(uint64_t *out, const uint64_t *values, size_t n_slots, const int64_t *slots, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (slots[i] < 0 || (size_t)slots[i] >= n_slots) return (int64_t)i;
    struct gather_ctx c = {out, values, slots};
    zk_parallel_for(n, 1 << 14, gather_worker, &c);
    return -1;
}

/* ---- R1CS check ------------------------------------------------------------------------------- */
struct check_ctx {
    const int64_t *off;
    const uint32_t *wires;
    const uint8_t *coefs;
    const fr_t *wit; /* mont */
    size_t n_wires;
    int64_t first_bad[256];
};

/* sum coef * w over an LC, in standard form: mont_mul(coef_std, w_mont) = coef * w. */
static int lc_std(const struct check_ctx *c, int64_t k, fr_t *out) {
    fr_t acc = fr_ZERO, t, coef;
    for (int64_t i = c->off[k]; i < c->off[k + 1]; i++) {
        uint32_t wi = c->wires[i];
        if (wi >= c->n_wires) return 0;
        memcpy(&coef, c->coefs + 32 * i, 32);
        fr_mul(&t, &coef, &c->wit[wi]);
        fr_add(&acc, &acc, &t);
    }
    *out = acc;
    return 1;
}

static void check_range(void *p, size_t b, size_t e, int worker) {
    struct check_ctx *c = p;
    static const fr_t one_std = {{1, 0, 0, 0}};
    c->first_bad[worker] = -1;
    for (size_t i = b; i < e; i++) {
        fr_t a, bb, cc, l, r;
        if (!lc_std(c, 3 * (int64_t)i, &a) || !lc_std(c, 3 * (int64_t)i + 1, &bb) ||
            !lc_std(c, 3 * (int64_t)i + 2, &cc)) {
            c->first_bad[worker] = (int64_t)i;
            return;
        }
        fr_mul(&l, &a, &bb);      /* a*b / R */
        fr_mul(&r, &cc, &one_std); /* c / R */
        if (!fr_eq(&l, &r)) {
            c->first_bad[worker] = (int64_t)i;
            return;
        }
    }
}

struct mont_ctx {
    fr_t *out;
    const fr_t *in;
};

static void mont_range(void *p, size_t b, size_t e, int worker) {
    (void)worker;
    struct mont_ctx *c = p;
    for (size_t i = b; i < e; i++) fr_to_mont(&c->out[i], &c->in[i]);
}

int64_t zk_r1cs_check(const int64_t *lc_offsets, size_t n_constraints, const uint32_t *wires, const uint8_t *coefs,
                      const uint64_t *witness_std, size_t n_wires) {
    for (size_t i = 0; i < n_wires; i++)
        if (!fr_is_canonical(witness_std + 4 * i)) return -2 - (int64_t)i;
    fr_t *wit = malloc(sizeof(fr_t) * (n_wires ? n_wires : 1));
    if (!wit) return -3 - (int64_t)n_wires;
    struct mont_ctx mc = {wit, (const fr_t *)witness_std};
    zk_parallel_for(n_wires, 4096, mont_range, &mc);
    struct check_ctx c = {lc_offsets, wires, coefs, wit, n_wires, {0}};
    for (int i = 0; i < 256; i++) c.first_bad[i] = -1;
    zk_parallel_for(n_constraints, 1024, check_range, &c);
    free(wit);
    int64_t best = -1;
    for (int i = 0; i < 256; i++)
        if (c.first_bad[i] >= 0 && (best < 0 || c.first_bad[i] < best)) best = c.first_bad[i];
    return best;
}
