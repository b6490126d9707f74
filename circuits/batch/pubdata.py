"""The batch proof's one public input (protocol.md 7.7), validium mode: the header (7.1), the queue
section (7.3) and the withdrawals section (7.4) hashed in the circuit exactly as
`protocol.pubdata.batch.public_input` hashes the bytes on L1.

    public input = sha256(header | sha256(queue) | sha256(withdrawals)) big-endian AND (2^253 - 1)

Sections have a variable count of fixed-width records within a fixed capacity.  The count is a
thermometer of booleans `active[i] = (i < count)` (which proves count <= capacity); its
differences are the one-hot `count == k` flags, so every count-dependent choice is linear in them.
Records at positions >= count are proven all zero, so the slots cannot claim unhashed data.
- Queue: every record is exactly one 64-byte block, so the capacity's blocks are hashed, the
  chaining state after `count` blocks is selected, and one padding block (0x80, length 512 * count)
  is compressed on it.
- Withdrawals (31 bytes, not block-aligned): the padded message is built for every count at once:
  the data bytes need no selection (zero beyond the count), the 0x80 bit at 248 * count is the flag
  `count == k` itself, and each block's last 64 bits carry the bit length of the counts whose
  padding ends there.  The state after block ceil((31 * count + 9) / 64) is selected.
- The packed deposit key `y + 2^255 * s`, s = (x > (r - 1) / 2), takes s as the low bit of the
  canonical 2x (2x < r exactly when x <= (r - 1) / 2; otherwise 2x - r is odd).

Rollup mode adds the global section (7.6: the global state after the last slot, 546 bytes) and
the accounts section (7.5: one 84-byte record per slot, in slot order, from the slots' RECORD_SPEC
outputs), both of a fixed length per batch shape, so each is hashed whole (`sha256_padded`, no
selection), and the outer hash over four digests (`commitment_rollup`).  Signed values are
published in two's complement of their byte width: the bits of x + 2^(8n - 1) (offset binary,
which range-checks |x| within the width) with the top bit flipped.  A field element
(`orders_root`) takes the strict decomposition, so its encoding is the canonical one.

Every SHA-256 compression is one stamped template, C = 26,232 constraints (state and block both
variable: constants are not folded into it, which would save at most ~800 per block at the price
of a slow Python build).  Measured (queue capacity Q, withdrawals capacity W):
- queue: (Q + 1) C + 1,109 Q + ~260 (per record: the key's two strict decompositions 688, field
  bits and gating 413, selection 8): Q = 4: 135,853; Q = 8: 245,218; about 427 per byte;
- withdrawals: ceil((31 W + 9) / 64) C + ~261 W + ~280: W = 4: 80,012 (3 blocks); W = 8: 133,528
  (5 blocks); about 418 per byte;
- outer hash: 3 C + 1,069 (the header's bits: two strict roots, six 64-bit fields) = 79,765;
- the test's circuit (Q = 2, W = 3): 214,446;
- rollup, per slot: the record's bits, 759 (24 + 88 + 32 + 40 + 8 + 56 + 80 + 88 range bits and
  the orders root's strict decomposition), and 84 bytes of SHA-256 (1.3125 blocks, 34,430): about
  35,190 per slot (the slot template itself adds 11 in both modes: its gated record); per batch:
  the global section's bits, 4,456 (range bits and 96 products gating the unconfigured markets),
  its 9 blocks (236,088) and one more outer block than validium (4): 266,776.  Measured: rollup
  minus validium, 2 slots: 346,985; 4 slots: 427,199 (Q = W = 1).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from circuits.batch.vars import GlobalVars
from circuits.dsl import LC, Circuit, LCLike, Template, as_lc, lc_sum
from circuits.gadgets.bits import num2bits, num2bits_strict
from circuits.gadgets.sha256 import IV, compress, const_word, field_to_bits_be, pad, uint_to_bits_be
from protocol.constants import ACCOUNT_ID_BITS, ADDRESS_BITS, AMOUNT_BITS, CHAIN_ID_BITS, MAX_MARKETS
from protocol.pubdata.account_diff import RECORD_BYTES
from protocol.pubdata.global_diff import GLOBAL_BYTES
from protocol.pubdata.header import BATCH_NUMBER_BITS, BATCH_TIME_BITS, QUEUE_INDEX_BITS

Bits = list[LC]  # big-endian bit signals (or constants)

QUEUE_RECORD_BITS = 512
WITHDRAWAL_BITS = 8 * 31
DEPOSIT_KIND = 0x01
FORCED_KIND = 0x02
PUBLIC_INPUT_BITS = 253


@dataclass(slots=True)
class QueueRecordVars:
    """One record of the queue section (7.3) as field values; a position beyond the count is all 0."""

    is_deposit: LC  # boolean; 0 = forced withdrawal
    owner: LC  # 160 bits
    pub_x: LC  # deposit: the L2 key (ignored for a forced withdrawal)
    pub_y: LC
    account_id: LC  # deposit: the account credited; forced: the account named
    amount: LC  # deposit amount / forced requested amount (64 bits)
    paid: LC  # forced: paid (64 bits); deposit: must be 0


@dataclass(slots=True)
class WithdrawalVars:
    """One record of the withdrawals section (7.4): 3 + 20 + 8 bytes."""

    account_id: LC
    recipient: LC
    amount: LC


# -- SHA-256 on big-endian bit lists ------------------------------------------------------------


def _words(bits: Bits) -> list[list[LC]]:
    """Big-endian bits as 32-bit words, least significant bit first (the gadget's layout)."""
    return [[bits[32 * j + 31 - i] for i in range(32)] for j in range(len(bits) // 32)]


def _unwords(words: list[list[LC]]) -> Bits:
    return [w[31 - i] for w in words for i in range(32)]


@functools.cache
def compress_template() -> Template:
    """One compression: 256 state bits then 512 block bits in, 256 state bits out (big-endian)."""

    def body(cs: Circuit, ins: list[LC]) -> list[LC]:
        return _unwords(compress(cs, _words(ins[:256]), _words(ins[256:]), "c"))

    return Template("Sha256Compress", [f"s{i}" for i in range(256)] + [f"m{i}" for i in range(512)], body)


def iv_bits() -> Bits:
    return _unwords([const_word(v) for v in IV])


def compress_block(cs: Circuit, state: Bits, block: Bits, name: str) -> Bits:
    """The chaining state after one more block; every input must be boolean (the callers build
    them from range-checked bits)."""
    if len(state) != 256 or len(block) != 512:
        raise ValueError("a compression takes 256 state bits and 512 block bits")
    return compress_template()(cs, [*state, *block], name)


def sha256_padded(cs: Circuit, bits: Bits, name: str) -> Bits:
    """SHA-256 of a fixed-length message of boolean bit signals (big-endian), through the template."""
    padded = pad(bits)
    state = iv_bits()
    with cs.scope(name):
        for b in range(len(padded) // 512):
            state = compress_block(cs, state, padded[512 * b : 512 * (b + 1)], f"block{b}")
    return state


# -- counts and selections ----------------------------------------------------------------------


def thermometer(cs: Circuit, count: LCLike, capacity: int, name: str = "count") -> tuple[list[LC], list[LC]]:
    """(active, is_count): active[i] = (i < count) for i < capacity, proven monotone and summing
    to count, so count <= capacity; is_count[k] = (count == k) for k = 0..capacity, linear in them.
    Costs 2 * capacity - 1 constraints (capacity 0: count = 0, none)."""
    count = as_lc(count)
    with cs.scope(name):
        if capacity == 0:
            cs.assert_zero(count, "capacity")
            return [], [as_lc(1)]
        # hints
        active = cs.hint_py(lambda v: [int(i < v[0]) for i in range(capacity)], [count], capacity, "active")
        # constraints
        for i, a in enumerate(active):
            cs.assert_bool(a, f"active{i}")
            if i:
                # active[i] = 1 only after active[i - 1] = 1
                cs.constrain(a, 1 - active[i - 1], 0, f"order{i}")
        cs.assert_equal(lc_sum(active), count, "capacity")
    prev = [as_lc(1), *active]
    nxt = [*active, as_lc(0)]
    return active, [p - n for p, n in zip(prev, nxt, strict=True)]


def select_state(cs: Circuit, flags: list[LC], states: list[Bits], name: str = "select") -> Bits:
    """states[k] for the one flag that is 1 (flags one-hot, states boolean): each 32-bit word is
    chosen as a field value (one product per candidate that is not constant) and decomposed again
    (256 constraints)."""
    if len(flags) != len(states):
        raise ValueError("one flag per candidate state")
    if len(states) == 1:
        return states[0]
    out: Bits = []
    with cs.scope(name):
        for j in range(8):
            value = lc_sum(
                cs.mul(
                    f, lc_sum(b * (1 << (31 - i)) for i, b in enumerate(s[32 * j : 32 * j + 32])), f"w{j}_{k}"
                )
                for k, (f, s) in enumerate(zip(flags, states, strict=True))
            )
            out.extend(reversed(num2bits(cs, value, 32, f"word{j}")))
    return out


# -- sections -----------------------------------------------------------------------------------


def _zero_beyond(cs: Circuit, active: LC, values: list[LC], names: list[str]) -> None:
    """Every value is 0 where the record lies beyond the count (active = 0)."""
    for v, n in zip(values, names, strict=True):
        cs.constrain(1 - active, v, 0, f"zero_beyond/{n}")


def _be(cs: Circuit, x: LCLike, n_bits: int, name: str) -> Bits:
    return uint_to_bits_be(cs, x, n_bits, name)


def queue_record_bits(cs: Circuit, rec: QueueRecordVars, active: LC) -> Bits:
    """The 512 bits of one queue record (7.3), all zero when inactive.  Fields that sit at
    different offsets in a deposit and a forced-withdrawal record are split into a deposit part
    (field * is_deposit) and a forced part (the rest), each decomposed, so that every position is a
    sum of bits of which at most one is nonzero, with no per-bit selection."""
    d = rec.is_deposit
    cs.assert_bool(d, "is_deposit")
    _zero_beyond(
        cs,
        active,
        [d, rec.owner, rec.pub_x, rec.pub_y, rec.account_id, rec.amount, rec.paid],
        ["is_deposit", "owner", "pub_x", "pub_y", "account_id", "amount", "paid"],
    )
    cs.constrain(d, rec.paid, 0, "deposit_pays_nothing")
    acc_d = cs.mul(d, rec.account_id, "account_deposit")
    amt_d = cs.mul(d, rec.amount, "amount_deposit")
    x_d = cs.mul(d, rec.pub_x, "x_deposit")
    y_d = cs.mul(d, rec.pub_y, "y_deposit")
    owner = _be(cs, rec.owner, ADDRESS_BITS, "owner")
    # the sign: the low bit of the canonical 2x (odd exactly when x > (r - 1) / 2)
    sign = num2bits_strict(cs, x_d * 2, "key_sign")[0]
    y_bits = list(reversed(num2bits_strict(cs, y_d, "key_y")))  # 254 bits
    deposit = [
        *const_bits(0, 7),
        d,  # kind 0x01
        *owner,
        sign,
        as_lc(0),
        *y_bits,
        *_be(cs, amt_d, AMOUNT_BITS, "amount_d"),
        *_be(cs, acc_d, ACCOUNT_ID_BITS, "account_d"),
    ]
    forced = [
        *const_bits(0, 6),
        active - d,  # kind 0x02 (d <= active: d is zero beyond the count)
        as_lc(0),
        *const_bits(0, ADDRESS_BITS),  # the owner sits at the same offset: counted once above
        *_be(cs, rec.account_id - acc_d, ACCOUNT_ID_BITS, "account_f"),
        *_be(cs, rec.amount - amt_d, AMOUNT_BITS, "amount_f"),
        *_be(cs, rec.paid, AMOUNT_BITS, "paid"),
        *const_bits(0, 8 * 24),
    ]
    assert len(deposit) == len(forced) == QUEUE_RECORD_BITS
    return [a + b for a, b in zip(deposit, forced, strict=True)]


def const_bits(v: int, n: int) -> Bits:
    """v as n big-endian constant bits."""
    return [as_lc((v >> (n - 1 - i)) & 1) for i in range(n)]


def queue_digest(cs: Circuit, records: list[QueueRecordVars], count: LCLike, name: str = "queue") -> Bits:
    """The 256 digest bits (big-endian) of sha256 over the first `count` records' bytes;
    len(records) is the capacity."""
    cap = len(records)
    with cs.scope(name):
        active, is_count = thermometer(cs, count, cap, "count")
        state = iv_bits()
        states = [state]
        for i, rec in enumerate(records):
            with cs.scope(f"record{i}"):
                block = queue_record_bits(cs, rec, active[i])
            state = compress_block(cs, state, block, f"block{i}")
            states.append(state)
        chained = select_state(cs, is_count, states, "select")
        # padding block: 0x80, zeros, the bit length 512 * count
        count_bits = list(reversed(num2bits(cs, count, max(1, cap.bit_length()), "count_bits")))
        length = [*const_bits(0, 64 - 9 - len(count_bits)), *count_bits, *const_bits(0, 9)]
        padding = [as_lc(1), *const_bits(0, 512 - 64 - 1), *length]
        return compress_block(cs, chained, padding, "padding")


def _blocks(n_bytes: int) -> int:
    return (n_bytes + 9 + 63) // 64


def section_digest(cs: Circuit, records: list[Bits], is_count: list[LC], name: str = "section") -> Bits:
    """The 256 digest bits (big-endian) of sha256 over the first n records, n the index of the
    one flag is_count[n] that is 1 (len(records) + 1 flags), for records of one width (whole
    bytes) that the caller has proven all zero from position n on.  The padded message is built for
    every n at once: the data needs no selection, the 0x80 bit at width * n is is_count[n] itself,
    and each block's last 64 bits hold the bit length of the counts whose padding ends there (a
    small sum of flags, decomposed); then the state after block ceil((bytes + 9) / 64) is
    selected.  Cost: the blocks of the capacity, bits(width * capacity) per block where a padding
    can end, 8 per candidate block and 256 for the selection."""
    cap = len(records)
    width = len(records[0]) if records else 8
    if any(len(r) != width for r in records) or width % 8 or len(is_count) != cap + 1:
        raise ValueError("records of one width in whole bytes, and one flag per count 0..capacity")
    n_blocks = _blocks(width // 8 * cap)
    ends = [_blocks(width // 8 * n) for n in range(cap + 1)]
    with cs.scope(name):
        msg: list[LC] = [as_lc(0)] * (512 * n_blocks)
        for i, bits in enumerate(records):
            msg[width * i : width * (i + 1)] = bits
        # At most one term of each position below is nonzero: the data ends at width * n, the
        # 0x80 bit and the length lie after it.
        for n in range(cap + 1):
            msg[width * n] = msg[width * n] + is_count[n]
        for b in range(1, n_blocks + 1):
            length = lc_sum(is_count[n] * (width * n) for n in range(cap + 1) if ends[n] == b)
            if length.is_constant():
                continue  # only count 0 ends here, or none: length 0
            len_bits = num2bits(cs, length, (width * cap).bit_length(), f"length{b}")
            for i, bit in enumerate(len_bits):
                msg[512 * b - 1 - i] = msg[512 * b - 1 - i] + bit
        state = iv_bits()
        states = []
        for b in range(n_blocks):
            state = compress_block(cs, state, msg[512 * b : 512 * (b + 1)], f"block{b}")
            states.append(state)
        flags = [lc_sum(is_count[n] for n in range(cap + 1) if ends[n] == b) for b in range(1, n_blocks + 1)]
        live = [
            (f, st)
            for f, st in zip(flags, states, strict=True)
            if not (f.is_constant() and f.constant_value() == 0)
        ]
        return select_state(cs, [f for f, _ in live], [st for _, st in live], "select")


def withdrawals_digest(
    cs: Circuit, records: list[WithdrawalVars], count: LCLike, name: str = "withdrawals"
) -> Bits:
    """The 256 digest bits (big-endian) of sha256 over the first `count` withdrawals' bytes
    (7.4); len(records) is the capacity."""
    with cs.scope(name):
        active, is_count = thermometer(cs, count, len(records), "count")
        data: list[Bits] = []
        for i, w in enumerate(records):
            with cs.scope(f"record{i}"):
                _zero_beyond(
                    cs,
                    active[i],
                    [w.account_id, w.recipient, w.amount],
                    ["account_id", "recipient", "amount"],
                )
                data.append(
                    [
                        *_be(cs, w.account_id, ACCOUNT_ID_BITS, "account_id"),
                        *_be(cs, w.recipient, ADDRESS_BITS, "recipient"),
                        *_be(cs, w.amount, AMOUNT_BITS, "amount"),
                    ]
                )
    return section_digest(cs, data, is_count, name)


# -- header and commitment ----------------------------------------------------------------------


@dataclass(slots=True)
class HeaderVars:
    """The batch header's fields (7.1), in header order."""

    old_root: LCLike
    new_root: LCLike
    batch_number: LCLike
    chain_id: LCLike
    queue_start: LCLike
    queue_end: LCLike
    time_start: LCLike
    time_end: LCLike


def header_bits(cs: Circuit, h: HeaderVars, name: str = "header") -> Bits:
    """The 112-byte header (7.1) as 896 big-endian bits, every field range-checked to its width
    (roots canonical: the strict decomposition)."""
    with cs.scope(name):
        return [
            *field_to_bits_be(cs, h.old_root, "old_root"),
            *field_to_bits_be(cs, h.new_root, "new_root"),
            *_be(cs, h.batch_number, BATCH_NUMBER_BITS, "batch_number"),
            *_be(cs, h.chain_id, CHAIN_ID_BITS, "chain_id"),
            *_be(cs, h.queue_start, QUEUE_INDEX_BITS, "queue_start"),
            *_be(cs, h.queue_end, QUEUE_INDEX_BITS, "queue_end"),
            *_be(cs, h.time_start, BATCH_TIME_BITS, "time_start"),
            *_be(cs, h.time_end, BATCH_TIME_BITS, "time_end"),
        ]


def digest_to_public_input(digest: Bits) -> LC:
    """The digest as a big-endian integer AND (2^253 - 1): its 253 low bits packed (free)."""
    low = digest[256 - PUBLIC_INPUT_BITS :]
    return lc_sum(b * (1 << (PUBLIC_INPUT_BITS - 1 - i)) for i, b in enumerate(low))


def _commitment(cs: Circuit, header: HeaderVars, digests: list[Bits], name: str) -> LC:
    with cs.scope(name):
        bits = header_bits(cs, header)
        digest = sha256_padded(cs, [*bits, *(b for d in digests for b in d)], "sha256")
    return digest_to_public_input(digest)


def commitment_validium(
    cs: Circuit,
    header: HeaderVars,
    queue_digest: Bits,
    withdrawals_digest: Bits,
    name: str = "commitment",
) -> LC:
    """The public input: sha256(header | queue digest | withdrawals digest) AND (2^253 - 1);
    3 compressions.  The digests must be boolean (the section gadgets' outputs are)."""
    return _commitment(cs, header, [queue_digest, withdrawals_digest], name)


def commitment_rollup(
    cs: Circuit,
    header: HeaderVars,
    queue_digest: Bits,
    withdrawals_digest: Bits,
    global_digest: Bits,
    accounts_digest: Bits,
    name: str = "commitment",
) -> LC:
    """Rollup's public input: sha256(header | the four section digests) AND (2^253 - 1); 4
    compressions.  The global and accounts digests come from `global_digest` and
    `accounts_digest`."""
    digests = [queue_digest, withdrawals_digest, global_digest, accounts_digest]
    return _commitment(cs, header, digests, name)


# -- rollup: the global and accounts sections -------------------------------------------------------


def signed_bits_be(cs: Circuit, x: LCLike, n_bytes: int, name: str) -> Bits:
    """Signed x as the 8 * n_bytes big-endian bits of its two's complement (7, encodings): the
    offset x + 2^(8n - 1) decomposed (so -2^(8n - 1) <= x < 2^(8n - 1)), its top bit flipped."""
    n = 8 * n_bytes
    bits = _be(cs, as_lc(x) + (1 << (n - 1)), n, name)
    return [1 - bits[0], *bits[1:]]


def record_bits(cs: Circuit, rec: list[LC], name: str = "record") -> Bits:
    """One record of the accounts section (7.5), 672 bits, from a slot's RECORD_SPEC outputs
    (account_id, collateral, nonce, auction_start, orders_root, market_id, size, cost, fsnap)."""
    aid, collateral, nonce, auction, oroot, market, size, cost, fsnap = rec
    with cs.scope(name):
        out = [
            *_be(cs, aid, 24, "account_id"),
            *signed_bits_be(cs, collateral, 11, "collateral"),
            *_be(cs, nonce, 32, "nonce"),
            *_be(cs, auction, 40, "auction_start"),
            *field_to_bits_be(cs, oroot, "orders_root"),
            *_be(cs, market, 8, "market_id"),
            *signed_bits_be(cs, size, 7, "size"),
            *signed_bits_be(cs, cost, 10, "cost"),
            *signed_bits_be(cs, fsnap, 11, "fsnap"),
        ]
    assert len(out) == 8 * RECORD_BYTES
    return out


def accounts_digest(cs: Circuit, records: list[list[LC]], name: str = "accounts") -> Bits:
    """sha256 of the accounts section: every slot's record in slot order (a fixed length per
    batch shape, so no count and no selection)."""
    with cs.scope(name):
        bits = [b for i, rec in enumerate(records) for b in record_bits(cs, rec, f"record{i}")]
        return sha256_padded(cs, bits, "sha256")


# (byte width, signed) of each market field in the global section, in MarketVars order (7.6)
MARKET_LAYOUT = (
    ("oracle_price", 5, False),
    ("oracle_time", 5, False),
    ("funding_index", 11, True),
    ("open_interest", 6, False),
    ("status", 1, False),
    ("status_until", 5, False),
    ("ref_price", 5, False),
    ("ref_time", 5, False),
    ("mark_price", 5, False),
    ("premium_ema", 4, True),
    ("premium_sum", 9, True),
    ("premium_samples", 4, False),
)


def global_bits(cs: Circuit, g: GlobalVars, configured: list[LC], name: str = "global_section") -> Bits:
    """The global section (7.6), 4,368 bits: the configured-markets byte (bit m = market m; the
    flags are boolean, checked with the configs), the fund, the fee pool, the funding time, and
    each market's fields, zero where the market is not configured (its state is not bound by the
    global hash, so it is gated here)."""
    with cs.scope(name):
        out: Bits = [configured[m] for m in reversed(range(MAX_MARKETS))]
        out += _be(cs, g.insurance_fund, 80, "insurance_fund")
        out += _be(cs, g.fee_pool, 80, "fee_pool")
        out += _be(cs, g.funding_time, 40, "funding_time")
        for m, mv in enumerate(g.markets):
            for field, width, signed in MARKET_LAYOUT:
                v = cs.mul(configured[m], getattr(mv, field), f"m{m}_{field}_gated")
                if signed:
                    # 2^(8n - 1) offset: an unconfigured market's zero is zero bits too
                    out += signed_bits_be(cs, v, width, f"m{m}_{field}")
                else:
                    out += _be(cs, v, 8 * width, f"m{m}_{field}")
    assert len(out) == 8 * GLOBAL_BYTES
    return out


def global_digest(cs: Circuit, g: GlobalVars, configured: list[LC], name: str = "global") -> Bits:
    with cs.scope(name):
        return sha256_padded(cs, global_bits(cs, g, configured), "sha256")


def public_input_validium(
    cs: Circuit,
    header: HeaderVars,
    queue: list[QueueRecordVars],
    queue_count: LCLike,
    withdrawals: list[WithdrawalVars],
    withdrawal_count: LCLike,
    name: str = "pubdata",
) -> tuple[LC, Bits, Bits]:
    """Everything at once: (public input, queue digest, withdrawals digest), with
    queue_end = queue_start + queue_count (the range the batch consumed, 7.1)."""
    with cs.scope(name):
        cs.assert_equal(
            as_lc(header.queue_end), as_lc(header.queue_start) + as_lc(queue_count), "queue_range"
        )
        qd = queue_digest(cs, queue, queue_count)
        wd = withdrawals_digest(cs, withdrawals, withdrawal_count)
        pi = commitment_validium(cs, header, qd, wd)
    return pi, qd, wd


def public_input_rollup(
    cs: Circuit,
    header: HeaderVars,
    queue: list[QueueRecordVars],
    queue_count: LCLike,
    withdrawals: list[WithdrawalVars],
    withdrawal_count: LCLike,
    g: GlobalVars,
    configured: list[LC],
    records: list[list[LC]],
    name: str = "pubdata",
) -> LC:
    """Rollup's public input (7.7): the validium sections, the global state `g` after the last
    slot and the slots' records."""
    with cs.scope(name):
        cs.assert_equal(
            as_lc(header.queue_end), as_lc(header.queue_start) + as_lc(queue_count), "queue_range"
        )
        qd = queue_digest(cs, queue, queue_count)
        wd = withdrawals_digest(cs, withdrawals, withdrawal_count)
        gd = global_digest(cs, g, configured)
        ad = accounts_digest(cs, records)
        return commitment_rollup(cs, header, qd, wd, gd, ad)
