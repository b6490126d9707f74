"""The node's client of the data-availability committee (validium mode, protocol.md 7.8): posts a
proven batch's header, public data and state diff to every member (`zkclear dac-member`), checks
each answer's signature itself, and returns a quorum's signatures packed as the rollup's
submitValidiumBatch takes them (65 bytes `r | s | v` each, by strictly ascending signer address).

A member that missed earlier batches answers `out_of_order` with the batch it needs next; given
`earlier` (a batch row by number), the client posts the missing batches first, so a member that
was down catches up. Unreachable members and refusals are retried with back-off; fewer than a quorum
after the last attempt raises CommitteeError (the L1 stage retries the submission later)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any

import aiohttp
from eth_keys import keys

from protocol.pubdata.batch import split, state_diff_hash
from protocol.pubdata.dac import dac_hash
from protocol.pubdata.fields import Mode, PubdataError
from protocol.pubdata.header import BatchHeader, decode_header, encode_header
from sequencer.journal.store import BatchRow, Store
from sequencer.node.config import NodeConfig

log = logging.getLogger("zkclear.dac")
HALF_N = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0  # secp256k1 n / 2


class CommitteeError(RuntimeError):
    """No quorum of valid signatures (members down, refusing, or answering badly)."""


def _unhex(info: dict[str, Any], key: str, number: int) -> bytes:
    v = info.get(key)
    if not isinstance(v, str) or not v.startswith("0x"):
        raise CommitteeError(f"batch {number}: info has no {key!r} (0x hex) for the committee")
    return bytes.fromhex(v[2:])


def header_from_info(row: BatchRow) -> BatchHeader:
    """The batch header (protocol.md 7.1) from the row's info key "header" (0x hex, 112 bytes)."""
    try:
        return decode_header(_unhex(row.info, "header", row.number))
    except PubdataError as e:
        raise CommitteeError(f"batch {row.number}: {e}") from e


def row_header(chain_id: int) -> Callable[[BatchRow], BatchHeader]:
    """The header of a node's own batch row on `chain_id`: its roots and number, and the queue and
    time ranges its info records (sequencer.node.batches)."""

    def header(row: BatchRow) -> BatchHeader:
        i = row.info
        try:
            q0, q1, t0, t1 = (int(i[k]) for k in ("queue_start", "queue_end", "time_start", "time_end"))
        except (KeyError, TypeError, ValueError) as e:
            raise CommitteeError(f"batch {row.number}: its row lacks the header's ranges ({e})") from e
        return BatchHeader(int(row.old_root), int(row.new_root), row.number, chain_id, q0, q1, t0, t1)

    return header


def recover(digest: bytes, sig: bytes) -> str:
    """The signer of a 65-byte `r | s | v` signature over a raw hash, checked as the contract does
    (v 27 or 28, s <= n/2); 0x + 40 lowercase hex digits."""
    if len(sig) != 65 or sig[64] not in (27, 28):
        raise CommitteeError("a signature is 65 bytes with v = 27 or 28")
    r, s = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:64], "big")
    if s > HALF_N:
        raise CommitteeError("a malleable (high-s) signature")
    pub = keys.Signature(vrs=(sig[64] - 27, r, s)).recover_public_key_from_msg_hash(digest)
    return str(pub.to_checksum_address()).lower()


class HttpCommittee:
    def __init__(
        self,
        members: Sequence[str],
        quorum: int,
        rollup_address: int,
        *,
        header_of: Callable[[BatchRow], BatchHeader] = header_from_info,
        earlier: Callable[[int], BatchRow | None] | None = None,
        timeout_s: float = 30.0,
        attempts: int = 5,
        backoff_s: float = 0.5,
    ) -> None:
        if not 0 < quorum <= len(members):
            raise ValueError(f"a quorum of {quorum} from {len(members)} committee members")
        self.members = [m.rstrip("/") for m in members]
        self.quorum, self.rollup_address = quorum, rollup_address
        self.header_of, self.earlier = header_of, earlier
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self.attempts, self.backoff_s = attempts, backoff_s

    def _body(self, row: BatchRow) -> tuple[dict[str, str], bytes, bytes]:
        """(request body, state_diff_hash, dac_hash) of a row with the prover stage's info keys."""
        header = self.header_of(row)
        pd = _unhex(row.info, "public_data", row.number)
        diff = _unhex(row.info, "state_diff", row.number)
        try:
            sections = split(Mode.ROLLUP, bytes([Mode.ROLLUP]) + pd[1:] + diff)
        except PubdataError as e:
            raise CommitteeError(f"batch {row.number}: {e}") from e
        diff_hash = state_diff_hash(sections)
        body = {
            "header": "0x" + encode_header(header).hex(),
            "public_data": "0x" + pd.hex(),
            "state_diff": "0x" + diff.hex(),
        }
        return body, diff_hash, dac_hash(self.rollup_address, header, diff_hash)

    async def _post(self, s: aiohttp.ClientSession, url: str, body: dict[str, str]) -> tuple[int, Any]:
        async with s.post(url + "/v1/batches", json=body) as resp:
            return resp.status, await resp.json(content_type=None)

    async def _ask(self, s: aiohttp.ClientSession, url: str, row: BatchRow) -> tuple[str, bytes]:
        body, _, digest = self._body(row)
        status, out = await self._post(s, url, body)
        err = out.get("error") if isinstance(out, dict) else None
        if status == 409 and err and err.get("code") == "out_of_order" and self.earlier is not None:
            for k in range(int(err.get("details", {}).get("next_batch", row.number)), row.number):
                prev = self.earlier(k)
                if prev is None:
                    raise CommitteeError(f"{url} needs batch {k}, which the node does not have")
                st, o = await self._post(s, url, self._body(prev)[0])
                if st != 200:
                    raise CommitteeError(f"{url} refused earlier batch {k}: {o}")
            status, out = await self._post(s, url, body)
        if status != 200:
            raise CommitteeError(f"{url} refused batch {row.number}: {out}")
        try:
            sig = bytes.fromhex(str(out["signature"])[2:])
            signer = recover(digest, sig)
        except (KeyError, ValueError) as e:
            raise CommitteeError(f"{url}: malformed answer {out} ({e})") from e
        if signer != str(out.get("signer", "")).lower():
            raise CommitteeError(f"{url}: the signature is by {signer}, not the member {out.get('signer')}")
        return signer, sig

    async def signatures(self, row: BatchRow) -> tuple[bytes, bytes]:
        _, diff_hash, _ = self._body(row)
        got: dict[str, bytes] = {}
        asked: set[str] = set()
        errors: dict[str, str] = {}
        async with aiohttp.ClientSession(timeout=self.timeout) as s:
            for attempt in range(self.attempts):
                todo = [u for u in self.members if u not in asked]
                outs = await asyncio.gather(*(self._ask(s, u, row) for u in todo), return_exceptions=True)
                for url, res in zip(todo, outs, strict=True):
                    if isinstance(res, BaseException):
                        if not isinstance(res, (CommitteeError, aiohttp.ClientError, TimeoutError)):
                            raise res
                        errors[url] = str(res) or type(res).__name__
                    else:
                        asked.add(url)
                        got[res[0]] = res[1]
                if len(got) >= self.quorum:
                    break
                log.warning("batch %d: %d of %d signatures (%s)", row.number, len(got), self.quorum, errors)
                if attempt + 1 < self.attempts:
                    await asyncio.sleep(self.backoff_s * 2**attempt)
        if len(got) < self.quorum:
            raise CommitteeError(
                f"batch {row.number}: {len(got)} of {self.quorum} committee signatures; "
                + "; ".join(f"{u}: {e}" for u, e in errors.items())
            )
        packed = b"".join(got[a] for a in sorted(got, key=lambda a: int(a, 16)))
        return diff_hash, packed


def committee_for(cfg: NodeConfig, rollup_address: int, chain_id: int, store: Store) -> HttpCommittee | None:
    """The node's committee client from `--dac-member` / `--dac-quorum` (None without members);
    headers come from the node's batch rows, and members that missed batches are sent them from
    those rows."""
    if not cfg.dac_members:
        return None
    return HttpCommittee(
        cfg.dac_members,
        cfg.dac_quorum or len(cfg.dac_members),
        rollup_address,
        header_of=row_header(chain_id),
        earlier=store.batch,
    )
