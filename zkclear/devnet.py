"""`zkclear devnet`: the all-in-one local network behind `make run` (node + embedded L1 + prover)."""

from __future__ import annotations

import click


@click.command()
def devnet() -> None:
    """Start the all-in-one devnet on the embedded defaults."""
    raise click.ClickException(
        "the devnet is not built yet: the sequencer node (issue 6) and the L1 rollup contract are pending. "
        "What works today: `zkclear --help` lists the commands that are in place."
    )
