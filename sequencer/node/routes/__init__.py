"""HTTP routes, one module per endpoint group; each declares `ROUTES`, a RouteTable."""

from sequencer.node.routes import (
    accounts,
    batches,
    devnet,
    funds,
    liquidations,
    market,
    meta,
    metrics,
    oracle,
    orders,
    stream,
)

ALL_TABLES = [
    meta.ROUTES,
    orders.ROUTES,
    liquidations.ROUTES,
    funds.ROUTES,
    market.ROUTES,
    oracle.ROUTES,
    accounts.ROUTES,
    batches.ROUTES,
    stream.ROUTES,
    metrics.ROUTES,
]
DEVNET_TABLES = [devnet.ROUTES]

__all__ = ["ALL_TABLES", "DEVNET_TABLES"]
