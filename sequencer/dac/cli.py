"""`zkclear dac-member`: run one data-availability committee member (protocol.md 7.8)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
from pathlib import Path

import click
from aiohttp import web
from eth_account import Account
from eth_account.signers.local import LocalAccount

from protocol.pubdata.fields import PubdataError
from protocol.pubdata.rebuild import Genesis
from sequencer.dac.member import Member
from sequencer.dac.server import create_app
from sequencer.dac.store import MemberStore, MemberStoreError

PASSWORD_ENV = "ZKCLEAR_DAC_PASSWORD"


def load_key(keystore: Path, password_file: Path | None) -> LocalAccount:
    """The member's secp256k1 key from an encrypted eth-account keystore (never a bare key file)."""
    if password_file is not None:
        password = password_file.read_text().rstrip("\r\n")
    elif PASSWORD_ENV in os.environ:
        password = os.environ[PASSWORD_ENV]
    else:
        raise click.UsageError(f"the keystore's password: --password-file or ${PASSWORD_ENV}")
    try:
        key = Account.decrypt(json.loads(keystore.read_text()), password)
    except (ValueError, KeyError, TypeError) as e:
        raise click.ClickException(f"{keystore}: cannot decrypt the keystore ({e})") from e
    acct: LocalAccount = Account.from_key(key)
    return acct


async def _serve(member: Member, host: str, port: int) -> None:
    runner = web.AppRunner(create_app(member), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = runner.addresses[0][1] if runner.addresses else port
    click.echo(f"member {member.address} listening on http://{host}:{bound}")
    sys.stdout.flush()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


@click.command("dac-member")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--key", "keystore", type=click.Path(dir_okay=False, exists=True, path_type=Path), required=True,
              help="The member's encrypted keystore (eth-account JSON).")  # fmt: skip
@click.option("--password-file", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help=f"The keystore's password (else ${PASSWORD_ENV}).")  # fmt: skip
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=7080, show_default=True, help="0 picks a free port.")
@click.option("--rollup", required=True, help="The rollup contract's address (signed into dac_hash).")
@click.option("--chain-id", type=int, required=True)
@click.option("--genesis", type=click.Path(dir_okay=False, exists=True, path_type=Path), required=True,
              help="The genesis parameters: a node's GET /v1/params body (params_hash, markets[].config_hash).")  # fmt: skip
@click.option("-v", "--verbose", is_flag=True)
def dac_member(
    data_dir: Path,
    keystore: Path,
    password_file: Path | None,
    host: str,
    port: int,
    rollup: str,
    chain_id: int,
    genesis: Path,
    verbose: bool,
) -> None:
    """Serve as a validium data-availability committee member: store each batch's state diff
    durably, check it rebuilds the header's new root, sign its dac_hash, serve it to anyone."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING)
    try:
        rollup_address = int(rollup, 16)
        assert rollup.startswith("0x") and len(rollup) == 42
    except (ValueError, AssertionError) as e:
        raise click.BadParameter("0x and 40 hex digits", param_hint="--rollup") from e
    try:
        gen = Genesis.from_params_json(json.loads(genesis.read_text()))
    except (ValueError, PubdataError) as e:
        raise click.ClickException(f"{genesis}: {e}") from e
    key = load_key(keystore, password_file)
    store = MemberStore(data_dir / "dac.db")
    try:
        member = Member(store, key, rollup_address, chain_id, gen)
    except MemberStoreError as e:
        raise click.ClickException(str(e)) from e
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_serve(member, host, port))
    finally:
        store.close()
