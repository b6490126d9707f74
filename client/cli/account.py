"""`zkclear account create|show`: derive the L2 key into a keystore; show an account's state."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click

from client.cli.common import (
    emit_json,
    eth_key_option,
    fixed,
    get_password,
    json_option,
    keystore_option,
    kv_table,
    node_errors,
    node_option,
    orders_table,
    password_option,
    read_eth_key,
    table,
)
from client.http import Client, NodeError
from client.keys import KeystoreError, derive_l2_key, load_keystore, save_keystore
from client.keys.keystore import DEFAULT_SCRYPT_N


@click.group()
def account() -> None:
    """Create an L2 key (keystore) and show an account."""


def _eth_key(eth_key: str | None, eth_keystore: Path | None, eth_password: str | None) -> bytes:
    prv = read_eth_key(eth_key, eth_keystore, eth_password)
    if prv is None:
        raise click.UsageError(
            "an Ethereum key is needed: --eth-key HEX (env ZKCLEAR_ETH_KEY) or --eth-keystore FILE"
        )
    return prv


@account.command("create")
@eth_key_option
@click.option("--chain-id", type=int, help="Rollup chain id (default: asked from --node).")
@click.option("--rollup", help="Rollup contract address (default: asked from --node).")
@click.option(
    "--key-index", type=int, default=0, show_default=True, help="Derive a fresh key by raising this."
)
@click.option("--force", is_flag=True, help="Overwrite an existing keystore file.")
@click.option(
    "--eth-key-in-keystore/--no-eth-key-in-keystore",
    default=True,
    show_default=True,
    help="Also keep the Ethereum key, encrypted under the same password, for the L1 commands "
    "(deposit, claim, forced-withdraw, exit).",
)
@click.option("--scrypt-n", type=int, default=DEFAULT_SCRYPT_N, hidden=True)
@keystore_option
@password_option
@node_option
@json_option
@node_errors
def create(
    eth_key: str | None,
    eth_keystore: Path | None,
    eth_password: str | None,
    chain_id: int | None,
    rollup: str | None,
    key_index: int,
    force: bool,
    eth_key_in_keystore: bool,
    scrypt_n: int,
    keystore: Path,
    password: str | None,
    node_url: str,
    as_json: bool,
) -> None:
    """Derive the L2 key from an Ethereum key (EIP-712 signature) and save it in a keystore.

    The same Ethereum key, chain id, rollup address and key index always give the same L2 key."""
    if keystore.exists() and not force:
        raise click.ClickException(
            f"{keystore} exists (use --force to overwrite, or --keystore for another file)"
        )
    prv = _eth_key(eth_key, eth_keystore, eth_password)
    account_id = None
    if chain_id is None or rollup is None:
        with Client(node_url) as c:
            info = c.info()
        chain_id = chain_id if chain_id is not None else int(info["chain_id"])
        rollup = rollup if rollup is not None else str(info["rollup_address"])
    key = derive_l2_key(prv, chain_id, rollup, key_index)
    pw = get_password(password, confirm=True)
    ks = save_keystore(
        key, keystore, pw, scrypt_n=scrypt_n, eth_private_key=prv if eth_key_in_keystore else None
    )
    try:  # already known to the node (a deposit created it)? then remember the id
        with Client(node_url, timeout=3) as c:
            account_id = int(c.account_by_key(key.public_key)["account_id"])
        ks.account_id = account_id
        ks.save()
    except NodeError:
        pass
    out = {
        "keystore": str(keystore),
        "owner": key.owner,
        "chain_id": chain_id,
        "rollup": key.rollup,
        "key_index": key_index,
        "public_key": [str(key.public_key[0]), str(key.public_key[1])],
        "account_id": account_id,
        "eth_key_in_keystore": eth_key_in_keystore,
    }
    if as_json:
        emit_json(out)
    else:
        kv_table("L2 key created", list(out.items()))


@account.command("show")
@click.option("--account", "account_id", type=int, help="Account id (default: the keystore's).")
@keystore_option
@password_option
@node_option
@json_option
@node_errors
def show(account_id: int | None, keystore: Path, password: str | None, node_url: str, as_json: bool) -> None:
    """Balances and positions of your account (signed read)."""
    from client.wallet import Wallet

    try:
        ks = load_keystore(keystore)
    except KeystoreError as exc:
        raise click.ClickException(str(exc)) from exc
    with Client(node_url) as c:
        wallet = Wallet.from_keystore(ks, get_password(password), c)
        if account_id is not None and account_id != wallet.account_id:
            raise click.ClickException(f"the keystore's key does not own account {account_id}")
        token = wallet.read_token(int(time.time()) + 300)
        acct = c.account(wallet.account_id, token)
        orders = c.open_orders(wallet.account_id, token)
    if as_json:
        emit_json({**acct, "open_orders": orders})
        return
    _print_account(acct, orders)


def _print_account(acct: dict[str, Any], orders: list[dict[str, Any]]) -> None:
    kv_table(
        f"account {acct['account_id']}",
        [
            ("collateral (USD)", fixed(acct["collateral"], 6)),
            ("account value (USD)", fixed(acct["value"], 6)),
            ("withdrawable (USD)", fixed(acct["withdrawable"], 6)),
            ("initial margin (USD)", fixed(acct["initial_margin"], 6)),
            ("maintenance margin (USD)", fixed(acct["maintenance_margin"], 6)),
            ("nonce", acct["nonce"]),
            ("owner", acct["owner"]),
        ],
    )
    if acct["positions"]:
        table(
            "positions",
            ["market", "size", "entry", "funding index"],
            [
                (p["market"], p["size_display"], p["entry_price_display"], p["funding_snapshot"])
                for p in acct["positions"]
            ],
        )
    if orders:
        orders_table("open orders", orders)
