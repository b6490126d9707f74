"""The trader's L1 commands besides deposit and exit (client/l1.py): `zkclear claim`, `zkclear
forced-withdraw` and `zkclear l1 status`. `zkclear deposit` is in client/cli/deposit.py, `zkclear
exit` in client/cli/exit.py, what they share in client/cli/l1_session.py."""

from __future__ import annotations

from typing import Any

import click

from client.cli.common import emit_json, kv_table, parse_fixed
from client.cli.l1_session import USD_DECIMALS, L1Args, l1_errors, l1_options, open_session, sent_rows, usd
from client.http import Client
from client.l1 import L1Status
from client.wallet import address_hex, parse_address


# ---- claim and forced withdrawal ---------------------------------------------------------------
@click.command()
@click.option("--to", "to", help="L1 address to pay (default: yours).")
@l1_options
@l1_errors
def claim(
    to: str | None,
    l1_args: L1Args,
) -> None:
    """Take your withdrawals that proven batches credited on L1 (claim, or claimTo --to)."""
    if to is not None:
        try:
            to = address_hex(parse_address(to))
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--to") from None
    s = open_session(l1_args)
    s.say(f"claiming the withdrawals credited to {s.l1.sender}")
    sent, amount = s.l1.claim(to)
    out = {"amount": str(amount), "to": to or s.l1.sender, **sent.as_json()}
    if l1_args.as_json:
        emit_json(out)
    else:
        kv_table("claimed", [("amount (USD)", usd(amount)), ("to", out["to"]), *sent_rows([sent])])


@click.command("forced-withdraw")
@click.argument("amount")
@click.option("--account", "account_id", type=int, help="Account id (default: the keystore's).")
@l1_options
@l1_errors
def forced_withdraw(
    amount: str,
    account_id: int | None,
    l1_args: L1Args,
) -> None:
    """Request on L1 a withdrawal of up to AMOUNT USD that the sequencer must serve (the next
    batches consume it; it pays what is withdrawable, credited for `zkclear claim`). Unserved past
    the contract's deadline, it lets anyone freeze the rollup (`zkclear exit --freeze`)."""
    units = parse_fixed(amount, USD_DECIMALS, "amount")
    if units <= 0:
        raise click.BadParameter("the amount must be positive", param_hint="AMOUNT")
    s = open_session(l1_args)
    if account_id is None and s.ks is not None:
        account_id = s.ks.account_id
        if account_id is None:
            with Client(l1_args.node_url, timeout=10) as c:
                account_id = int(c.account_by_key(s.ks.public_key)["account_id"])
            s.remember_account(account_id)
    if account_id is None:
        raise click.UsageError("give --account (no keystore names your account)")
    s.say(f"requesting a forced withdrawal of {usd(units)} USD from account {account_id}")
    sent, index = s.l1.request_forced_withdrawal(account_id, units)
    out = {"account_id": account_id, "amount": str(units), "queue_index": index, **sent.as_json()}
    if l1_args.as_json:
        emit_json(out)
    else:
        kv_table(
            "forced withdrawal requested",
            [
                ("account", account_id),
                ("amount (USD)", usd(units)),
                ("queue index", index),
                *sent_rows([sent]),
            ],
        )


# ---- status ---------------------------------------------------------------------------------------
@click.group("l1")
def l1_group() -> None:
    """The rollup contract on L1."""


@l1_group.command("status")
@click.option("--address", help="Whose balances to show (default: yours).")
@l1_options
@l1_errors
def status(
    address: str | None,
    l1_args: L1Args,
) -> None:
    """State root, proven batches, frozen, queue, and your claimable and token balances."""
    s = open_session(l1_args, need_key=False)
    who = address
    if who is None:
        who = s.l1.account.address if s.l1.account is not None else (s.ks.owner if s.ks else None)
    elif not who.startswith("0x") or len(who) != 42:
        raise click.BadParameter(f"{who!r} is not 0x and 40 hex digits", param_hint="--address")
    st: L1Status = s.l1.status(who)
    if l1_args.as_json:
        emit_json(st.as_json())
        return
    rows: list[tuple[str, Any]] = [
        ("rollup", st.rollup),
        ("token", st.token),
        ("chain id", st.chain_id),
        ("mode", st.mode),
        ("state root", st.state_root),
        ("proven batches", st.batches),
        ("frozen", "YES" if st.frozen else "no"),
        ("queue", f"{st.queue_end} entries, {st.queue_consumed} consumed, {st.queue_pending} pending"),
    ]
    if st.frozen:
        rows.append(("exit state published", st.exit_published))
    if st.who is not None:
        rows += [
            ("address", st.who),
            ("claimable (USD)", usd(st.claimable)),
            ("token balance (USD)", usd(st.token_balance)),
            ("allowance for the rollup", usd(st.allowance) if st.allowance < 2**255 else "unlimited"),
        ]
    kv_table("L1 rollup", rows)
