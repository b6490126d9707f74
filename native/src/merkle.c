/*
 * Merkle paths of the sequencer's 4-ary Poseidon trees (accounts, order slots): one call hashes a
 * whole leaf-to-root path, so a leaf update crosses the C boundary once instead of once per level.
 * Node hash: Poseidon([c0, c1, c2, c3]) exactly as zk_poseidon.  At height h the running node is
 * child (index >> 2h) & 3; siblings + 12 h holds that level's 3 other children in child order.
 */
#include "../include/zkclear.h"
#include "field.h"

int64_t zk_merkle_path(uint64_t *nodes_out, const uint64_t *leaf, const uint64_t *siblings, uint64_t index,
                       size_t depth) {
    if (depth < 1 || depth > 32) return -2;
    if (depth < 32 && (index >> (2 * depth)) != 0) return -2;
    if (!fr_is_canonical(leaf)) return 0;
    for (size_t k = 0; k < 3 * depth; k++)
        if (!fr_is_canonical(siblings + 4 * k)) return (int64_t)(k + 1);
    uint64_t children[16];
    const uint64_t *cur = leaf;
    for (size_t h = 0; h < depth; h++) {
        const uint64_t *sib = siblings + 12 * h;
        size_t pos = (size_t)((index >> (2 * h)) & 3);
        for (size_t c = 0, s = 0; c < 4; c++) {
            if (c == pos) {
                memcpy(children + 4 * c, cur, 32);
            } else {
                memcpy(children + 4 * c, sib + 4 * s, 32);
                s++;
            }
        }
        zk_poseidon(nodes_out + 4 * h, children, 4);
        cur = nodes_out + 4 * h;
    }
    return -1;
}
