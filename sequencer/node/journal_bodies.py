"""Journal bodies: what a journal entry holds for the operation it records.

Signed account operations (the hot path) in a compact form of the node's own,
`[time, [message fields in declaration order], [R8x, R8y, S]]`; every other operation in the
exchange's codec (`sequencer.codec.encode_op`).  Journal entry kinds are the operations' `TYPE`
strings plus the node's own `batch_close`.
"""

from __future__ import annotations

import json
from typing import Any

from circuits.primitives.eddsa import Signature
from sequencer.codec import decode_op, encode_op
from sequencer.node import wire
from sequencer.node.drafts import SIGNED_OPS


def journal_body(op: Any) -> bytes:
    """The journal body of an applied operation."""
    if op.TYPE in SIGNED_OPS:
        names = wire.field_names(type(op.msg))[0]
        m, s = op.msg, op.sig
        values = [getattr(m, n) for n in names]
        if all(type(v) is int for v in values) and all(type(v) is int for v in (op.time, *s.R8, s.S)):
            # the hot path: the same bytes json.dumps writes for plain ints, without its encoder
            return f"[{op.time},[{','.join(map(str, values))}],[{s.R8[0]},{s.R8[1]},{s.S}]]".encode()
        return json.dumps([op.time, values, [s.R8[0], s.R8[1], s.S]], separators=(",", ":")).encode()
    return encode_op(op)


def journal_op(kind: str, body: bytes) -> Any:
    """The operation of a journal entry (inverse of journal_body)."""
    if kind in SIGNED_OPS:
        op_cls, msg_cls = SIGNED_OPS[kind]
        t, values, sig = json.loads(body)
        return op_cls(time=t, msg=msg_cls(*values), sig=Signature(R8=(sig[0], sig[1]), S=sig[2]))
    op = decode_op(body)
    if kind != op.TYPE:
        raise RuntimeError(f"journal entry of kind {kind} holds a {op.TYPE}")
    return op
