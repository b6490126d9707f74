"""Shared pieces of the client commands: node URL and keystore options, output as rich tables or
JSON, and turning node errors into clean exits."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar, cast

import click
import eth_keyfile

from client.http import NodeError
from client.keys import KeystoreError

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_URL = "http://127.0.0.1:7070"
DEFAULT_KEYSTORE = Path.home() / ".zkclear" / "keystore.json"


def node_option(fn: F) -> F:
    return click.option(
        "--node",
        "node_url",
        envvar="ZKCLEAR_NODE",
        default=DEFAULT_URL,
        show_default=True,
        help="URL of the zkclear node (env ZKCLEAR_NODE).",
    )(fn)


def json_option(fn: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")(fn)


def keystore_option(fn: F) -> F:
    return click.option(
        "--keystore",
        type=click.Path(dir_okay=False, path_type=Path),
        envvar="ZKCLEAR_KEYSTORE",
        default=DEFAULT_KEYSTORE,
        show_default=True,
        help="L2 keystore file (env ZKCLEAR_KEYSTORE).",
    )(fn)


def password_option(fn: F) -> F:
    return click.option(
        "--password",
        envvar="ZKCLEAR_PASSWORD",
        default=None,
        help="Keystore password (env ZKCLEAR_PASSWORD; prompted when absent).",
    )(fn)


def eth_key_option(fn: F) -> F:
    """--eth-key / --eth-keystore / --eth-password (as `eth_key`, `eth_keystore`, `eth_password`)."""
    fn = click.option("--eth-password", envvar="ZKCLEAR_ETH_PASSWORD", help="Password of --eth-keystore.")(fn)
    fn = click.option(
        "--eth-keystore",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="Ethereum keystore (v3 JSON) instead of --eth-key.",
    )(fn)
    return click.option(
        "--eth-key", envvar="ZKCLEAR_ETH_KEY", help="Ethereum private key, hex (env ZKCLEAR_ETH_KEY)."
    )(fn)


def read_eth_key(eth_key: str | None, eth_keystore: Path | None, eth_password: str | None) -> bytes | None:
    """The Ethereum private key of --eth-key or --eth-keystore (prompting for its password), None
    when neither is given."""
    if eth_key and eth_keystore:
        raise click.UsageError("give --eth-key or --eth-keystore, not both")
    if eth_keystore is not None:
        pw = eth_password
        if pw is None:
            pw = click.prompt("Ethereum keystore password", hide_input=True)
        try:
            return bytes(eth_keyfile.decode_keyfile_json(json.loads(eth_keystore.read_text()), pw.encode()))
        except Exception as exc:
            raise click.ClickException(f"cannot open Ethereum keystore {eth_keystore}: {exc}") from exc
    if not eth_key:
        return None
    try:
        raw = bytes.fromhex(eth_key.removeprefix("0x"))
    except ValueError as exc:
        raise click.BadParameter("--eth-key must be 32 bytes of hex") from exc
    if len(raw) != 32:
        raise click.BadParameter("--eth-key must be 32 bytes of hex")
    return raw


def get_password(password: str | None, *, confirm: bool = False) -> str:
    if password is not None:
        return password
    if not sys.stdin.isatty():
        raise click.ClickException("no password: pass --password or set ZKCLEAR_PASSWORD")
    return click.prompt("Keystore password", hide_input=True, confirmation_prompt=confirm)


def node_errors(fn: F) -> F:
    """Exit 1 with `error <code>: <message>` (or the JSON error with --json) on a NodeError, and
    with the message on a keystore error (missing file, wrong password)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kw: Any) -> Any:
        try:
            return fn(*args, **kw)
        except NodeError as err:
            if kw.get("as_json"):
                click.echo(json.dumps({"error": {"code": err.code, "message": err.message, **err.details}}))
                sys.exit(1)
            raise click.ClickException(f"{err.code}: {err.message}") from err
        except KeystoreError as err:
            raise click.ClickException(str(err)) from err

    return cast(F, wrapper)


def emit_json(obj: Any) -> None:
    click.echo(json.dumps(obj, indent=None if os.environ.get("ZKCLEAR_JSON_COMPACT") else 2, default=str))


def table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(title=title, title_justify="left")
    for c in columns:
        t.add_column(c, justify="right" if c.lower() in NUMERIC else "left")
    for r in rows:
        t.add_row(*("" if v is None else str(v) for v in r))
    Console().print(t)


ORDER_COLUMNS = ("order id", "market", "side", "price", "size", "remaining", "expiry")


def orders_table(title: str, orders: Sequence[dict[str, Any]]) -> None:
    """Open orders as the node answers them (`GET /v1/accounts/{id}/orders`)."""
    keys = ("order_id", "market", "side", "price_display", "size_display", "remaining_display", "expiry")
    table(title, ORDER_COLUMNS, [tuple(o[k] for k in keys) for o in orders])


def kv_table(title: str, pairs: Sequence[tuple[str, Any]]) -> None:
    table(title, ["field", "value"], [(k, v) for k, v in pairs])


NUMERIC = {
    "price",
    "size",
    "filled",
    "remaining",
    "amount",
    "collateral",
    "value",
    "fee",
    "number",
    "batch",
    "ops",
    "id",
    "order id",
    "entry",
    "funding index",
    "oracle",
    "open interest",
}


def fixed(value: int | str, decimals: int) -> str:
    """An integer amount in 10^-decimals units as a decimal string (exact, no float)."""
    v = int(value)
    if decimals == 0:
        return str(v)
    sign = "-" if v < 0 else ""
    q, r = divmod(abs(v), 10**decimals)
    return f"{sign}{q}.{r:0{decimals}d}"


def parse_fixed(text: str, decimals: int, what: str) -> int:
    """A decimal string to an integer in 10^-decimals units; refuses more decimals than allowed."""
    s = text.strip()
    neg = s.startswith("-")
    if neg:
        s = s[1:]
    whole, _, frac = s.partition(".")
    if not (whole or frac) or not (whole or "0").isdigit() or (frac and not frac.isdigit()):
        raise click.BadParameter(f"{what}: {text!r} is not a decimal number")
    if len(frac) > decimals:
        raise click.BadParameter(f"{what}: {text!r} has more than {decimals} decimals")
    v = int(whole or "0") * 10**decimals + int((frac or "0").ljust(decimals, "0"))
    return -v if neg else v
