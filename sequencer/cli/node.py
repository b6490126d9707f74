"""`zkclear node`: run the sequencer node (HTTP API, journal, batching) on the embedded defaults."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from protocol.slots import DEFAULT_BATCH_SLOTS
from sequencer.config import ExchangeConfig
from sequencer.journal import JournalIntegrityError
from sequencer.l1.errors import L1Error
from sequencer.node.app import serve
from sequencer.node.config import NodeConfig
from sequencer.node.defaults import devnet_config, load_genesis

F = TypeVar("F", bound=Callable[..., Any])
L1_EXIT_CODE = 4  # the L1 is not this node's, or its options are wrong (sequencer.l1.errors)


def node_config_options(fn: F) -> F:
    """The node's configuration options (the arguments of `make_configs`)."""
    opts = [
        click.option(
            "--data-dir",
            type=click.Path(file_okay=False, path_type=Path),
            default=Path("var/node"),
            show_default=True,
            help="Journal and snapshots (SQLite) live here.",
        ),
        click.option("--host", default="127.0.0.1", show_default=True),
        click.option("--port", type=int, default=7070, show_default=True, help="0 picks a free port."),
        click.option(
            "--genesis",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="Genesis JSON (markets, oracle signers, chain id, rollup); default: the devnet genesis.",
        ),
        click.option(
            "--devnet/--no-devnet",
            default=False,
            help="Mount /v1/devnet/* (faucet deposits, devnet oracle prices).",
        ),
        click.option("--batch-max-ops", type=int, default=1000, show_default=True),
        click.option(
            "--batch-slots",
            type=click.IntRange(min=2),
            default=DEFAULT_BATCH_SLOTS,
            show_default=True,
            help="Slots of the batch circuit: a batch closes before an operation that would not fit.",
        ),
        click.option(
            "--batch-queue",
            type=click.IntRange(min=1),
            default=None,
            help="L1 queue records per batch circuit (default: slots/8, at least 1).",
        ),
        click.option(
            "--batch-withdrawals",
            type=click.IntRange(min=1),
            default=None,
            help="Withdrawals per batch circuit (default: slots/8, at least 1).",
        ),
        click.option(
            "--data-mode",
            type=click.Choice(["validium", "rollup"]),
            default="validium",
            show_default=True,
            help="Batch data mode: rollup publishes the state diff on L1, validium gives it to the committee.",
        ),
        click.option(
            "--prove/--no-prove",
            default=False,
            show_default=True,
            help="Prove each closed batch (keys: --prover-keys, else made once under DATA_DIR/keys/).",
        ),
        click.option(
            "--prover-keys",
            type=click.Path(file_okay=False, exists=True, path_type=Path),
            default=None,
            help="An operator's key set for the batch shape (batch.zkey, verification_key.json, "
            "r1cs.sha256): a ceremony's output. Default: a single-party key made once (devnets only).",
        ),
        click.option("--prover-test-key", is_flag=True, hidden=True),
        click.option(
            "--prover-scheduler",
            metavar="tcp://HOST:PORT",
            default=None,
            help="Prove on the Dask cluster of this scheduler (workers: `zkclear prover-worker`). "
            "Default: an embedded cluster on this machine.",
        ),
        click.option(
            "--prover-job-timeout",
            type=float,
            default=0.0,
            help="Seconds before a proof job without a result is cancelled and dispatched again "
            "(default 0: ten times the slowest proof so far, at least 600).",
        ),
        click.option(
            "--batch-max-age",
            type=float,
            default=10.0,
            show_default=True,
            help="Seconds before an open batch closes.",
        ),
        click.option(
            "--snapshot-every",
            type=int,
            default=20000,
            show_default=True,
            help="Journal entries between snapshots.",
        ),
        click.option(
            "--key-rate",
            type=float,
            default=2000.0,
            show_default=True,
            help="Operations/s per signing key (0: off).",
        ),
        click.option(
            "--address-rate",
            type=float,
            default=5000.0,
            show_default=True,
            help="Requests/s per client address (0: off).",
        ),
        click.option(
            "--max-body", type=int, default=1 << 20, show_default=True, help="Largest request body, bytes."
        ),
        click.option("--max-batch-orders", type=int, default=1000, show_default=True),
        click.option(
            "--header-timeout",
            type=click.FloatRange(min=0, min_open=True),
            default=NodeConfig.header_timeout_s,
            show_default=True,
            help="Seconds a connection may take to send a complete request head (and stay idle "
            "between requests); then it is closed.",
        ),
        click.option(
            "--body-timeout",
            type=click.FloatRange(min=0, min_open=True),
            default=NodeConfig.body_timeout_s,
            show_default=True,
            help="Seconds a request body may take to arrive; then 408 request_timeout.",
        ),
        click.option(
            "--stream-queue-events",
            type=click.IntRange(min=1),
            default=NodeConfig.stream_queue_events,
            show_default=True,
            help="Unsent events a stream subscriber may fall behind by before it is closed (1008).",
        ),
        click.option(
            "--stream-close-wait",
            type=click.FloatRange(min=0, min_open=True),
            default=NodeConfig.stream_close_wait_s,
            show_default=True,
            help="Seconds a subscriber closed for falling behind has to take the close frame; then "
            "its connection is aborted.",
        ),
        click.option(
            "--health-max-unproven",
            type=click.FloatRange(min=0),
            default=NodeConfig.health_max_unproven_s,
            show_default=True,
            help="With --prove, GET /v1/health fails (503) when the oldest batch not yet proven closed "
            "more than this many seconds ago (0: no check).",
        ),
        click.option(
            "--health-max-unfinalized",
            type=click.FloatRange(min=0),
            default=NodeConfig.health_max_unfinalized_s,
            show_default=True,
            help="With an L1 client, GET /v1/health fails (503) when the oldest proven batch not yet "
            "finalized on L1 closed more than this many seconds ago (0: no check).",
        ),
        click.option(
            "--dac-member",
            "dac_members",
            multiple=True,
            metavar="URL",
            help="Validium: a data-availability committee member's base URL (zkclear dac-member); repeat "
            "for each member.",
        ),
        click.option(
            "--dac-quorum",
            type=click.IntRange(min=0),
            default=0,
            help="Validium: member signatures a batch needs (0: as many as --dac-member given).",
        ),
        click.option("--fault-commit-delay-ms", type=float, default=0.0, hidden=True),
        *l1_options(),
    ]
    for o in reversed(opts):
        fn = o(fn)
    return fn


def l1_options() -> list[Callable[[F], F]]:
    """The L1 client's options (sequencer.l1; protocol.md 7.12.1)."""
    path = click.Path(exists=True, dir_okay=False, path_type=Path)
    return [
        click.option(
            "--l1-rpc", default=None, help="Ethereum JSON-RPC URL of the L1 (enables the L1 client)."
        ),
        click.option("--rollup", default=None, help="The rollup contract's address (0x..) on the L1."),
        click.option(
            "--l1-confirmations",
            type=click.IntRange(min=0),
            default=0,
            show_default=True,
            help="Blocks a queue entry or a batch must be under before the node acts on it (2+ on real chains).",
        ),
        click.option(
            "--l1-poll", type=click.FloatRange(min=0, min_open=True), default=1.0, show_default=True
        ),
        click.option(
            "--l1-from-block", type=click.IntRange(min=0), default=0, help="The rollup's deployment block."
        ),
        click.option(
            "--sequencer-key", type=path, default=None, help="The submitter's encrypted keystore (JSON)."
        ),
        click.option(
            "--sequencer-password-file",
            type=path,
            default=None,
            help="The keystore's password (else the ZKCLEAR_SEQUENCER_PASSWORD environment variable).",
        ),
        click.option(
            "--sequencer-signer-rpc",
            default=None,
            help="A remote signer (eth_sendTransaction) holding the submitter key.",
        ),
        click.option(
            "--sequencer-address", default=None, help="The submitter's address at the remote signer."
        ),
        click.option(
            "--l1-batches-per-call",
            type=click.IntRange(min=1),
            default=1,
            show_default=True,
            help="Consecutive proven rollup batches sent in one submitBatches call (one aggregated proof check).",
        ),
        click.option(
            "--l1-stuck",
            type=click.FloatRange(min=0, min_open=True),
            default=60.0,
            show_default=True,
            help="Seconds before an unmined submission is sent again with higher fees.",
        ),
    ]


def make_configs(
    data_dir: Path,
    host: str,
    port: int,
    genesis: Path | None,
    devnet: bool,
    batch_max_ops: int,
    batch_max_age: float,
    batch_slots: int,
    snapshot_every: int,
    key_rate: float,
    address_rate: float,
    max_body: int,
    max_batch_orders: int,
    header_timeout: float = NodeConfig.header_timeout_s,
    body_timeout: float = NodeConfig.body_timeout_s,
    stream_queue_events: int = NodeConfig.stream_queue_events,
    stream_close_wait: float = NodeConfig.stream_close_wait_s,
    health_max_unproven: float = NodeConfig.health_max_unproven_s,
    health_max_unfinalized: float = NodeConfig.health_max_unfinalized_s,
    dac_members: tuple[str, ...] = (),
    dac_quorum: int = 0,
    fault_commit_delay_ms: float = 0.0,
    batch_queue: int | None = None,
    batch_withdrawals: int | None = None,
    data_mode: str = "validium",
    l1_rpc: str | None = None,
    rollup: str | None = None,
    l1_confirmations: int = 0,
    l1_poll: float = 1.0,
    l1_from_block: int = 0,
    sequencer_key: Path | None = None,
    sequencer_password_file: Path | None = None,
    sequencer_signer_rpc: str | None = None,
    sequencer_address: str | None = None,
    l1_batches_per_call: int = 1,
    l1_stuck: float = 60.0,
    prove: bool = False,
    prover_keys: Path | None = None,
    prover_test_key: bool = False,
    prover_scheduler: str | None = None,
    prover_job_timeout: float = 0.0,
) -> tuple[NodeConfig, ExchangeConfig]:
    ncfg = NodeConfig(
        data_dir=data_dir,
        host=host,
        port=port,
        devnet=devnet,
        batch_max_ops=batch_max_ops,
        batch_max_age_s=batch_max_age,
        batch_slots=batch_slots,
        batch_queue=batch_queue,
        batch_withdrawals=batch_withdrawals,
        data_mode=data_mode,
        prove=prove,
        prover_keys=prover_keys,
        prover_test_key=prover_test_key,
        prover_scheduler=prover_scheduler,
        prover_job_timeout_s=prover_job_timeout,
        snapshot_every=snapshot_every,
        key_rate=key_rate,
        key_burst=max(key_rate * 5, 1.0),
        address_rate=address_rate,
        address_burst=max(address_rate * 2, 1.0),
        max_body_bytes=max_body,
        max_batch_orders=max_batch_orders,
        header_timeout_s=header_timeout,
        body_timeout_s=body_timeout,
        stream_queue_events=stream_queue_events,
        stream_close_wait_s=stream_close_wait,
        health_max_unproven_s=health_max_unproven,
        health_max_unfinalized_s=health_max_unfinalized,
        dac_members=tuple(dac_members),
        dac_quorum=dac_quorum or len(dac_members),
        fault_commit_delay_ms=fault_commit_delay_ms,
        l1_rpc=l1_rpc,
        rollup=rollup,
        l1_confirmations=l1_confirmations,
        l1_poll_s=l1_poll,
        l1_from_block=l1_from_block,
        sequencer_key=sequencer_key,
        sequencer_password_file=sequencer_password_file,
        sequencer_signer_rpc=sequencer_signer_rpc,
        sequencer_address=sequencer_address,
        l1_batches_per_call=l1_batches_per_call,
        l1_stuck_s=l1_stuck,
    )
    ecfg = load_genesis(genesis) if genesis is not None else devnet_config()
    return ncfg, ecfg


@click.command()
@node_config_options
@click.option("-v", "--verbose", is_flag=True)
def node(verbose: bool, **kw: Any) -> None:
    """Run the sequencer node until Ctrl-C (SIGINT/SIGTERM flush the journal and snapshot).

    Prints `listening on URL` once it serves (with --port 0, the port it picked)."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(asctime)s %(name)s %(message)s"
    )
    ncfg, ecfg = make_configs(**kw)

    def ready(url: str) -> None:
        click.echo(f"listening on {url}", err=False)
        sys.stdout.flush()

    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve(ncfg, ecfg, on_ready=ready))
    except L1Error as exc:
        click.echo(f"zkclear node: refusing to start: {exc}", err=True)
        sys.exit(L1_EXIT_CODE)
    except JournalIntegrityError as exc:
        # a stable exit code and one clear line: supervisors must not restart into a lossy journal
        click.echo(f"zkclear node: refusing to start: {exc}", err=True)
        sys.exit(JournalIntegrityError.EXIT_CODE)
