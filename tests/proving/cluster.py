"""A real Dask cluster for the prover-pool tests: a `dask scheduler` process and `zkclear
prover-worker` processes (a nanny and its worker each) on 127.0.0.1, on free ports."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from distributed import Client

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child: SIGKILL when the test process dies (a killed pytest leaves no cluster on)."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class Cluster:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.procs: list[subprocess.Popen[bytes]] = []
        self.client: Client | None = None

    def _spawn(self, args: list[str], log: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        out = open(self.workdir / log, "ab")  # noqa: SIM115 - closed with the process below
        proc = subprocess.Popen(
            args,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
            env={**os.environ, **(env or {})},
        )
        out.close()
        self.procs.append(proc)
        return proc

    def start_scheduler(self) -> None:
        self._spawn(
            [
                sys.executable,
                "-m",
                "distributed.cli.dask_scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--no-dashboard",
            ],
            "scheduler.log",
        )
        self.client = Client(self.address, timeout=60)

    def add_worker(
        self, keys: Path, *extra: str, name: str, env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        """`zkclear prover-worker` on one native thread (two share this 2-core machine)."""
        return self._spawn(
            [
                sys.executable,
                "-c",
                "from zkclear.cli import main; main()",
                "prover-worker",
                self.address,
                "--keys",
                str(keys),
                "--nthreads",
                "1",
                "--zk-threads",
                "1",
                "--host",
                "127.0.0.1",
                "--name",
                name,
                *extra,
            ],
            f"worker-{name}.log",
            env,
        )

    def wait_for_workers(self, n: int) -> dict[str, int]:
        """Wait until `n` workers are connected; their worker processes' pids by address."""
        assert self.client is not None
        self.client.wait_for_workers(n, timeout=180)
        return dict(self.client.run(os.getpid))

    def worker_named(self, name: str) -> str:
        assert self.client is not None
        for addr, w in self.client.scheduler_info(n_workers=-1)["workers"].items():
            if w.get("name") == name:
                return str(addr)
        raise LookupError(name)

    def busy_worker(self) -> tuple[str, int] | None:
        """A worker running a task now, with its process id (None: none is)."""
        assert self.client is not None
        busy = [a for a, keys in self.client.processing().items() if keys]
        if not busy:
            return None
        pids = self.client.run(os.getpid, workers=busy[:1])
        return busy[0], int(pids[busy[0]])

    def stop(self) -> None:
        if self.client is not None:
            with contextlib.suppress(Exception):
                self.client.close()
        for p in reversed(self.procs):
            with contextlib.suppress(ProcessLookupError):
                p.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        for p in self.procs:
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


@contextlib.contextmanager
def cluster(workdir: Path) -> Iterator[Cluster]:
    c = Cluster(workdir)
    try:
        c.start_scheduler()
        yield c
    finally:
        c.stop()
