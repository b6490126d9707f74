"""The node's own settings (listening address, data dir, limits, batching) beside the exchange's."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from circuits.batch.batch import BatchShape
from protocol.pubdata.fields import Mode
from protocol.slots import DEFAULT_BATCH_SLOTS


@dataclass
class NodeConfig:
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 7070  # 0: pick a free port (printed at start)
    # request limits
    max_body_bytes: int = 1 << 20
    max_batch_orders: int = 1000
    # slow clients: a request head must arrive within header_timeout_s of the connection's start (or
    # of the previous answer: the keep-alive idle limit), its body within body_timeout_s
    header_timeout_s: float = 15.0
    body_timeout_s: float = 15.0
    # a stream subscriber whose unsent events reach this many is closed (1008)
    stream_queue_events: int = 2000
    # ... and aborted if it does not take the close frame within this many seconds
    stream_close_wait_s: float = 10.0
    # rate limits: per client address (requests) and per signing key (verified operations); 0 disables
    address_rate: float = 5000.0
    address_burst: float = 10000.0
    key_rate: float = 2000.0
    key_burst: float = 10000.0
    # batching: a batch closes when it holds this many operations or its first is this old
    batch_max_ops: int = 1000
    batch_max_age_s: float = 10.0
    # ... or when the next operation's steps would not fit the batch circuit of this many slots
    # (with its queue and withdrawal capacities, circuits.batch.batch.BatchShape.default): every
    # closed batch is provable (protocol.md 7.13)
    batch_slots: int = DEFAULT_BATCH_SLOTS
    # the batch circuit's L1 queue and withdrawal capacities (None: BatchShape.default) and data mode
    batch_queue: int | None = None
    batch_withdrawals: int | None = None
    data_mode: str = "validium"
    # the prover stage (sequencer.proving): prove each closed batch; keys from prover_keys (an
    # operator's ceremony output) or made once under <data_dir>/keys/ (single-party: devnets only;
    # prover_test_key: the deterministic cached test key of sequencer.batch_keys, tests only)
    prove: bool = False
    prover_keys: Path | None = None
    prover_test_key: bool = False
    # the prover pool (sequencer.proving.pool): an operator's Dask scheduler (tcp://HOST:8786, workers
    # from `zkclear prover-worker`), else an embedded LocalCluster on this machine; a job without a
    # result after prover_job_timeout_s is cancelled and dispatched again (0: 10x the slowest proof
    # so far, at least 600 s)
    prover_scheduler: str | None = None
    prover_job_timeout_s: float = 0.0
    # a state snapshot is written every this many journal entries (and at shutdown)
    snapshot_every: int = 20000
    # devnet: enables /v1/devnet/* (faucet deposits from a simulated L1 queue, operator oracle prices)
    devnet: bool = False
    # health: GET /v1/health answers 503 when the oldest batch the prover stage owes (checked only
    # with `prove`) or the L1 client owes (proven, not finalized; only with `l1_rpc`) closed longer
    # ago than this many seconds; 0 turns the check off
    health_max_unproven_s: float = 600.0
    health_max_unfinalized_s: float = 1800.0
    # validium: the data-availability committee's member URLs (zkclear dac-member) and how many
    # signatures a batch needs (sequencer.l1.dac_client.HttpCommittee)
    dac_members: tuple[str, ...] = ()
    dac_quorum: int = 0
    # crash tests only: hold every journal transaction open this long before COMMIT
    fault_commit_delay_ms: float = 0.0
    # L1 (sequencer.l1): the rollup contract at `rollup` on the JSON-RPC node `l1_rpc` (or the
    # in-process `l1_web3`); None: no L1 (batches stay closed, deposits only from a devnet faucet)
    l1_rpc: str | None = None
    l1_web3: Any = field(default=None, repr=False, compare=False)  # a web3.Web3 (in-process EVM)
    rollup: str | None = None
    # blocks a queue entry or a batch must be under before the node acts on it (0: at once, the
    # embedded devnet chain; 2+ for real chains, against reorgs)
    l1_confirmations: int = 0
    l1_poll_s: float = 1.0
    l1_from_block: int = 0  # where the queue's events are first looked for (the rollup's deployment)
    # the submitter key: an encrypted keystore (eth-account JSON) and its password file (else the
    # ZKCLEAR_SEQUENCER_PASSWORD environment variable) ...
    sequencer_key: Path | None = None
    sequencer_password_file: Path | None = None
    # ... or a remote signer holding the key (eth_sendTransaction over JSON-RPC)
    sequencer_signer_rpc: str | None = None
    sequencer_address: str | None = None
    l1_batches_per_call: int = 1  # >1: up to this many consecutive proven batches per submitBatches
    l1_stuck_s: float = 60.0  # a sent transaction not mined after this long is re-sent with higher fees

    @property
    def shape(self) -> BatchShape:
        """The node's batch circuit: every closed batch fits it (protocol.md 7.13)."""
        d = BatchShape.default(self.batch_slots)
        return BatchShape(
            self.batch_slots,
            self.batch_queue or d.queue,
            self.batch_withdrawals or d.withdrawals,
            Mode[self.data_mode.upper()],
        )

    @property
    def journal_path(self) -> Path:
        return Path(self.data_dir) / "journal.db"
