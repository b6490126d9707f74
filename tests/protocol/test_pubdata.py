"""Batch public data (protocol.md section 7): round trips of every field at its bound limits
(hypothesis), rejection of malformed data with a message naming the field, and the public input's
reduction."""

from __future__ import annotations

import hashlib
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from circuits.primitives import babyjub
from protocol import constants as C
from protocol.pubdata import account_diff, global_diff, queue
from protocol.pubdata.account_diff import EMPTY, SlotRecord
from protocol.pubdata.batch import (
    PUBLIC_INPUT_MASK,
    PublicData,
    commitment,
    decode_public_data,
    encode_public_data,
    public_input,
    sections_of,
    split,
    state_diff_hash,
)
from protocol.pubdata.dac import dac_hash
from protocol.pubdata.fields import Mode, PubdataError
from protocol.pubdata.header import HEADER_BYTES, BatchHeader, decode_header, encode_header
from protocol.pubdata.steps.deposit import DepositEntry, DepositRecord, pack_key, unpack_key
from protocol.pubdata.steps.forced_withdrawal import ForcedWithdrawalEntry, ForcedWithdrawalRecord
from protocol.pubdata.withdrawals import Withdrawal
from protocol.records import AccountState, GlobalState, MarketState

R = C.FIELD_MODULUS
M = C.MAX_MARKETS


@cache
def keys() -> list[tuple[int, int]]:
    """Curve points outside the small-order subgroup, with x on both sides of (r - 1) / 2."""
    out = [babyjub.mul(babyjub.BASE8, k) for k in (1, 2, 3, 5, 7, 1 << 200)]
    out.append(babyjub.neg(out[0]))
    out.append(babyjub.GENERATOR)  # not in the prime-order subgroup, yet not of small order
    return out


def unsigned(bits: int, lo: int = 0) -> st.SearchStrategy[int]:
    top = (1 << bits) - 1
    return st.one_of(st.sampled_from([lo, lo + 1, top - 1, top]), st.integers(lo, top))


def signed(bits: int) -> st.SearchStrategy[int]:
    top = (1 << bits) - 1
    return st.one_of(st.sampled_from([0, 1, -1, top, -top, top - 1, -top + 1]), st.integers(-top, top))


fields = st.one_of(st.sampled_from([0, 1, R - 1]), st.integers(0, R - 1))
amounts = unsigned(C.AMOUNT_BITS, 1)
account_ids = unsigned(C.ACCOUNT_ID_BITS, 1)
addresses = unsigned(C.ADDRESS_BITS)
headers = st.builds(
    lambda o, n, b, c, qs, k, ts, dt: BatchHeader(
        o, n, b, c, qs, min(qs + k, (1 << 64) - 1), ts, min(ts + dt, (1 << 64) - 1)
    ),
    fields,
    fields,
    unsigned(64),
    unsigned(64),
    unsigned(64),
    st.integers(0, 3),
    unsigned(64),
    st.integers(0, 1 << 40),
)


@st.composite
def deposit_records(draw: st.DrawFn) -> DepositRecord:
    x, y = draw(st.sampled_from(keys()))
    return DepositRecord(DepositEntry(draw(addresses), x, y, draw(amounts)), draw(account_ids))


@st.composite
def forced_records(draw: st.DrawFn) -> ForcedWithdrawalRecord:
    amount = draw(amounts)
    return ForcedWithdrawalRecord(
        ForcedWithdrawalEntry(draw(addresses), draw(unsigned(C.ACCOUNT_ID_BITS)), amount),
        draw(st.one_of(st.just(0), st.just(amount), st.integers(0, amount))),
    )


withdrawal_records = st.builds(Withdrawal, account_ids, unsigned(C.ADDRESS_BITS, 1), amounts)

market_states = st.builds(
    MarketState,
    oracle_price=unsigned(C.PRICE_BITS),
    oracle_time=unsigned(C.TIME_BITS),
    funding_index=signed(C.FUNDING_INDEX_BITS),
    open_interest=unsigned(C.SIZE_BITS),
    status=st.sampled_from([0, 1, 2]),
    status_until=unsigned(C.TIME_BITS),
    ref_price=unsigned(C.PRICE_BITS),
    ref_time=unsigned(C.TIME_BITS),
    mark_price=unsigned(C.PRICE_BITS),
    premium_ema=signed(C.PREMIUM_BITS),
    premium_sum=signed(C.PREMIUM_SUM_BITS),
    premium_samples=unsigned(C.PREMIUM_SAMPLES_BITS),
)
global_states = st.builds(
    GlobalState,
    unsigned(C.COLLATERAL_BITS),
    unsigned(C.COLLATERAL_BITS),
    unsigned(C.TIME_BITS),
    st.tuples(*[st.one_of(st.none(), market_states)] * M),
)


@st.composite
def slot_records(draw: st.DrawFn) -> tuple[SlotRecord, ...]:
    out = []
    for _ in range(draw(st.integers(0, 6))):
        if draw(st.booleans()):
            out.append(EMPTY)
            continue
        size = draw(st.one_of(st.just(0), signed(C.SIZE_BITS)))
        out.append(
            SlotRecord(
                draw(account_ids),
                draw(signed(C.COLLATERAL_BITS)),
                draw(unsigned(C.NONCE_BITS)),
                draw(unsigned(C.TIME_BITS)),
                draw(fields),
                draw(st.integers(0, M - 1)),
                size,
                draw(signed(C.COST_BITS)) if size else 0,
                draw(signed(C.FUNDING_INDEX_BITS)) if size else 0,
            )
        )
    return tuple(out)


@st.composite
def public_datas(draw: st.DrawFn, mode: Mode | None = None) -> PublicData:
    mode = draw(st.sampled_from(list(Mode))) if mode is None else mode
    q = tuple(draw(st.lists(st.one_of(deposit_records(), forced_records()), max_size=4)))
    w = tuple(draw(st.lists(withdrawal_records, max_size=4)))
    if mode == Mode.VALIDIUM:
        return PublicData(mode, q, w, None, ())
    return PublicData(mode, q, w, draw(global_states), draw(slot_records()))


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(headers)
def test_header_round_trip(h: BatchHeader) -> None:
    raw = encode_header(h)
    assert len(raw) == HEADER_BYTES
    assert decode_header(raw) == h


def test_header_rejects_a_backward_range() -> None:
    h = BatchHeader(1, 2, 3, 4, 5, 5, 100, 99)
    with pytest.raises(PubdataError, match="time_end 99 is below time_start 100"):
        encode_header(h)
    raw = encode_header(h._replace(time_end=100))
    assert raw[96:] == (100).to_bytes(8, "big") * 2
    with pytest.raises(PubdataError, match="time_end 99 is below time_start 100"):
        decode_header(raw[:104] + (99).to_bytes(8, "big"))


@SETTINGS
@given(public_datas())
def test_public_data_round_trip(pd: PublicData) -> None:
    raw = encode_public_data(pd)
    assert decode_public_data(pd.mode, raw) == pd
    s = split(pd.mode, raw)
    assert s == sections_of(pd)
    assert len(s.queue) == 64 * len(pd.queue) and len(s.withdrawals) == 31 * len(pd.withdrawals)
    if pd.mode == Mode.ROLLUP:
        assert s.global_ is not None and len(s.global_) == 546
        assert s.accounts is not None and len(s.accounts) == 84 * len(pd.accounts)
    else:
        with pytest.raises(PubdataError, match="mode byte"):
            decode_public_data(Mode.ROLLUP, raw)


@SETTINGS
@given(public_datas(), headers)
def test_public_input(pd: PublicData, h: BatchHeader) -> None:
    qs = min(h.queue_start, (1 << 64) - 8)
    h = h._replace(queue_start=qs, queue_end=qs + len(pd.queue))
    raw = encode_public_data(pd)
    s = sections_of(pd)
    digests = [hashlib.sha256(p).digest() for p in s if p is not None]
    expect = hashlib.sha256(encode_header(h) + b"".join(digests)).digest()
    assert commitment(pd.mode, h, raw) == expect
    pi = public_input(pd.mode, h, raw)
    assert pi == int.from_bytes(expect, "big") & ((1 << 253) - 1) and pi < R
    with pytest.raises(PubdataError, match="queue records for the queue range"):
        commitment(pd.mode, h._replace(queue_end=h.queue_start + len(pd.queue) + 1), raw)


def test_mask_is_below_r() -> None:
    assert PUBLIC_INPUT_MASK == (1 << 253) - 1 < R < 1 << 254


def test_key_packing() -> None:
    for x, y in keys():
        packed = pack_key(x, y)
        assert packed.to_bytes(32, "little") == babyjub.pack((x, y))
        assert unpack_key(packed) == (x, y)
    with pytest.raises(PubdataError, match="small-order"):
        pack_key(0, 1)
    with pytest.raises(PubdataError, match="small-order"):
        pack_key(1, 1)
    with pytest.raises(PubdataError, match="small-order"):
        unpack_key(1)  # y = 1: the identity


def test_dac_hash_binds_everything() -> None:
    pd = PublicData(Mode.ROLLUP, (), (), GlobalState(0, 0, 0, (None,) * M), ())
    h = BatchHeader(1, 2, 3, 4, 5, 5, 6, 7)
    d = state_diff_hash(pd)
    s = sections_of(pd)
    assert s.global_ is not None
    assert d == hashlib.sha256(hashlib.sha256(s.global_).digest() + hashlib.sha256(b"").digest()).digest()
    base = dac_hash(0xAB, h, d)
    assert (
        base == hashlib.sha256(b"zkclear/dac/v1" + (0xAB).to_bytes(20, "big") + encode_header(h) + d).digest()
    )
    assert dac_hash(0xAC, h, d) != base
    assert dac_hash(0xAB, h._replace(new_root=9), d) != base
    assert dac_hash(0xAB, h, bytes(32)) != base


# ---- rejections -------------------------------------------------------------------------------------

KEY = keys()[0]
GOOD = PublicData(
    Mode.ROLLUP,
    (
        DepositRecord(DepositEntry(0x11, KEY[0], KEY[1], 5), 1),
        ForcedWithdrawalRecord(ForcedWithdrawalEntry(0x11, 1, 7), 3),
    ),
    (Withdrawal(1, 0x22, 9),),
    GlobalState(100, 5, 77, (MarketState(10, 20, -3, 4), *([None] * (M - 1)))),
    (SlotRecord(1, -1, 2, 0, 12345, 0, 5, -6, -7), EMPTY),
)


def offsets(pd: PublicData) -> dict[str, int]:
    """Where each section starts in the framed rollup data."""
    s = sections_of(pd)
    at = 1 + 2 * 3
    out = {}
    for name, part in zip(("queue", "withdrawals", "global", "accounts"), s, strict=True):
        out[name] = at
        at += len(part or b"")
    return out


def patch(raw: bytes, at: int, new: bytes) -> bytes:
    return raw[:at] + new + raw[at + len(new) :]


def test_good_decodes() -> None:
    assert decode_public_data(Mode.ROLLUP, encode_public_data(GOOD)) == GOOD


@pytest.mark.parametrize(
    ("where", "offset", "new", "match"),
    [
        ("queue", 0, b"\x03", "unknown kind 0x03"),
        ("queue", 1 + 20, (1).to_bytes(32, "big"), "key .* small-order"),
        ("queue", 1 + 20, (R).to_bytes(32, "big"), "key .* not a BabyJubJub point"),
        ("queue", 1 + 20 + 32, bytes(8), r"\(deposit\) amount is 0"),
        ("queue", 61, bytes(3), "credits account 0"),
        ("queue", 64 + 32, (8).to_bytes(8, "big"), "paid 8 above the amount requested 7"),
        ("queue", 64 + 63, b"\x01", "padding at offset 104 must be 24 zero bytes"),
        ("withdrawals", 0, bytes(3), "from account 0"),
        ("withdrawals", 3, bytes(20), "to L1 address 0"),
        ("withdrawals", 23, bytes(8), "withdrawal 0 amount is 0"),
        ("global", 0, b"\x00", "market 0 .not configured. at offset 26 must be 65 zero bytes"),
        (
            "global",
            26 + 5 + 5 + 11 + 6 + 1 + 5 + 5 + 5 + 5,
            b"\x40\x00\x00\x00",
            "market 0 premium_ema = 1073741824 .* outside .v. < 2\\^30",
        ),
        ("global", 26 + 5 + 5 + 11 + 6, b"\x03", "market 0 status 3"),
        ("global", 26 + 10, b"\x7f" + b"\xff" * 10, "market 0 funding_index = .* outside"),
        ("accounts", 0, bytes(3), "slot 0 .no account. at offset 3 must be 81 zero bytes"),
        ("accounts", 84 + 83, b"\x01", "slot 1 .no account. at offset 87 must be 81 zero bytes"),
        ("accounts", 3, b"\x01" + bytes(10), "slot 0 collateral = .* outside .v. < 2\\^80"),
        ("accounts", 3, b"\xff" + bytes(10), "slot 0 collateral = .* outside"),
        ("accounts", 23, R.to_bytes(32, "big"), "orders_root .* not a canonical field element"),
        ("accounts", 55, b"\x08", "market id 8 is not below 8"),
        ("accounts", 56, bytes(7), "size 0 with a non-zero cost"),
        ("accounts", 56, b"\x01" + bytes(6), "slot 0 size = .* outside .v. < 2\\^48"),
    ],
)
def test_rejects_malformed(where: str, offset: int, new: bytes, match: str) -> None:
    raw = encode_public_data(GOOD)
    bad = patch(raw, offsets(GOOD)[where] + offset, new)
    with pytest.raises(PubdataError, match=match):
        decode_public_data(Mode.ROLLUP, bad)


def test_rejects_framing() -> None:
    raw = encode_public_data(GOOD)
    with pytest.raises(PubdataError, match="accounts section: 169 bytes is not a multiple of 84"):
        decode_public_data(Mode.ROLLUP, raw + b"\x00")
    with pytest.raises(PubdataError, match="trailing"):
        decode_public_data(
            Mode.VALIDIUM,
            encode_public_data(GOOD._replace(mode=Mode.VALIDIUM, global_state=None, accounts=())) + b"\x00",
        )
    with pytest.raises(PubdataError, match="accounts section: 167 bytes is not a multiple of 84"):
        decode_public_data(Mode.ROLLUP, raw[:-1])
    with pytest.raises(PubdataError, match="mode byte 0, expected 1"):
        decode_public_data(Mode.VALIDIUM, raw)
    with pytest.raises(PubdataError, match="expected bytes"):
        decode_public_data(Mode.ROLLUP, "00")  # type: ignore[arg-type]
    # a withdrawal count one too many: every later section shifts, the accounts section comes short
    with pytest.raises(PubdataError, match=r"accounts section: \d+ bytes is not a multiple of 84"):
        decode_public_data(Mode.ROLLUP, patch(raw, 4, (2).to_bytes(3, "big")))


def test_records_apply_in_slot_order() -> None:
    """An account's last record gives its collateral, nonce, auction and orders root; each record
    sets the position of its market."""
    st0 = AccountState(1, 2, 3, 0, 0, (0,) * M, (0,) * M, (0,) * M, 0)
    recs = (SlotRecord(1, 10, 1, 0, 5, 2, 7, 70, -1), EMPTY, SlotRecord(1, 9, 2, 4, 6, 0, -3, -30, 2))
    out = st0
    for r in account_diff.decode_section(account_diff.encode_section(recs)):
        if r.account_id:
            out = account_diff.apply(out, r)
    assert out == AccountState(
        1, 2, 3, 9, 2, (-3, 0, 7, *[0] * 5), (-30, 0, 70, *[0] * 5), (2, 0, -1, *[0] * 5), 4
    )


@pytest.mark.parametrize(
    ("pd", "match"),
    [
        (GOOD._replace(withdrawals=(Withdrawal(1, 0x22, 1 << 64),)), "withdrawal amount = .* 2\\^64"),
        (GOOD._replace(withdrawals=(Withdrawal(1 << 24, 0x22, 1),)), "account_id = .* 2\\^24"),
        (GOOD._replace(withdrawals=(Withdrawal(1, 1 << 160, 1),)), "recipient = .* 2\\^160"),
        (
            GOOD._replace(accounts=(GOOD.accounts[0]._replace(collateral=1 << 80),)),
            "collateral = .* 2\\^80",
        ),
        (
            GOOD._replace(accounts=(GOOD.accounts[0]._replace(size=0, cost=1, fsnap=0),)),
            "size 0 with cost 1",
        ),
        (GOOD._replace(accounts=(GOOD.accounts[0]._replace(orders_root=R),)), "orders_root .* canonical"),
        (GOOD._replace(accounts=(GOOD.accounts[0]._replace(market_id=M),)), "market id 8 is not below 8"),
        (GOOD._replace(accounts=(EMPTY._replace(nonce=1),)), "without an account must be all zero"),
        (GOOD._replace(global_state=None), "needs the global state"),
        (GOOD._replace(mode=Mode.VALIDIUM), "validium public data carries no"),
        (
            GOOD._replace(queue=(ForcedWithdrawalRecord(ForcedWithdrawalEntry(1, 1, 2), 3),)),
            "paid 3 above the amount requested 2",
        ),
        (GOOD._replace(queue=(DepositRecord(DepositEntry(1, 0, 1, 2), 1),)), "small-order"),
    ],
)
def test_encode_rejects_out_of_bounds(pd: PublicData, match: str) -> None:
    with pytest.raises(PubdataError, match=match):
        encode_public_data(pd)


def test_queue_entry_encoding() -> None:
    """The entry is the record's prefix: what the L1 queue holds and checks."""
    for rec in GOOD.queue:
        raw = queue.encode_record(rec)
        entry = queue.encode_entry(rec.entry)
        assert raw.startswith(entry) and len(entry) == (61 if isinstance(rec, DepositRecord) else 32)


def test_global_size() -> None:
    assert global_diff.GLOBAL_BYTES == 546
