"""`zkclear verify batch|chain`: check proven batches from L1 alone (client/verify.py). Exit 0: valid;
1: invalid (the failing batch and field are printed); 2: malformed data or unreachable node."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from client.cli.common import emit_json, kv_table, table
from client.verify import (
    L1,
    BatchResult,
    Malformed,
    VerifyFailure,
    committed_keys,
    load_vk,
    verify_batch,
    verify_chain,
)
from protocol.pubdata.fields import PubdataError
from protocol.pubdata.rebuild import Genesis, account_json
from prover.formats.json_files import ProofFormatError, VerifyingKey


@click.group()
def verify() -> None:
    """Verify proven batches from L1 data alone (no sequencer)."""


def _options(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn = click.option("--json", "as_json", is_flag=True, help="print one JSON object")(fn)
    fn = click.option(
        "--vk",
        "vk_files",
        multiple=True,
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="trusted verification key (snarkjs JSON; repeatable); default: the committed keys under contracts/keys/",
    )(fn)
    fn = click.option("--rollup", required=True, help="the rollup contract's address")(fn)
    fn = click.option("--rpc", required=True, envvar="ZKCLEAR_RPC", help="L1 JSON-RPC URL")(fn)
    return fn


def _keys(vk_files: Sequence[Path]) -> list[VerifyingKey]:
    try:
        return [load_vk(p) for p in vk_files] if vk_files else committed_keys()
    except ProofFormatError as e:
        raise Malformed(None, "vk", str(e)) from e


def _l1(rpc: str, rollup: str) -> L1:
    from web3 import HTTPProvider, Web3

    return L1(Web3(HTTPProvider(rpc, request_kwargs={"timeout": 30})), rollup)


def _fail(e: VerifyFailure, as_json: bool, extra: dict[str, Any] | None = None) -> None:
    if as_json:
        emit_json({**(extra or {}), **e.as_json()})
    else:
        click.echo(f"{e.status.upper()}: {e}", err=True)
    sys.exit(e.exit_code)


def _batch_rows(r: BatchResult) -> list[tuple[str, Any]]:
    h = r.header
    return [
        ("batch", r.batch),
        ("transaction", r.tx),
        ("mode", r.mode.name.lower()),
        ("slots", r.slots),
        ("old root", h.old_root),
        ("new root", h.new_root),
        ("queue", f"[{h.queue_start}, {h.queue_end})"),
        ("time", f"[{h.time_start}, {h.time_end}]"),
        ("public input", r.public_input),
        ("verifier", r.verifier),
        ("key digest", r.vk_digest),
    ]


@verify.command("batch")
@click.argument("number", type=int)
@_options
def batch_cmd(number: int, rpc: str, rollup: str, vk_files: tuple[Path, ...], as_json: bool) -> None:
    """Batch NUMBER: its submission's header and public input rebuilt, its verifier's code that of
    the trusted key, its proof checked locally."""
    try:
        res = verify_batch(_l1(rpc, rollup), number, _keys(vk_files))
    except VerifyFailure as e:
        _fail(e, as_json)
        return
    if as_json:
        emit_json(res.as_json())
    else:
        kv_table(f"batch {number}: VALID", _batch_rows(res))


@verify.command("chain")
@_options
@click.option("--to", "to", type=int, default=None, help="last batch to verify (default: every proven batch)")
@click.option(
    "--genesis",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="genesis parameters as GET /v1/params returns them (params_hash, markets[].config_hash); "
    "rollup mode: the state is rebuilt and every new root checked",
)
@click.option(
    "--account", "account_id", type=int, default=None, help="print this account's rebuilt state and exit path"
)
def chain_cmd(
    rpc: str,
    rollup: str,
    vk_files: tuple[Path, ...],
    as_json: bool,
    to: int | None,
    genesis: Path | None,
    account_id: int | None,
) -> None:
    """Every batch in order; with --genesis in rollup mode, the whole state rebuilt from L1 data."""
    try:
        gen = None
        if genesis is not None:
            try:
                gen = Genesis.from_params_json(json.loads(genesis.read_text()))
            except (ValueError, PubdataError) as e:
                raise Malformed(None, "genesis", str(e)) from e
        l1 = _l1(rpc, rollup)
        if account_id is not None and (gen is None or l1.mode.name != "ROLLUP"):
            raise Malformed(None, "account", "--account needs --genesis and a rollup-mode chain")
        res = verify_chain(l1, _keys(vk_files), gen, to)
    except VerifyFailure as e:
        _fail(e, as_json)
        return
    rb = res.rebuilder
    body: dict[str, Any] = {
        "status": "valid",
        "batches": len(res.batches),
        "rebuilt": rb is not None,
        "state_root": str(res.batches[-1].header.new_root) if res.batches else None,
    }
    if rb is not None and account_id is not None and res.batches:
        body["account"] = account_json(rb, account_id)
    if as_json:
        emit_json({**body, "results": [b.as_json() for b in res.batches]})
        return
    table(
        f"{len(res.batches)} batches VALID" + (" (state rebuilt from L1)" if rb is not None else ""),
        ["batch", "new root", "queue end", "time end", "rebuilt root"],
        [
            (b.batch, b.header.new_root, b.header.queue_end, b.header.time_end, b.new_root_rebuilt or "-")
            for b in res.batches
        ],
    )
    if "account" in body:
        a = body["account"]
        kv_table(
            f"account {account_id}",
            [(k, v) for k, v in a.items() if k not in ("siblings", "positions")]
            + [
                (f"position {p['market_id']}", f"size {p['size']} cost {p['cost']}")
                for p in a.get("positions", [])
            ]
            + [("siblings", " ".join(a["siblings"]))],
        )
