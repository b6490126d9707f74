"""The trader's side of the rollup contract on L1 (protocol.md 7.12), through web3.py: deposits
(approve + deposit), forced withdrawal requests, claims, and after a freeze the escape and the
refund of deposits no batch consumed. Every transaction is signed locally with the trader's
Ethereum key (eth-account) and sent raw, so any JSON-RPC node works (anvil, geth, the devnet's
embedded chain); each call returns the receipt.

A transaction is first estimated: a call the contract would refuse raises `L1Refused` with the
contract's revert reason ("nothing to claim", "not frozen", "already escaped", the token's
"allowance" / "balance", ...) and sends nothing. An L1 that cannot be reached or answers nonsense
raises `L1Unreachable`. The CLI maps them to exit codes 1 and 2 (client/cli/l1_session.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import HTTPProvider, Web3
from web3.exceptions import ContractLogicError, Web3Exception
from web3.logs import DISCARD

from contracts.artifacts import artifact
from protocol.pubdata.fields import PubdataError
from protocol.pubdata.steps.deposit import KIND as DEPOSIT_KIND
from protocol.pubdata.steps.deposit import DepositEntry, pack_key, unpack_key
from protocol.pubdata.steps.forced_withdrawal import KIND as FORCED_KIND

UINT64 = 1 << 64
MAX_ACCOUNT_ID = (1 << 24) - 1
# The estimate is exact on the nodes we know; the margin covers a state change between estimate and
# inclusion (another deposit, a batch) without paying for much unused gas.
GAS_MARGIN = 1.2
GAS_EXTRA = 20_000

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


class L1Error(Exception):
    """A trader's L1 action that failed; `exit_code` is what the CLI exits with."""

    exit_code = 2
    code = "l1_error"

    def __init__(self, message: str, *, tx: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.tx = tx

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.tx is not None:
            out["tx"] = self.tx
        return out


class L1Refused(L1Error):
    """The contract (or the token it calls) refused the call; `reason` is its revert reason."""

    exit_code = 1
    code = "refused"

    def __init__(self, what: str, reason: str, *, tx: str | None = None) -> None:
        super().__init__(f"{what} refused by the contract: {reason}", tx=tx)
        self.reason = reason


class L1Unreachable(L1Error):
    """The L1 node cannot be reached, or what it holds is not a zkclear rollup."""

    code = "unreachable"


def revert_reason(err: Exception) -> str:
    msg = str(getattr(err, "message", None) or err)
    for prefix in ("execution reverted: ", "execution reverted:", "execution reverted"):
        if msg.startswith(prefix):
            msg = msg[len(prefix) :].strip()
            break
    return msg or "reverted without a reason"


@dataclass(frozen=True)
class L1Status:
    """What the rollup holds, and the `who` address's part of it."""

    rollup: str
    token: str
    chain_id: int
    mode: str
    state_root: int
    batches: int
    frozen: bool
    queue_end: int
    queue_consumed: int
    exit_published: bool
    who: str | None
    claimable: int
    token_balance: int
    allowance: int

    @property
    def queue_pending(self) -> int:
        return self.queue_end - self.queue_consumed

    def as_json(self) -> dict[str, Any]:
        return {
            "rollup": self.rollup,
            "token": self.token,
            "chain_id": str(self.chain_id),
            "mode": self.mode,
            "state_root": str(self.state_root),
            "batches": self.batches,
            "frozen": self.frozen,
            "queue_end": self.queue_end,
            "queue_consumed": self.queue_consumed,
            "queue_pending": self.queue_pending,
            "exit_published": self.exit_published,
            "address": self.who,
            "claimable": str(self.claimable),
            "token_balance": str(self.token_balance),
            "allowance": str(self.allowance),
        }


@dataclass(frozen=True)
class Sent:
    """A mined transaction: what it did, its receipt and the figures the CLI shows."""

    what: str
    receipt: Any

    @property
    def tx(self) -> str:
        return "0x" + bytes(self.receipt["transactionHash"]).hex()

    @property
    def gas(self) -> int:
        return int(self.receipt["gasUsed"])

    @property
    def block(self) -> int:
        return int(self.receipt["blockNumber"])

    def as_json(self) -> dict[str, Any]:
        return {"what": self.what, "tx": self.tx, "block": self.block, "gas": self.gas}


@dataclass(frozen=True)
class QueuedDeposit:
    """An L1 queue entry that is a deposit: its index and fields."""

    index: int
    entry: DepositEntry


def web3_for(rpc: str, timeout: float = 30.0) -> Any:
    """A web3 object on a JSON-RPC URL (http(s)://)."""
    if not rpc.startswith(("http://", "https://")):
        raise L1Unreachable(f"{rpc!r} is not an http(s) JSON-RPC URL")
    return Web3(HTTPProvider(rpc, request_kwargs={"timeout": timeout}))


# requests' errors are OSErrors; web3 raises its own for JSON-RPC errors and bad answers
_TRANSPORT_ERRORS = (OSError, Web3Exception, ValueError)


def is_revert(err: Exception) -> bool:
    """A refusal by the EVM: web3's ContractLogicError (JSON-RPC nodes), or the in-process
    EVM's TransactionFailed("execution reverted: ..."), which web3 passes through unchanged."""
    return isinstance(err, ContractLogicError) or str(err).startswith("execution reverted")


class TraderL1:
    """The rollup and its token as one trader uses them. `key` (32 bytes) signs the transactions;
    without one only the reads work."""

    def __init__(
        self,
        w3: Any,
        rollup: str,
        key: bytes | None = None,
        *,
        timeout: float = 120.0,
        gas_limit: int | None = None,
    ) -> None:
        self.w3 = w3
        self.timeout = timeout
        # a fixed gas limit instead of the node's estimate (which, on py-evm, runs the call some 25
        # times: minutes for an escape); a refusal is still found first, by one eth_call
        self.gas_limit = gas_limit
        self.account: LocalAccount | None = Account.from_key(key) if key is not None else None
        try:
            self.address = Web3.to_checksum_address(rollup)
        except ValueError as e:
            raise L1Unreachable(f"{rollup!r} is not an Ethereum address") from e
        try:
            if not w3.eth.get_code(self.address):
                raise L1Unreachable(f"no contract at {self.address}")
            self.rollup = w3.eth.contract(address=self.address, abi=artifact("Rollup")["abi"])
            self.token = w3.eth.contract(
                address=self.rollup.functions.token().call(), abi=artifact("TestToken")["abi"]
            )
            self.chain_id = int(self.rollup.functions.chainId().call())
            self.l1_chain_id = int(w3.eth.chain_id)
        except L1Error:
            raise
        except (ContractLogicError, *_TRANSPORT_ERRORS) as e:
            raise L1Unreachable(f"cannot read the rollup at {self.address}: {e}") from e

    @classmethod
    def connect(
        cls,
        rpc: str,
        rollup: str,
        key: bytes | None = None,
        *,
        timeout: float = 120.0,
        gas_limit: int | None = None,
    ) -> TraderL1:
        return cls(web3_for(rpc), rollup, key, timeout=timeout, gas_limit=gas_limit)

    # ---- reads -------------------------------------------------------------------------------
    def _read(self, what: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except (ContractLogicError, *_TRANSPORT_ERRORS) as e:
            raise L1Unreachable(f"reading {what} from L1 failed: {e}") from e

    @property
    def sender(self) -> str:
        if self.account is None:
            raise L1Error("no Ethereum key: give --eth-key or a keystore that holds one")
        return str(self.account.address)

    def status(self, who: str | None = None) -> L1Status:
        r = self.rollup.functions

        def read() -> L1Status:
            addr = Web3.to_checksum_address(who) if who is not None else None
            return L1Status(
                rollup=self.address,
                token=self.token.address,
                chain_id=self.chain_id,
                mode="rollup" if r.mode().call() == 0 else "validium",
                state_root=int.from_bytes(bytes(r.stateRoot().call()), "big"),
                batches=int(r.batchNumber().call()),
                frozen=bool(r.frozen().call()),
                queue_end=int(r.queueEnd().call()),
                queue_consumed=int(r.queueConsumed().call()),
                exit_published=bool(r.exitPublished().call()),
                who=addr,
                claimable=int(r.claimable(addr).call()) if addr else 0,
                token_balance=int(self.token.functions.balanceOf(addr).call()) if addr else 0,
                allowance=int(self.token.functions.allowance(addr, self.address).call()) if addr else 0,
            )

        return self._read("the rollup's state", read)

    def queue_entries(self) -> dict[int, bytes]:
        """Every L1 queue entry (QueueEntry events), index -> entry bytes."""
        logs = self._read("QueueEntry events", lambda: self.rollup.events.QueueEntry().get_logs(from_block=0))
        return {int(e["args"]["index"]): bytes(e["args"]["entry"]) for e in logs}

    def unconsumed_deposits(self, owner: str) -> list[QueuedDeposit]:
        """`owner`'s deposits that no batch consumed and that were not paid back yet."""
        r = self.rollup.functions
        consumed = self._read("queueConsumed", lambda: int(r.queueConsumed().call()))
        out = []
        for i, entry in sorted(self.queue_entries().items()):
            if i < consumed or entry[0] != DEPOSIT_KIND or len(entry) != 61:
                continue
            if int.from_bytes(entry[1:21], "big") != int(owner, 16):
                continue
            if self._read("depositReclaimed", r.depositReclaimed(i).call):
                continue
            try:
                x, y = unpack_key(int.from_bytes(entry[21:53], "big"))
            except PubdataError as e:  # the contract refuses such keys: the chain is not a rollup's
                raise L1Unreachable(f"queue entry {i}: {e}") from e
            out.append(
                QueuedDeposit(i, DepositEntry(int(owner, 16), x, y, int.from_bytes(entry[53:61], "big")))
            )
        return out

    def overdue_forced_request(self) -> int | None:
        """The first pending forced withdrawal past the forced deadline (what `freeze` takes)."""
        r = self.rollup.functions
        consumed = self._read("queueConsumed", lambda: int(r.queueConsumed().call()))
        deadline = self._read("forcedDeadline", lambda: int(r.forcedDeadline().call()))
        now = self._read("the latest block", lambda: int(self.w3.eth.get_block("latest")["timestamp"]))
        for i, entry in sorted(self.queue_entries().items()):
            if i >= consumed and entry[0] == FORCED_KIND:
                t = int(self._read("forcedRequestTime", r.forcedRequestTime(i).call))
                if t and now > t + deadline:
                    return i
        return None

    # ---- transactions --------------------------------------------------------------------------
    def send(self, fn: Any, what: str) -> Sent:
        """Estimate (a refusal raises L1Refused with the revert reason and sends nothing; with a
        fixed gas limit, one eth_call finds it), sign with the trader's key, send, wait for the
        receipt."""
        acct = self.account
        if acct is None:
            raise L1Error(f"{what}: no Ethereum key (give --eth-key or a keystore that holds one)")
        try:
            gas = self._gas(fn, acct.address, what)
            tx = fn.build_transaction(
                {
                    "from": acct.address,
                    "nonce": self.w3.eth.get_transaction_count(acct.address, "pending"),
                    "gas": gas,
                    "chainId": self.l1_chain_id,
                }
            )
        except _TRANSPORT_ERRORS as e:
            raise L1Unreachable(f"{what}: L1 did not answer: {e}") from e
        try:
            signed = acct.sign_transaction(tx)
            h = self.w3.eth.send_raw_transaction(signed.raw_transaction)
            rc = self.w3.eth.wait_for_transaction_receipt(h, timeout=self.timeout)
        except Exception as e:
            if is_revert(e):
                raise L1Refused(what, revert_reason(e)) from e
            if isinstance(e, _TRANSPORT_ERRORS):
                raise L1Unreachable(f"{what}: sending the transaction failed: {e}") from e
            raise
        sent = Sent(what, rc)
        if rc["status"] != 1:
            raise L1Refused(what, self._reason_at(fn, acct.address, sent.block), tx=sent.tx)
        return sent

    def _gas(self, fn: Any, sender: str, what: str) -> int:
        """The transaction's gas limit: the node's estimate with a margin, or the fixed limit."""
        try:
            if self.gas_limit is not None:
                fn.call({"from": sender, "gas": self.gas_limit})
                return self.gas_limit
            return int(int(fn.estimate_gas({"from": sender})) * GAS_MARGIN) + GAS_EXTRA
        except Exception as e:
            if is_revert(e):
                raise L1Refused(what, revert_reason(e)) from e
            if isinstance(e, _TRANSPORT_ERRORS):
                raise L1Unreachable(f"{what}: L1 did not answer: {e}") from e
            raise

    def _reason_at(self, fn: Any, sender: str, block: int) -> str:
        """Why a mined transaction reverted: the same call replayed on the state before it."""
        try:
            fn.call({"from": sender}, block_identifier=block - 1)
        except Exception as e:
            if is_revert(e):
                return revert_reason(e)
            if not isinstance(e, _TRANSPORT_ERRORS):
                raise
        return "reverted (the state changed between the estimate and the block)"

    def approve(self, amount: int) -> Sent:
        return self.send(self.token.functions.approve(self.address, amount), "approve")

    def deposit(
        self, pub: tuple[int, int], amount: int, *, approve: bool = True, progress: Progress = _quiet
    ) -> tuple[list[Sent], int]:
        """Queue a deposit of `amount` collateral units to the L2 key `pub` (owner: the sender):
        first an approval of the missing allowance (unless `approve` is false). Returns the
        transactions and the deposit's queue index."""
        if not 0 < amount < UINT64:
            raise L1Error(f"deposit amount {amount} is not in 1 .. 2^64 - 1")
        try:
            pack_key(*pub)
        except PubdataError as e:
            raise L1Error(str(e)) from e
        sender = self.sender
        st = self.status(sender)
        if st.frozen:
            raise L1Refused("deposit", "frozen")
        if st.token_balance < amount:
            raise L1Refused(
                "deposit",
                f"balance: {sender} holds {st.token_balance} token units, the deposit needs {amount}",
            )
        if not approve and st.allowance < amount:
            raise L1Refused(
                "deposit",
                f"allowance: the rollup may take {st.allowance} of {sender}'s token units, the deposit "
                f"needs {amount} (approve first)",
            )
        sent = []
        if approve and st.allowance < amount:
            progress(f"approving {amount} token units for the rollup")
            sent.append(self.approve(amount))
        progress(f"depositing {amount} to the L2 key")
        dep = self.send(self.rollup.functions.deposit(pub[0], pub[1], amount), "deposit")
        sent.append(dep)
        return sent, self._queue_index(dep)

    def _queue_index(self, sent: Sent) -> int:
        events = self.rollup.events.QueueEntry().process_receipt(sent.receipt, errors=DISCARD)
        if len(events) != 1:
            raise L1Unreachable(f"{sent.what}: {len(events)} QueueEntry events in {sent.tx}")
        return int(events[0]["args"]["index"])

    def request_forced_withdrawal(self, account_id: int, amount: int) -> tuple[Sent, int]:
        """Queue a forced withdrawal of up to `amount` from `account_id` (paid to the sender if it
        owns the account, protocol.md 4.9). Returns the transaction and its queue index."""
        if not 0 < account_id <= MAX_ACCOUNT_ID:
            raise L1Error(f"account id {account_id} is not in 1 .. 2^24 - 1")
        if not 0 < amount < UINT64:
            raise L1Error(f"amount {amount} is not in 1 .. 2^64 - 1")
        sent = self.send(
            self.rollup.functions.requestForcedWithdrawal(account_id, amount), "forced withdrawal request"
        )
        return sent, self._queue_index(sent)

    def claim(self, to: str | None = None) -> tuple[Sent, int]:
        """Take the sender's credited withdrawals (to `to`, default the sender). Returns the
        transaction and the amount paid."""
        r = self.rollup.functions
        if to is None:
            sent = self.send(r.claim(), "claim")
        else:
            sent = self.send(r.claimTo(Web3.to_checksum_address(to)), "claim")
        events = self.rollup.events.Claimed().process_receipt(sent.receipt, errors=DISCARD)
        return sent, sum(int(e["args"]["amount"]) for e in events)

    def freeze(self, index: int) -> Sent:
        return self.send(self.rollup.functions.freeze(index), "freeze")

    def reclaim_deposit(self, d: QueuedDeposit) -> Sent:
        """Once frozen: pay back a deposit no batch consumed (to its owner)."""
        e = d.entry
        fn = self.rollup.functions.reclaimDeposit(
            d.index, Web3.to_checksum_address(f"{e.owner:#042x}"), pack_key(e.pub_x, e.pub_y), e.amount
        )
        return self.send(fn, f"refund of deposit {d.index}")

    def publish_exit_state(self, state: Sequence[Any]) -> Sent:
        """Once frozen: publish the last proven root's preimage (once, for every account)."""
        return self.send(self.rollup.functions.publishExitState(tuple(state)), "publishing the exit state")

    def exit_accounts_root(self) -> int:
        return int(self._read("exitAccountsRoot", lambda: self.rollup.functions.exitAccountsRoot().call()))

    def escaped(self, account_id: int) -> bool:
        return bool(self._read("escaped", lambda: self.rollup.functions.escaped(account_id).call()))

    def escape(self, account_id: int, leaf: Sequence[Any], siblings: Sequence[int]) -> tuple[Sent, int, int]:
        """Once the exit state is published: pay the account's leaf owner. Returns the transaction,
        the account's value at the exit prices and what was paid."""
        leaf = (*leaf[:2], Web3.to_checksum_address(leaf[2]), *leaf[3:])  # Leaf.owner
        sent = self.send(self.rollup.functions.escape(account_id, leaf, list(siblings)), "escape")
        (ev,) = self.rollup.events.Escaped().process_receipt(sent.receipt, errors=DISCARD)
        return sent, int(ev["args"]["value"]), int(ev["args"]["paid"])
