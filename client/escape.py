"""What an exit after a freeze proves (protocol.md 7.12, contracts/src/Exodus.sol): the preimage of
the last proven root (`publishExitState`, once for everyone) and one account's leaf and 4-ary
Merkle path (`escape`). Built either from the state rebuilt from L1 data alone (client/verify.py's
`verify_chain`, rollup mode: nothing of the operator is trusted) or from the node's
`GET /v1/accounts/{id}/proof?batch=N` and `GET /v1/params?batch=N` (validium, or a quicker exit
while the node still answers). Either way the contract checks everything against its stored root;
the client checks it first so that a wrong input is named before any gas is spent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from circuits.primitives.poseidon import poseidon
from circuits.primitives.smt import root_from_path
from contracts.exodus import escape_value, exit_state, leaf_args
from protocol import hashing as H
from protocol.constants import FIELD_MODULUS as R
from protocol.constants import MAX_MARKETS, Tag
from protocol.pubdata.rebuild import Rebuilder
from protocol.records import AccountState, GlobalState, MarketState

CONFIG_ROW = 15  # config_hash's inputs after its tag: 14 config fields and risk_hash


class ExitDataError(ValueError):
    """The exit's inputs (parameters, proof, rebuilt state) do not fit together or the account
    has no leaf."""


class NoLeaf(ExitDataError):
    """The account has no leaf in the proven state (its deposits were never consumed, say)."""


@dataclass(frozen=True)
class ExitProof:
    """Everything `escape` (and, if nobody has yet, `publishExitState`) needs for one account."""

    batch: int  # the last proven batch whose root it proves against
    state_root: int
    exit_state: tuple[Any, ...]  # publishExitState's ExitState
    account_id: int
    state: AccountState
    orders_root: int
    siblings: tuple[int, ...]
    global_state: GlobalState
    rows: tuple[Sequence[int] | None, ...]

    @property
    def accounts_root(self) -> int:
        return int(self.exit_state[0])

    @property
    def leaf(self) -> tuple[Any, ...]:
        return leaf_args(self.state, self.orders_root)

    @property
    def value(self) -> int:
        """What the escape values the account at (it pays max(0, value) within the exit pool)."""
        mults = [1 if r is None else 10 ** (6 - r[0] - r[1]) for r in self.rows]
        steps = [1 if r is None else r[3] for r in self.rows]
        return escape_value(self.state, self.global_state, mults, steps)


def _int(v: Any, what: str) -> int:
    if isinstance(v, bool) or not isinstance(v, int | str):
        raise ExitDataError(f"{what}: {v!r} is not an integer")
    try:
        return int(v)
    except ValueError as e:
        raise ExitDataError(f"{what}: {v!r} is not an integer") from e


def _markets(params: dict[str, Any]) -> list[Any]:
    ms = params.get("markets")
    if not isinstance(ms, list) or len(ms) > MAX_MARKETS:
        raise ExitDataError("params: `markets` must be a list of at most 8 market slots")
    return ms + [None] * (MAX_MARKETS - len(ms))


def config_rows(params: dict[str, Any], config_hashes: Sequence[int | None]) -> tuple[list[int] | None, ...]:
    """Per market slot, the 15 inputs of its config_hash after the tag, from a `GET /v1/params`
    body (`config` in hashed order, then `risk_hash`); each must hash to `config_hashes[m]`."""
    rows: list[list[int] | None] = []
    for m, body in enumerate(_markets(params)):
        want = config_hashes[m] if m < len(config_hashes) else None
        if body is None or want is None:
            if (body is None) != (want is None):
                raise ExitDataError(f"params: market slot {m} is configured in one source and not the other")
            rows.append(None)
            continue
        try:
            cfg = body["config"]
            row = [_int(v, f"market {m} config") % R for v in cfg.values()]
            row.append(_int(body["risk_hash"], f"market {m} risk_hash"))
        except (KeyError, TypeError, AttributeError) as e:
            raise ExitDataError(f"params: market {m} lacks its config inputs ({e!r})") from e
        if len(row) != CONFIG_ROW or poseidon([Tag.MARKET_CONFIG, *row]) != want:
            raise ExitDataError(f"params: market {m}'s config does not hash to its config_hash {want}")
        rows.append(row)
    return tuple(rows)


def _exit_proof(
    batch: int,
    state_root: int,
    accounts_root: int,
    params_hash: int,
    rows: tuple[list[int] | None, ...],
    g: GlobalState,
    account_id: int,
    state: AccountState,
    orders_root: int,
    siblings: Sequence[int],
) -> ExitProof:
    hashes = tuple(None if r is None else poseidon([Tag.MARKET_CONFIG, *r]) for r in rows)
    if H.state_root(accounts_root, H.global_hash(params_hash, hashes, g)) != state_root:
        raise ExitDataError(
            f"the global state and accounts root do not give batch {batch}'s root {state_root}"
        )
    leaf = H.account_leaf(state, H.positions_hash(H.position_hashes(state)), orders_root)
    if len(siblings) != 36 or root_from_path(account_id, leaf, list(siblings)) != accounts_root:
        raise ExitDataError(f"account {account_id}'s leaf and path do not give the accounts root")
    return ExitProof(
        batch,
        state_root,
        exit_state(accounts_root, params_hash, rows, g),
        account_id,
        state,
        orders_root,
        tuple(siblings),
        g,
        rows,
    )


def from_rebuild(rb: Rebuilder, params: dict[str, Any], batch: int, account_id: int) -> ExitProof:
    """From the state `verify_chain` rebuilt from L1 (after batch `batch`, the last proven one) and
    a `GET /v1/params` body for the markets' config inputs (checked against the genesis hashes)."""
    got = rb.account(account_id)
    if got is None:
        raise NoLeaf(f"account {account_id} has no leaf in the state proven by batch {batch}")
    if rb.global_state is None:
        raise ExitDataError("no batch proven: there is nothing to exit from")
    rows = config_rows(params, rb.genesis.config_hashes)
    state, orders_root = got
    return _exit_proof(
        batch,
        rb.root,
        rb.tree.root,
        rb.genesis.params_hash,
        rows,
        rb.global_state,
        account_id,
        state,
        orders_root,
        rb.proof(account_id).siblings,
    )


def global_state_of(params: dict[str, Any]) -> GlobalState:
    """The committed global state of a `GET /v1/params` body."""
    markets: list[MarketState | None] = []
    try:
        for m, body in enumerate(_markets(params)):
            if body is None:
                markets.append(None)
                continue
            markets.append(MarketState(*(_int(body[k], f"market {m} {k}") for k in MarketState._fields)))
        return GlobalState(
            _int(params["insurance_fund"], "insurance_fund"),
            _int(params["fee_pool"], "fee_pool"),
            _int(params["funding_time"], "funding_time"),
            tuple(markets),
        )
    except (KeyError, TypeError) as e:
        raise ExitDataError(f"params: missing field {e}") from e


def account_state_of(body: dict[str, Any]) -> AccountState:
    """The `account` object of a `GET /v1/accounts/{id}/proof` answer."""
    try:
        return AccountState(
            _int(body["pub_x"], "pub_x"),
            _int(body["pub_y"], "pub_y"),
            int(str(body["owner"]), 16),
            _int(body["collateral"], "collateral"),
            _int(body["nonce"], "nonce"),
            tuple(_int(v, "sizes") for v in body["sizes"]),
            tuple(_int(v, "costs") for v in body["costs"]),
            tuple(_int(v, "funding_snapshots") for v in body["funding_snapshots"]),
            _int(body["auction_start"], "auction_start"),
        )
    except (KeyError, TypeError, ValueError) as e:
        raise ExitDataError(f"proof: malformed account ({e!r})") from e


def from_node(proof: dict[str, Any], params: dict[str, Any], account_id: int) -> ExitProof:
    """From the node's answers for the same batch: `GET /v1/accounts/{id}/proof?batch=N` and
    `GET /v1/params?batch=N`."""
    if proof.get("account") is None:
        raise NoLeaf(f"account {account_id} has no leaf in the node's batch {proof.get('batch')}")
    batch = _int(proof.get("batch"), "proof batch")
    if _int(params.get("batch"), "params batch") != batch:
        raise ExitDataError(
            f"the node answered the proof of batch {batch} and the params of {params.get('batch')}"
        )
    hashes = [None if m is None else _int(m.get("config_hash"), "config_hash") for m in _markets(params)]
    try:
        siblings = [_int(s, "siblings") for s in proof["siblings"]]
        return _exit_proof(
            batch,
            _int(proof["root"], "root"),
            _int(proof["accounts_root"], "accounts_root"),
            _int(params["params_hash"], "params_hash"),
            config_rows(params, hashes),
            global_state_of(params),
            account_id,
            account_state_of(proof["account"]),
            _int(proof["orders_root"], "orders_root"),
            siblings,
        )
    except (KeyError, TypeError) as e:
        raise ExitDataError(f"proof: missing field {e}") from e


def find_account(rb: Rebuilder, pub: tuple[int, int]) -> int | None:
    """The id of the rebuilt account whose L2 key is `pub`."""
    for aid, (st, _) in sorted(rb.states.items()):
        if (st.pub_x, st.pub_y) == tuple(pub):
            return aid
    return None
