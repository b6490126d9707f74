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
int64_t zk_fq_to_mont(uint64_t *out, const uint64_t *in, size_t n);
void zk_fq_from_mont(uint64_t *out, const uint64_t *in, size_t n);
void zk_fq_add(uint64_t *out, const uint64_t *a, const uint64_t *b, size_t n);
void zk_fq_sub(uint64_t *out, const uint64_t *a, const uint64_t *b, size_t n);
void zk_fq_mul(uint64_t *out, const uint64_t *a, const uint64_t *b, size_t n);
void zk_fq_sqr(uint64_t *out, const uint64_t *a, size_t n);
void zk_fq_neg(uint64_t *out, const uint64_t *a, size_t n);
int64_t zk_fq_batch_inv(uint64_t *out, const uint64_t *a, size_t n);
void zk_fq_pow(uint64_t *out, const uint64_t *a, const uint64_t *e, size_t elen);
int zk_fq_sqrt(uint64_t *out, const uint64_t *a);

int64_t zk_fr_to_mont(uint64_t *out, const uint64_t *in, size_t n);
void zk_fr_from_mont(uint64_t *out, const uint64_t *in, size_t n);
void zk_fr_add(uint64_t *out, const uint64_t *a, const uint64_t *b, size_t n);
void zk_fr_sub(uint64_t *out, const uint64_t *a, const uint64_t *b, size_t n);
void zk_fr_mul(uint64_t *out, const uint64_t *a, const uint64_t *b, size_t n);
void zk_fr_sqr(uint64_t *out, const uint64_t *a, size_t n);
void zk_fr_neg(uint64_t *out, const uint64_t *a, size_t n);
int64_t zk_fr_batch_inv(uint64_t *out, const uint64_t *a, size_t n);
void zk_fr_pow(uint64_t *out, const uint64_t *a, const uint64_t *e, size_t elen);
int zk_fr_sqrt(uint64_t *out, const uint64_t *a);

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

/* ---- threads ---------------------------------------------------------------------------------- */
int zk_num_threads(void);
void zk_set_num_threads(int n);

#endif
