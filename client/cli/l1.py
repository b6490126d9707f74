"""The trader's L1 commands (client/l1.py): `zkclear deposit` (approve + deposit on L1, then wait
until the node credits it; the devnet faucet with `--faucet`), `zkclear claim`, `zkclear
forced-withdraw` and `zkclear l1 status`. `zkclear exit` is in client/cli/exit.py.

The L1 is `--l1-rpc` (else the node's `GET /v1/info` "l1"), the rollup `--rollup` (else the node's,
else the keystore's); the Ethereum key is the keystore's (`zkclear account create` keeps it,
encrypted) unless `--eth-key` / `--eth-keystore` is given. Progress goes to stderr. Exit codes:
0 done, 1 refused by the contract (its revert reason is printed), 2 unreachable or malformed."""

from __future__ import annotations

import contextlib
import functools
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

import click
from rich.console import Console

from client.cli.common import (
    emit_json,
    eth_key_option,
    fixed,
    get_password,
    json_option,
    keystore_option,
    kv_table,
    node_option,
    parse_fixed,
    password_option,
    read_eth_key,
)
from client.escape import ExitDataError
from client.http import Client, NodeError
from client.keys import Keystore, KeystoreError, load_keystore
from client.l1 import L1Error, L1Status, L1Unreachable, Sent, TraderL1
from client.verify import VerifyFailure
from client.wallet import Wallet, address_hex, parse_address
from protocol.signing import Signer

F = TypeVar("F", bound=Callable[..., Any])
USD_DECIMALS = 6
POLL_S = 1.0


def console() -> Console:
    return Console(stderr=True)


def progress(msg: str) -> None:
    console().print(f"[cyan]>[/cyan] {msg}")


def quiet(_: str) -> None:
    """With --json: stdout holds one JSON object and stderr stays empty unless something fails."""


def l1_options(fn: F) -> F:
    """--l1-rpc, --rollup, the Ethereum key, the keystore and its password, --node, --json."""
    fn = json_option(fn)
    fn = node_option(fn)
    fn = password_option(fn)
    fn = keystore_option(fn)
    fn = eth_key_option(fn)
    fn = click.option(
        "--rollup",
        envvar="ZKCLEAR_ROLLUP",
        help="Rollup contract address (default: the node's, else the keystore's).",
    )(fn)
    return click.option(
        "--l1-rpc",
        envvar="ZKCLEAR_L1_RPC",
        help="Ethereum JSON-RPC URL (env ZKCLEAR_L1_RPC; default: the node's GET /v1/info l1.rpc).",
    )(fn)


def _fail(as_json: bool, code: str, message: str, exit_code: int, **extra: Any) -> None:
    if as_json:
        click.echo(json.dumps({"error": {"code": code, "message": message, **extra}}))
    else:
        click.echo(f"error {code}: {message}", err=True)
    sys.exit(exit_code)


def l1_errors(fn: F) -> F:
    """Exit 1 when the contract refuses (with its reason), 2 when L1 or the node cannot be reached
    or an input is malformed (a keystore that does not open, exit data that does not fit)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kw: Any) -> Any:
        as_json = bool(kw.get("as_json"))
        try:
            return fn(*args, **kw)
        except L1Error as e:
            extra = {} if e.tx is None else {"tx": e.tx}
            _fail(as_json, e.code, e.message, e.exit_code, **extra)
        except NodeError as e:
            unreachable = e.code in ("unreachable", "bad_response")
            _fail(as_json, e.code, f"node: {e.message}", 2 if unreachable else 1)
        except (KeystoreError, ExitDataError) as e:
            _fail(as_json, "malformed", str(e), 2)
        except VerifyFailure as e:
            _fail(as_json, e.status, str(e), e.exit_code)

    return cast(F, wrapper)


@dataclass
class Session:
    """One L1 command's connections: the rollup, the keystore (if any) and the node's info."""

    l1: TraderL1
    ks: Keystore | None
    password: str | None
    node_url: str
    info: dict[str, Any] | None
    say: Callable[[str], None] = progress

    def l2_wallet(self, client: Client) -> Wallet:
        """The keystore's L2 key as a wallet on the node's signing domain (account id maybe None)."""
        if self.ks is None:
            raise KeystoreError("this needs your keystore (--keystore)")
        info = self.info if self.info is not None else client.info()
        key = self.ks.unlock(self._password())
        aid = self.ks.account_id
        if aid is None:
            try:
                aid = int(client.account_by_key(key.public_key)["account_id"])
            except NodeError as e:
                if e.code != "unknown_account":
                    raise
        return Wallet(Signer(key.private_key), aid, int(info["domain_hash"]))

    def _password(self) -> str:
        if self.password is None:
            self.password = get_password(None)
        return self.password

    def remember_account(self, account_id: int) -> None:
        if self.ks is not None and self.ks.account_id != account_id:
            self.ks.account_id = account_id
            self.ks.save()


def node_l1(info: dict[str, Any], node_url: str) -> dict[str, Any]:
    l1 = info.get("l1")
    if not isinstance(l1, dict) or not l1.get("rpc") or not l1.get("rollup"):
        raise L1Unreachable(f"the node at {node_url} names no L1 (GET /v1/info has no l1): give --l1-rpc")
    return l1


def open_session(
    *,
    l1_rpc: str | None,
    rollup: str | None,
    eth_key: str | None,
    eth_keystore: Path | None,
    eth_password: str | None,
    keystore: Path,
    password: str | None,
    node_url: str,
    need_key: bool = True,
    need_keystore: bool = False,
    info: dict[str, Any] | None = None,
    as_json: bool = False,
) -> Session:
    """Connect to the rollup (`--l1-rpc` and `--rollup`, else the node's `/v1/info` "l1", else the
    keystore's rollup) with the Ethereum key (`--eth-key`/`--eth-keystore`, else the keystore's)."""
    ks: Keystore | None = None
    if need_keystore or keystore.exists():
        ks = load_keystore(keystore)
    if l1_rpc is None or (rollup is None and ks is None):
        if info is None:
            with Client(node_url, timeout=10) as c:
                info = c.info()
        l1 = node_l1(info, node_url)
        l1_rpc = l1_rpc or str(l1["rpc"])
        rollup = rollup or str(l1["rollup"])
    if rollup is None:
        assert ks is not None  # one of the two, checked above
        rollup = ks.rollup
    if ks is not None and int(rollup, 16) != int(ks.rollup, 16):
        raise KeystoreError(f"the keystore is for rollup {ks.rollup}, not {rollup}")
    key = read_eth_key(eth_key, eth_keystore, eth_password)
    if key is None and need_key:
        if ks is None:
            raise KeystoreError(
                "an Ethereum key is needed: --eth-key, --eth-keystore or a keystore holding one"
            )
        password = password if password is not None else get_password(None)
        key = ks.unlock_eth(password)
    tl = TraderL1.connect(l1_rpc, rollup, key)
    if ks is not None:
        if tl.chain_id != ks.chain_id:
            raise KeystoreError(
                f"the keystore is for chain {ks.chain_id}, the rollup's chain id is {tl.chain_id}"
            )
        if tl.account is not None and tl.account.address.lower() != ks.owner.lower():
            raise KeystoreError(
                f"the Ethereum key is {tl.account.address}, the keystore's owner is {ks.owner}: the L2 "
                "account belongs to the address of its first deposit"
            )
    return Session(tl, ks, password, node_url, info, quiet if as_json else progress)


def sent_rows(sent: list[Sent]) -> list[tuple[str, Any]]:
    return [(s.what, f"{s.tx} (block {s.block}, gas {s.gas})") for s in sent]


def usd(v: int) -> str:
    return fixed(v, USD_DECIMALS)


# ---- deposit ------------------------------------------------------------------------------------
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
    l1_rpc: str | None,
    rollup: str | None,
    eth_key: str | None,
    eth_keystore: Path | None,
    eth_password: str | None,
    keystore: Path,
    password: str | None,
    node_url: str,
    as_json: bool,
) -> None:
    """Deposit AMOUNT USD of collateral: approve + deposit on L1 to your keystore's L2 key, then
    wait until the node credits it.

    Without --l1-rpc the L1 is the node's (GET /v1/info); a devnet node without an L1 uses its
    faucet (as --faucet does)."""
    units = parse_fixed(amount, USD_DECIMALS, "amount")
    if units <= 0:
        raise click.BadParameter("the amount must be positive", param_hint="AMOUNT")
    ks = load_keystore(keystore)
    info = None
    if l1_rpc is None and not faucet:
        with Client(node_url, timeout=10) as c:
            info = c.info()
        faucet = not info.get("l1") and bool(info.get("devnet"))
        if faucet and not as_json:
            progress("the node has no L1: the devnet faucet credits the deposit")
    if faucet:
        _faucet(ks, password, owner, units, node_url, as_json)
        return
    if owner is not None:
        raise click.UsageError("--owner is for --faucet: an L1 deposit's owner is the sending address")
    s = open_session(
        l1_rpc=l1_rpc,
        rollup=rollup,
        eth_key=eth_key,
        eth_keystore=eth_keystore,
        eth_password=eth_password,
        keystore=keystore,
        password=password,
        node_url=node_url,
        need_keystore=True,
        info=info,
        as_json=as_json,
    )
    node = None if no_wait else Client(node_url)
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
    if as_json:
        emit_json(out)
        return
    rows: list[tuple[str, Any]] = [("amount (USD)", usd(units)), ("queue index", index), *sent_rows(sent)]
    if acct is not None:
        rows += [("account", acct["account_id"]), ("collateral (USD)", usd(int(acct["collateral"])))]
    else:
        rows.append(("credited", "not waited for (--no-wait)"))
    kv_table("deposited on L1", rows)


# ---- claim and forced withdrawal ---------------------------------------------------------------
@click.command()
@click.option("--to", "to", help="L1 address to pay (default: yours).")
@l1_options
@l1_errors
def claim(
    to: str | None,
    l1_rpc: str | None,
    rollup: str | None,
    eth_key: str | None,
    eth_keystore: Path | None,
    eth_password: str | None,
    keystore: Path,
    password: str | None,
    node_url: str,
    as_json: bool,
) -> None:
    """Take your withdrawals that proven batches credited on L1 (claim, or claimTo --to)."""
    if to is not None:
        try:
            to = address_hex(parse_address(to))
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--to") from None
    s = open_session(
        l1_rpc=l1_rpc,
        rollup=rollup,
        eth_key=eth_key,
        eth_keystore=eth_keystore,
        eth_password=eth_password,
        keystore=keystore,
        password=password,
        node_url=node_url,
        as_json=as_json,
    )
    s.say(f"claiming the withdrawals credited to {s.l1.sender}")
    sent, amount = s.l1.claim(to)
    out = {"amount": str(amount), "to": to or s.l1.sender, **sent.as_json()}
    if as_json:
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
    l1_rpc: str | None,
    rollup: str | None,
    eth_key: str | None,
    eth_keystore: Path | None,
    eth_password: str | None,
    keystore: Path,
    password: str | None,
    node_url: str,
    as_json: bool,
) -> None:
    """Request on L1 a withdrawal of up to AMOUNT USD that the sequencer must serve (the next
    batches consume it; it pays what is withdrawable, credited for `zkclear claim`). Unserved past
    the contract's deadline, it lets anyone freeze the rollup (`zkclear exit --freeze`)."""
    units = parse_fixed(amount, USD_DECIMALS, "amount")
    if units <= 0:
        raise click.BadParameter("the amount must be positive", param_hint="AMOUNT")
    s = open_session(
        l1_rpc=l1_rpc,
        rollup=rollup,
        eth_key=eth_key,
        eth_keystore=eth_keystore,
        eth_password=eth_password,
        keystore=keystore,
        password=password,
        node_url=node_url,
        as_json=as_json,
    )
    if account_id is None and s.ks is not None:
        account_id = s.ks.account_id
        if account_id is None:
            with Client(node_url, timeout=10) as c:
                account_id = int(c.account_by_key(s.ks.public_key)["account_id"])
            s.remember_account(account_id)
    if account_id is None:
        raise click.UsageError("give --account (no keystore names your account)")
    s.say(f"requesting a forced withdrawal of {usd(units)} USD from account {account_id}")
    sent, index = s.l1.request_forced_withdrawal(account_id, units)
    out = {"account_id": account_id, "amount": str(units), "queue_index": index, **sent.as_json()}
    if as_json:
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
    l1_rpc: str | None,
    rollup: str | None,
    eth_key: str | None,
    eth_keystore: Path | None,
    eth_password: str | None,
    keystore: Path,
    password: str | None,
    node_url: str,
    as_json: bool,
) -> None:
    """State root, proven batches, frozen, queue, and your claimable and token balances."""
    s = open_session(
        l1_rpc=l1_rpc,
        rollup=rollup,
        eth_key=eth_key,
        eth_keystore=eth_keystore,
        eth_password=eth_password,
        keystore=keystore,
        password=password,
        node_url=node_url,
        need_key=False,
        as_json=as_json,
    )
    who = address
    if who is None:
        who = s.l1.account.address if s.l1.account is not None else (s.ks.owner if s.ks else None)
    elif not who.startswith("0x") or len(who) != 42:
        raise click.BadParameter(f"{who!r} is not 0x and 40 hex digits", param_hint="--address")
    st: L1Status = s.l1.status(who)
    if as_json:
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
