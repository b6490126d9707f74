/*
 * Poseidon (circomlib parameters) with the optimised schedule of circomlibjs's poseidon_opt /
 * neptune: the partial rounds use a sparse matrix (first row + first column, 2t-1 products)
 * instead of the dense t x t MDS, which is what makes wide hashes and Merkle paths cheap.
 */
#include "../include/zkclear.h"
#include "field.h"
#include "fr_dot.h"
#include "parallel.h"
#include "poseidon_constants.h"

#define PMAX 17

static inline void pow5(fr_t *a) {
    fr_t s;
    fr_sqr(&s, a);
    fr_sqr(&s, &s);
    fr_mul(a, a, &s);
}

/* state <- state * X, X[j][i] row-major t x t (x_new[i] = sum_j X[j][i] x[j], as circomlibjs). */
static inline void mat_mul(fr_t *state, const uint64_t (*X)[4], unsigned t) {
    fr_t out[PMAX];
    for (unsigned i = 0; i < t; i++) fr_dot(&out[i], (const fr_t *)X[i], t, state, 1, t);
    for (unsigned i = 0; i < t; i++) state[i] = out[i];
}

/* Permutation on a Montgomery-form state of width t (2..17). */
static void poseidon_permute(fr_t *state, unsigned t) {
    const unsigned rf = ZK_POSEIDON_ROUNDS_F, rp = ZK_POSEIDON_ROUNDS_P[t - 2];
    const uint64_t(*C)[4] = POSEIDON_C[t - 2];
    const uint64_t(*S)[4] = POSEIDON_S[t - 2];
    const uint64_t(*M)[4] = POSEIDON_M[t - 2];
    const uint64_t(*P)[4] = POSEIDON_P[t - 2];

    for (unsigned i = 0; i < t; i++) fr_add(&state[i], &state[i], (const fr_t *)C[i]);
    for (unsigned r = 0; r < rf / 2 - 1; r++) {
        for (unsigned i = 0; i < t; i++) {
            pow5(&state[i]);
            fr_add(&state[i], &state[i], (const fr_t *)C[(r + 1) * t + i]);
        }
        mat_mul(state, M, t);
    }
    for (unsigned i = 0; i < t; i++) {
        pow5(&state[i]);
        fr_add(&state[i], &state[i], (const fr_t *)C[(rf / 2) * t + i]);
    }
    mat_mul(state, P, t);
    for (unsigned r = 0; r < rp; r++) {
        pow5(&state[0]);
        fr_add(&state[0], &state[0], (const fr_t *)C[(rf / 2 + 1) * t + r]);
        const uint64_t(*s)[4] = S + (2 * t - 1) * r;
        fr_t s0, p;
        fr_dot(&s0, (const fr_t *)s[0], 1, state, 1, t);
        for (unsigned k = 1; k < t; k++) {
            fr_mul(&p, &state[0], (const fr_t *)s[t + k - 1]);
            fr_add(&state[k], &state[k], &p);
        }
        state[0] = s0;
    }
    for (unsigned r = 0; r < rf / 2 - 1; r++) {
        for (unsigned i = 0; i < t; i++) {
            pow5(&state[i]);
            fr_add(&state[i], &state[i], (const fr_t *)C[(rf / 2 + 1) * t + rp + r * t + i]);
        }
        mat_mul(state, M, t);
    }
    for (unsigned i = 0; i < t; i++) pow5(&state[i]);
    mat_mul(state, M, t);
}

/* One hash of n std-form inputs; the caller has checked 1 <= n <= 16 and canonical inputs. */
static void hash_one(uint64_t *out, const uint64_t *inputs, unsigned n) {
    fr_t state[PMAX];
    state[0] = fr_ZERO;
    for (unsigned i = 0; i < n; i++) fr_to_mont(&state[i + 1], (const fr_t *)(inputs + 4 * i));
    poseidon_permute(state, n + 1);
    fr_from_mont((fr_t *)out, &state[0]);
}

int64_t zk_poseidon(uint64_t *out, const uint64_t *inputs, size_t n_inputs) {
    if (n_inputs < 1 || n_inputs > 16) return 0;
    for (size_t i = 0; i < n_inputs; i++)
        if (!fr_is_canonical(inputs + 4 * i)) return (int64_t)i;
    hash_one(out, inputs, (unsigned)n_inputs);
    return -1;
}

struct many_ctx {
    uint64_t *out;
    const uint64_t *inputs;
    unsigned n;
};

static void many_range(void *p, size_t b, size_t e, int worker) {
    (void)worker;
    struct many_ctx *c = p;
    for (size_t h = b; h < e; h++) hash_one(c->out + 4 * h, c->inputs + 4 * c->n * h, c->n);
}

int64_t zk_poseidon_many(uint64_t *out, const uint64_t *inputs, size_t n_inputs, size_t n_hashes) {
    if (n_inputs < 1 || n_inputs > 16) return 0;
    for (size_t i = 0; i < n_inputs * n_hashes; i++)
        if (!fr_is_canonical(inputs + 4 * i)) return (int64_t)i;
    struct many_ctx c = {out, inputs, (unsigned)n_inputs};
    zk_parallel_for(n_hashes, 256, many_range, &c);
    return -1;
}

/* Rows hashed in order, each in one pass of the permutation: row i has arity arities[i] (1..16)
 * and takes the next arities[i] input slots; slot s is out[refs[s]] (an earlier row's hash) when
 * refs[s] >= 0, else inputs[s] (std form).  A tree's dirty nodes level by level, or a whole batch's
 * hashes with their dependencies, in one call (the caller releases the GIL around it). */
int64_t zk_poseidon_dag(uint64_t *out, const uint64_t *inputs, const int64_t *refs, const uint8_t *arities,
                        size_t n_rows) {
    size_t s = 0;
    for (size_t i = 0; i < n_rows; i++) {
        unsigned a = arities[i];
        if (a < 1 || a > 16) return (int64_t)s;
        for (unsigned k = 0; k < a; k++, s++) {
            if (refs[s] >= 0 ? (uint64_t)refs[s] >= i : !fr_is_canonical(inputs + 4 * s)) return (int64_t)s;
        }
    }
    uint64_t row[16 * 4];
    s = 0;
    for (size_t i = 0; i < n_rows; i++) {
        unsigned a = arities[i];
        for (unsigned k = 0; k < a; k++, s++) {
            const uint64_t *src = refs[s] >= 0 ? out + 4 * (size_t)refs[s] : inputs + 4 * s;
            for (unsigned l = 0; l < 4; l++) row[4 * k + l] = src[l];
        }
        hash_one(out + 4 * i, row, a);
    }
    return -1;
}
