"""`zkclear deposit AMOUNT`: approve + deposit on L1 to the keystore's L2 key from its Ethereum
key, then wait until the node credits it (its collateral has risen by AMOUNT; `--no-wait` returns
once the deposit is queued on L1). `--faucet` (and a devnet node that names no L1) uses the devnet
node's faucet instead."""

from __future__ import annotations

import contextlib
import time
from typing import Any

import click

from client.cli.common import emit_json, get_password, kv_table, parse_fixed
from client.cli.l1_session import (
    USD_DECIMALS,
    L1Args,
    Session,
    console,
    l1_errors,
    l1_options,
    open_session,
    progress,
    sent_rows,
    usd,
)
from client.http import Client, NodeError
from client.keys import Keystore, load_keystore
from client.l1 import L1Error, L1Unreachable
from client.wallet import Wallet, parse_address
from protocol.signing import Signer

POLL_S = 1.0


def _collateral(c: Client, w: Wallet) -> int:
    if w.account_id is None:
        return 0
    return int(c.account(w.account_id, w.read_token(int(time.time()) + 300))["collateral"])


def _wait_credit(
    s: Session, c: Client, w: Wallet, before: int, amount: int, index: int, timeout: float
) -> dict[str, Any]:
    """Poll the node until the account's collateral has risen by `amount` (it credits the deposit
    once it reads the queue entry with enough confirmations)."""
    deadline = time.monotonic() + timeout
    s.say(f"waiting for the node to credit queue entry {index}")
    with console().status("waiting", spinner="dots") if s.say is progress else contextlib.nullcontext():
        while True:
            if w.account_id is None:
                try:
                    w.account_id = int(c.account_by_key(w.public_key)["account_id"])
                except NodeError as e:
                    if e.code != "unknown_account":
                        raise
            if w.account_id is not None:
                acct = c.account(w.account_id, w.read_token(int(time.time()) + 300))
                if int(acct["collateral"]) >= before + amount:
                    s.remember_account(w.account_id)
                    return acct
            if time.monotonic() > deadline:
                raise L1Error(
                    f"the node has not credited the deposit after {timeout:.0f} s; it is queued on L1 "
                    f"(entry {index}) and the node credits it once it has read it: check later with "
                    "`zkclear account show`"
                )
            time.sleep(POLL_S)


def _faucet(
    s_ks: Keystore, password: str | None, owner: str | None, amount: int, node_url: str, as_json: bool
) -> None:
    with Client(node_url) as c:
        info = c.info()
        if not info.get("devnet"):
            raise L1Unreachable(f"the node at {node_url} has no devnet faucet (it is not a --devnet node)")
        key = s_ks.unlock(get_password(password))
        w = Wallet(Signer(key.private_key), s_ks.account_id, int(info["domain_hash"]))
        try:
            to = parse_address(owner or s_ks.owner)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--owner") from None
        out = c.devnet_deposit(w.deposit_body(amount, to))
    if s_ks.account_id != out["account_id"]:
        s_ks.account_id = int(out["account_id"])
        s_ks.save()
    if as_json:
        emit_json(out)
    else:
        kv_table(
            "deposited (devnet faucet)",
            [
                ("account", out["account_id"]),
                ("amount (USD)", usd(int(out["amount"]))),
                ("new account", out["created"]),
                ("journal seq", out["seq"]),
            ],
        )


@click.command()
@click.argument("amount")
@click.option(
    "--faucet", is_flag=True, help="Use the devnet node's faucet instead of L1 (an L1-less devnet)."
)
@click.option(
    "--owner", help="With --faucet: L1 address recorded as the depositor (default: the keystore's owner)."
)
@click.option(
    "--no-wait", is_flag=True, help="Return once the deposit is on L1, without waiting for the node."
)
@click.option("--no-approve", is_flag=True, help="Do not send an approval (the allowance is already set).")
@click.option(
    "--wait-timeout", type=float, default=600.0, show_default=True, help="Seconds to wait for the credit."
)
@l1_options
@l1_errors
def deposit(
    amount: str,
    faucet: bool,
    owner: str | None,
    no_wait: bool,
    no_approve: bool,
    wait_timeout: float,
    l1_args: L1Args,
) -> None:
    """Deposit AMOUNT USD of collateral: approve + deposit on L1 to your keystore's L2 key, then
    wait until the node credits it.

    Without --l1-rpc the L1 is the node's (GET /v1/info); a devnet node without an L1 uses its
    faucet (as --faucet does)."""
    units = parse_fixed(amount, USD_DECIMALS, "amount")
    if units <= 0:
        raise click.BadParameter("the amount must be positive", param_hint="AMOUNT")
    ks = load_keystore(l1_args.keystore)
    info = None
    if l1_args.l1_rpc is None and not faucet:
        with Client(l1_args.node_url, timeout=10) as c:
            info = c.info()
        faucet = not info.get("l1") and bool(info.get("devnet"))
        if faucet and not l1_args.as_json:
            progress("the node has no L1: the devnet faucet credits the deposit")
    if faucet:
        _faucet(ks, l1_args.password, owner, units, l1_args.node_url, l1_args.as_json)
        return
    if owner is not None:
        raise click.UsageError("--owner is for --faucet: an L1 deposit's owner is the sending address")
    s = open_session(l1_args, need_keystore=True, info=info)
    node = None if no_wait else Client(l1_args.node_url)
    try:
        w = before = None
        if node is not None:  # the node is asked first: no gas is spent when it cannot be reached
            w = s.l2_wallet(node)
            before = _collateral(node, w)
        sent, index = s.l1.deposit(ks.public_key, units, approve=not no_approve, progress=s.say)
        acct = None
        if node is not None and w is not None and before is not None:
            acct = _wait_credit(s, node, w, before, units, index, wait_timeout)
    finally:
        if node is not None:
            node.close()
    out: dict[str, Any] = {
        "amount": str(units),
        "queue_index": index,
        "owner": s.l1.sender,
        "public_key": [str(ks.public_key[0]), str(ks.public_key[1])],
        "transactions": [x.as_json() for x in sent],
        "credited": acct is not None,
    }
    if acct is not None:
        out |= {"account_id": acct["account_id"], "collateral": acct["collateral"]}
    if l1_args.as_json:
        emit_json(out)
        return
    rows: list[tuple[str, Any]] = [("amount (USD)", usd(units)), ("queue index", index), *sent_rows(sent)]
    if acct is not None:
        rows += [("account", acct["account_id"]), ("collateral (USD)", usd(int(acct["collateral"])))]
    else:
        rows.append(("credited", "not waited for (--no-wait)"))
    kv_table("deposited on L1", rows)
