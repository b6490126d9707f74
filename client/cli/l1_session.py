"""What the trader's L1 commands share (client/cli/l1.py, deposit.py, exit.py): their options
(`--l1-rpc`, `--rollup`, the Ethereum key, the keystore, `--node`, `--json`), which `l1_options`
hands each command as one `L1Args`; the connection (`open_session`: the L1 is `--l1-rpc`, else the
node's `GET /v1/info` "l1"; the rollup `--rollup`, else the node's, else the keystore's; the
Ethereum key `--eth-key`/`--eth-keystore`, else the keystore's); progress on stderr (quiet with
`--json`); and the exit codes: 0 done, 1 refused by the contract (its revert reason is printed), 2
unreachable or malformed."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, TypeVar, cast

import click
from rich.console import Console

from client.cli.common import (
    eth_key_option,
    fixed,
    get_password,
    json_option,
    keystore_option,
    node_option,
    password_option,
    read_eth_key,
)
from client.escape import ExitDataError
from client.http import Client, NodeError
from client.keys import Keystore, KeystoreError, load_keystore
from client.l1 import L1Error, L1Unreachable, Sent, TraderL1
from client.verify import VerifyFailure
from client.wallet import Wallet
from protocol.signing import Signer

F = TypeVar("F", bound=Callable[..., Any])
USD_DECIMALS = 6


def console() -> Console:
    return Console(stderr=True)


def progress(msg: str) -> None:
    console().print(f"[cyan]>[/cyan] {msg}")


def quiet(_: str) -> None:
    """With --json: stdout holds one JSON object and stderr stays empty unless something fails."""


@dataclass(frozen=True)
class L1Args:
    """The options every L1 command shares, collected by `l1_options` into one value."""

    l1_rpc: str | None
    gas_limit: int | None
    rollup: str | None
    eth_key: str | None
    eth_keystore: Path | None
    eth_password: str | None
    keystore: Path
    password: str | None
    node_url: str
    as_json: bool


L1_ARG_NAMES = tuple(f.name for f in fields(L1Args))


def l1_options(fn: F) -> F:
    """--l1-rpc, --gas-limit, --rollup, the Ethereum key, the keystore and its password, --node and
    --json, handed to the command as one keyword argument `l1_args: L1Args`."""

    @functools.wraps(fn)
    def collect(*args: Any, **kw: Any) -> Any:
        l1_args = L1Args(**{name: kw.pop(name) for name in L1_ARG_NAMES})
        return fn(*args, l1_args=l1_args, **kw)

    out: Callable[..., Any] = collect
    out = json_option(out)
    out = node_option(out)
    out = password_option(out)
    out = keystore_option(out)
    out = eth_key_option(out)
    out = click.option(
        "--rollup",
        envvar="ZKCLEAR_ROLLUP",
        help="Rollup contract address (default: the node's, else the keystore's).",
    )(out)
    out = click.option(
        "--gas-limit",
        type=click.IntRange(21_000, 30_000_000),
        help="Gas limit of each transaction instead of the node's estimate (a refusal is still found "
        "first, by one eth_call).",
    )(out)
    out = click.option(
        "--l1-rpc",
        envvar="ZKCLEAR_L1_RPC",
        help="Ethereum JSON-RPC URL (env ZKCLEAR_L1_RPC; default: the node's GET /v1/info l1.rpc).",
    )(out)
    return cast(F, out)


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
        l1_args = kw.get("l1_args")
        as_json = isinstance(l1_args, L1Args) and l1_args.as_json
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
    if not str(l1["rpc"]).startswith(("http://", "https://")):
        raise L1Unreachable(
            f"the node at {node_url} reaches its L1 as {l1['rpc']!r}, which no other process can: give --l1-rpc"
        )
    return l1


def open_session(
    args: L1Args,
    *,
    need_key: bool = True,
    need_keystore: bool = False,
    info: dict[str, Any] | None = None,
) -> Session:
    """Connect to the rollup (`--l1-rpc` and `--rollup`, else the node's `/v1/info` "l1", else the
    keystore's rollup) with the Ethereum key (`--eth-key`/`--eth-keystore`, else the keystore's)."""
    ks: Keystore | None = None
    if need_keystore or args.keystore.exists():
        ks = load_keystore(args.keystore)
    l1_rpc, rollup, password = args.l1_rpc, args.rollup, args.password
    if l1_rpc is None or (rollup is None and ks is None):
        if info is None:
            with Client(args.node_url, timeout=10) as c:
                info = c.info()
        l1 = node_l1(info, args.node_url)
        l1_rpc = l1_rpc or str(l1["rpc"])
        rollup = rollup or str(l1["rollup"])
    if rollup is None:
        assert ks is not None  # one of the two, checked above
        rollup = ks.rollup
    if ks is not None and int(rollup, 16) != int(ks.rollup, 16):
        raise KeystoreError(f"the keystore is for rollup {ks.rollup}, not {rollup}")
    key = read_eth_key(args.eth_key, args.eth_keystore, args.eth_password)
    if key is None and need_key:
        if ks is None:
            raise KeystoreError(
                "an Ethereum key is needed: --eth-key, --eth-keystore or a keystore holding one"
            )
        password = password if password is not None else get_password(None)
        key = ks.unlock_eth(password)
    tl = TraderL1.connect(l1_rpc, rollup, key, gas_limit=args.gas_limit)
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
    return Session(tl, ks, password, args.node_url, info, quiet if args.as_json else progress)


def sent_rows(sent: list[Sent]) -> list[tuple[str, Any]]:
    return [(s.what, f"{s.tx} (block {s.block}, gas {s.gas})") for s in sent]


def usd(v: int) -> str:
    return fixed(v, USD_DECIMALS)
