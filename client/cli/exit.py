"""`zkclear exit`: leave a frozen rollup on L1 (protocol.md 7.12). Builds the account's exit proof
against the last proven root, publishes the root's preimage if nobody has yet, calls `escape`, and
pays back the trader's deposits that no batch consumed.

The proof comes, by default, from the state rebuilt from L1 data alone (`zkclear verify chain`'s
rebuild, client/verify.py: every batch verified under the trusted keys, rollup mode only), with the
markets' config inputs from `--genesis PARAMS.json` (a `GET /v1/params` body; default: asked from
the node, and checked against the genesis config hashes either way); with `--from-node`, from the
node's `GET /v1/accounts/{id}/proof` and `GET /v1/params` for the last proven batch (validium, or
while the node still answers). Exit codes as the other L1 commands: 0, 1 refused, 2 unreachable or
malformed."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import click

from client.cli.common import emit_json, kv_table
from client.cli.l1_session import L1Args, Session, l1_errors, l1_options, open_session, sent_rows, usd
from client.escape import ExitDataError, ExitProof, NoLeaf, find_account, from_node, from_rebuild
from client.http import Client, NodeError
from client.l1 import L1Refused, Sent
from client.verify import L1, Malformed, committed_keys, load_vk, verify_chain
from protocol.pubdata.fields import PubdataError
from protocol.pubdata.rebuild import Genesis
from prover.formats.json_files import ProofFormatError, VerifyingKey


def _params(genesis: Path | None, node_url: str, batch: int | None = None) -> dict[str, Any]:
    if genesis is not None:
        try:
            body = json.loads(genesis.read_text())
        except (OSError, ValueError) as e:
            raise ExitDataError(f"--genesis {genesis}: {e}") from e
        if not isinstance(body, dict):
            raise ExitDataError(f"--genesis {genesis}: not a JSON object")
        return body
    with Client(node_url) as c:
        return c.params(batch)


def _keys(vk_files: tuple[Path, ...]) -> list[VerifyingKey]:
    try:
        return [load_vk(p) for p in vk_files] if vk_files else committed_keys()
    except ProofFormatError as e:
        raise Malformed(None, "vk", str(e)) from e


def _account_id(s: Session, account_id: int | None) -> int | None:
    if account_id is not None:
        return account_id
    return s.ks.account_id if s.ks is not None else None


def proof_from_l1(
    s: Session, account_id: int | None, genesis: Path | None, vk_files: tuple[Path, ...], last: int
) -> ExitProof:
    """Verify batches 0..last from L1, rebuild the state, and prove the account in it."""
    params = _params(genesis, s.node_url)
    try:
        gen = Genesis.from_params_json(params)
    except PubdataError as e:
        raise ExitDataError(str(e)) from e
    reader = L1(s.l1.w3, s.l1.address)
    if reader.mode.name != "ROLLUP":
        raise ExitDataError("a validium rollup publishes no account data: exit with --from-node")
    s.say(f"verifying batches 0..{last} from L1 and rebuilding the state")
    res = verify_chain(reader, _keys(vk_files), gen, last)
    rb = res.rebuilder
    assert rb is not None  # rollup mode with a genesis
    aid = _account_id(s, account_id)
    if aid is None and s.ks is not None:
        aid = find_account(rb, s.ks.public_key)
    if aid is None:
        raise NoLeaf("no account with the keystore's L2 key in the proven state")
    return from_rebuild(rb, params, last, aid)


def proof_from_node(s: Session, account_id: int | None, last: int) -> ExitProof:
    """The node's proof and parameters for the last proven batch."""
    s.say(f"asking the node at {s.node_url} for the exit proof against batch {last}")
    with Client(s.node_url) as c:
        w = s.l2_wallet(c)
        aid = _account_id(s, account_id) or w.account_id
        if aid is None:
            raise NoLeaf("the node knows no account with the keystore's L2 key")
        if w.account_id is not None and w.account_id != aid:
            raise ExitDataError(
                f"the keystore's key does not own account {aid} (its account is {w.account_id})"
            )
        w.account_id = aid
        try:
            proof = c.proof(aid, w.read_token(int(time.time()) + 300), last)
        except NodeError as e:
            if e.code != "unknown_account":
                raise
            raise NoLeaf(f"account {aid} is not in the state of batch {last}") from e
        params = c.params(last)
    return from_node(proof, params, aid)


@click.command("exit")
@click.option("--account", "account_id", type=int, help="Account id (default: the keystore's key's).")
@click.option(
    "--from-node", is_flag=True, help="Take the Merkle proof from the node instead of rebuilding it from L1."
)
@click.option(
    "--genesis",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="GET /v1/params body with the markets' config inputs (default: asked from the node).",
)
@click.option(
    "--vk",
    "vk_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Trusted verification key (repeatable; default: the committed keys under contracts/keys/).",
)
@click.option("--freeze", is_flag=True, help="First freeze the rollup if a forced withdrawal is overdue.")
@click.option("--no-refund", is_flag=True, help="Do not pay back your deposits that no batch consumed.")
@l1_options
@l1_errors
def exit_cmd(
    account_id: int | None,
    from_node: bool,
    genesis: Path | None,
    vk_files: tuple[Path, ...],
    freeze: bool,
    no_refund: bool,
    l1_args: L1Args,
) -> None:
    """After a freeze: escape with your account's Merkle proof against the last proven root (paid
    its value at the proven oracle prices, funding included) and take back your unconsumed deposits."""
    s = open_session(l1_args)
    me = s.l1.sender
    st = s.l1.status(me)
    sent: list[Sent] = []
    if not st.frozen:
        index = s.l1.overdue_forced_request() if freeze else None
        if index is None:
            why = (
                "no forced withdrawal is overdue"
                if freeze
                else "withdraw on L2, or `zkclear forced-withdraw`"
            )
            raise L1Refused("exit", f"not frozen: the rollup is live ({why})")
        s.say(f"freezing the rollup: forced withdrawal {index} is overdue")
        sent.append(s.l1.freeze(index))
        st = s.l1.status(me)
    out: dict[str, Any] = {"address": me, "batch": st.batches - 1, "escape": None, "refunds": []}
    ep: ExitProof | None = None
    no_leaf: NoLeaf | None = None
    if st.batches > 0:
        last = st.batches - 1
        try:
            ep = (
                proof_from_node(s, account_id, last)
                if from_node
                else proof_from_l1(s, account_id, genesis, vk_files, last)
            )
        except NoLeaf as missing:  # nothing to escape; unconsumed deposits may still be paid back
            s.say(f"{missing}: nothing to escape")
            no_leaf = missing
    if ep is not None:
        if ep.state_root != st.state_root:
            raise ExitDataError(
                f"the exit proof is against root {ep.state_root}, the rollup's last proven root is {st.state_root}"
            )
        if not st.exit_published:
            s.say("publishing the last proven root's global state (once, for everyone)")
            sent.append(s.l1.publish_exit_state(ep.exit_state))
        elif s.l1.exit_accounts_root() != ep.accounts_root:
            raise ExitDataError("the published exit state's accounts root is not the proof's")
        if s.l1.escaped(ep.account_id):
            s.say(f"account {ep.account_id} has already escaped")
            out["escape"] = {"account_id": ep.account_id, "already": True}
        else:
            s.say(f"escaping account {ep.account_id} (value {usd(ep.value)} USD at the exit prices)")
            tx, value, paid = s.l1.escape(ep.account_id, ep.leaf, ep.siblings)
            sent.append(tx)
            out["escape"] = {
                "account_id": ep.account_id,
                "value": str(value),
                "paid": str(paid),
                **tx.as_json(),
            }
    if not no_refund:
        for d in s.l1.unconsumed_deposits(me):
            s.say(f"paying back deposit {d.index} ({usd(d.entry.amount)} USD), which no batch consumed")
            tx = s.l1.reclaim_deposit(d)
            sent.append(tx)
            out["refunds"].append({"queue_index": d.index, "amount": str(d.entry.amount), **tx.as_json()})
    escaped = isinstance(out["escape"], dict) and "paid" in out["escape"]
    if not escaped and not out["refunds"]:
        if no_leaf is not None:
            raise no_leaf
        if out["escape"] is None:
            raise L1Refused(
                "exit", "no batch was proven, so there is nothing to escape, and no deposit to pay back"
            )
        raise L1Refused(
            "exit", f"already escaped (account {out['escape']['account_id']}) and no deposit to pay back"
        )
    out["transactions"] = [x.as_json() for x in sent]
    if l1_args.as_json:
        emit_json(out)
        return
    rows: list[tuple[str, Any]] = [("address", me)]
    if escaped:
        e = out["escape"]
        rows += [
            ("account", e["account_id"]),
            ("value at the exit prices (USD)", usd(int(e["value"]))),
            ("paid (USD)", usd(int(e["paid"]))),
        ]
    rows += [(f"refund of deposit {r['queue_index']} (USD)", usd(int(r["amount"]))) for r in out["refunds"]]
    kv_table("exited", rows + sent_rows(sent))
