"""The ingress pipeline: batched signature checks, ordered apply, group-committed journal, durable ack.

Requests put their decoded operations on one queue.  Two stages, each a task, process it in groups:
1. verify: take everything queued as one group; hash every signed message of it and check every
   signature in native batched calls (`sequencer.signatures.check_all`, shared with the exchange),
   in a worker thread, so C works with the GIL released while the loop thread serves requests and
   applies the previous group;
2. apply: once a group is checked, apply its operations one by one, in arrival order, to the
   exchange state machine on the loop thread (single-threaded and deterministic; a rejected
   operation changes nothing and is not journaled), and append every accepted one to the journal
   with the timestamp it was applied at.
A request is answered only after the journal entry of each of its accepted operations is durable
(group commit: one fsync covers everything appended meanwhile).  While one group is verified,
applied or fsynced the next gathers, so groups grow with load and an idle node answers at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from sequencer.journal import Journal
from sequencer.node.errors import ApiError, BatchFull
from sequencer.node.latency import LatencyTrace
from sequencer.node.ratelimit import RateLimiter
from sequencer.signatures import SigCheck, check_all

# Apply at most this many operations before letting the loop serve other requests.
APPLY_SLICE = 256


class Applier(Protocol):
    """What the pipeline needs from the state machine adapter (`sequencer.node.engine`)."""

    def sig_check(self, op: Any) -> list[SigCheck]:
        """Validate `op` and return the signatures it must carry (empty for operator/L1
        operations); ApiError if it cannot be checked at all (unknown account, malformed fields)."""
        ...

    def apply(self, op: Any, ts_ms: int, seq: int) -> tuple[str, bytes, dict[str, Any]]:
        """Apply `op` (whose sig_check passed and whose signatures verified) as journal entry
        `seq`; returns (journal kind, journal body, answer) or raises ApiError with the state
        unchanged; BatchFull when the op does not fit the pending batch (the pipeline then closes the
        batch with `batch_close_op` and applies the op again, in the next batch)."""
        ...

    def batch_close_op(self) -> Any:
        """The operation that closes the pending batch."""
        ...


@dataclass
class Outcome:
    ok: bool
    result: dict[str, Any] | None = None
    error: ApiError | None = None
    seq: int = 0

    def to_json(self) -> dict[str, Any]:
        if self.ok:
            return {"ok": True, **(self.result or {})}
        assert self.error is not None
        return {"ok": False, **self.error.to_json()}


@dataclass
class _Pending:
    op: Any
    rate_key: object | None
    fut: asyncio.Future[Outcome]
    checks: list[SigCheck] = field(default_factory=list)
    # perf_counter stamps (sequencer.node.latency), kept only when the node traces latency
    t_verified: float = 0.0
    t_applied: float = 0.0


class Pipeline:
    def __init__(
        self,
        applier: Applier,
        journal: Journal,
        *,
        key_limiter: RateLimiter | None = None,
        clock_ms: Callable[[], int] = lambda: int(time.time() * 1000),
        on_applied: Callable[[int], None] | None = None,
        trace: LatencyTrace | None = None,
    ) -> None:
        self.applier = applier
        self.journal = journal
        self.key_limiter = key_limiter
        self.clock_ms = clock_ms
        self.on_applied = on_applied
        self.trace = trace
        self.last_ts_ms = 0
        self._queue: list[_Pending] = []
        self._wake = asyncio.Event()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sigcheck")
        self._task: asyncio.Task[None] | None = None
        self._apply_task: asyncio.Task[None] | None = None
        # groups whose signatures are being checked, in order; two in flight keeps both cores busy
        self._stage: asyncio.Queue[tuple[list[_Pending], Any]] = asyncio.Queue(maxsize=2)
        self.stats = {"groups": 0, "ops": 0, "accepted": 0, "rejected": 0}
        # read at scrape time by sequencer.node.metrics: accepted operations by journal kind,
        # refused ones by error code (signature, rate limit and state-machine refusals)
        self.accepted_kinds: Counter[str] = Counter()
        self.rejected_codes: Counter[str] = Counter()

    def start(self) -> None:
        self._task = asyncio.create_task(self._verify_stage(), name="pipeline-verify")
        self._apply_task = asyncio.create_task(self._apply_stage(), name="pipeline-apply")

    async def stop(self) -> None:
        for task in (self._task, self._apply_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._task = self._apply_task = None
        pending = list(self._queue)
        while not self._stage.empty():
            pending.extend(self._stage.get_nowait()[0])
        for p in pending:
            if not p.fut.done():
                p.fut.set_result(Outcome(False, error=ApiError("unavailable", "the node is shutting down")))
        self._queue.clear()
        self._pool.shutdown(wait=True)

    def now_ms(self) -> int:
        """Operation time: the wall clock, but never going backwards (replay must see the same order)."""
        self.last_ts_ms = max(self.last_ts_ms, self.clock_ms())
        return self.last_ts_ms

    async def submit(
        self, ops: Sequence[tuple[Any, object | None]], received: float | None = None
    ) -> list[Outcome]:
        """Queue (operation, rate-limit key) pairs; returns their outcomes once the accepted ones are
        durable.  `received`: when the request arrived (perf_counter), for the latency trace."""
        if self.journal.failed is not None or self._task is None:
            raise ApiError(
                "unavailable", "the node is not accepting operations (journal failed or shutting down)"
            )
        loop = asyncio.get_running_loop()
        pend = [_Pending(op, key, loop.create_future()) for op, key in ops]
        trace = self.trace
        queued = time.perf_counter() if trace is not None else 0.0
        self._queue.extend(pend)
        self._wake.set()
        outcomes = [await p.fut for p in pend]
        last = max((o.seq for o in outcomes if o.ok), default=0)
        if last:
            await self.journal.wait_durable(last)
        if trace is not None and received is not None:  # traced: operations of client requests
            now = time.perf_counter()
            for p, o in zip(pend, outcomes, strict=True):
                if o.ok:
                    trace.op(received, queued, p.t_verified, p.t_applied, now)
        return outcomes

    async def _verify_stage(self) -> None:
        """Stage 1: take everything queued, start its signature checks in the worker thread, hand
        the group on.  Groups leave in arrival order, so operations are applied in arrival order."""
        loop = asyncio.get_running_loop()
        while True:
            await self._wake.wait()
            self._wake.clear()
            group, self._queue = self._queue, []
            if not group:
                continue
            self.stats["groups"] += 1
            self.stats["ops"] += len(group)
            try:
                checking = self._start_checks(group, loop)
            except Exception as exc:  # a bug: fail this group's requests, keep serving the others
                self._fail(group, exc)
                continue
            await self._stage.put((group, checking))

    def _start_checks(
        self, group: list[_Pending], loop: asyncio.AbstractEventLoop
    ) -> tuple[list[_Pending], asyncio.Future[list[bool]]] | None:
        owners: list[_Pending] = []
        triples: list[SigCheck] = []
        for p in group:
            try:
                p.checks = self.applier.sig_check(p.op)
            except ApiError as err:
                self._refuse(p, err)
                continue
            owners.extend([p] * len(p.checks))
            triples.extend(p.checks)
        if not triples:
            return None
        # Always in the worker thread, even a lone signature: checking on the loop thread would
        # save the hand-off but add the check's CPU to the loop, whose utilisation is what the
        # latency tail follows under load (measured with bench/node.py, GET /v1/devnet/latency).
        trace = self.trace
        if trace is None:
            return owners, loop.run_in_executor(self._pool, check_all, triples)

        def timed() -> list[bool]:
            t = time.perf_counter()
            try:
                return check_all(triples)
            finally:
                trace.add("sigcheck_thread", time.perf_counter() - t)

        return owners, loop.run_in_executor(self._pool, timed)

    async def _apply_stage(self) -> None:
        """Stage 2: apply each group once its signatures are checked; meanwhile stage 1 already
        checks the next group on the other core."""
        while True:
            group, checking = await self._stage.get()
            try:
                await self._apply_group(group, checking)
            except Exception as exc:
                self._fail(group, exc)

    def _refuse(self, p: _Pending, err: ApiError) -> None:
        self.rejected_codes[err.code] += 1
        p.fut.set_result(Outcome(False, error=err))

    @staticmethod
    def _fail(group: list[_Pending], exc: BaseException) -> None:
        for p in group:
            if not p.fut.done():
                p.fut.set_exception(exc)

    async def _apply_group(
        self, group: list[_Pending], checking: tuple[list[_Pending], asyncio.Future[list[bool]]] | None
    ) -> None:
        trace = self.trace
        if checking is not None:
            owners, fut = checking
            valid = await fut
            for p, ok in zip(owners, valid, strict=True):
                if not ok and not p.fut.done():
                    self._refuse(p, ApiError("bad_signature", "the signature does not verify"))
        t_slice = t_seen = time.perf_counter() if trace is not None else 0.0
        applied = 0
        for p in group:
            if p.fut.done():
                continue
            # The key's budget pays only for operations the exchange accepts: the token taken here is
            # given back when the operation is rejected, so replaying an old signed message of
            # account A (refused as a stale nonce) spends none of A's budget.
            limiter = self.key_limiter if p.rate_key is not None else None
            if limiter is not None:
                wait = limiter.try_take(p.rate_key)
                if wait > 0:
                    err = ApiError(
                        "rate_limited", "too many operations for this key", {"retry_after": round(wait, 3)}
                    )
                    self._refuse(p, err)
                    continue
            seq = self.journal.next_seq
            ts = self.now_ms()
            try:
                try:
                    kind, body, answer = self.applier.apply(p.op, ts, seq)
                except BatchFull:
                    # the batch closes before the op (its own journal entry), the op opens the next
                    ck, cb, _ = self.applier.apply(self.applier.batch_close_op(), ts, seq)
                    assert self.journal.append(ck, cb, ts) == seq
                    seq = self.journal.next_seq
                    kind, body, answer = self.applier.apply(p.op, ts, seq)
            except ApiError as err:
                if limiter is not None:
                    limiter.refund(p.rate_key)
                self.stats["rejected"] += 1
                self._refuse(p, err)
                continue
            got = self.journal.append(kind, body, ts)
            assert got == seq
            self.stats["accepted"] += 1
            self.accepted_kinds[kind] += 1
            if trace is not None:
                p.t_verified = t_seen
                p.t_applied = time.perf_counter()
            p.fut.set_result(Outcome(True, result=answer, seq=seq))
            if self.on_applied is not None:
                self.on_applied(seq)
            applied += 1
            if applied % APPLY_SLICE == 0:
                if trace is not None:
                    trace.add("apply_slice", time.perf_counter() - t_slice)
                await asyncio.sleep(0)
                if trace is not None:
                    t_slice = time.perf_counter()
        if trace is not None:
            trace.add("apply_slice", time.perf_counter() - t_slice)
            trace.count("group_ops", len(group))
