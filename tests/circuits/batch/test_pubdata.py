"""The batch public input in the circuit (circuits/batch/pubdata.py) against protocol/pubdata: the
7.11 test vector, random sections at every count up to the capacity, and invalid assignments."""

from __future__ import annotations

import hashlib
import random
from typing import Any

import pytest

from circuits.batch.pubdata import (
    HeaderVars,
    QueueRecordVars,
    WithdrawalVars,
    commitment_rollup,
    public_input_validium,
    section_digest,
    thermometer,
)
from circuits.dsl import Circuit, Program, Solved
from circuits.gadgets.bits import num2bits
from circuits.gadgets.sha256 import digest_bytes
from circuits.primitives import babyjub
from circuits.primitives.field import R
from protocol.pubdata.batch import Sections, frame, public_input, sections_of
from protocol.pubdata.fields import Mode, sha256
from protocol.pubdata.header import BatchHeader
from protocol.pubdata.queue import QueueRecord, encode_section
from protocol.pubdata.steps.deposit import DepositEntry, DepositRecord
from protocol.pubdata.steps.forced_withdrawal import ForcedWithdrawalEntry, ForcedWithdrawalRecord
from protocol.pubdata.withdrawals import Withdrawal
from protocol.pubdata.withdrawals import encode_section as encode_withdrawals
from tests.circuits.helpers import solve_fails, solve_ok
from tests.protocol.test_pubdata_vector import ROLLUP_PUBLIC_INPUT
from tests.protocol.test_pubdata_vector import VECTOR as ROLLUP_VECTOR

Q_CAP, W_CAP = 2, 3
HEADER_FIELDS = (
    "old_root",
    "new_root",
    "batch_number",
    "chain_id",
    "queue_start",
    "queue_end",
    "time_start",
    "time_end",
)
Q_FIELDS = ("is_deposit", "owner", "pub_x", "pub_y", "account_id", "amount", "paid")
W_FIELDS = ("account_id", "recipient", "amount")

# protocol.md 7.11
OWNER = 0x1A642F0E3C3AF545E7ACBD38B07251B3990914F1
KEY = babyjub.mul(babyjub.BASE8, 3)
VECTOR_HEADER = BatchHeader(11, 22, 3, 31337, 4, 6, 1_699_999_940, 1_700_000_000)
VECTOR_QUEUE: tuple[QueueRecord, ...] = (
    DepositRecord(DepositEntry(OWNER, KEY[0], KEY[1], 100_000_000), 1),
    ForcedWithdrawalRecord(ForcedWithdrawalEntry(OWNER, 1, 50_000_000), 20_000_000),
)
VECTOR_WITHDRAWALS = (Withdrawal(1, 0xCAFE, 30_000_000),)
VECTOR_PUBLIC_INPUT = 0x0F522FDC87C4EEC688AA3A873051996FA1D3A31EEFF9444E40CC9458DD969D10


def build_program(q_cap: int, w_cap: int) -> Program:
    cs = Circuit("pubdata")
    h = {f: cs.private_input(f) for f in HEADER_FIELDS}
    qf = {f: cs.private_inputs(f"q_{f}", q_cap) for f in Q_FIELDS}
    wf = {f: cs.private_inputs(f"w_{f}", w_cap) for f in W_FIELDS}
    queue = [QueueRecordVars(*(qf[f][i] for f in Q_FIELDS)) for i in range(q_cap)]
    withdrawals = [WithdrawalVars(*(wf[f][i] for f in W_FIELDS)) for i in range(w_cap)]
    pi, qd, wd = public_input_validium(
        cs,
        HeaderVars(*(h[f] for f in HEADER_FIELDS)),
        queue,
        cs.private_input("q_count"),
        withdrawals,
        cs.private_input("w_count"),
    )
    cs.public_output("public_input", pi)
    for i in range(256):
        cs.public_output(f"qd[{i}]", qd[i])
        cs.public_output(f"wd[{i}]", wd[i])
    return cs.compile()


@pytest.fixture(scope="module")
def program() -> Program:
    return build_program(Q_CAP, W_CAP)


def test_constraint_count(program: Program) -> None:
    # 8 compressions (queue 2 + padding, withdrawals 2, outer 3) and the encodings around them;
    # circuits/batch/pubdata.py's docstring gives the count for other capacities.
    assert program.n_constraints == 214_446


def queue_values(rec: QueueRecord | None) -> tuple[int, ...]:
    if rec is None:
        return (0,) * 7
    if isinstance(rec, DepositRecord):
        e = rec.entry
        return (1, e.owner, e.pub_x, e.pub_y, rec.account_id, e.amount, 0)
    f = rec.entry
    return (0, f.owner, 0, 0, f.account_id, f.amount, rec.paid)


def inputs_of(
    header: BatchHeader, queue: tuple[QueueRecord, ...], withdrawals: tuple[Withdrawal, ...]
) -> dict[str, Any]:
    out: dict[str, Any] = dict(header._asdict())
    qv = [queue_values(queue[i] if i < len(queue) else None) for i in range(Q_CAP)]
    for k, f in enumerate(Q_FIELDS):
        out[f"q_{f}"] = [v[k] for v in qv]
    wv = [tuple(withdrawals[i]) if i < len(withdrawals) else (0, 0, 0) for i in range(W_CAP)]
    for k, f in enumerate(W_FIELDS):
        out[f"w_{f}"] = [v[k] for v in wv]
    out["q_count"] = len(queue)
    out["w_count"] = len(withdrawals)
    return out


def digest(s: Solved, name: str) -> bytes:
    return digest_bytes([s.signal(f"{name}[{i}]") for i in range(256)])


def expected_public_input(
    header: BatchHeader, queue: tuple[QueueRecord, ...], withdrawals: tuple[Withdrawal, ...]
) -> int:
    data = frame(Mode.VALIDIUM, Sections(encode_section(queue), encode_withdrawals(withdrawals), None, None))
    return public_input(Mode.VALIDIUM, header, data)


def check_against_protocol(
    program: Program, header: BatchHeader, queue: tuple[QueueRecord, ...], withdrawals: tuple[Withdrawal, ...]
) -> Solved:
    s = program.solve(inputs_of(header, queue, withdrawals))
    assert digest(s, "qd") == sha256(encode_section(queue))
    assert digest(s, "wd") == sha256(encode_withdrawals(withdrawals))
    assert s.signal("public_input") == expected_public_input(header, queue, withdrawals)
    return s


def test_vector(program: Program) -> None:
    s = check_against_protocol(program, VECTOR_HEADER, VECTOR_QUEUE, VECTOR_WITHDRAWALS)
    assert s.signal("public_input") == VECTOR_PUBLIC_INPUT


def test_no_free_wire(program: Program) -> None:
    solve_ok(program, inputs_of(VECTOR_HEADER, VECTOR_QUEUE, VECTOR_WITHDRAWALS))


def random_point(rng: random.Random) -> tuple[int, int]:
    return babyjub.mul(babyjub.BASE8, rng.randrange(1, 2**200))


def random_queue(rng: random.Random, n: int) -> tuple[QueueRecord, ...]:
    out: list[QueueRecord] = []
    for _ in range(n):
        owner = rng.choice([rng.randrange(1, 2**160), 2**160 - 1])
        aid = rng.choice([rng.randrange(1, 2**24), 2**24 - 1])
        amount = rng.choice([rng.randrange(1, 2**64), 2**64 - 1, 1])
        if rng.random() < 0.5:
            x, y = random_point(rng)
            out.append(DepositRecord(DepositEntry(owner, x, y, amount), aid))
        else:
            out.append(
                ForcedWithdrawalRecord(
                    ForcedWithdrawalEntry(owner, aid, amount), rng.randrange(0, amount + 1)
                )
            )
    return tuple(out)


def random_withdrawals(rng: random.Random, n: int) -> tuple[Withdrawal, ...]:
    return tuple(
        Withdrawal(
            rng.randrange(1, 2**24),
            rng.randrange(1, 2**160),
            rng.choice([rng.randrange(1, 2**64), 2**64 - 1]),
        )
        for _ in range(n)
    )


def random_header(rng: random.Random, n_queue: int) -> BatchHeader:
    start = rng.choice([rng.randrange(0, 2**40), 2**64 - 1 - n_queue])
    return BatchHeader(
        rng.choice([rng.randrange(R), R - 1, 0]),
        rng.randrange(R),
        rng.randrange(2**64),
        rng.choice([31337, 2**64 - 1]),
        start,
        start + n_queue,
        t := rng.choice([rng.randrange(0, 2**40), 2**64 - 2]),
        rng.choice([t, t + 1]),
    )


def test_random_against_protocol(program: Program) -> None:
    rng = random.Random(7)
    signs = set()
    for case in range(24):
        nq, nw = case % (Q_CAP + 1), (case // (Q_CAP + 1)) % (W_CAP + 1)
        queue = random_queue(rng, nq)
        signs |= {r.entry.pub_x > (R - 1) // 2 for r in queue if isinstance(r, DepositRecord)}
        check_against_protocol(program, random_header(rng, nq), queue, random_withdrawals(rng, nw))
    assert signs == {False, True}  # both key signs seen


# -- invalid assignments ---------------------------------------------------------------------------


def vector_inputs() -> dict[str, Any]:
    return inputs_of(VECTOR_HEADER, VECTOR_QUEUE, VECTOR_WITHDRAWALS)


@pytest.mark.parametrize(
    ("field", "where"),
    [
        ("w_amount", "pubdata/withdrawals/record1/zero_beyond/amount"),
        ("w_recipient", "pubdata/withdrawals/record2/zero_beyond/recipient"),
    ],
)
def test_withdrawal_beyond_count_must_be_zero(program: Program, field: str, where: str) -> None:
    ins = vector_inputs()
    k = int(where.split("record")[1][0])
    ins[field][k] = 5
    solve_fails(program, ins, where)


@pytest.mark.parametrize("field", ["q_is_deposit", "q_owner", "q_pub_x", "q_paid", "q_amount"])
def test_queue_record_beyond_count_must_be_zero(program: Program, field: str) -> None:
    queue = VECTOR_QUEUE[:1]
    ins = inputs_of(VECTOR_HEADER._replace(queue_end=5), queue, VECTOR_WITHDRAWALS)
    ins[field][1] = 1
    solve_fails(program, ins, f"pubdata/queue/record1/zero_beyond/{field[2:]}")


def test_count_above_capacity(program: Program) -> None:
    ins = vector_inputs()
    ins["w_count"] = W_CAP + 1
    solve_fails(program, ins, "pubdata/withdrawals/count/")
    ins = vector_inputs()
    ins["q_count"] = Q_CAP + 1
    ins["queue_end"] = VECTOR_HEADER.queue_start + Q_CAP + 1
    solve_fails(program, ins, "pubdata/queue/count/")


def test_queue_range_must_match_count(program: Program) -> None:
    ins = vector_inputs()
    ins["queue_end"] += 1
    solve_fails(program, ins, "pubdata/queue_range")


def test_deposit_pays_nothing(program: Program) -> None:
    ins = vector_inputs()
    ins["q_paid"][0] = 1
    solve_fails(program, ins, "pubdata/queue/record0/deposit_pays_nothing")


@pytest.mark.parametrize(
    ("field", "value", "where"),
    [
        ("batch_number", 2**64, "pubdata/commitment/header/batch_number"),
        ("chain_id", 2**64 + 31337, "pubdata/commitment/header/chain_id"),
        ("queue_start", R - 1, "pubdata/commitment/header/queue_start"),
        ("time_start", 2**64, "pubdata/commitment/header/time_start"),
        ("time_end", 2**64 + 1_700_000_000, "pubdata/commitment/header/time_end"),
    ],
)
def test_header_field_out_of_range(program: Program, field: str, value: int, where: str) -> None:
    ins = vector_inputs()
    ins[field] = value
    if field == "queue_start":
        ins["queue_end"] = (value + len(VECTOR_QUEUE)) % R
    solve_fails(program, ins, where)


def test_record_field_out_of_range(program: Program) -> None:
    ins = vector_inputs()
    ins["q_owner"][0] = 2**160
    solve_fails(program, ins, "pubdata/queue/record0/owner")
    ins = vector_inputs()
    ins["w_amount"][0] = 2**64
    solve_fails(program, ins, "pubdata/withdrawals/record0/amount")


def test_wrong_key_sign(program: Program) -> None:
    """The sign is computed, not taken: flipping it in an honest witness breaks the decomposition
    of 2x it comes from (folded into the product that gates x by is_deposit, so that is the
    constraint that names the failure)."""
    s = program.solve(vector_inputs())
    wires = s.values()
    names = [program.wire_name(w) for w in range(program.n_wires)]
    (sign,) = [w for w, n in enumerate(names) if n.startswith("pubdata/queue/record0/key_sign/b[0]")]
    wires[sign] = 1 - wires[sign]
    bad = program.check(wires)
    assert bad == "pubdata/queue/record0/x_deposit"


# -- the generic section digest and the rollup commitment --------------------------------------


def test_section_digest_block_aligned_width() -> None:
    """Records of 32 bytes (the rollup positions' width): two per block, counts 0..3."""
    cap, width = 3, 32
    cs = Circuit("section")
    raw = cs.private_inputs("b", cap * width)
    _, is_count = thermometer(cs, cs.private_input("n"), cap, "count")
    records = [
        [bit for byte in raw[width * i : width * (i + 1)] for bit in reversed(num2bits(cs, byte, 8, "byte"))]
        for i in range(cap)
    ]
    for i, b in enumerate(section_digest(cs, records, is_count, "positions")):
        cs.public_output(f"d[{i}]", b)
    p = cs.compile()
    rng = random.Random(3)
    for n in range(cap + 1):
        data = bytes(rng.randrange(256) for _ in range(width * n))
        s = solve_ok(p, {"b": list(data) + [0] * (width * (cap - n)), "n": n}, mutation=n == 2)
        assert digest(s, "d") == hashlib.sha256(data).digest()


def test_rollup_commitment_vector() -> None:
    """commitment_rollup on the section digests of the 7.11 rollup vector."""
    cs = Circuit("rollup")
    h = cs.private_inputs("h", 8)
    ds = [cs.private_inputs(f"d{k}", 256) for k in range(4)]
    for k, d in enumerate(ds):
        for i, b in enumerate(d):
            cs.assert_bool(b, f"d{k}_bit{i}")
    cs.public_output(
        "pi",
        commitment_rollup(cs, HeaderVars(*h), ds[0], ds[1], ds[2], ds[3]),
    )
    p = cs.compile()
    sections = sections_of(ROLLUP_VECTOR)
    ins: dict[str, Any] = {"h": list(VECTOR_HEADER)}
    for k, part in enumerate(sections):
        assert part is not None
        ins[f"d{k}"] = [(byte >> (7 - j)) & 1 for byte in sha256(part) for j in range(8)]
    assert solve_ok(p, ins, mutation=False).signal("pi") == ROLLUP_PUBLIC_INPUT
