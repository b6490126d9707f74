/* Exported vector entry points for Fq and Fr over contiguous limb buffers (see zkclear.h). */
#include <stdlib.h>

#include "../include/zkclear.h"
#include "field.h"

#define FIELD_EXPORTS(F)                                                                           \
    int64_t zk_##F##_check(const uint64_t *a, size_t n) {                                          \
        for (size_t i = 0; i < n; i++)                                                             \
            if (!F##_is_canonical(a + 4 * i)) return (int64_t)i;                                   \
        return -1;                                                                                 \
    }                                                                                              \
    int64_t zk_##F##_to_mont(uint64_t *out, const uint64_t *in, size_t n) {                        \
        for (size_t i = 0; i < n; i++) {                                                           \
            if (!F##_is_canonical(in + 4 * i)) return (int64_t)i;                                  \
            F##_to_mont((F##_t *)(out + 4 * i), (const F##_t *)(in + 4 * i));                      \
        }                                                                                          \
        return -1;                                                                                 \
    }                                                                                              \
    void zk_##F##_from_mont(uint64_t *out, const uint64_t *in, size_t n) {                         \
        for (size_t i = 0; i < n; i++)                                                             \
            F##_from_mont((F##_t *)(out + 4 * i), (const F##_t *)(in + 4 * i));                    \
    }                                                                                              \
    void zk_##F##_add(uint64_t *out, const uint64_t *a, const uint64_t *b, size_t n) {             \
        for (size_t i = 0; i < n; i++)                                                             \
            F##_add((F##_t *)(out + 4 * i), (const F##_t *)(a + 4 * i), (const F##_t *)(b + 4 * i)); \
    }                                                                                              \
    void zk_##F##_sub(uint64_t *out, const uint64_t *a, const uint64_t *b, size_t n) {             \
        for (size_t i = 0; i < n; i++)                                                             \
            F##_sub((F##_t *)(out + 4 * i), (const F##_t *)(a + 4 * i), (const F##_t *)(b + 4 * i)); \
    }                                                                                              \
    void zk_##F##_mul(uint64_t *out, const uint64_t *a, const uint64_t *b, size_t n) {             \
        for (size_t i = 0; i < n; i++)                                                             \
            F##_mul((F##_t *)(out + 4 * i), (const F##_t *)(a + 4 * i), (const F##_t *)(b + 4 * i)); \
    }                                                                                              \
    void zk_##F##_mul_portable(uint64_t *out, const uint64_t *a, const uint64_t *b, size_t n) {    \
        for (size_t i = 0; i < n; i++)                                                             \
            F##_mul_c((F##_t *)(out + 4 * i), (const F##_t *)(a + 4 * i), (const F##_t *)(b + 4 * i)); \
    }                                                                                              \
    void zk_##F##_add_portable(uint64_t *out, const uint64_t *a, const uint64_t *b, size_t n) {    \
        for (size_t i = 0; i < n; i++)                                                             \
            F##_add_c((F##_t *)(out + 4 * i), (const F##_t *)(a + 4 * i), (const F##_t *)(b + 4 * i)); \
    }                                                                                              \
    void zk_##F##_sub_portable(uint64_t *out, const uint64_t *a, const uint64_t *b, size_t n) {    \
        for (size_t i = 0; i < n; i++)                                                             \
            F##_sub_c((F##_t *)(out + 4 * i), (const F##_t *)(a + 4 * i), (const F##_t *)(b + 4 * i)); \
    }                                                                                              \
    void zk_##F##_sqr(uint64_t *out, const uint64_t *a, size_t n) {                                \
        for (size_t i = 0; i < n; i++) F##_sqr((F##_t *)(out + 4 * i), (const F##_t *)(a + 4 * i)); \
    }                                                                                              \
    void zk_##F##_neg(uint64_t *out, const uint64_t *a, size_t n) {                                \
        for (size_t i = 0; i < n; i++) F##_neg((F##_t *)(out + 4 * i), (const F##_t *)(a + 4 * i)); \
    }                                                                                              \
    int64_t zk_##F##_batch_inv(uint64_t *out, const uint64_t *a, size_t n) {                       \
        const F##_t *in = (const F##_t *)a;                                                        \
        for (size_t i = 0; i < n; i++)                                                             \
            if (F##_is_zero(&in[i])) return (int64_t)i;                                            \
        F##_t *scratch = malloc((n ? n : 1) * sizeof(F##_t));                                      \
        if (!scratch) return (int64_t)n; /* index n: out of memory */                             \
        F##_batch_inv((F##_t *)out, in, n, scratch);                                               \
        free(scratch);                                                                             \
        return -1;                                                                                 \
    }                                                                                              \
    int64_t zk_##F##_inv_var(uint64_t *out, const uint64_t *a, size_t n) {                         \
        int64_t bad = zk_##F##_check(a, n); /* before writing: out may alias a */                  \
        if (bad >= 0) return bad;                                                                  \
        for (size_t i = 0; i < n; i++)                                                             \
            F##_inv_var((F##_t *)(out + 4 * i), (const F##_t *)(a + 4 * i));                       \
        return -1;                                                                                 \
    }                                                                                              \
    void zk_##F##_pow(uint64_t *out, const uint64_t *a, const uint64_t *e, size_t elen) {          \
        F##_pow((F##_t *)out, (const F##_t *)a, e, elen);                                          \
    }                                                                                              \
    int zk_##F##_sqrt(uint64_t *out, const uint64_t *a) {                                          \
        return F##_sqrt((F##_t *)out, (const F##_t *)a);                                           \
    }

int zk_field_backend(void) {
#ifdef ZK_HAVE_ADX
    return 1;
#else
    return 0;
#endif
}

FIELD_EXPORTS(fq)
FIELD_EXPORTS(fr)

void zk_fr_mul_chain(uint64_t *acc, const uint64_t *b, uint64_t iters) {
    fr_t x = *(const fr_t *)acc, y = *(const fr_t *)b;
    for (uint64_t i = 0; i < iters; i++) fr_mul(&x, &x, &y);
    *(fr_t *)acc = x;
}
