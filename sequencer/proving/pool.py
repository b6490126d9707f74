"""The prover pool's compute: a Dask distributed client, to an operator's scheduler
(`--prover-scheduler tcp://HOST:8786`, workers started with `zkclear prover-worker`) or to an
embedded `LocalCluster` (the default) that this module starts and stops with the node.

The embedded cluster is one worker process with one task thread whose proofs use every core for
their MSMs and FFTs: a devnet waits for its batches one at a time, so one proof on all cores (the
lowest latency per batch) is worth more than several on a core each.  Its memory limit is off (a
48-slot proof needs a few GB; Dask's nanny would otherwise pause or restart the worker under a big
proof), its priority is lowered like the old prover process's, and its worker process exits when
the node dies (Dask's worker processes watch their parent through a pipe), a kill -9 included.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from collections.abc import Awaitable
from dataclasses import dataclass
from pathlib import Path

from distributed import Client, Future, LocalCluster

from sequencer.proving.task import ProofTask, ProverPlugin, prove_task

__all__ = ["PoolInfo", "ProverPool", "WorkerInfo"]

log = logging.getLogger("zkclear.prover")
CONNECT_TIMEOUT_S = 30.0
# results are read as msgpack only: a worker cannot make the node load a pickle (run its code)
# through a result; the rest of Dask's protocol trusts its peers (protocol.md 11, "Prover pool")
RESULTS = ["msgpack"]
RESTART_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class WorkerInfo:
    name: str  # kept across the restarts of its nanny's worker process (the address is not)
    nthreads: int


@dataclass(frozen=True)
class PoolInfo:
    scheduler: str
    embedded: bool
    workers: dict[str, WorkerInfo]  # by address


class ProverPool:
    def __init__(self, client: Client, cluster: LocalCluster | None) -> None:
        self.client = client
        self.cluster = cluster
        self.scheduler = str(client.scheduler.address) if client.scheduler is not None else "?"
        self._workers: dict[str, WorkerInfo] = {}

    @classmethod
    async def connect(cls, scheduler: str) -> ProverPool:
        """A client of the operator's scheduler at `scheduler` (tcp://HOST:PORT)."""
        client = await Client(scheduler, asynchronous=True, timeout=CONNECT_TIMEOUT_S, deserializers=RESULTS)
        return cls(client, None)

    @classmethod
    async def embedded(cls, keys: Path) -> ProverPool:
        """A LocalCluster on this machine (one worker process, one task at a time, every core)."""
        cluster = await LocalCluster(
            n_workers=1,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            scheduler_port=0,
            dashboard_address="127.0.0.1:0",  # its HTTP routes: loopback, any free port (several nodes per host)
            memory_limit=0,
            asynchronous=True,
            plugins={ProverPlugin(keys, zk_threads=os.cpu_count() or 1, nice=10)},
        )
        try:
            client = await Client(cluster, asynchronous=True, deserializers=RESULTS)
        except BaseException:
            await _awaited(cluster.close())
            raise
        return cls(client, cluster)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await _awaited(self.client.close())
        if self.cluster is not None:
            with contextlib.suppress(Exception):
                await _awaited(self.cluster.close())

    async def refresh(self) -> dict[str, WorkerInfo]:
        """The workers now connected, by address."""
        scheduler = self.client.scheduler
        assert scheduler is not None, "the client is not started"
        ident = await scheduler.identity(n_workers=-1)
        self._workers = {
            str(a): WorkerInfo(str(w.get("name", a)), int(w["nthreads"])) for a, w in ident["workers"].items()
        }
        return self._workers

    def name_of(self, address: str) -> str:
        w = self._workers.get(address)
        return w.name if w is not None else address

    @property
    def lost(self) -> bool:
        """The client has given up on its scheduler (a new client is needed)."""
        return self.client.status in ("closed", "closing")

    @property
    def capacity(self) -> int:
        """Jobs that can run at once: the workers' task threads (as last refreshed)."""
        return sum(w.nthreads for w in self._workers.values())

    def info(self) -> PoolInfo:
        return PoolInfo(self.scheduler, self.cluster is not None, dict(self._workers))

    def submit(self, task: ProofTask, attempt: int, avoid: set[str]) -> Future:
        """Run `task` as `prove-<batch>-<attempt>-<inputs digest>` on a worker whose name is not in
        `avoid` (any when all are); the digest keeps apart the jobs of two nodes sharing a scheduler."""
        allowed = [a for a, w in self._workers.items() if w.name not in avoid]
        digest = hashlib.sha256(task.inputs).hexdigest()[:12]
        return self.client.submit(
            prove_task,
            task,
            key=f"prove-{task.batch}-{attempt}-{digest}",
            pure=False,
            workers=allowed if avoid and allowed else None,
            allow_other_workers=False,
        )

    async def result(self, fut: Future) -> tuple[object, str | None]:
        """The task's answer as it came (plain data, for ProofResult.from_wire) and the worker that
        holds it (the scheduler's view, not the worker's)."""
        res = await fut
        who: str | None = None
        with contextlib.suppress(Exception):
            held = await self.client.who_has([fut])
            addrs = held.get(fut.key) or []
            who = addrs[0] if addrs else None
        return res, who

    async def running_on(self, fut: Future) -> str | None:
        """The worker the scheduler has the task processing on (None: none, or not known)."""
        with contextlib.suppress(Exception):
            for addr, keys in (await self.client.processing()).items():
                if fut.key in keys:
                    return str(addr)
        return None

    async def restart(self, address: str) -> None:
        """Have the worker's nanny restart its process (a thread stuck in a proof cannot be stopped)."""
        with contextlib.suppress(Exception):
            await self.client.restart_workers([address], timeout=RESTART_TIMEOUT_S, raise_for_error=False)

    async def cancel(self, fut: Future) -> None:
        with contextlib.suppress(Exception):
            await self.client.cancel([fut], force=True)


async def _awaited(x: Awaitable[None] | None) -> None:
    """Await what an asynchronous Dask object's close returns (typed as maybe a coroutine)."""
    if x is not None:
        await x
