"""Market and exchange parameters, their validation and their commitments (config hashes).

The parameters every rule reads are committed into the state root (market config hash, params
hash), so the batch circuit takes them as witnesses tied to the root instead of constants.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from native.poseidon import poseidon
from protocol import constants as C
from protocol.constants import Tag

R = C.FIELD_MODULUS


class ConfigError(ValueError):
    """A market or exchange configuration breaks a rule (raised at construction)."""


@dataclass(frozen=True)
class MarketConfig:
    """One perpetual market.

    Units: a size integer counts 10^-size_decimals of the base asset, a price integer counts
    10^-price_decimals USD per base asset, so the notional of (size, price) in collateral units
    (10^-6 USD) is exactly size * price * multiplier with multiplier = 10^(6 - size_decimals -
    price_decimals); size_decimals + price_decimals <= 6 keeps that an integer.
    """

    market_id: int
    symbol: str
    size_decimals: int
    price_decimals: int
    tick_size: int  # order prices are multiples of this (price units)
    step_size: int  # order sizes are multiples of this (size units); also the funding lot
    min_order_size: int  # size units, a multiple of step_size
    initial_margin_ppm: int
    maintenance_margin_ppm: int
    max_price: int  # bound on every price of this market (oracle and orders)
    open_interest_cap: int  # bound on the long open interest (size units)
    price_band_ppm: int  # order and fill prices within +-band of the oracle price
    maker_fee_ppm: int  # negative: a rebate
    taker_fee_ppm: int
    liquidation_fee_ppm: int  # penalty on the notional closed by a liquidation
    funding_cap_ppb: int  # |funding rate| per interval, parts per 10^9
    oracle_max_move_ppm: int  # largest oracle price move accepted in one update
    # ---- oracle safety, circuit breakers, mark price (protocol.md 4.7, 4.11, 4.12) ----
    oracle_move_ppm_per_s: int = 5_000  # ... and per second between the two updates' oracle times
    breaker_move_ppm: int = 100_000  # a move past this from the window's reference trips the breaker
    breaker_window_s: int = 300  # the breaker's reference price is renewed after this long
    cooldown_s: int = 300  # how long a tripped breaker (reduce-only) or a recovery (halt) lasts
    mark_window_s: int = 300  # time constant of the book premium's time average (mark price)
    oi_fund_multiple: int = 0  # OI notional at most this times the insurance fund (0: no such cap)

    def __post_init__(self) -> None:
        self.validate()

    @property
    def multiplier(self) -> int:
        return 10 ** (C.COLLATERAL_DECIMALS - self.size_decimals - self.price_decimals)

    @property
    def max_leverage(self) -> Fraction:
        """Largest position notional per unit of account value (1 / initial margin fraction)."""
        return Fraction(C.PPM, self.initial_margin_ppm)

    def validate(self) -> None:
        def need(ok: bool, why: str) -> None:
            if not ok:
                raise ConfigError(f"market {self.market_id} ({self.symbol}): {why}")

        ints = [v for k, v in self.__dict__.items() if k != "symbol"]
        need(all(isinstance(v, int) and not isinstance(v, bool) for v in ints), "every parameter is an int")
        need(0 <= self.market_id < C.MAX_MARKETS, f"market id must be below {C.MAX_MARKETS}")
        need(min(self.size_decimals, self.price_decimals) >= 0, "decimals are non-negative")
        need(self.size_decimals + self.price_decimals <= C.COLLATERAL_DECIMALS, "size + price decimals <= 6")
        need(0 < self.tick_size <= self.max_price < (1 << C.PRICE_BITS), "0 < tick <= max_price < 2^40")
        need(0 < self.step_size <= self.min_order_size, "0 < step_size <= min_order_size")
        need(self.min_order_size % self.step_size == 0, "min_order_size is a multiple of step_size")
        need(0 < self.open_interest_cap < (1 << C.SIZE_BITS), "0 < open_interest_cap < 2^48")
        need(self.open_interest_cap % self.step_size == 0, "open_interest_cap is a multiple of step_size")
        need(
            self.open_interest_cap * self.max_price * self.multiplier < (1 << C.NOTIONAL_BITS),
            "open_interest_cap * max_price * multiplier < 2^72 (largest notional)",
        )
        need(
            0 < self.maintenance_margin_ppm <= self.initial_margin_ppm <= C.PPM,
            "0 < maintenance margin <= initial margin <= 100%",
        )
        need(0 < self.price_band_ppm < C.PPM, "0 < price band < 100%")
        need(abs(self.maker_fee_ppm) <= C.FEE_PPM_BOUND, "|maker fee| <= 10%")
        need(0 <= self.taker_fee_ppm <= C.FEE_PPM_BOUND, "0 <= taker fee <= 10%")
        need(self.maker_fee_ppm + self.taker_fee_ppm >= 0, "maker rebate never exceeds the taker fee")
        need(0 <= self.liquidation_fee_ppm <= self.maintenance_margin_ppm, "0 <= liquidation fee <= mmf")
        need(0 <= self.funding_cap_ppb <= C.FUNDING_CAP_BOUND, "0 <= funding cap <= 10% per interval")
        need(0 < self.oracle_max_move_ppm <= C.PPM, "0 < oracle max move <= 100%")
        need(0 < self.oracle_move_ppm_per_s <= C.PPM, "0 < oracle move per second <= 100%")
        need(0 < self.breaker_move_ppm < C.PPM, "0 < breaker move < 100%")
        durations = (self.breaker_window_s, self.cooldown_s, self.mark_window_s)
        need(all(0 < d < (1 << C.DURATION_BITS) for d in durations), "breaker window, cool-down, mark window")
        need(0 <= self.oi_fund_multiple < (1 << C.OI_FUND_MULTIPLE_BITS), "0 <= oi_fund_multiple < 2^32")
        # One accepted step must not take a maximally levered position past bankruptcy
        # (protocol.md 4.2): with d the largest mark move of one oracle update, f the funding cap
        # and b the band (the index price P is within b of the mark M: funding on |s| * P costs
        # at most f * N / (1 - b) of the notional N at the mark):
        d, f, b = self.oracle_max_move_ppm, self.funding_cap_ppb, self.price_band_ppm
        imf, mmf = self.initial_margin_ppm, self.maintenance_margin_ppm
        need(d < mmf, "oracle max move < maintenance margin (an account at maintenance survives one update)")
        need(
            f * 1_000 < mmf * (C.PPM - b),
            "funding cap * 10^3 < maintenance margin * (10^6 - band) (... and one funding tick)",
        )
        need(
            f * (C.PPM + d) < (imf - d) * 1_000 * (C.PPM - b),
            "funding cap * (10^6 + max move) < (initial margin - max move) * 10^3 * (10^6 - band)"
            " (a fully levered position survives one update and one tick)",
        )

    def risk_hash(self) -> int:
        """Poseidon([TAG_MARKET_RISK, oracle_max_move_ppm, oracle_move_ppm_per_s, breaker_move_ppm,
        breaker_window_s, cooldown_s, mark_window_s, oi_fund_multiple]): the oracle and risk
        parameters, the last input of the config hash (room for 8 more)."""
        return poseidon(
            [
                Tag.MARKET_RISK,
                self.oracle_max_move_ppm,
                self.oracle_move_ppm_per_s,
                self.breaker_move_ppm,
                self.breaker_window_s,
                self.cooldown_s,
                self.mark_window_s,
                self.oi_fund_multiple,
            ]
        )

    def config_hash(self) -> int:
        """Poseidon([TAG_MARKET_CONFIG, size_decimals, ..., funding_cap_ppb, risk_hash]): 16 inputs."""
        return poseidon(
            [
                Tag.MARKET_CONFIG,
                self.size_decimals,
                self.price_decimals,
                self.tick_size,
                self.step_size,
                self.min_order_size,
                self.initial_margin_ppm,
                self.maintenance_margin_ppm,
                self.max_price,
                self.open_interest_cap,
                self.price_band_ppm,
                self.maker_fee_ppm % R,
                self.taker_fee_ppm,
                self.liquidation_fee_ppm,
                self.funding_cap_ppb,
                self.risk_hash(),
            ]
        )


@dataclass(frozen=True)
class ExchangeConfig:
    """Exchange-wide parameters: signing domain, oracle signer set, funding schedule, markets."""

    chain_id: int
    rollup_address: int  # the rollup contract's address as an integer (160 bits)
    markets: tuple[MarketConfig, ...]
    oracle_signers: tuple[tuple[int, int], ...]  # BabyJubJub public keys (x, y)
    oracle_quorum: int
    oracle_max_age_s: int = 60  # a signed oracle price older than this is stale
    oracle_max_skew_s: int = 5  # ... and one dated further than this in the future is rejected
    funding_interval_s: int = 3600
    funding_premium_divisor: int = 8  # rate = premium / divisor per interval (before the cap)
    insurance_fund: int = 0  # genesis insurance fund (the L1 contract starts holding it)
    # an update of a stale market signed by this many signers may move any distance (4.7); 0: all
    oracle_recovery_quorum: int = 0
    # a liquidation auction's price moves from the oracle price to the bankruptcy price over this
    # time, then holds there as long again (protocol.md 4.8)
    auction_duration_s: int = 300
    markets_by_id: dict[int, MarketConfig] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "markets_by_id", {m.market_id: m for m in self.markets})
        self.validate()

    def validate(self) -> None:
        def need(ok: bool, why: str) -> None:
            if not ok:
                raise ConfigError(f"exchange config: {why}")

        need(0 <= self.chain_id < (1 << C.CHAIN_ID_BITS), "chain id fits 64 bits")
        need(0 <= self.rollup_address < (1 << C.ADDRESS_BITS), "rollup address fits 160 bits")
        need(len(self.markets_by_id) == len(self.markets) > 0, "at least one market, ids distinct")
        need(0 < len(self.oracle_signers) <= C.MAX_ORACLE_SIGNERS, "1..7 oracle signers")
        need(len(set(self.oracle_signers)) == len(self.oracle_signers), "oracle signers distinct")
        need(all(0 <= c < R for k in self.oracle_signers for c in k), "oracle keys are field elements")
        need(0 < self.oracle_quorum <= len(self.oracle_signers), "0 < quorum <= number of signers")
        need(2 * self.oracle_quorum > len(self.oracle_signers), "quorum is a majority of the signers")
        need(0 < self.oracle_max_age_s < (1 << 32) and 0 <= self.oracle_max_skew_s < (1 << 32), "oracle ages")
        need(0 < self.funding_interval_s < (1 << 32), "funding interval")
        need(0 < self.funding_premium_divisor < (1 << 32), "funding premium divisor")
        need(0 <= self.insurance_fund < (1 << C.AMOUNT_BITS), "genesis insurance fund fits 64 bits")
        need(0 < self.auction_duration_s < (1 << C.AUCTION_DURATION_BITS), "auction duration")
        need(
            self.oracle_recovery_quorum == 0
            or self.oracle_quorum <= self.oracle_recovery_quorum <= len(self.oracle_signers),
            "0 (every signer) or quorum <= recovery quorum <= number of signers",
        )

    @property
    def recovery_quorum(self) -> int:
        """Signers an oracle recovery needs (protocol.md 4.7): oracle_recovery_quorum, 0 meaning all."""
        return self.oracle_recovery_quorum or len(self.oracle_signers)

    def market(self, market_id: int) -> MarketConfig | None:
        return self.markets_by_id.get(market_id)

    def domain_hash(self) -> int:
        return domain_hash(self.chain_id, self.rollup_address)

    def oracle_set_hash(self) -> int:
        """Poseidon([TAG_ORACLE_SET, x0, y0, ..., x6, y6]); missing signers are (0, 0)."""
        flat = [c for key in self.oracle_signers for c in key]
        flat += [0] * (2 * C.MAX_ORACLE_SIGNERS - len(flat))
        return poseidon([Tag.ORACLE_SET, *flat])

    def committed_params(self) -> dict[str, int]:
        """The params_hash inputs between oracle_set_hash and the domain, in hashed order (the
        batch circuit's ParamsVars and GET /v1/params read these names)."""
        return {
            "oracle_quorum": self.oracle_quorum,
            "oracle_max_age_s": self.oracle_max_age_s,
            "oracle_max_skew_s": self.oracle_max_skew_s,
            "funding_interval_s": self.funding_interval_s,
            "funding_premium_divisor": self.funding_premium_divisor,
            "recovery_quorum": self.recovery_quorum,
            "auction_duration_s": self.auction_duration_s,
        }

    def params_hash(self) -> int:
        """Poseidon([TAG_PARAMS, oracle_set_hash, quorum, max_age, max_skew, funding_interval,
        premium_divisor, recovery_quorum, auction_duration_s, domain_hash]): the signing domain is
        committed with the parameters, so a batch proof can only accept messages signed for this
        chain and rollup contract."""
        return poseidon(
            [Tag.PARAMS, self.oracle_set_hash(), *self.committed_params().values(), self.domain_hash()]
        )


def domain_hash(chain_id: int, rollup_address: int) -> int:
    """Poseidon([TAG_DOMAIN, chain_id, rollup_address]): the signing domain of every message."""
    return poseidon([Tag.DOMAIN, chain_id, rollup_address])
