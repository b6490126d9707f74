"""Trading and market-data commands: `zkclear order place|cancel|list`, `zkclear withdraw`,
`zkclear markets`, `zkclear book` (`zkclear deposit` and the other L1 commands: client/cli/l1.py).

Prices and sizes are given and shown in the market's units (e.g. `0.01` BTC at `50000.5` USD);
amounts of collateral in USD with 6 decimals.  `--json` prints the node's JSON instead of tables."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click

from client.cli.common import (
    emit_json,
    fixed,
    get_password,
    json_option,
    keystore_option,
    kv_table,
    node_errors,
    node_option,
    orders_table,
    parse_fixed,
    password_option,
    table,
)
from client.http import Client
from client.keys import KeystoreError, load_keystore
from client.wallet import ORDER_SLOTS, Wallet, parse_address

USD_DECIMALS = 6
TIF = {"gtt": 0, "ioc": 1, "fok": 2, "post-only": 3}


def _wallet(c: Client, keystore: Path, password: str | None) -> Wallet:
    try:
        ks = load_keystore(keystore)
    except KeystoreError as exc:
        raise click.ClickException(str(exc)) from exc
    return Wallet.from_keystore(ks, get_password(password), c)


def _market(c: Client, ref: str) -> dict[str, Any]:
    for m in c.markets():
        if ref in (m["symbol"], str(m["market_id"])) or ref.upper() == m["symbol"]:
            return m
    raise click.BadParameter(f"no market {ref!r}", param_hint="MARKET")


def _expiry(seconds: int) -> int:
    return int(time.time()) + seconds


# ---- markets and book ---------------------------------------------------------------------------
@click.command()
@node_option
@json_option
@node_errors
def markets(node_url: str, as_json: bool) -> None:
    """List the markets with their parameters, oracle price and open interest."""
    with Client(node_url) as c:
        ms = c.markets()
    if as_json:
        emit_json(ms)
        return
    table(
        "markets",
        ["id", "symbol", "oracle", "tick", "step", "max leverage", "maker fee", "taker fee", "open interest"],
        [
            (
                m["market_id"],
                m["symbol"],
                fixed(m["oracle_price"], m["price_decimals"]),
                fixed(m["tick_size"], m["price_decimals"]),
                fixed(m["step_size"], m["size_decimals"]),
                f"{m['max_leverage']}x",
                f"{m['maker_fee_ppm'] / 1e4:.4f}%",
                f"{m['taker_fee_ppm'] / 1e4:.4f}%",
                fixed(m["open_interest"], m["size_decimals"]),
            )
            for m in ms
        ],
    )


@click.command()
@click.argument("market")
@click.option("--depth", type=click.IntRange(1, 500), default=10, show_default=True)
@node_option
@json_option
@node_errors
def book(market: str, depth: int, node_url: str, as_json: bool) -> None:
    """Show the order book of MARKET (symbol or id)."""
    with Client(node_url) as c:
        m = _market(c, market)
        b = c.book(m["symbol"], depth)
    if as_json:
        emit_json(b)
        return
    pd, sd = m["price_decimals"], m["size_decimals"]
    asks = list(reversed(b["asks"]))
    rows = [("ask", fixed(p, pd), fixed(s, sd)) for p, s in asks] + [
        ("bid", fixed(p, pd), fixed(s, sd)) for p, s in b["bids"]
    ]
    table(f"{m['symbol']} book (oracle {fixed(m['oracle_price'], pd)})", ["side", "price", "size"], rows)


# ---- orders -------------------------------------------------------------------------------------
@click.group()
def order() -> None:
    """Place, cancel and list your orders (signed with your keystore's L2 key)."""


@order.command("place")
@click.argument("market")
@click.argument("side", type=click.Choice(["buy", "sell"]))
@click.argument("size")
@click.option(
    "--price", help="Limit price (for --market: the worst acceptable price; default: the band edge)."
)
@click.option("--market", "market_order", is_flag=True, help="Market order (IOC unless --tif fok).")
@click.option(
    "--tif",
    type=click.Choice(sorted(TIF)),
    default=None,
    help="Time in force (default gtt; ioc for --market).",
)
@click.option("--reduce-only", is_flag=True)
@click.option(
    "--expires-in", type=int, default=30 * 86400, show_default=True, help="Seconds until the order expires."
)
@click.option("--order-id", type=int, help="Explicit order id (default: a fresh one).")
@keystore_option
@password_option
@node_option
@json_option
@node_errors
def place(
    market: str,
    side: str,
    size: str,
    price: str | None,
    market_order: bool,
    tif: str | None,
    reduce_only: bool,
    expires_in: int,
    order_id: int | None,
    keystore: Path,
    password: str | None,
    node_url: str,
    as_json: bool,
) -> None:
    """Place an order: `zkclear order place BTC-USD buy 0.01 --price 50000`."""
    from protocol.messages.order import TimeInForce, make_flags

    with Client(node_url) as c:
        w = _wallet(c, keystore, password)
        m = _market(c, market)
        pd, sd = m["price_decimals"], m["size_decimals"]
        tif_v = TIF[tif] if tif else (TIF["ioc"] if market_order else TIF["gtt"])
        if market_order and tif_v not in (TIF["ioc"], TIF["fok"]):
            raise click.UsageError("a market order is IOC or FOK")
        if price is not None:
            p = parse_fixed(price, pd, "price")
        elif market_order:
            oracle, band = int(m["oracle_price"]), int(m["price_band_ppm"])
            if oracle == 0:
                raise click.ClickException(f"{m['symbol']} has no oracle price yet: give --price")
            edge = oracle * (10**6 + band) // 10**6 if side == "buy" else -(-oracle * (10**6 - band) // 10**6)
            tick = int(m["tick_size"])
            p = (edge // tick) * tick if side == "buy" else -(-edge // tick) * tick
        else:
            raise click.UsageError("a limit order needs --price")
        flags = make_flags(TimeInForce(tif_v), reduce_only=reduce_only, market=market_order)
        if order_id is None:
            token = w.read_token(_expiry(120))
            busy = {o["order_id"] % ORDER_SLOTS for o in c.open_orders(w.account_id, token)}
            order_id = w.next_order_id(busy)
        body = w.order(
            market_id=m["market_id"],
            side=0 if side == "buy" else 1,
            price=p,
            size=parse_fixed(size, sd, "size"),
            order_id=order_id,
            expiry=_expiry(expires_in),
            flags=flags,
        )
        out = c.place_order(body)
    if as_json:
        emit_json(out)
        return
    o = out.get("order", {})
    pairs = [
        ("order id", o.get("order_id", order_id)),
        ("market", m["symbol"]),
        ("state", o.get("state")),
        ("filled", fixed(o.get("filled", 0), sd)),
        ("remaining", fixed(o.get("remaining", 0), sd)),
        ("journal seq", out["seq"]),
    ]
    if o.get("reason"):
        pairs.append(("reason", o["reason"]))
    kv_table("order placed", pairs)
    if out.get("fills"):
        table(
            "fills",
            ["price", "size", "fee"],
            [
                (fixed(f["price"], pd), fixed(f["size"], sd), fixed(f["taker_fee"], USD_DECIMALS))
                for f in out["fills"]
            ],
        )


@order.command("cancel")
@click.argument("order_id", type=int, required=False)
@click.option(
    "--all", "cancel_all", is_flag=True, help="Cancel every open order (of --market, or all markets)."
)
@click.option("--market", help="With --all: only this market.")
@keystore_option
@password_option
@node_option
@json_option
@node_errors
def cancel(
    order_id: int | None,
    cancel_all: bool,
    market: str | None,
    keystore: Path,
    password: str | None,
    node_url: str,
    as_json: bool,
) -> None:
    """Cancel ORDER_ID, or with --all every open order."""
    if cancel_all == (order_id is not None):
        raise click.UsageError("give ORDER_ID or --all")
    with Client(node_url) as c:
        w = _wallet(c, keystore, password)
        if cancel_all:
            mid = 255 if market is None else _market(c, market)["market_id"]
            token = w.read_token(_expiry(120))
            open_ids = [o["order_id"] for o in c.open_orders(w.account_id, token)]
            nonce = max([*open_ids, w.next_order_id()])
            out = c.cancel_all(w.cancel_all(market_id=mid, nonce=nonce, expiry=_expiry(300)))
        else:
            assert order_id is not None  # given exactly one of ORDER_ID and --all (checked above)
            out = c.cancel(w.cancel(order_id=order_id, expiry=_expiry(300)))
    if as_json:
        emit_json(out)
    else:
        kv_table(
            "cancelled",
            [("what", "all open orders" if cancel_all else order_id), ("journal seq", out["seq"])],
        )


@order.command("list")
@keystore_option
@password_option
@node_option
@json_option
@node_errors
def list_orders(keystore: Path, password: str | None, node_url: str, as_json: bool) -> None:
    """Your open orders."""
    with Client(node_url) as c:
        w = _wallet(c, keystore, password)
        orders = c.open_orders(w.account_id, w.read_token(_expiry(120)))
    if as_json:
        emit_json(orders)
        return
    orders_table(f"open orders of account {w.account_id}", orders)


def _address(text: str, what: str) -> int:
    """An L1 address option: 0x and 40 hex digits, or a decimal integer (as the node accepts)."""
    try:
        return parse_address(text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=what) from None


# ---- collateral ---------------------------------------------------------------------------------
@click.command()
@click.argument("amount")
@click.option("--to", "recipient", help="L1 address to pay (default: the keystore's Ethereum owner).")
@keystore_option
@password_option
@node_option
@json_option
@node_errors
def withdraw(
    amount: str, recipient: str | None, keystore: Path, password: str | None, node_url: str, as_json: bool
) -> None:
    """Withdraw AMOUNT USD of free collateral to an L1 address.

    The L2 state is debited at once; once a proven batch carries it to L1, `zkclear claim` takes
    it there."""
    with Client(node_url) as c:
        w = _wallet(c, keystore, password)
        token = w.read_token(_expiry(120))
        acct = c.account(w.account_id, token)
        to = _address(recipient or load_keystore(keystore).owner, "--to")
        body = w.withdraw(
            amount=parse_fixed(amount, USD_DECIMALS, "amount"),
            recipient=to,
            nonce=acct["nonce"],
            expiry=_expiry(300),
        )
        out = c.withdraw(body)
    if as_json:
        emit_json(out)
    else:
        kv_table(
            "withdrawn",
            [
                ("account", w.account_id),
                ("amount (USD)", fixed(out["amount"], USD_DECIMALS)),
                ("to", f"{to:#042x}"),
                ("journal seq", out["seq"]),
            ],
        )
