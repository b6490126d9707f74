/*
 * Internal NTT entry points shared between the C files (not part of the cffi API in zkclear.h).
 */
#ifndef ZK_NTT_H
#define ZK_NTT_H
#include "field.h"

/* Each of the `count` vectors of 2^log_n evaluations on the domain (natural order, any consistent
   form: std or Montgomery) becomes the evaluations of the same polynomial on the coset shift * H
   (natural order); shift in Montgomery form.  Same result as zk_fr_ntt(inverse) followed by
   zk_fr_coset_ntt(shift, forward).  Returns 0 when out of memory (vectors then unspecified). */
int ntt_to_coset(fr_t *const *vecs, int count, unsigned log_n, const fr_t *shift);

#endif
