"""Signed collateral movements: withdrawals to L1 and transfers between accounts."""

from __future__ import annotations

from aiohttp import web

from sequencer.node import schemas as S
from sequencer.node.routes.common import ID, INT, SIGNED_ERRORS, signed_schema
from sequencer.node.routes.orders import submit_one
from sequencer.node.routing import RouteTable

ROUTES = RouteTable("funds")

WITHDRAW_FIELDS = {
    "account_id": ID,
    "amount": INT,
    "recipient": {**INT, "description": "L1 address as an integer (decimal string)"},
    "nonce": {"type": "integer", "description": "the account's next nonce"},
    "expiry": {"type": "integer"},
}
TRANSFER_FIELDS = {
    "from_id": ID,
    "to_id": ID,
    "amount": INT,
    "nonce": {"type": "integer"},
    "expiry": {"type": "integer"},
}
ERRORS = (*SIGNED_ERRORS, "insufficient_collateral", "rejected")


@ROUTES.post(
    "/v1/withdrawals",
    summary="Withdraw free collateral to an L1 address (signed)",
    description="Leaves the L2 state at once; paid on L1 when the batch holding it is proven (not built yet).",
    request=signed_schema(WITHDRAW_FIELDS, list(WITHDRAW_FIELDS), "A signed withdrawal"),
    response=S.WITHDRAW_RESULT,
    errors=ERRORS,
)
async def withdraw(request: web.Request) -> web.Response:
    return await submit_one(request, "withdraw")


@ROUTES.post(
    "/v1/transfers",
    summary="Transfer free collateral to another account (signed)",
    request=signed_schema(TRANSFER_FIELDS, list(TRANSFER_FIELDS), "A signed transfer"),
    response=S.TRANSFER_RESULT,
    errors=(*ERRORS, "unknown_account"),
)
async def transfer(request: web.Request) -> web.Response:
    return await submit_one(request, "transfer")
