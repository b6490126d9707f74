"""`zkclear prover-worker tcp://HOST:8786`: a proving machine of a node's prover pool.

It starts a Dask nanny and worker connected to the operator's scheduler (the one the node names
with `--prover-scheduler`), with our ProverPlugin installed (sequencer.proving.task): the worker
proves the jobs the node dispatches, finding each proving key by its sha256 in `--keys` (a key
set folder or a folder of them, `<dir>/<shape>/batch.zkey`, as `zkclear node` keeps under
DATA_DIR/keys) and keeping each key and its compiled circuit loaded.  `--nthreads` jobs run at
once, each proof on `--zk-threads` native threads (default: the machine's cores divided by
`--nthreads`); set it to the worker's share of the cores when several workers share a machine.
The nanny restarts a worker process that dies; SIGINT or SIGTERM closes both.
"""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path
from typing import Any

import click
from distributed import Nanny

from sequencer.proving.task import ProverPlugin

__all__ = ["prover_worker"]


@click.command("prover-worker")
@click.argument("scheduler", metavar="tcp://HOST:PORT")
@click.option(
    "--keys",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    required=True,
    help="Folder of proving key sets (batch.zkey directly in it, or in one subfolder per shape).",
)
@click.option("--nthreads", type=click.IntRange(min=1), default=1, show_default=True, help="Jobs at once.")
@click.option(
    "--zk-threads",
    type=click.IntRange(min=0),
    default=0,
    help="Native threads per proof (default: the machine's cores / --nthreads).",
)
@click.option("--host", default=None, help="Address the worker listens on (default: Dask's choice).")
@click.option("--name", default=None, help="The worker's name at the scheduler.")
@click.option(
    "--memory-limit",
    default="0",
    show_default=True,
    help="Dask's memory limit per worker (0: none; a big proof is never paused or killed).",
)
@click.option(
    "--preload",
    multiple=True,
    help="A Dask preload module (or file) run in the worker process, as `dask worker --preload`.",
)
def prover_worker(
    scheduler: str,
    keys: Path,
    nthreads: int,
    zk_threads: int,
    host: str | None,
    name: str | None,
    memory_limit: str,
    preload: tuple[str, ...],
) -> None:
    """Prove a node's batches: a Dask worker of the scheduler at tcp://HOST:PORT."""
    threads = zk_threads or max(1, (os.cpu_count() or 1) // nthreads)
    nanny_options = {
        "nthreads": nthreads,
        "host": host,
        "name": name,
        "memory_limit": memory_limit,
        "preload": list(preload),
        "env": {"ZK_THREADS": str(threads)},
        "plugins": {ProverPlugin(keys.resolve(), zk_threads=threads)},
    }
    asyncio.run(_serve(scheduler, keys, nanny_options))


async def _serve(scheduler: str, keys: Path, nanny_options: dict[str, Any]) -> None:
    # the Nanny is made inside the running loop (Dask servers bind to the loop they start in)
    nanny = Nanny(scheduler, **nanny_options)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with nanny:
        click.echo(f"zkclear prover-worker: {nanny.worker_address} -> {scheduler}, keys {keys}", err=True)
        done = asyncio.ensure_future(nanny.finished())
        halt = asyncio.ensure_future(stop.wait())
        await asyncio.wait([done, halt], return_when=asyncio.FIRST_COMPLETED)
        halt.cancel()
        if not done.done():
            await nanny.close(reason="zkclear prover-worker stopped")
