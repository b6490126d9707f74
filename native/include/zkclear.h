/*
 * zkclear native core: the one public header.  cffi reads the declarations below (lines starting
 * with '#' are skipped), so keep it to plain C prototypes.
 *
 * Conventions (docs/native.md has the full contract):
 *  - A field element is 4 little-endian uint64 limbs (32 bytes, i.e. little-endian bytes on x86-64).
 *  - "mont" buffers hold Montgomery residues aR mod m; "std" buffers hold canonical integers < m.
 *  - Arrays are contiguous: element i of a field buffer is limbs [4i, 4i+4).
 *  - Functions returning int64_t report -1 on success, else the index of the first bad element.
 *  - Every call releases the GIL (cffi API mode); long calls use all cores (ZK_THREADS overrides).
 */
#ifndef ZKCLEAR_H
#define ZKCLEAR_H
#include <stddef.h>
#include <stdint.h>

/* ---- fields: Fq (base) and Fr (scalar) ------------------------------------------------------ */
int64_t zk_fq_check(const uint64_t *a, size_t n); /* -1, or the first element >= q */
int64_t zk_fq_to_mont(uint64_t *out, const uint64_t *in, size_t n);
void zk_fq_from_mont(uint64_t *out, const uint64_t *in, size_t n);
void zk_fq_add(uint64_t *out, const uint64_t *a, const uint64_t *b, size_t n);
void zk_fq_sub(uint64_t *out, const uint64_t *a, const uint64_t *b, size_t n);
void zk_fq_mul(uint64_t *out, const uint64_t *a, const uint64_t *b, size_t n);
void zk_fq_mul_portable(uint64_t *out, const uint64_t *a, const uint64_t *b, size_t n);
void zk_fq_add_portable(uint64_t *out, const uint64_t *a, const uint64_t *b, size_t n);
void zk_fq_sub_portable(uint64_t *out, const uint64_t *a, const uint64_t *b, size_t n);
void zk_fq_sqr(uint64_t *out, const uint64_t *a, size_t n);
void zk_fq_neg(uint64_t *out, const uint64_t *a, size_t n);
int64_t zk_fq_batch_inv(uint64_t *out, const uint64_t *a, size_t n);
void zk_fq_pow(uint64_t *out, const uint64_t *a, const uint64_t *e, size_t elen);
int zk_fq_sqrt(uint64_t *out, const uint64_t *a);

int64_t zk_fr_check(const uint64_t *a, size_t n); /* -1, or the first element >= r */
int64_t zk_fr_to_mont(uint64_t *out, const uint64_t *in, size_t n);
void zk_fr_from_mont(uint64_t *out, const uint64_t *in, size_t n);
void zk_fr_add(uint64_t *out, const uint64_t *a, const uint64_t *b, size_t n);
void zk_fr_sub(uint64_t *out, const uint64_t *a, const uint64_t *b, size_t n);
void zk_fr_mul(uint64_t *out, const uint64_t *a, const uint64_t *b, size_t n);
void zk_fr_mul_portable(uint64_t *out, const uint64_t *a, const uint64_t *b, size_t n);
void zk_fr_add_portable(uint64_t *out, const uint64_t *a, const uint64_t *b, size_t n);
void zk_fr_sub_portable(uint64_t *out, const uint64_t *a, const uint64_t *b, size_t n);
void zk_fr_sqr(uint64_t *out, const uint64_t *a, size_t n);
void zk_fr_neg(uint64_t *out, const uint64_t *a, size_t n);
int64_t zk_fr_batch_inv(uint64_t *out, const uint64_t *a, size_t n);
void zk_fr_pow(uint64_t *out, const uint64_t *a, const uint64_t *e, size_t elen);
int zk_fr_sqrt(uint64_t *out, const uint64_t *a);

/* 1 when products, sums and differences use the x86-64 MULX/ADX assembly, 0 for the portable C
   (the *_portable exports always run the portable C, so tests cover both). */
int zk_field_backend(void);

/* Native-loop timing kernel for bench/native.py: iters chained products acc = acc * b. */
void zk_fr_mul_chain(uint64_t *acc, const uint64_t *b, uint64_t iters);

/* ---- Poseidon (circomlib parameters, t = 2..17) ---------------------------------------------- */
/* inputs: n_inputs std elements (1..16); out: one std element.  Returns -1 ok, else bad index. */
int64_t zk_poseidon(uint64_t *out, const uint64_t *inputs, size_t n_inputs);
/* n_hashes independent hashes of arity n_inputs, inputs laid out hash after hash (std form). */
int64_t zk_poseidon_many(uint64_t *out, const uint64_t *inputs, size_t n_inputs, size_t n_hashes);

/* ---- Merkle paths (exchange core: sequencer/tree.py; wrapper native/merkle.py) -------------- */
/* Hashes the path of one leaf: nodes_out[h] (h = 0..depth-1) is the node at height h+1 above the
 * leaf at `index`, given the leaf and siblings[h] (the sibling at height h); nodes_out[depth-1] is
 * the root.  Node = Poseidon([left, right]); bit h of index set = running node on the right.
 * Returns -1 ok, -2 bad depth (1..64) or index >= 2^depth, 0 bad leaf, 1+h bad sibling h. */
int64_t zk_merkle_path(uint64_t *nodes_out, const uint64_t *leaf, const uint64_t *siblings, uint64_t index,
                       size_t depth);
/* ---- end exchange core ---------------------------------------------------------------------------- */

/* ---- circuits engineer: BabyJubJub and EdDSA-Poseidon (native/babyjub.py, native/eddsa.py) ------ */
/* Points are (x, y) std affine pairs (8 limbs).  Return -1 ok, else the index of the bad operand
 * (0 or 1: not canonical or not on the curve).  Scalars are 4-limb little-endian integers. */
int64_t zk_babyjub_add(uint64_t *out, const uint64_t *p, const uint64_t *q);
int64_t zk_babyjub_mul(uint64_t *out, const uint64_t *p, const uint64_t *k);
void zk_babyjub_mul_base8(uint64_t *out, const uint64_t *k);
/* n signatures: pubs and r8s hold n points, msgs and ss n elements (std).  ok[i] = 1 when
 * signature i is valid, else 0 (malformed input is invalid, never an error).  Returns the number
 * valid.  Threaded over all cores. */
size_t zk_eddsa_verify_many(uint8_t *ok, const uint64_t *pubs, const uint64_t *msgs, const uint64_t *r8s,
                            const uint64_t *ss, size_t n);
/* ---- end circuits engineer ----------------------------------------------------------------------- */

/* ---- curves: G1 over Fq, G2 over Fq2 (native/src/curve.c) -------------------------------------
 * Points are LEM affine: G1 = x, y (8 limbs), G2 = x.c0, x.c1, y.c0, y.c1 (16 limbs), Montgomery
 * form, all zero = infinity; Jacobian buffers add Z (12 / 24 limbs).
 * validate: level 0 checks coordinates are canonical, 1 also on the curve, 2 also in the order-r
 * subgroup; returns -1 or the first bad index with *reason = 1 not canonical, 2 not on the curve,
 * 3 not in the subgroup, 9 out of memory.  Group-law calls expect validated (on-curve) points.
 * decompress returns 0, or 1 bad flags, 2 x not canonical, 3 not on the curve, 4 not in the subgroup. */
int64_t zk_g1_validate(const uint64_t *pts, size_t n, int level, int *reason);
void zk_g1_add(uint64_t *out, const uint64_t *a, const uint64_t *b);
void zk_g1_dbl(uint64_t *out, const uint64_t *a);
void zk_g1_neg(uint64_t *out, const uint64_t *a);
void zk_g1_mul(uint64_t *out, const uint64_t *a, const uint64_t *k);
int64_t zk_g1_normalize(uint64_t *out, const uint64_t *jac, size_t n);
void zk_g1_compress(uint8_t *out, const uint64_t *a);
int zk_g1_decompress(uint64_t *out, const uint8_t *in);
int64_t zk_g2_validate(const uint64_t *pts, size_t n, int level, int *reason);
void zk_g2_add(uint64_t *out, const uint64_t *a, const uint64_t *b);
void zk_g2_dbl(uint64_t *out, const uint64_t *a);
void zk_g2_neg(uint64_t *out, const uint64_t *a);
void zk_g2_mul(uint64_t *out, const uint64_t *a, const uint64_t *k);
int64_t zk_g2_normalize(uint64_t *out, const uint64_t *jac, size_t n);
void zk_g2_compress(uint8_t *out, const uint64_t *a);
int zk_g2_decompress(uint64_t *out, const uint8_t *in);

/* out[i] = start + i * step for i < n (LEM affine, validated points): test and benchmark inputs.
   Returns 1, or 0 when out of memory. */
int zk_g1_progression(uint64_t *out, const uint64_t *start, const uint64_t *step, size_t n);
int zk_g2_progression(uint64_t *out, const uint64_t *start, const uint64_t *step, size_t n);

/* Fq2 (c0, c1) and Fq12 (native tower order c0.c0 .. c1.c2, 48 limbs) kernels, Montgomery form. */
void zk_fq2_mul(uint64_t *out, const uint64_t *a, const uint64_t *b);
void zk_fq2_sqr(uint64_t *out, const uint64_t *a);
void zk_fq2_inv(uint64_t *out, const uint64_t *a);
int zk_fq2_sqrt(uint64_t *out, const uint64_t *a);
void zk_fq12_mul(uint64_t *out, const uint64_t *a, const uint64_t *b);
void zk_fq12_sqr(uint64_t *out, const uint64_t *a);
void zk_fq12_inv(uint64_t *out, const uint64_t *a);
void zk_fq12_frobenius(uint64_t *out, const uint64_t *a, int e);
void zk_fq12_cyclotomic_sqr(uint64_t *out, const uint64_t *a);

/* ---- multi-scalar multiplication (native/src/msm.c) ------------------------------------------------
 * out = sum scalars[i] * points[i] as an LEM affine point.  points: n LEM affine points (infinity =
 * all zero); scalars: n Fr elements, 4 limbs each, std form (or Montgomery with ZK_MSM_SCALARS_MONT).
 * flags: ZK_MSM_SCALARS_MONT = 1, ZK_MSM_CHECK_POINTS = 2 (also check every point is on the curve).
 * Returns -1, or the index of the first bad element with *reason = 1 point coordinate not canonical,
 * 2 point not on the curve, 3 scalar not canonical (>= r), 9 out of memory (index 0). */
#define ZK_MSM_SCALARS_MONT 1
#define ZK_MSM_CHECK_POINTS 2
int64_t zk_msm_g1(uint64_t *out, const uint64_t *points, const uint64_t *scalars, size_t n, int flags,
                  int *reason);
int64_t zk_msm_g2(uint64_t *out, const uint64_t *points, const uint64_t *scalars, size_t n, int flags,
                  int *reason);

/* ---- NTT over Fr (native/src/ntt.c) -------------------------------------------------------------------
 * In place on 2^log_n elements (log_n <= 28), natural order, ffjavascript's roots of unity; linear,
 * so std-form input gives std-form output and Montgomery gives Montgomery.  shift/first/step are
 * Montgomery-form constants.  Return -1, or the index of the first non-canonical element (nothing
 * is changed then), or n when out of memory.
 * coset_ntt: forward a_j *= shift^j then NTT; inverse: inverse NTT then a_j *= shift^-j.
 * scale_powers: a_i *= first * step^i (ffjavascript's batchApplyKey). */
int64_t zk_fr_ntt(uint64_t *a, unsigned log_n, int inverse);
int64_t zk_fr_coset_ntt(uint64_t *a, unsigned log_n, const uint64_t *shift, int inverse);
int64_t zk_fr_scale_powers(uint64_t *a, size_t n, const uint64_t *first, const uint64_t *step);

/* ---- pairing (native/src/pairing.c) -------------------------------------------------------------
 * ps: n LEM G1 points, qs: n LEM G2 points, validated by the caller (on the curve, G2 in the
 * subgroup); pairs with a point at infinity contribute 1.  out: Fq12 in the native tower order.
 * product/check return 0 / -1 when out of memory; check returns 1 when prod e(P_i, Q_i) == 1. */
int zk_pairing_product(uint64_t *out, const uint64_t *ps, const uint64_t *qs, size_t n);
int zk_pairing_check(const uint64_t *ps, const uint64_t *qs, size_t n);
void zk_miller_loop(uint64_t *out, const uint64_t *ps, const uint64_t *qs, size_t n);
void zk_final_exponentiation(uint64_t *out, const uint64_t *f);

/* ---- threads ---------------------------------------------------------------------------------- */
int zk_num_threads(void);
void zk_set_num_threads(int n);

#endif
