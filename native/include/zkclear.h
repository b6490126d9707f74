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
/* mont -> mont inverse of each element, 0 -> 0; safegcd, VARIABLE TIME: public data only. */
int64_t zk_fq_inv_var(uint64_t *out, const uint64_t *a, size_t n);
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
int64_t zk_fr_batch_inv(uint64_t *out, const uint64_t *a, size_t n); /* constant-time inversion */
int64_t zk_fr_inv_var(uint64_t *out, const uint64_t *a, size_t n);   /* as zk_fq_inv_var */
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
/* n_rows hashes in order; row i has arities[i] (1..16) inputs, the next input slots: slot s is
 * out[refs[s]] (an earlier row's hash, refs[s] < i) when refs[s] >= 0, else inputs[s] (std form).
 * Returns -1 ok, else the first bad slot (an arity out of range: the row's first slot). */
int64_t zk_poseidon_dag(uint64_t *out, const uint64_t *inputs, const int64_t *refs, const uint8_t *arities,
                        size_t n_rows);

/* ---- Merkle paths (exchange core: sequencer/tree.py; wrapper native/merkle.py) -------------- */
/* Hashes the path of one leaf of a 4-ary tree: nodes_out[h] (h = 0..depth-1) is the node at height
 * h+1 above the leaf at `index`, given the leaf and 3 * depth siblings: siblings[3h .. 3h+2] are the
 * other children of level h in child order (the running node is child (index >> 2h) & 3);
 * nodes_out[depth-1] is the root.  Node = Poseidon([c0, c1, c2, c3]).
 * Returns -1 ok, -2 bad depth (1..32) or index >= 4^depth, 0 bad leaf, 1+k bad sibling k. */
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
/* Witness VM (tape encoding: circuits/dsl/tape.py).  values: n_slots Montgomery slots; runs from
 * word *pc to the end of the tape (returns -1) or to the next Python-hint instruction (returns its
 * hint number, *pc at it); -2 on a malformed tape (*pc at the bad instruction). */
int64_t zk_witness_run(uint64_t *values, size_t n_slots, const uint32_t *tape, size_t tape_len,
                       const uint64_t *consts, size_t n_consts, size_t *pc);
/* values[slots[i]] = mont(std_vals[i]); -1 ok, else the first bad index (slot or non-canonical). */
int64_t zk_witness_set(uint64_t *values, size_t n_slots, const int64_t *slots, const uint64_t *std_vals, size_t n);
/* out[i] = std(values[slots[i]]); -1 ok, else the first bad index. */
int64_t zk_witness_gather(uint64_t *out, const uint64_t *values, size_t n_slots, const int64_t *slots, size_t n);
/* First constraint (A.w)(B.w) != C.w of an R1CS in CSR form (3 LCs per constraint, std coefs), or
 * -1 when all hold; -2 - i when witness value i is not canonical.  Threaded. */
int64_t zk_r1cs_check(const int64_t *lc_offsets, size_t n_constraints, const uint32_t *wires, const uint8_t *coefs,
                      const uint64_t *witness_std, size_t n_wires);
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
void zk_g1_mul_ct(uint64_t *out, const uint64_t *a, const uint64_t *k); /* constant time, secret k */
int64_t zk_g1_normalize(uint64_t *out, const uint64_t *jac, size_t n);
void zk_g1_compress(uint8_t *out, const uint64_t *a);
int zk_g1_decompress(uint64_t *out, const uint8_t *in);
int64_t zk_g2_validate(const uint64_t *pts, size_t n, int level, int *reason);
void zk_g2_add(uint64_t *out, const uint64_t *a, const uint64_t *b);
void zk_g2_dbl(uint64_t *out, const uint64_t *a);
void zk_g2_neg(uint64_t *out, const uint64_t *a);
void zk_g2_mul(uint64_t *out, const uint64_t *a, const uint64_t *k);
void zk_g2_mul_ct(uint64_t *out, const uint64_t *a, const uint64_t *k); /* constant time, secret k */
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
/* The portable C (lazy-reduction Karatsuba) over n elements, whatever the build's backend: tests
   compare it with the assembly and the Python twin. */
void zk_fq2_mul_portable(uint64_t *out, const uint64_t *a, const uint64_t *b, size_t n);
void zk_fq2_sqr_portable(uint64_t *out, const uint64_t *a, size_t n);
/* out[i] = a[i].c0^2 + a[i].c1^2 (the norm to Fq; n Fq results), dispatched and portable. */
void zk_fq2_norm(uint64_t *out, const uint64_t *a, size_t n);
void zk_fq2_norm_portable(uint64_t *out, const uint64_t *a, size_t n);
/* Timing kernels (bench/fq2.py): chained products acc = acc * b; n independent products. */
void zk_fq2_mul_chain(uint64_t *acc, const uint64_t *b, uint64_t iters);
void zk_fq2_mul_many(uint64_t *out, const uint64_t *a, const uint64_t *b, size_t n);
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

/* ---- batch fixed-base scalar multiplication (native/src/fixed_base.c) ----------------------------
 * out[i] = scalars[i] * base for i < n, as n LEM affine points (the single-party setup's lift of
 * field values to points).  base: one LEM affine point (infinity allowed: every output is then
 * infinity).  scalars: n Fr elements, std form (or Montgomery with ZK_FB_SCALARS_MONT).  window:
 * signed-digit width 1..16, 0 = chosen from n.  Threaded; variable time.  Returns -1, or with
 * *reason = 1 base coordinate not canonical, 2 base not on the curve, 3 base not in the subgroup,
 * 5 bad window, 9 out of memory: 0; 4 scalar not canonical (>= r): its index. */
#define ZK_FB_SCALARS_MONT 1
int64_t zk_g1_fixed_base_mul(uint64_t *out, const uint64_t *base, const uint64_t *scalars, size_t n, int flags,
                             unsigned window, int *reason);
int64_t zk_g2_fixed_base_mul(uint64_t *out, const uint64_t *base, const uint64_t *scalars, size_t n, int flags,
                             unsigned window, int *reason);

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

/* ---- Groth16 prover and trusted setup (native/src/groth16.c; wrapper native/groth16.py, twin
 * native/ref/groth16.py; owned by the prover) ------------------------------------------------------
 * Point buffers are LEM affine as above; scalars are std-form Fr (4 limbs).  Functions returning
 * int64_t give -1 on success, else the first bad index; with a `kind` out-parameter it says what
 * was bad: 1 point / coefficient record, 2 scalar / witness value, 3 base index, 4 row offsets,
 * 9 out of memory.  dft/scale_powers/sub return n (or n + i for the second input) for a bad
 * constant or size, -2 when out of memory. */
int64_t zk_groth16_build_abc(uint64_t *a, uint64_t *b, uint64_t *c, const uint8_t *coefs, size_t n_coefs,
                             const uint64_t *witness, size_t n_vars, size_t domain, int *kind);
int64_t zk_groth16_g1_scale_powers(uint64_t *out, const uint64_t *in, size_t n, const uint64_t *first,
                                   const uint64_t *step);
int64_t zk_groth16_g2_scale_powers(uint64_t *out, const uint64_t *in, size_t n, const uint64_t *first,
                                   const uint64_t *step);
int64_t zk_groth16_g1_dft(uint64_t *out, const uint64_t *in, size_t n, const uint64_t *root, const uint64_t *scale);
int64_t zk_groth16_g2_dft(uint64_t *out, const uint64_t *in, size_t n, const uint64_t *root, const uint64_t *scale);
int64_t zk_groth16_g1_sub(uint64_t *out, const uint64_t *a, const uint64_t *b, size_t n);
int64_t zk_groth16_g2_sub(uint64_t *out, const uint64_t *a, const uint64_t *b, size_t n);
int64_t zk_groth16_g1_sparse_lincomb(uint64_t *out, const uint64_t *bases, size_t n_bases, const uint64_t *scalars,
                                     const uint32_t *base_index, size_t n_terms, const uint64_t *row_offsets,
                                     size_t n_rows, int *kind);
int64_t zk_groth16_g2_sparse_lincomb(uint64_t *out, const uint64_t *bases, size_t n_bases, const uint64_t *scalars,
                                     const uint32_t *base_index, size_t n_terms, const uint64_t *row_offsets,
                                     size_t n_rows, int *kind);
int64_t zk_groth16_g1_to_uncompressed(uint8_t *out, const uint64_t *in, size_t n);
int64_t zk_groth16_g2_to_uncompressed(uint8_t *out, const uint64_t *in, size_t n);
int64_t zk_groth16_g1_to_compressed(uint8_t *out, const uint64_t *in, size_t n);
int64_t zk_groth16_g2_to_compressed(uint8_t *out, const uint64_t *in, size_t n);
/* BLAKE2b over a 216-byte state laid out as snarkjs's partial hash; 0 ok, -1 corrupt state. */
int zk_groth16_blake2b_update(uint8_t *state, const uint8_t *data, size_t len);
int zk_groth16_blake2b_final(const uint8_t *state, uint8_t *out);
/* Secrets: 0 ok, -1 failure (no OS randomness / zero or non-canonical input). */
int zk_groth16_random_fr(uint64_t *out);
int zk_groth16_fr_inv(uint64_t *out, const uint64_t *in);
int zk_groth16_fr_mul(uint64_t *out, const uint64_t *a, const uint64_t *b);
void zk_groth16_wipe(void *p, size_t n);
/* The whole prover: QAP quotient (build_abc, NTTs on the odd coset), the five MSMs and the blinding.
 * proof out: A | B | C (LEM, 8 + 16 + 8 limbs); vk: alpha1 | beta1 | beta2 | delta1 | delta2 (LEM);
 * rs: r | s (std); shift: odd-coset shift (Montgomery).  kind: 1 coefficient, 2 witness, 3..7 a
 * point of section A, B1, B2, C, H, 9 out of memory. */
int64_t zk_groth16_prove(uint64_t *proof, const uint8_t *coefs, size_t n_coefs, const uint64_t *witness,
                         size_t n_vars, size_t n_public, unsigned log_n, const uint64_t *pts_a,
                         const uint64_t *pts_b1, const uint64_t *pts_b2, const uint64_t *pts_c,
                         const uint64_t *pts_h, const uint64_t *vk, const uint64_t *rs, const uint64_t *shift,
                         int *kind);


#endif
