"""The escape hatch on real state: accounts of the exchange core (sequencer.exchange.Exchange),
their leaves and Merkle paths from `account_proof`, the global state's preimage checked against
the root on chain (Poseidon in the EVM: circomlibjs's contracts and PoseidonWide). Each escape
pays exactly max(0, value at the proven oracle prices, funding included) of the core's state,
within what the contract holds for L2; a second escape, a forged path or leaf, and a forged
global state are refused."""

from __future__ import annotations

import pytest
from eth_tester.exceptions import TransactionFailed
from web3.exceptions import ContractLogicError

from contracts.exodus import escape_value, exit_state, leaf_args
from native.poseidon import poseidon
from protocol.constants import FIELD_MODULUS as R
from protocol.constants import Tag
from protocol.messages.order import TimeInForce
from sequencer.config import MarketConfig
from tests.contracts.conftest import DEADLINE, Chain
from tests.sequencer.world import BTC, BUY, ETH, SELL, USD, World


def config_row(mc: MarketConfig) -> list[int]:
    row = [
        mc.size_decimals,
        mc.price_decimals,
        mc.tick_size,
        mc.step_size,
        mc.min_order_size,
        mc.initial_margin_ppm,
        mc.maintenance_margin_ppm,
        mc.max_price,
        mc.open_interest_cap,
        mc.price_band_ppm,
        mc.maker_fee_ppm % R,
        mc.taker_fee_ppm,
        mc.liquidation_fee_ppm,
        mc.funding_cap_ppb,
        mc.risk_hash(),
    ]
    assert poseidon([Tag.MARKET_CONFIG, *row]) == mc.config_hash()
    return row


def reverts(fn: object, sender: str, reason: str) -> None:
    with pytest.raises((ContractLogicError, TransactionFailed), match=reason):
        fn.call({"from": sender})  # type: ignore[attr-defined]


def world() -> World:
    """Positions in two markets, funding, then BTC falls 12%: trader 4 (10x long) is underwater."""
    w = World()
    w.funded(4)
    assert w.deposit(4, 1_000 * USD).ok
    w.priced()
    assert w.order(0, BTC, SELL, 5_000_000, 2_000).ok
    assert w.order(4, BTC, BUY, 5_000_000, 2_000, tif=TimeInForce.IOC).ok
    assert w.order(1, ETH, SELL, 300_000, 1_000).ok
    assert w.order(2, ETH, BUY, 300_000, 1_000, tif=TimeInForce.IOC).ok
    assert w.order(3, ETH, BUY, 305_000, 500).ok  # resting (its slot is in orders_root) ...
    assert w.order(1, ETH, SELL, 310_000, 500).ok  # ... a book above the oracle: longs pay funding
    w.tick(3600)
    w.refresh()
    assert w.funding().ok
    assert w.oracle(BTC, 4_400_000).ok
    w.tick(3600)
    w.refresh()
    assert w.funding().ok
    w.ex.close_batch(witness=False)
    return w


@pytest.fixture(scope="module")
def w() -> World:
    return world()


def test_escape_pays_the_core_state(chain: Chain, w: World) -> None:
    ch, r = chain, chain.rollup
    ex = w.ex
    ids = sorted(w.aid(i) for i in range(5))
    states = {a: ex.account_state(a) for a in ids}
    g = ex.global_state()
    # what L2 holds: the deposits (no withdrawal here) = sum(collateral - cost) + fund + pool
    held = 4 * 100_000 * USD + 1_000 * USD
    assert held == sum(s.collateral - sum(s.costs) for s in states.values()) + g.insurance_fund + g.fee_pool
    for _ in range(held // 10**15 + 1):
        ch.tx(ch.token.functions.faucet(r.address, min(10**15, held)), ch.admin)
    minted = ch.token.functions.balanceOf(r.address).call()
    ch.tx(r.functions.testSetStateRoot(ex.state_root.to_bytes(32, "big")), ch.admin)

    markets = [ex.config.markets_by_id.get(m) for m in range(8)]
    rows = [None if mc is None else config_row(mc) for mc in markets]
    mults = [1 if mc is None else 10 ** (6 - mc.size_decimals - mc.price_decimals) for mc in markets]
    steps = [1 if mc is None else mc.step_size for mc in markets]
    proof = ex.account_proof(ids[0])
    state = exit_state(proof.accounts_root, ex.config.params_hash(), rows, g)
    user = ch.users[0]

    reverts(r.functions.publishExitState(state), user, "not frozen")
    ch.tx(r.functions.requestForcedWithdrawal(ids[0], 1), user)
    ch.time_travel(DEADLINE + 1)
    ch.tx(r.functions.freeze(0), user)
    p0 = ex.account_proof(ids[0])
    reverts(
        r.functions.escape(ids[0], leaf_args(p0.state, p0.orders_root), list(p0.siblings)),
        user,
        "not published",
    )
    forged = list(state)
    forged[2] += 1  # insurance fund
    reverts(r.functions.publishExitState(tuple(forged)), user, "not the proven root")
    ch.tx(r.functions.publishExitState(state), user, gas=30_000_000)
    reverts(r.functions.publishExitState(state), user, "already published")
    pool = r.functions.exitPool().call()
    assert pool == minted  # nothing claimable, no unconsumed deposit

    remaining, values = pool, {}
    for a in ids:
        p = ex.account_proof(a)
        assert p.state is not None and p.state == states[a]
        leaf = leaf_args(p.state, p.orders_root)
        sib = list(p.siblings)
        assert len(sib) == 36  # 4-ary path: 3 siblings per level, 12 levels
        if a == ids[0]:  # forgeries (each costs a full proof check in py-evm: once)
            bad_sib = [*sib[:5], (sib[5] + 1) % R, *sib[6:]]
            reverts(r.functions.escape(a, leaf, bad_sib), user, "bad Merkle proof")
            assert sib[0] != sib[1]  # the neighbours' leaves: two brothers out of child order
            reverts(r.functions.escape(a, leaf, [sib[1], sib[0], *sib[2:]]), user, "bad Merkle proof")
            richer = (*leaf[:3], leaf[3] + 1, *leaf[4:])
            reverts(r.functions.escape(a, richer, sib), user, "bad Merkle proof")
            reverts(r.functions.escape(ids[-1] + 1, leaf, sib), user, "bad Merkle proof")
        owner = leaf[2]
        before = ch.token.functions.balanceOf(owner).call()
        ch.tx(r.functions.escape(a, leaf, sib), user, gas=10_000_000)
        values[a] = escape_value(p.state, g, mults, steps)
        pay = min(max(0, values[a]), remaining)
        remaining -= pay
        assert ch.token.functions.balanceOf(owner).call() - before == pay, a
        reverts(r.functions.escape(a, leaf, sib), user, "already escaped")
    assert min(values.values()) < 0  # trader 4 is underwater and is paid nothing
    assert any(m is not None and m.funding_index for m in g.markets)  # funding was due
    # the values and fund plus pool add up to what L2 holds; trader 4's deficit exceeds fund plus
    # pool here, so the last escape was cut (protocol.md 7.12, shortfall) and the pool is empty
    assert sum(values.values()) + g.insurance_fund + g.fee_pool == held
    deficit = -sum(v for v in values.values() if v < 0)
    assert deficit > g.insurance_fund + g.fee_pool
    assert remaining == max(0, held - sum(max(0, v) for v in values.values())) == 0
    assert r.functions.exitPool().call() == remaining
    assert ch.token.functions.balanceOf(r.address).call() == remaining  # never more than it held
