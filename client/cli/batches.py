"""`zkclear batches`: the node's closed batches and how far each is through the pipeline
(closed -> proving -> proven -> submitted -> finalized, protocol.md 11), as a table or `--json`."""

from __future__ import annotations

from typing import Any

import click

from client.cli.common import emit_json, json_option, node_errors, node_option, table
from client.http import Client

COLUMNS = ("batch", "status", "ops", "old root", "new root", "proof", "l1 tx")


def _root(v: str) -> str:
    """A root shortened for the table (decimal field element: its first and last digits)."""
    return v if len(v) <= 14 else f"{v[:6]}..{v[-6:]}"


def _proof(b: dict[str, Any]) -> str:
    if b.get("proof") is None:
        err = b.get("prove_error")
        return f"no (attempt {b['prove_attempts']}: {err})" if err else "no"
    s = b.get("prove_s")
    return "yes" if s is None else f"yes ({s:.1f}s)"


@click.command()
@click.option(
    "--limit", type=click.IntRange(1, 500), default=20, show_default=True, help="How many, newest first."
)
@click.option("--before", type=click.IntRange(min=0), default=None, help="Only batches numbered below this.")
@node_option
@json_option
@node_errors
def batches(limit: int, before: int | None, node_url: str, as_json: bool) -> None:
    """List the node's closed batches: status, operations, roots, proof and L1 transaction."""
    with Client(node_url) as c:
        bs = c.batches(limit=limit, before=before)
    if as_json:
        emit_json(bs)
        return
    rows = [
        (
            b["number"],
            b["status"],
            b["n_ops"],
            _root(b["old_root"]),
            _root(b["new_root"]),
            _proof(b),
            b["l1_tx"],
        )
        for b in bs
    ]
    table("batches", COLUMNS, rows)
