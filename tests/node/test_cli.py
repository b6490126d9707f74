"""The client commands against a real node subprocess: account create/show, deposit, markets, book,
order place/list/cancel, withdraw; tables by default, JSON with --json, clean errors."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.node.harness import kill9, spawn_node
from zkclear.cli import main

ETH_KEY = "0x" + "01" * 32


@pytest.fixture(scope="module")
def node_url(tmp_path_factory: pytest.TempPathFactory) -> Any:
    proc, url = spawn_node(tmp_path_factory.mktemp("cli") / "node")
    import asyncio

    from client.http import AsyncClient

    async def prices() -> None:
        async with AsyncClient(url) as c:
            await c.devnet_oracle({"market": "BTC-USD", "price": "5000000"})

    asyncio.run(prices())
    yield url
    kill9(proc)


def cli(url: str, keystore: Path, *args: str, ok: bool = True) -> Any:
    env = {"ZKCLEAR_NODE": url, "ZKCLEAR_KEYSTORE": str(keystore), "ZKCLEAR_PASSWORD": "pw", "COLUMNS": "200"}
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    else:
        assert result.exit_code != 0, result.output
    return result


def js(result: Any) -> Any:
    return json.loads(result.output)


def test_account_trade_and_withdraw_flow(node_url: str, tmp_path: Path) -> None:
    ks = tmp_path / "alice.json"
    created = js(cli(node_url, ks, "account", "create", "--eth-key", ETH_KEY, "--scrypt-n", "1024", "--json"))
    assert created["chain_id"] == 31337 and created["account_id"] is None
    assert os.stat(ks).st_mode & 0o777 == 0o600
    cli(node_url, ks, "account", "create", "--eth-key", ETH_KEY, ok=False)  # refuses to overwrite
    dep = js(cli(node_url, ks, "deposit", "1000.5", "--json"))
    assert dep["amount"] == "1000500000" and dep["created"] is True
    assert json.loads(ks.read_text())["account_id"] == dep["account_id"]
    markets = js(cli(node_url, ks, "markets", "--json"))
    assert [m["symbol"] for m in markets] == ["BTC-USD", "ETH-USD"]
    assert "BTC-USD" in cli(node_url, ks, "markets").output  # the table
    placed = js(cli(node_url, ks, "order", "place", "BTC-USD", "buy", "0.01", "--price", "49990", "--json"))
    assert placed["order"]["state"] == "resting"
    js(cli(node_url, ks, "order", "place", "btc-usd", "sell", "0.002", "--price", "50100", "--json"))
    book = js(cli(node_url, ks, "book", "BTC-USD", "--json"))
    assert book["bids"] == [["4999000", "100"]] and book["asks"] == [["5010000", "20"]]
    assert "49990.00" in cli(node_url, ks, "book", "0").output
    orders = js(cli(node_url, ks, "order", "list", "--json"))
    assert len(orders) == 2
    cli(node_url, ks, "order", "cancel", str(placed["order"]["order_id"]))
    assert len(js(cli(node_url, ks, "order", "list", "--json"))) == 1
    cli(node_url, ks, "order", "cancel", "--all")
    assert js(cli(node_url, ks, "order", "list", "--json")) == []
    shown = js(cli(node_url, ks, "account", "show", "--json"))
    assert shown["collateral"] == "1000500000" and shown["open_orders"] == []
    out = js(cli(node_url, ks, "withdraw", "500", "--json"))
    assert out["amount"] == "500000000"
    assert "500000000" not in cli(node_url, ks, "account", "show").output  # the table shows USD
    assert js(cli(node_url, ks, "account", "show", "--json"))["collateral"] == "500500000"


def test_cli_errors_are_clean(node_url: str, tmp_path: Path) -> None:
    ks = tmp_path / "bob.json"
    r = cli(node_url, ks, "order", "list", ok=False)
    assert "no keystore" in r.output
    cli(node_url, ks, "account", "create", "--eth-key", "0x" + "02" * 32, "--scrypt-n", "1024")
    r = cli(node_url, ks, "deposit", "10")
    r = cli(node_url, ks, "order", "place", "BTC-USD", "buy", "0.01", "--price", "49990.5", ok=False)
    assert "invalid_order" in r.output
    r = cli(
        node_url, ks, "order", "place", "BTC-USD", "buy", "0.01", "--price", "49990.5", "--json", ok=False
    )
    assert js(r)["error"]["code"] == "invalid_order"
    r = cli(node_url, ks, "order", "place", "BTC-USD", "buy", "0.00001", "--price", "49990", ok=False)
    assert "more than 4 decimals" in r.output
    r = cli(node_url, ks, "order", "place", "DOGE-USD", "buy", "1", "--price", "1", ok=False)
    assert "no market" in r.output
    r = cli(node_url, ks, "order", "place", "BTC-USD", "buy", "100", "--price", "50000", ok=False)
    assert "insufficient_margin" in r.output
    r = cli(node_url, ks, "withdraw", "1000000", ok=False)
    assert "insufficient_collateral" in r.output
    env = {"ZKCLEAR_NODE": node_url, "ZKCLEAR_KEYSTORE": str(ks), "ZKCLEAR_PASSWORD": "wrong"}
    r = CliRunner().invoke(main, ["order", "list"], env=env)
    assert r.exit_code != 0 and "unlock" in r.output
    r = cli("http://127.0.0.1:9", ks, "markets", ok=False)
    assert "unreachable" in r.output


def test_node_flags_reach_the_node_config(tmp_path: Path) -> None:
    """`zkclear node`'s slow-client and stream flags are in --help and set NodeConfig (issue 14)."""
    from sequencer.cli.node import node

    help_text = CliRunner().invoke(node, ["--help"], env={"COLUMNS": "200"}).output
    for flag in ("--header-timeout", "--body-timeout", "--stream-queue-events", "--stream-close-wait"):
        assert flag in help_text, flag
    seen: dict[str, Any] = {}

    async def fake_serve(ncfg: Any, ecfg: Any, on_ready: Any = None) -> None:
        seen["cfg"] = ncfg

    args = ["--data-dir", str(tmp_path / "n"), "--header-timeout", "2.5", "--body-timeout", "3",
            "--stream-queue-events", "17", "--stream-close-wait", "0.5"]  # fmt: skip
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("sequencer.cli.node.serve", fake_serve)
        result = CliRunner().invoke(node, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    cfg = seen["cfg"]
    assert (cfg.header_timeout_s, cfg.body_timeout_s, cfg.stream_queue_events, cfg.stream_close_wait_s) == (
        2.5,
        3.0,
        17,
        0.5,
    )
    defaults = CliRunner().invoke(node, ["--data-dir", str(tmp_path / "m"), "--stream-queue-events", "0"])
    assert defaults.exit_code == 2 and "stream-queue-events" in defaults.output
