/*
 * Merkle paths of the sequencer's Poseidon trees (accounts, order slots): one call hashes a whole
 * leaf-to-root path, so a leaf update crosses the C boundary once instead of once per level.
 * Node hash: Poseidon([left, right]) exactly as zk_poseidon; bit h of the index (least significant
 * first) puts the running node on the right at height h.
 */
#include "../include/zkclear.h"
#include "field.h"

int64_t zk_merkle_path(uint64_t *nodes_out, const uint64_t *leaf, const uint64_t *siblings, uint64_t index,
                       size_t depth) {
    if (depth < 1 || depth > 64) return -2;
    if (depth < 64 && (index >> depth) != 0) return -2;
    if (!fr_is_canonical(leaf)) return 0;
    for (size_t h = 0; h < depth; h++)
        if (!fr_is_canonical(siblings + 4 * h)) return (int64_t)(h + 1);
    uint64_t pair[8];
    const uint64_t *cur = leaf;
    for (size_t h = 0; h < depth; h++) {
        const uint64_t *sib = siblings + 4 * h;
        if ((index >> h) & 1) {
            memcpy(pair, sib, 32);
            memcpy(pair + 4, cur, 32);
        } else {
            memcpy(pair, cur, 32);
            memcpy(pair + 4, sib, 32);
        }
        zk_poseidon(nodes_out + 4 * h, pair, 2);
        cur = nodes_out + 4 * h;
    }
    return -1;
}
